//! `salesflow bench --suite analytics`: a year of sales history — leads qualified into
//! opportunities (seven in ten), opportunities moving through
//! the pipeline with plausible stage durations, rework (moves back, quotes revised), skipped
//! stages, losses, and for won deals the quote, order, delivery, invoice and payment steps of
//! their case — then the time of each analytics report through the real HTTP server, and of
//! its main query alone.

use std::sync::Arc;
use std::time::Instant;

use anyhow::Result;
use jiff::{SignedDuration, Timestamp};
use salesflow_app::clock::SystemClock;
use salesflow_app::ports::{
    AnalyticsFilter, AnalyticsStore, Breakdown, EventRecord, MiningStore, Scope,
};
use salesflow_app::{Actor, App};
use salesflow_domain::event::EntityType;
use salesflow_domain::ids::{EventId, OpportunityId};
use salesflow_domain::opportunity::{
    Opportunity, OpportunityDetails, OpportunityInput, OpportunityStatus,
};
use salesflow_domain::pipeline::Pipeline;
use salesflow_domain::record::RecordMeta;
use salesflow_domain::role::Role;
use uuid::Uuid;

use crate::bench_board::user;
use crate::demo::Rng;

/// Typical hours in each open stage (prospecting … negotiation).
const STAGE_HOURS: [i64; 5] = [72, 120, 200, 300, 150];
const BATCH: usize = 2_000;

/// One event of the generated history.
fn event(rep: &Actor, entity: (EntityType, Uuid), case: Uuid, step: Step) -> EventRecord {
    EventRecord {
        id: EventId(Uuid::now_v7()),
        at: step.at,
        entity_type: entity.0,
        entity_id: entity.1,
        case_id: case,
        activity: step.activity.into(),
        from_state: step.from,
        to_state: step.to,
        actor_id: Some(rep.user_id),
        actor_role: Some(rep.role),
        actor_kind: None,
        actor_name: None,
        request_id: None,
        changes: Vec::new(),
        owner_id: Some(rep.user_id),
        team_id: rep.team_id,
    }
}

struct Step {
    at: Timestamp,
    activity: &'static str,
    from: Option<String>,
    to: Option<String>,
}

fn step(at: Timestamp, activity: &'static str, from: Option<&str>, to: Option<&str>) -> Step {
    Step {
        at,
        activity,
        from: from.map(str::to_string),
        to: to.map(str::to_string),
    }
}

/// `hours` stretched by a random factor between 0.3 and 3.
fn spread(rng: &mut Rng, hours: i64) -> SignedDuration {
    SignedDuration::from_mins(hours * (18 + rng.below(163) as i64))
}

/// The documents of a won deal's case: quote, order, delivery, invoice, payment.
fn documents(
    rng: &mut Rng,
    rep: &Actor,
    case: Uuid,
    quoted: Timestamp,
    won: Timestamp,
    now: Timestamp,
    out: &mut Vec<EventRecord>,
) {
    let quote = (EntityType::Quote, Uuid::now_v7());
    out.push(event(
        rep,
        quote,
        case,
        step(quoted, "created", Some(""), Some("draft")),
    ));
    let mut at = quoted + SignedDuration::from_hours(2);
    out.push(event(
        rep,
        quote,
        case,
        step(at, "sent", Some("draft"), Some("sent")),
    ));
    if rng.chance(20) {
        at += spread(rng, 24);
        out.push(event(
            rep,
            quote,
            case,
            step(at, "revised", Some("sent"), Some("draft")),
        ));
        at += SignedDuration::from_hours(3);
        out.push(event(
            rep,
            quote,
            case,
            step(at, "sent", Some("draft"), Some("sent")),
        ));
    }
    let accepted = won.max(at);
    out.push(event(
        rep,
        quote,
        case,
        step(accepted, "accepted", Some("sent"), Some("accepted")),
    ));
    let order = (EntityType::SalesOrder, Uuid::now_v7());
    let delivery = (EntityType::Delivery, Uuid::now_v7());
    let invoice = (EntityType::Invoice, Uuid::now_v7());
    let mut at = accepted;
    let mut later = |rng: &mut Rng, hours| {
        at += spread(rng, hours);
        at
    };
    let steps = [
        (order, "created", "", "new", 0),
        (order, "confirmed", "new", "confirmed", 20),
        (delivery, "released", "", "released", 40),
        (delivery, "shipped", "released", "shipped", 60),
        (invoice, "posted", "draft", "posted", 24),
        (invoice, "paid", "posted", "paid", 600),
    ];
    for (entity, activity, from, to, hours) in steps {
        let when = later(rng, hours);
        if when > now {
            return;
        }
        out.push(event(
            rep,
            entity,
            case,
            step(when, activity, Some(from), Some(to)),
        ));
    }
}

