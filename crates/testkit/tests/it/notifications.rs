//! Hand-over notifications, written by their consumer of the event feed: whoever acts next is
//! told, the actor never, a role only when it may read the record, each user once per event.

use salesflow_app::ports::FeedStore;
use salesflow_domain::role::Role;
use salesflow_store::feed::READ_MODELS;
use salesflow_testkit::TestApp;
use salesflow_testkit::orders::finished_order;

/// `entity_type:activity` of each notification `user` has, sorted.
async fn told(t: &TestApp, user: &salesflow_app::ports::UserRecord) -> Vec<String> {
    let api = t.api_as(user).await;
    let reply = api.get("/api/v1/notifications").await;
    assert_eq!(reply.status, 200);
    let mut kinds: Vec<String> = reply.json["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            let e = &n["event"];
            format!(
                "{}:{}",
                e["entity_type"].as_str().unwrap(),
                e["activity"].as_str().unwrap()
            )
        })
        .collect();
    kinds.sort();
    kinds
}

#[tokio::test]
async fn hand_overs_tell_whoever_acts_next_once() {
    let t = TestApp::spawn().await;
    let seller = t.user(Role::Admin, None).await;
    let office = t.user(Role::Admin, None).await;
    let warehouse = t.user(Role::Warehouse, None).await;
    let finance = t.user(Role::Finance, None).await;
    let rep = t.user(Role::SalesRep, None).await;
    let office_api = t.api_as(&office).await;
    finished_order(&t, &TestApp::actor(&seller), &office_api).await;
    t.settle().await;

    // The customer accepted on the portal: the seller is told, and that an order waits.
    assert_eq!(
        told(&t, &seller).await,
        ["quote:accepted", "sales_order:created"]
    );
    // The office confirmed and released: the warehouse is told; the office of nothing it did.
    assert_eq!(
        told(&t, &warehouse).await,
        ["delivery:released", "sales_order:confirmed"]
    );
    assert_eq!(told(&t, &finance).await, ["invoice:created"]);
    assert!(told(&t, &office).await.is_empty());
    assert!(told(&t, &rep).await.is_empty());

    // Handled again from the start of the feed, nobody is told twice.
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM notifications")
            .fetch_one(t.store.pool())
            .await
            .unwrap()
    };
    let before = count().await;
    assert_eq!(before, 5);
    assert!(
        t.store
            .replay_consumer("notifications", 0, jiff::Timestamp::now())
            .await
            .unwrap()
    );
    t.settle().await;
    assert_eq!(count().await, before);
    let consumers = t.app.consumers().await.unwrap();
    let names: Vec<&str> = consumers.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["deadlines", "notifications", READ_MODELS]);
    t.shutdown().await;
}

#[tokio::test]
async fn who_asks_for_it_gets_each_notification_by_e_mail_once() {
    let sink = salesflow_testkit::smtp::SmtpSink::start().await;
    let t = TestApp::spawn_with_mail(&sink).await;
    let seller = t.user(Role::Admin, None).await;
    let office = t.user(Role::Admin, None).await;
    let warehouse = t.user(Role::Warehouse, None).await;
    let quiet = t.user(Role::Warehouse, None).await;
    let picker = t.api_as(&warehouse).await;
    let bad = picker
        .put(
            "/api/v1/notifications/email",
            &serde_json::json!({ "enabled": "yes" }),
        )
        .await;
    assert_eq!(bad.status, 422, "{}", bad.text);
    let on = picker
        .put(
            "/api/v1/notifications/email",
            &serde_json::json!({ "enabled": true }),
        )
        .await;
    assert_eq!(on.status, 200, "{}", on.text);
    assert_eq!(
        picker.get("/api/v1/notifications").await.json["email"],
        true
    );

    finished_order(&t, &TestApp::actor(&seller), &t.api_as(&office).await).await;
    t.settle().await;
    t.app.drain_jobs("test").await.unwrap();
    let to = |user: &salesflow_app::ports::UserRecord| {
        let address = format!("<{}>", user.email);
        sink.messages()
            .into_iter()
            .filter(|m| m.to.contains(&address))
            .map(|m| m.data)
            .collect::<Vec<_>>()
    };
    let mails = to(&warehouse);
    assert_eq!(mails.len(), 2, "{mails:?}");
    assert!(
        mails
            .iter()
            .any(|m| m.contains("Subject: Ready to inspect and pick: sales order"))
    );
    assert!(
        mails
            .iter()
            .any(|m| m.contains("Subject: Ready to ship: delivery"))
    );
    assert!(mails.iter().all(|m| m.contains("Open it in salesflow: ")));
    assert!(to(&quiet).is_empty(), "told in the app only");
    let listed = picker.get("/api/v1/notifications").await.json;
    let says: Vec<&str> = listed["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["says"].as_str().unwrap())
        .collect();
    assert!(says.contains(&"Ready to ship") && says.contains(&"Ready to inspect and pick"));

    // Handled again: no second e-mail.
    t.store
        .replay_consumer("notifications", 0, jiff::Timestamp::now())
        .await
        .unwrap();
    t.settle().await;
    t.app.drain_jobs("test").await.unwrap();
    assert_eq!(to(&warehouse).len(), 2);
    t.shutdown().await;
}
