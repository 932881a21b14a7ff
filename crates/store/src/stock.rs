//! Warehouses, stock balances and the append-only stock ledger. Every move locks its balance
//! row, checks the new balance with the domain rules and writes both in one transaction, so
//! balances always equal the sum of their moves and never go negative.

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_app::ports::{
    BuildConfirmation, DocumentWrite, ReserveStock, StockLevel, StockStore, StoreError,
    StoreResult, Warehouse,
};
use salesflow_domain::ids::{ProductId, StockMoveId, WarehouseId};
use salesflow_domain::quote::lines::quantity_text;
use salesflow_domain::sales_order::Reservation;
use salesflow_domain::stock::{Balance, MoveKind, StockError, StockMove};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::db::{Backend, SqlStore, write_tx};
use crate::dialect;
use crate::documents::{apply_write, next_number};
use crate::error::map;
use crate::records::Conditions;
use crate::rows::{bind_all, flag, int, micros, opt_parsed, opt_text, parsed, text, ts};

/// The balance row of a product in a warehouse, created empty when missing and locked for
/// the rest of the transaction.
async fn lock_balance(
    tx: &mut AnyConnection,
    backend: Backend,
    product: ProductId,
    warehouse: WarehouseId,
    at: Timestamp,
) -> StoreResult<Balance> {
    let sql = format!(
        "SELECT on_hand_milli, reserved_milli FROM stock_balances \
         WHERE product_id = $1 AND warehouse_id = $2{}",
        dialect::for_update(backend)
    );
    let select = || {
        sqlx::query(AssertSqlSafe(sql.clone()))
            .bind(product.to_string())
            .bind(warehouse.to_string())
    };
    // Usually the balance exists: one statement. The first move of a product into a warehouse
    // creates it (a concurrent creator is fine) and reads it again, locked.
    let row = match select().fetch_optional(&mut *tx).await.map_err(map)? {
        Some(row) => row,
        None => {
            sqlx::query(
                "INSERT INTO stock_balances (product_id, warehouse_id, on_hand_milli, \
                 reserved_milli, updated_at) VALUES ($1, $2, 0, 0, $3) \
                 ON CONFLICT (product_id, warehouse_id) DO NOTHING",
            )
            .bind(product.to_string())
            .bind(warehouse.to_string())
            .bind(micros(at))
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            select().fetch_one(&mut *tx).await.map_err(map)?
        }
    };
    Ok(Balance {
        on_hand_milli: int(&row, "on_hand_milli")?,
        reserved_milli: int(&row, "reserved_milli")?,
    })
}

/// Locks the balances a write will change, in one order for every writer (product, then
/// warehouse), before any of them is changed: writers taking them in their documents' line
/// order would deadlock on PostgreSQL when two documents name the same products in a
/// different order.
pub(crate) async fn lock_balances_in_order(
    tx: &mut AnyConnection,
    backend: Backend,
    balances: impl Iterator<Item = (ProductId, WarehouseId)>,
    at: Timestamp,
) -> StoreResult<()> {
    let ordered: std::collections::BTreeSet<(String, String, ProductId, WarehouseId)> = balances
        .map(|(p, w)| (p.to_string(), w.to_string(), p, w))
        .collect();
    for (_, _, product, warehouse) in ordered {
        lock_balance(tx, backend, product, warehouse, at).await?;
    }
    Ok(())
}

fn refused(error: StockError, m: &StockMove) -> StoreError {
    let what = match error {
        StockError::Insufficient { available, wanted } => format!(
            "not enough stock of product {}: {} available, {} needed",
            m.product_id,
            quantity_text(available),
            quantity_text(wanted)
        ),
        other => format!("product {}: {other}", m.product_id),
    };
    StoreError::Insufficient(what)
}

