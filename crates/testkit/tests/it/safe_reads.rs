//! GET never changes state (RELIABILITY goal 24): in a company with a lead and an order taken all
//! the way to payment, an admin opens every read of the API document and every page, and every
//! table keeps its rows, versions and last changes as they were.

use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::orders::finished_order;
use serde_json::{Value, json};

/// Sessions, token use, the sign-in throttle and the job queue change on their own; nothing else may.
const VOLATILE: [&str; 4] = ["sessions", "login_failures", "api_tokens", "jobs"];

/// Per table: its row count, and the newest `updated_at` and the sum of `version` where it has them.
async fn fingerprint(t: &TestApp) -> Vec<String> {
    let pool = t.store.pool();
    let catalog = if salesflow_testkit::db::use_postgres() {
        "SELECT CAST(tablename AS TEXT) FROM pg_tables WHERE schemaname = 'public' ORDER BY 1"
    } else {
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
    };
    let tables: Vec<String> = sqlx::query_scalar(catalog).fetch_all(pool).await.unwrap();
    let mut print = Vec::new();
    for table in tables.iter().filter(|t| !VOLATILE.contains(&t.as_str())) {
        let count: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(pool)
                .await
                .unwrap();
        print.push(format!("{table}: {count} rows"));
        for probe in [
            format!("SELECT CAST(MAX(updated_at) AS TEXT) FROM {table}"),
            format!("SELECT CAST(SUM(version) AS TEXT) FROM {table}"),
        ] {
            // Tables without the column refuse the probe; that is fine.
            if let Ok(v) =
                sqlx::query_scalar::<_, Option<String>>(sqlx::AssertSqlSafe(probe.clone()))
                    .fetch_one(pool)
                    .await
            {
                print.push(format!("{table}: {probe} = {v:?}"));
            }
        }
    }
    print
}

/// `template` with `{id}` (and any other parameter) filled from `ids` by the collection it names.
fn filled(template: &str, ids: &[(&str, String)]) -> String {
    let collection = template
        .trim_start_matches("/api/v1/")
        .split('/')
        .next()
        .unwrap_or("");
    let id = ids
        .iter()
        .find(|(c, _)| *c == collection)
        .map_or_else(|| uuid::Uuid::now_v7().to_string(), |(_, id)| id.clone());
    template
        .split('/')
        .map(|s| if s.starts_with('{') { id.as_str() } else { s })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reading_every_page_and_api_route_changes_nothing() {
    let t = TestApp::spawn().await;
    t.company_ready().await;
    let admin = t.user(Role::Admin, None).await;
    let api = t.api_as(&admin).await;
    let done = finished_order(&t, &TestApp::actor(&admin), &api).await;
    let lead = api
        .ok("/api/v1/leads", &json!({"last_name": "Reader"}), "lead")
        .await;
    let order = api.get(&done.order).await.json["order"].clone();
    let last = |path: &str| path.rsplit('/').next().unwrap_or_default().to_string();
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let ids = [
        ("orders", last(&done.order)),
        ("deliveries", last(&done.delivery)),
        ("invoices", last(&done.invoice)),
        ("payments", last(&done.payment)),
        ("leads", text(&lead["id"])),
        ("accounts", text(&order["account_id"])),
        ("quotes", text(&order["quote_id"])),
    ];
    let session = t.session_as(&admin).await;
    let document = api.get("/api/openapi.json").await.json;
    let reads: Vec<String> = document["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, ops)| ops.get("get").is_some())
        .map(|(path, _)| filled(path, &ids))
        .collect();
    assert!(reads.len() > 80, "the API document lists its reads");

    // The feed's consumers (read models, notifications) first handle what the set-up wrote;
    // then a read writes nothing at all.
    t.settle().await;
    let before = fingerprint(&t).await;
    let mut opened = 0;
    for path in &reads {
        assert!(api.get(path).await.status.as_u16() < 500, "{path}");
        // The page of the same thing, where there is one.
        let page = path.trim_start_matches("/api/v1");
        assert!(session.get(page).await.0.as_u16() < 500, "{page}");
        opened += 2;
    }
    for page in [
        "/",
        "/my-day",
        "/pipeline",
        "/analytics",
        "/analytics/backtest",
        "/approvals",
        "/receivables",
        "/stock",
        "/warehouse",
        "/notifications",
        "/imports",
        "/settings",
        "/settings/audit",
        "/settings/mail",
        "/settings/feed",
        "/settings/pipelines",
        "/settings/quotes",
        "/settings/qualification",
        "/settings/assignment",
        "/settings/users",
    ] {
        assert!(session.get(page).await.0.as_u16() < 500, "{page}");
        opened += 1;
    }
    let after = fingerprint(&t).await;
    let changed: Vec<_> = before.iter().zip(&after).filter(|(b, a)| b != a).collect();
    assert!(changed.is_empty(), "{opened} reads changed: {changed:?}");
    assert_eq!(before.len(), after.len());
    t.shutdown().await;
}
