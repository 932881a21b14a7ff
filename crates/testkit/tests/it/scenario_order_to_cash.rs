//! The whole sales process as one story through the API, asserted at each step: lead →
//! opportunity → follow-ups → hand-off to a second rep → quote → the customer asks for a change
//! → revision → accepted on the portal → order → quality inspection passed → pick release (the
//! delivery note is made) → partial shipment (stock out, the rest a backorder) → second shipment
//! → an invoice per shipment → partial payment → final payment → invoices paid, order paid; the
//! stock ledger agrees with the balances and the e-invoices pass the EN 16931 rules.

use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::einvoice::fatal_failures;
use salesflow_testkit::http::Api;
use salesflow_testkit::smtp::SmtpSink;
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

async fn put_settings(admin: &Api, name: &str, settings: Value) {
    let r = admin
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/settings/{name}"),
            Some(&json!({ "settings": settings, "version": 0 })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

/// (on hand, reserved) of the first stock level.
async fn pump_stock(api: &Api, pump: &str) -> (i64, i64) {
    let l = &api.get(&format!("/api/v1/stock?product={pump}")).await.json["levels"][0];
    (
        l["on_hand_milli"].as_i64().unwrap(),
        l["reserved_milli"].as_i64().unwrap(),
    )
}

async fn order_status(api: &Api, order: &str) -> Value {
    api.get(&format!("/api/v1/orders/{order}")).await.json["order"].clone()
}

async fn portal_post(t: &TestApp, url: &str, action: &str, fields: &[(&str, &str)]) -> String {
    let path = &url[url.find("/portal/").unwrap()..];
    let r = reqwest::Client::new()
        .post(t.url(&format!("{path}/{action}")))
        .form(fields)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

#[tokio::test]
async fn lead_to_cash_end_to_end() {
    let sink = SmtpSink::start().await;
    let t = TestApp::spawn_with_mail(&sink).await;
    let team = t.team("South").await;
    let admin = t.api_as(&t.user(Role::Admin, None).await).await;
    let rep = t.api_as(&t.user(Role::SalesRep, Some(team)).await).await;
    let rep2_user = t.user(Role::SalesRep, Some(team)).await;
    let rep2 = t.api_as(&rep2_user).await;
    let manager = t
        .api_as(&t.user(Role::SalesManager, Some(team)).await)
        .await;
    let clerk = t.api_as(&t.user(Role::Warehouse, None).await).await;
    let finance = t.api_as(&t.user(Role::Finance, None).await).await;

    // Set-up: who we are, per-shipment invoices, inspected machines, the catalogue, stock.
    put_settings(&admin, "company", json!({ "name": "Acme Pumps GmbH", "address": "Hafenstr. 5\n20457 Hamburg",
        "email": "", "phone": "", "vat_id": "DE123456789", "footer": "IBAN DE02 1001 0010 0006 8201 01",
        "country_code": "DE" })).await;
    put_settings(
        &admin,
        "fulfilment",
        json!({ "invoice_policy": "on_shipment",
        "inspect_categories": ["machines"], "payment_days": 30 }),
    )
    .await;
    let pump = admin
        .ok(
            "/api/v1/products",
            &json!({ "sku": "PUMP", "name": "Centrifugal pump", "list_price": "2500.00",
                     "tax_category": "standard", "category": "Machines", "unit": "pc" }),
            "product",
        )
        .await;
    let pump = id(&pump);
    admin
        .ok(
            "/api/v1/products",
            &json!({ "sku": "SETUP", "name": "On-site set-up", "list_price": "400.00",
                     "tax_category": "standard", "stockable": "false" }),
            "product",
        )
        .await;
    clerk
        .ok(
            "/api/v1/stock/receipts",
            &json!({ "product_id": pump, "quantity": "5" }),
            "level",
        )
        .await;

    // Lead → worked → qualified → converted.
    let lead = rep
        .ok(
            "/api/v1/leads",
            &json!({ "first_name": "Ada", "last_name": "Byron", "company": "Analytical Engines Ltd",
                     "email": "ada@engines.example" }),
            "lead",
        )
        .await;
    let lead_path = format!("/api/v1/leads/{}", id(&lead));
    for (action, version) in [("work", 1), ("qualify", 2)] {
        rep.ok(
            &format!("{lead_path}/transitions"),
            &json!({ "action": action, "version": version }),
            "lead",
        )
        .await;
    }
    let converted = rep
        .ok(
            &format!("{lead_path}/convert"),
            &json!({ "version": 3, "opportunity_name": "Engine cooling", "amount": "10000" }),
            "opportunity",
        )
        .await;
    let opportunity = id(&converted);
    let opp_path = format!("/api/v1/opportunities/{opportunity}");
    // The new account gets its address: e-invoices name the customer's country.
    let account_id = converted["account_id"].as_str().unwrap().to_string();
    rep.patch(
        &format!("/api/v1/accounts/{account_id}"),
        &json!({ "street": "1 Engine Row", "city": "London", "postal_code": "EC1A 1AA",
                 "country": "United Kingdom", "version": 1 }),
    )
    .await;

    // Follow-ups on the opportunity, then the hand-off to the second rep.
    let call = rep
        .ok(
            "/api/v1/activities",
            &json!({ "kind": "call", "subject": "Sizing call", "related_type": "opportunity",
                     "related_id": opportunity }),
            "activity",
        )
        .await;
    rep.ok(
        &format!("/api/v1/activities/{}/complete", id(&call)),
        &json!({ "outcome": "Needs four pumps", "version": 1 }),
        "activity",
    )
    .await;
    rep.ok(
        "/api/v1/activities",
        &json!({ "kind": "task", "subject": "Send quote", "related_type": "opportunity",
                 "related_id": opportunity }),
        "activity",
    )
    .await;
    let handed = rep
        .ok(
            &format!("{opp_path}/handoff"),
            &json!({ "owner_id": rep2_user.id.to_string(), "reason": "Key account team", "version": 1 }),
            "opportunity",
        )
        .await;
    assert_eq!(
        handed["owner_id"].as_str(),
        Some(rep2_user.id.to_string().as_str())
    );

    // The second rep quotes three pumps and the set-up; the customer wants a fourth pump.
    let quote = rep2
        .ok(
            "/api/v1/quotes",
            &json!({ "opportunity_id": opportunity, "valid_until": "2099-12-31", "terms": "Net 30 days.",
                     "lines": [{ "sku": "PUMP", "quantity": "3" }, { "sku": "SETUP" }] }),
            "quote",
        )
        .await;
    let quote_path = format!("/api/v1/quotes/{}", id(&quote));
    let r = rep2
        .post(&format!("{quote_path}/send"), &json!({ "version": 1 }))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["emailed_to"], "ada@engines.example");
    portal_post(
        &t,
        r.json["portal_url"].as_str().unwrap(),
        "changes",
        &[("comment", "Four pumps, and a little discount?")],
    )
    .await;
    let asked = rep2.get(&quote_path).await.json["quote"].clone();
    assert_eq!(asked["status"], "changes_requested");
    let revised = rep2
        .patch(
            &quote_path,
            &json!({ "version": asked["version"], "lines": [
                { "sku": "PUMP", "quantity": "4", "discount": "5" }, { "sku": "SETUP" }] }),
        )
        .await;
    assert_eq!(revised.status, 200, "{}", revised.text);
    assert_eq!(revised.json["quote"]["revision"], 2);
    let diff = rep2
        .get(&format!("{quote_path}/diff?from=1&to=2"))
        .await
        .json["diff"]
        .clone();
    let fields: Vec<&str> = diff["changed"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["quantity", "discount", "net"]);
    let r = rep2
        .post(
            &format!("{quote_path}/send"),
            &json!({ "version": revised.json["quote"]["version"] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let html = portal_post(
        &t,
        r.json["portal_url"].as_str().unwrap(),
        "accept",
        &[("signed_name", "Ada Byron")],
    )
    .await;
    assert!(html.contains("SO-00001"), "{html}");
    let won = rep2.get(&opp_path).await.json["opportunity"].clone();
    assert_eq!(won["status"], "won");

    // The order: 4 × 2500.00 − 5 % = 9500.00, set-up 400.00, 19 % VAT 1881.00.
    let order = rep2.get("/api/v1/orders").await.json["orders"][0].clone();
    let order_id = id(&order);
    assert_eq!(order["totals"]["payable_minor"], 1_178_100);
    assert_eq!(order["case_id"].as_str(), Some(id(&lead).as_str()));
    let confirmed = manager
        .ok(
            &format!("/api/v1/orders/{order_id}/confirm"),
            &json!({ "version": order["version"] }),
            "order",
        )
        .await;
    assert_eq!(confirmed["status"], "confirmed");
    assert_eq!(pump_stock(&clerk, &pump).await, (5_000, 4_000));

    // Quality inspection, then two pumps are picked and shipped.
    let passed = clerk
        .ok(
            &format!("/api/v1/orders/{order_id}/inspections"),
            &json!({ "passed": true, "notes": "Pressure test fine", "version": confirmed["version"] }),
            "order",
        )
        .await;
    let releases = format!("/api/v1/orders/{order_id}/releases");
    let first = clerk
        .ok(
            &releases,
            &json!({ "version": passed["version"], "lines": [{ "line": 0, "quantity": "2" }] }),
            "delivery",
        )
        .await;
    assert_eq!(first["number"], "DN-00001");
    let note = clerk
        .get(&format!("/api/v1/deliveries/{}/pdf", id(&first)))
        .await;
    assert_eq!(note.headers["content-type"], "application/pdf");
    clerk
        .ok(
            &format!("/api/v1/deliveries/{}/ship", id(&first)),
            &json!({ "carrier": "DHL", "tracking": "JD014600001", "version": first["version"] }),
            "delivery",
        )
        .await;
    assert_eq!(pump_stock(&clerk, &pump).await, (3_000, 2_000));
    let partly = order_status(&manager, &order_id).await;
    assert_eq!(partly["status"], "partially_shipped");
    assert_eq!(partly["progress"][0]["shipped_milli"], 2_000);

    // The backorder: the other two pumps and the set-up.
    let second = clerk
        .ok(
            &releases,
            &json!({ "version": partly["version"] }),
            "delivery",
        )
        .await;
    assert_eq!(second["number"], "DN-00002");
    clerk
        .ok(
            &format!("/api/v1/deliveries/{}/ship", id(&second)),
            &json!({ "carrier": "DHL", "version": second["version"] }),
            "delivery",
        )
        .await;
    assert_eq!(pump_stock(&clerk, &pump).await, (1_000, 0));
    assert_eq!(order_status(&manager, &order_id).await["status"], "shipped");

    // One invoice per shipment, posted by finance: the order is invoiced.
    let drafts = finance.get("/api/v1/invoices?status=draft").await.json["invoices"].clone();
    let drafts: Vec<&Value> = drafts
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["order_id"] == order_id.as_str())
        .collect();
    assert_eq!(drafts.len(), 2);
    let mut invoices = Vec::new();
    for draft in drafts.iter().rev() {
        assert_eq!(draft["status"], "draft");
        let posted = finance
            .ok(
                &format!("/api/v1/invoices/{}/post", id(draft)),
                &json!({ "version": draft["version"] }),
                "invoice",
            )
            .await;
        invoices.push(posted);
    }
    invoices.sort_by_key(|i| i["number"].as_str().unwrap().to_string());
    let totals: Vec<(&str, i64)> = invoices
        .iter()
        .map(|i| {
            (
                i["number"].as_str().unwrap(),
                i["totals"]["payable_minor"].as_i64().unwrap(),
            )
        })
        .collect();
    // 2 pumps 4750.00 + 902.50 VAT; 2 pumps and the set-up 5150.00 + 978.50 VAT.
    assert_eq!(totals, [("INV-00001", 565_250), ("INV-00002", 612_850)]);
    assert_eq!(totals[0].1 + totals[1].1, 1_178_100, "the order's total");
    assert_eq!(
        order_status(&manager, &order_id).await["status"],
        "invoiced"
    );
    for invoice in &invoices {
        let ubl = finance
            .get(&format!("/api/v1/invoices/{}/ubl", id(invoice)))
            .await;
        assert_eq!(ubl.status, 200);
        if let Some(failures) = fatal_failures(&ubl.text) {
            assert!(failures.is_empty(), "{failures:?}\n{}", ubl.text);
        }
    }

    // A partial payment of the first invoice, then the rest of both.
    let account = order["account_id"].as_str().unwrap();
    let part = finance
        .ok(
            "/api/v1/payments",
            &json!({ "account_id": account, "amount": "5000.00", "reference": "Wire 1",
                     "invoices": [{ "invoice_id": id(&invoices[0]) }] }),
            "payment",
        )
        .await;
    assert_eq!(part["allocations"][0]["amount_minor"], 500_000);
    let first_invoice = finance
        .get(&format!("/api/v1/invoices/{}", id(&invoices[0])))
        .await
        .json["invoice"]
        .clone();
    assert_eq!(first_invoice["status"], "partially_paid");
    assert_eq!(
        order_status(&manager, &order_id).await["status"],
        "invoiced"
    );
    let rest = finance
        .ok(
            "/api/v1/payments",
            &json!({ "account_id": account, "amount": "6781.00", "reference": "Wire 2" }),
            "payment",
        )
        .await;
    let allocated: Vec<i64> = rest["allocations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["amount_minor"].as_i64().unwrap())
        .collect();
    assert_eq!(allocated, [65_250, 612_850]);
    assert_eq!(rest["credit_minor"], 0);
    for invoice in &invoices {
        let now = finance
            .get(&format!("/api/v1/invoices/{}", id(invoice)))
            .await
            .json["invoice"]
            .clone();
        assert_eq!(
            (now["status"].as_str(), now["paid_minor"].clone()),
            (Some("paid"), invoice["totals"]["payable_minor"].clone())
        );
    }
    let paid = order_status(&manager, &order_id).await;
    assert_eq!(paid["status"], "paid");

    // The order's story, and the ledger agrees with every balance.
    let events = manager
        .activities(&format!("/api/v1/orders/{order_id}/events"))
        .await;
    assert_eq!(
        events,
        [
            "created",
            "confirmed",
            "inspection_passed",
            "released",
            "shipped",
            "released",
            "shipped",
            "invoiced",
            "paid"
        ]
    );
    let moves: Vec<(String, i64)> = clerk
        .get(&format!("/api/v1/stock/moves?product={pump}"))
        .await
        .json["moves"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|m| {
            (
                m["kind"].as_str().unwrap().to_string(),
                m["quantity_milli"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, i64)> = [
        ("receipt", 5_000),
        ("reservation", 4_000),
        ("shipment", 2_000),
        ("shipment", 2_000),
    ]
    .iter()
    .map(|(k, q)| (k.to_string(), *q))
    .collect();
    assert_eq!(moves, expected);
    assert_eq!(t.app.store.ledger_mismatches().await.unwrap(), 0);
    t.shutdown().await;
}
