//! Fulfilment use cases: quality inspection of an order, pick release (which makes the
//! numbered delivery note and tops up reservations of backordered lines), and shipping a
//! delivery (stock leaves through the ledger, the order's status follows).

use salesflow_documents::{Align, Column, Document, Table};
use salesflow_domain::account::Account;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::delivery::{Delivery, ShipError, ShipInput};
use salesflow_domain::ids::{DeliveryId, InvoiceId, ProductId, StockMoveId, WarehouseId};
use salesflow_domain::invoice::{Invoice, InvoicePart, InvoicePolicy};
use salesflow_domain::product::Product;
use salesflow_domain::quote::lines::quantity_text;
use salesflow_domain::sales_order::{
    FulfilmentError, OrderStatus, ReleaseRequest, SalesOrder, StockRequest,
};
use salesflow_domain::stock::{MoveKind, StockMove};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::ports::{Doc, DocumentWrite, RecordStore, ReserveStock, Scope};
use crate::quote_document::CompanySettings;
use crate::{Actor, App};

/// A quality inspection of an order.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InspectOrder {
    pub passed: bool,
    pub notes: Option<String>,
    pub version: i64,
}

/// One line's quantity to release (decimal text).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseLine {
    /// Index of the order line (0-based).
    pub line: usize,
    pub quantity: String,
}

/// Releasing an order (or part of it) for picking.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseOrder {
    pub version: i64,
    /// Everything still open when omitted.
    pub lines: Option<Vec<ReleaseLine>>,
}

fn fulfilment_error(e: FulfilmentError) -> AppError {
    let text = e.to_string();
    match e {
        FulfilmentError::WrongStatus(_) => AppError::conflict("wrong_status", text),
        FulfilmentError::InspectionRequired => AppError::conflict("inspection_required", text),
        FulfilmentError::InspectionFailed => AppError::conflict("inspection_failed", text),
        FulfilmentError::TooMuch { .. } => AppError::invalid("lines", "too_much", text),
        FulfilmentError::UnknownLine(_) => AppError::invalid("lines", "unknown_line", text),
        FulfilmentError::NothingToRelease => AppError::conflict("nothing_to_release", text),
    }
}

/// Whether any of these products is in a category inspected before picking.
pub(crate) fn inspected<'a>(
    mut products: impl Iterator<Item = &'a Product>,
    categories: &[String],
) -> bool {
    products.any(|p| {
        p.details
            .category
            .as_ref()
            .is_some_and(|c| categories.iter().any(|k| k.eq_ignore_ascii_case(c)))
    })
}

impl App {
    async fn order_for_fulfilment(
        &self,
        actor: &Actor,
        id: Uuid,
        version: i64,
    ) -> AppResult<SalesOrder> {
        actor.require(Resource::Delivery, Action::Update)?;
        let order: SalesOrder = self.get(actor, id).await?;
        if order.meta.version != version {
            return Err(AppError::StaleVersion {
                current: order.meta.version,
            });
        }
        Ok(order)
    }

    /// The order's products, and which of them are stocked and which need inspection.
    async fn line_products(&self, order: &SalesOrder) -> AppResult<(Vec<ProductId>, bool)> {
        let ids: Vec<ProductId> = order.lines.iter().filter_map(|l| l.product_id).collect();
        let products: Vec<Product> = self.store.products_by_refs(&ids, &[]).await?;
        let (settings, _) = self.fulfilment_settings().await?;
        let inspect = inspected(products.iter(), &settings.inspect_categories);
        let stocked = products
            .iter()
            .filter(|p| p.details.stockable)
            .map(|p| p.id)
            .collect();
        Ok((stocked, inspect))
    }

