//! Payments: partial and full payments on posted invoices, over-payment kept as customer
//! credit, 20 concurrent full payments allocating once (RELIABILITY.md goal 11), and
//! Idempotency-Key replays (goal 9), also of a first request whose answer never came.

use salesflow_app::Actor;
use salesflow_app::entity::Origin;
use salesflow_app::portal::PortalAnswer;
use salesflow_app::ports::Claim;
use salesflow_app::quotes::SendQuote;
use salesflow_domain::account::{Account, AccountInput};
use salesflow_domain::product::{Product, ProductInput};
use salesflow_domain::quote::lines::LinesInput;
use salesflow_domain::quote::{Quote, QuoteInput};
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::http::Api;
use serde_json::{Value, json};

/// A posted invoice of 100.00 (a service at 0 % tax) for a new account: (account, invoice).
async fn posted_invoice(t: &TestApp, admin: &Actor, office: &Api) -> (String, Value) {
    t.company_ready().await;
    if office.get("/api/v1/products?q=FEE").await.json["products"]
        .as_array()
        .unwrap()
        .is_empty()
    {
        let input = ProductInput {
            sku: Some("FEE".into()),
            name: Some("Service fee".into()),
            list_price: Some("100.00".into()),
            tax_category: Some("zero".into()),
            stockable: Some("false".into()),
            ..Default::default()
        };
        let _: Product = t.app.create(admin, &input, Origin::Api).await.unwrap();
    }
    let account: Account = t
        .app
        .create(
            admin,
            &AccountInput {
                name: Some("Payer".into()),
                country: Some("Germany".into()),
                ..Default::default()
            },
            Origin::Api,
        )
        .await
        .unwrap();
    let input = QuoteInput {
        title: Some("Fee".into()),
        account_id: Some(account.id.to_string()),
        lines: Some(LinesInput::Text("FEE".into())),
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
        signed_name: Some("Payer".into()),
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
    let invoices = office.get("/api/v1/invoices?status=draft").await.json["invoices"].clone();
    let draft = invoices
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["account_id"] == account.id.to_string())
        .unwrap()
        .clone();
    let r = office
        .post(
            &format!("/api/v1/invoices/{}/post", draft["id"].as_str().unwrap()),
            &json!({ "version": draft["version"] }),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    (account.id.to_string(), r.json["invoice"].clone())
}

async fn invoice(api: &Api, id: &str) -> Value {
    api.get(&format!("/api/v1/invoices/{id}")).await.json["invoice"].clone()
}

#[tokio::test]
async fn partial_payment_final_payment_and_credit() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    let finance = t.api_as(&t.user(Role::Finance, None).await).await;
    let (account, inv) = posted_invoice(&t, &admin, &office).await;
    let id = inv["id"].as_str().unwrap();
    let first = finance
        .post(
            "/api/v1/payments",
            &json!({ "account_id": account, "amount": "40.00", "reference": "Bank 1" }),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.text);
    assert_eq!(
        first.json["payment"]["allocations"][0]["amount_minor"],
        4000
    );
    let after = invoice(&finance, id).await;
    assert_eq!(
        (after["status"].as_str(), after["paid_minor"].as_i64()),
        (Some("partially_paid"), Some(4000))
    );
    let second = finance
        .post(
            "/api/v1/payments",
            &json!({ "account_id": account, "amount": "100.00", "method": "card" }),
        )
        .await;
    assert_eq!(second.status, 201, "{}", second.text);
    let p = &second.json["payment"];
    assert_eq!(
        (
            p["allocations"][0]["amount_minor"].as_i64(),
            p["credit_minor"].as_i64()
        ),
        (Some(6000), Some(4000))
    );
    let paid = invoice(&finance, id).await;
    assert_eq!(
        (paid["status"].as_str(), paid["paid_minor"].as_i64()),
        (Some("paid"), Some(10_000))
    );
    // Bad input is refused and stores nothing.
    let cases = [
        (
            json!({ "account_id": account, "amount": "-5" }),
            "negative_amount",
        ),
        (
            json!({ "account_id": account, "amount": "0" }),
            "invalid_amount",
        ),
        (
            json!({ "account_id": account, "amount": "1.001" }),
            "invalid_amount",
        ),
        (
            json!({ "account_id": uuid::Uuid::now_v7().to_string(), "amount": "5" }),
            "unknown_account",
        ),
        (
            json!({ "account_id": account, "amount": "5", "method": "barter" }),
            "invalid_choice",
        ),
        (
            json!({ "account_id": account, "amount": "5", "invoices": [{ "invoice_id": uuid::Uuid::now_v7().to_string() }] }),
            "unknown_invoice",
        ),
    ];
    for (body, code) in cases {
        let r = finance.post("/api/v1/payments", &body).await;
        assert_eq!(
            (r.status.as_u16(), r.code()),
            (422, code),
            "{body}: {}",
            r.text
        );
    }
    assert_eq!(
        finance.get("/api/v1/payments").await.json["payments"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let rep = t.api_as(&t.user(Role::SalesRep, None).await).await;
    assert_eq!(
        rep.post(
            "/api/v1/payments",
            &json!({ "account_id": account, "amount": "5" })
        )
        .await
        .status,
        403
    );
    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_full_payments_at_once_allocate_once() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = std::sync::Arc::new(t.api_as(&admin_user).await);
    let (account, inv) = posted_invoice(&t, &admin, &office).await;
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (office, account) = (office.clone(), account.clone());
        tasks.push(tokio::spawn(async move {
            office
                .post(
                    "/api/v1/payments",
                    &json!({ "account_id": account, "amount": "100.00" }),
                )
                .await
                .status
                .as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 201);
    }
    let paid = invoice(&office, inv["id"].as_str().unwrap()).await;
    assert_eq!(
        (paid["status"].as_str(), paid["paid_minor"].as_i64()),
        (Some("paid"), Some(10_000))
    );
    let payments = office.get("/api/v1/payments").await.json["payments"].clone();
    let allocated: i64 = payments
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["allocations"].as_array().unwrap().clone())
        .map(|a| a["amount_minor"].as_i64().unwrap())
        .sum();
    let credit: i64 = payments
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["credit_minor"].as_i64().unwrap())
        .sum();
    assert_eq!(
        (allocated, credit),
        (10_000, 19 * 10_000),
        "one full allocation, the rest is credit"
    );
    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn idempotency_keys_replay_the_first_answer() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    let (account, _) = posted_invoice(&t, &admin, &office).await;
    let finance_user = t.user(Role::Finance, None).await;
    let token = t
        .app
        .create_token(
            &TestApp::actor(&finance_user),
            finance_user.id,
            "idem",
            None,
        )
        .await
        .unwrap()
        .1;
    let client = reqwest::Client::new();
    let pay = |key: &str, amount: &str| {
        client
            .post(t.url("/api/v1/payments"))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .json(&json!({ "account_id": account, "amount": amount }))
            .send()
    };
    let first = pay("key-1", "25.00").await.unwrap();
    assert_eq!(first.status(), 201);
    let first_body = first.text().await.unwrap();
    for _ in 0..100 {
        let again = pay("key-1", "25.00").await.unwrap();
        assert_eq!(again.status(), 201);
        assert_eq!(again.headers()["idempotent-replayed"], "true");
        assert_eq!(again.text().await.unwrap(), first_body);
    }
    let other = pay("key-1", "26.00").await.unwrap();
    assert_eq!(other.status(), 422);
    assert!(
        other
            .text()
            .await
            .unwrap()
            .contains("idempotency_key_reused")
    );
    // 20 at once with a new key: one payment, every answer the same.
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (client, url, token, account) = (
            client.clone(),
            t.url("/api/v1/payments"),
            token.clone(),
            account.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(url)
                .bearer_auth(token)
                .header("Idempotency-Key", "key-2")
                .json(&json!({ "account_id": account, "amount": "10.00" }))
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.text().await.unwrap())
        }));
    }
    let mut answers = Vec::new();
    for task in tasks {
        answers.push(task.await.unwrap());
    }
    assert!(
        answers.iter().all(|a| a == &answers[0] && a.0 == 201),
        "{answers:?}"
    );
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM payments")
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(count, 2, "one payment per key");
    // Keys belong to their principal: the same key for another user is a new request.
    let office_pay = client
        .post(t.url("/api/v1/payments"))
        .bearer_auth(
            t.app
                .create_token(&admin, admin_user.id, "idem", None)
                .await
                .unwrap()
                .1,
        )
        .header("Idempotency-Key", "key-1")
        .json(&json!({ "account_id": account, "amount": "25.00" }))
        .send()
        .await
        .unwrap();
    assert_eq!(office_pay.status(), 201);
    assert!(office_pay.headers().get("idempotent-replayed").is_none());
    t.shutdown().await;
}

