//! Orders settle from their invoices: a shipped order whose lines are all on posted invoices is
//! `invoiced`, and `paid` once those invoices are. Settling runs right after each write that may
//! change it (posting, payment, shipment) and again from a recurring job, so a settlement missed
//! by a crash between the two is made up later.

use jiff::SignedDuration;
use salesflow_domain::ids::SalesOrderId;
use salesflow_domain::sales_order::{OrderStatus, SalesOrder};

use crate::error::AppResult;
use crate::ports::{Doc, DocumentWrite, RecordStore, Scope, StoreError};
use crate::{Actor, App};

/// Looks for orders whose settlement was missed.
pub const SETTLE_ORDERS: &str = "settle_orders";
pub(crate) const SETTLE_EVERY: SignedDuration = SignedDuration::from_mins(10);
/// Concurrent settlers of one order retry this often before leaving it to the job.
const ATTEMPTS: usize = 5;

impl App {
    /// Moves the order to `invoiced` or `paid` when its invoices say so; `true` if it moved.
    pub(crate) async fn settle_order(
        &self,
        actor: Option<&Actor>,
        id: SalesOrderId,
    ) -> AppResult<bool> {
        for _ in 0..ATTEMPTS {
            let Some(order) =
                RecordStore::<SalesOrder>::get(self.store.as_ref(), id.0, Scope::All).await?
            else {
                return Ok(false);
            };
            // Only shipped (or invoiced) orders settle: others need no look at their invoices.
            if !matches!(order.status, OrderStatus::Shipped | OrderStatus::Invoiced) {
                return Ok(false);
            }
            let invoices = self.store.invoices_of_order(id).await?;
            let Some((next, change)) = order.settled(&invoices, self.now()) else {
                return Ok(false);
            };
            let event = match actor {
                Some(actor) => self.event_for(actor, &next, change),
                None => self.event_for_system(&next, change),
            };
            let write = DocumentWrite {
                updates: vec![(Doc::Order(Box::new(next)), order.meta.version)],
                events: vec![event],
                ..Default::default()
            };
            match self.store.write_documents(None, &|_| write.clone()).await {
                Ok(_) => return Ok(true),
                // Another write changed the order meanwhile: look again.
                Err(StoreError::VersionConflict { .. }) => continue,
                Err(e) => return Err(e.into()),
            }
        }
        Ok(false)
    }

    /// Settles every order that its invoices have settled (the recurring job).
    pub async fn settle_orders(&self) -> AppResult<usize> {
        const PAGE: u32 = 500;
        let (mut settled, mut after) = (0, None);
        loop {
            let orders = self.store.orders_to_settle(after, PAGE).await?;
            for order in &orders {
                if self.settle_order(None, order.id).await? {
                    settled += 1;
                }
            }
            match orders.last() {
                Some(last) if orders.len() == PAGE as usize => after = Some(last.id),
                _ => return Ok(settled),
            }
        }
    }
}
