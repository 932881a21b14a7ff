//! Stock use cases: warehouses, receipts and adjustments into the ledger, stock levels and
//! moves, and confirming a sales order, which reserves its stocked lines (never oversold;
//! without enough stock the order is refused or, if the company allows it, confirmed with a
//! backorder).

use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::ids::{InvoiceId, ProductId, StockMoveId, WarehouseId};
use salesflow_domain::invoice::{Invoice, InvoicePart, InvoicePolicy};
use salesflow_domain::product::Product;
use salesflow_domain::sales_order::{FulfilmentSettings, OrderError, SalesOrder};
use salesflow_domain::stock::{MoveKind, StockEntry, StockMove, entry_quantity};
use serde::Deserialize;
use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::list::non_empty;
use crate::ports::{Doc, DocumentWrite, RecordStore, ReserveStock, Scope, StockLevel, Warehouse};
use crate::{Actor, App};

pub const FULFILMENT: &str = "fulfilment";

/// A new warehouse.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WarehouseInput {
    /// Short unique code, e.g. "BER".
    pub code: String,
    pub name: String,
}

/// Confirming an order (the version the confirmer saw).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfirmOrder {
    pub version: i64,
    /// Where the stock comes from; the default warehouse when omitted.
    pub warehouse_id: Option<String>,
    /// `on_order` or `on_shipment`; the company's default (Settings → Fulfilment) when omitted.
    pub invoice_policy: Option<String>,
}

impl App {
    pub async fn warehouses(&self, actor: &Actor) -> AppResult<Vec<Warehouse>> {
        actor.require(Resource::Stock, Action::Read)?;
        Ok(self.store.warehouses().await?)
    }

    pub async fn create_warehouse(
        &self,
        actor: &Actor,
        input: &WarehouseInput,
    ) -> AppResult<Warehouse> {
        actor.require(Resource::Stock, Action::Create)?;
        let code = input.code.trim().to_ascii_uppercase();
        let name = input.name.trim();
        if code.is_empty()
            || code.len() > 20
            || !code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        {
            return Err(AppError::invalid(
                "code",
                "invalid_code",
                "1–20 letters, digits or '-'",
            ));
        }
        if name.is_empty() || name.chars().count() > 200 {
            return Err(AppError::invalid(
                "name",
                "required",
                "name the warehouse (up to 200 characters)",
            ));
        }
        let warehouse = Warehouse {
            id: WarehouseId(Uuid::now_v7()),
            code,
            name: name.to_string(),
            is_default: false,
            created_at: self.now(),
        };
        self.store.insert_warehouse(&warehouse).await?;
        Ok(warehouse)
    }

    async fn warehouse_for(&self, raw: &Option<String>) -> AppResult<WarehouseId> {
        let all = self.store.warehouses().await?;
        let found = match non_empty(raw) {
            Some(raw) => all
                .iter()
                .find(|w| w.id.to_string() == raw || w.code == raw.to_ascii_uppercase()),
            None => all.iter().find(|w| w.is_default),
        };
        found.map(|w| w.id).ok_or_else(|| {
            AppError::invalid("warehouse_id", "unknown_warehouse", "no such warehouse")
        })
    }

    /// Goods received (`Receipt`) or a count corrected (`Adjustment`, with a reason).
    pub async fn stock_entry(
        &self,
        actor: &Actor,
        kind: MoveKind,
        entry: &StockEntry,
    ) -> AppResult<StockLevel> {
        actor.require(Resource::Stock, Action::Create)?;
        let adjustment = kind == MoveKind::Adjustment;
        let quantity = entry_quantity(&entry.quantity, adjustment)?;
        let note = entry
            .note
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        if adjustment && note.is_none() {
            return Err(AppError::invalid(
                "note",
                "required",
                "say why the count changes",
            ));
        }
        let product_id: Uuid =
            entry.product_id.trim().parse().map_err(|_| {
                AppError::invalid("product_id", "invalid_id", "must be a product id")
            })?;
        let product = RecordStore::<Product>::get(self.store.as_ref(), product_id, Scope::All)
            .await?
            .ok_or_else(|| AppError::invalid("product_id", "unknown_product", "no such product"))?;
        if !product.details.stockable {
            return Err(AppError::invalid(
                "product_id",
                "not_stockable",
                "this product is not kept in stock",
            ));
        }
        let warehouse = self.warehouse_for(&entry.warehouse_id).await?;
        let m = StockMove {
            id: StockMoveId(Uuid::now_v7()),
            product_id: ProductId(product_id),
            warehouse_id: warehouse,
            kind,
            quantity_milli: quantity,
            order_id: None,
            note: note.map(|n| n.chars().take(500).collect()),
            at: self.now(),
            actor_id: Some(actor.user_id),
        };
        let mut levels = self.store.record_moves(&[m]).await?;
        levels
            .pop()
            .ok_or_else(|| AppError::Internal("no stock level written".into()))
    }

