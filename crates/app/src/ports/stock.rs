//! The stock port: warehouses, the ledger with its balances, and confirming an order against
//! them in one transaction.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_domain::ids::{ProductId, StockMoveId, UserId, WarehouseId};
use salesflow_domain::sales_order::{Reservation, StockRequest};
use salesflow_domain::stock::{Balance, StockMove};

use super::{DocumentWrite, StoreResult};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Warehouse {
    #[schema(value_type = String, format = Uuid)]
    pub id: WarehouseId,
    pub code: String,
    pub name: String,
    pub is_default: bool,
    #[schema(value_type = String, format = DateTime)]
    pub created_at: Timestamp,
}

/// A balance with what it is of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockLevel {
    pub product_id: ProductId,
    pub warehouse_id: WarehouseId,
    pub balance: Balance,
}

/// How an order's stock is reserved.
pub struct ReserveStock<'a> {
    pub requests: &'a [StockRequest],
    /// Reserve what there is and keep the rest as a backorder (otherwise refuse).
    pub allow_backorder: bool,
    pub order_id: salesflow_domain::ids::SalesOrderId,
    pub actor_id: Option<UserId>,
    pub at: Timestamp,
    /// Ids for the reservation moves, one per request.
    pub move_ids: &'a [StockMoveId],
    /// A number series the write takes its next number from.
    pub series: Option<&'static str>,
}

/// Builds the write from the new document number (when a series was named) and what was
/// reserved.
pub type BuildConfirmation<'a> =
    &'a (dyn Fn(Option<String>, Vec<Reservation>) -> DocumentWrite + Send + Sync);

#[async_trait]
pub trait StockStore: Send + Sync {
    async fn warehouses(&self) -> StoreResult<Vec<Warehouse>>;
    async fn insert_warehouse(&self, warehouse: &Warehouse) -> StoreResult<()>;
    /// Writes receipts, returns or adjustments; a move that would make a balance negative
    /// fails the whole call (`StoreError::Insufficient`).
    async fn record_moves(&self, moves: &[StockMove]) -> StoreResult<Vec<StockLevel>>;
    /// Balances, by product then warehouse, after `(product, warehouse)`.
    async fn stock_levels(
        &self,
        product: Option<ProductId>,
        after: Option<(ProductId, WarehouseId)>,
        limit: u32,
    ) -> StoreResult<Vec<StockLevel>>;
    /// Moves, newest first, before `(at, id)`.
    async fn stock_moves(
        &self,
        product: Option<ProductId>,
        before: Option<(Timestamp, StockMoveId)>,
        limit: u32,
    ) -> StoreResult<Vec<StockMove>>;
    /// Balances that differ from the sum of their moves (0 in a healthy database).
    async fn ledger_mismatches(&self) -> StoreResult<i64>;
    /// In one transaction: reserves the order's stock (or refuses), then writes what `build`
    /// makes of the reservations.
    async fn confirm_with_stock(
        &self,
        reserve: ReserveStock<'_>,
        build: BuildConfirmation<'_>,
    ) -> StoreResult<DocumentWrite>;
}
