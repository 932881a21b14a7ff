//! `salesflow bench`: generates a data set, runs the real HTTP server in-process and drives it
//! with concurrent clients; prints throughput and latency per operation next to the raw SQLite
//! ceiling measured in the same run, so results read as ratios.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use salesflow_app::Actor;
use salesflow_app::clock::SystemClock;
use salesflow_app::entity::Entity;
use salesflow_app::users::NewUser;
use salesflow_domain::event::Change;
use salesflow_domain::ids::LeadId;
use salesflow_domain::lead::{Lead, LeadDetails, LeadInput, LeadSource, LeadStatus};
use salesflow_domain::record::RecordMeta;
use salesflow_domain::role::Role;
use salesflow_store::SqlStore;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::demo::{FIRST_NAMES, LAST_NAMES, Rng};

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    /// api (lead API against a large data set), import (CSV import), board (pipeline board),
    /// analytics (reports over a generated sales history: `--opportunities` deals) or
    /// cash (the order-to-cash flow) or login (a flood of sign-ins with random e-mails).
    #[arg(long, default_value = "api")]
    pub suite: String,
    /// Rows of the generated CSV file (import suite).
    #[arg(long, default_value_t = 1_000_000)]
    pub rows: u64,
    /// Open opportunities (board suite).
    #[arg(long, default_value_t = 10_000)]
    pub opportunities: u64,
    /// Leads in the generated data set.
    #[arg(long, default_value_t = 1_000_000)]
    pub leads: u64,
    /// Concurrent HTTP clients.
    #[arg(long, default_value_t = 50)]
    pub clients: usize,
    /// Seconds each operation is driven.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// SQLite file for the data set (default: a new file in the temp directory, removed after).
    #[arg(long)]
    pub file: Option<std::path::PathBuf>,
    /// Reuse the data set in `--file` if it already has leads (analytics suite: the one in
    /// `--target-database` if it already has opportunities).
    #[arg(long)]
    pub reuse: bool,
    /// Analytics and cash suites: an empty database to fill and measure (e.g. postgres://…)
    /// instead of a new SQLite file in the temporary directory.
    #[arg(long)]
    pub target_database: Option<String>,
    /// Analytics suite: how often each report is timed.
    #[arg(long, default_value_t = 3)]
    pub runs: usize,
    /// Login suite: sign-in attempts fired at once.
    #[arg(long, default_value_t = 200)]
    pub attempts: usize,
    /// Login suite: loopback client addresses the attempts come from.
    #[arg(long, default_value_t = 50)]
    pub addresses: u8,
}

/// Latencies of one operation.
pub struct Measured {
    pub name: String,
    pub count: usize,
    pub errors: usize,
    pub elapsed: Duration,
    pub latencies: Vec<Duration>,
}

impl Measured {
    fn percentile(&self, p: f64) -> Duration {
        if self.latencies.is_empty() {
            return Duration::ZERO;
        }
        let index = ((self.latencies.len() as f64 - 1.0) * p).round() as usize;
        self.latencies[index]
    }

    pub fn row(&self) -> String {
        format!(
            "| {} | {} | {} | {:.0}/s | {:.2} ms | {:.2} ms |",
            self.name,
            self.count,
            self.errors,
            self.count as f64 / self.elapsed.as_secs_f64(),
            self.percentile(0.50).as_secs_f64() * 1e3,
            self.percentile(0.99).as_secs_f64() * 1e3
        )
    }
}