    pub async fn inspect_order(
        &self,
        actor: &Actor,
        id: Uuid,
        input: &InspectOrder,
    ) -> AppResult<SalesOrder> {
        let order = self.order_for_fulfilment(actor, id, input.version).await?;
        let notes = input
            .notes
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| n.chars().take(2000).collect());
        if !input.passed && notes.is_none() {
            return Err(AppError::invalid("notes", "required", "say what failed"));
        }
        let change = order
            .inspect(input.passed, notes, actor.user_id, self.now())
            .map_err(fulfilment_error)?;
        self.save_change(actor, order, Some(change)).await
    }

    /// Releases quantities for picking and makes the delivery note; stocked lines must be
    /// reserved for what is released (backordered quantities are reserved now if stock came
    /// in, else `409 insufficient_stock`).
    pub async fn release_order(
        &self,
        actor: &Actor,
        id: Uuid,
        input: &ReleaseOrder,
    ) -> AppResult<Delivery> {
        actor.require(Resource::Delivery, Action::Create)?;
        // Lines given but none of them with a quantity: nothing, not "everything open".
        if input.lines.as_ref().is_some_and(Vec::is_empty) {
            return Err(AppError::conflict(
                "nothing_to_release",
                "no line has a quantity to release",
            ));
        }
        let order = self.order_for_fulfilment(actor, id, input.version).await?;
        let requests = input
            .lines
            .iter()
            .flatten()
            .map(|l| {
                let quantity = salesflow_domain::line_item::quantity_milli(l.quantity.trim())
                    .ok_or_else(|| {
                        AppError::invalid(
                            "lines",
                            "invalid_quantity",
                            "a positive number with up to three decimals",
                        )
                    })?;
                Ok((l.line, quantity))
            })
            .collect::<AppResult<Vec<_>>>()?;
        // A line named twice is released once, with both quantities.
        let mut merged: std::collections::BTreeMap<usize, i64> = Default::default();
        for (line, quantity) in requests {
            *merged.entry(line).or_default() += quantity;
        }
        let requests: Vec<ReleaseRequest> = merged
            .into_iter()
            .map(|(line, quantity_milli)| ReleaseRequest {
                line,
                quantity_milli,
            })
            .collect();
        let (stocked, inspect) = self.line_products(&order).await?;
        let now = self.now();
        let (released_order, change, released) = order
            .release(&requests, inspect, now)
            .map_err(fulfilment_error)?;
        let warehouse = match order.reservations.first() {
            Some(r) => r.warehouse_id,
            None => self.default_warehouse().await?,
        };
        let top_ups = top_ups(&order, &released, &stocked, warehouse);
        let move_ids: Vec<StockMoveId> = top_ups
            .iter()
            .map(|_| StockMoveId(Uuid::now_v7()))
            .collect();
        let delivery_id = DeliveryId(Uuid::now_v7());
        let build = |number: Option<String>, reserved| {
            let (next, order_change) = released_order
                .clone()
                .with_more_reserved(reserved, change.clone());
            let (delivery, created) = Delivery::released(
                delivery_id,
                number.unwrap_or_default(),
                &next,
                warehouse,
                &released,
                &stocked,
                now,
            );
            DocumentWrite {
                events: vec![
                    self.event_for(actor, &next, order_change),
                    self.event_for(actor, &delivery, created),
                ],
                updates: vec![(Doc::Order(Box::new(next)), order.meta.version)],
                inserts: vec![Doc::Delivery(Box::new(delivery))],
                ..Default::default()
            }
        };
        let reserve = ReserveStock {
            requests: &top_ups,
            allow_backorder: false,
            order_id: order.id,
            actor_id: Some(actor.user_id),
            at: now,
            move_ids: &move_ids,
            series: Some("delivery"),
        };
        let written = self.store.confirm_with_stock(reserve, &build).await?;
        match written.inserts.into_iter().next() {
            Some(Doc::Delivery(d)) => Ok(*d),
            _ => Err(AppError::Internal("release wrote no delivery".into())),
        }
    }

    async fn default_warehouse(&self) -> AppResult<WarehouseId> {
        self.store
            .warehouses()
            .await?
            .into_iter()
            .find(|w| w.is_default)
            .map(|w| w.id)
            .ok_or_else(|| AppError::Internal("no default warehouse".into()))
    }

    /// Ships a released delivery: its stocked lines leave the warehouse through the ledger,
    /// the order's shipped quantities and status follow.
    pub async fn ship_delivery(
        &self,
        actor: &Actor,
        id: Uuid,
        input: &ShipInput,
    ) -> AppResult<Delivery> {
        let delivery: Delivery = self
            .load_for_change(actor, id, Action::Update, Some(input.version))
            .await?;
        let now = self.now();
        let (shipped, change) = delivery.ship(input, now).map_err(|e| match e {
            ShipError::AlreadyShipped => AppError::conflict("already_shipped", e.to_string()),
            ShipError::TooLong(field) => AppError::invalid(field, "too_long", e.to_string()),
        })?;
        let order =
            RecordStore::<SalesOrder>::get(self.store.as_ref(), delivery.order_id.0, Scope::All)
                .await?
                .ok_or_else(|| AppError::Internal("delivery without its order".into()))?;
        let (next_order, order_change) = order.shipped(&delivery.quantities(), now);
        let now_shipped = next_order.status == OrderStatus::Shipped;
        let stock_moves = delivery
            .lines
            .iter()
            .filter(|l| l.stocked)
            .filter_map(|l| {
                Some(StockMove {
                    id: StockMoveId(Uuid::now_v7()),
                    product_id: l.product_id?,
                    warehouse_id: delivery.warehouse_id,
                    kind: MoveKind::Shipment,
                    quantity_milli: l.quantity_milli,
                    order_id: Some(delivery.order_id),
                    note: Some(delivery.number.clone()),
                    at: now,
                    actor_id: Some(actor.user_id),
                })
            })
            .collect();
        let mut events = vec![
            self.event_for(actor, &shipped, change),
            self.event_for(actor, &next_order, order_change),
        ];
        // Invoiced per shipment: the draft invoice for what left is made with the shipment.
        let mut inserts = Vec::new();
        if order.invoice_policy == InvoicePolicy::OnShipment {
            let quantities = delivery.quantities();
            // Every earlier shipment of the order was invoiced when it left.
            let invoiced_before: Vec<(usize, i64)> = order
                .progress
                .iter()
                .enumerate()
                .map(|(i, p)| (i, p.shipped_milli))
                .filter(|(_, q)| *q > 0)
                .collect();
            let part = InvoicePart::Shipment {
                delivery: delivery.id,
                quantities: &quantities,
                invoiced_before: &invoiced_before,
            };
            let (invoice, created) =
                Invoice::draft(InvoiceId(Uuid::now_v7()), &next_order, part, now)
                    .map_err(|e| AppError::invalid("lines", "amount_too_large", e.to_string()))?;
            events.push(self.event_for(actor, &invoice, created));
            inserts.push(Doc::Invoice(Box::new(invoice)));
        }
        let write = DocumentWrite {
            updates: vec![
                (
                    Doc::Delivery(Box::new(shipped.clone())),
                    delivery.meta.version,
                ),
                (Doc::Order(Box::new(next_order)), order.meta.version),
            ],
            inserts,
            stock_moves,
            events,
            ..Default::default()
        };
        self.store.write_documents(None, &|_| write.clone()).await?;
        if now_shipped {
            self.settle_order(Some(actor), delivery.order_id).await?;
        }
        Ok(shipped)
    }

    /// An order's deliveries that the reader may see.
    pub async fn deliveries_of_order(
        &self,
        actor: &Actor,
        order: &SalesOrder,
    ) -> AppResult<Vec<Delivery>> {
        if !actor.can(Resource::Delivery, Action::Read) {
            return Ok(Vec::new());
        }
        let scope = actor.scope(Resource::Delivery)?;
        let deliveries = self.store.deliveries_of_order(order.id).await?;
        Ok(deliveries
            .into_iter()
            .filter(|d| scope.covers(&d.meta))
            .collect())
    }

    /// The delivery note as PDF: (file name, bytes).
    pub async fn delivery_pdf(&self, actor: &Actor, id: Uuid) -> AppResult<(String, Vec<u8>)> {
        let delivery: Delivery = self.get(actor, id).await?;
        let account =
            RecordStore::<Account>::get(self.store.as_ref(), delivery.account_id.0, Scope::All)
                .await?
                .ok_or_else(|| AppError::Internal("delivery without its account".into()))?;
        let (company, _) = self.company_settings().await?;
        let doc = delivery_document(&delivery, &account, &company);
        Ok((
            format!("delivery-note-{}.pdf", delivery.number),
            salesflow_documents::render(&doc),
        ))
    }
}

