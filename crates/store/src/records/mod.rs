//! One generic implementation of `RecordStore` for every owned record table: each table only
//! says how its columns map to the domain type.

mod accounts;
mod activities;
mod campaigns;
mod contacts;
mod deliveries;
mod invoices;
mod leads;
mod opportunities;
mod payments;
mod price_lists;
mod products;
mod quotes;
mod sales_orders;

use async_trait::async_trait;
use salesflow_app::entity::Entity;
use salesflow_app::list::{ArchivedFilter, ListQuery, SortDir, SortValue};
use salesflow_app::ports::{EventRecord, RecordStore, Scope, StoreError, StoreResult};
use salesflow_domain::record::RecordMeta;
use sqlx::AnyConnection;
use sqlx::AssertSqlSafe;
use sqlx::any::AnyRow;
use uuid::Uuid;

use crate::db::{SqlStore, write_tx};
use crate::error::map;
use crate::events::insert_event;
use crate::rows::{
    Val, bind_all, bulk_placeholders, flag, int, opt_parsed, parsed, placeholders, text, ts,
};

/// How one entity is stored.
pub trait Table: Entity {
    const TABLE: &'static str;
    /// The entity's own columns, in the order of `values`; `id` and the meta columns are added.
    const COLUMNS: &'static [&'static str];
    /// Lower-cased key columns searched by prefix.
    const SEARCH: &'static [&'static str];
    /// A column to group counts by, if any.
    const GROUP: Option<&'static str> = None;
    fn values(&self) -> Vec<Val>;
    fn from_row(row: &AnyRow, id: Uuid, meta: RecordMeta) -> StoreResult<Self>;
}

const META_COLUMNS: [&str; 7] = [
    "owner_id",
    "team_id",
    "archived",
    "created_at",
    "updated_at",
    "version",
    "merged_into",
];

pub(crate) fn all_columns<T: Table>() -> Vec<&'static str> {
    std::iter::once("id")
        .chain(T::COLUMNS.iter().copied())
        .chain(META_COLUMNS)
        .collect()
}

fn meta_values(meta: &RecordMeta) -> Vec<Val> {
    vec![
        meta.owner_id.to_string().into(),
        meta.team_id.map(|t| t.to_string()).into(),
        meta.archived.into(),
        meta.created_at.into(),
        meta.updated_at.into(),
        meta.version.into(),
        meta.merged_into.map(|m| m.to_string()).into(),
    ]
}

pub(crate) fn record_from_row<T: Table>(row: &AnyRow) -> StoreResult<T> {
    let meta = RecordMeta {
        owner_id: parsed(row, "owner_id")?,
        team_id: opt_parsed(row, "team_id")?,
        archived: flag(row, "archived")?,
        created_at: ts(row, "created_at")?,
        updated_at: ts(row, "updated_at")?,
        version: int(row, "version")?,
        merged_into: opt_parsed(row, "merged_into")?,
    };
    T::from_row(row, parsed(row, "id")?, meta)
}

/// The stored column a sort key orders by: text keys use their lower-cased `_key` column.
fn sort_column(key: &str) -> String {
    match key {
        "created_at" | "updated_at" | "status" => key.to_string(),
        other => format!("{other}_key"),
    }
}

/// WHERE conditions with their bound values, numbered `$1…` in order of addition.
#[derive(Default)]
pub(crate) struct Conditions {
    sql: Vec<String>,
    pub(crate) values: Vec<Val>,
}

impl Conditions {
    /// Adds a value and returns its placeholder.
    pub(crate) fn param(&mut self, value: impl Into<Val>) -> String {
        self.values.push(value.into());
        format!("${}", self.values.len())
    }

    pub(crate) fn push(&mut self, condition: String) {
        self.sql.push(condition);
    }

    pub(crate) fn scope(&mut self, scope: Scope) {
        match scope {
            Scope::All => {}
            Scope::Own(user) => {
                let p = self.param(user.to_string());
                self.push(format!("owner_id = {p}"));
            }
            Scope::Team(team, user) => {
                let t = self.param(team.to_string());
                let u = self.param(user.to_string());
                self.push(format!("(team_id = {t} OR owner_id = {u})"));
            }
        }
    }

    pub(crate) fn where_clause(&self) -> String {
        if self.sql.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.sql.join(" AND "))
        }
    }
}

