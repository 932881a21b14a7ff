//! Hand-overs: the events after which someone other than the actor has to act or should know —
//! a discount waits for approval, the customer answered, an order waits for confirmation, goods
//! are ready to inspect, pick or ship, an invoice waits to be posted — and who that is. The
//! notifications consumer turns each into in-app notifications (and e-mails where users want
//! them); the actor is never told of their own action.

use crate::role::Role;

#[cfg(test)]
mod tests;

/// Who is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// The record's owner at the time of the event.
    Owner,
    /// Every active user with this role.
    Role(Role),
}

/// One kind of hand-over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Handover {
    /// Stable name, stored with the notification.
    pub kind: &'static str,
    /// What the recipient reads, before the record's name.
    pub says: &'static str,
    pub to: &'static [Recipient],
}

const OWNER: &[Recipient] = &[Recipient::Owner];
const APPROVERS: &[Recipient] = &[
    Recipient::Role(Role::SalesManager),
    Recipient::Role(Role::Admin),
];
const WAREHOUSE: &[Recipient] = &[Recipient::Role(Role::Warehouse)];
const FINANCE: &[Recipient] = &[Recipient::Role(Role::Finance)];

/// (entity type, activity) → the hand-over it is.
const HANDOVERS: &[(&str, &str, Handover)] = &[
    (
        "quote",
        "approval_requested",
        h("approval_requested", "Approval requested", APPROVERS),
    ),
    (
        "quote",
        "approved",
        h("approved", "Discount approved", OWNER),
    ),
    (
        "quote",
        "rejected",
        h("rejected", "Discount rejected", OWNER),
    ),
    (
        "quote",
        "changes_requested",
        h("changes_requested", "The customer asked for changes", OWNER),
    ),
    (
        "quote",
        "accepted",
        h("accepted", "The customer accepted", OWNER),
    ),
    (
        "quote",
        "declined",
        h("declined", "The customer declined", OWNER),
    ),
    (
        "sales_order",
        "created",
        h("order_to_confirm", "Order waits for confirmation", OWNER),
    ),
    (
        "sales_order",
        "confirmed",
        h("ready_to_pick", "Ready to inspect and pick", WAREHOUSE),
    ),
    (
        "delivery",
        "released",
        h("ready_to_ship", "Ready to ship", WAREHOUSE),
    ),
    (
        "invoice",
        "created",
        h("invoice_to_post", "Invoice waits to be posted", FINANCE),
    ),
    (
        "invoice",
        "reminder_sent",
        h("invoice_overdue", "Invoice overdue", OWNER),
    ),
    (
        "opportunity",
        "handed_off",
        h("handed_off", "Handed off to you", OWNER),
    ),
    (
        "lead",
        "handed_off",
        h("handed_off", "Handed off to you", OWNER),
    ),
    (
        "activity",
        "reminder_due",
        h("reminder_due", "Due now", OWNER),
    ),
];

const fn h(kind: &'static str, says: &'static str, to: &'static [Recipient]) -> Handover {
    Handover { kind, says, to }
}

/// A step deadline of any record: its owner is warned, and managers hear of a breach.
const DEADLINE_WARNING: Handover = h("deadline_warning", "Deadline soon", OWNER);
const DEADLINE_BREACHED: Handover = h(
    "deadline_breached",
    "Deadline missed",
    &[Recipient::Owner, Recipient::Role(Role::SalesManager)],
);

/// The hand-over an event of `activity` on an `entity_type` record is, if any.
pub fn handover(entity_type: &str, activity: &str) -> Option<Handover> {
    match activity {
        crate::deadline::SLA_WARNING => return Some(DEADLINE_WARNING),
        crate::deadline::SLA_BREACHED => return Some(DEADLINE_BREACHED),
        _ => {}
    }
    HANDOVERS
        .iter()
        .find(|(t, a, _)| *t == entity_type && *a == activity)
        .map(|(_, _, h)| *h)
}

/// The event activities that are hand-overs of some record type.
pub fn kinds() -> impl Iterator<Item = &'static str> {
    HANDOVERS
        .iter()
        .map(|(_, _, h)| h.kind)
        .chain([DEADLINE_WARNING.kind, DEADLINE_BREACHED.kind])
}
