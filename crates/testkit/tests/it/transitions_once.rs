//! Each transition takes effect once: 20 parallel submissions of the same confirmation, shipment
//! or posting make exactly one transition and one set of ledger rows, the rest 409
//! (RELIABILITY.md goal 3); with an `Idempotency-Key`, 100 sequential and 20 concurrent replays of
//! a confirmation or a posting have one effect and get the first answer back (goal 9).

use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::orders::{accepted_order, stocked_product};
use serde_json::{Value, json};

struct Caller {
    client: reqwest::Client,
    token: String,
}

impl Caller {
    async fn office(t: &TestApp) -> Self {
        let user = t.user(Role::Admin, None).await;
        let token = t
            .app
            .create_token(&TestApp::actor(&user), user.id, "parallel", None)
            .await
            .unwrap()
            .1;
        Self {
            client: reqwest::Client::new(),
            token,
        }
    }

    /// `n` identical POSTs at once: (status, body) of each.
    async fn parallel(
        &self,
        url: String,
        body: &Value,
        key: Option<&str>,
        n: usize,
    ) -> Vec<(u16, String)> {
        let mut tasks = Vec::new();
        for _ in 0..n {
            let mut request = self.client.post(&url).bearer_auth(&self.token).json(body);
            if let Some(key) = key {
                request = request.header("Idempotency-Key", key);
            }
            tasks.push(tokio::spawn(async move {
                let r = request.send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }));
        }
        let mut answers = Vec::new();
        for task in tasks {
            answers.push(task.await.unwrap());
        }
        answers
    }
}

async fn count(t: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_string()))
        .fetch_one(t.store.pool())
        .await
        .unwrap()
}

/// One 200, the rest 409; the body of the success.
fn one_success(answers: &[(u16, String)]) -> Value {
    let ok: Vec<&(u16, String)> = answers.iter().filter(|a| a.0 == 200).collect();
    assert_eq!(ok.len(), 1, "{answers:?}");
    assert!(
        answers.iter().all(|a| a.0 == 200 || a.0 == 409),
        "{answers:?}"
    );
    serde_json::from_str(&ok[0].1).unwrap()
}

#[tokio::test]
async fn twenty_parallel_submissions_of_one_transition_take_effect_once() {
    let t = TestApp::spawn().await;
    let caller = Caller::office(&t).await;
    let admin = TestApp::actor(&t.user(Role::Admin, None).await);
    stocked_product(&t, &admin, "WIDGET", "10.00", "10").await;
    let office = t.api_as(&t.user(Role::Admin, None).await).await;
    let order = accepted_order(&t, &admin, "Parallel Ltd", "2 x WIDGET").await;

    let confirm = t.url(&format!("/api/v1/orders/{}/confirm", order.id));
    let confirmed = one_success(
        &caller
            .parallel(confirm, &json!({ "version": 1 }), None, 20)
            .await,
    );
    let reservations = "SELECT COUNT(*) FROM stock_moves WHERE kind = 'reservation'";
    assert_eq!(count(&t, reservations).await, 1);

    let delivery = office
        .ok(
            &format!("/api/v1/orders/{}/releases", order.id),
            &json!({ "version": confirmed["order"]["version"] }),
            "delivery",
        )
        .await;
    let ship = t.url(&format!(
        "/api/v1/deliveries/{}/ship",
        delivery["id"].as_str().unwrap()
    ));
    let body = json!({ "carrier": "DHL", "version": delivery["version"] });
    one_success(&caller.parallel(ship, &body, None, 20).await);
    let shipments = "SELECT COUNT(*) FROM stock_moves WHERE kind = 'shipment'";
    assert_eq!(count(&t, shipments).await, 1);

    let draft = office.get("/api/v1/invoices?status=draft").await.json["invoices"][0].clone();
    let post = t.url(&format!(
        "/api/v1/invoices/{}/post",
        draft["id"].as_str().unwrap()
    ));
    let posted = one_success(
        &caller
            .parallel(post, &json!({ "version": draft["version"] }), None, 20)
            .await,
    );
    assert_eq!(posted["invoice"]["number"], "INV-00001");
    let numbered = "SELECT COUNT(*) FROM invoices WHERE number IS NOT NULL";
    assert_eq!(count(&t, numbered).await, 1);
    let level = &office.get("/api/v1/stock").await.json["levels"][0];
    assert_eq!(
        (
            level["on_hand_milli"].as_i64(),
            level["reserved_milli"].as_i64()
        ),
        (Some(8_000), Some(0))
    );
    assert_eq!(t.app.store.ledger_mismatches().await.unwrap(), 0);
    t.shutdown().await;
}

