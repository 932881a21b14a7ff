//! Reading the feed: its head and the events after a position.

use salesflow_app::ports::{FeedEvent, StoreResult};
use sqlx::{AnyConnection, AssertSqlSafe};

use crate::error::map;
use crate::events::{COLUMNS, from_row};
use crate::rows::int;

pub(crate) const HEAD: &str = "SELECT COALESCE(MAX(position), 0) FROM events";

pub(crate) async fn head(conn: &mut AnyConnection) -> StoreResult<i64> {
    sqlx::query_scalar(HEAD).fetch_one(conn).await.map_err(map)
}

/// Up to `limit` events after `position`, in feed order.
pub(crate) async fn after(
    conn: &mut AnyConnection,
    position: i64,
    limit: u32,
) -> StoreResult<Vec<FeedEvent>> {
    let sql = format!(
        "SELECT {COLUMNS}, e.position FROM events e LEFT JOIN users u ON u.id = e.actor_id \
         WHERE e.position > $1 ORDER BY e.position LIMIT $2"
    );
    let rows = sqlx::query(AssertSqlSafe(sql))
        .bind(position)
        .bind(i64::from(limit))
        .fetch_all(conn)
        .await
        .map_err(map)?;
    rows.iter()
        .map(|row| {
            Ok(FeedEvent {
                position: int(row, "position")?,
                event: from_row(row)?,
            })
        })
        .collect()
}