#[tokio::test]
async fn the_check_rederives_paid_amounts_and_stock_from_their_ledgers() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    let (account, invoice) = posted_invoice(&t, &admin, &office).await;
    let payment = office
        .post(
            "/api/v1/payments",
            &json!({ "account_id": account, "amount": "60.00" }),
        )
        .await;
    assert_eq!(payment.status, 201, "{}", payment.text);
    let found = t.store.consistency().await.unwrap();
    assert!(found.is_sound(), "{found:?}");
    assert!(salesflow::check::run(&t.store).await.is_ok());
    // A paid amount changed behind the ledger's back is found.
    sqlx::query("UPDATE invoices SET paid_minor = 0 WHERE id = $1")
        .bind(invoice["id"].as_str().unwrap())
        .execute(t.store.pool())
        .await
        .unwrap();
    let found = t.store.consistency().await.unwrap();
    assert_eq!(found.invoice_mismatches.len(), 1, "{found:?}");
    let m = &found.invoice_mismatches[0];
    assert_eq!((m.stored_minor, m.from_payments_minor), (0, 6_000));
    assert_eq!(m.number, invoice["number"].as_str().unwrap());
    assert!(salesflow::check::run(&t.store).await.is_err());
    // A quote accepted without its order (a document stored by halves) is found too.
    let quote = office
        .post(
            "/api/v1/quotes",
            &json!({ "title": "Half", "account_id": account, "lines": "1 x FEE" }),
        )
        .await;
    assert_eq!(quote.status, 201, "{}", quote.text);
    sqlx::query("UPDATE quotes SET status = 'accepted' WHERE id = $1")
        .bind(quote.json["quote"]["id"].as_str().unwrap())
        .execute(t.store.pool())
        .await
        .unwrap();
    let found = t.store.consistency().await.unwrap();
    assert_eq!(found.accepted_quotes_without_order, 1, "{found:?}");
    assert!(found.integrity_problems.is_empty(), "{found:?}");
    t.shutdown().await;
}

