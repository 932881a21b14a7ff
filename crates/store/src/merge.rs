//! Duplicate look-up and merging of leads, contacts and accounts.

use async_trait::async_trait;
use salesflow_app::ports::{EventRecord, MergeStore, MergeWrite, Scope, StoreError, StoreResult};
use salesflow_domain::event::EntityType;
use sqlx::{AnyConnection, AssertSqlSafe};
use uuid::Uuid;

use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::events::insert_events;
use crate::records::{Conditions, update_in};
use crate::rows::{bind_all, parsed};

/// The table of a mergeable record kind.
pub(crate) fn merge_table(kind: EntityType) -> Option<&'static str> {
    match kind {
        EntityType::Lead => Some("leads"),
        EntityType::Contact => Some("contacts"),
        EntityType::Account => Some("accounts"),
        _ => None,
    }
}

/// Points rows referring to `from` at `to`.
async fn repoint(
    tx: &mut AnyConnection,
    sql: &'static str,
    from: Uuid,
    to: Uuid,
) -> StoreResult<()> {
    sqlx::query(sql)
        .bind(to.to_string())
        .bind(from.to_string())
        .execute(&mut *tx)
        .await
        .map_err(map)?;
    Ok(())
}

#[async_trait]
impl MergeStore for SqlStore {
    async fn find_duplicates(
        &self,
        kind: EntityType,
        keys: &[(&'static str, String)],
        exclude: Uuid,
        scope: Scope,
        limit: u32,
    ) -> StoreResult<Vec<Uuid>> {
        let table = merge_table(kind)
            .ok_or_else(|| StoreError::Other(format!("no duplicates of {kind}")))?;
        let mut c = Conditions::default();
        let mut any = Vec::new();
        for (column, value) in keys {
            // Columns come from the record types' fixed key lists.
            if !matches!(*column, "email" | "phone" | "domain") {
                continue;
            }
            let p = c.param(value.clone());
            any.push(format!("{column} = {p}"));
        }
        if any.is_empty() {
            return Ok(vec![]);
        }
        c.push(format!("({})", any.join(" OR ")));
        let p = c.param(exclude.to_string());
        c.push(format!("id <> {p}"));
        c.push("archived = 0".into());
        c.scope(scope);
        let l = c.param(i64::from(limit));
        let sql = format!(
            "SELECT id FROM {table}{} ORDER BY created_at, id LIMIT {l}",
            c.where_clause()
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(|r| parsed(r, "id")).collect()
    }

    async fn save_merge(&self, write: MergeWrite<'_>, events: &[EventRecord]) -> StoreResult<()> {
        write_tx!(self, |tx| {
            let (kind, from, to) = match &write {
                MergeWrite::Leads(s, sv, o, ov) => {
                    update_in(tx, *s, *sv).await?;
                    update_in(tx, *o, *ov).await?;
                    ("lead", o.id.0, s.id.0)
                }
                MergeWrite::Contacts(s, sv, o, ov) => {
                    update_in(tx, *s, *sv).await?;
                    update_in(tx, *o, *ov).await?;
                    for sql in [
                        "UPDATE opportunities SET contact_id = $1 WHERE contact_id = $2",
                        "UPDATE quotes SET contact_id = $1 WHERE contact_id = $2",
                        "UPDATE sales_orders SET contact_id = $1 WHERE contact_id = $2",
                    ] {
                        repoint(tx, sql, o.id.0, s.id.0).await?;
                    }
                    ("contact", o.id.0, s.id.0)
                }
                MergeWrite::Accounts(s, sv, o, ov) => {
                    update_in(tx, *s, *sv).await?;
                    update_in(tx, *o, *ov).await?;
                    repoint(
                        tx,
                        "UPDATE contacts SET account_id = $1 WHERE account_id = $2",
                        o.id.0,
                        s.id.0,
                    )
                    .await?;
                    // Documents move with their customer (quotes and orders keep what they said).
                    for sql in [
                        "UPDATE opportunities SET account_id = $1 WHERE account_id = $2",
                        "UPDATE quotes SET account_id = $1 WHERE account_id = $2",
                        "UPDATE sales_orders SET account_id = $1 WHERE account_id = $2",
                    ] {
                        repoint(tx, sql, o.id.0, s.id.0).await?;
                    }
                    ("account", o.id.0, s.id.0)
                }
            };
            sqlx::query(
                "UPDATE activities SET related_id = $1 WHERE related_type = $2 AND related_id = $3",
            )
            .bind(to.to_string())
            .bind(kind)
            .bind(from.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            insert_events(tx, events).await
        })
    }
}
