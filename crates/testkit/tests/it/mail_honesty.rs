//! E-mail that tells the truth: without a mail server nothing is queued and the document says
//! it was not e-mailed; a queued message holds no customer link and no PDF (they are made when
//! it is sent); a message that cannot be delivered ends on the document's timeline with the
//! reason, and its dead job is purged.

use jiff::SignedDuration;
use salesflow_domain::role::Role;
use salesflow_testkit::{Api, TestApp};
use serde_json::{Value, json};

use super::quote_to_order::{catalogue, customer};

async fn mail_jobs(t: &TestApp) -> Vec<String> {
    sqlx::query_scalar("SELECT payload FROM jobs WHERE kind = 'send_email'")
        .fetch_all(t.store.pool())
        .await
        .unwrap()
}

/// A server whose mail server is not there: every attempt to send fails.
async fn without_mail_server() -> TestApp {
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    TestApp::spawn_with_smtp_url(&format!("smtp://127.0.0.1:{port}?tls=none")).await
}

/// Runs the mail jobs through all their attempts (ten, with backoff of up to an hour).
async fn every_attempt(t: &TestApp) {
    for _ in 0..10 {
        t.app.drain_jobs("test").await.unwrap();
        t.clock.advance(SignedDuration::from_hours(2));
    }
}

/// A quote for Globex (whose contact has an e-mail address), sent by `rep`.
async fn sent_quote(rep: &Api) -> Value {
    let (account, contact, _) = customer(rep).await;
    let quote = rep
        .ok(
            "/api/v1/quotes",
            &json!({ "title": "Mail", "account_id": account, "contact_id": contact, "lines": "1 x LIC" }),
            "quote",
        )
        .await;
    let id = quote["id"].as_str().unwrap();
    let sent = rep
        .post(
            &format!("/api/v1/quotes/{id}/send"),
            &json!({ "version": quote["version"] }),
        )
        .await;
    assert_eq!(sent.status, 200, "{}", sent.text);
    sent.json
}

async fn activities(api: &Api, quote: &Value) -> Vec<(String, Value)> {
    let id = quote["quote"]["id"].as_str().unwrap();
    api.get(&format!("/api/v1/quotes/{id}/events")).await.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["activity"].as_str().unwrap().to_string(),
                e["changes"].clone(),
            )
        })
        .collect()
}

#[tokio::test]
async fn without_a_mail_server_nothing_is_queued_and_the_quote_says_so() {
    let t = TestApp::spawn().await;
    let manager = t.user(Role::SalesManager, None).await;
    let api = t.api_as(&manager).await;
    catalogue(&api).await;
    let sent = sent_quote(&api).await;
    assert_eq!(sent["emailed_to"], Value::Null);
    assert_eq!(sent["not_emailed"], "no mail server is configured");
    assert!(sent["portal_url"].is_string(), "the link to share by hand");
    assert!(mail_jobs(&t).await.is_empty(), "nothing queued to fail");
    let events = activities(&api, &sent).await;
    let (activity, changes) = &events[0];
    assert_eq!(activity, "email_not_sent");
    assert!(
        changes.to_string().contains("no mail server is configured"),
        "{changes}"
    );

    // The page says it too, instead of "Sent to …".
    let (account, contact, _) = customer(&api).await;
    let quote = api
        .ok(
            "/api/v1/quotes",
            &json!({ "title": "Page", "account_id": account, "contact_id": contact, "lines": "1 x LIC" }),
            "quote",
        )
        .await;
    let session = t.session_as(&manager).await;
    let page = session
        .post(
            &format!("/quotes/{}/send", quote["id"].as_str().unwrap()),
            &[("version", &quote["version"].to_string())],
        )
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("not e-mailed: no mail server is configured"),
        "{page}"
    );
    assert!(!page.contains("Sent to "), "{page}");
    let admin = t.session_as(&t.user(Role::Admin, None).await).await;
    let (_, outbox) = admin.get("/settings/mail").await;
    assert!(
        outbox.contains("id=\"no-mail-server\"") && outbox.contains("id=\"outbox-empty\""),
        "{outbox}"
    );
    t.shutdown().await;
}

