//! Consistency checks for operators (`salesflow check`) and tests: what the ledgers say
//! against what is stored beside them.

use std::collections::HashMap;

use salesflow_app::ports::{StockStore, StoreResult};
use salesflow_domain::payment::Allocation;

use crate::db::SqlStore;
use crate::error::map;
use crate::rows::{int, json_col, text};

/// A posted invoice whose paid amount differs from what its payments allocated to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaidMismatch {
    pub number: String,
    pub stored_minor: i64,
    pub from_payments_minor: i64,
}

/// What a consistency check found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Consistency {
    /// SQLite's own page and index check (always empty on PostgreSQL).
    pub integrity_problems: Vec<String>,
    /// Stock balances that differ from the sum of their moves.
    pub stock_mismatches: i64,
    pub invoice_mismatches: Vec<PaidMismatch>,
    /// Half-written documents: accepted quotes without their sales order.
    pub accepted_quotes_without_order: i64,
    /// Half-written documents: shipped deliveries of an order that reserved stock but whose
    /// shipment never left the stock ledger.
    pub shipped_deliveries_without_moves: i64,
}

impl Consistency {
    pub fn is_sound(&self) -> bool {
        self.integrity_problems.is_empty()
            && self.stock_mismatches == 0
            && self.invoice_mismatches.is_empty()
            && self.accepted_quotes_without_order == 0
            && self.shipped_deliveries_without_moves == 0
    }
}

/// Documents whose parts are written in one transaction: a count above zero means one was
/// stored by halves.
const ACCEPTED_WITHOUT_ORDER: &str = "SELECT COUNT(*) FROM quotes q WHERE q.status = 'accepted' \
     AND NOT EXISTS (SELECT 1 FROM sales_orders o WHERE o.quote_id = q.id)";
const SHIPPED_WITHOUT_MOVES: &str = "SELECT COUNT(*) FROM deliveries d WHERE d.status = 'shipped' \
     AND EXISTS (SELECT 1 FROM stock_moves r WHERE r.order_id = d.order_id AND r.kind = 'reservation') \
     AND NOT EXISTS (SELECT 1 FROM stock_moves m WHERE m.order_id = d.order_id AND m.kind = 'shipment')";

impl SqlStore {
    /// Checks the database file (SQLite), re-derives stock balances from the stock ledger and each
    /// posted invoice's paid amount from the payments' allocations (payments are append-only),
    /// looks for documents stored by halves, and reports every difference.
    pub async fn consistency(&self) -> StoreResult<Consistency> {
        let stock_mismatches = self.ledger_mismatches().await?;
        let mut allocated: HashMap<String, i64> = HashMap::new();
        let payments = sqlx::query("SELECT allocations FROM payments")
            .fetch_all(self.pool())
            .await
            .map_err(map)?;
        for row in &payments {
            let allocations: Vec<Allocation> = json_col(row, "allocations")?;
            for a in allocations {
                *allocated.entry(a.invoice_id.to_string()).or_default() += a.amount_minor;
            }
        }
        let invoices = sqlx::query(
            "SELECT id, number, paid_minor FROM invoices WHERE kind = 'invoice' AND number IS NOT NULL",
        )
        .fetch_all(self.pool())
        .await
        .map_err(map)?;
        let mut invoice_mismatches = Vec::new();
        for row in &invoices {
            let stored = int(row, "paid_minor")?;
            let derived = allocated.get(&text(row, "id")?).copied().unwrap_or(0);
            if stored != derived {
                invoice_mismatches.push(PaidMismatch {
                    number: text(row, "number")?,
                    stored_minor: stored,
                    from_payments_minor: derived,
                });
            }
        }
        Ok(Consistency {
            integrity_problems: self.integrity_problems().await?,
            stock_mismatches,
            invoice_mismatches,
            accepted_quotes_without_order: self.count(ACCEPTED_WITHOUT_ORDER).await?,
            shipped_deliveries_without_moves: self.count(SHIPPED_WITHOUT_MOVES).await?,
        })
    }

    async fn count(&self, sql: &'static str) -> StoreResult<i64> {
        sqlx::query_scalar(sql)
            .fetch_one(self.pool())
            .await
            .map_err(map)
    }
}
