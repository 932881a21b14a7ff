//! The rules around quotes: one order however often it is accepted, links bound to their
//! quote, expiry and superseding, the cost price kept from reps and customers, bad input.

use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::http::Api;
use serde_json::{Value, json};

use super::quote_to_order::{catalogue, customer};

async fn sent_quote(
    rep: &Api,
    opportunity: Option<&str>,
    account: &str,
    valid_until: &str,
) -> (String, String) {
    let mut body = json!({ "account_id": account, "title": "Rules", "valid_until": valid_until,
                           "lines": "2 x LIC\nBOOK" });
    if let Some(o) = opportunity {
        body["opportunity_id"] = json!(o);
    }
    let q = rep.post("/api/v1/quotes", &body).await;
    assert_eq!(q.status, 201, "{}", q.text);
    let id = q.json["quote"]["id"].as_str().unwrap().to_string();
    let sent = rep
        .post(
            &format!("/api/v1/quotes/{id}/send"),
            &json!({ "version": 1 }),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    let url = sent.json["portal_url"].as_str().unwrap();
    (id, url[url.find("/portal/").unwrap()..].to_string())
}

async fn setup() -> (TestApp, Api, Api, String, String) {
    let t = TestApp::spawn().await;
    let rep_user = t.user(Role::SalesRep, None).await;
    let manager_user = t.user(Role::SalesManager, None).await;
    let rep = t.api_as(&rep_user).await;
    let manager = t.api_as(&manager_user).await;
    catalogue(&manager).await;
    let (account, _, opportunity) = customer(&rep).await;
    (t, rep, manager, account, opportunity)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_concurrent_accepts_make_one_order() {
    let (t, rep, _, account, opportunity) = setup().await;
    let (quote, link) = sent_quote(&rep, Some(&opportunity), &account, "2099-01-01").await;
    let client = reqwest::Client::new();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let client = client.clone();
        let url = t.url(&format!("{link}/accept"));
        tasks.push(tokio::spawn(async move {
            let form = [("signed_name", format!("Signer {i}"))];
            client
                .post(url)
                .form(&form)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
    let orders = rep.get("/api/v1/orders").await.json["orders"].clone();
    assert_eq!(orders.as_array().unwrap().len(), 1);
    assert_eq!(orders[0]["quote_id"].as_str(), Some(quote.as_str()));
    let events = rep
        .get(&format!("/api/v1/quotes/{quote}/events"))
        .await
        .json["events"]
        .clone();
    let accepted = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["activity"] == "accepted")
        .count();
    assert_eq!(accepted, 1);
    let opportunity_events = rep
        .get(&format!("/api/v1/opportunities/{opportunity}/events"))
        .await
        .json["events"]
        .clone();
    let won = opportunity_events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["activity"] == "stage_changed")
        .count();
    assert_eq!(won, 1, "won once");
    // The series stays gapless: the losers' numbers were given back.
    let next: i64 =
        sqlx::query_scalar("SELECT next_value FROM number_series WHERE series = 'sales_order'")
            .fetch_one(t.store.pool())
            .await
            .unwrap();
    assert_eq!(next, 2);
    t.shutdown().await;
}

#[tokio::test]
async fn links_are_bound_to_their_quote_and_can_be_revoked() {
    let (t, rep, _, account, _) = setup().await;
    let (a, link_a) = sent_quote(&rep, None, &account, "2099-01-01").await;
    let (b, _) = sent_quote(&rep, None, &account, "2099-01-01").await;
    let token_a = link_a.rsplit('/').next().unwrap();
    assert_eq!(reqwest::get(t.url(&link_a)).await.unwrap().status(), 200);
    assert_eq!(token_a.len(), 64, "256-bit tokens");
    let on_b = format!("/portal/quotes/{b}/{token_a}");
    assert_eq!(reqwest::get(t.url(&on_b)).await.unwrap().status(), 404);
    let accept_b = reqwest::Client::new()
        .post(t.url(&format!("{on_b}/accept")))
        .form(&[("signed_name", "Eve")])
        .send()
        .await
        .unwrap();
    assert_eq!(accept_b.status(), 404);
    let guessed = format!("/portal/quotes/{a}/{}", "0".repeat(64));
    assert_eq!(reqwest::get(t.url(&guessed)).await.unwrap().status(), 404);
    let revoked = rep
        .post(
            &format!("/api/v1/quotes/{a}/portal-links/revoke"),
            &json!({}),
        )
        .await;
    assert_eq!(revoked.json["revoked"], 1);
    assert_eq!(reqwest::get(t.url(&link_a)).await.unwrap().status(), 404);
    let quote_b = rep.get(&format!("/api/v1/quotes/{b}")).await.json["quote"].clone();
    assert_eq!(quote_b["status"], "sent", "B untouched");
    // A rep who lost the link makes a new one; only the newest works.
    let renewed = rep
        .post(&format!("/api/v1/quotes/{a}/portal-links"), &json!({}))
        .await;
    assert_eq!(renewed.status, 200, "{}", renewed.text);
    let url = renewed.json["portal_url"].as_str().unwrap();
    let fresh = &url[url.find("/portal/").unwrap()..];
    assert_eq!(reqwest::get(t.url(fresh)).await.unwrap().status(), 200);
    assert_eq!(reqwest::get(t.url(&link_a)).await.unwrap().status(), 404);
    let draft = rep
        .post(
            "/api/v1/quotes",
            &json!({ "title": "Draft", "account_id": account }),
        )
        .await;
    let draft_id = draft.json["quote"]["id"].as_str().unwrap();
    let refused = rep
        .post(
            &format!("/api/v1/quotes/{draft_id}/portal-links"),
            &json!({}),
        )
        .await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (409, "wrong_status")
    );
    t.shutdown().await;
}

#[tokio::test]
async fn expired_and_superseded_quotes_cannot_be_accepted() {
    let (t, rep, _, account, opportunity) = setup().await;
    let today = t.app.today();
    let tomorrow = today.tomorrow().unwrap().to_string();
    let (old, old_link) = sent_quote(&rep, Some(&opportunity), &account, &tomorrow).await;
    let (_, new_link) = sent_quote(&rep, Some(&opportunity), &account, &tomorrow).await;
    let old_quote = rep.get(&format!("/api/v1/quotes/{old}")).await.json["quote"].clone();
    assert_eq!(old_quote["status"], "superseded");
    let client = reqwest::Client::new();
    let r = client
        .post(t.url(&format!("{old_link}/accept")))
        .form(&[("signed_name", "Late")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("A newer quote replaced this one")
    );

    // Two days later the newer one is past its date: refused at once, expired by the job.
    t.clock.advance(jiff::SignedDuration::from_hours(48));
    let r = client
        .post(t.url(&format!("{new_link}/accept")))
        .form(&[("signed_name", "Late")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("expired"));
    t.app.ensure_recurring_jobs().await.unwrap();
    t.app.drain_jobs("test").await.unwrap();
    let quotes = rep.get("/api/v1/quotes?status=expired").await.json["quotes"].clone();
    assert_eq!(quotes.as_array().unwrap().len(), 1);
    assert!(
        rep.get("/api/v1/orders").await.json["orders"]
            .as_array()
            .unwrap()
            .is_empty()
    );

    // The link itself ends 90 days after the quote's validity: then the page is gone.
    let page = client.get(t.url(&new_link)).send().await.unwrap();
    assert_ne!(page.status(), 404, "the expired quote still shows its page");
    t.clock.advance(jiff::SignedDuration::from_hours(24 * 90));
    let page = client.get(t.url(&new_link)).send().await.unwrap();
    assert_eq!(page.status(), 404);
    t.shutdown().await;
}

#[tokio::test]
async fn cost_never_reaches_reps_or_customers() {
    let (t, rep, manager, account, _) = setup().await;
    let products = manager.get("/api/v1/products?q=LIC").await.json["products"].clone();
    let lic = products[0]["id"].as_str().unwrap().to_string();
    let set = manager
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/products/{lic}/cost"),
            Some(&json!({ "cost": "777.77" })),
        )
        .await;
    assert_eq!(set.status, 200, "{}", set.text);
    assert_eq!(set.json["cost"]["cost"], "777.77");
    assert_eq!(set.json["cost"]["margin_percent"], "35.1");
    assert_eq!(
        rep.get(&format!("/api/v1/products/{lic}/cost"))
            .await
            .status,
        403
    );
    let (quote, link) = sent_quote(&rep, None, &account, "2099-01-01").await;
    let seen = [
        rep.get(&format!("/api/v1/products/{lic}")).await.text,
        rep.get("/api/v1/products").await.text,
        rep.get("/api/v1/products/export").await.text,
        rep.get(&format!("/api/v1/products/{lic}/events"))
            .await
            .text,
        rep.get(&format!("/api/v1/quotes/{quote}")).await.text,
        reqwest::get(t.url(&link))
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    ];
    for body in seen {
        assert!(
            !body.contains("777.77") && !body.contains("77777") && !body.contains("cost_minor"),
            "{body}"
        );
    }
    t.shutdown().await;
}

#[tokio::test]
async fn bad_quote_input_is_refused_and_nothing_changes() {
    let (t, rep, _, account, _) = setup().await;
    let cases: Vec<(Value, &str)> = vec![
        (json!({ "title": "x", "lines": "1 x LIC" }), "required"),
        (
            json!({ "title": "x", "account_id": account, "lines": "2 x NOPE: thing" }),
            "unknown_product",
        ),
        (
            json!({ "title": "x", "account_id": account, "lines": "Consulting" }),
            "price_required",
        ),
        (
            json!({ "title": "x", "account_id": account, "lines": "LIC -101%" }),
            "invalid_discount",
        ),
        (
            json!({ "title": "x", "account_id": account, "lines": "LIC [luxury]" }),
            "unknown_tax_category",
        ),
        (
            json!({ "title": "x", "account_id": account, "valid_until": "2001-01-01" }),
            "in_the_past",
        ),
        (
            json!({ "title": "x", "account_id": account, "price_mode": "gross" }),
            "invalid_choice",
        ),
        (
            json!({ "title": "x", "account_id": account, "lines": [{ "sku": "LIC", "quantity": "-1" }] }),
            "invalid_quantity",
        ),
        (
            json!({ "title": "x", "account_id": account, "lines": "999999 x LIC @ 9999999999999.00" }),
            "amount_too_large",
        ),
        (
            json!({ "title": "x", "account_id": account, "cost": "1" }),
            "invalid_body",
        ),
    ];
    for (body, code) in cases {
        let r = rep.post("/api/v1/quotes", &body).await;
        assert_eq!(r.status, 422, "{body}: {}", r.text);
        assert!(
            r.text.contains(code),
            "{body}: expected {code} in {}",
            r.text
        );
    }
    assert!(
        rep.get("/api/v1/quotes").await.json["quotes"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    // A draft with no lines cannot be sent; an accepted quote cannot be edited.
    let q = rep
        .post(
            "/api/v1/quotes",
            &json!({ "title": "Empty", "account_id": account }),
        )
        .await;
    let id = q.json["quote"]["id"].as_str().unwrap();
    let r = rep
        .post(
            &format!("/api/v1/quotes/{id}/send"),
            &json!({ "version": 1 }),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.code()), (422, "lines_required"));
    t.shutdown().await;
}

#[tokio::test]
async fn the_customers_price_list_prices_the_quote() {
    let (t, rep, manager, account, _) = setup().await;
    let eur_list = |name: &str, group: Option<&str>, from: &str, prices: &str| json!({ "name": name, "customer_group": group, "valid_from": from, "prices": prices });
    for body in [
        eur_list("General 2026", None, "2026-01-01", "LIC 1150.00"),
        eur_list(
            "Resellers",
            Some("Reseller"),
            "2026-01-01",
            "LIC 900.00\nBOOK 30",
        ),
        eur_list(
            "Resellers next year",
            Some("reseller"),
            "2099-01-01",
            "LIC 1.00",
        ),
    ] {
        let r = manager.post("/api/v1/price-lists", &body).await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    assert_eq!(
        rep.post("/api/v1/price-lists", &json!({ "name": "Mine" }))
            .await
            .status,
        403
    );
    let bad = manager
        .post(
            "/api/v1/price-lists",
            &json!({ "name": "Bad", "prices": "LIC ten" }),
        )
        .await;
    assert_eq!((bad.status.as_u16(), bad.code()), (422, "invalid_amount"));
    let price_of = |quote: &Value, sku: &str| {
        quote["lines"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["sku"] == sku)
            .unwrap()["unit_price_minor"]
            .as_i64()
            .unwrap()
    };
    // Without a group: the general list, then the product's list price.
    let q = rep
        .post(
            "/api/v1/quotes",
            &json!({ "title": "General", "account_id": account, "lines": "LIC\nBOOK" }),
        )
        .await;
    assert_eq!(q.status, 201, "{}", q.text);
    assert_eq!(
        (
            price_of(&q.json["quote"], "LIC"),
            price_of(&q.json["quote"], "BOOK")
        ),
        (115_000, 4_550)
    );
    // A reseller gets the reseller list; a typed price still wins.
    let r = rep
        .patch(
            &format!("/api/v1/accounts/{account}"),
            &json!({ "customer_group": "RESELLER", "version": 1 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["account"]["customer_group"], "reseller");
    let q = rep.post("/api/v1/quotes", &json!({ "title": "Reseller", "account_id": account, "lines": "LIC\nBOOK\nLIC: Second seat @ 950.00" })).await;
    let lines = q.json["quote"]["lines"].as_array().unwrap().clone();
    let prices: Vec<i64> = lines
        .iter()
        .map(|l| l["unit_price_minor"].as_i64().unwrap())
        .collect();
    assert_eq!(prices, vec![90_000, 3_000, 95_000]);
    t.shutdown().await;
}

#[tokio::test]
async fn products_import_from_a_salesforce_export_and_export_again() {
    let t = TestApp::spawn().await;
    let manager = t.api_as(&t.user(Role::SalesManager, None).await).await;
    let rep = t.api_as(&t.user(Role::SalesRep, None).await).await;
    manager
        .post(
            "/api/v1/products",
            &json!({ "sku": "OLD-1", "name": "Already here" }),
        )
        .await;
    let csv = "\
Product Code,Product Name,Product Description,List Price,Active,Product Family,Quantity Unit Of Measure
WID-1,Widget,A small widget,19.90,true,Hardware,pc
WID-2,Widget XL,,-5,true,Hardware,pc
OLD-1,Clash,,1,true,,
WID-1,Twice,,2,true,,
SRV-1,Service hour,,95,false,Services,h
";
    let refused = rep
        .post_raw(
            "/api/v1/imports?kind=products&preset=salesforce",
            "text/csv",
            csv.as_bytes(),
        )
        .await;
    assert_eq!(refused.status, 403);
    let r = manager
        .post_raw(
            "/api/v1/imports?kind=products&preset=salesforce",
            "text/csv",
            csv.as_bytes(),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let report = &r.json;
    assert_eq!(
        (
            report["imported"].as_i64(),
            report["rejected"].as_i64(),
            report["duplicates"].as_i64()
        ),
        (Some(2), Some(3), Some(2))
    );
    let reasons: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons[0].contains("list_price")
            && reasons[1].contains("OLD-1 already exists")
            && reasons[2].contains("earlier in the file"),
        "{reasons:?}"
    );
    let widget = manager.get("/api/v1/products?q=widget").await.json["products"][0].clone();
    assert_eq!(
        (
            widget["sku"].as_str(),
            widget["list_price_minor"].as_i64(),
            widget["category"].as_str()
        ),
        (Some("WID-1"), Some(1990), Some("Hardware"))
    );
    let service = manager.get("/api/v1/products?q=SRV").await.json["products"][0].clone();
    assert_eq!(
        (service["unit"].as_str(), service["active"].as_bool()),
        (Some("h"), Some(false))
    );
    // The export reads back in with salesflow's own headers: everything is a duplicate now.
    let export = manager.get("/api/v1/products/export").await.text;
    let again = manager
        .post_raw(
            "/api/v1/imports?kind=products&dry_run=true",
            "text/csv",
            export.as_bytes(),
        )
        .await;
    assert_eq!(again.json["duplicates"], 3, "{}", again.text);
    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn quotes_of_one_opportunity_sent_at_once_leave_one_sent() {
    let (t, rep, _, account, opportunity) = setup().await;
    // The opportunity's amount already equals the quotes' net total: sending leaves it as it
    // is, so only the version guard keeps the sends apart.
    let r = rep
        .patch(
            &format!("/api/v1/opportunities/{opportunity}"),
            &json!({ "amount": "1200.00", "version": 1 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let rep = std::sync::Arc::new(rep);
    let mut ids = Vec::new();
    for i in 0..5 {
        let body = json!({ "title": format!("Option {i}"), "account_id": account, "opportunity_id": opportunity, "lines": "LIC" });
        ids.push(
            rep.post("/api/v1/quotes", &body).await.json["quote"]["id"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    let mut tasks = Vec::new();
    for id in ids {
        let rep = rep.clone();
        tasks.push(tokio::spawn(async move {
            rep.post(
                &format!("/api/v1/quotes/{id}/send"),
                &json!({ "version": 1 }),
            )
            .await
            .status
            .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert!(statuses.contains(&200));
    let quotes = rep.get("/api/v1/quotes?status=sent").await.json["quotes"].clone();
    assert_eq!(quotes.as_array().unwrap().len(), 1, "{statuses:?}");
    // Every successful send took the next number; refused ones gave theirs back.
    let sent = statuses.iter().filter(|s| **s == 200).count() as i64;
    let mut numbers: Vec<String> =
        sqlx::query_scalar("SELECT number FROM quotes WHERE number IS NOT NULL")
            .fetch_all(t.store.pool())
            .await
            .unwrap();
    numbers.sort();
    let expected: Vec<String> = (1..=sent).map(|n| format!("Q-{n:05}")).collect();
    assert_eq!(numbers, expected);
    t.shutdown().await;
}

#[tokio::test]
async fn merging_accounts_moves_their_quotes_and_orders() {
    let (t, rep, _, account, _) = setup().await;
    let (_, link) = sent_quote(&rep, None, &account, "2099-01-01").await;
    reqwest::Client::new()
        .post(t.url(&format!("{link}/accept")))
        .form(&[("signed_name", "Ann")])
        .send()
        .await
        .unwrap();
    let keeper = rep
        .post("/api/v1/accounts", &json!({ "name": "Globex Corporation" }))
        .await
        .json["account"]
        .clone();
    let keeper_id = keeper["id"].as_str().unwrap();
    let other_version =
        rep.get(&format!("/api/v1/accounts/{account}")).await.json["account"]["version"].clone();
    let merged = rep
        .post(
            &format!("/api/v1/accounts/{keeper_id}/merge"),
            &json!({ "other_id": account, "version": 1, "other_version": other_version }),
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.text);
    let quotes = rep.get("/api/v1/quotes").await.json["quotes"].clone();
    let orders = rep.get("/api/v1/orders").await.json["orders"].clone();
    assert_eq!(quotes[0]["account_id"].as_str(), Some(keeper_id));
    assert_eq!(orders[0]["account_id"].as_str(), Some(keeper_id));
    t.shutdown().await;
}

#[tokio::test]
async fn oversized_line_lists_get_a_short_answer() {
    let t = TestApp::spawn().await;
    let rep = t.api_as(&t.user(Role::SalesRep, None).await).await;
    // 60,000 bad lines (about 1.8 MB): refused by count, not echoed line by line.
    let text = "x\n".repeat(60_000) + &"y".repeat(100);
    let r = rep
        .post("/api/v1/quotes", &json!({ "title": "Huge", "lines": text }))
        .await;
    assert_eq!(r.status, 422);
    assert_eq!(r.code(), "too_many_lines");
    assert!(r.text.len() < 2_000, "{} bytes", r.text.len());
    // Many bad lines under the limit: the list is capped, each detail short.
    let lines: Vec<String> = (0..150)
        .map(|i| format!("{i} x {}", "Z".repeat(5_000)))
        .collect();
    let r = rep
        .post(
            "/api/v1/quotes",
            &json!({ "title": "Bad", "lines": lines.join("\n") }),
        )
        .await;
    assert_eq!(r.status, 422, "{}", &r.text[..r.text.len().min(500)]);
    assert!(r.text.len() < 40_000, "{} bytes", r.text.len());
    t.shutdown().await;
}

#[tokio::test]
async fn a_sku_missing_from_the_group_list_takes_the_general_lists_price() {
    let t = TestApp::spawn().await;
    let manager = t.api_as(&t.user(Role::SalesManager, None).await).await;
    catalogue(&manager).await; // LIC 1200.00, BOOK 45.50 list prices
    for (name, group, prices) in [
        ("General", "", "LIC 1100.00\nBOOK 40.00"),
        ("Resellers", "reseller", "LIC 900.00"),
    ] {
        let r = manager
            .post(
                "/api/v1/price-lists",
                &json!({ "name": name, "customer_group": group, "prices": prices }),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.text);
    }
    let account = manager
        .ok(
            "/api/v1/accounts",
            &json!({ "name": "Reseller Ltd", "customer_group": "reseller" }),
            "account",
        )
        .await;
    let quote = manager
        .ok(
            "/api/v1/quotes",
            &json!({ "title": "Prices", "account_id": account["id"], "lines": "1 x LIC\n1 x BOOK" }),
            "quote",
        )
        .await;
    let price = |i: usize| quote["lines"][i]["unit_price_minor"].as_i64().unwrap();
    assert_eq!(price(0), 90_000, "the group's list");
    assert_eq!(price(1), 4_000, "the general list, not the product's 45.50");
    t.shutdown().await;
}
