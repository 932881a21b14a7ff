//! Connection pools, the backend switch and the write-transaction helper.

use std::time::Duration;

use salesflow_app::ports::{StoreError, StoreResult};
use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Executor};

use crate::error::map;
use crate::writer::{Feed, Writer};

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
    /// SQLite: one connection, so writers queue in-process instead of fighting over the lock
    /// (and share commits, see `writer`).
    /// PostgreSQL: the same pool as `read`.
    pub(crate) writer: std::sync::Arc<Writer>,
    pub(crate) backend: Backend,
}

/// How long a request waits for a PostgreSQL connection: with the database down (connecting
/// fails until then) or every connection busy, it answers 503 + Retry-After after this, instead
/// of holding the client and piling up requests.
const POSTGRES_ACQUIRE_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

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

/// The TCP port a PostgreSQL URL connects to.
fn postgres_port(url: &str) -> StoreResult<u16> {
    let options: sqlx::postgres::PgConnectOptions = url.parse().map_err(map)?;
    Ok(options.get_port())
}

impl SqlStore {
    pub async fn connect(url: &str, options: &StoreOptions) -> StoreResult<Self> {
        sqlx::any::install_default_drivers();
        let backend = Backend::from_url(url)?;
        match backend {
            Backend::Sqlite => {
                let url = sqlite_url(url);
                let pool = |size: u32| {
                    crate::writer::discarding_aborted(AnyPoolOptions::new())
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
                let writer = Writer::sqlite(write, options.acquire_timeout, Feed::Numbered);
                // Each SQLite connection is served by its own thread; more readers than about
                // twice the cores only adds context switches.
                let cores = std::thread::available_parallelism().map_or(2, |n| n.get() as u32);
                let read = pool(options.max_connections.min(2 * cores).max(2))
                    .connect(&url)
                    .await
                    .map_err(map)?;
                Ok(Self {
                    read,
                    writer: std::sync::Arc::new(writer),
                    backend,
                })
            }
            Backend::Postgres => {
                let port = postgres_port(url)?;
                let pool = AnyPoolOptions::new()
                    .max_connections(options.max_connections)
                    .acquire_timeout(options.acquire_timeout.min(POSTGRES_ACQUIRE_WAIT))
                    .after_connect(move |conn, _| {
                        Box::pin(async move {
                            if let Err(e) = crate::nodelay::set_on_database_sockets(port) {
                                tracing::warn!(error = %e, "cannot set TCP_NODELAY on database connections");
                            }
                            // The reports' statements are costed high at a million rows (their
                            // row estimates, not their index seeks), so the JIT compiles them
                            // on every run: 15–170 ms each for nothing in return.
                            conn.execute("SET jit = off").await?;
                            Ok(())
                        })
                    })
                    .connect(url)
                    .await
                    .map_err(map)?;
                Ok(Self {
                    read: pool.clone(),
                    writer: std::sync::Arc::new(Writer::postgres(pool, Feed::Numbered)),
                    backend,
                })
            }
        }
    }

    pub fn backend_kind(&self) -> Backend {
        self.backend
    }

    /// Write transactions committed so far by this process.
    pub fn write_transactions(&self) -> u64 {
        self.writer.writes()
    }

    /// Database commits so far by this process: fewer than the write transactions when
    /// concurrent SQLite writes shared a commit.
    pub fn commits(&self) -> u64 {
        self.writer.commits()
    }

    /// How long the SQLite writer was held so far, by writes and by commits.
    pub fn writer_busy(&self) -> &crate::writer::Busy {
        self.writer.busy()
    }

    /// The reader pool, for tests and tools that need raw SQL.
    pub fn pool(&self) -> &AnyPool {
        &self.read
    }

    pub async fn close(&self) {
        self.writer.close().await;
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

/// Runs a block as one write on `$store` and commits it, with `$tx` bound to the connection.
/// Contention (busy database, serialization failure, deadlock) is retried a few times before
/// answering `StoreError::Busy`. A macro rather than a closure so the block may borrow freely
/// from the calling function.
macro_rules! write_tx {
    ($store:expr, |$tx:ident| $body:block) => {{
        let store: &$crate::db::SqlStore = $store;
        let mut delay = std::time::Duration::from_millis(5);
        let mut attempt = 1;
        loop {
            let result: salesflow_app::ports::StoreResult<_> = async {
                let mut lease = store.writer.lease().await?;
                let value = {
                    let mut unit = lease.unit().await?;
                    let value = {
                        let $tx: &mut sqlx::AnyConnection = unit.connection();
                        async { $body }.await
                    };
                    let value = match value {
                        Ok(v) => $crate::payments::mark_key_applied(unit.connection())
                            .await
                            .map(|()| v),
                        Err(e) => Err(e),
                    };
                    unit.end(value.is_ok()).await?;
                    value
                };
                lease.finish(value.is_ok()).await?;
                value
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
