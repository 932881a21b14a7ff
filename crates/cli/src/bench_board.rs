//! `salesflow bench --suite board`: the pipeline board over a pipeline with many open
//! opportunities, through the real HTTP server: whole boards (every column's totals and first
//! page), boards as a team manager and filtered by owner, and next pages of one column.

use std::sync::Arc;

use anyhow::Result;
use salesflow_app::clock::SystemClock;
use salesflow_app::users::NewUser;
use salesflow_app::{Actor, App};
use salesflow_domain::ids::OpportunityId;
use salesflow_domain::opportunity::{Opportunity, OpportunityDetails, OpportunityInput};
use salesflow_domain::record::RecordMeta;
use salesflow_domain::role::Role;

use crate::bench::{Measured, drive};
use crate::demo::Rng;

/// A user of a benchmark data set (without a usable password).
pub(crate) async fn user(
    app: &App,
    name: &str,
    role: Role,
    team: Option<salesflow_domain::ids::TeamId>,
) -> Result<Actor> {
    let record = app
        .create_user(
            None,
            NewUser {
                email: format!(
                    "{}@bench.salesflow.test",
                    name.to_lowercase().replace(' ', ".")
                ),
                name: name.into(),
                role,
                team_id: team,
                password: salesflow_app::secret::new_secret(""),
            },
        )
        .await
        .map_err(crate::admin::describe)?;
    Ok(Actor::of(&record))
}

pub async fn run(open: u64, clients: usize, seconds: u64) -> Result<()> {
    let path =
        std::env::temp_dir().join(format!("salesflow-bench-board-{}.db", std::process::id()));
    let store = crate::server::open_store(&format!("sqlite://{}", path.display()), 16).await?;
    let app = crate::server::app(store.clone(), Arc::new(SystemClock));
    let admin = user(&app, "Board Admin", Role::Admin, None).await?;
    let north = app
        .create_team(None, "North")
        .await
        .map_err(crate::admin::describe)?
        .id;
    let south = app
        .create_team(None, "South")
        .await
        .map_err(crate::admin::describe)?
        .id;
    let manager = user(&app, "North Manager", Role::SalesManager, Some(north)).await?;
    let mut reps = Vec::new();
    for i in 0..20 {
        let team = if i % 2 == 0 { north } else { south };
        reps.push(user(&app, &format!("Rep {i}"), Role::SalesRep, Some(team)).await?);
    }
    let pipeline = app
        .pipeline_for_new(None)
        .await
        .map_err(crate::admin::describe)?;
    // Open deals spread over the open stages, plus a fifth as many closed ones.
    let closed = open / 5;
    let mut rng = Rng::new(11);
    let mut batch: Vec<(Opportunity, salesflow_app::ports::EventRecord)> = Vec::new();
    for i in 0..open + closed {
        let rep = &reps[rng.below(reps.len() as u64) as usize];
        let stage = if i < open {
            &pipeline.stages[rng.below(5) as usize]
        } else {
            &pipeline.stages[5 + rng.below(2) as usize]
        };
        let input = OpportunityInput {
            name: Some(format!("Deal {i}")),
            amount: Some(format!("{}.00", 1_000 + rng.below(200_000))),
            close_date: Some(format!(
                "2027-{:02}-{:02}",
                1 + rng.below(12),
                1 + rng.below(28)
            )),
            ..Default::default()
        };
        let details =
            OpportunityDetails::parse(&input, None, app.config.default_currency, stage.probability)
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let meta = RecordMeta::new(rep.user_id, rep.team_id, app.now());
        let (mut o, change) = Opportunity::new(
            OpportunityId(uuid::Uuid::now_v7()),
            details,
            &pipeline,
            None,
            None,
            None,
            meta,
        )
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        o.stage_id = stage.id;
        o.stage_key = stage.key.clone();
        o.status = stage.kind.into();
        let event = app.event_for(rep, &o, change);
        batch.push((o, event));
        if batch.len() == 2_000 {
            let (opps, events): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
            store
                .insert_batch(&opps, &events)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
    }
    let (opps, events): (Vec<_>, Vec<_>) = batch.drain(..).unzip();
    store
        .insert_batch(&opps, &events)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    sqlx::query("ANALYZE").execute(store.pool()).await?;
    eprintln!("generated {open} open and {closed} closed opportunities");

    let (_, admin_token) = app
        .create_token(&admin, admin.user_id, "bench", None)
        .await
        .map_err(crate::admin::describe)?;
    let (_, manager_token) = app
        .create_token(&manager, manager.user_id, "bench", None)
        .await
        .map_err(crate::admin::describe)?;
    let served = crate::bench::Served::start(&app).await?;
    let base = served.base.clone();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(clients)
        .build()?;
    let cursor_url = format!(
        "{base}/api/v1/board?stage={}&limit=20",
        pipeline.stages[0].id
    );
    let get = move |token: String, path: String| {
        let (client, base) = (client.clone(), base.clone());
        async move {
            match client
                .get(format!("{base}{path}"))
                .bearer_auth(token)
                .send()
                .await
            {
                Ok(r) => r.status().is_success() && r.bytes().await.is_ok(),
                Err(_) => false,
            }
        }
    };
    // A cursor into the middle of the busiest column, for "next page".
    let first_page = reqwest::Client::new()
        .get(cursor_url)
        .bearer_auth(&admin_token)
        .send()
        .await;
    let cursor = match first_page {
        Ok(r) => r
            .json::<serde_json::Value>()
            .await
            .ok()
            .and_then(|v| v["columns"][0]["next_cursor"].as_str().map(str::to_string)),
        Err(_) => None,
    }
    .unwrap_or_default();
    let mut results: Vec<Measured> = Vec::new();
    let owner = reps[0].user_id;
    let first_stage = pipeline.stages[0].id;
    let cases: Vec<(&str, String, String)> = vec![
        (
            "board: all columns, totals + 20 cards each (admin)",
            admin_token.clone(),
            "/api/v1/board".to_string(),
        ),
        (
            "board as a team manager (team visibility)",
            manager_token.clone(),
            "/api/v1/board".to_string(),
        ),
        (
            "board filtered by owner",
            admin_token.clone(),
            format!("/api/v1/board?owner={owner}"),
        ),
        (
            "one column, next page (cursor)",
            admin_token.clone(),
            format!("/api/v1/board?stage={first_stage}&limit=20&cursor={cursor}"),
        ),
    ];
    for (name, token, path) in cases {
        let get = get.clone();
        results.push(
            drive(name, clients, seconds, move |_| {
                get(token.clone(), path.clone())
            })
            .await,
        );
    }
    served.stop().await;
    store.close().await;
    crate::bench::remove_database(&path);
    println!();
    println!(
        "salesflow bench — pipeline board, {open} open + {closed} closed opportunities, {clients} clients, SQLite, {} cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!();
    println!("| operation | requests | errors | throughput | p50 | p99 |");
    println!("|---|---|---|---|---|---|");
    for m in &results {
        println!("{}", m.row());
    }
    Ok(())
}
