//! Receivables: aging buckets and days sales outstanding from posted invoices, and overdue
//! reminders e-mailed with the invoice attached (at most weekly).

use jiff::SignedDuration;
use salesflow_app::Actor;
use salesflow_app::entity::Origin;
use salesflow_app::portal::PortalAnswer;
use salesflow_app::quotes::SendQuote;
use salesflow_domain::account::{Account, AccountInput};
use salesflow_domain::contact::{Contact, ContactInput};
use salesflow_domain::product::{Product, ProductInput};
use salesflow_domain::quote::lines::LinesInput;
use salesflow_domain::quote::{Quote, QuoteInput};
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::http::Api;
use salesflow_testkit::smtp::SmtpSink;
use serde_json::json;

/// Posts an invoice of `amount` (0 % tax) for a customer whose contact has an e-mail address.
async fn posted(t: &TestApp, admin: &Actor, office: &Api, amount: &str) -> String {
    let sku = format!("S{}", &uuid::Uuid::now_v7().simple().to_string()[24..]);
    let input = ProductInput {
        sku: Some(sku.clone()),
        name: Some("Consulting".into()),
        list_price: Some(amount.into()),
        tax_category: Some("zero".into()),
        stockable: Some("false".into()),
        ..Default::default()
    };
    let _: Product = t.app.create(admin, &input, Origin::Api).await.unwrap();
    let account: Account = t
        .app
        .create(
            admin,
            &AccountInput {
                name: Some("Late Payer".into()),
                country: Some("Germany".into()),
                ..Default::default()
            },
            Origin::Api,
        )
        .await
        .unwrap();
    let contact: Contact = t
        .app
        .create(
            admin,
            &ContactInput {
                last_name: Some("Slow".into()),
                email: Some("ap@late.example".into()),
                account_id: Some(account.id.to_string()),
                ..Default::default()
            },
            Origin::Api,
        )
        .await
        .unwrap();
    let input = QuoteInput {
        title: Some("Work".into()),
        account_id: Some(account.id.to_string()),
        contact_id: Some(contact.id.to_string()),
        lines: Some(LinesInput::Text(sku)),
        valid_until: Some("2999-01-01".into()),
        ..Default::default()
    };
    let q: Quote = t.app.create(admin, &input, Origin::Api).await.unwrap();
    let sent = t
        .app
        .send_quote(
            admin,
            q.id.0,
            &SendQuote {
                version: q.meta.version,
            },
        )
        .await
        .unwrap();
    let url = sent.portal_url.unwrap();
    let answer = PortalAnswer {
        signed_name: Some("Signer".into()),
        comment: None,
    };
    let order = t
        .app
        .portal_accept(q.id.0, url.rsplit('/').next().unwrap(), &answer, None)
        .await
        .unwrap()
        .1;
    let r = office
        .post(
            &format!("/api/v1/orders/{}/confirm", order.id),
            &json!({ "version": 1 }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let draft = office.get("/api/v1/invoices?status=draft").await.json["invoices"][0].clone();
    let id = draft["id"].as_str().unwrap().to_string();
    let r = office
        .post(
            &format!("/api/v1/invoices/{id}/post"),
            &json!({ "version": draft["version"] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    id
}

#[tokio::test]
async fn aging_dso_and_weekly_reminders() {
    let sink = SmtpSink::start().await;
    let t = TestApp::spawn_with_mail(&sink).await;
    t.company_ready().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    // Due 30 days after posting (the default).
    let first = posted(&t, &admin, &office, "1000.00").await;
    t.clock.advance(SignedDuration::from_hours(24 * 45));
    let second = posted(&t, &admin, &office, "500.00").await;
    let aging = office.get("/api/v1/receivables").await.json["receivables"][0].clone();
    assert_eq!(
        (aging["days_1_30"].as_str(), aging["current"].as_str()),
        (Some("1000.00"), Some("500.00"))
    );
    // 1500 open of 1500 invoiced in 90 days → 90.0 days.
    assert_eq!(aging["days_sales_outstanding"], "90.0");
    let r = office.post("/api/v1/payments", &json!({ "account_id": office.get(&format!("/api/v1/invoices/{second}")).await.json["invoice"]["account_id"], "amount": "200.00" })).await;
    assert_eq!(r.status, 201, "{}", r.text);
    t.clock.advance(SignedDuration::from_hours(24 * 50));
    let aging = office.get("/api/v1/receivables").await.json["receivables"][0].clone();
    assert_eq!(
        (
            aging["days_61_90"].as_str(),
            aging["days_1_30"].as_str(),
            aging["total"].as_str()
        ),
        (Some("1000.00"), Some("300.00"), Some("1300.00"))
    );

    // Both are overdue: one reminder each, with the invoice attached; none again the same week.
    t.app.ensure_recurring_jobs().await.unwrap();
    t.app.drain_jobs("test").await.unwrap();
    let messages = sink.messages();
    let reminders: Vec<_> = messages
        .iter()
        .filter(|m| m.data.contains("is overdue"))
        .collect();
    assert_eq!(reminders.len(), 2, "{messages:?}");
    assert!(reminders.iter().all(|m| m.to == ["<ap@late.example>"]));
    assert!(
        reminders
            .iter()
            .any(|m| m.attachment("invoice-INV-00001.pdf").is_some())
    );
    t.clock.advance(SignedDuration::from_hours(25));
    t.app.drain_jobs("test").await.unwrap();
    assert_eq!(
        sink.messages()
            .iter()
            .filter(|m| m.data.contains("is overdue"))
            .count(),
        2
    );
    t.clock.advance(SignedDuration::from_hours(24 * 7));
    t.app.drain_jobs("test").await.unwrap();
    assert_eq!(
        sink.messages()
            .iter()
            .filter(|m| m.data.contains("is overdue"))
            .count(),
        4
    );
    let events = office
        .get(&format!("/api/v1/invoices/{first}/events"))
        .await
        .json["events"]
        .clone();
    let latest: Vec<&str> = events.as_array().unwrap()[..2]
        .iter()
        .map(|e| e["activity"].as_str().unwrap())
        .collect();
    assert_eq!(
        latest,
        ["emailed", "reminder_sent"],
        "sent, and the timeline says so"
    );
    // A rep sees only their own customers' receivables: none here.
    let rep = t.api_as(&t.user(Role::SalesRep, None).await).await;
    assert!(
        rep.get("/api/v1/receivables").await.json["receivables"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    t.shutdown().await;
}
