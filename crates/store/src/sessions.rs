use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_app::ports::{
    LoginFailures, PurgeCounts, SessionRecord, SessionStore, StoreResult, UserRecord,
};
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::rows::{int, micros, opt_int, opt_ts, parsed, text, ts};
use crate::users::user_from_row;

#[async_trait]
impl SessionStore for SqlStore {
    async fn insert_session(&self, s: &SessionRecord) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, last_seen_at, expires_at, absolute_expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(s.token_hash.clone())
            .bind(s.user_id.to_string())
            .bind(s.csrf_token.clone())
            .bind(micros(s.created_at))
            .bind(micros(s.last_seen_at))
            .bind(micros(s.expires_at))
            .bind(micros(s.absolute_expires_at))
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(())
        })
    }

    async fn session_with_user(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(SessionRecord, UserRecord)>> {
        let sql = "SELECT s.token_hash, s.user_id, s.csrf_token, s.created_at AS s_created_at, s.last_seen_at, s.expires_at, \
                   s.absolute_expires_at, u.id, u.email, u.name, u.role, u.team_id, u.active, u.password_hash, u.created_at, \
                   u.updated_at, u.version \
                   FROM sessions s JOIN users u ON u.id = s.user_id \
                   WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.absolute_expires_at > $2 AND u.active = 1";
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(micros(now))
            .fetch_optional(&self.read)
            .await
            .map_err(map)?;
        let Some(row) = row else { return Ok(None) };
        let session = SessionRecord {
            token_hash: text(&row, "token_hash")?,
            user_id: parsed(&row, "user_id")?,
            csrf_token: text(&row, "csrf_token")?,
            created_at: ts(&row, "s_created_at")?,
            last_seen_at: ts(&row, "last_seen_at")?,
            expires_at: ts(&row, "expires_at")?,
            absolute_expires_at: ts(&row, "absolute_expires_at")?,
        };
        Ok(Some((session, user_from_row(&row)?)))
    }

    async fn touch_session(
        &self,
        token_hash: &str,
        now: Timestamp,
        expires_at: Timestamp,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query(
                "UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE token_hash = $3",
            )
            .bind(micros(now))
            .bind(micros(expires_at))
            .bind(token_hash)
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(())
        })
    }

    async fn delete_session(&self, token_hash: &str) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            Ok(())
        })
    }

    async fn record_login_attempt(
        &self,
        email: &str,
        client: &str,
        at: Timestamp,
    ) -> StoreResult<Uuid> {
        let id = Uuid::now_v7();
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO login_failures (id, email, client, at) VALUES ($1, $2, $3, $4)",
            )
            .bind(id.to_string())
            .bind(email)
            .bind(client)
            .bind(micros(at))
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(())
        })?;
        Ok(id)
    }

    async fn forget_login_attempt(&self, id: Uuid) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("DELETE FROM login_failures WHERE id = $1")
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            Ok(())
        })
    }

    async fn login_failures_since(
        &self,
        email: &str,
        client: &str,
        since: Timestamp,
    ) -> StoreResult<LoginFailures> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(at) AS oldest, \
                    SUM(CASE WHEN client = $2 THEN 1 ELSE 0 END) AS n_client, \
                    MIN(CASE WHEN client = $2 THEN at END) AS oldest_client \
             FROM login_failures WHERE email = $1 AND at > $3",
        )
        .bind(email)
        .bind(client)
        .bind(micros(since))
        .fetch_one(&self.read)
        .await
        .map_err(map)?;
        Ok(LoginFailures {
            from_client: opt_int(&row, "n_client")?.unwrap_or(0),
            from_client_oldest: opt_ts(&row, "oldest_client")?,
            all_clients: int(&row, "n")?,
            all_clients_oldest: opt_ts(&row, "oldest")?,
        })
    }

    async fn clear_login_failures(&self, email: &str, client: &str) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("DELETE FROM login_failures WHERE email = $1 AND client = $2")
                .bind(email)
                .bind(client)
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            Ok(())
        })
    }

    async fn purge_expired(
        &self,
        now: Timestamp,
        login_failures_before: Timestamp,
    ) -> StoreResult<PurgeCounts> {
        write_tx!(self, |tx| {
            let now = micros(now);
            let sessions = sqlx::query(
                "DELETE FROM sessions WHERE expires_at <= $1 OR absolute_expires_at <= $1",
            )
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(map)?
            .rows_affected();
            let login_failures = sqlx::query("DELETE FROM login_failures WHERE at < $1")
                .bind(micros(login_failures_before))
                .execute(&mut *tx)
                .await
                .map_err(map)?
                .rows_affected();
            // Web form submissions only matter for the per-address limit of the last minutes;
            // uploaded import files wait a day for their mapping.
            for sql in [
                "DELETE FROM form_submissions WHERE at < $1",
                "DELETE FROM import_uploads WHERE created_at < $1",
            ] {
                sqlx::query(sql)
                    .bind(micros(login_failures_before))
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?;
            }
            let idempotency_keys =
                sqlx::query("DELETE FROM idempotency_keys WHERE expires_at <= $1")
                    .bind(now)
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?
                    .rows_affected();
            // A message that failed for good is on its document's timeline; the dead job
            // (names and addresses, no secrets) goes after a day, like the login failures.
            let mail_jobs = sqlx::query(
                "DELETE FROM jobs WHERE kind = 'send_email' AND dead = 1 AND created_at < $1",
            )
            .bind(micros(login_failures_before))
            .execute(&mut *tx)
            .await
            .map_err(map)?
            .rows_affected();
            Ok(PurgeCounts {
                sessions,
                login_failures,
                idempotency_keys,
                mail_jobs,
            })
        })
    }
}