fn list_sql<T: Table>(query: &ListQuery, scope: Scope) -> StoreResult<(String, Vec<Val>)> {
    let mut c = Conditions::default();
    c.scope(scope);
    match query.archived {
        ArchivedFilter::Active => c.push("archived = 0".into()),
        ArchivedFilter::Archived => c.push("archived = 1".into()),
        ArchivedFilter::Any => {}
    }
    if let Some(owner) = query.owner {
        let p = c.param(owner.to_string());
        c.push(format!("owner_id = {p}"));
    }
    if let Some(status) = &query.status {
        let p = c.param(status.clone());
        c.push(format!("status = {p}"));
    }
    if let Some(source) = &query.source {
        let p = c.param(source.clone());
        c.push(format!("source = {p}"));
    }
    if let Some(from) = query.created_from {
        let p = c.param(from);
        c.push(format!("created_at >= {p}"));
    }
    if let Some(to) = query.created_to {
        let p = c.param(to);
        c.push(format!("created_at < {p}"));
    }
    // Prefix search: a range on each lower-cased key column (see `search` below).
    let search = query
        .q
        .as_ref()
        .map(|q| (c.param(q.clone()), c.param(format!("{q}\u{10FFFF}"))));
    let column = sort_column(query.sort);
    let (cmp, order) = match query.dir {
        SortDir::Asc => (">", "ASC"),
        SortDir::Desc => ("<", "DESC"),
    };
    if let Some(after) = &query.after {
        let value = match &after.value {
            SortValue::Int(v) => Val::from(*v),
            SortValue::Text(v) => Val::from(v.clone()),
        };
        let v = c.param(value);
        let id = c.param(after.id.to_string());
        let cmp_eq = if cmp == ">" { ">=" } else { "<=" };
        c.push(format!(
            "{column} {cmp_eq} {v} AND ({column} {cmp} {v} OR id {cmp} {id})"
        ));
    }
    let limit = c.param(i64::from(query.limit) + 1);
    let columns = all_columns::<T>().join(", ");
    let order_by = format!("ORDER BY {column} {order}, id {order} LIMIT {limit}");
    let Some((lo, hi)) = search else {
        let sql = format!(
            "SELECT {columns} FROM {}{} {order_by}",
            T::TABLE,
            c.where_clause()
        );
        return Ok((sql, c.values));
    };
    // One page per searched column, merged: each branch walks its own index, and the branch
    // whose column is the sort key stops after one page instead of sorting every match.
    let branches: Vec<String> = T::SEARCH
        .iter()
        .enumerate()
        .map(|(i, col)| {
            let mut conditions = c.sql.clone();
            conditions.push(format!("{col} >= {lo} AND {col} < {hi}"));
            format!(
                "SELECT * FROM (SELECT {columns} FROM {} WHERE {} {order_by}) AS b{i}",
                T::TABLE,
                conditions.join(" AND ")
            )
        })
        .collect();
    let sql = format!(
        "SELECT * FROM ({}) AS u {order_by}",
        branches.join(" UNION ")
    );
    Ok((sql, c.values))
}

/// Inserts a new record inside the caller's transaction.
pub(crate) async fn insert_in<T: Table>(tx: &mut AnyConnection, record: &T) -> StoreResult<()> {
    let columns = all_columns::<T>();
    let sql = format!(
        "INSERT INTO {} ({}) VALUES ({})",
        T::TABLE,
        columns.join(", "),
        placeholders(0, columns.len())
    );
    let mut values = vec![Val::from(record.uuid().to_string())];
    values.extend(record.values());
    values.extend(meta_values(record.meta()));
    bind_all(sqlx::query(AssertSqlSafe(sql)), values)
        .execute(&mut *tx)
        .await
        .map_err(map)?;
    Ok(())
}

