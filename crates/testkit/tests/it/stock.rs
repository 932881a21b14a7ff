//! Stock: receipts and adjustments into an append-only ledger whose balances never go
//! negative, and order confirmation that reserves stock — never oversold, also with 50
//! concurrent confirmations for the last unit (RELIABILITY.md goal 1).

use salesflow_app::Actor;
use salesflow_app::entity::Origin;
use salesflow_domain::account::{Account, AccountInput};
use salesflow_domain::product::{Product, ProductInput};
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::orders::order_for;
use serde_json::json;

async fn product(t: &TestApp, admin: &Actor, sku: &str, stockable: bool) -> Product {
    let input = ProductInput {
        sku: Some(sku.into()),
        name: Some(format!("{sku} item")),
        list_price: Some("10.00".into()),
        stockable: Some(stockable.to_string()),
        ..Default::default()
    };
    t.app.create(admin, &input, Origin::Api).await.unwrap()
}

async fn account(t: &TestApp, admin: &Actor) -> String {
    let a: Account = t
        .app
        .create(
            admin,
            &AccountInput {
                name: Some("Stock customer".into()),
                ..Default::default()
            },
            Origin::Api,
        )
        .await
        .unwrap();
    a.id.to_string()
}

#[tokio::test]
async fn receipts_and_adjustments_keep_the_ledger_and_never_go_negative() {
    let t = TestApp::spawn().await;
    let admin = TestApp::actor(&t.user(Role::Admin, None).await);
    let warehouse = t.api_as(&t.user(Role::Warehouse, None).await).await;
    let rep = t.api_as(&t.user(Role::SalesRep, None).await).await;
    let widget = product(&t, &admin, "WIDGET", true).await;
    let service = product(&t, &admin, "SERVICE", false).await;
    let w = widget.id.to_string();
    let r = warehouse
        .post(
            "/api/v1/stock/receipts",
            &json!({ "product_id": w, "quantity": "10" }),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.text);
    assert_eq!(
        (
            r.json["level"]["on_hand"].as_str(),
            r.json["level"]["available"].as_str()
        ),
        (Some("10"), Some("10"))
    );
    let r = warehouse
        .post(
            "/api/v1/stock/adjustments",
            &json!({ "product_id": w, "quantity": "-2.5", "note": "Damaged in transit" }),
        )
        .await;
    assert_eq!(r.json["level"]["on_hand"], "7.5");
    // Refused, and nothing written: below zero, no reason, not stocked, bad numbers, reps.
    let cases = [
        (
            json!({ "product_id": w, "quantity": "-8", "note": "Recount" }),
            409,
            "insufficient_stock",
        ),
        (
            json!({ "product_id": w, "quantity": "-1" }),
            422,
            "required",
        ),
        (
            json!({ "product_id": service.id.to_string(), "quantity": "1" }),
            422,
            "not_stockable",
        ),
        (
            json!({ "product_id": w, "quantity": "0" }),
            422,
            "invalid_quantity",
        ),
        (
            json!({ "product_id": w, "quantity": "1", "warehouse_id": "NOWHERE" }),
            422,
            "unknown_warehouse",
        ),
    ];
    for (body, status, code) in cases {
        let path =
            if body.get("note").is_some() || body["quantity"].as_str().unwrap().starts_with('-') {
                "/api/v1/stock/adjustments"
            } else {
                "/api/v1/stock/receipts"
            };
        let r = warehouse.post(path, &body).await;
        assert_eq!(
            (r.status.as_u16(), r.code()),
            (status, code),
            "{body}: {}",
            r.text
        );
    }
    assert_eq!(
        rep.post(
            "/api/v1/stock/receipts",
            &json!({ "product_id": w, "quantity": "1" })
        )
        .await
        .status,
        403
    );
    let levels = rep.get(&format!("/api/v1/stock?product={w}")).await;
    assert_eq!(levels.json["levels"][0]["on_hand_milli"], 7500);
    let moves = warehouse.get("/api/v1/stock/moves").await.json["moves"].clone();
    let kinds: Vec<&str> = moves
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["adjustment", "receipt"]);
    // A second warehouse keeps its own balance.
    let berlin = warehouse
        .post(
            "/api/v1/warehouses",
            &json!({ "code": "ber", "name": "Berlin" }),
        )
        .await;
    assert_eq!(berlin.status, 201, "{}", berlin.text);
    warehouse
        .post(
            "/api/v1/stock/receipts",
            &json!({ "product_id": w, "quantity": "3", "warehouse_id": "BER" }),
        )
        .await;
    assert_eq!(
        warehouse.get("/api/v1/stock").await.json["levels"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    assert_eq!(t.app.store.ledger_mismatches().await.unwrap(), 0);
    // The ledger refuses edits and deletes at the database level.
    for sql in [
        "UPDATE stock_moves SET quantity_milli = 1",
        "DELETE FROM stock_moves",
    ] {
        assert!(
            sqlx::query(sql).execute(t.store.pool()).await.is_err(),
            "{sql}"
        );
    }
    t.shutdown().await;
}

#[tokio::test]
async fn confirming_reserves_stock_or_refuses_or_keeps_a_backorder() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let api = t.api_as(&admin_user).await;
    let widget = product(&t, &admin, "WIDGET", true).await;
    product(&t, &admin, "SETUP", false).await;
    let customer = account(&t, &admin).await;
    api.post(
        "/api/v1/stock/receipts",
        &json!({ "product_id": widget.id.to_string(), "quantity": "5" }),
    )
    .await;
    // 3 widgets and a service line: only the widgets are reserved.
    let first = order_for(&t, &admin, &customer, "3 x WIDGET\nSETUP").await;
    let r = api
        .post(
            &format!("/api/v1/orders/{}/confirm", first.id),
            &json!({ "version": 1 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["order"]["status"], "confirmed");
    assert_eq!(r.json["order"]["reservations"][0]["reserved_milli"], 3000);
    assert_eq!(r.json["order"]["reservations"].as_array().unwrap().len(), 1);
    let again = api
        .post(
            &format!("/api/v1/orders/{}/confirm", first.id),
            &json!({ "version": 2 }),
        )
        .await;
    assert_eq!((again.status.as_u16(), again.code()), (409, "wrong_status"));
    // 4 more do not fit: refused, nothing reserved.
    let second = order_for(&t, &admin, &customer, "4 x WIDGET").await;
    let r = api
        .post(
            &format!("/api/v1/orders/{}/confirm", second.id),
            &json!({ "version": 1 }),
        )
        .await;
    assert_eq!(
        (r.status.as_u16(), r.code()),
        (409, "insufficient_stock"),
        "{}",
        r.text
    );
    assert!(r.text.contains("2 available, 4 needed"), "{}", r.text);
    let level = &api.get("/api/v1/stock").await.json["levels"][0];
    assert_eq!(
        (
            level["reserved_milli"].as_i64(),
            level["available"].as_str()
        ),
        (Some(3000), Some("2"))
    );
    // With backorders allowed the order is confirmed with what there is.
    let put = api
        .call(
            reqwest::Method::PUT,
            "/api/v1/settings/fulfilment",
            Some(&json!({ "settings": { "allow_backorder": true }, "version": 0 })),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text);
    let r = api
        .post(
            &format!("/api/v1/orders/{}/confirm", second.id),
            &json!({ "version": 1 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let reservation = &r.json["order"]["reservations"][0];
    assert_eq!(
        (
            reservation["reserved_milli"].as_i64(),
            reservation["backorder_milli"].as_i64()
        ),
        (Some(2000), Some(2000))
    );
    let events = api
        .get(&format!("/api/v1/orders/{}/events", second.id))
        .await
        .json["events"]
        .clone();
    assert_eq!(events[0]["activity"], "confirmed");
    assert!(events[0]["changes"].to_string().contains("backorder"));
    assert_eq!(t.app.store.ledger_mismatches().await.unwrap(), 0);
    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_confirmations_for_the_last_unit_one_succeeds() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let api = std::sync::Arc::new(t.api_as(&admin_user).await);
    let widget = product(&t, &admin, "LAST", true).await;
    let customer = account(&t, &admin).await;
    api.post(
        "/api/v1/stock/receipts",
        &json!({ "product_id": widget.id.to_string(), "quantity": "1" }),
    )
    .await;
    let mut orders = Vec::new();
    for _ in 0..50 {
        orders.push(
            order_for(&t, &admin, &customer, "1 x LAST")
                .await
                .id
                .to_string(),
        );
    }
    let mut tasks = Vec::new();
    for id in orders {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            let r = api
                .post(
                    &format!("/api/v1/orders/{id}/confirm"),
                    &json!({ "version": 1 }),
                )
                .await;
            (r.status.as_u16(), r.code().to_string())
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    assert_eq!(
        results.iter().filter(|(s, _)| *s == 200).count(),
        1,
        "{results:?}"
    );
    assert_eq!(
        results
            .iter()
            .filter(|(s, c)| *s == 409 && c == "insufficient_stock")
            .count(),
        49,
        "{results:?}"
    );
    let level = &api.get("/api/v1/stock").await.json["levels"][0];
    assert_eq!(
        (
            level["on_hand_milli"].as_i64(),
            level["reserved_milli"].as_i64()
        ),
        (Some(1000), Some(1000))
    );
    assert_eq!(level["available"], "0");
    let reservations = api.get("/api/v1/stock/moves").await.json["moves"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "reservation")
        .count();
    assert_eq!(reservations, 1);
    assert_eq!(t.app.store.ledger_mismatches().await.unwrap(), 0);
    t.shutdown().await;
}

#[tokio::test]
async fn stock_and_confirmation_through_the_pages() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let widget = product(&t, &admin, "PAGE", true).await;
    let customer = account(&t, &admin).await;
    for (role, code) in [
        (Role::Warehouse, 200),
        (Role::Finance, 200),
        (Role::Marketing, 403),
        (Role::Support, 403),
    ] {
        let s = t.session_as(&t.user(role, None).await).await;
        assert_eq!(s.get("/stock").await.0.as_u16(), code, "{role}");
    }
    let clerk = t.session_as(&t.user(Role::Warehouse, None).await).await;
    let id = widget.id.to_string();
    let done = clerk
        .post(
            "/stock/receipts",
            &[
                ("product_id", id.as_str()),
                ("quantity", "4"),
                ("note", "Delivery 881"),
            ],
        )
        .await;
    assert_eq!(done.status(), 303);
    let bad = clerk
        .post(
            "/stock/adjustments",
            &[
                ("product_id", id.as_str()),
                ("quantity", "-9"),
                ("note", "Lost"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("cannot go below zero"));
    let (_, page) = clerk.get("/stock").await;
    assert!(
        page.contains("PAGE · PAGE item") && page.contains("Delivery 881"),
        "{page}"
    );
    let order = order_for(&t, &admin, &customer, "3 x PAGE").await;
    let office = t.session_as(&admin_user).await;
    let (_, before) = office.get(&format!("/orders/{}", order.id)).await;
    assert!(before.contains("Confirm order"));
    let confirmed = office
        .post(
            &format!("/orders/{}/confirm", order.id),
            &[("version", "1")],
        )
        .await;
    assert_eq!(confirmed.status(), 303);
    let (_, after) = office.get(&format!("/orders/{}", order.id)).await;
    assert!(
        after.contains("Confirmed") && after.contains("Reserved stock"),
        "{after}"
    );
    t.shutdown().await;
}
