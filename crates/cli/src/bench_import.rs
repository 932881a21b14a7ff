//! `salesflow bench --suite import`: imports a generated CSV file of leads (a Salesforce
//! export, 1 % bad rows) through the real importer into a fresh SQLite database and reports
//! rows per second and the process's peak memory, next to the raw ceiling measured in the
//! same run: the same lead and event rows bulk-inserted without reading, checking or mapping.

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use salesflow_app::clock::SystemClock;
use salesflow_app::import::ImportOptions;
use salesflow_app::users::NewUser;
use salesflow_app::{Actor, App};
use salesflow_domain::ids::LeadId;
use salesflow_domain::import::{ImportKind, Mapping, Preset, lead_row};
use salesflow_domain::lead::Lead;
use salesflow_domain::record::RecordMeta;
use salesflow_domain::role::Role;

use crate::demo::{FIRST_NAMES, LAST_NAMES, Rng};

const HEADER: &str = "First Name,Last Name,Company,Title,Email,Phone,Lead Source,Description";

/// Peak resident memory of this process so far (Linux), in MiB.
pub fn peak_memory_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

fn row(rng: &mut Rng, i: u64) -> String {
    let (first, last) = (*rng.pick(FIRST_NAMES), *rng.pick(LAST_NAMES));
    // One row in a hundred is bad: no last name or a broken address.
    let (last, email) = match i % 100 {
        17 => (
            String::new(),
            format!("{}.{i}@bench.example", first.to_lowercase()),
        ),
        53 => (last.to_string(), "not-an-address".to_string()),
        _ => (
            last.to_string(),
            format!(
                "{}.{}{i}@bench.example",
                first.to_lowercase(),
                last.to_lowercase()
            ),
        ),
    };
    let source = [
        "Web",
        "Trade Show",
        "Partner Referral",
        "Purchased List",
        "",
    ][i as usize % 5];
    format!(
        "{first},{last},Company {},Buyer,{email},+49 30 {i:08},{source},Imported in the benchmark",
        rng.below(50_000)
    )
}

async fn fresh(path: &std::path::Path) -> Result<(salesflow_store::SqlStore, App, Actor)> {
    let url = format!("sqlite://{}", path.display());
    let store = crate::server::open_store(&url, 8).await?;
    let app = crate::server::app(store.clone(), Arc::new(SystemClock));
    let user = app
        .create_user(
            None,
            NewUser {
                email: "import@salesflow.test".into(),
                name: "Import Bench".into(),
                role: Role::Admin,
                team_id: None,
                password: salesflow_app::secret::new_secret(""),
            },
        )
        .await
        .map_err(crate::admin::describe)?;
    Ok((store, app, Actor::of(&user)))
}