/// Reservations a release still needs: released stocked quantities beyond what the line has
/// reserved so far.
fn top_ups(
    order: &SalesOrder,
    released: &[(usize, i64)],
    stocked: &[ProductId],
    warehouse: WarehouseId,
) -> Vec<StockRequest> {
    released
        .iter()
        .filter_map(|(line, quantity)| {
            let product = order
                .lines
                .get(*line)?
                .product_id
                .filter(|p| stocked.contains(p))?;
            let reserved: i64 = order
                .reservations
                .iter()
                .filter(|r| r.line == *line)
                .map(|r| r.reserved_milli)
                .sum();
            let already = order.progress_of(*line).released_milli;
            let missing = (already + quantity - reserved).min(*quantity);
            (missing > 0).then_some(StockRequest {
                line: *line,
                product_id: product,
                warehouse_id: warehouse,
                quantity_milli: missing,
            })
        })
        .collect()
}

fn delivery_document(d: &Delivery, account: &Account, company: &CompanySettings) -> Document {
    let mut sender = vec![company.name.clone()];
    sender.extend(
        company
            .address
            .lines()
            .map(str::to_string)
            .filter(|l| !l.trim().is_empty()),
    );
    let mut recipient = vec![account.details.name.to_string()];
    recipient.extend(account.details.address_lines());
    let mut facts = vec![
        ("Delivery note".to_string(), d.number.clone()),
        ("Order".to_string(), d.order_number.clone()),
        (
            "Released".to_string(),
            d.meta.created_at.strftime("%Y-%m-%d").to_string(),
        ),
    ];
    if let Some(at) = d.shipped_at {
        facts.push(("Shipped".into(), at.strftime("%Y-%m-%d").to_string()));
    }
    if let Some(c) = &d.carrier {
        facts.push(("Carrier".into(), c.clone()));
    }
    if let Some(t) = &d.tracking {
        facts.push(("Tracking".into(), t.clone()));
    }
    let rows = d
        .lines
        .iter()
        .map(|l| {
            vec![
                l.description.clone(),
                l.sku.clone().unwrap_or_default(),
                format!("{} {}", quantity_text(l.quantity_milli), l.unit),
                String::new(),
            ]
        })
        .collect();
    Document {
        sender,
        heading: format!("Delivery note {}", d.number),
        recipient,
        facts,
        table: Table {
            columns: vec![
                Column::new("Item", 250.0, Align::Left),
                Column::new("SKU", 100.0, Align::Left),
                Column::new("Quantity", 80.0, Align::Right),
                Column::new("Checked", 65.0, Align::Right),
            ],
            rows,
        },
        totals: Vec::new(),
        sections: vec![(
            "Received in good order".into(),
            "Name, date and signature:".into(),
        )],
        footer: company.footer.clone(),
    }
}