#[tokio::test]
async fn queued_mail_holds_no_secret_and_a_failure_ends_on_the_timeline() {
    let t = without_mail_server().await;
    let manager = t.user(Role::SalesManager, None).await;
    let api = t.api_as(&manager).await;
    catalogue(&api).await;
    let sent = sent_quote(&api).await;
    assert_eq!(sent["emailed_to"], "hank@globex.example");
    let payloads = mail_jobs(&t).await;
    assert_eq!(payloads.len(), 1);
    let payload = &payloads[0];
    assert!(
        payload.contains(sent["quote"]["id"].as_str().unwrap()),
        "{payload}"
    );
    for secret in ["/portal/", "base64", "JVBER", "Total:"] {
        assert!(
            !payload.contains(secret),
            "the job holds {secret}: {payload}"
        );
    }
    // Ten attempts with backoff; the last one's failure goes on the timeline.
    every_attempt(&t).await;
    let events = activities(&api, &sent).await;
    let (activity, changes) = &events[0];
    assert_eq!(activity, "email_failed", "{events:?}");
    let text = changes.to_string();
    assert!(
        text.contains("hank@globex.example") && text.contains("reason"),
        "{text}"
    );
    assert_eq!(mail_jobs(&t).await.len(), 1, "the dead job is kept a day");

    // The administrator's outbox shows it with the reason, retries it and purges failures.
    let admin_user = t.user(Role::Admin, None).await;
    let admin = t.session_as(&admin_user).await;
    let (status, page) = admin.get("/settings/mail").await;
    assert_eq!(status, 200);
    assert!(
        page.contains("id=\"outbox\"") && page.contains("hank@globex.example"),
        "{page}"
    );
    assert!(page.contains("<td>failed</td>"), "{page}");
    let id = t.app.store.jobs_of_kind("send_email", 10).await.unwrap()[0].id;
    let retried = admin.post(&format!("/settings/mail/{id}/retry"), &[]).await;
    assert_eq!(retried.status(), 303);
    assert!(
        admin
            .get("/settings/mail")
            .await
            .1
            .contains("<td>waiting</td>")
    );
    every_attempt(&t).await;
    // A day went by: a new session (the old one timed out).
    let admin = t.session_as(&admin_user).await;
    assert!(
        admin
            .get("/settings/mail")
            .await
            .1
            .contains("<td>failed</td>")
    );
    let rep = t.session_as(&manager).await;
    assert_eq!(
        rep.get("/settings/mail").await.0,
        403,
        "administrators only"
    );
    let now = t.app.now();
    t.app
        .store
        .purge_expired(now, now.checked_sub(SignedDuration::from_hours(1)).unwrap())
        .await
        .unwrap();
    assert!(mail_jobs(&t).await.is_empty(), "then purged");
    t.shutdown().await;
}

#[tokio::test]
async fn failed_messages_are_purged_from_the_outbox_page() {
    let t = without_mail_server().await;
    let manager = t.user(Role::SalesManager, None).await;
    let api = t.api_as(&manager).await;
    catalogue(&api).await;
    sent_quote(&api).await;
    every_attempt(&t).await;
    let admin = t.session_as(&t.user(Role::Admin, None).await).await;
    let purged = admin.post("/settings/mail/purge", &[]).await;
    assert_eq!(purged.status(), 303);
    assert!(mail_jobs(&t).await.is_empty());
    assert!(
        admin
            .get("/settings/mail")
            .await
            .1
            .contains("id=\"outbox-empty\"")
    );
    t.shutdown().await;
}

#[tokio::test]
async fn a_posted_invoices_customer_link_can_be_copied_from_its_page() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    salesflow_testkit::orders::product(&t, &admin, "AUDIT", "100.00", false).await;
    let order = salesflow_testkit::orders::accepted_order(&t, &admin, "Link Oy", "1 x AUDIT").await;
    office
        .ok(
            &format!("/api/v1/orders/{}/confirm", order.id),
            &json!({ "version": 1 }),
            "order",
        )
        .await;
    let draft = office.get("/api/v1/invoices").await.json["invoices"][0].clone();
    let id = draft["id"].as_str().unwrap().to_string();
    let posted = office
        .post(
            &format!("/api/v1/invoices/{id}/post"),
            &json!({ "version": draft["version"] }),
        )
        .await;
    assert_eq!(posted.status, 200, "{}", posted.text);
    assert_eq!(posted.json["emailed_to"], Value::Null);
    assert!(posted.json["not_emailed"].is_string());
    let finance = t.session_as(&t.user(Role::Finance, None).await).await;
    let (_, page) = finance.get(&format!("/invoices/{id}")).await;
    assert!(page.contains("id=\"share-link\""), "{page}");
    let shared = finance
        .post(&format!("/invoices/{id}/portal-link"), &[])
        .await;
    assert_eq!(shared.status(), 200);
    let html = shared.text().await.unwrap();
    let doc = scraper::Html::parse_document(&html);
    let link = doc
        .select(&scraper::Selector::parse("#customer-link").unwrap())
        .next()
        .and_then(|e| e.value().attr("value"))
        .expect("the link to copy")
        .to_string();
    let path = &link[link.find("/portal/").unwrap()..];
    assert_eq!(reqwest::get(t.url(path)).await.unwrap().status(), 200);
    // The link from posting still works too.
    let first = posted.json["portal_url"].as_str().unwrap();
    let first = &first[first.find("/portal/").unwrap()..];
    assert_eq!(reqwest::get(t.url(first)).await.unwrap().status(), 200);
    let warehouse = t.session_as(&t.user(Role::Warehouse, None).await).await;
    let refused = warehouse
        .post(&format!("/invoices/{id}/portal-link"), &[])
        .await;
    assert_eq!(refused.status(), 403);
    t.shutdown().await;
}