/// A first request whose answer never came (the server died): after the lease, a retry runs it
/// only when none of its writes was stored, and never runs it twice.
#[tokio::test]
async fn an_abandoned_key_runs_again_only_when_nothing_of_it_was_stored() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    let (account, _) = posted_invoice(&t, &admin, &office).await;
    let token = office.token().unwrap();
    let client = reqwest::Client::new();
    let body = |reference: &str| {
        json!({ "account_id": account, "amount": "5.00", "reference": reference }).to_string()
    };
    let pay = |key: &'static str, body: String| {
        client
            .post(t.url("/api/v1/payments"))
            .bearer_auth(&token)
            .header("Idempotency-Key", key)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let stored = |reference: &'static str| {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM payments WHERE reference = $1")
            .bind(reference)
            .fetch_one(t.store.pool())
    };
    // Claimed, then the process died before anything was written.
    let early = body("EARLY");
    let hash = salesflow_app::secret::hash_secret(&format!("POST /api/v1/payments\n{early}"));
    let claim = t.app.claim_idempotency_key(&admin, "early", &hash).await;
    assert_eq!(claim.unwrap(), Claim::New);
    t.clock.advance(salesflow_app::idempotency::LEASE);
    t.clock.advance(jiff::SignedDuration::from_secs(1));
    let retried = pay("early", early).await.unwrap();
    assert_eq!(
        retried.status(),
        201,
        "nothing was stored: the retry runs it"
    );
    assert_eq!(stored("EARLY").await.unwrap(), 1);
    // Written, then the process died before the answer was kept.
    assert_eq!(pay("late", body("LATE")).await.unwrap().status(), 201);
    sqlx::query("UPDATE idempotency_keys SET status = NULL, body = NULL WHERE idem_key = 'late'")
        .execute(t.store.pool())
        .await
        .unwrap();
    t.clock.advance(salesflow_app::idempotency::LEASE);
    t.clock.advance(jiff::SignedDuration::from_secs(1));
    let retried = pay("late", body("LATE")).await.unwrap();
    assert_eq!(retried.status(), 409);
    assert!(
        retried
            .text()
            .await
            .unwrap()
            .contains("idempotency_key_applied")
    );
    assert_eq!(stored("LATE").await.unwrap(), 1, "never run twice");
    t.shutdown().await;
}
