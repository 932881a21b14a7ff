//! The write path.
//!
//! PostgreSQL: one transaction per write. SQLite has a single writer, and with
//! `synchronous=FULL` its commit (an fsync) costs more than most write transactions, so writers
//! that queue up behind each other share one commit (group commit): each runs in its own
//! savepoint inside the open transaction, and the last of the queue commits for all. A write is
//! acknowledged only after that commit; a failed write rolls back its own savepoint only, and
//! also returns only after the batch's commit, so the write it conflicted with is visible by
//! then.
//!
//! The savepoints are plain SQL, not nested sqlx transactions: a nested sqlx transaction whose
//! opening is cancelled (a request dropped at that await) queues a rollback that the driver runs
//! at whatever depth the connection is then, which is the shared transaction itself, and the
//! batch's commit afterwards succeeds on nothing. Instead the batch records that a write is open
//! and whoever commits the batch first undoes a write left open by a cancelled request.

use std::collections::VecDeque;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use salesflow_app::ports::{StoreError, StoreResult};
use sqlx::any::AnyPoolOptions;
use sqlx::{Any, AnyConnection, AnyPool, AssertSqlSafe, Connection, Transaction};
use tokio::sync::{Mutex, OwnedMutexGuard, watch};

use crate::db::Backend;
use crate::error::map;
use crate::feed::positions::number_pending_events;

/// Writes that may share one commit: bounds how long the first of them waits.
const MAX_MEMBERS: usize = 32;
/// A member waiting for its commit this long takes over committing: whoever was to carry the
/// batch on went away (a cancelled request).
const STALL: Duration = Duration::from_millis(50);
/// Failed commits remembered for members that look late.
const FAILURES_KEPT: usize = 64;

pub(crate) struct Writer {
    kind: Kind,
    /// Write transactions committed (the benchmark reports them per flow).
    writes: Arc<AtomicU64>,
    /// Database commits: fewer than `writes` when writes share one.
    commits: Arc<AtomicU64>,
    busy: Arc<Busy>,
}

/// Whether commits number the events they carry (see `feed::positions`); off only for the
/// writer's own tests, whose database has no event log.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Feed {
    Numbered,
    #[cfg(test)]
    Off,
}

enum Kind {
    Postgres(AnyPool, Feed),
    Sqlite(Arc<Group>),
}

struct Group {
    /// The one write connection.
    pool: AnyPool,
    batch: Arc<Mutex<Batch>>,
    /// Writers waiting for the batch lock: while there are any, nobody commits.
    queued: AtomicUsize,
    done: watch::Sender<Done>,
    commits: Arc<AtomicU64>,
    busy: Arc<Busy>,
    wait: Duration,
    feed: Feed,
}

/// How long the SQLite writer was held: by writes (from getting the batch lock to finishing)
/// and by commits. Their sum over a run's length is how busy the one writer was, the ceiling of
/// write throughput.
#[derive(Default)]
pub struct Busy {
    writing: Nanos,
    committing: Nanos,
}

impl Busy {
    pub fn writing(&self) -> Duration {
        self.writing.get()
    }

    pub fn committing(&self) -> Duration {
        self.committing.get()
    }
}

#[derive(Default)]
struct Nanos(AtomicU64);

impl Nanos {
    fn add(&self, d: Duration) {
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.0.fetch_add(nanos, Ordering::Relaxed);
    }

    fn get(&self) -> Duration {
        Duration::from_nanos(self.0.load(Ordering::Relaxed))
    }
}

/// The open transaction and the writes it holds so far.
#[derive(Default)]
struct Batch {
    tx: Option<Transaction<'static, Any>>,
    generation: u64,
    members: usize,
    /// Savepoints opened in this batch so far; each write's has its own number.
    savepoints: u64,
    /// The savepoint of the write in progress: set before it is opened, cleared when the write
    /// ends. Still set when the batch is committed, the write's request was cancelled midway.
    write_open: Option<u64>,
}

