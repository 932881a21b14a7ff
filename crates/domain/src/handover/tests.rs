use super::*;

#[test]
fn each_waiting_step_names_who_acts_next() {
    let approval = handover("quote", "approval_requested").unwrap();
    assert_eq!(
        approval.to,
        &[
            Recipient::Role(Role::SalesManager),
            Recipient::Role(Role::Admin)
        ]
    );
    assert_eq!(
        handover("quote", "accepted").unwrap().to,
        &[Recipient::Owner]
    );
    assert_eq!(
        handover("sales_order", "confirmed").unwrap().to,
        &[Recipient::Role(Role::Warehouse)]
    );
    assert_eq!(
        handover("invoice", "created").unwrap().to,
        &[Recipient::Role(Role::Finance)]
    );
    assert_eq!(handover("lead", "handed_off").unwrap().kind, "handed_off");
}

#[test]
fn bookkeeping_is_no_hand_over() {
    for (entity, activity) in [
        ("quote", "created"),
        ("quote", "sent"),
        ("lead", "updated"),
        ("invoice", "posted"),
        ("sales_order", "accepted"),
        ("delivery", "shipped"),
    ] {
        assert_eq!(handover(entity, activity), None, "{entity} {activity}");
    }
}

#[test]
fn every_hand_over_tells_someone_and_kinds_are_named_once_per_meaning() {
    for (entity, activity, h) in HANDOVERS {
        assert!(!h.to.is_empty(), "{entity} {activity}");
        assert!(!h.says.is_empty());
    }
    let mut kinds: Vec<_> = kinds().collect();
    kinds.sort();
    kinds.dedup();
    // `handed_off` serves leads and opportunities alike; the two deadline kinds any record.
    assert_eq!(kinds.len(), HANDOVERS.len() - 1 + 2);
}

#[test]
fn deadline_warnings_and_breaches_are_hand_overs_of_any_record() {
    for entity in ["lead", "quote", "sales_order", "delivery"] {
        assert_eq!(
            handover(entity, "sla_warning").unwrap().kind,
            "deadline_warning"
        );
        let breach = handover(entity, "sla_breached").unwrap();
        assert!(breach.to.contains(&Recipient::Role(Role::SalesManager)));
    }
}