/// Writes one move and its new balance inside the caller's transaction.
pub(crate) async fn apply_move(
    tx: &mut AnyConnection,
    backend: Backend,
    m: &StockMove,
) -> StoreResult<StockLevel> {
    let before = lock_balance(tx, backend, m.product_id, m.warehouse_id, m.at).await?;
    let after = before
        .after(m.kind, m.quantity_milli)
        .map_err(|e| refused(e, m))?;
    sqlx::query(
        "UPDATE stock_balances SET on_hand_milli = $1, reserved_milli = $2, updated_at = $3 \
         WHERE product_id = $4 AND warehouse_id = $5",
    )
    .bind(after.on_hand_milli)
    .bind(after.reserved_milli)
    .bind(micros(m.at))
    .bind(m.product_id.to_string())
    .bind(m.warehouse_id.to_string())
    .execute(&mut *tx)
    .await
    .map_err(map)?;
    sqlx::query(
        "INSERT INTO stock_moves (id, product_id, warehouse_id, kind, quantity_milli, order_id, \
         note, at, actor_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(m.id.to_string())
    .bind(m.product_id.to_string())
    .bind(m.warehouse_id.to_string())
    .bind(m.kind.as_str())
    .bind(m.quantity_milli)
    .bind(m.order_id.map(|o| o.to_string()))
    .bind(m.note.clone())
    .bind(micros(m.at))
    .bind(m.actor_id.map(|a| a.to_string()))
    .execute(&mut *tx)
    .await
    .map_err(map)?;
    Ok(StockLevel {
        product_id: m.product_id,
        warehouse_id: m.warehouse_id,
        balance: after,
    })
}

fn move_from_row(row: &AnyRow) -> StoreResult<StockMove> {
    Ok(StockMove {
        id: parsed(row, "id")?,
        product_id: parsed(row, "product_id")?,
        warehouse_id: parsed(row, "warehouse_id")?,
        kind: parsed(row, "kind")?,
        quantity_milli: int(row, "quantity_milli")?,
        order_id: opt_parsed(row, "order_id")?,
        note: opt_text(row, "note")?,
        at: ts(row, "at")?,
        actor_id: opt_parsed(row, "actor_id")?,
    })
}

fn level_from_row(row: &AnyRow) -> StoreResult<StockLevel> {
    Ok(StockLevel {
        product_id: parsed(row, "product_id")?,
        warehouse_id: parsed(row, "warehouse_id")?,
        balance: Balance {
            on_hand_milli: int(row, "on_hand_milli")?,
            reserved_milli: int(row, "reserved_milli")?,
        },
    })
}

#[async_trait]
impl StockStore for SqlStore {
    async fn warehouses(&self) -> StoreResult<Vec<Warehouse>> {
        let rows = sqlx::query(
            "SELECT id, code, name, is_default, created_at FROM warehouses \
             ORDER BY is_default DESC, code",
        )
        .fetch_all(&self.read)
        .await
        .map_err(map)?;
        rows.iter()
            .map(|r| {
                Ok(Warehouse {
                    id: parsed(r, "id")?,
                    code: text(r, "code")?,
                    name: text(r, "name")?,
                    is_default: flag(r, "is_default")?,
                    created_at: ts(r, "created_at")?,
                })
            })
            .collect()
    }

    async fn insert_warehouse(&self, w: &Warehouse) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO warehouses (id, code, name, is_default, created_at) \
                 VALUES ($1, $2, $3, 0, $4)",
            )
            .bind(w.id.to_string())
            .bind(w.code.clone())
            .bind(w.name.clone())
            .bind(micros(w.created_at))
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(())
        })
    }

    async fn record_moves(&self, moves: &[StockMove]) -> StoreResult<Vec<StockLevel>> {
        let backend = self.backend;
        let at = moves.first().map(|m| m.at);
        write_tx!(self, |tx| {
            if let Some(at) = at {
                let balances = moves.iter().map(|m| (m.product_id, m.warehouse_id));
                lock_balances_in_order(tx, backend, balances, at).await?;
            }
            let mut levels = Vec::new();
            for m in moves {
                levels.push(apply_move(tx, backend, m).await?);
            }
            Ok(levels)
        })
    }

    async fn stock_levels(
        &self,
        product: Option<ProductId>,
        after: Option<(ProductId, WarehouseId)>,
        limit: u32,
    ) -> StoreResult<Vec<StockLevel>> {
        let mut c = Conditions::default();
        if let Some(p) = product {
            let v = c.param(p.to_string());
            c.push(format!("product_id = {v}"));
        }
        if let Some((p, w)) = after {
            let (a, b, d) = (
                c.param(p.to_string()),
                c.param(p.to_string()),
                c.param(w.to_string()),
            );
            c.push(format!(
                "(product_id > {a} OR (product_id = {b} AND warehouse_id > {d}))"
            ));
        }
        let sql = format!(
            "SELECT product_id, warehouse_id, on_hand_milli, reserved_milli FROM stock_balances{} \
             ORDER BY product_id, warehouse_id LIMIT {limit}",
            c.where_clause()
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(level_from_row).collect()
    }

    async fn stock_moves(
        &self,
        product: Option<ProductId>,
        before: Option<(Timestamp, StockMoveId)>,
        limit: u32,
    ) -> StoreResult<Vec<StockMove>> {
        let mut c = Conditions::default();
        if let Some(p) = product {
            let v = c.param(p.to_string());
            c.push(format!("product_id = {v}"));
        }
        if let Some((at, id)) = before {
            let (a, b, d) = (
                c.param(micros(at)),
                c.param(micros(at)),
                c.param(id.to_string()),
            );
            c.push(format!("(at < {a} OR (at = {b} AND id < {d}))"));
        }
        let sql = format!(
            "SELECT id, product_id, warehouse_id, kind, quantity_milli, order_id, note, at, \
             actor_id FROM stock_moves{} ORDER BY at DESC, id DESC LIMIT {limit}",
            c.where_clause()
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(move_from_row).collect()
    }

    async fn ledger_mismatches(&self) -> StoreResult<i64> {
        // Each balance against the sum of its moves' effects, in one grouped query.
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM stock_balances b LEFT JOIN (\
               SELECT product_id, warehouse_id, \
                 SUM(CASE WHEN kind IN ('receipt', 'return', 'adjustment') THEN quantity_milli \
                          WHEN kind = 'shipment' THEN -quantity_milli ELSE 0 END) AS hand, \
                 SUM(CASE WHEN kind = 'reservation' THEN quantity_milli \
                          WHEN kind IN ('release', 'shipment') THEN -quantity_milli ELSE 0 END) AS held \
               FROM stock_moves GROUP BY product_id, warehouse_id) m \
             ON m.product_id = b.product_id AND m.warehouse_id = b.warehouse_id \
             WHERE b.on_hand_milli <> COALESCE(m.hand, 0) OR b.reserved_milli <> COALESCE(m.held, 0)",
        )
        .fetch_one(&self.read)
        .await
        .map_err(map)?;
        int(&row, "n")
    }

    async fn confirm_with_stock(
        &self,
        reserve: ReserveStock<'_>,
        build: BuildConfirmation<'_>,
    ) -> StoreResult<DocumentWrite> {
        let backend = self.backend;
        write_tx!(self, |tx| {
            let balances = reserve
                .requests
                .iter()
                .map(|r| (r.product_id, r.warehouse_id));
            lock_balances_in_order(tx, backend, balances, reserve.at).await?;
            let mut reservations = Vec::new();
            for (request, id) in reserve.requests.iter().zip(reserve.move_ids) {
                let balance = lock_balance(
                    tx,
                    backend,
                    request.product_id,
                    request.warehouse_id,
                    reserve.at,
                )
                .await?;
                let wanted = request.quantity_milli;
                let amount = if reserve.allow_backorder {
                    wanted.min(balance.available_milli().max(0))
                } else {
                    wanted
                };
                if amount > 0 {
                    let m = StockMove {
                        id: *id,
                        product_id: request.product_id,
                        warehouse_id: request.warehouse_id,
                        kind: MoveKind::Reservation,
                        quantity_milli: amount,
                        order_id: Some(reserve.order_id),
                        note: None,
                        at: reserve.at,
                        actor_id: reserve.actor_id,
                    };
                    apply_move(tx, backend, &m).await?;
                }
                reservations.push(Reservation {
                    line: request.line,
                    product_id: request.product_id,
                    warehouse_id: request.warehouse_id,
                    reserved_milli: amount.max(0),
                    backorder_milli: wanted - amount.max(0),
                });
            }
            let number = match reserve.series {
                Some(series) => Some(next_number(tx, series).await?),
                None => None,
            };
            let write = build(number, reservations);
            apply_write(tx, backend, &write).await?;
            Ok(write)
        })
    }
}