/// A successful write's savepoint is left open (the batch's commit releases them all), which
/// saves a round trip per write; a failed one is rolled back to and released, leaving the
/// savepoints of the writes before it. The unique names make undoing a savepoint that was never
/// opened an error instead of undoing an earlier write.
fn open_write(n: u64) -> String {
    format!("SAVEPOINT write_{n}")
}

fn undo_write(n: u64) -> String {
    format!("ROLLBACK TO SAVEPOINT write_{n}; RELEASE SAVEPOINT write_{n}")
}

/// A connection that comes back to its pool still inside a transaction is closed, not reused.
/// SQLite rolls a transaction back by itself on some errors (an I/O error, a full disk); the
/// driver's COMMIT and ROLLBACK then fail and its count of open transactions stays up, so every
/// later BEGIN on that connection would be refused and the one writer would be stuck for good.
pub(crate) fn discarding_aborted(options: AnyPoolOptions) -> AnyPoolOptions {
    options.after_release(|conn, _| {
        Box::pin(async move {
            // The ping waits for a rollback still queued by a dropped transaction.
            conn.ping().await?;
            Ok(!conn.is_in_transaction())
        })
    })
}

/// What happened to the batches committed so far.
#[derive(Default)]
struct Done {
    through: u64,
    failed: VecDeque<(u64, Failure)>,
}

#[derive(Clone)]
struct Failure {
    busy: bool,
    message: String,
}

impl Failure {
    fn of(error: StoreError) -> Self {
        Self {
            busy: matches!(error, StoreError::Busy),
            message: error.to_string(),
        }
    }

    fn error(&self) -> StoreError {
        if self.busy {
            StoreError::Busy
        } else {
            StoreError::Other(self.message.clone())
        }
    }
}

impl Writer {
    pub(crate) fn postgres(pool: AnyPool, feed: Feed) -> Self {
        Self {
            kind: Kind::Postgres(pool, feed),
            writes: Default::default(),
            commits: Default::default(),
            busy: Default::default(),
        }
    }

    /// `pool` must hold exactly one connection; `wait` bounds the wait for the write lock.
    pub(crate) fn sqlite(pool: AnyPool, wait: Duration, feed: Feed) -> Self {
        let commits = Arc::new(AtomicU64::new(0));
        let busy = Arc::new(Busy::default());
        let group = Group {
            pool,
            batch: Default::default(),
            queued: AtomicUsize::new(0),
            done: watch::channel(Done::default()).0,
            commits: commits.clone(),
            busy: busy.clone(),
            wait,
            feed,
        };
        Self {
            kind: Kind::Sqlite(Arc::new(group)),
            writes: Default::default(),
            commits,
            busy,
        }
    }

    pub(crate) fn writes(&self) -> u64 {
        self.writes.load(Ordering::Relaxed)
    }

    pub(crate) fn commits(&self) -> u64 {
        self.commits.load(Ordering::Relaxed)
    }

    /// How long the SQLite writer was held so far (zero on PostgreSQL).
    pub(crate) fn busy(&self) -> &Busy {
        &self.busy
    }

    pub(crate) async fn close(&self) {
        match &self.kind {
            Kind::Postgres(pool, _) => pool.close().await,
            Kind::Sqlite(group) => {
                // An idle batch never stays open; wait for one being committed.
                drop(group.batch.lock().await);
                group.pool.close().await;
            }
        }
    }

    /// The right to write: a transaction of one's own (PostgreSQL) or a place in the open batch.
    pub(crate) async fn lease(&self) -> StoreResult<Lease> {
        match &self.kind {
            Kind::Postgres(pool, feed) => {
                let tx = pool
                    .begin_with(crate::dialect::begin_write(crate::db::Backend::Postgres))
                    .await
                    .map_err(map)?;
                Ok(Lease::Own(
                    tx,
                    *feed,
                    self.writes.clone(),
                    self.commits.clone(),
                ))
            }
            Kind::Sqlite(group) => Ok(Lease::Shared(
                Member::join(group.clone()).await?,
                self.writes.clone(),
            )),
        }
    }
}