/// 100 sequential and 20 concurrent replays of `body` with `key`: all get the first answer.
async fn replayed(caller: &Caller, url: &str, body: &Value, key: &str) -> Value {
    let first = caller
        .parallel(url.into(), body, Some(key), 1)
        .await
        .remove(0);
    assert_eq!(first.0, 200, "{}", first.1);
    for _ in 0..100 {
        let again = caller
            .client
            .post(url)
            .bearer_auth(&caller.token)
            .header("Idempotency-Key", key)
            .json(body)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), 200);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        assert_eq!(again.text().await.unwrap(), first.1);
    }
    let together = caller.parallel(url.into(), body, Some(key), 20).await;
    assert!(together.iter().all(|a| a == &first), "{together:?}");
    let other = caller
        .parallel(url.into(), &json!({ "version": 99 }), Some(key), 1)
        .await
        .remove(0);
    assert_eq!(other.0, 422);
    assert!(other.1.contains("idempotency_key_reused"), "{}", other.1);
    let elsewhere = caller
        .parallel(format!("{url}?again=1"), body, Some(key), 1)
        .await
        .remove(0);
    assert_eq!(elsewhere.0, 422, "the query is part of the request");
    serde_json::from_str(&first.1).unwrap()
}

#[tokio::test]
async fn confirmation_and_posting_replay_with_their_idempotency_key() {
    let t = TestApp::spawn().await;
    let caller = Caller::office(&t).await;
    let admin = TestApp::actor(&t.user(Role::Admin, None).await);
    stocked_product(&t, &admin, "WIDGET", "10.00", "10").await;
    let office = t.api_as(&t.user(Role::Admin, None).await).await;
    let order = accepted_order(&t, &admin, "Retry GmbH", "3 x WIDGET").await;
    let confirm = t.url(&format!("/api/v1/orders/{}/confirm", order.id));
    let confirmed = replayed(&caller, &confirm, &json!({ "version": 1 }), "confirm-1").await;
    assert_eq!(confirmed["order"]["status"], "confirmed");
    let reservations = "SELECT COUNT(*) FROM stock_moves WHERE kind = 'reservation'";
    assert_eq!(count(&t, reservations).await, 1);
    let events = "SELECT COUNT(*) FROM events WHERE activity = 'confirmed'";
    assert_eq!(count(&t, events).await, 1);

    let draft = office.get("/api/v1/invoices?status=draft").await.json["invoices"][0].clone();
    let post = t.url(&format!(
        "/api/v1/invoices/{}/post",
        draft["id"].as_str().unwrap()
    ));
    let posted = replayed(
        &caller,
        &post,
        &json!({ "version": draft["version"] }),
        "post-1",
    )
    .await;
    assert_eq!(posted["invoice"]["number"], "INV-00001");
    let numbered = "SELECT COUNT(*) FROM invoices WHERE number IS NOT NULL";
    assert_eq!(count(&t, numbered).await, 1);
    // The next posting still takes the next number: no number was used up by the replays.
    let next = accepted_order(&t, &admin, "Second AG", "1 x WIDGET").await;
    office
        .ok(
            &format!("/api/v1/orders/{}/confirm", next.id),
            &json!({ "version": 1 }),
            "order",
        )
        .await;
    let draft = office.get("/api/v1/invoices?status=draft").await.json["invoices"][0].clone();
    let second = office
        .ok(
            &format!("/api/v1/invoices/{}/post", draft["id"].as_str().unwrap()),
            &json!({ "version": draft["version"] }),
            "invoice",
        )
        .await;
    assert_eq!(second["number"], "INV-00002");
    t.shutdown().await;
}

#[tokio::test]
async fn an_idempotency_key_never_lifts_the_routes_body_limit() {
    let t = TestApp::spawn().await;
    let caller = Caller::office(&t).await;
    let url = t.url("/api/v1/leads");
    // 3 MiB: over the 2 MiB every route but the import takes, far under the import's limit.
    let huge = json!({ "last_name": "x".repeat(3 * 1024 * 1024) });
    let refused = caller
        .parallel(url.clone(), &huge, Some("big-1"), 1)
        .await
        .remove(0);
    assert_eq!(refused.0, 413, "{}", refused.1);
    assert!(refused.1.contains("body_too_large"), "{}", refused.1);
    // Refused before the key was claimed: the key is still free for a real request.
    let small = json!({ "last_name": "Small" });
    let created = caller
        .parallel(url, &small, Some("big-1"), 1)
        .await
        .remove(0);
    assert_eq!(created.0, 201, "{}", created.1);
    t.shutdown().await;
}
