//! Catalogue look-ups, product costs, portal links, and the one transaction every quote and
//! order step is written in (with gapless numbering).

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_app::ports::{
    BuildWrite, Doc, DocumentStore, DocumentWrite, EventRecord, PortalLink, StoreError, StoreResult,
};
use salesflow_domain::ids::{ProductId, QuoteId};
use salesflow_domain::price_list::PriceList;
use salesflow_domain::product::Product;
use salesflow_domain::quote::Quote;
use salesflow_domain::sales_order::SalesOrder;
use sqlx::{AnyConnection, AssertSqlSafe};
use uuid::Uuid;

use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::events::{insert_event, insert_events};
use crate::jobs::enqueue_in;
use crate::records::{Conditions, all_columns, insert_in, record_from_row, update_in};
use crate::rows::{bind_all, int, micros, opt_int, opt_ts, parsed, text, ts};

/// Takes the next number of a series inside the caller's transaction. The row lock (or
/// SQLite's single writer) makes concurrent writers queue; a rollback gives the number back.
pub(crate) async fn next_number(tx: &mut AnyConnection, series: &str) -> StoreResult<String> {
    let row = sqlx::query(
        "UPDATE number_series SET next_value = next_value + 1 WHERE series = $1 \
         RETURNING prefix, next_value - 1 AS taken",
    )
    .bind(series)
    .fetch_optional(&mut *tx)
    .await
    .map_err(map)?
    .ok_or_else(|| StoreError::Other(format!("no number series '{series}'")))?;
    Ok(format!(
        "{}{:05}",
        text(&row, "prefix")?,
        int(&row, "taken")?
    ))
}

async fn update_doc(tx: &mut AnyConnection, doc: &Doc, version: i64) -> StoreResult<()> {
    match doc {
        Doc::Quote(q) => update_in(tx, q.as_ref(), version).await,
        Doc::Opportunity(o) => update_in(tx, o.as_ref(), version).await,
        Doc::Order(o) => update_in(tx, o.as_ref(), version).await,
        Doc::Delivery(d) => update_in(tx, d.as_ref(), version).await,
        Doc::Invoice(i) => update_in(tx, i.as_ref(), version).await,
        Doc::Payment(p) => update_in(tx, p.as_ref(), version).await,
    }
}

async fn insert_doc(tx: &mut AnyConnection, doc: &Doc) -> StoreResult<()> {
    match doc {
        Doc::Quote(q) => insert_in(tx, q.as_ref()).await,
        Doc::Opportunity(o) => insert_in(tx, o.as_ref()).await,
        Doc::Order(o) => insert_in(tx, o.as_ref()).await,
        Doc::Delivery(d) => insert_in(tx, d.as_ref()).await,
        Doc::Invoice(i) => insert_in(tx, i.as_ref()).await,
        Doc::Payment(p) => insert_in(tx, p.as_ref()).await,
    }
}

/// Moves a row's version on if it is still `version` (a conflict otherwise). Table names
/// come from code only.
async fn guard(tx: &mut AnyConnection, table: &str, id: Uuid, version: i64) -> StoreResult<()> {
    let sql = format!("UPDATE {table} SET version = version + 1 WHERE id = $1 AND version = $2");
    let done = sqlx::query(AssertSqlSafe(sql))
        .bind(id.to_string())
        .bind(version)
        .execute(&mut *tx)
        .await
        .map_err(map)?;
    if done.rows_affected() == 0 {
        return Err(StoreError::VersionConflict {
            current: version + 1,
        });
    }
    Ok(())
}

