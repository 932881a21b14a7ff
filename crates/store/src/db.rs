//! Connection pools, the backend switch and the write-transaction helper.

use std::time::Duration;

use salesflow_app::ports::{StoreError, StoreResult};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

use crate::error::map;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> Result<Self, StoreError> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Backend::Postgres)
        } else {
            Err(StoreError::Other(
                "the database URL must start with sqlite: or postgres://".into(),
            ))
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// Connections for readers (PostgreSQL: for everything).
    pub max_connections: u32,
    /// How long a request waits for a connection or a lock before answering "busy".
    pub acquire_timeout: Duration,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            max_connections: 16,
            acquire_timeout: Duration::from_secs(10),
        }
    }
}

/// The storage implementation for both databases.
#[derive(Clone)]
pub struct SqlStore {
    pub(crate) read: AnyPool,
    /// SQLite: one connection, so writers queue in-process instead of fighting over the lock.
    /// PostgreSQL: the same pool as `read`.
    pub(crate) write: AnyPool,
    pub(crate) backend: Backend,
    /// Write transactions committed by this process (the benchmark reports them per flow).
    pub(crate) commits: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

/// Makes `sqlite:name.db` create the file when missing, like the default does.
fn sqlite_url(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

impl SqlStore {
    pub async fn connect(url: &str, options: &StoreOptions) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url);
                let pool = |size: u32| {
                    AnyPoolOptions::new()
                        .max_connections(size)
                        .min_connections(1)
                        .acquire_timeout(options.acquire_timeout)
                        .after_connect(|conn, _| {
                            Box::pin(async move {
                                // WAL lets readers run beside the writer; FULL makes every commit
                                // durable (money data); the busy timeout covers other processes;
                                // a 32 MiB page cache per connection (SQLite's default is 2 MiB)
                                // keeps index pages of a million-row table in memory.
                                conn.execute(
                                    "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA busy_timeout = 10000; \
                                     PRAGMA foreign_keys = ON; PRAGMA cache_size = -32768; PRAGMA temp_store = MEMORY;",
                                )
                                    .await?;
                                Ok(())
                            })
                        })
                };
                let write = pool(1).connect(&url).await.map_err(map)?;
                // Each SQLite connection is served by its own thread; more readers than about
                // twice the cores only adds context switches.
                let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
                let read = pool(options.max_connections.min(2 * cores).max(2))
                    .connect(&url)
                    .await
                    .map_err(map)?;
                Ok(Self {
                    read,
                    write,
                    backend,
                    commits: Default::default(),
                })
            }
            Backend::Postgres => {
                let pool = AnyPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout)
                    .connect(url)
                    .await
                    .map_err(map)?;
                Ok(Self {
                    read: pool.clone(),
                    write: pool,
                    backend,
                    commits: Default::default(),
                })
            }
        }
    }

    pub fn backend_kind(&self) -> Backend {
        self.backend
    }

    /// Write transactions committed so far by this process.
    pub fn commits(&self) -> u64 {
        self.commits.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// The reader pool, for tests and tools that need raw SQL.
    pub fn pool(&self) -> &AnyPool {
        &self.read
    }

    pub async fn close(&self) {
        self.write.close().await;
        self.read.close().await;
    }
}

#[async_trait::async_trait]
impl salesflow_app::ports::Store for SqlStore {
    fn backend(&self) -> &'static str {
        self.backend.name()
    }

    async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1")
            .execute(&self.read)
            .await
            .map_err(map)?;
        Ok(())
    }
}

/// Runs a block in one write transaction on `$store` and commits it, with `$tx` bound to the
/// connection. Contention (busy database, serialization failure, deadlock) is retried a few
/// times before answering `StoreError::Busy`. A macro rather than a closure so the block may
/// borrow freely from the calling function.
macro_rules! write_tx {
    ($store:expr, |$tx:ident| $body:block) => {{
        let store: &$crate::db::SqlStore = $store;
        let mut delay = std::time::Duration::from_millis(5);
        let mut attempt = 1;
        loop {
            let result: salesflow_app::ports::StoreResult<_> = async {
                let mut transaction = store
                    .write
                    .begin_with($crate::dialect::begin_write(store.backend))
                    .await
                    .map_err($crate::error::map)?;
                let value = {
                    let $tx: &mut sqlx::AnyConnection = &mut *transaction;
                    async { $body }.await?
                };
                transaction.commit().await.map_err($crate::error::map)?;
                store
                    .commits
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                Ok(value)
            }
            .await;
            match result {
                Err(salesflow_app::ports::StoreError::Busy) if attempt < 5 => {
                    tokio::time::sleep(delay).await;
                    delay *= 3;
                    attempt += 1;
                }
                other => break other,
            }
        }
    }};
}
pub(crate) use write_tx;
