//! The receivables port: what customers owe, grouped by how overdue it is, and the overdue
//! invoices that need a reminder.

use async_trait::async_trait;
use jiff::civil::Date;
use salesflow_domain::invoice::Invoice;

use super::{EventRecord, NewJob, Scope, StoreResult};

/// Outstanding amounts of one currency in one aging bucket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgingRow {
    pub currency: String,
    /// `current`, `1_30`, `31_60`, `61_90` or `over_90` (days past due).
    pub bucket: String,
    pub outstanding_minor: i128,
    pub invoices: i64,
}

#[async_trait]
pub trait ReceivablesStore: Send + Sync {
    /// Open posted invoices' outstanding amounts by currency and bucket, as of `today`.
    async fn aging(&self, today: Date, scope: Scope) -> StoreResult<Vec<AgingRow>>;
    /// Totals of invoices issued on or after `since`, by currency (credit sales, for DSO).
    async fn invoiced_since(&self, since: Date, scope: Scope) -> StoreResult<Vec<(String, i128)>>;
    /// Open invoices due before `today` not reminded since `reminded_before`, oldest due first.
    async fn overdue_invoices(
        &self,
        today: Date,
        reminded_before: Date,
        limit: u32,
    ) -> StoreResult<Vec<Invoice>>;
    /// Marks an invoice reminded on `day`, with its event and e-mail job.
    async fn mark_invoice_reminded(
        &self,
        invoice: &Invoice,
        day: Date,
        event: &EventRecord,
        mail: Option<&NewJob>,
    ) -> StoreResult<()>;
}
