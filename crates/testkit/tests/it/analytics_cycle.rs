//! Cycle times across the documents of one case, from opportunity to cash, with known times.

use jiff::SignedDuration;
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use serde_json::json;

use super::analytics::HOUR;

#[tokio::test]
async fn cycle_times_run_from_opportunity_to_cash() {
    let t = TestApp::spawn().await;
    t.company_ready().await;
    let user = t.user(Role::Admin, None).await;
    let actor = salesflow_app::Actor::of(&user);
    let product =
        salesflow_testkit::orders::stocked_product(&t, &actor, "BOX", "50.00", "10").await;
    let api = t.api_as(&user).await;
    let hours = |h: i64| t.clock.advance(SignedDuration::from_hours(h));
    let account = api
        .ok(
            "/api/v1/accounts",
            &json!({ "name": "Cycle GmbH", "country": "Germany" }),
            "account",
        )
        .await;
    let opportunity = api
        .ok(
            "/api/v1/opportunities",
            &json!({ "name": "Cycle", "account_id": account["id"] }),
            "opportunity",
        )
        .await;
    let quote = api
        .ok(
            "/api/v1/quotes",
            &json!({ "opportunity_id": opportunity["id"], "valid_until": "2099-12-31",
                     "lines": [{ "sku": "BOX", "quantity": "2" }] }),
            "quote",
        )
        .await;
    hours(2);
    let sent = api
        .post(
            &format!("/api/v1/quotes/{}/send", quote["id"].as_str().unwrap()),
            &json!({ "version": quote["version"] }),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    let url = sent.json["portal_url"].as_str().unwrap();
    hours(3);
    let accepted = reqwest::Client::new()
        .post(t.url(&format!("{}/accept", &url[url.find("/portal/").unwrap()..])))
        .form(&[("signed_name", "Carla Cycle")])
        .send()
        .await
        .unwrap();
    assert!(accepted.status().is_success() || accepted.status().is_redirection());
    let order = api.get("/api/v1/orders").await.json["orders"][0].clone();
    let order_id = order["id"].as_str().unwrap().to_string();
    hours(1);
    let confirmed = api
        .post(
            &format!("/api/v1/orders/{order_id}/confirm"),
            &json!({ "version": order["version"] }),
        )
        .await;
    assert_eq!(confirmed.status, 200, "{}", confirmed.text);
    hours(4);
    let delivery = api
        .ok(
            &format!("/api/v1/orders/{order_id}/releases"),
            &json!({ "version": confirmed.json["order"]["version"] }),
            "delivery",
        )
        .await;
    hours(5);
    let shipped = api
        .post(
            &format!(
                "/api/v1/deliveries/{}/ship",
                delivery["id"].as_str().unwrap()
            ),
            &json!({ "carrier": "Cargo", "version": delivery["version"] }),
        )
        .await;
    assert_eq!(shipped.status, 200, "{}", shipped.text);
    hours(6);
    let draft = &confirmed.json["invoice"];
    let posted = api
        .post(
            &format!("/api/v1/invoices/{}/post", draft["id"].as_str().unwrap()),
            &json!({ "version": draft["version"] }),
        )
        .await;
    assert_eq!(posted.status, 200, "{}", posted.text);
    hours(24);
    let invoice = &posted.json["invoice"];
    let paid = api
        .post(
            "/api/v1/payments",
            &json!({ "account_id": account["id"], "amount": invoice["total"],
                     "invoices": [{ "invoice_id": invoice["id"] }] }),
        )
        .await;
    assert_eq!(paid.status, 201, "{}", paid.text);
    let process = api.get("/api/v1/analytics/process").await;
    let spans: Vec<(String, i64, i64)> = process.json["process"]["cycle_times"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap().to_string(),
                s["count"].as_i64().unwrap(),
                s["median_seconds"].as_i64().unwrap() / HOUR,
            )
        })
        .collect();
    let span = |name: &str, h: i64| (name.to_string(), 1, h);
    assert_eq!(
        spans,
        [
            span("2_opportunity_quote", 2),
            span("3_quote_order", 3),
            span("4_order_shipment", 10),
            span("5_shipment_invoice", 6),
            span("6_invoice_cash", 24),
            span("8_opportunity_to_cash", 45),
        ]
    );
    // Every step after the opportunity was appended to its case; the result is what a rebuild
    // from the whole log makes.
    let kept = super::projections::snapshot(&t).await;
    t.store.rebuild_projections().await.unwrap();
    assert_eq!(kept, super::projections::snapshot(&t).await);

    // By product: the deal counts under the product its quote names, won; a deal without a
    // quote falls under no product.
    api.ok(
        "/api/v1/opportunities",
        &json!({ "name": "Unquoted", "account_id": account["id"] }),
        "opportunity",
    )
    .await;
    let funnel = api.get("/api/v1/analytics/funnel?by=product").await;
    let groups: Vec<(String, i64, i64)> = funnel.json["funnel"]["funnels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let n = |k: &str| f[k].as_i64().unwrap();
            (
                f["group"].as_str().unwrap().to_string(),
                n("opportunities"),
                n("won"),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [(String::new(), 1, 0), (product.id.to_string(), 1, 1)]
    );
    let times = api.get("/api/v1/analytics/stage-times?by=product").await;
    let stays = times.json["stage_times"]["stages"].as_array().unwrap();
    assert!(
        stays
            .iter()
            .all(|s| s["group"] == product.id.to_string().as_str()),
        "{}",
        times.text
    );
    assert!(!stays.is_empty());
    t.shutdown().await;
}
