use super::*;
use crate::ids::UserId;
use crate::pipeline::{PipelineInput, StageInput};

fn pipeline() -> Pipeline {
    let stage = |name: &str, kind: &str, required: &[&str]| StageInput {
        name: name.into(),
        kind: Some(kind.into()),
        required_fields: required.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    };
    let mut n = 0;
    Pipeline::parse(
        &PipelineInput {
            name: "New business".into(),
            stages: vec![
                stage("Qualification", "open", &[]),
                stage("Proposal", "open", &["amount", "close_date"]),
                stage("Won", "won", &[]),
                stage("Lost", "lost", &[]),
            ],
            ..Default::default()
        },
        None,
        || {
            n += 1;
            Uuid::from_u128(n)
        },
        Timestamp::UNIX_EPOCH,
    )
    .unwrap()
}

fn eur() -> Currency {
    Currency::parse("EUR").unwrap()
}

fn opportunity(p: &Pipeline, input: OpportunityInput) -> Opportunity {
    let details =
        OpportunityDetails::parse(&input, None, eur(), p.first_stage().probability).unwrap();
    Opportunity::new(
        OpportunityId(Uuid::from_u128(1000)),
        details,
        p,
        None,
        None,
        None,
        RecordMeta::new(UserId(Uuid::nil()), None, Timestamp::UNIX_EPOCH),
    )
    .unwrap()
    .0
}

#[test]
fn parses_amounts_exactly_and_refuses_bad_input() {
    let input = OpportunityInput {
        name: Some("Big deal".into()),
        amount: Some("12500.50".into()),
        close_date: Some("2026-12-31".into()),
        ..Default::default()
    };
    let d = OpportunityDetails::parse(&input, None, eur(), 10).unwrap();
    assert_eq!(d.amount_minor, 1_250_050);
    assert_eq!(d.probability, 10);
    assert_eq!(d.amount().amount_text(), "12500.50");
    let bad = OpportunityInput {
        name: Some("".into()),
        amount: Some("-5".into()),
        close_date: Some("31/12/2026".into()),
        probability: Some("101".into()),
        currency: Some("euro".into()),
        ..Default::default()
    };
    let errors = OpportunityDetails::parse(&bad, None, eur(), 10).unwrap_err();
    let fields: Vec<_> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["name", "currency", "close_date", "probability"]);
}

#[test]
fn gate_refuses_until_fields_are_filled() {
    let p = pipeline();
    let o = opportunity(
        &p,
        OpportunityInput {
            name: Some("Deal".into()),
            ..Default::default()
        },
    );
    let proposal = p.stages[1].id;
    let err = o
        .move_to(&p, proposal, None, Timestamp::UNIX_EPOCH)
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "the Proposal stage needs amount and expected close date"
    );
    let filled = o.with_details(OpportunityDetails {
        amount_minor: 100,
        close_date: Some("2026-12-31".parse().unwrap()),
        ..o.details.clone()
    });
    let (moved, change) = filled
        .move_to(&p, proposal, None, Timestamp::UNIX_EPOCH)
        .unwrap();
    assert_eq!(moved.stage_key, "proposal");
    assert_eq!(moved.details.probability, p.stages[1].probability);
    assert_eq!(change.activity, "stage_changed");
    assert_eq!(
        (change.from_state.as_deref(), change.to_state.as_deref()),
        (Some("qualification"), Some("proposal"))
    );
    assert_eq!(moved.meta.version, 2);
}

#[test]
fn lost_needs_a_reason_and_won_sets_status() {
    let p = pipeline();
    let o = opportunity(
        &p,
        OpportunityInput {
            name: Some("Deal".into()),
            ..Default::default()
        },
    );
    let lost = p.stages[3].id;
    assert_eq!(
        o.move_to(&p, lost, Some("  "), Timestamp::UNIX_EPOCH),
        Err(MoveError::LostReasonRequired)
    );
    let (l, _) = o
        .move_to(&p, lost, Some("price"), Timestamp::UNIX_EPOCH)
        .unwrap();
    assert_eq!(
        (l.status, l.details.probability, l.lost_reason.as_deref()),
        (OpportunityStatus::Lost, 0, Some("price"))
    );
    let (w, _) = l
        .move_to(&p, p.stages[2].id, None, Timestamp::UNIX_EPOCH)
        .unwrap();
    assert_eq!(
        (w.status, w.details.probability, w.lost_reason.clone()),
        (OpportunityStatus::Won, 100, None)
    );
    assert_eq!(
        w.move_to(&p, p.stages[2].id, None, Timestamp::UNIX_EPOCH),
        Err(MoveError::SameStage)
    );
}
