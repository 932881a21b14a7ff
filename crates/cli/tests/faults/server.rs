//! The real `salesflow` binary as its operators run it: a database of its own, a server process
//! that can be killed without warning, and the command-line tools.

use std::io::Write;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The binary under test: this build's, or `SALESFLOW_FAULTS_BINARY` (the long run points it at
/// the release build, as operators run it).
pub fn binary() -> String {
    std::env::var("SALESFLOW_FAULTS_BINARY")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_salesflow").to_string())
}

/// A fresh database: a SQLite file in a temporary folder, or (with
/// `SALESFLOW_TEST_BACKEND=postgres`) a new database on the test PostgreSQL server.
pub struct Database {
    pub url: String,
    /// The server's own database, dropped at the end: (admin URL, name).
    postgres: Option<(String, String)>,
    pub dir: PathBuf,
}

impl Database {
    pub async fn fresh(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!("salesflow-{name}-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        if std::env::var("SALESFLOW_TEST_BACKEND").as_deref() == Ok("postgres") {
            let admin = std::env::var("SALESFLOW_TEST_POSTGRES_URL")
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
            let db = format!("sf_test_{name}_{}", uuid::Uuid::now_v7().simple());
            Self::on_postgres(&admin, &db, dir).await
        } else {
            Self {
                url: format!("sqlite://{}", dir.join("salesflow.db").display()),
                postgres: None,
                dir,
            }
        }
    }

    /// A new database `db` on the PostgreSQL server that `admin` reaches.
    pub async fn on_postgres(admin: &str, db: &str, dir: PathBuf) -> Self {
        execute(admin, &format!("CREATE DATABASE {db}")).await;
        let base = admin.rsplit_once('/').map_or(admin, |(b, _)| b);
        Self {
            url: format!("{base}/{db}"),
            postgres: Some((admin.to_string(), db.to_string())),
            dir,
        }
    }

    pub fn is_postgres(&self) -> bool {
        self.url.starts_with("postgres")
    }

    /// Raw SQL access for the checks that look behind the API.
    pub async fn pool(&self) -> sqlx::AnyPool {
        sqlx::any::install_default_drivers();
        sqlx::any::AnyPoolOptions::new()
            .max_connections(2)
            .connect(&self.url)
            .await
            .expect("database")
    }

    pub async fn drop_database(self) {
        if let Some((admin, db)) = &self.postgres {
            execute(admin, &format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)")).await;
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

async fn execute(url: &str, sql: &str) {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let mut conn = sqlx::AnyConnection::connect(url).await.expect("postgres");
    sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await
        .expect(sql);
}

/// Runs `salesflow ARGS` on `database`, with `stdin` as its input.
pub fn cli(database: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .env("SALESFLOW_DATABASE_URL", database)
        .env("SALESFLOW_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("salesflow");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("write stdin");
    child.wait_with_output().expect("salesflow output")
}

/// How the server process is started: directly, or under a wrapper such as `fiu-run -x`.
#[derive(Default, Clone)]
pub struct Launch {
    pub wrapper: Vec<String>,
    /// `SALESFLOW_LOG` of the process; `warn` when unset.
    pub log_filter: Option<&'static str>,
}

/// A running server process.
pub struct Server {
    child: Child,
    pub base: String,
    pub log: PathBuf,
}

impl Server {
    /// Starts a server on a free port and waits until it answers.
    pub async fn start(db: &Database, launch: &Launch) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let listen = format!("127.0.0.1:{port}");
        let log = db.dir.join(format!("server-{port}.log"));
        let mut command = match launch.wrapper.split_first() {
            Some((program, args)) => {
                let mut c = Command::new(program);
                c.args(args).arg(binary());
                c
            }
            None => Command::new(binary()),
        };
        let child = command
            .args(["serve", "--listen", &listen])
            .env("SALESFLOW_DATABASE_URL", &db.url)
            .env("SALESFLOW_LOG", launch.log_filter.unwrap_or("warn"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).expect("log file"))
            .spawn()
            .expect("server");
        let server = Self {
            child,
            base: format!("http://{listen}"),
            log,
        };
        server.wait_ready().await;
        server
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let ok = client
                .get(format!("{}/healthz", self.base))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success());
            if ok {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("the server did not start; its log:\n{}", self.log_text());
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child.try_wait().expect("server status").is_none()
    }

    /// SIGKILL: no shutdown, no flush, nothing the process can do about it.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Peak resident memory of the process so far, in KiB (Linux).
    pub fn peak_memory_kib(&self) -> u64 {
        let status =
            std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap_or_default();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap_or(0)
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
