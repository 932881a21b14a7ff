//! A fresh database per test: a SQLite file in a temporary directory, or a new PostgreSQL
//! database when `SALESFLOW_TEST_BACKEND=postgres` (server from `SALESFLOW_TEST_POSTGRES_URL`).

use std::path::PathBuf;

pub struct TestDb {
    pub url: String,
    file: Option<PathBuf>,
    pg: Option<(String, String)>,
}

/// The PostgreSQL server for tests, when configured.
pub fn postgres_url() -> Option<String> {
    std::env::var("SALESFLOW_TEST_POSTGRES_URL")
        .ok()
        .filter(|u| !u.is_empty())
}

pub fn use_postgres() -> bool {
    std::env::var("SALESFLOW_TEST_BACKEND").is_ok_and(|b| b == "postgres")
}

impl TestDb {
    pub async fn create() -> Self {
        if use_postgres() {
            let admin = postgres_url()
                .expect("SALESFLOW_TEST_BACKEND=postgres needs SALESFLOW_TEST_POSTGRES_URL");
            Self::postgres(&admin).await
        } else {
            Self::sqlite()
        }
    }

    pub fn sqlite() -> Self {
        let file = std::env::temp_dir().join(format!(
            "salesflow-test-{}.db",
            uuid::Uuid::now_v7().simple()
        ));
        Self {
            url: format!("sqlite://{}", file.display()),
            file: Some(file),
            pg: None,
        }
    }

    /// Creates a new database on the server at `admin_url`.
    pub async fn postgres(admin_url: &str) -> Self {
        use sqlx::Connection;
        sqlx::any::install_default_drivers();
        let name = format!("sf_test_{}", uuid::Uuid::now_v7().simple());
        let mut conn = sqlx::AnyConnection::connect(admin_url)
            .await
            .expect("connect to the PostgreSQL test server");
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let _ = conn.close().await;
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b)
            .unwrap_or(admin_url);
        Self {
            url: format!("{base}/{name}"),
            file: None,
            pg: Some((admin_url.to_string(), name)),
        }
    }

    pub async fn drop(self) {
        if let Some(file) = self.file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        if let Some((admin, name)) = self.pg {
            use sqlx::Connection;
            if let Ok(mut conn) = sqlx::AnyConnection::connect(&admin).await {
                let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .execute(&mut conn)
                .await;
                let _ = conn.close().await;
            }
        }
    }
}