async fn insert_link(tx: &mut AnyConnection, link: &PortalLink, first: bool) -> StoreResult<()> {
    if !first {
        revoke_links(tx, link).await?;
    }
    sqlx::query(
        "INSERT INTO portal_links (token_hash, document_type, document_id, purpose, created_at, \
         expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(link.token_hash.clone())
    .bind(link.document_type.clone())
    .bind(link.document_id.to_string())
    .bind(link.purpose.clone())
    .bind(micros(link.created_at))
    .bind(micros(link.expires_at))
    .execute(&mut *tx)
    .await
    .map_err(map)?;
    Ok(())
}

/// Revokes the document's open links of the link's purpose.
async fn revoke_links(tx: &mut AnyConnection, link: &PortalLink) -> StoreResult<()> {
    sqlx::query(
        "UPDATE portal_links SET revoked_at = $1 WHERE document_type = $2 AND document_id = $3 \
         AND purpose = $4 AND revoked_at IS NULL",
    )
    .bind(micros(link.created_at))
    .bind(link.document_type.clone())
    .bind(link.document_id.to_string())
    .bind(link.purpose.clone())
    .execute(&mut *tx)
    .await
    .map_err(map)?;
    Ok(())
}

/// Writes everything a document step changes, inside the caller's transaction.
pub(crate) async fn apply_write(
    tx: &mut AnyConnection,
    backend: crate::db::Backend,
    write: &DocumentWrite,
) -> StoreResult<()> {
    for (doc, version) in &write.updates {
        update_doc(tx, doc, *version).await?;
    }
    for (table, id, version) in &write.guards {
        guard(tx, table, *id, *version).await?;
    }
    for doc in &write.inserts {
        insert_doc(tx, doc).await?;
    }
    if let Some(link) = &write.portal_link {
        insert_link(tx, link, write.first_link).await?;
    }
    for job in &write.jobs {
        enqueue_in(tx, job).await?;
    }
    if let Some(first) = write.stock_moves.first() {
        let balances = write
            .stock_moves
            .iter()
            .map(|m| (m.product_id, m.warehouse_id));
        crate::stock::lock_balances_in_order(tx, backend, balances, first.at).await?;
    }
    for m in &write.stock_moves {
        crate::stock::apply_move(tx, backend, m).await?;
    }
    insert_events(tx, &write.events).await
}

impl SqlStore {
    async fn quotes_where(&self, c: Conditions, tail: &str) -> StoreResult<Vec<Quote>> {
        let sql = format!(
            "SELECT {} FROM quotes{} {tail}",
            all_columns::<Quote>().join(", "),
            c.where_clause()
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(record_from_row::<Quote>).collect()
    }

    /// Documents in the given states (constants of the code, never input), oldest first.
    async fn where_status<T: crate::records::Table>(
        &self,
        states: &[&'static str],
        limit: u32,
    ) -> StoreResult<Vec<T>> {
        let states: Vec<String> = states.iter().map(|s| format!("'{s}'")).collect();
        let sql = format!(
            "SELECT {} FROM {} WHERE status IN ({}) ORDER BY created_at, id LIMIT {limit}",
            all_columns::<T>().join(", "),
            T::TABLE,
            states.join(", ")
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(record_from_row::<T>).collect()
    }

    /// The documents of an order, oldest first.
    async fn of_order<T: crate::records::Table>(
        &self,
        id: salesflow_domain::ids::SalesOrderId,
    ) -> StoreResult<Vec<T>> {
        let sql = format!(
            "SELECT {} FROM {} WHERE order_id = $1 ORDER BY created_at, id",
            all_columns::<T>().join(", "),
            T::TABLE
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(record_from_row::<T>).collect()
    }
}

#[async_trait]
impl DocumentStore for SqlStore {
    async fn products_by_refs(
        &self,
        ids: &[ProductId],
        skus: &[String],
    ) -> StoreResult<Vec<Product>> {
        let mut c = Conditions::default();
        let mut any = Vec::new();
        for id in ids {
            let p = c.param(id.to_string());
            any.push(format!("id = {p}"));
        }
        for sku in skus {
            let p = c.param(sku.clone());
            any.push(format!("sku = {p}"));
        }
        if any.is_empty() {
            return Ok(Vec::new());
        }
        c.push(format!("({})", any.join(" OR ")));
        let sql = format!(
            "SELECT {} FROM products{}",
            all_columns::<Product>().join(", "),
            c.where_clause()
        );
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(record_from_row::<Product>).collect()
    }

    async fn active_price_lists(&self) -> StoreResult<Vec<PriceList>> {
        let sql = format!(
            "SELECT {} FROM price_lists WHERE archived = 0 ORDER BY created_at, id LIMIT 1000",
            all_columns::<PriceList>().join(", ")
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(record_from_row::<PriceList>).collect()
    }

    async fn product_cost(&self, id: ProductId) -> StoreResult<Option<i64>> {
        let row = sqlx::query("SELECT cost_minor FROM products WHERE id = $1")
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await
            .map_err(map)?
            .ok_or(StoreError::NotFound)?;
        opt_int(&row, "cost_minor")
    }

    async fn set_product_cost(
        &self,
        id: ProductId,
        cost_minor: Option<i64>,
        event: &EventRecord,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| {
            sqlx::query("UPDATE products SET cost_minor = $1 WHERE id = $2")
                .bind(cost_minor)
                .bind(id.to_string())
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            insert_event(tx, event).await
        })
    }

    async fn write_documents(
        &self,
        series: Option<&'static str>,
        build: BuildWrite<'_>,
    ) -> StoreResult<DocumentWrite> {
        let backend = self.backend;
        write_tx!(self, |tx| {
            let number = match series {
                Some(series) => Some(next_number(tx, series).await?),
                None => None,
            };
            let write = build(number);
            apply_write(tx, backend, &write).await?;
            Ok(write)
        })
    }

    async fn portal_link(&self, token_hash: &str) -> StoreResult<Option<PortalLink>> {
        let row = sqlx::query(
            "SELECT token_hash, document_type, document_id, purpose, created_at, expires_at, \
             revoked_at FROM portal_links WHERE token_hash = $1",
        )
        .bind(token_hash.to_string())
        .fetch_optional(&self.read)
        .await
        .map_err(map)?;
        row.map(|r| {
            Ok(PortalLink {
                token_hash: text(&r, "token_hash")?,
                document_type: text(&r, "document_type")?,
                document_id: parsed(&r, "document_id")?,
                purpose: text(&r, "purpose")?,
                created_at: ts(&r, "created_at")?,
                expires_at: ts(&r, "expires_at")?,
                revoked_at: opt_ts(&r, "revoked_at")?,
            })
        })
        .transpose()
    }

    async fn revoke_portal_links(
        &self,
        document_id: Uuid,
        now: Timestamp,
        event: &EventRecord,
    ) -> StoreResult<u64> {
        write_tx!(self, |tx| {
            let done = sqlx::query(
                "UPDATE portal_links SET revoked_at = $1 WHERE document_id = $2 \
                 AND revoked_at IS NULL",
            )
            .bind(micros(now))
            .bind(document_id.to_string())
            .execute(&mut *tx)
            .await
            .map_err(map)?;
            insert_event(tx, event).await?;
            Ok(done.rows_affected())
        })
    }

    async fn quotes_of_opportunity(&self, id: Uuid) -> StoreResult<Vec<Quote>> {
        let mut c = Conditions::default();
        let p = c.param(id.to_string());
        c.push(format!("opportunity_id = {p}"));
        self.quotes_where(c, "ORDER BY created_at DESC, id DESC LIMIT 500")
            .await
    }

    async fn order_of_quote(&self, id: QuoteId) -> StoreResult<Option<SalesOrder>> {
        let sql = format!(
            "SELECT {} FROM sales_orders WHERE quote_id = $1",
            all_columns::<SalesOrder>().join(", ")
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(id.to_string())
            .fetch_optional(&self.read)
            .await
            .map_err(map)?;
        row.as_ref().map(record_from_row::<SalesOrder>).transpose()
    }

    async fn deliveries_of_order(
        &self,
        id: salesflow_domain::ids::SalesOrderId,
    ) -> StoreResult<Vec<salesflow_domain::delivery::Delivery>> {
        self.of_order(id).await
    }

    async fn invoices_of_order(
        &self,
        id: salesflow_domain::ids::SalesOrderId,
    ) -> StoreResult<Vec<salesflow_domain::invoice::Invoice>> {
        self.of_order(id).await
    }

    async fn posted_invoices_of_account(
        &self,
        account: salesflow_domain::ids::AccountId,
        limit: u32,
    ) -> StoreResult<Vec<salesflow_domain::invoice::Invoice>> {
        use salesflow_domain::invoice::Invoice;
        let sql = format!(
            "SELECT {} FROM invoices WHERE account_id = $1 AND number IS NOT NULL \
             ORDER BY created_at DESC, id DESC LIMIT {limit}",
            all_columns::<Invoice>().join(", ")
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(account.to_string())
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(record_from_row::<Invoice>).collect()
    }

    async fn orders_in_fulfilment(&self, limit: u32) -> StoreResult<Vec<SalesOrder>> {
        self.where_status(&["confirmed", "partially_shipped"], limit)
            .await
    }

    async fn released_deliveries(
        &self,
        limit: u32,
    ) -> StoreResult<Vec<salesflow_domain::delivery::Delivery>> {
        self.where_status(&["released"], limit).await
    }

    async fn orders_to_settle(
        &self,
        after: Option<salesflow_domain::ids::SalesOrderId>,
        limit: u32,
    ) -> StoreResult<Vec<SalesOrder>> {
        let sql = format!(
            "SELECT {} FROM sales_orders WHERE status IN ('shipped', 'invoiced') AND id > $1 \
             ORDER BY id LIMIT {limit}",
            all_columns::<SalesOrder>().join(", ")
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(after.map(|id| id.to_string()).unwrap_or_default())
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(record_from_row::<SalesOrder>).collect()
    }

    async fn quotes_past_validity(
        &self,
        today: jiff::civil::Date,
        limit: u32,
    ) -> StoreResult<Vec<Quote>> {
        let mut c = Conditions::default();
        c.push("status IN ('draft', 'pending_approval', 'sent', 'changes_requested')".to_string());
        let p = c.param(today.to_string());
        c.push(format!("valid_until < {p}"));
        self.quotes_where(c, &format!("ORDER BY valid_until, id LIMIT {limit}"))
            .await
    }
}
