//! The forecast backtest: the weekly snapshot job copies the open pipeline once per week; a
//! month later the backtest sets each method's prediction from it beside what was won, per
//! reader.

use jiff::{SignedDuration, Span};
use salesflow_domain::role::Role;
use salesflow_testkit::{Api, TestApp};
use serde_json::Value;

use super::analytics::{LOST, WON, deal, early_in_a_quarter, move_to};

async fn month_row(api: &Api, month: &str) -> Value {
    let reply = api.get("/api/v1/analytics/backtest").await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    reply.json["backtest"]["months"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["month"] == month)
        .unwrap_or_else(|| panic!("no {month} in {}", reply.text))
        .clone()
}

fn figures(row: &Value) -> Vec<i64> {
    [
        &row["deals"],
        &row["weighted_minor"],
        &row["historical_minor"],
        &row["won_deals"],
        &row["won_minor"],
    ]
    .iter()
    .map(|v| v.as_i64().unwrap())
    .collect()
}

#[tokio::test]
async fn each_method_is_set_beside_what_was_won() {
    let t = TestApp::spawn().await;
    early_in_a_quarter(&t);
    let team = t.team("North").await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = t.api_as(&admin_user).await;
    let rep_a_user = t.user(Role::SalesRep, Some(team)).await;
    let rep_a = t.api_as(&rep_a_user).await;
    let rep_b = t.api_as(&t.user(Role::SalesRep, None).await).await;

    // History: of two deals closed from prospecting one was won, so prospecting wins 50 %.
    let today = t.app.today();
    let mut h1 = deal(&rep_a, "History won", &today.to_string()).await;
    let mut h2 = deal(&rep_a, "History lost", &today.to_string()).await;
    move_to(&rep_a, &mut h1, WON).await;
    move_to(&rep_a, &mut h2, LOST).await;

    // Three open deals of 1,000.00 expected next month: two of rep A, one of rep B.
    let next = today
        .first_of_month()
        .checked_add(Span::new().months(1))
        .unwrap();
    let close = next.checked_add(Span::new().days(14)).unwrap().to_string();
    let mut a1 = deal(&rep_a, "A1", &close).await;
    deal(&rep_a, "A2", &close).await;
    let mut b1 = deal(&rep_b, "B1", &close).await;
    let probability = admin
        .get(&format!("/api/v1/opportunities/{}", a1.id))
        .await
        .json["opportunity"]["probability"]
        .as_i64()
        .unwrap();
    let weighted = 100_000 * probability / 100;

    // The job takes this week's snapshot; taking it again in the same week changes nothing.
    t.app.ensure_recurring_jobs().await.unwrap();
    while t.app.run_next_job("test").await.unwrap() {}
    assert_eq!(t.app.take_forecast_snapshots().await.unwrap(), 0);

    // Next month A1 is won and B1 lost; then the month ends.
    t.clock.advance(SignedDuration::from_hours(24 * 31));
    move_to(&rep_a, &mut a1, WON).await;
    move_to(&rep_b, &mut b1, LOST).await;
    t.clock.advance(SignedDuration::from_hours(24 * 31));

    let month = next.strftime("%Y-%m").to_string();
    let all = month_row(&admin, &month).await;
    assert_eq!(figures(&all), [3, 3 * weighted, 150_000, 1, 100_000]);
    assert_eq!(all["in_progress"], false);
    let range = &all["range"];
    let (p10, p50, p90) = (
        range["p10"].as_i64().unwrap(),
        range["p50"].as_i64().unwrap(),
        range["p90"].as_i64().unwrap(),
    );
    assert!(p10 <= p50 && p50 <= p90 && p90 <= 300_000, "{range}");
    assert!(p90 > 0 && p10 < 300_000, "{range}");

    // Each rep sees the deals they owned and what they won, nothing of the other's.
    assert_eq!(
        figures(&month_row(&rep_a, &month).await),
        [2, 2 * weighted, 100_000, 1, 100_000]
    );
    assert_eq!(
        figures(&month_row(&rep_b, &month).await),
        [1, weighted, 50_000, 0, 0]
    );

    // The page shows the month with what was won.
    let (status, html) = t
        .session_as(&admin_user)
        .await
        .get("/analytics/backtest")
        .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("id=\"backtest\"") && html.contains(&month),
        "{html}"
    );
    assert!(html.contains("1,000.00"), "{html}");
    let (_, analytics) = t.session_as(&rep_a_user).await.get("/analytics").await;
    assert!(
        analytics.contains("href=\"/analytics/backtest"),
        "{analytics}"
    );
}
