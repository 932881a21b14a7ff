//! Row decoding and value binding shared by every table.

use std::str::FromStr;

use jiff::Timestamp;
use salesflow_app::ports::{StoreError, StoreResult};
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Any, Row};

pub type AnyQuery<'q> = sqlx::query::Query<'q, Any, AnyArguments>;

/// A value bound to a placeholder; the schema has only text and 64-bit integer columns.
#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Text(Option<String>),
    Int(Option<i64>),
}

impl From<&str> for Val {
    fn from(v: &str) -> Self {
        Val::Text(Some(v.to_string()))
    }
}
impl From<String> for Val {
    fn from(v: String) -> Self {
        Val::Text(Some(v))
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Self {
        Val::Text(v)
    }
}
impl From<i64> for Val {
    fn from(v: i64) -> Self {
        Val::Int(Some(v))
    }
}
impl From<bool> for Val {
    fn from(v: bool) -> Self {
        Val::Int(Some(i64::from(v)))
    }
}
impl From<Timestamp> for Val {
    fn from(v: Timestamp) -> Self {
        Val::Int(Some(micros(v)))
    }
}
impl From<Option<Timestamp>> for Val {
    fn from(v: Option<Timestamp>) -> Self {
        Val::Int(v.map(micros))
    }
}

pub fn bind(query: AnyQuery<'_>, value: Val) -> AnyQuery<'_> {
    match value {
        Val::Text(v) => query.bind(v),
        Val::Int(v) => query.bind(v),
    }
}

pub fn bind_all<'q>(
    mut query: AnyQuery<'q>,
    values: impl IntoIterator<Item = Val>,
) -> AnyQuery<'q> {
    for value in values {
        query = bind(query, value);
    }
    query
}

/// `$1, $2, …` for `n` values starting after `offset` placeholders.
pub fn placeholders(offset: usize, n: usize) -> String {
    (offset + 1..=offset + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn micros(ts: Timestamp) -> i64 {
    ts.as_microsecond()
}

fn decode_error(column: &str, error: impl std::fmt::Display) -> StoreError {
    StoreError::Other(format!("cannot read column {column}: {error}"))
}

pub fn text(row: &AnyRow, column: &str) -> StoreResult<String> {
    row.try_get::<String, _>(column)
        .map_err(|e| decode_error(column, e))
}

pub fn opt_text(row: &AnyRow, column: &str) -> StoreResult<Option<String>> {
    row.try_get::<Option<String>, _>(column)
        .map_err(|e| decode_error(column, e))
}

pub fn int(row: &AnyRow, column: &str) -> StoreResult<i64> {
    row.try_get::<i64, _>(column)
        .map_err(|e| decode_error(column, e))
}

pub fn opt_int(row: &AnyRow, column: &str) -> StoreResult<Option<i64>> {
    row.try_get::<Option<i64>, _>(column)
        .map_err(|e| StoreError::Other(format!("{column}: {e}")))
}

pub fn flag(row: &AnyRow, column: &str) -> StoreResult<bool> {
    int(row, column).map(|v| v != 0)
}

pub fn ts(row: &AnyRow, column: &str) -> StoreResult<Timestamp> {
    Timestamp::from_microsecond(int(row, column)?).map_err(|e| decode_error(column, e))
}

pub fn opt_ts(row: &AnyRow, column: &str) -> StoreResult<Option<Timestamp>> {
    match row
        .try_get::<Option<i64>, _>(column)
        .map_err(|e| decode_error(column, e))?
    {
        None => Ok(None),
        Some(v) => Timestamp::from_microsecond(v)
            .map(Some)
            .map_err(|e| decode_error(column, e)),
    }
}

/// A text column parsed into a typed value (ids, enums).
pub fn parsed<T: FromStr>(row: &AnyRow, column: &str) -> StoreResult<T>
where
    T::Err: std::fmt::Display,
{
    text(row, column)?
        .parse()
        .map_err(|e| decode_error(column, e))
}

pub fn opt_parsed<T: FromStr>(row: &AnyRow, column: &str) -> StoreResult<Option<T>>
where
    T::Err: std::fmt::Display,
{
    opt_text(row, column)?
        .map(|v| v.parse().map_err(|e| decode_error(column, e)))
        .transpose()
}

/// Placeholders for a wide multi-row statement. SQLite resolves numbered parameters by walking
/// a list for each one (quadratic in their number: it dominated bulk inserts), while anonymous
/// `?` parameters are bound by position; PostgreSQL needs `$n`.
pub fn bulk_placeholders(backend: crate::db::Backend, offset: usize, n: usize) -> String {
    match backend {
        crate::db::Backend::Sqlite => vec!["?"; n].join(", "),
        crate::db::Backend::Postgres => placeholders(offset, n),
    }
}

/// Bound parameters per multi-row insert statement.
pub const BULK_PARAMS: usize = 1_000;

/// A value stored as JSON text.
pub fn json_val<T: serde::Serialize>(value: &T) -> Val {
    Val::Text(Some(serde_json::to_string(value).unwrap_or_default()))
}

/// A JSON text column read back.
pub fn json_col<T: serde::de::DeserializeOwned>(row: &AnyRow, column: &str) -> StoreResult<T> {
    serde_json::from_str(&text(row, column)?)
        .map_err(|e| salesflow_app::ports::StoreError::Other(format!("{column}: {e}")))
}

/// An optional JSON text column read back.
pub fn opt_json_col<T: serde::de::DeserializeOwned>(
    row: &AnyRow,
    column: &str,
) -> StoreResult<Option<T>> {
    opt_text(row, column)?
        .map(|t| {
            serde_json::from_str(&t)
                .map_err(|e| salesflow_app::ports::StoreError::Other(format!("{column}: {e}")))
        })
        .transpose()
}