pub async fn run(rows: u64) -> Result<()> {
    let dir = std::env::temp_dir();
    let id = std::process::id();
    let csv_path = dir.join(format!("salesflow-bench-import-{id}.csv"));
    {
        let mut file = std::io::BufWriter::new(std::fs::File::create(&csv_path)?);
        writeln!(file, "{HEADER}")?;
        let mut rng = Rng::new(7);
        for i in 0..rows {
            writeln!(file, "{}", row(&mut rng, i))?;
        }
    }
    let size_mib = std::fs::metadata(&csv_path)?.len() as f64 / (1024.0 * 1024.0);
    eprintln!("generated {rows} rows ({size_mib:.0} MiB)");

    // The importer: read, map, check, de-duplicate, write with events.
    let db = dir.join(format!("salesflow-bench-import-{id}.db"));
    let (store, app, actor) = fresh(&db).await?;
    let before = peak_memory_mib();
    let options = ImportOptions {
        kind: ImportKind::Leads,
        preset: Preset::Salesforce,
        mapping: None,
        dry_run: false,
        file_name: "bench.csv".into(),
        assign: false,
    };
    let started = Instant::now();
    let file = std::io::BufReader::with_capacity(1 << 20, std::fs::File::open(&csv_path)?);
    let report = app
        .import_csv(&actor, file, &options, &|_| {})
        .await
        .map_err(crate::admin::describe)?;
    let import_secs = started.elapsed().as_secs_f64();
    let peak = peak_memory_mib();
    store.close().await;
    crate::bench::remove_database(&db);

    // The ceiling: the same rows, already parsed, bulk-inserted with their events.
    let db = dir.join(format!("salesflow-bench-ceiling-{id}.db"));
    let (store, app, actor) = fresh(&db).await?;
    let headers: Vec<&str> = HEADER.split(',').collect();
    let mapping = Mapping::detect(ImportKind::Leads, Preset::Salesforce, &headers)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let mut rng = Rng::new(7);
    let mut prepared: Vec<(Lead, salesflow_app::ports::EventRecord)> = Vec::new();
    let mut insert_secs = 0.0;
    let mut inserted = 0u64;
    for i in 0..rows {
        let line = row(&mut rng, i);
        let cells: Vec<&str> = line.split(',').collect();
        if let Ok(details) = lead_row(&mapping, &cells) {
            let (lead, change) = Lead::new(
                LeadId(uuid::Uuid::now_v7()),
                details,
                RecordMeta::new(actor.user_id, actor.team_id, app.now()),
            );
            let event = app.event_for(&actor, &lead, change);
            prepared.push((lead, event));
        }
        if prepared.len() == 5_000 || (i + 1 == rows && !prepared.is_empty()) {
            let (leads, events): (Vec<Lead>, Vec<_>) = prepared.drain(..).unzip();
            let t = Instant::now();
            store
                .insert_batch(&leads, &events)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            insert_secs += t.elapsed().as_secs_f64();
            inserted += leads.len() as u64;
        }
    }
    store.close().await;
    crate::bench::remove_database(&db);
    let _ = std::fs::remove_file(&csv_path);

    // SQLite's own limit for these tables: rows made inside the engine by one INSERT … SELECT
    // each for leads and their events, nothing bound from outside.
    let db = dir.join(format!("salesflow-bench-engine-{id}.db"));
    let (store, _, actor) = fresh(&db).await?;
    let engine_secs = engine_ceiling(&store, &actor, rows).await?;
    store.close().await;
    crate::bench::remove_database(&db);

    println!();
    println!(
        "salesflow bench — CSV import of {rows} leads ({size_mib:.0} MiB, Salesforce columns, 2 % bad rows), SQLite (WAL, synchronous=FULL), {} cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!();
    println!("| what | rows | seconds | rows/s |");
    println!("|---|---|---|---|");
    println!(
        "| import (read, map, check, de-duplicate, insert with events) | {} imported + {} rejected | {import_secs:.1} | {:.0} |",
        report.imported,
        report.rejected,
        report.total as f64 / import_secs
    );
    println!(
        "| raw ceiling: the same rows pre-parsed, bulk insert with events | {inserted} | {insert_secs:.1} | {:.0} |",
        inserted as f64 / insert_secs
    );
    println!(
        "| engine ceiling: leads and events made inside SQLite (INSERT … SELECT), no binding | {rows} | {engine_secs:.1} | {:.0} |",
        rows as f64 / engine_secs
    );
    println!();
    match (before, peak) {
        (Some(b), Some(p)) => println!(
            "peak memory (process high-water mark): {p:.0} MiB (before the import: {b:.0} MiB)"
        ),
        _ => println!("peak memory: not available on this system"),
    }
    Ok(())
}

/// Inserts `rows` leads and as many events with two INSERT … SELECT statements over a
/// generated series, in one durable transaction; returns the seconds taken.
async fn engine_ceiling(
    store: &salesflow_store::SqlStore,
    actor: &Actor,
    rows: u64,
) -> Result<f64> {
    let owner = actor.user_id.to_string();
    let series =
        format!("WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {rows})");
    let leads = format!(
        "{series} INSERT INTO leads (id, first_name, first_name_key, last_name, last_name_key, company, company_key, \
         title, email, phone, source, campaign, status, disqualify_reason, notes, owner_id, team_id, archived, \
         created_at, updated_at, version, criteria, attribution) \
         SELECT printf('0190%028x', i), 'First' || i, 'first' || i, 'Last' || (i % 1000), 'last' || (i % 1000), \
         'Company ' || (abs(random()) % 50000), 'company ' || (abs(random()) % 50000), 'Buyer', \
         'p' || i || '@bench.example', '+49 30 ' || i, 'import', NULL, 'new', NULL, 'Imported in the benchmark', \
         '{owner}', NULL, 0, 1700000000000000 + i, 1700000000000000 + i, 1, '{{}}', '{{}}' FROM s"
    );
    let events = format!(
        "{series} INSERT INTO events (id, at, entity_type, entity_id, case_id, activity, from_state, to_state, \
         actor_id, actor_role, request_id, changes, owner_id, team_id) \
         SELECT printf('0191%028x', i), 1700000000000000 + i, 'lead', printf('0190%028x', i), printf('0190%028x', i), \
         'created', 'none', 'new', '{owner}', 'admin', NULL, \
         '[{{\"field\":\"last_name\",\"old\":null,\"new\":\"Last\"}}]', '{owner}', NULL FROM s"
    );
    let started = Instant::now();
    let mut tx = store.pool().begin().await?;
    sqlx::query(sqlx::AssertSqlSafe(leads))
        .execute(&mut *tx)
        .await?;
    sqlx::query(sqlx::AssertSqlSafe(events))
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(started.elapsed().as_secs_f64())
}
