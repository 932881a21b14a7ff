//! The CSV importer's bulk inserts and look-ups.

use async_trait::async_trait;
use salesflow_app::ports::{
    EventRecord, ImportRun, ImportStore, Scope, StoreError, StoreResult, Upload,
};
use salesflow_domain::account::Account;
use salesflow_domain::contact::Contact;
use salesflow_domain::import::ImportKind;
use salesflow_domain::lead::Lead;
use sqlx::AssertSqlSafe;
use uuid::Uuid;

use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::records::Conditions;
use crate::rows::{bind_all, flag, int, opt_text, parsed, text, ts};

/// Values per `IN (…)` list: well inside both databases' parameter limits.
const CHUNK: usize = 900;

/// `column IN ($a, $b, …)` with the values bound.
fn in_list(c: &mut Conditions, column: &str, values: &[String]) -> String {
    let placeholders: Vec<String> = values.iter().map(|v| c.param(v.clone())).collect();
    format!("{column} IN ({})", placeholders.join(", "))
}

impl SqlStore {
    /// SKUs already taken, by any product (archived ones too: SKUs stay unique).
    async fn existing_skus(&self, values: &[String]) -> StoreResult<Vec<String>> {
        let mut found = Vec::new();
        for chunk in values.chunks(CHUNK) {
            let mut c = Conditions::default();
            let list = in_list(&mut c, "sku", chunk);
            c.push(list);
            let sql = format!("SELECT sku FROM products{}", c.where_clause());
            let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
                .fetch_all(&self.read)
                .await
                .map_err(map)?;
            for row in rows {
                found.push(text(&row, "sku")?);
            }
        }
        Ok(found)
    }

    /// `SELECT {select} FROM {table}` for the visible, unarchived rows whose `column` is one of
    /// `values`, a chunk of values per query. Table and column names come from code only.
    async fn select_in(
        &self,
        select: &str,
        table: &str,
        column: &str,
        values: &[String],
        scope: Scope,
    ) -> StoreResult<Vec<sqlx::any::AnyRow>> {
        let mut rows = Vec::new();
        for chunk in values.chunks(CHUNK) {
            let mut c = Conditions::default();
            let list = in_list(&mut c, column, chunk);
            c.push(list);
            c.push("archived = 0".into());
            c.scope(scope);
            let sql = format!("SELECT {select} FROM {table}{}", c.where_clause());
            rows.extend(
                bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
                    .fetch_all(&self.read)
                    .await
                    .map_err(map)?,
            );
        }
        Ok(rows)
    }
}

#[async_trait]
impl ImportStore for SqlStore {
    async fn insert_leads(&self, leads: &[Lead], events: &[EventRecord]) -> StoreResult<()> {
        self.insert_batch(leads, events).await
    }

    async fn insert_contacts(
        &self,
        contacts: &[Contact],
        events: &[EventRecord],
    ) -> StoreResult<()> {
        self.insert_batch(contacts, events).await
    }

    async fn insert_accounts(
        &self,
        accounts: &[Account],
        events: &[EventRecord],
    ) -> StoreResult<()> {
        self.insert_batch(accounts, events).await
    }

    async fn insert_products(
        &self,
        products: &[salesflow_domain::product::Product],
        events: &[EventRecord],
    ) -> StoreResult<()> {
        self.insert_batch(products, events).await
    }

    async fn existing_values(
        &self,
        kind: ImportKind,
        column: &str,
        values: &[String],
        scope: Scope,
    ) -> StoreResult<Vec<String>> {
        if kind == ImportKind::Products {
            return self.existing_skus(values).await;
        }
        // Table and column names come from these allow-lists only.
        let (table, allowed): (&str, &[&str]) = match kind {
            ImportKind::Products => ("products", &["sku"]),
            ImportKind::Leads => ("leads", &["email", "phone"]),
            ImportKind::Contacts => ("contacts", &["email", "phone"]),
            ImportKind::Accounts => ("accounts", &["domain"]),
        };
        let column = allowed
            .iter()
            .find(|c| **c == column)
            .ok_or_else(|| StoreError::Other(format!("no duplicate check on {table}.{column}")))?;
        let rows = self
            .select_in(
                &format!("DISTINCT {column} AS v"),
                table,
                column,
                values,
                scope,
            )
            .await?;
        rows.iter().map(|row| text(row, "v")).collect()
    }

    async fn accounts_matching(
        &self,
        ids: &[String],
        names: &[String],
        domains: &[String],
        scope: Scope,
    ) -> StoreResult<Vec<(Uuid, String, Option<String>)>> {
        let mut found = Vec::new();
        for (column, values) in [("id", ids), ("name_key", names), ("domain", domains)] {
            for row in &self
                .select_in("id, name_key, domain", "accounts", column, values, scope)
                .await?
            {
                found.push((
                    parsed(row, "id")?,
                    text(row, "name_key")?,
                    opt_text(row, "domain")?,
                ));
            }
        }
        Ok(found)
    }

    async fn save_import_run(&self, run: &ImportRun) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO import_runs (id, user_id, kind, file_name, dry_run, total, imported, rejected, rejected_csv, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(run.id.to_string())
            .bind(run.user_id.to_string())
            .bind(run.kind.clone())
            .bind(run.file_name.clone())
            .bind(i64::from(run.dry_run))
            .bind(run.total)
            .bind(run.imported)
            .bind(run.rejected)
            .bind(run.rejected_csv.clone())
            .bind(run.created_at.as_microsecond())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(())
        })
    }

    async fn import_run(&self, id: Uuid) -> StoreResult<Option<ImportRun>> {
        let row = sqlx::query(
            "SELECT id, user_id, kind, file_name, dry_run, total, imported, rejected, rejected_csv, created_at \
             FROM import_runs WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map)?;
        row.map(|r| {
            Ok(ImportRun {
                id: parsed(&r, "id")?,
                user_id: parsed(&r, "user_id")?,
                kind: text(&r, "kind")?,
                file_name: text(&r, "file_name")?,
                dry_run: flag(&r, "dry_run")?,
                total: int(&r, "total")?,
                imported: int(&r, "imported")?,
                rejected: int(&r, "rejected")?,
                rejected_csv: text(&r, "rejected_csv")?,
                created_at: ts(&r, "created_at")?,
            })
        })
        .transpose()
    }

    async fn save_upload(&self, upload: &Upload) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query(
                "INSERT INTO import_uploads (id, user_id, file_name, content, created_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(upload.id.to_string())
            .bind(upload.user_id.to_string())
            .bind(upload.file_name.clone())
            .bind(upload.content.clone())
            .bind(upload.created_at.as_microsecond())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            Ok(())
        })
    }

    async fn upload(&self, id: Uuid) -> StoreResult<Option<Upload>> {
        let row = sqlx::query(
            "SELECT id, user_id, file_name, content, created_at FROM import_uploads WHERE id = $1",
        )
        .bind(id.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map)?;
        row.map(|r| {
            Ok(Upload {
                id: parsed(&r, "id")?,
                user_id: parsed(&r, "user_id")?,
                file_name: text(&r, "file_name")?,
                content: text(&r, "content")?,
                created_at: ts(&r, "created_at")?,
            })
        })
        .transpose()
    }
}