pub(crate) enum Lease {
    Own(
        Transaction<'static, Any>,
        Feed,
        Arc<AtomicU64>,
        Arc<AtomicU64>,
    ),
    Shared(Member, Arc<AtomicU64>),
}

impl Lease {
    /// Where one write runs: the transaction itself, or a savepoint in the shared one.
    pub(crate) async fn unit(&mut self) -> StoreResult<Unit<'_>> {
        match self {
            Lease::Own(tx, ..) => Ok(Unit::Whole(tx)),
            Lease::Shared(member, _) => {
                let Some(Batch {
                    tx: Some(tx),
                    savepoints,
                    write_open,
                    ..
                }) = member.guard.as_deref_mut()
                else {
                    return Err(StoreError::Other("write batch not open".into()));
                };
                let savepoint = *savepoints;
                *savepoints += 1;
                *write_open = Some(savepoint);
                run(tx, open_write(savepoint)).await?;
                Ok(Unit::Savepoint {
                    tx,
                    savepoint,
                    write_open,
                })
            }
        }
    }

    /// Ends the write: commits it when `ok` (returning once it is durable), else rolls it back.
    pub(crate) async fn finish(self, ok: bool) -> StoreResult<()> {
        let writes = match self {
            Lease::Own(mut tx, feed, writes, commits) => {
                if !ok {
                    return tx.rollback().await.map_err(map);
                }
                if feed == Feed::Numbered {
                    number_pending_events(&mut tx, Backend::Postgres).await?;
                }
                tx.commit().await.map_err(map)?;
                commits.fetch_add(1, Ordering::Relaxed);
                writes
            }
            Lease::Shared(member, writes) => {
                member.finish(ok).await?;
                writes
            }
        };
        if ok {
            writes.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }
}

pub(crate) enum Unit<'a> {
    Whole(&'a mut Transaction<'static, Any>),
    Savepoint {
        tx: &'a mut Transaction<'static, Any>,
        savepoint: u64,
        write_open: &'a mut Option<u64>,
    },
}

impl Unit<'_> {
    pub(crate) fn connection(&mut self) -> &mut AnyConnection {
        match self {
            Unit::Whole(tx) | Unit::Savepoint { tx, .. } => tx,
        }
    }

    /// Keeps (`ok`) or undoes the unit's changes; the lease decides about committing.
    pub(crate) async fn end(self, ok: bool) -> StoreResult<()> {
        match self {
            Unit::Whole(_) => Ok(()),
            Unit::Savepoint {
                tx,
                savepoint,
                write_open,
            } => {
                if !ok {
                    run(tx, undo_write(savepoint)).await?;
                }
                *write_open = None;
                Ok(())
            }
        }
    }
}

async fn run(tx: &mut Transaction<'static, Any>, sql: String) -> StoreResult<()> {
    sqlx::raw_sql(AssertSqlSafe(sql))
        .execute(&mut **tx)
        .await
        .map(drop)
        .map_err(map)
}

/// Commits a batch, first undoing the write of a request cancelled midway.
async fn commit_batch(
    mut tx: Transaction<'static, Any>,
    write_open: Option<u64>,
    feed: Feed,
) -> StoreResult<()> {
    if let Some(savepoint) = write_open {
        match sqlx::raw_sql(AssertSqlSafe(undo_write(savepoint)))
            .execute(&mut *tx)
            .await
        {
            Ok(_) => {}
            // Cancelled before its savepoint was opened: nothing of the write is there.
            Err(e) if is_missing_savepoint(&e) => {}
            Err(e) => {
                // Committing now could store half a write: the whole batch fails instead.
                let _ = tx.rollback().await;
                return Err(map(e));
            }
        }
    }
    if feed == Feed::Numbered
        && let Err(e) = number_pending_events(&mut tx, Backend::Sqlite).await
    {
        let _ = tx.rollback().await;
        return Err(e);
    }
    tx.commit().await.map_err(map)
}

fn is_missing_savepoint(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|e| e.message().contains("no such savepoint"))
}