/// The lead a deal came from, qualified before `converted`: new, sometimes worked, qualified.
fn lead_steps(
    rng: &mut Rng,
    rep: &Actor,
    case: Uuid,
    converted: Timestamp,
    out: &mut Vec<EventRecord>,
) {
    let lead = (EntityType::Lead, Uuid::now_v7());
    let qualified = converted - SignedDuration::from_hours(1);
    let mut at = qualified - spread(rng, 48);
    out.push(event(
        rep,
        lead,
        case,
        step(at, "created", Some("none"), Some("new")),
    ));
    let mut from = "new";
    if rng.chance(50) {
        at += qualified.duration_since(at) / 2;
        out.push(event(
            rep,
            lead,
            case,
            step(at, "status_changed", Some(from), Some("working")),
        ));
        from = "working";
    }
    out.push(event(
        rep,
        lead,
        case,
        step(qualified, "status_changed", Some(from), Some("qualified")),
    ));
}

/// One opportunity's history from `created`, up to `now`; the opportunity as it ends.
fn history(
    rng: &mut Rng,
    app: &App,
    pipeline: &Pipeline,
    rep: &Actor,
    created: Timestamp,
    now: Timestamp,
    out: &mut Vec<EventRecord>,
) -> Result<Opportunity> {
    let input = OpportunityInput {
        name: Some(format!("Deal {}", rng.below(1_000_000))),
        amount: Some(format!("{}.00", 1_000 + rng.below(100_000))),
        ..Default::default()
    };
    let details = OpportunityDetails::parse(&input, None, app.config.default_currency, 10)
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let meta = RecordMeta::new(rep.user_id, rep.team_id, created);
    let (mut o, _) = Opportunity::new(
        OpportunityId(Uuid::now_v7()),
        details,
        pipeline,
        None,
        None,
        None,
        meta,
    )
    .map_err(|e| anyhow::anyhow!("{e:?}"))?;
    let entity = (EntityType::Opportunity, o.id.0);
    if rng.chance(70) {
        lead_steps(rng, rep, o.case_id, created, out);
    }
    let stages = &pipeline.stages;
    out.push(event(
        rep,
        entity,
        o.case_id,
        step(created, "created", Some("none"), Some(&stages[0].key)),
    ));
    let (mut index, mut at, mut quoted) = (0_usize, created, None);
    let end = loop {
        let next_at = at + spread(rng, STAGE_HOURS[index.min(4)]);
        if next_at > now {
            break index;
        }
        let roll = rng.below(100);
        let next = if roll < 12 {
            6 // lost
        } else if roll < 20 && index > 0 {
            index - 1
        } else if roll < 25 && index < 3 {
            index + 2
        } else {
            index + 1
        };
        let (from, to) = (&stages[index].key, &stages[next].key);
        out.push(event(
            rep,
            entity,
            o.case_id,
            step(next_at, "stage_changed", Some(from), Some(to)),
        ));
        if next == 3 && quoted.is_none() {
            quoted = Some(next_at);
        }
        at = next_at;
        if next >= 5 {
            break next;
        }
        index = next;
    };
    let stage = &stages[end];
    o.stage_id = stage.id;
    o.stage_key = stage.key.clone();
    o.status = stage.kind.into();
    o.stage_entered_at = at;
    o.details.probability = stage.probability;
    o.details.close_date = Some(
        (at + SignedDuration::from_hours(24 * 30))
            .to_zoned(jiff::tz::TimeZone::UTC)
            .date(),
    );
    o.meta.updated_at = at;
    match o.status {
        OpportunityStatus::Lost => {
            o.lost_reason = Some(["Price", "Timing", "Competitor"][rng.below(3) as usize].into())
        }
        OpportunityStatus::Won => {
            documents(rng, rep, o.case_id, quoted.unwrap_or(at), at, now, out)
        }
        OpportunityStatus::Open => {}
    }
    Ok(o)
}

/// Fills the database with `opportunities` deals' histories; the number of events written.
async fn generate(
    app: &App,
    store: &salesflow_store::SqlStore,
    pipeline: &Pipeline,
    opportunities: u64,
) -> Result<usize> {
    let mut reps = Vec::new();
    for (t, team) in ["North", "South"].iter().enumerate() {
        let id = app
            .create_team(None, team)
            .await
            .map_err(crate::admin::describe)?
            .id;
        for i in 0..10 {
            reps.push(user(app, &format!("Rep {t}{i}"), Role::SalesRep, Some(id)).await?);
        }
    }
    let now = app.now();
    let mut rng = Rng::new(7);
    let (mut opps, mut events, mut total_events) = (Vec::new(), Vec::new(), 0_usize);
    for i in 0..opportunities {
        let rep = &reps[rng.below(reps.len() as u64) as usize];
        let created = now - SignedDuration::from_hours(24 * 10 + rng.below(24 * 365) as i64);
        opps.push(history(
            &mut rng,
            app,
            pipeline,
            rep,
            created,
            now,
            &mut events,
        )?);
        if opps.len() == BATCH || i + 1 == opportunities {
            total_events += events.len();
            store
                .insert_batch(&opps, &events)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            opps.clear();
            events.clear();
        }
        if (i + 1) % 100_000 == 0 {
            eprintln!("  generated {} opportunities, {total_events} events", i + 1);
        }
    }
    let started = Instant::now();
    store
        .rebuild_projections()
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    eprintln!(
        "  built the read models in {:.0} s",
        started.elapsed().as_secs_f64()
    );
    Ok(total_events)
}

