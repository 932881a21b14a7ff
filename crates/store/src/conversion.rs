//! Lead conversion in one transaction, and the duplicate look-ups it makes.

use async_trait::async_trait;
use salesflow_app::ports::{ConversionStore, ConversionWrite, Scope, StoreResult};
use salesflow_domain::account::Account;
use salesflow_domain::contact::Contact;
use salesflow_domain::event::EntityType;
use salesflow_domain::text::search_key;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::events::insert_events;
use crate::records::{Conditions, Table, all_columns, insert_in, record_from_row, update_in};
use crate::rows::{bind_all, int};

impl SqlStore {
    /// The first visible, unarchived row of `T` where `column = value`.
    async fn first_where<T: Table>(
        &self,
        column: &str,
        value: String,
        scope: Scope,
    ) -> StoreResult<Option<T>> {
        let mut c = Conditions::default();
        let p = c.param(value);
        c.push(format!("{column} = {p}"));
        c.push("archived = 0".into());
        c.scope(scope);
        let sql = format!(
            "SELECT {} FROM {}{} ORDER BY created_at, id LIMIT 1",
            all_columns::<T>().join(", "),
            T::TABLE,
            c.where_clause()
        );
        let row = bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
            .fetch_optional(&self.read)
            .await
            .map_err(map)?;
        row.as_ref().map(record_from_row::<T>).transpose()
    }
}

#[async_trait]
impl ConversionStore for SqlStore {
    async fn save_conversion(&self, write: ConversionWrite<'_>) -> StoreResult<()> {
        write_tx!(self, |tx| {
            // The lead first: a concurrent conversion loses here, before anything is created.
            update_in(tx, write.lead, write.lead_version).await?;
            if let Some(account) = write.account {
                insert_in(tx, account).await?;
            }
            if let Some(contact) = write.contact {
                insert_in(tx, contact).await?;
            }
            if let Some(opportunity) = write.opportunity {
                insert_in(tx, opportunity).await?;
            }
            insert_events(tx, write.events).await
        })
    }

    async fn find_account(
        &self,
        domain: Option<&str>,
        name: Option<&str>,
        scope: Scope,
    ) -> StoreResult<Option<Account>> {
        if let Some(domain) = domain
            && let Some(found) = self
                .first_where::<Account>("domain", domain.to_string(), scope)
                .await?
        {
            return Ok(Some(found));
        }
        match name {
            Some(name) => {
                self.first_where::<Account>("name_key", search_key(name), scope)
                    .await
            }
            None => Ok(None),
        }
    }

    async fn find_contact(&self, email: &str, scope: Scope) -> StoreResult<Option<Contact>> {
        self.first_where::<Contact>("email", email.to_lowercase(), scope)
            .await
    }

    async fn done_activities(
        &self,
        related_type: EntityType,
        related_id: Uuid,
    ) -> StoreResult<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) AS n FROM activities WHERE related_type = $1 AND related_id = $2 \
             AND status = 'done' AND archived = 0",
        )
        .bind(related_type.as_str())
        .bind(related_id.to_string())
        .fetch_one(&self.read)
        .await
        .map_err(map)?;
        int(&row, "n")
    }
}
