//! The SQLite group commit driven directly: cancelled and failed writes inside a batch.

use std::future::Future;
use std::pin::pin;
use std::task::{Context, Waker};

use sqlx::any::AnyPoolOptions;

use super::*;

/// A SQLite writer on a fresh database with a table `t(x)`, and a reader pool on it.
async fn writer() -> (Writer, AnyPool) {
    sqlx::any::install_default_drivers();
    let path = std::env::temp_dir().join(format!("writer-{}.db", uuid::Uuid::now_v7()));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let pool = |size| {
        discarding_aborted(AnyPoolOptions::new())
            .max_connections(size)
            .connect(&url)
    };
    let write = pool(1).await.unwrap();
    sqlx::raw_sql("PRAGMA journal_mode = WAL; CREATE TABLE t (x INTEGER)")
        .execute(&write)
        .await
        .unwrap();
    let read = pool(2).await.unwrap();
    (
        Writer::sqlite(write, Duration::from_secs(5), Feed::Off),
        read,
    )
}

/// A write that ends kept, in the lease's batch.
async fn kept(lease: &mut Lease, x: i64) {
    let mut unit = lease.unit().await.unwrap();
    write(&mut unit, x).await;
    unit.end(true).await.unwrap();
}

/// A write committed on its own.
async fn committed(writer: &Writer, x: i64) {
    let mut lease = writer.lease().await.unwrap();
    kept(&mut lease, x).await;
    lease.finish(true).await.unwrap();
}

async fn write(unit: &mut Unit<'_>, x: i64) {
    sqlx::query("INSERT INTO t VALUES ($1)")
        .bind(x)
        .execute(unit.connection())
        .await
        .unwrap();
}

async fn rows(read: &AnyPool) -> Vec<i64> {
    sqlx::query_scalar("SELECT x FROM t ORDER BY x")
        .fetch_all(read)
        .await
        .unwrap()
}

/// A request cancelled at its first await: the future is polled once, then dropped.
fn cancel_after_first_poll<F: Future>(future: F) {
    let mut future = pin!(future);
    let _ = future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()));
}

#[tokio::test]
async fn a_write_cancelled_while_it_opens_leaves_the_batch_intact() {
    let (writer, read) = writer().await;
    let mut lease = writer.lease().await.unwrap();
    kept(&mut lease, 1).await;
    cancel_after_first_poll(lease.unit());
    lease.finish(true).await.unwrap();
    assert_eq!(rows(&read).await, [1], "the acknowledged write is stored");
}

#[tokio::test]
async fn a_write_cancelled_midway_is_undone_and_the_batch_committed() {
    let (writer, read) = writer().await;
    let mut lease = writer.lease().await.unwrap();
    kept(&mut lease, 1).await;
    let mut unit = lease.unit().await.unwrap();
    write(&mut unit, 2).await;
    // The request goes away here: its write is never ended, its lease dropped.
    drop(lease);
    committed(&writer, 3).await;
    assert_eq!(
        rows(&read).await,
        [1, 3],
        "the cancelled write left nothing"
    );
}

#[tokio::test]
async fn a_failed_write_is_undone_between_kept_ones() {
    let (writer, read) = writer().await;
    let mut lease = writer.lease().await.unwrap();
    for (x, ok) in [(1, true), (2, false), (3, true), (4, false)] {
        let mut unit = lease.unit().await.unwrap();
        write(&mut unit, x).await;
        unit.end(ok).await.unwrap();
    }
    lease.finish(true).await.unwrap();
    assert_eq!(rows(&read).await, [1, 3]);
}

#[tokio::test]
async fn a_write_cancelled_while_it_ends_keeps_the_writer_usable() {
    let (writer, read) = writer().await;
    let mut lease = writer.lease().await.unwrap();
    kept(&mut lease, 1).await;
    let mut unit = lease.unit().await.unwrap();
    write(&mut unit, 2).await;
    cancel_after_first_poll(unit.end(true));
    drop(lease);
    committed(&writer, 3).await;
    let stored = rows(&read).await;
    // Whether the cancelled write itself stayed is undecided (like any answer lost on its
    // way to the client); the others are stored.
    assert!(stored == [1, 3] || stored == [1, 2, 3], "{stored:?}");
}

#[tokio::test]
async fn a_transaction_the_database_aborted_does_not_stick_to_the_writer() {
    let (writer, read) = writer().await;
    committed(&writer, 1).await;
    let mut lease = writer.lease().await.unwrap();
    let mut unit = lease.unit().await.unwrap();
    write(&mut unit, 2).await;
    // What SQLite does by itself on an I/O error or a full disk: the transaction is gone,
    // while the driver still counts it as open.
    sqlx::raw_sql("ROLLBACK")
        .execute(unit.connection())
        .await
        .unwrap();
    unit.end(true).await.unwrap();
    assert!(
        lease.finish(true).await.is_err(),
        "the lost write is not acknowledged"
    );
    committed(&writer, 3).await;
    assert_eq!(rows(&read).await, [1, 3], "the writer writes again");
}