/// Seconds of one call, `runs` times: the fastest and the median.
async fn timed<F, Fut>(runs: usize, mut call: F) -> Result<(f64, f64)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<()>>,
{
    let mut times = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        call().await?;
        times.push(started.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok((times[0], times[times.len() / 2]))
}

pub async fn run(
    database_url: Option<String>,
    opportunities: u64,
    runs: usize,
    reuse: bool,
) -> Result<()> {
    let path = std::env::temp_dir().join(format!(
        "salesflow-bench-analytics-{}.db",
        std::process::id()
    ));
    let url = database_url.unwrap_or_else(|| format!("sqlite://{}", path.display()));
    let store = crate::server::open_store(&url, 16).await?;
    let app = crate::server::app(store.clone(), Arc::new(SystemClock));
    let admin_name = format!("Analytics Admin {}", std::process::id());
    let admin = user(&app, &admin_name, Role::Admin, None).await?;
    let pipeline = app
        .pipeline_for_new(None)
        .await
        .map_err(crate::admin::describe)?;
    let count = |table: &str| {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        let pool = store.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(sql))
                .fetch_one(&pool)
                .await
        }
    };
    let existing = count("opportunities").await?;
    let started = Instant::now();
    let (opportunities, total_events) = if reuse && existing > 0 {
        (existing as u64, count("events").await? as usize)
    } else {
        let total = generate(&app, &store, &pipeline, opportunities).await?;
        (opportunities, total)
    };
    // Fresh statistics (and, on PostgreSQL, a visibility map for index-only scans), as the
    // databases' own maintenance would have made after a year of writes.
    let maintenance = match store.backend_kind() {
        salesflow_store::Backend::Sqlite => "ANALYZE",
        salesflow_store::Backend::Postgres => "VACUUM ANALYZE",
    };
    sqlx::query(maintenance).execute(store.pool()).await?;
    let generated = started.elapsed().as_secs_f64();

    let (_, token) = app
        .create_token(&admin, admin.user_id, "bench", None)
        .await
        .map_err(crate::admin::describe)?;
    let served = crate::bench::Served::start(&app).await?;
    let client = reqwest::Client::new();
    let mut rows = Vec::new();
    for path in ["funnel", "stage-times", "process", "forecast"] {
        let url = format!("{}/api/v1/analytics/{path}", served.base);
        let (best, median) = timed(runs, || {
            let request = client.get(&url).bearer_auth(&token);
            async move {
                let response = request.send().await?;
                anyhow::ensure!(response.status().is_success(), "{}", response.status());
                response.bytes().await?;
                Ok(())
            }
        })
        .await?;
        eprintln!("  GET /api/v1/analytics/{path}: {best:.2} s");
        rows.push((format!("GET /api/v1/analytics/{path}"), best, median));
    }
    let filter = AnalyticsFilter::default();
    let s = store.clone();
    let (best, median) = timed(runs, || {
        let s = s.clone();
        async move {
            s.funnel_reaches(
                pipeline.id,
                &AnalyticsFilter::default(),
                Breakdown::Total,
                Scope::All,
            )
            .await
            .map(drop)
            .map_err(Into::into)
        }
    })
    .await?;
    rows.push(("query: funnel".into(), best, median));
    let (best, median) = timed(runs, || {
        let s = s.clone();
        async move {
            s.stage_times(
                pipeline.id,
                &AnalyticsFilter::default(),
                Breakdown::Total,
                Scope::All,
            )
            .await
            .map(drop)
            .map_err(Into::into)
        }
    })
    .await?;
    rows.push(("query: time in stage".into(), best, median));
    let (best, median) = timed(runs, || {
        let (s, f) = (s.clone(), filter.clone());
        async move {
            s.directly_follows(&f, Scope::All)
                .await
                .map(drop)
                .map_err(Into::into)
        }
    })
    .await?;
    rows.push(("query: directly-follows graph".into(), best, median));
    served.stop().await;
    store.close().await;
    if url == format!("sqlite://{}", path.display()) {
        crate::bench::remove_database(&path);
    }
    println!();
    println!(
        "salesflow bench — analytics, {opportunities} opportunities, {total_events} events, {}, {} cores",
        if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        },
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    if reuse && existing > 0 {
        println!("reused the data set (statistics refreshed in {generated:.0} s)");
    } else {
        println!(
            "generated in {generated:.0} s ({:.0} events/s)",
            total_events as f64 / generated
        );
    }
    println!();
    println!("| report | fastest | median of {runs} |");
    println!("|---|---|---|");
    for (name, best, median) in rows {
        println!("| {name} | {best:.2} s | {median:.2} s |");
    }
    Ok(())
}
