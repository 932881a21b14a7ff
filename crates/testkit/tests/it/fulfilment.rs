//! Fulfilment: a quality inspection gates picking, a pick release makes the numbered
//! delivery note (PDF), partial and final shipments take stock out through the ledger and move
//! the order from confirmed to partially shipped to shipped; backordered quantities are
//! reserved when stock comes in.

use salesflow_app::Actor;
use salesflow_app::entity::Origin;
use salesflow_domain::product::{Product, ProductInput};
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::http::Api;
use salesflow_testkit::orders::accepted_order;
use salesflow_testkit::pdf::pdf_text;
use serde_json::{Value, json};

async fn product(t: &TestApp, admin: &Actor, sku: &str, category: Option<&str>, stockable: bool) {
    let input = ProductInput {
        sku: Some(sku.into()),
        name: Some(format!("{sku} item")),
        list_price: Some("50.00".into()),
        category: category.map(Into::into),
        stockable: Some(stockable.to_string()),
        ..Default::default()
    };
    let _: Product = t.app.create(admin, &input, Origin::Api).await.unwrap();
}

async fn ok(api: &Api, path: &str, body: Value, key: &str) -> Value {
    let r = api.post(path, &body).await;
    assert!(r.status.is_success(), "{path}: {} {}", r.status, r.text);
    r.json[key].clone()
}

async fn office_token(t: &TestApp, user: &salesflow_app::ports::UserRecord) -> String {
    let actor = TestApp::actor(user);
    t.app
        .create_token(&actor, user.id, "pdf", None)
        .await
        .unwrap()
        .1
}

async fn level(api: &Api) -> (i64, i64) {
    let l = &api.get("/api/v1/stock").await.json["levels"][0];
    (
        l["on_hand_milli"].as_i64().unwrap(),
        l["reserved_milli"].as_i64().unwrap(),
    )
}

