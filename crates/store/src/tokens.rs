use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_app::ports::{ApiTokenRecord, EventRecord, StoreResult, TokenStore, UserRecord};
use salesflow_domain::ids::{TokenId, UserId};
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;

use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::events::insert_event;
use crate::rows::{micros, opt_ts, parsed, text, ts};
use crate::users::user_from_row;

const COLUMNS: &str = "t.id AS token_id, t.user_id, t.name AS token_name, t.token_hash, t.created_at AS token_created_at, \
                       t.last_used_at, t.revoked_at, t.expires_at";

fn token_from_row(row: &AnyRow) -> StoreResult<ApiTokenRecord> {
    Ok(ApiTokenRecord {
        id: parsed(row, "token_id")?,
        user_id: parsed(row, "user_id")?,
        name: text(row, "token_name")?,
        token_hash: text(row, "token_hash")?,
        created_at: ts(row, "token_created_at")?,
        last_used_at: opt_ts(row, "last_used_at")?,
        revoked_at: opt_ts(row, "revoked_at")?,
        expires_at: opt_ts(row, "expires_at")?,
    })
}

#[async_trait]
impl TokenStore for SqlStore {
    async fn insert_token(&self, t: &ApiTokenRecord, event: &EventRecord) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(t.id.to_string())
                .bind(t.user_id.to_string())
                .bind(t.name.clone())
                .bind(t.token_hash.clone())
                .bind(micros(t.created_at))
                .bind(t.expires_at.map(micros))
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            insert_event(tx, event).await
        })
    }

    async fn token_with_user(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(ApiTokenRecord, UserRecord)>> {
        let sql = format!(
            "SELECT {COLUMNS}, u.id, u.email, u.name, u.role, u.team_id, u.active, u.password_hash, u.created_at, u.updated_at, u.version \
             FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = 1 \
               AND (t.expires_at IS NULL OR t.expires_at > $2)"
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(token_hash)
            .bind(micros(now))
            .fetch_optional(&self.read)
            .await
            .map_err(map)?;
        row.map(|r| Ok((token_from_row(&r)?, user_from_row(&r)?)))
            .transpose()
    }

    async fn touch_token(&self, id: TokenId, now: Timestamp) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(micros(now))
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            Ok(())
        })
    }

    async fn list_tokens(&self, user: Option<UserId>) -> StoreResult<Vec<ApiTokenRecord>> {
        let rows = match user {
            Some(user) => {
                let sql = format!("SELECT {COLUMNS} FROM api_tokens t WHERE t.user_id = $1 ORDER BY t.created_at DESC");
                sqlx::query(AssertSqlSafe(sql)).bind(user.to_string()).fetch_all(&self.read).await
            }
            None => {
                let sql = format!("SELECT {COLUMNS} FROM api_tokens t ORDER BY t.created_at DESC");
                sqlx::query(AssertSqlSafe(sql)).fetch_all(&self.read).await
            }
        }
        .map_err(map)?;
        rows.iter().map(token_from_row).collect()
    }

    async fn token_by_id(&self, id: TokenId) -> StoreResult<Option<ApiTokenRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM api_tokens t WHERE t.id = $1");
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await
            .map_err(map)?;
        row.as_ref().map(token_from_row).transpose()
    }

    async fn revoke_token(
        &self,
        id: TokenId,
        now: Timestamp,
        event: &EventRecord,
    ) -> StoreResult<bool> {
        write_tx!(self, |tx| {
            let done = sqlx::query(
                "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            )
            .bind(micros(now))
            .bind(id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            if done.rows_affected() == 0 {
                return Ok(false);
            }
            insert_event(tx, event).await?;
            Ok(true)
        })
    }
}
