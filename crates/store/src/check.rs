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
    /// Stock balances that differ from the sum of their moves.
    pub stock_mismatches: i64,
    pub invoice_mismatches: Vec<PaidMismatch>,
}

impl Consistency {
    pub fn is_sound(&self) -> bool {
        self.stock_mismatches == 0 && self.invoice_mismatches.is_empty()
    }
}

impl SqlStore {
    /// Re-derives stock balances from the stock ledger and each posted invoice's paid amount
    /// from the payments' allocations (payments are append-only), and reports every difference.
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
            stock_mismatches,
            invoice_mismatches,
        })
    }
}
