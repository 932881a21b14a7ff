//! Cancelling an order before anything has left for picking: the stock it holds is given back
//! (the caller writes the release moves) and its draft invoices are voided.

use super::{OrderStatus, Reservation, SalesOrder};
use crate::changes::{self, FieldChange};
use crate::event::Change;
use jiff::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CancelError {
    #[error("a {0} order cannot be cancelled")]
    WrongStatus(&'static str),
    #[error("goods were released for picking; ship them (and take returns) instead")]
    Released,
    #[error("say why the order is cancelled")]
    ReasonRequired,
}

impl SalesOrder {
    /// Cancelled with a reason; returns the reservations whose stock goes back.
    pub fn cancel(
        &self,
        reason: &str,
        now: Timestamp,
    ) -> Result<(Self, Change, Vec<Reservation>), CancelError> {
        if !matches!(self.status, OrderStatus::New | OrderStatus::Confirmed) {
            return Err(CancelError::WrongStatus(self.status.as_str()));
        }
        if self.progress.iter().any(|p| p.released_milli > 0) {
            return Err(CancelError::Released);
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(CancelError::ReasonRequired);
        }
        let given_back = self
            .reservations
            .iter()
            .filter(|r| r.reserved_milli > 0)
            .cloned()
            .collect();
        let mut next = self.clone();
        next.status = OrderStatus::Cancelled;
        next.meta = self.meta.next(now);
        let mut fields = changes::diff(self, &next);
        fields.push(FieldChange {
            field: "reason".into(),
            old: None,
            new: Some(reason.chars().take(2_000).collect()),
        });
        let change = Change::transition(
            "cancelled",
            self.status.as_str(),
            OrderStatus::Cancelled.as_str(),
            fields,
        );
        Ok((next, change, given_back))
    }
}