#[tokio::test]
async fn inspect_release_and_ship_in_two_parts() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    let clerk = t.api_as(&t.user(Role::Warehouse, None).await).await;
    product(&t, &admin, "SENSOR", Some("Electronics"), true).await;
    product(&t, &admin, "INSTALL", None, false).await;
    let put = office
        .call(
            reqwest::Method::PUT,
            "/api/v1/settings/fulfilment",
            Some(&json!({ "settings": { "inspect_categories": ["electronics"] }, "version": 0 })),
        )
        .await;
    assert_eq!(put.status, 200, "{}", put.text);
    let sensor = office.get("/api/v1/products?q=SENSOR").await.json["products"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        &clerk,
        "/api/v1/stock/receipts",
        json!({ "product_id": sensor, "quantity": "10" }),
        "level",
    )
    .await;
    let o = accepted_order(&t, &admin, "Fulfilment customer", "6 x SENSOR\nINSTALL").await;
    let id = o.id.to_string();
    let confirmed = ok(
        &office,
        &format!("/api/v1/orders/{id}/confirm"),
        json!({ "version": 1 }),
        "order",
    )
    .await;
    assert_eq!(level(&office).await, (10_000, 6_000));

    // Picking waits for a passed inspection; a failed one blocks until a new one passes.
    let path = format!("/api/v1/orders/{id}/releases");
    let r = clerk
        .post(&path, &json!({ "version": confirmed["version"] }))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "inspection_required"));
    let failed = ok(&clerk, &format!("/api/v1/orders/{id}/inspections"), json!({ "passed": false, "notes": "Two housings cracked", "version": confirmed["version"] }), "order").await;
    let r = clerk
        .post(&path, &json!({ "version": failed["version"] }))
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (409, "inspection_failed"));
    let bad = clerk
        .post(
            &format!("/api/v1/orders/{id}/inspections"),
            &json!({ "passed": false, "version": failed["version"] }),
        )
        .await;
    assert_eq!((bad.status.as_u16(), bad.code()), (422, "required"));
    let passed = ok(
        &clerk,
        &format!("/api/v1/orders/{id}/inspections"),
        json!({ "passed": true, "version": failed["version"] }),
        "order",
    )
    .await;

    // Release 4 of 6 sensors: delivery note DN-00001.
    let too_much = clerk
        .post(
            &path,
            &json!({ "version": passed["version"], "lines": [{ "line": 0, "quantity": "7" }] }),
        )
        .await;
    assert_eq!(
        (too_much.status.as_u16(), too_much.code()),
        (422, "too_much")
    );
    let first = ok(
        &clerk,
        &path,
        json!({ "version": passed["version"], "lines": [{ "line": 0, "quantity": "4" }] }),
        "delivery",
    )
    .await;
    assert_eq!(
        (first["number"].as_str(), first["status"].as_str()),
        (Some("DN-00001"), Some("released"))
    );
    let note = clerk
        .get(&format!(
            "/api/v1/deliveries/{}/pdf",
            first["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(note.status, 200);
    assert_eq!(note.headers["content-type"], "application/pdf");
    let bytes = reqwest::Client::new()
        .get(t.url(&format!(
            "/api/v1/deliveries/{}/pdf",
            first["id"].as_str().unwrap()
        )))
        .bearer_auth(office_token(&t, &admin_user).await)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    if let Some(text) = pdf_text(&bytes) {
        assert!(
            text.contains("Delivery note DN-00001") && text.contains("SENSOR item"),
            "{text}"
        );
    }
    let shipped = ok(
        &clerk,
        &format!("/api/v1/deliveries/{}/ship", first["id"].as_str().unwrap()),
        json!({ "carrier": "DHL", "tracking": "JD0146000012345", "version": first["version"] }),
        "delivery",
    )
    .await;
    assert_eq!(shipped["status"], "shipped");
    let again = clerk
        .post(
            &format!("/api/v1/deliveries/{}/ship", first["id"].as_str().unwrap()),
            &json!({ "version": shipped["version"] }),
        )
        .await;
    assert_eq!(
        (again.status.as_u16(), again.code()),
        (409, "already_shipped")
    );
    assert_eq!(
        level(&office).await,
        (6_000, 2_000),
        "4 left the warehouse, 2 still reserved"
    );
    let after_first = office.get(&format!("/api/v1/orders/{id}")).await.json["order"].clone();
    assert_eq!(after_first["status"], "partially_shipped");

    // The rest (2 sensors and the service) in a second delivery.
    let second = ok(
        &clerk,
        &path,
        json!({ "version": after_first["version"] }),
        "delivery",
    )
    .await;
    assert_eq!(second["number"], "DN-00002");
    assert_eq!(second["lines"].as_array().unwrap().len(), 2);
    ok(
        &clerk,
        &format!("/api/v1/deliveries/{}/ship", second["id"].as_str().unwrap()),
        json!({ "carrier": "UPS", "version": second["version"] }),
        "delivery",
    )
    .await;
    let done = office.get(&format!("/api/v1/orders/{id}")).await.json["order"].clone();
    assert_eq!(done["status"], "shipped");
    assert_eq!(done["progress"][0]["shipped_milli"], 6000);
    assert_eq!(level(&office).await, (4_000, 0));
    let nothing = clerk
        .post(&path, &json!({ "version": done["version"] }))
        .await;
    assert_eq!(nothing.status, 409);
    let events = office
        .activities(&format!("/api/v1/orders/{id}/events"))
        .await;
    assert_eq!(
        events,
        [
            "created",
            "confirmed",
            "inspection_failed",
            "inspection_passed",
            "released",
            "shipped",
            "released",
            "shipped"
        ]
    );
    assert_eq!(t.app.store.ledger_mismatches().await.unwrap(), 0);
    t.shutdown().await;
}

#[tokio::test]
async fn backorders_are_reserved_when_stock_comes_in() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    product(&t, &admin, "RARE", None, true).await;
    let rare = office.get("/api/v1/products?q=RARE").await.json["products"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        &office,
        "/api/v1/stock/receipts",
        json!({ "product_id": rare, "quantity": "1" }),
        "level",
    )
    .await;
    office
        .call(
            reqwest::Method::PUT,
            "/api/v1/settings/fulfilment",
            Some(&json!({ "settings": { "allow_backorder": true }, "version": 0 })),
        )
        .await;
    let o = accepted_order(&t, &admin, "Fulfilment customer", "3 x RARE").await;
    let id = o.id.to_string();
    let confirmed = ok(
        &office,
        &format!("/api/v1/orders/{id}/confirm"),
        json!({ "version": 1 }),
        "order",
    )
    .await;
    assert_eq!(confirmed["reservations"][0]["backorder_milli"], 2000);
    let path = format!("/api/v1/orders/{id}/releases");
    let short = office
        .post(&path, &json!({ "version": confirmed["version"] }))
        .await;
    assert_eq!(
        (short.status.as_u16(), short.code()),
        (409, "insufficient_stock"),
        "{}",
        short.text
    );
    // Releasing what is reserved works; the rest follows once stock arrives.
    let part = ok(
        &office,
        &path,
        json!({ "version": confirmed["version"], "lines": [{ "line": 0, "quantity": "1" }] }),
        "delivery",
    )
    .await;
    assert_eq!(part["lines"][0]["quantity_milli"], 1000);
    ok(
        &office,
        "/api/v1/stock/receipts",
        json!({ "product_id": rare, "quantity": "5" }),
        "level",
    )
    .await;
    let current = office.get(&format!("/api/v1/orders/{id}")).await.json["order"].clone();
    let rest = ok(
        &office,
        &path,
        json!({ "version": current["version"] }),
        "delivery",
    )
    .await;
    assert_eq!(rest["lines"][0]["quantity_milli"], 2000);
    let after = office.get(&format!("/api/v1/orders/{id}")).await.json["order"].clone();
    assert_eq!(
        (
            after["reservations"][0]["reserved_milli"].as_i64(),
            after["reservations"][0]["backorder_milli"].as_i64()
        ),
        (Some(3000), Some(0))
    );
    assert_eq!(level(&office).await, (6_000, 3_000));
    assert_eq!(t.app.store.ledger_mismatches().await.unwrap(), 0);
    t.shutdown().await;
}

#[tokio::test]
async fn the_warehouse_works_an_order_through_the_pages() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    product(&t, &admin, "BOX", Some("Fragile"), true).await;
    office
        .call(
            reqwest::Method::PUT,
            "/api/v1/settings/fulfilment",
            Some(&json!({ "settings": { "inspect_categories": ["fragile"] }, "version": 0 })),
        )
        .await;
    let boxes = office.get("/api/v1/products?q=BOX").await.json["products"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    ok(
        &office,
        "/api/v1/stock/receipts",
        json!({ "product_id": boxes, "quantity": "2" }),
        "level",
    )
    .await;
    let o = accepted_order(&t, &admin, "Fulfilment customer", "2 x BOX").await;
    ok(
        &office,
        &format!("/api/v1/orders/{}/confirm", o.id),
        json!({ "version": 1 }),
        "order",
    )
    .await;
    let clerk = t.session_as(&t.user(Role::Warehouse, None).await).await;
    // The warehouse page lists what waits: the order, first for its inspection.
    let queues = || async {
        let (status, page) = clerk.get("/warehouse").await;
        assert_eq!(status, 200);
        ["to-inspect", "to-pick", "to-ship"].map(|q| page.contains(&format!("id=\"{q}\"")))
    };
    assert_eq!(queues().await, [true, false, false]);
    let (_, page) = clerk.get("/warehouse").await;
    assert!(
        page.contains(&o.number) && page.contains("2 x BOX item"),
        "{page}"
    );
    let (_, page) = clerk.get(&format!("/orders/{}", o.id)).await;
    assert!(
        page.contains("Quality inspection")
            && page.contains("Release for picking")
            && page.contains("name=\"qty_0\" id=\"qty-0\" value=\"2\""),
        "{page}"
    );
    let inspected = clerk
        .post(
            &format!("/orders/{}/inspections", o.id),
            &[("passed", "true"), ("version", "2")],
        )
        .await;
    assert_eq!(inspected.status(), 303);
    assert_eq!(queues().await, [false, true, false]);
    let released = clerk
        .post(&format!("/orders/{}/releases", o.id), &[("version", "3")])
        .await;
    assert_eq!(released.status(), 303);
    let delivery = released.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(queues().await, [false, false, true]);
    let (_, page) = clerk.get(&delivery).await;
    assert!(
        page.contains("To pick") && page.contains("BOX item") && page.contains("Shipped</button>"),
        "{page}"
    );
    let shipped = clerk
        .post(
            &format!("{delivery}/ship"),
            &[("carrier", "GLS"), ("tracking", "GLS-1"), ("version", "1")],
        )
        .await;
    assert_eq!(shipped.status(), 303);
    assert_eq!(queues().await, [false, false, false]);
    let (_, page) = clerk.get(&delivery).await;
    assert!(
        page.contains("GLS-1") && !page.contains("Shipped</button>"),
        "{page}"
    );
    assert_eq!(clerk.get(&format!("{delivery}/pdf")).await.0, 200);
    let (_, order_page) = clerk.get(&format!("/orders/{}", o.id)).await;
    assert!(
        order_page.contains("DN-00001") && order_page.contains("Passed"),
        "{order_page}"
    );
    t.shutdown().await;
}

#[tokio::test]
async fn a_release_names_each_line_once_and_nothing_means_nothing() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    salesflow_testkit::orders::stocked_product(&t, &admin, "BOX", "10.00", "20").await;
    let o = accepted_order(&t, &admin, "Lines Oy", "5 x BOX").await;
    let confirmed = ok(
        &office,
        &format!("/api/v1/orders/{}/confirm", o.id),
        json!({ "version": 1 }),
        "order",
    )
    .await;
    // Zero of every line in the page's form: refused beside the form, nothing released.
    let clerk = t.session_as(&t.user(Role::Warehouse, None).await).await;
    let version = confirmed["version"].to_string();
    let zero = clerk
        .post(
            &format!("/orders/{}/releases", o.id),
            &[("version", version.as_str()), ("qty_0", "0")],
        )
        .await;
    assert_eq!(zero.status(), 409);
    assert!(
        zero.text()
            .await
            .unwrap()
            .contains("id=\"release-problem\"")
    );
    let order = office.get(&format!("/api/v1/orders/{}", o.id)).await.json["order"].clone();
    assert_eq!(
        order["progress"][0]["released_milli"], 0,
        "nothing released"
    );
    // The same line twice is one line of both quantities.
    let delivery = ok(
        &office,
        &format!("/api/v1/orders/{}/releases", o.id),
        json!({ "version": order["version"], "lines": [
            { "line": 0, "quantity": "1" }, { "line": 0, "quantity": "2" }
        ] }),
        "delivery",
    )
    .await;
    let lines = delivery["lines"].as_array().unwrap();
    assert_eq!(lines.len(), 1, "{delivery}");
    assert_eq!(lines[0]["quantity_milli"], 3000);
    t.shutdown().await;
}