/// Runs `op` from `clients` tasks for `seconds`; `op` returns whether the call succeeded.
pub(crate) async fn drive<F, Fut>(name: &str, clients: usize, seconds: u64, op: F) -> Measured
where
    F: Fn(u64) -> Fut + Send + Sync + 'static,
    Fut: std::future::Future<Output = bool> + Send,
{
    let op = Arc::new(op);
    let started = Instant::now();
    let deadline = started + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for client in 0..clients {
        let op = op.clone();
        tasks.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut errors = 0;
            let mut n = client as u64 * 1_000_003;
            while Instant::now() < deadline {
                n += 1;
                let t = Instant::now();
                let ok = op(n).await;
                latencies.push(t.elapsed());
                errors += usize::from(!ok);
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        if let Ok((l, e)) = task.await {
            all.extend(l);
            errors += e;
        }
    }
    let elapsed = started.elapsed();
    all.sort();
    Measured {
        name: name.into(),
        count: all.len(),
        errors,
        elapsed,
        latencies: all,
    }
}

fn lead_for(rng: &mut Rng, owner: &Actor, created: jiff::Timestamp, i: u64) -> (Lead, Change) {
    let (first, last) = (*rng.pick(FIRST_NAMES), *rng.pick(LAST_NAMES));
    let input = LeadInput {
        first_name: Some(first.into()),
        last_name: Some(format!("{last}{}", i % 1000)),
        company: Some(format!("Company {}", rng.below(50_000))),
        email: Some(format!(
            "{}.{}{i}@bench.example",
            first.to_lowercase(),
            last.to_lowercase()
        )),
        ..Default::default()
    };
    let details =
        LeadDetails::parse(&input, None, LeadSource::Import).expect("generated leads are valid");
    let (mut lead, change) = Lead::new(
        LeadId(uuid::Uuid::now_v7()),
        details,
        RecordMeta::new(owner.user_id, owner.team_id, created),
    );
    lead.status = *rng.pick(LeadStatus::ALL);
    (lead, change)
}

/// Bulk-loads `n` leads (with their creation events) in large transactions.
async fn generate(
    app: &salesflow_app::App,
    store: &SqlStore,
    owner: &Actor,
    n: u64,
) -> Result<Vec<uuid::Uuid>> {
    let mut rng = Rng::new(42);
    let mut sample = Vec::new();
    let start = jiff::Timestamp::now().checked_sub(jiff::SignedDuration::from_hours(24 * 730))?;
    let step = 730 * 86_400 * 1_000_000 / n.max(1) as i64;
    let started = Instant::now();
    let batch = 5_000;
    let mut done = 0;
    while done < n {
        let size = batch.min(n - done);
        let mut leads = Vec::with_capacity(size as usize);
        let mut events = Vec::with_capacity(size as usize);
        for i in done..done + size {
            let created = start.checked_add(jiff::SignedDuration::from_micros(step * i as i64))?;
            let (lead, change) = lead_for(&mut rng, owner, created, i);
            let mut event = app.event_for(owner, &lead, change);
            event.at = created;
            if i % (n / 10_000).max(1) == 0 {
                sample.push(lead.uuid());
            }
            leads.push(lead);
            events.push(event);
        }
        store
            .insert_batch(&leads, &events)
            .await
            .map_err(|e| anyhow::anyhow!("bulk insert failed: {e}"))?;
        done += size;
        if done % 100_000 == 0 || done == n {
            eprintln!(
                "  generated {done} leads ({:.0} rows/s)",
                done as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    Ok(sample)
}

/// The real HTTP server of the benchmark, in this process on a loopback port.
pub(crate) struct Served {
    pub base: String,
    stop: watch::Sender<bool>,
    handle: tokio::task::JoinHandle<()>,
    follower: tokio::task::JoinHandle<()>,
}

impl Served {
    pub async fn start(app: &salesflow_app::App) -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let (stop, stop_rx) = watch::channel(false);
        let state = crate::server::state(app.clone(), salesflow_web::WebConfig::default());
        // The feed follower runs as in `serve`: the read models' upkeep is part of the load.
        let follower = tokio::spawn(salesflow_app::feed::run_follower(
            app.clone(),
            "bench".into(),
            stop_rx.clone(),
        ));
        let handle = tokio::spawn(async move {
            let _ = crate::server::serve_on(listener, state, stop_rx).await;
        });
        Ok(Self {
            base,
            stop,
            handle,
            follower,
        })
    }

    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.handle.await;
        let _ = self.follower.await;
    }
}

/// Removes a benchmark's SQLite database with its WAL files.
pub(crate) fn remove_database(path: &std::path::Path) {
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
}

/// The raw write ceiling: durable single-row insert commits by one writer, no HTTP — what
/// SQLite itself allows on this disk.
pub(crate) async fn insert_ceiling(store: &SqlStore, seconds: u64) -> Result<Measured> {
    let pool = store.pool().clone();
    let label = match store.backend_kind() {
        salesflow_store::Backend::Sqlite => "raw SQLite: insert (1 row/commit)",
        salesflow_store::Backend::Postgres => "raw PostgreSQL: insert (1 row/commit)",
    };
    sqlx::query(
        "CREATE TABLE IF NOT EXISTS bench_ceiling (id TEXT PRIMARY KEY, body TEXT NOT NULL)",
    )
    .execute(&pool)
    .await?;
    Ok(drive(label, 1, seconds, move |_| {
        let pool = pool.clone();
        async move {
            sqlx::query("INSERT INTO bench_ceiling (id, body) VALUES ($1, $2)")
                .bind(uuid::Uuid::now_v7().to_string())
                .bind("x".repeat(200))
                .execute(&pool)
                .await
                .is_ok()
        }
    })
    .await)
}

/// The raw ceiling: durable single-row insert commits and primary-key reads, no HTTP.
async fn ceiling(
    store: &SqlStore,
    ids: &[uuid::Uuid],
    clients: usize,
    seconds: u64,
) -> Result<(Measured, Measured)> {
    let insert = insert_ceiling(store, seconds).await?;
    let pool = store.pool().clone();
    let ids = Arc::new(ids.to_vec());
    let read = drive(
        "raw SQLite: read by primary key",
        clients,
        seconds,
        move |n| {
            let pool = pool.clone();
            let id = ids[n as usize % ids.len()].to_string();
            async move {
                sqlx::query("SELECT * FROM leads WHERE id = $1")
                    .bind(id)
                    .fetch_optional(&pool)
                    .await
                    .is_ok_and(|r| r.is_some())
            }
        },
    )
    .await;
    Ok((insert, read))
}

pub async fn run(args: BenchArgs) -> Result<()> {
    match args.suite.as_str() {
        "api" => {}
        "import" => return crate::bench_import::run(args.rows).await,
        "board" => {
            return crate::bench_board::run(args.opportunities, args.clients, args.seconds).await;
        }
        "cash" => {
            return crate::bench_cash::run(args.clients, args.seconds, args.target_database).await;
        }
        "login" => return crate::bench_login::run(args.attempts, args.addresses).await,
        "analytics" => {
            return crate::bench_analytics::run(
                args.target_database,
                args.opportunities,
                args.runs,
                args.reuse,
            )
            .await;
        }
        other => {
            anyhow::bail!("unknown suite '{other}': use api, import, board, cash or analytics")
        }
    }
    let (path, temporary) = match &args.file {
        Some(p) => (p.clone(), false),
        None => (
            std::env::temp_dir().join(format!("salesflow-bench-{}.db", std::process::id())),
            true,
        ),
    };
    let url = format!("sqlite://{}", path.display());
    eprintln!(
        "salesflow bench: {} leads, {} clients, {} s per operation, database {}",
        args.leads,
        args.clients,
        args.seconds,
        path.display()
    );
    let store = crate::server::open_store(&url, 16).await?;
    let app = crate::server::app(store.clone(), Arc::new(SystemClock));
    let password = salesflow_app::secret::new_secret("");
    let admin = match app.store.user_by_email("bench@salesflow.test").await? {
        Some(u) => u,
        None => app
            .create_user(
                None,
                NewUser {
                    email: "bench@salesflow.test".into(),
                    name: "Bench Admin".into(),
                    role: Role::Admin,
                    team_id: None,
                    password,
                },
            )
            .await
            .map_err(crate::admin::describe)?,
    };
    let actor = Actor::of(&admin);
    let existing = app
        .counts::<Lead>(&actor)
        .await
        .map_err(crate::admin::describe)?
        .iter()
        .map(|(_, n)| n)
        .sum::<i64>();
    let ids = if args.reuse && existing > 0 {
        eprintln!("reusing {existing} leads");
        let rows = sqlx::query_scalar::<_, String>("SELECT id FROM leads ORDER BY id LIMIT 10000")
            .fetch_all(store.pool())
            .await?;
        rows.iter().filter_map(|r| r.parse().ok()).collect()
    } else {
        let started = Instant::now();
        let ids = generate(&app, &store, &actor, args.leads).await?;
        eprintln!(
            "generated {} leads in {:.1} s",
            args.leads,
            started.elapsed().as_secs_f64()
        );
        ids
    };
    sqlx::query("ANALYZE")
        .execute(store.pool())
        .await
        .context("ANALYZE")?;
    let (_, token) = app
        .create_token(&actor, admin.id, "bench", None)
        .await
        .map_err(crate::admin::describe)?;

    let (raw_insert, raw_read) = ceiling(&store, &ids, args.clients, args.seconds.min(5)).await?;

    let served = Served::start(&app).await?;
    let base = served.base.clone();

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(args.clients)
        .build()?;
    let auth = format!("Bearer {token}");
    let ids = Arc::new(ids);
    let mut results = Vec::new();
    let call = {
        let (client, auth, base) = (client.clone(), auth.clone(), base.clone());
        move |path: String| {
            let (client, auth, base) = (client.clone(), auth.clone(), base.clone());
            async move {
                client
                    .get(format!("{base}{path}"))
                    .header("authorization", auth)
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success())
            }
        }
    };
    {
        let ids = ids.clone();
        let call = call.clone();
        results.push(
            drive(
                "GET /api/v1/leads/{id}",
                args.clients,
                args.seconds,
                move |n| call(format!("/api/v1/leads/{}", ids[n as usize % ids.len()])),
            )
            .await,
        );
    }
    {
        let call = call.clone();
        results.push(
            drive(
                "list 50, status filter, sort created_at",
                args.clients,
                args.seconds,
                move |n| {
                    call(format!(
                        "/api/v1/leads?status={}&sort=created_at&dir=desc&limit=50",
                        LeadStatus::ALL[n as usize % 5]
                    ))
                },
            )
            .await,
        );
    }
    {
        let call = call.clone();
        results.push(
            drive(
                "search by name (prefix)",
                args.clients,
                args.seconds,
                move |n| {
                    let name = LAST_NAMES[n as usize % LAST_NAMES.len()].to_lowercase();
                    call(format!(
                        "/api/v1/leads?q={}{}&sort=last_name&dir=asc&limit=50",
                        name,
                        n % 100
                    ))
                },
            )
            .await,
        );
    }
    {
        let (client, auth, base) = (client.clone(), auth.clone(), base.clone());
        results.push(
            drive("POST /api/v1/leads (durable)", args.clients, args.seconds, move |n| {
                let (client, auth, base) = (client.clone(), auth.clone(), base.clone());
                async move {
                    let body = serde_json::json!({ "first_name": "Bench", "last_name": format!("Create{n}"), "company": "Bench Co", "email": format!("create{n}@bench.example") });
                    match client.post(format!("{base}/api/v1/leads")).header("authorization", auth).json(&body).send().await {
                        Ok(r) => r.status().as_u16() == 201 && r.bytes().await.is_ok(),
                        Err(_) => false,
                    }
                }
            })
            .await,
        );
    }
    served.stop().await;
    store.close().await;

    println!();
    println!(
        "salesflow bench — {} leads, {} clients, SQLite (WAL, synchronous=FULL), {} cores",
        args.leads,
        args.clients,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!();
    println!("| operation | requests | errors | throughput | p50 | p99 |");
    println!("|---|---|---|---|---|---|");
    for m in [&raw_insert, &raw_read].into_iter().chain(results.iter()) {
        println!("{}", m.row());
    }
    if temporary {
        remove_database(&path);
    }
    Ok(())
}
