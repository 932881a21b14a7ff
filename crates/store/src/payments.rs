//! Payments: the account's open invoices are locked inside the payment's transaction, so
//! concurrent payments allocate one after another and never pay an invoice twice; and the
//! Idempotency-Key table that lets clients retry money-creating requests safely.

use async_trait::async_trait;
use salesflow_app::ports::{
    BuildPayment, Claim, ClaimTimes, DocumentWrite, PaymentStore, StoreResult,
};
use salesflow_domain::ids::{AccountId, InvoiceId};
use salesflow_domain::invoice::Invoice;
use salesflow_domain::money::Currency;
use sqlx::AssertSqlSafe;

use crate::db::{SqlStore, write_tx};
use crate::dialect;
use crate::documents::apply_write;
use crate::error::map;
use crate::records::{all_columns, record_from_row};
use crate::rows::{int, micros, opt_int, opt_text, text};

#[async_trait]
impl PaymentStore for SqlStore {
    async fn write_payment(
        &self,
        account: AccountId,
        currency: Currency,
        named: Option<&[InvoiceId]>,
        build: BuildPayment<'_>,
    ) -> StoreResult<DocumentWrite> {
        let backend = self.backend;
        write_tx!(self, |tx| {
            let sql = format!(
                "SELECT {} FROM invoices WHERE account_id = $1 AND currency = $2 AND kind = 'invoice' \
                 AND status IN ('posted', 'partially_paid') ORDER BY due_date, created_at, id{}",
                all_columns::<Invoice>().join(", "),
                dialect::for_update(backend)
            );
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(account.to_string())
                .bind(currency.code().to_string())
                .fetch_all(&mut *tx)
                .await
                .map_err(map)?;
            let mut open: Vec<Invoice> = rows
                .iter()
                .map(record_from_row::<Invoice>)
                .collect::<StoreResult<_>>()?;
            if let Some(named) = named {
                open = named
                    .iter()
                    .filter_map(|id| open.iter().find(|i| i.id == *id).cloned())
                    .collect();
            }
            let write = build(open);
            apply_write(tx, backend, &write).await?;
            Ok(write)
        })
    }

    async fn claim_idempotency_key(
        &self,
        principal: &str,
        key: &str,
        request_hash: &str,
        times: &ClaimTimes,
    ) -> StoreResult<Claim> {
        write_tx!(self, |tx| {
            let inserted = sqlx::query(
                "INSERT INTO idempotency_keys (principal, idem_key, request_hash, created_at, \
                 expires_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (principal, idem_key) DO NOTHING",
            )
            .bind(principal.to_string())
            .bind(key.to_string())
            .bind(request_hash.to_string())
            .bind(micros(times.now))
            .bind(micros(times.expires_at))
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            if inserted.rows_affected() == 1 {
                return Ok(Claim::New);
            }
            let row = sqlx::query(
                "SELECT request_hash, status, body, applied, created_at FROM idempotency_keys \
                 WHERE principal = $1 AND idem_key = $2",
            )
            .bind(principal.to_string())
            .bind(key.to_string())
            .fetch_one(&mut *tx)
            .await
            .map_err(map)?;
            if text(&row, "request_hash")? != request_hash {
                return Ok(Claim::Mismatch);
            }
            if let Some(status) = opt_int(&row, "status")? {
                return Ok(Claim::Replay {
                    status: u16::try_from(status).unwrap_or(200),
                    body: opt_text(&row, "body")?.unwrap_or_default(),
                });
            }
            if int(&row, "created_at")? >= micros(times.abandoned_before) {
                return Ok(Claim::InProgress);
            }
            if int(&row, "applied")? != 0 {
                return Ok(Claim::Applied);
            }
            // Abandoned before any write: this request takes the claim over.
            sqlx::query(
                "UPDATE idempotency_keys SET created_at = $1 WHERE principal = $2 AND idem_key = $3",
            )
            .bind(micros(times.now))
            .bind(principal.to_string())
            .bind(key.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(Claim::New)
        })
    }

    async fn finish_idempotency_key(
        &self,
        principal: &str,
        key: &str,
        status: u16,
        body: &str,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE idempotency_keys SET status = $1, body = $2 \
                 WHERE principal = $3 AND idem_key = $4",
            )
            .bind(i64::from(status))
            .bind(body.to_string())
            .bind(principal.to_string())
            .bind(key.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(())
        })
    }

    async fn drop_idempotency_key(&self, principal: &str, key: &str) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("DELETE FROM idempotency_keys WHERE principal = $1 AND idem_key = $2")
                .bind(principal.to_string())
                .bind(key.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            Ok(())
        })
    }
}

/// Marks the key of the request being handled (if it has one) as applied, inside the write that
/// is about to be kept: the mark and the write commit together or not at all.
pub(crate) async fn mark_key_applied(tx: &mut sqlx::AnyConnection) -> StoreResult<()> {
    let Some(keyed) = salesflow_app::idempotency::current_key() else {
        return Ok(());
    };
    sqlx::query(
        "UPDATE idempotency_keys SET applied = 1 \
         WHERE principal = $1 AND idem_key = $2 AND applied = 0",
    )
    .bind(keyed.principal)
    .bind(keyed.key)
    .execute(tx)
    .await
    .map_err(map)?;
    Ok(())
}
