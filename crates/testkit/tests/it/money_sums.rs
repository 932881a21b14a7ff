//! Sums of money never overflow: the board, the analytics and the forecast with deals at the
//! largest amount a document takes, and the exact two-part SQL sum over extreme values on the
//! database under test.

use proptest::prelude::*;
use proptest::test_runner::TestRunner;
use salesflow_domain::money::MAX_AMOUNT_MINOR;
use salesflow_domain::role::Role;
use salesflow_testkit::{TestApp, TestDb};
use serde_json::json;
use sqlx::Row;

const NEGOTIATION: &str = "0190a000-0000-7000-8000-000000000105";
const DEALS: i64 = 120;

#[tokio::test]
async fn reports_stay_correct_with_many_deals_at_the_largest_amount() {
    let t = TestApp::spawn().await;
    let team = t.team("Big deals").await;
    let rep = t.user(Role::SalesRep, Some(team)).await;
    let manager = t.user(Role::SalesManager, Some(team)).await;
    let api = t.api_as(&rep).await;
    let account = api
        .ok(
            "/api/v1/accounts",
            &json!({ "name": "Huge Ltd" }),
            "account",
        )
        .await;
    let contact = api
        .ok(
            "/api/v1/contacts",
            &json!({ "last_name": "Huge", "account_id": account["id"] }),
            "contact",
        )
        .await;
    let largest = "10000000000000.00"; // MAX_AMOUNT_MINOR cents
    assert_eq!(MAX_AMOUNT_MINOR, 1_000_000_000_000_000);
    let close = t.app.today().to_string();
    for i in 0..DEALS {
        let deal = api
            .ok(
                "/api/v1/opportunities",
                &json!({ "name": format!("Deal {i}"), "account_id": account["id"],
                         "contact_id": contact["id"], "amount": largest, "close_date": close }),
                "opportunity",
            )
            .await;
        let moved = api
            .post(
                &format!(
                    "/api/v1/opportunities/{}/move",
                    deal["id"].as_str().unwrap()
                ),
                &json!({ "stage_id": NEGOTIATION, "version": deal["version"] }),
            )
            .await;
        assert_eq!(moved.status, 200, "{}", moved.text);
    }
    // Σ amount × probability = 120 × 10^15 × 80 = 9.6 × 10^18: past 64 bits before dividing.
    let total_minor = i128::from(DEALS) * i128::from(MAX_AMOUNT_MINOR);
    for reader in [&api, &t.api_as(&manager).await] {
        let board = reader.get("/api/v1/board").await;
        assert_eq!(board.status, 200, "{}", board.text);
        let column = board.json["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["stage"]["id"] == NEGOTIATION)
            .unwrap();
        let totals = &column["totals"][0];
        assert_eq!(totals["count"], DEALS, "{column}");
        assert_eq!(totals["amount"], "1200000000000000.00");
        assert_eq!(
            totals["amount_minor"].as_i64().map(i128::from),
            Some(total_minor)
        );
        assert_eq!(totals["weighted"], "960000000000000.00");

        let funnel = reader.get("/api/v1/analytics/funnel").await;
        assert_eq!(funnel.status, 200, "{}", funnel.text);
        let forecast = reader.get("/api/v1/analytics/forecast").await;
        assert_eq!(forecast.status, 200, "{}", forecast.text);
        let quarter = &forecast.json["forecast"]["quarter"];
        assert_eq!(quarter["deals"], DEALS, "{}", forecast.text);
        assert_eq!(
            quarter["weighted_minor"].as_i64().map(i128::from),
            Some(total_minor * 80 / 100)
        );
        assert_eq!(reader.get("/api/v1/analytics/backtest").await.status, 200);
    }
    let session = t.session_as(&manager).await;
    for page in ["/pipeline", "/analytics"] {
        let (status, html) = session.get(page).await;
        assert_eq!(status, 200, "{page}");
        assert!(
            html.contains("1,200,000,000,000,000.00"),
            "{page} shows the exact sum"
        );
    }
    t.shutdown().await;
}

/// Rows for one sum, from the generator: extreme and ordinary values of both signs.
fn values() -> impl Strategy<Value = Vec<i64>> {
    let value = prop_oneof![
        Just(i64::MAX),
        Just(i64::MIN + 1),
        Just(MAX_AMOUNT_MINOR * 100),
        Just(-MAX_AMOUNT_MINOR * 100),
        any::<i64>(),
        -1_000_000i64..1_000_000,
    ];
    proptest::collection::vec(value, 0..40)
}

#[test]
fn the_two_part_sum_is_exact_for_any_rows() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (db, store) = runtime.block_on(async {
        let db = TestDb::create().await;
        let store = salesflow::server::open_store(&db.url, 2)
            .await
            .expect("open");
        sqlx::query("CREATE TABLE sum_probe (g BIGINT NOT NULL, v BIGINT NOT NULL)")
            .execute(store.pool())
            .await
            .unwrap();
        (db, store)
    });
    let config = ProptestConfig {
        cases: 48,
        ..ProptestConfig::default()
    };
    let groups = proptest::collection::vec(values(), 1..4);
    let result = TestRunner::new(config).run(&groups, |groups| {
        runtime.block_on(check_sums(&store, &groups));
        Ok(())
    });
    runtime.block_on(async {
        store.close().await;
        db.drop().await;
    });
    result.unwrap();
}

async fn check_sums(store: &salesflow_store::SqlStore, groups: &[Vec<i64>]) {
    let pool = store.pool();
    sqlx::query("DELETE FROM sum_probe")
        .execute(pool)
        .await
        .unwrap();
    for (g, rows) in groups.iter().enumerate() {
        for v in rows {
            sqlx::query("INSERT INTO sum_probe (g, v) VALUES ($1, $2)")
                .bind(g as i64)
                .bind(*v)
                .execute(pool)
                .await
                .unwrap();
        }
    }
    let sql = format!(
        "SELECT g, {} FROM sum_probe GROUP BY g ORDER BY g",
        salesflow_store::sums::wide_sum("v", "total")
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .fetch_all(pool)
        .await
        .unwrap();
    let non_empty: Vec<&Vec<i64>> = groups.iter().filter(|g| !g.is_empty()).collect();
    assert_eq!(rows.len(), non_empty.len());
    for (row, expected) in rows.iter().zip(non_empty) {
        let got = salesflow_store::sums::wide(row, "total").unwrap();
        let want: i128 = expected.iter().map(|v| i128::from(*v)).sum();
        assert_eq!(got, want, "group {}", row.get::<i64, _>("g"));
    }
}
