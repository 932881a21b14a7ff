//! Quote to order as one story: opportunity → quote (three lines, mixed tax, a line
//! discount) with exact totals → the discount is over the rep's limit → a manager approves →
//! sent (e-mail with the PDF received over SMTP) → the customer asks for a change on the
//! portal → revision 2 with its diff → accepted on the portal → one sales order with the same
//! totals; the opportunity is won.

use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::http::Api;
use salesflow_testkit::pdf::pdf_text;
use salesflow_testkit::smtp::SmtpSink;
use serde_json::{Value, json};

async fn ok(api: &Api, path: &str, body: Value, key: &str) -> Value {
    let r = api.post(path, &body).await;
    assert!(r.status.is_success(), "{path}: {} {}", r.status, r.text);
    r.json[key].clone()
}

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

/// Products: a licence at 19 %, a book at 7 %, an export service at 0 %.
pub async fn catalogue(manager: &Api) {
    for (sku, name, price, tax) in [
        ("LIC", "Pro licence", "1200.00", "standard"),
        ("BOOK", "Handbook", "45.50", "reduced"),
        ("EXPORT", "Export service", "300.00", "zero"),
    ] {
        ok(
            manager,
            "/api/v1/products",
            json!({ "sku": sku, "name": name, "list_price": price, "tax_category": tax, "unit": "pc" }),
            "product",
        )
        .await;
    }
}

/// An account with a contact who has an e-mail address, and an opportunity for them.
pub async fn customer(api: &Api) -> (String, String, String) {
    let account = ok(
        api,
        "/api/v1/accounts",
        json!({ "name": "Globex", "city": "Springfield" }),
        "account",
    )
    .await;
    let contact = ok(
        api,
        "/api/v1/contacts",
        json!({ "first_name": "Hank", "last_name": "Scorpio", "email": "hank@globex.example", "account_id": id(&account) }),
        "contact",
    )
    .await;
    let opportunity = ok(
        api,
        "/api/v1/opportunities",
        json!({ "name": "Globex rollout", "account_id": id(&account), "contact_id": id(&contact), "amount": "1000.00" }),
        "opportunity",
    )
    .await;
    (id(&account), id(&contact), id(&opportunity))
}

fn portal_path(url: &str) -> String {
    url[url.find("/portal/").unwrap()..].to_string()
}

