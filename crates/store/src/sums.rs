//! Exact sums of money over any number of rows, on both databases.
//!
//! `SUM(bigint)` overflows: SQLite raises "integer overflow", PostgreSQL's `CAST(SUM(...) AS
//! BIGINT)` "bigint out of range", both long before the row counts a company reaches at the
//! largest amounts a document takes (and sooner for amount × probability).

use salesflow_app::ports::StoreResult;
use sqlx::any::AnyRow;

use crate::rows::opt_int;

/// Rows are summed in two parts so neither can leave 64 bits, whatever their number.
const SUM_SPLIT: i64 = 1_000_000_000;

/// Select items for the exact sum of an integer expression (e.g. money in minor units), read
/// back with [`wide`]: the quotient and remainder by 10^9 summed apart (each fits in 64 bits
/// for billions of rows at the largest amount) and joined in 128 bits, on both databases.
pub fn wide_sum(expr: &str, alias: &str) -> String {
    format!(
        "CAST(SUM(({expr}) / {SUM_SPLIT}) AS BIGINT) AS {alias}_hi, \
         CAST(SUM(({expr}) % {SUM_SPLIT}) AS BIGINT) AS {alias}_lo"
    )
}

/// The sum selected by [`wide_sum`] under `alias`; an empty group sums to 0.
pub fn wide(row: &AnyRow, alias: &str) -> StoreResult<i128> {
    let hi = opt_int(row, &format!("{alias}_hi"))?.unwrap_or(0);
    let lo = opt_int(row, &format!("{alias}_lo"))?.unwrap_or(0);
    Ok(i128::from(hi) * i128::from(SUM_SPLIT) + i128::from(lo))
}
