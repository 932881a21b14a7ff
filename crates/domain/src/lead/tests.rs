use super::*;
use crate::ids::UserId;
use crate::record::Owned;
use jiff::Timestamp;
use uuid::Uuid;

fn lead() -> Lead {
    let input = LeadInput {
        last_name: Some("Lovelace".into()),
        email: Some("ADA@x.org".into()),
        ..Default::default()
    };
    let details = LeadDetails::parse(&input, None, LeadSource::Manual).unwrap();
    Lead::new(
        LeadId(Uuid::nil()),
        details,
        RecordMeta::new(UserId(Uuid::nil()), None, Timestamp::UNIX_EPOCH),
    )
    .0
}

/// Every (from, action, to) that is allowed; every other pair must be refused.
const ALLOWED: &[(LeadStatus, LeadAction, LeadStatus)] = {
    use LeadAction as A;
    use LeadStatus as S;
    &[
        (S::New, A::Work, S::Working),
        (S::New, A::Nurture, S::Nurturing),
        (S::New, A::Qualify, S::Qualified),
        (S::New, A::Disqualify, S::Disqualified),
        (S::Working, A::Nurture, S::Nurturing),
        (S::Working, A::Qualify, S::Qualified),
        (S::Working, A::Disqualify, S::Disqualified),
        (S::Nurturing, A::Work, S::Working),
        (S::Nurturing, A::Qualify, S::Qualified),
        (S::Nurturing, A::Disqualify, S::Disqualified),
        (S::Qualified, A::Reopen, S::Working),
        (S::Disqualified, A::Reopen, S::Working),
        (S::Qualified, A::Convert, S::Converted),
    ]
};

#[test]
fn state_machine_table_is_exhaustive() {
    for &from in LeadStatus::ALL {
        for &action in LeadAction::ALL {
            let expected = ALLOWED
                .iter()
                .find(|(f, a, _)| *f == from && *a == action)
                .map(|(_, _, t)| *t);
            assert_eq!(next_status(from, action), expected, "{from} --{action}-->");
        }
    }
}

#[test]
fn disqualify_needs_reason_and_records_it() {
    let l = lead();
    let now = Timestamp::from_second(60).unwrap();
    assert_eq!(
        l.transition(LeadAction::Disqualify, Some("  "), now)
            .unwrap_err(),
        TransitionError::ReasonRequired
    );
    let (next, change) = l
        .transition(LeadAction::Disqualify, Some("no budget"), now)
        .unwrap();
    assert_eq!(next.status, LeadStatus::Disqualified);
    assert_eq!(next.disqualify_reason.as_deref(), Some("no budget"));
    assert_eq!(next.meta.version, 2);
    assert_eq!(change.from_state.as_deref(), Some("new"));
    assert_eq!(change.to_state.as_deref(), Some("disqualified"));
    let (reopened, _) = next.transition(LeadAction::Reopen, None, now).unwrap();
    assert_eq!(reopened.disqualify_reason, None);
}

#[test]
fn edit_merges_and_reports_changed_fields() {
    let l = lead();
    let input = LeadInput {
        company: Some("Analytical Engines".into()),
        email: Some("".into()),
        ..Default::default()
    };
    let details = LeadDetails::parse(&input, Some(&l.details), LeadSource::Manual).unwrap();
    assert_eq!(details.last_name.as_str(), "Lovelace");
    let (next, change) = l.edit(details, None, Timestamp::UNIX_EPOCH).unwrap();
    let fields: Vec<_> = change.fields.iter().map(|c| c.field.as_str()).collect();
    assert_eq!(fields, ["company", "email"]);
    assert_eq!(next.details.email, None);
    assert!(
        l.edit(l.details.clone(), None, Timestamp::UNIX_EPOCH)
            .is_none()
    );
}

#[test]
fn parse_reports_every_bad_field() {
    let input = LeadInput {
        email: Some("nope".into()),
        source: Some("tv".into()),
        ..Default::default()
    };
    let errors = LeadDetails::parse(&input, None, LeadSource::Manual).unwrap_err();
    let codes: Vec<_> = errors
        .0
        .iter()
        .map(|e| (e.field.as_str(), e.code))
        .collect();
    assert_eq!(
        codes,
        [
            ("last_name", "required"),
            ("email", "invalid_email"),
            ("source", "invalid_choice")
        ]
    );
}

#[test]
fn archive_is_idempotent() {
    let l = lead();
    let (archived, change) = l.set_archived(true, Timestamp::UNIX_EPOCH).unwrap();
    assert_eq!(change.activity, "archived");
    assert!(archived.set_archived(true, Timestamp::UNIX_EPOCH).is_none());
}
