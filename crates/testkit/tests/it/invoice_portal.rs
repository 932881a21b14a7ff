//! Posted invoices reach the customer: e-mailed over SMTP with the PDF and a portal link, where
//! the customer sees their invoices with what is paid and open. The link is bound to its
//! invoice and customer: other ids, other customers' PDFs and altered tokens are "not found".

use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::orders::{accepted_order, product};
use salesflow_testkit::smtp::SmtpSink;
use serde_json::{Value, json};

fn id(v: &Value) -> String {
    v["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_posted_invoice_is_mailed_with_a_link_to_the_customers_invoices() {
    let sink = SmtpSink::start().await;
    let t = TestApp::spawn_with_mail(&sink).await;
    t.company_ready().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    product(&t, &admin, "AUDIT", "500.00", false).await;
    let account = office
        .ok(
            "/api/v1/accounts",
            &json!({ "name": "Initech", "country": "US" }),
            "account",
        )
        .await;
    let contact = office
        .ok(
            "/api/v1/contacts",
            &json!({ "first_name": "Bill", "last_name": "Lumbergh", "email": "bill@initech.example",
                     "account_id": id(&account) }),
            "contact",
        )
        .await;
    let quote = office
        .ok(
            "/api/v1/quotes",
            &json!({ "title": "Audit", "account_id": id(&account), "contact_id": id(&contact), "lines": "2 x AUDIT" }),
            "quote",
        )
        .await;
    let sent = office
        .post(
            &format!("/api/v1/quotes/{}/send", id(&quote)),
            &json!({ "version": quote["version"] }),
        )
        .await;
    let url = sent.json["portal_url"].as_str().unwrap();
    let accepted = reqwest::Client::new()
        .post(t.url(&format!("{}/accept", &url[url.find("/portal/").unwrap()..])))
        .form(&[("signed_name", "Bill Lumbergh")])
        .send()
        .await
        .unwrap();
    assert_eq!(accepted.status(), 200);
    let order = office.get("/api/v1/orders").await.json["orders"][0].clone();
    let confirmed = office
        .post(
            &format!("/api/v1/orders/{}/confirm", id(&order)),
            &json!({ "version": order["version"] }),
        )
        .await;
    let draft = confirmed.json["invoice"].clone();
    assert_eq!(
        draft["status"], "draft",
        "invoiced on order: the draft comes along"
    );
    t.app.drain_jobs("test").await.unwrap();
    let before = sink.messages().len();

    let posted = office
        .post(
            &format!("/api/v1/invoices/{}/post", id(&draft)),
            &json!({ "version": draft["version"] }),
        )
        .await;
    assert_eq!(posted.status, 200, "{}", posted.text);
    assert_eq!(posted.json["emailed_to"], "bill@initech.example");
    let link = posted.json["portal_url"].as_str().unwrap().to_string();
    let path = link[link.find("/portal/").unwrap()..].to_string();
    t.app.drain_jobs("test").await.unwrap();
    let messages = sink.messages();
    assert_eq!(messages.len(), before + 1);
    let mail = &messages[before];
    assert_eq!(mail.to, ["<bill@initech.example>"]);
    assert!(mail.data.contains("Invoice INV-00001"), "{}", mail.data);
    // The message has a link of its own to the same page (made when it was sent: the job
    // held no link), and it works like the one the app showed.
    let body = mail.data.replace("=\n", "");
    let prefix = &path[..path.rfind('/').unwrap() + 1];
    let mailed = salesflow_testkit::smtp::link_after(&body, prefix).expect("a link in the message");
    assert_ne!(mailed, path, "a link of its own");
    assert_eq!(reqwest::get(t.url(&mailed)).await.unwrap().status(), 200);
    let pdf = mail.attachment("invoice-INV-00001.pdf").expect("the PDF");
    assert!(pdf.starts_with(b"%PDF-"));

    // The customer's page: 2 × 500.00 + 19 % = 1190.00, all open.
    let page = || async {
        let r = reqwest::get(t.url(&path)).await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    };
    let (status, html) = page().await;
    assert_eq!(status, 200);
    assert!(
        html.contains("Invoice INV-00001")
            && html.contains("Posted")
            && html.contains("1190.00 EUR"),
        "{html}"
    );
    office
        .ok(
            "/api/v1/payments",
            &json!({ "account_id": id(&account), "amount": "400.00" }),
            "payment",
        )
        .await;
    let (_, html) = page().await;
    assert!(
        html.contains("Partially paid") && html.contains("790.00 EUR"),
        "{html}"
    );
    let pdf = reqwest::get(t.url(&format!("{path}/{}/pdf", id(&draft))))
        .await
        .unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");

    // Another customer's invoice: not through this link, in any way.
    let other = accepted_order(&t, &admin, "Other Corp", "1 x AUDIT").await;
    let confirmed = office
        .post(
            &format!("/api/v1/orders/{}/confirm", other.id),
            &json!({ "version": 1 }),
        )
        .await;
    let other_draft = confirmed.json["invoice"].clone();
    let other_posted = office
        .ok(
            &format!("/api/v1/invoices/{}/post", id(&other_draft)),
            &json!({ "version": other_draft["version"] }),
            "invoice",
        )
        .await;
    let token = path.rsplit('/').next().unwrap();
    let denied = [
        format!("/portal/invoices/{}/{token}", id(&other_posted)),
        format!("{path}/{}/pdf", id(&other_posted)),
        format!("/portal/invoices/{}/{token}x", id(&draft)),
        format!(
            "/portal/invoices/{}/{}",
            id(&draft),
            "0".repeat(token.len())
        ),
    ];
    for url in denied {
        let r = reqwest::get(t.url(&url)).await.unwrap();
        assert_eq!(r.status(), 404, "{url}");
    }
    let (_, html) = page().await;
    assert!(!html.contains("INV-00002"), "only this customer's invoices");
    t.shutdown().await;
}
