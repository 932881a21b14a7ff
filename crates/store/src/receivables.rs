//! Receivables: aging buckets and credit sales in grouped queries (dates are ISO text, so the
//! bucket boundaries are compared as strings on both databases), and overdue reminders.

use async_trait::async_trait;
use jiff::civil::Date;
use salesflow_app::ports::{AgingRow, EventRecord, NewJob, ReceivablesStore, Scope, StoreResult};
use salesflow_domain::invoice::Invoice;
use sqlx::AssertSqlSafe;

use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::events::insert_event;
use crate::jobs::enqueue_in;
use crate::records::{Conditions, all_columns, record_from_row};
use crate::rows::{bind_all, int, text};
use crate::sums::{wide, wide_sum};

fn days_before(day: Date, days: i64) -> String {
    day.checked_sub(jiff::Span::new().days(days))
        .unwrap_or(day)
        .to_string()
}

const OPEN: &str = "kind = 'invoice' AND status IN ('posted', 'partially_paid') AND archived = 0";

#[async_trait]
impl ReceivablesStore for SqlStore {
    async fn aging(&self, today: Date, scope: Scope) -> StoreResult<Vec<AgingRow>> {
        let mut c = Conditions::default();
        c.push(OPEN.into());
        c.scope(scope);
        let (t, d30, d60, d90) = (
            c.param(today.to_string()),
            c.param(days_before(today, 30)),
            c.param(days_before(today, 60)),
            c.param(days_before(today, 90)),
        );
        let bucket = format!(
            "CASE WHEN due_date >= {t} THEN 'current' WHEN due_date >= {d30} THEN '1_30' \
             WHEN due_date >= {d60} THEN '31_60' WHEN due_date >= {d90} THEN '61_90' ELSE 'over_90' END"
        );
        let sql = format!(
            "SELECT currency, {bucket} AS bucket, {}, \
             COUNT(*) AS n FROM invoices{} GROUP BY currency, {bucket} ORDER BY currency",
            wide_sum("total_minor - paid_minor", "outstanding"),
            c.where_clause()
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter()
            .map(|r| {
                Ok(AgingRow {
                    currency: text(r, "currency")?,
                    bucket: text(r, "bucket")?,
                    outstanding_minor: wide(r, "outstanding")?,
                    invoices: int(r, "n")?,
                })
            })
            .collect()
    }

    async fn invoiced_since(&self, since: Date, scope: Scope) -> StoreResult<Vec<(String, i128)>> {
        let mut c = Conditions::default();
        c.push("kind = 'invoice' AND status <> 'draft' AND archived = 0".into());
        let p = c.param(since.to_string());
        c.push(format!("issue_date >= {p}"));
        c.scope(scope);
        let sql = format!(
            "SELECT currency, {} FROM invoices{} GROUP BY currency",
            wide_sum("total_minor", "total"),
            c.where_clause()
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter()
            .map(|r| Ok((text(r, "currency")?, wide(r, "total")?)))
            .collect()
    }

    async fn overdue_invoices(
        &self,
        today: Date,
        reminded_before: Date,
        limit: u32,
    ) -> StoreResult<Vec<Invoice>> {
        let sql = format!(
            "SELECT {} FROM invoices WHERE {OPEN} AND due_date < $1 \
             AND (reminded_on IS NULL OR reminded_on < $2) ORDER BY due_date, id LIMIT {limit}",
            all_columns::<Invoice>().join(", ")
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(today.to_string())
            .bind(reminded_before.to_string())
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(record_from_row::<Invoice>).collect()
    }

    async fn mark_invoice_reminded(
        &self,
        invoice: &Invoice,
        day: Date,
        event: &EventRecord,
        mail: Option<&NewJob>,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("UPDATE invoices SET reminded_on = $1 WHERE id = $2")
                .bind(day.to_string())
                .bind(invoice.id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            if let Some(job) = mail {
                enqueue_in(tx, job).await?;
            }
            insert_event(tx, event).await
        })
    }
}