/// Writes a changed record inside the caller's transaction if its stored version is
/// `expected_version`: otherwise a version conflict (or not found), and nothing is written.
pub(crate) async fn update_in<T: Table>(
    tx: &mut AnyConnection,
    record: &T,
    expected_version: i64,
) -> StoreResult<()> {
    let columns: Vec<&str> = T::COLUMNS.iter().copied().chain(META_COLUMNS).collect();
    let assignments: Vec<String> = columns
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ${}", i + 1))
        .collect();
    let n = columns.len();
    let sql = format!(
        "UPDATE {} SET {} WHERE id = ${} AND version = ${}",
        T::TABLE,
        assignments.join(", "),
        n + 1,
        n + 2
    );
    let mut values = record.values();
    values.extend(meta_values(record.meta()));
    values.push(record.uuid().to_string().into());
    values.push(expected_version.into());
    let done = bind_all(sqlx::query(AssertSqlSafe(sql)), values)
        .execute(&mut *tx)
        .await
        .map_err(map)?;
    if done.rows_affected() == 0 {
        let current_sql = format!("SELECT version FROM {} WHERE id = $1", T::TABLE);
        let row = sqlx::query(AssertSqlSafe(current_sql))
            .bind(record.uuid().to_string())
            .fetch_optional(&mut *tx)
            .await
            .map_err(map)?;
        return Err(match row {
            Some(row) => StoreError::VersionConflict {
                current: int(&row, "version")?,
            },
            None => StoreError::NotFound,
        });
    }
    Ok(())
}

#[async_trait]
impl<T: Table> RecordStore<T> for SqlStore {
    async fn insert(&self, record: &T, event: &EventRecord) -> StoreResult<()> {
        write_tx!(self, |tx| {
            insert_in(tx, record).await?;
            insert_event(tx, event).await
        })
    }

    async fn get(&self, id: Uuid, scope: Scope) -> StoreResult<Option<T>> {
        let mut c = Conditions::default();
        let p = c.param(id.to_string());
        c.push(format!("id = {p}"));
        c.scope(scope);
        let sql = format!(
            "SELECT {} FROM {}{}",
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

    async fn update(
        &self,
        record: &T,
        expected_version: i64,
        event: &EventRecord,
    ) -> StoreResult<()> {
        write_tx!(self, |tx| {
            update_in(tx, record, expected_version).await?;
            insert_event(tx, event).await
        })
    }

    async fn list(&self, query: &ListQuery, scope: Scope) -> StoreResult<Vec<T>> {
        let (sql, values) = list_sql::<T>(query, scope)?;
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter().map(record_from_row::<T>).collect()
    }

    async fn count_by_group(&self, scope: Scope) -> StoreResult<Vec<(String, i64)>> {
        let mut c = Conditions::default();
        c.push("archived = 0".into());
        c.scope(scope);
        let sql = match T::GROUP {
            Some(group) => format!(
                "SELECT {group} AS g, COUNT(*) AS n FROM {}{} GROUP BY {group} ORDER BY {group}",
                T::TABLE,
                c.where_clause()
            ),
            None => format!(
                "SELECT 'all' AS g, COUNT(*) AS n FROM {}{}",
                T::TABLE,
                c.where_clause()
            ),
        };
        let rows = bind_all(sqlx::query(AssertSqlSafe(sql)), c.values)
            .fetch_all(&self.read)
            .await
            .map_err(map)?;
        rows.iter()
            .map(|r| Ok((text(r, "g")?, int(r, "n")?)))
            .collect()
    }
}

impl SqlStore {
    /// Inserts many new records with their events in one transaction, several rows per
    /// statement (imports and benchmark data sets). The read models follow through their feed
    /// consumer; after a large load of history, [`SqlStore::rebuild_projections`] recomputes
    /// them at once.
    pub async fn insert_batch<T: Table>(
        &self,
        records: &[T],
        events: &[EventRecord],
    ) -> StoreResult<()> {
        let columns = all_columns::<T>();
        // SQLite looks bound parameters up one by one, so very wide statements get slow; about a
        // thousand parameters per statement is the sweet spot.
        let per_statement = (crate::rows::BULK_PARAMS / columns.len()).max(1);
        write_tx!(self, |tx| {
            for chunk in records.chunks(per_statement) {
                let rows: Vec<String> = (0..chunk.len())
                    .map(|i| {
                        format!(
                            "({})",
                            bulk_placeholders(self.backend, i * columns.len(), columns.len())
                        )
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO {} ({}) VALUES {}",
                    T::TABLE,
                    columns.join(", "),
                    rows.join(", ")
                );
                let values = chunk.iter().flat_map(|r| {
                    let mut v = vec![Val::from(r.uuid().to_string())];
                    v.extend(r.values());
                    v.extend(meta_values(r.meta()));
                    v
                });
                bind_all(sqlx::query(AssertSqlSafe(sql)), values)
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?;
            }
            crate::events::insert_bulk_events(tx, self.backend, events).await
        })
    }
}