/// A writer in the SQLite batch. Holds the batch lock until it finishes; dropped unfinished (a
/// cancelled request), it undoes its own write if one is open and commits what the batch holds,
/// so nobody waits for it.
pub(crate) struct Member {
    group: Arc<Group>,
    guard: Option<OwnedMutexGuard<Batch>>,
    /// When it got the batch lock.
    since: Instant,
}

/// Counts a writer as queued until it holds the lock (or gives up waiting).
struct Queued<'a>(&'a AtomicUsize);

impl<'a> Queued<'a> {
    fn enter(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        Self(count)
    }
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

impl Member {
    async fn join(group: Arc<Group>) -> StoreResult<Self> {
        let queued = Queued::enter(&group.queued);
        let mut guard = tokio::time::timeout(group.wait, group.batch.clone().lock_owned())
            .await
            .map_err(|_| StoreError::Busy)?;
        drop(queued);
        if guard.tx.is_none() {
            let tx = group
                .pool
                .begin_with(crate::dialect::begin_write(crate::db::Backend::Sqlite))
                .await
                .map_err(map)?;
            guard.tx = Some(tx);
            guard.generation += 1;
            guard.members = 0;
            guard.savepoints = 0;
        }
        Ok(Self {
            group,
            guard: Some(guard),
            since: Instant::now(),
        })
    }

    async fn finish(mut self, ok: bool) -> StoreResult<()> {
        let Some(mut guard) = self.guard.take() else {
            return Ok(());
        };
        let generation = guard.generation;
        self.group.busy.writing.add(self.since.elapsed());
        if ok {
            guard.members += 1;
        }
        let mut done = self.group.done.subscribe();
        let others_waiting = self.group.queued.load(Ordering::Acquire) > 0;
        if others_waiting && guard.members < MAX_MEMBERS {
            // The next writer in the queue carries the batch on.
            drop(guard);
        } else {
            self.group.commit(guard);
        }
        let outcome = self.group.outcome(generation, &mut done).await;
        // A failed write waits too: what made it fail (an earlier write of the batch) is then
        // visible to whatever the caller reads next.
        if ok { outcome } else { Ok(()) }
    }
}

impl Drop for Member {
    fn drop(&mut self) {
        if let Some(guard) = self.guard.take() {
            self.group.commit(guard);
        }
    }
}

impl Group {
    /// Commits the open batch in a task of its own, so a cancelled request cannot interrupt it,
    /// and tells its members how it went.
    fn commit(self: &Arc<Self>, mut guard: OwnedMutexGuard<Batch>) {
        let Some(tx) = guard.tx.take() else {
            return;
        };
        let write_open = std::mem::take(&mut guard.write_open);
        let group = self.clone();
        tokio::spawn(async move {
            let generation = guard.generation;
            let started = Instant::now();
            let result = commit_batch(tx, write_open, group.feed).await;
            group.busy.committing.add(started.elapsed());
            if result.is_ok() {
                group.commits.fetch_add(1, Ordering::Relaxed);
            }
            group.done.send_modify(|done| {
                done.through = generation;
                if let Err(error) = result {
                    done.failed.push_back((generation, Failure::of(error)));
                    if done.failed.len() > FAILURES_KEPT {
                        done.failed.pop_front();
                    }
                }
            });
            drop(guard);
        });
    }

    /// Waits until batch `generation` is committed; its error when the commit failed.
    async fn outcome(
        self: &Arc<Self>,
        generation: u64,
        done: &mut watch::Receiver<Done>,
    ) -> StoreResult<()> {
        loop {
            {
                let seen = done.borrow_and_update();
                if seen.through >= generation {
                    return match seen.failed.iter().find(|(g, _)| *g == generation) {
                        Some((_, failure)) => Err(failure.error()),
                        None => Ok(()),
                    };
                }
            }
            match tokio::time::timeout(STALL, done.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => return Err(StoreError::Busy),
                Err(_) => {
                    let guard = self.batch.clone().lock_owned().await;
                    if guard.generation == generation {
                        self.commit(guard);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
