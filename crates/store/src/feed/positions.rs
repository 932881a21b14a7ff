//! Feed positions, given when the transaction that wrote the events commits.
//!
//! On PostgreSQL two transactions can commit in the other order than they inserted: numbering at
//! insert would let a consumer move past a number whose event becomes visible later, and skip it.
//! So events are inserted without a position, and the last statement before COMMIT numbers them
//! after the highest position already visible, under a lock held until the commit ends: the next
//! numbering transaction waits for it and then sees its events. Visible positions are therefore
//! always 1..n without holes. SQLite has one writer, so there the lock is not needed.

use salesflow_app::ports::StoreResult;
use sqlx::AnyConnection;

use crate::db::Backend;
use crate::error::map;

/// Taken only by transactions that wrote events (the partial index makes the test free); counts
/// 1 when it was taken.
const NUMBERING_LOCK: &str = "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(7263541003) \
     FROM (SELECT 1 FROM events WHERE position IS NULL LIMIT 1) AS pending) AS locked";

/// The pending events in the order they were recorded (ids are time-ordered), after the head.
const NUMBER_PENDING: &str = "UPDATE events SET position = head.last + pending.n \
     FROM (SELECT COALESCE(MAX(position), 0) AS last FROM events) AS head, \
          (SELECT id AS pending_id, ROW_NUMBER() OVER (ORDER BY at, id) AS n \
           FROM events WHERE position IS NULL) AS pending \
     WHERE events.id = pending.pending_id";

/// Numbers the events this transaction wrote; run it right before COMMIT.
pub async fn number_pending_events(conn: &mut AnyConnection, backend: Backend) -> StoreResult<()> {
    if backend == Backend::Postgres {
        let pending: i64 = sqlx::query_scalar(NUMBERING_LOCK)
            .fetch_one(&mut *conn)
            .await
            .map_err(map)?;
        if pending == 0 {
            return Ok(());
        }
    }
    sqlx::query(NUMBER_PENDING)
        .execute(&mut *conn)
        .await
        .map_err(map)?;
    Ok(())
}