async fn portal_post(t: &TestApp, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
    let r = reqwest::Client::new()
        .post(t.url(path))
        .form(fields)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

#[tokio::test]
async fn quote_negotiated_approved_and_accepted_becomes_an_order() {
    let sink = SmtpSink::start().await;
    let t = TestApp::spawn_with_mail(&sink).await;
    let team = t.team("West").await;
    let rep_user = t.user(Role::SalesRep, Some(team)).await;
    let manager_user = t.user(Role::SalesManager, Some(team)).await;
    let rep = t.api_as(&rep_user).await;
    let manager = t.api_as(&manager_user).await;
    catalogue(&manager).await;
    let (account, _contact, opportunity) = customer(&rep).await;

    // The quote: 3 licences at 15 % off, 2 books, the export service at a special price.
    let quote = ok(
        &rep,
        "/api/v1/quotes",
        json!({ "opportunity_id": opportunity, "terms": "Net 30 days.", "valid_until": "2099-12-31",
                "lines": [
                    { "sku": "LIC", "quantity": "3", "discount": "15" },
                    { "sku": "BOOK", "quantity": "2" },
                    { "sku": "EXPORT", "unit_price": "250.00" }
                ] }),
        "quote",
    )
    .await;
    let quote_id = id(&quote);
    assert_eq!(quote["title"], "Globex rollout");
    assert_eq!(quote["account_id"].as_str(), Some(account.as_str()));
    assert_eq!(quote["status"], "draft");
    let nets: Vec<i64> = quote["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["net_minor"].as_i64().unwrap())
        .collect();
    // 3 × 1200 − 15 % = 3060.00; 2 × 45.50 = 91.00; 250.00.
    assert_eq!(nets, vec![306_000, 9_100, 25_000]);
    let totals = &quote["totals"];
    assert_eq!(totals["tax_exclusive_minor"], 340_100);
    // 3060.00 × 19 % = 581.40; 91.00 × 7 % = 6.37; 250.00 × 0 % = 0.
    assert_eq!(totals["tax_minor"], 58_140 + 637);
    assert_eq!(totals["payable_minor"], 340_100 + 58_777);
    assert_eq!(quote["total"], "3988.77");
    let breakdown: Vec<(String, i64, i64)> = totals["breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["code"].as_str().unwrap().to_string(),
                b["rate_bp"].as_i64().unwrap(),
                b["tax_minor"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        breakdown,
        vec![
            ("S".into(), 700, 637),
            ("S".into(), 1900, 58_140),
            ("Z".into(), 0, 0)
        ]
    );

    // 15 % is over the rep's 10 %: sending asks for approval instead.
    let sent = ok(
        &rep,
        &format!("/api/v1/quotes/{quote_id}/send"),
        json!({ "version": 1 }),
        "quote",
    )
    .await;
    assert_eq!(sent["status"], "pending_approval");
    assert!(sink.messages().is_empty());
    let refused = rep
        .post(
            &format!("/api/v1/quotes/{quote_id}/decision"),
            &json!({ "approve": true, "version": 2 }),
        )
        .await;
    assert_eq!(refused.status, 403);
    let approved = ok(
        &manager,
        &format!("/api/v1/quotes/{quote_id}/decision"),
        json!({ "approve": true, "comment": "Strategic account", "version": 2 }),
        "quote",
    )
    .await;
    assert_eq!(
        (
            approved["status"].as_str(),
            approved["approval"]["approved"].as_bool()
        ),
        (Some("draft"), Some(true))
    );

    // Sent: numbered, e-mailed with the PDF and the portal link.
    let r = rep
        .post(
            &format!("/api/v1/quotes/{quote_id}/send"),
            &json!({ "version": 3 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["quote"]["status"], "sent");
    assert_eq!(r.json["quote"]["number"], "Q-00001");
    assert_eq!(r.json["emailed_to"], "hank@globex.example");
    let link1 = portal_path(r.json["portal_url"].as_str().unwrap());
    let opp = rep
        .get(&format!("/api/v1/opportunities/{opportunity}"))
        .await;
    assert_eq!(
        opp.json["opportunity"]["amount_minor"], 340_100,
        "the amount follows the quote"
    );
    t.app.drain_jobs("test").await.unwrap();
    let messages = sink.messages();
    assert_eq!(messages.len(), 1);
    let mail = &messages[0];
    assert_eq!(mail.to, ["<hank@globex.example>"]);
    assert!(mail.data.contains("Quote Q-00001"), "{}", mail.data);
    let body = mail.data.replace("=\n", "");
    let prefix = &link1[..link1.rfind('/').unwrap() + 1];
    let mailed =
        salesflow_testkit::smtp::link_after(&body, prefix).expect("portal link in the message");
    assert_ne!(
        mailed, link1,
        "the message's own link, made when it was sent"
    );
    assert_eq!(reqwest::get(t.url(&mailed)).await.unwrap().status(), 200);
    let pdf = mail
        .attachment("quote-Q-00001-r1.pdf")
        .expect("the PDF is attached");
    assert!(pdf.starts_with(b"%PDF-"));
    if let Some(text) = pdf_text(&pdf) {
        for expected in [
            "Quote Q-00001",
            "Globex",
            "Pro licence (LIC)",
            "3,060.00",
            "3988.77",
            "Net 30 days.",
        ] {
            let plain = text.replace(',', "");
            assert!(
                plain.contains(&expected.replace(',', "")),
                "{expected} missing in:\n{text}"
            );
        }
    }

    // The customer asks for a change on the portal.
    let page = reqwest::get(t.url(&link1)).await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("3988.77") && html.contains("Accept and sign"));
    let (status, _) = portal_post(
        &t,
        &format!("{link1}/changes"),
        &[("comment", "5 licences please, and drop the books")],
    )
    .await;
    assert_eq!(status, 200);
    let asked = rep.get(&format!("/api/v1/quotes/{quote_id}")).await.json["quote"].clone();
    assert_eq!(asked["status"], "changes_requested");

    // Revision 2: five licences at 10 % (within the rep's limit), no books.
    let revised = rep
        .patch(
            &format!("/api/v1/quotes/{quote_id}"),
            &json!({ "version": asked["version"], "lines": [
                { "sku": "LIC", "quantity": "5", "discount": "10" },
                { "sku": "EXPORT" }
            ] }),
        )
        .await;
    assert_eq!(revised.status, 200, "{}", revised.text);
    let revised = &revised.json["quote"];
    assert_eq!(
        (revised["revision"].as_i64(), revised["status"].as_str()),
        (Some(2), Some("draft"))
    );
    assert_eq!(revised["number"], "Q-00001");
    assert_eq!(revised["requested_by"], "customer");
    assert_eq!(
        revised["revision_comment"],
        "5 licences please, and drop the books"
    );
    // Until it is sent, the customer's link still shows revision 1, never the draft.
    let shown = reqwest::get(t.url(&link1))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        shown.contains("3988.77") && !shown.contains("6726.00"),
        "{shown}"
    );
    let diff = rep
        .get(&format!("/api/v1/quotes/{quote_id}/diff?from=1&to=2"))
        .await
        .json["diff"]
        .clone();
    assert_eq!(diff["added"].as_array().unwrap().len(), 0);
    assert_eq!(diff["removed"][0]["sku"], "BOOK");
    let changes: Vec<(String, String, String)> = diff["changed"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["field"].as_str().unwrap().into(),
                c["old"].as_str().unwrap().into(),
                c["new"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        changes,
        vec![
            ("quantity".into(), "3".into(), "5".into()),
            ("discount".into(), "15 %".into(), "10 %".into()),
            ("net".into(), "3060.00".into(), "5400.00".into()),
        ]
    );
    let total_change = diff["document"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "total")
        .unwrap()
        .clone();
    // 5400.00 + 1026.00 tax + 300.00 (the list price again) = 6726.00
    assert_eq!(
        (total_change["old"].as_str(), total_change["new"].as_str()),
        (Some("3988.77"), Some("6726.00"))
    );

    // Sent again: same number, a new link; the old link stops working.
    let r = rep
        .post(
            &format!("/api/v1/quotes/{quote_id}/send"),
            &json!({ "version": revised["version"] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["quote"]["number"], "Q-00001");
    let link2 = portal_path(r.json["portal_url"].as_str().unwrap());
    assert_eq!(reqwest::get(t.url(&link1)).await.unwrap().status(), 404);

    // Accepted on the portal, twice: one order.
    let (status, html) = portal_post(
        &t,
        &format!("{link2}/accept"),
        &[("signed_name", "Hank Scorpio")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Accepted — thank you") && html.contains("SO-00001"),
        "{html}"
    );
    let (status, _) = portal_post(
        &t,
        &format!("{link2}/accept"),
        &[("signed_name", "Hank Scorpio")],
    )
    .await;
    assert_eq!(status, 200);
    let orders = rep.get("/api/v1/orders").await.json["orders"].clone();
    assert_eq!(orders.as_array().unwrap().len(), 1);
    let order = &orders[0];
    let quote = rep.get(&format!("/api/v1/quotes/{quote_id}")).await.json["quote"].clone();
    assert_eq!(quote["status"], "accepted");
    assert_eq!(order["number"], "SO-00001");
    assert_eq!(order["quote_id"].as_str(), Some(quote_id.as_str()));
    assert_eq!(order["totals"], quote["totals"]);
    assert_eq!(order["lines"], quote["lines"]);
    assert_eq!(order["terms"], "Net 30 days.");
    assert_eq!(order["signature"]["name"], "Hank Scorpio");
    assert_eq!(order["signature"]["ip"], "127.0.0.1");
    let opp = rep
        .get(&format!("/api/v1/opportunities/{opportunity}"))
        .await
        .json["opportunity"]
        .clone();
    assert_eq!(
        (opp["status"].as_str(), opp["amount_minor"].as_i64()),
        (Some("won"), Some(570_000))
    );

    // The negotiation as events.
    let events = rep
        .get(&format!("/api/v1/quotes/{quote_id}/events"))
        .await
        .json["events"]
        .clone();
    let mut activities: Vec<String> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["activity"].as_str().unwrap().to_string())
        .collect();
    activities.reverse();
    assert_eq!(
        activities,
        [
            "created",
            "approval_requested",
            "approved",
            "sent",
            "emailed",
            "changes_requested",
            "revised",
            "sent",
            "accepted"
        ]
    );

    // The signed copy on the portal.
    let signed = reqwest::get(t.url(&format!("{link2}/pdf"))).await.unwrap();
    assert_eq!(signed.status(), 200);
    let bytes = signed.bytes().await.unwrap();
    if let Some(text) = pdf_text(&bytes) {
        assert!(text.contains("Signed by Hank Scorpio"), "{text}");
    }
}
