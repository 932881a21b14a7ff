//! The quote pages by role, the settings page, and revising a quote through its form.

use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use serde_json::json;

use super::quote_to_order::{catalogue, customer};

#[tokio::test]
async fn quote_pages_follow_the_role() {
    let t = TestApp::spawn().await;
    let pages = [
        "/quotes",
        "/quotes/new",
        "/products",
        "/products/new",
        "/orders",
        "/approvals",
        "/settings/quotes",
    ];
    let expect = [
        (Role::Admin, [200, 200, 200, 200, 200, 200, 200]),
        (Role::SalesManager, [200, 200, 200, 200, 200, 200, 200]),
        (Role::SalesRep, [200, 200, 200, 403, 200, 403, 200]),
        (Role::Marketing, [403, 403, 200, 403, 403, 403, 200]),
        (Role::Warehouse, [403, 403, 200, 403, 200, 403, 403]),
        (Role::Finance, [200, 403, 200, 403, 200, 403, 200]),
        (Role::Support, [403, 403, 200, 403, 403, 403, 403]),
    ];
    let mut failures = Vec::new();
    for (role, codes) in expect {
        let s = t.session_as(&t.user(role, None).await).await;
        for (page, code) in pages.iter().zip(codes) {
            let (status, _) = s.get(page).await;
            if status.as_u16() != code {
                failures.push(format!("{page} as {role}: expected {code}, got {status}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    t.shutdown().await;
}

#[tokio::test]
async fn settings_and_a_revision_through_the_pages() {
    let t = TestApp::spawn().await;
    let manager = t.user(Role::SalesManager, None).await;
    let finance = t.user(Role::Finance, None).await;
    let rep = t.user(Role::SalesRep, None).await;
    catalogue(&t.api_as(&manager).await).await;
    let ms = t.session_as(&manager).await;
    let company = [
        ("name", "Acme Sales GmbH"),
        ("address", "Hauptstr. 1\n10115 Berlin"),
        ("vat_id", "DE123456789"),
        ("footer", "IBAN DE02 1001 0010 0006 8201 01"),
        ("version", "0"),
    ];
    // Separation of duties: the sales side does not change the bank details on invoices.
    assert_eq!(
        ms.post("/settings/quotes/company", &company).await.status(),
        403
    );
    let (_, page) = ms.get("/settings/quotes").await;
    assert!(
        !page.contains("Save company details"),
        "no save button for managers"
    );
    let fs = t.session_as(&finance).await;
    let saved = fs.post("/settings/quotes/company", &company).await;
    assert_eq!(saved.status(), 303);
    // The change is on the audit trail, field by field.
    let audit = t
        .api_as(&t.user(Role::Admin, None).await)
        .await
        .get("/api/v1/audit?entity_type=settings")
        .await;
    assert_eq!(audit.status, 200, "{}", audit.text);
    assert!(
        audit.text.contains("company.footer") && audit.text.contains("IBAN DE02"),
        "{}",
        audit.text
    );
    let taxes = [
        ("tax_0_key", "standard"),
        ("tax_0_name", "Standard"),
        ("tax_0_code", "S"),
        ("tax_0_rate", "19"),
        ("version", "0"),
    ];
    assert_eq!(
        ms.post("/settings/quotes/taxes", &taxes).await.status(),
        403
    );
    let bad = fs
        .post(
            "/settings/quotes/taxes",
            &[
                ("tax_0_key", "standard"),
                ("tax_0_name", "Standard"),
                ("tax_0_code", "S"),
                ("tax_0_rate", "0"),
                ("version", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status(), 422);
    assert!(bad.text().await.unwrap().contains("needs a rate above 0"));
    let (_, page) = ms.get("/settings/quotes").await;
    assert!(page.contains("Acme Sales GmbH") && page.contains("DE123456789"));

    // The rep makes and sends a quote, the customer asks for a change, the rep revises it
    // in the form; the page compares the revisions.
    let api = t.api_as(&rep).await;
    let (account, _, _) = customer(&api).await;
    let q = api
        .post(
            "/api/v1/quotes",
            &json!({ "title": "Page quote", "account_id": account, "lines": "2 x LIC" }),
        )
        .await;
    let id = q.json["quote"]["id"].as_str().unwrap().to_string();
    let sent = api
        .post(
            &format!("/api/v1/quotes/{id}/send"),
            &json!({ "version": 1 }),
        )
        .await;
    let url = sent.json["portal_url"].as_str().unwrap().to_string();
    let link = &url[url.find("/portal/").unwrap()..];
    let portal = reqwest::get(t.url(link))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(portal.contains("From Acme Sales GmbH"), "{portal}");
    reqwest::Client::new()
        .post(t.url(&format!("{link}/changes")))
        .form(&[("comment", "Three, please")])
        .send()
        .await
        .unwrap();
    let rs = t.session_as(&rep).await;
    let (status, form) = rs.get(&format!("/quotes/{id}/edit")).await;
    assert_eq!(status, 200);
    assert!(
        form.contains("2 x LIC: Pro licence @ 1200.00 [standard]"),
        "{form}"
    );
    let version =
        api.get(&format!("/api/v1/quotes/{id}")).await.json["quote"]["version"].to_string();
    let revised = rs
        .post(
            &format!("/quotes/{id}"),
            &[
                ("title", "Page quote"),
                ("lines", "3 x LIC: Pro licence @ 1200.00 [standard]"),
                ("account_id", account.as_str()),
                ("version", version.as_str()),
            ],
        )
        .await;
    assert_eq!(revised.status(), 303);
    let (_, page) = rs.get(&format!("/quotes/{id}?from=1&to=2")).await;
    assert!(page.contains("Revision 1 → 2"), "{page}");
    assert!(
        page.contains("Three, please") && page.contains("customer"),
        "{page}"
    );
    assert!(page.contains("<del>2</del> → <ins>3</ins>"), "{page}");
    t.shutdown().await;
}
