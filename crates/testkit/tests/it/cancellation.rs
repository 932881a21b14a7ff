//! Cancelling an order: its reserved stock goes back through the ledger and its draft invoice
//! is voided, in one step; once goods are released for picking it can no longer be cancelled.

use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::orders::{accepted_order, product, stocked_product};
use serde_json::json;

#[tokio::test]
async fn a_confirmed_order_is_cancelled_and_gives_its_stock_back() {
    let t = TestApp::spawn().await;
    let admin = TestApp::actor(&t.user(Role::Admin, None).await);
    let office = t.api_as(&t.user(Role::Admin, None).await).await;
    let rep = t.api_as(&t.user(Role::SalesRep, None).await).await;
    stocked_product(&t, &admin, "VALVE", "30.00", "10").await;
    let level = || async {
        let l = office.get("/api/v1/stock").await.json["levels"][0].clone();
        (
            l["on_hand_milli"].as_i64().unwrap(),
            l["reserved_milli"].as_i64().unwrap(),
        )
    };
    let order = accepted_order(&t, &admin, "Changed Mind Ltd", "4 x VALVE").await;
    let path = format!("/api/v1/orders/{}", order.id);
    let confirmed = office
        .ok(
            &format!("{path}/confirm"),
            &json!({ "version": 1 }),
            "order",
        )
        .await;
    assert_eq!(level().await, (10_000, 4_000));

    let no_reason = office
        .post(
            &format!("{path}/cancel"),
            &json!({ "version": confirmed["version"], "reason": " " }),
        )
        .await;
    assert_eq!(
        (no_reason.status.as_u16(), no_reason.code()),
        (422, "required")
    );
    let not_allowed = rep
        .post(
            &format!("{path}/cancel"),
            &json!({ "version": confirmed["version"], "reason": "No" }),
        )
        .await;
    assert_eq!(
        not_allowed.status, 404,
        "a rep does not see another's order"
    );
    let cancelled = office
        .ok(
            &format!("{path}/cancel"),
            &json!({ "version": confirmed["version"], "reason": "Customer withdrew" }),
            "order",
        )
        .await;
    assert_eq!(cancelled["status"], "cancelled");
    assert_eq!(level().await, (10_000, 0), "the reservation went back");
    let invoice = office.get("/api/v1/invoices").await.json["invoices"][0].clone();
    assert_eq!(invoice["status"], "voided");
    let post = office
        .post(
            &format!("/api/v1/invoices/{}/post", invoice["id"].as_str().unwrap()),
            &json!({ "version": invoice["version"] }),
        )
        .await;
    assert_eq!((post.status.as_u16(), post.code()), (409, "invoice_posted"));
    let again = office
        .post(
            &format!("{path}/cancel"),
            &json!({ "version": cancelled["version"], "reason": "Twice" }),
        )
        .await;
    assert_eq!(
        (again.status.as_u16(), again.code()),
        (409, "not_cancellable")
    );
    let moves: Vec<String> = office.get("/api/v1/stock/moves").await.json["moves"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|m| m["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(moves, ["receipt", "reservation", "release"]);

    // Released for picking: no longer cancellable.
    let picked = accepted_order(&t, &admin, "Committed GmbH", "1 x VALVE").await;
    let path = format!("/api/v1/orders/{}", picked.id);
    let confirmed = office
        .ok(
            &format!("{path}/confirm"),
            &json!({ "version": 1 }),
            "order",
        )
        .await;
    office
        .ok(
            &format!("{path}/releases"),
            &json!({ "version": confirmed["version"] }),
            "delivery",
        )
        .await;
    let version = office.get(&path).await.json["order"]["version"].clone();
    let late = office
        .post(
            &format!("{path}/cancel"),
            &json!({ "version": version, "reason": "Too late" }),
        )
        .await;
    assert_eq!(
        (late.status.as_u16(), late.code()),
        (409, "not_cancellable")
    );
    assert_eq!(t.app.store.ledger_mismatches().await.unwrap(), 0);
    t.shutdown().await;
}

#[tokio::test]
async fn a_manager_cancels_from_the_order_page() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    product(&t, &admin, "HOSE", "5.00", false).await;
    let order = accepted_order(&t, &admin, "Page Customer", "2 x HOSE").await;
    let page = t.session_as(&admin_user).await;
    let path = format!("/orders/{}", order.id);
    let (status, html) = page.get(&path).await;
    assert_eq!(status, 200);
    assert!(html.contains("id=\"cancel-order\""), "{html}");
    let r = page
        .post(
            &format!("{path}/cancel"),
            &[("version", "1"), ("reason", "Ordered twice")],
        )
        .await;
    assert!(r.status().is_success() || r.status().is_redirection());
    let (_, html) = page.get(&path).await;
    assert!(
        html.contains("status-cancelled") && html.contains("Ordered twice"),
        "{html}"
    );
    assert!(!html.contains("id=\"cancel-order\""));
    t.shutdown().await;
}
