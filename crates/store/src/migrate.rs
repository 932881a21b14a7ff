//! Schema migrations: one ordered list, shared SQL plus optional per-database files (triggers
//! and other statements whose syntax differs). All pending migrations apply in one transaction.

use salesflow_app::ports::StoreResult;
use sqlx::{AssertSqlSafe, Row};

use crate::db::{Backend, SqlStore, write_tx};
use crate::dialect;
use crate::error::map;

struct Migration {
    version: i64,
    name: &'static str,
    shared: &'static str,
    sqlite: &'static str,
    postgres: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "foundation",
        shared: include_str!("../migrations/0001_foundation.sql"),
        sqlite: include_str!("../migrations/0001_foundation.sqlite.sql"),
        postgres: include_str!("../migrations/0001_foundation.postgres.sql"),
    },
    Migration {
        version: 2,
        name: "pipeline",
        shared: include_str!("../migrations/0002_pipeline.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 3,
        name: "activities",
        shared: include_str!("../migrations/0003_activities.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 4,
        name: "qualify_convert",
        shared: include_str!("../migrations/0004_qualify_convert.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 5,
        name: "capture",
        shared: include_str!("../migrations/0005_capture.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 6,
        name: "imports",
        shared: include_str!("../migrations/0006_imports.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 7,
        name: "merge",
        shared: include_str!("../migrations/0007_merge.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 8,
        name: "assignment",
        shared: include_str!("../migrations/0008_assignment.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 9,
        name: "quotes",
        shared: include_str!("../migrations/0009_quotes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 10,
        name: "stock",
        shared: include_str!("../migrations/0010_stock.sql"),
        sqlite: include_str!("../migrations/0010_stock.sqlite.sql"),
        postgres: include_str!("../migrations/0010_stock.postgres.sql"),
    },
    Migration {
        version: 11,
        name: "projections",
        shared: include_str!("../migrations/0011_projections.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 12,
        name: "forecast_snapshots",
        shared: include_str!("../migrations/0012_forecast_snapshots.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 13,
        name: "analytics_indexes",
        shared: include_str!("../migrations/0013_analytics_indexes.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 14,
        name: "login_clients",
        shared: include_str!("../migrations/0014_login_clients.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 15,
        name: "one_credit_note",
        shared: include_str!("../migrations/0015_one_credit_note.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 16,
        name: "token_expiry",
        shared: include_str!("../migrations/0016_token_expiry.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 17,
        name: "team_follows_owner",
        shared: "",
        sqlite: include_str!("../migrations/0017_team_follows_owner.sqlite.sql"),
        postgres: include_str!("../migrations/0017_team_follows_owner.postgres.sql"),
    },
    Migration {
        version: 18,
        name: "event_actor_kind",
        shared: include_str!("../migrations/0018_event_actor_kind.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 19,
        name: "account_vat_id",
        shared: include_str!("../migrations/0019_account_vat_id.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 20,
        name: "idempotency_applied",
        shared: include_str!("../migrations/0020_idempotency_applied.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 21,
        name: "event_feed",
        shared: include_str!("../migrations/0021_event_feed.sql"),
        sqlite: include_str!("../migrations/0021_event_feed.sqlite.sql"),
        postgres: include_str!("../migrations/0021_event_feed.postgres.sql"),
    },
    Migration {
        version: 22,
        name: "notifications",
        shared: include_str!("../migrations/0022_notifications.sql"),
        sqlite: "",
        postgres: "",
    },
    Migration {
        version: 23,
        name: "deadlines",
        shared: include_str!("../migrations/0023_deadlines.sql"),
        sqlite: "",
        postgres: "",
    },
];

/// Migrations that add process read models: after them the models are filled from the log.
const READ_MODELS: [i64; 2] = [11, 13];

impl SqlStore {
    /// Applies pending migrations; returns how many ran.
    pub async fn migrate(&self) -> StoreResult<usize> {
        let backend = self.backend;
        write_tx!(self, |tx| {
            if let Some(lock) = dialect::migration_lock(backend) {
                sqlx::query(lock).execute(&mut *tx).await.map_err(map)?;
            }
            sqlx::query("CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL)")
                .execute(&mut *tx)
                .await
                .map_err(map)?;
            let applied: Vec<i64> = sqlx::query("SELECT version FROM schema_migrations")
                .fetch_all(&mut *tx)
                .await
                .map_err(map)?
                .iter()
                .map(|r| r.try_get::<i64, _>(0))
                .collect::<Result<_, _>>()
                .map_err(map)?;
            let mut ran = 0;
            let mut rebuild = false;
            for m in MIGRATIONS.iter().filter(|m| !applied.contains(&m.version)) {
                let specific = match backend {
                    Backend::Sqlite => m.sqlite,
                    Backend::Postgres => m.postgres,
                };
                tracing::info!(
                    version = m.version,
                    name = m.name,
                    dialect = dialect::migration_suffix(backend),
                    "applying migration"
                );
                if !m.shared.trim().is_empty() {
                    sqlx::raw_sql(AssertSqlSafe(m.shared))
                        .execute(&mut *tx)
                        .await
                        .map_err(map)?;
                }
                if !specific.trim().is_empty() {
                    sqlx::raw_sql(AssertSqlSafe(specific))
                        .execute(&mut *tx)
                        .await
                        .map_err(map)?;
                }
                rebuild |= READ_MODELS.contains(&m.version);
                sqlx::query("INSERT INTO schema_migrations (version, name) VALUES ($1, $2)")
                    .bind(m.version)
                    .bind(m.name)
                    .execute(&mut *tx)
                    .await
                    .map_err(map)?;
                ran += 1;
            }
            if rebuild {
                crate::projection::rebuild(tx).await?;
            }
            Ok(ran)
        })
    }
}