    pub async fn stock_levels(
        &self,
        actor: &Actor,
        product: Option<ProductId>,
        after: Option<(ProductId, WarehouseId)>,
        limit: u32,
    ) -> AppResult<Vec<StockLevel>> {
        actor.require(Resource::Stock, Action::Read)?;
        Ok(self
            .store
            .stock_levels(product, after, limit.clamp(1, 500))
            .await?)
    }

    pub async fn stock_moves(
        &self,
        actor: &Actor,
        product: Option<ProductId>,
        before: Option<(jiff::Timestamp, StockMoveId)>,
        limit: u32,
    ) -> AppResult<Vec<StockMove>> {
        actor.require(Resource::Stock, Action::Read)?;
        Ok(self
            .store
            .stock_moves(product, before, limit.clamp(1, 500))
            .await?)
    }

    pub async fn fulfilment_settings(&self) -> AppResult<(FulfilmentSettings, i64)> {
        self.settings_doc(FULFILMENT).await
    }

    /// Confirms a new order: its stocked lines are reserved in one transaction with the
    /// order's change; without enough stock it is refused (`409 insufficient_stock`) unless
    /// backorders are allowed. Invoiced on order, the draft invoice made with it comes along.
    pub async fn confirm_order(
        &self,
        actor: &Actor,
        id: Uuid,
        request: &ConfirmOrder,
    ) -> AppResult<(SalesOrder, Option<Invoice>)> {
        let order: SalesOrder = self
            .load_for_change(actor, id, Action::Update, Some(request.version))
            .await?;
        order.check_confirmable().map_err(|e| match e {
            OrderError::NotNew(_) => AppError::conflict("wrong_status", e.to_string()),
        })?;
        let warehouse = self.warehouse_for(&request.warehouse_id).await?;
        let ids: Vec<ProductId> = order.lines.iter().filter_map(|l| l.product_id).collect();
        let stocked: Vec<ProductId> = self
            .store
            .products_by_refs(&ids, &[])
            .await?
            .into_iter()
            .filter(|p| p.details.stockable)
            .map(|p| p.id)
            .collect();
        let requests = order.stock_requests(&stocked, warehouse);
        let move_ids: Vec<StockMoveId> = requests
            .iter()
            .map(|_| StockMoveId(Uuid::now_v7()))
            .collect();
        let (settings, _) = self.fulfilment_settings().await?;
        let policy = match non_empty(&request.invoice_policy) {
            Some(raw) => raw
                .parse()
                .map_err(|e: String| AppError::invalid("invoice_policy", "invalid_choice", e))?,
            None => settings.invoice_policy,
        };
        let now = self.now();
        // Invoiced on order: the draft invoice is made with the confirmation.
        let invoice = match policy {
            InvoicePolicy::OnOrder => Some(
                Invoice::draft(InvoiceId(Uuid::now_v7()), &order, InvoicePart::Whole, now)
                    .map_err(|e| AppError::invalid("lines", "amount_too_large", e.to_string()))?,
            ),
            InvoicePolicy::OnShipment => None,
        };
        let build = |_: Option<String>, reservations| {
            let (next, change) = order.confirmed(reservations, policy, now);
            let mut write = DocumentWrite {
                events: vec![self.event_for(actor, &next, change)],
                updates: vec![(Doc::Order(Box::new(next)), order.meta.version)],
                ..Default::default()
            };
            if let Some((draft, created)) = &invoice {
                write
                    .events
                    .push(self.event_for(actor, draft, created.clone()));
                write.inserts.push(Doc::Invoice(Box::new(draft.clone())));
            }
            write
        };
        let reserve = ReserveStock {
            requests: &requests,
            allow_backorder: settings.allow_backorder,
            order_id: order.id,
            actor_id: Some(actor.user_id),
            at: now,
            move_ids: &move_ids,
            series: None,
        };
        let written = self.store.confirm_with_stock(reserve, &build).await?;
        let draft = written.inserts.into_iter().find_map(|d| match d {
            Doc::Invoice(i) => Some(*i),
            _ => None,
        });
        match written.updates.into_iter().next() {
            Some((Doc::Order(o), _)) => Ok((*o, draft)),
            _ => Err(AppError::Internal("confirmation wrote no order".into())),
        }
    }

    pub async fn save_fulfilment_settings(
        &self,
        actor: &Actor,
        settings: &FulfilmentSettings,
        version: i64,
    ) -> AppResult<i64> {
        self.save_settings_doc(actor, FULFILMENT, Resource::Pipeline, settings, version)
            .await
    }
}
