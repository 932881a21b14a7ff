//! Cancelling an order before anything was released for picking: in one transaction the order
//! is `cancelled`, the stock it reserved goes back through `release` moves, and its draft
//! invoices are voided. A concurrent release, shipment or posting makes it a 409 (versions).

use salesflow_domain::authz::Action;
use salesflow_domain::ids::StockMoveId;
use salesflow_domain::invoice::InvoiceStatus;
use salesflow_domain::sales_order::{CancelError, SalesOrder};
use salesflow_domain::stock::{MoveKind, StockMove};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::ports::{Doc, DocumentWrite};
use crate::{Actor, App};

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelOrder {
    pub version: i64,
    /// Why (kept on the order's history).
    pub reason: String,
}

impl App {
    pub async fn cancel_order(
        &self,
        actor: &Actor,
        id: Uuid,
        request: &CancelOrder,
    ) -> AppResult<SalesOrder> {
        let order: SalesOrder = self
            .load_for_change(actor, id, Action::Update, Some(request.version))
            .await?;
        let now = self.now();
        let (cancelled, change, held) = order.cancel(&request.reason, now).map_err(|e| {
            let text = e.to_string();
            match e {
                CancelError::ReasonRequired => AppError::invalid("reason", "required", text),
                CancelError::WrongStatus(_) | CancelError::Released => {
                    AppError::conflict("not_cancellable", text)
                }
            }
        })?;
        let stock_moves = held
            .iter()
            .map(|r| StockMove {
                id: StockMoveId(Uuid::now_v7()),
                product_id: r.product_id,
                warehouse_id: r.warehouse_id,
                kind: MoveKind::Release,
                quantity_milli: r.reserved_milli,
                order_id: Some(order.id),
                note: Some(format!("{} cancelled", order.number)),
                at: now,
                actor_id: Some(actor.user_id),
            })
            .collect();
        let mut write = DocumentWrite {
            events: vec![self.event_for(actor, &cancelled, change)],
            updates: vec![(Doc::Order(Box::new(cancelled.clone())), order.meta.version)],
            stock_moves,
            ..Default::default()
        };
        let drafts = self.store.invoices_of_order(order.id).await?;
        for draft in drafts.iter().filter(|i| i.status == InvoiceStatus::Draft) {
            if let Ok((voided, change)) = draft.voided(now) {
                write.events.push(self.event_for(actor, &voided, change));
                write
                    .updates
                    .push((Doc::Invoice(Box::new(voided)), draft.meta.version));
            }
        }
        self.store.write_documents(None, &|_| write.clone()).await?;
        Ok(cancelled)
    }
}
