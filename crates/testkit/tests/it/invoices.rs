//! Invoices: drafts by the order's invoice policy (on order, or one per shipment), posting
//! with gapless numbers (also under 50 concurrent postings), immutability, credit notes, and
//! UBL e-invoices that pass the official EN 16931 rules with no fatal failure.

use salesflow_app::Actor;
use salesflow_app::entity::Origin;
use salesflow_domain::product::{Product, ProductInput};
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::einvoice::fatal_failures;
use salesflow_testkit::http::Api;
use salesflow_testkit::orders::accepted_order;
use serde_json::{Value, json};

pub(super) async fn setup(t: &TestApp, admin: &Actor, office: &Api, policy: &str) {
    let company = json!({ "settings": { "name": "Acme Sales GmbH", "address": "Hauptstr. 1\n10115 Berlin", "email": "", "phone": "",
        "vat_id": "DE123456789", "registration_id": "HRB 12345 B", "footer": "IBAN DE02 1001 0010 0006 8201 01", "country_code": "DE" }, "version": 0 });
    let r = office
        .call(
            reqwest::Method::PUT,
            "/api/v1/settings/company",
            Some(&company),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let f = json!({ "settings": { "invoice_policy": policy, "payment_days": 14 }, "version": 0 });
    let r = office
        .call(
            reqwest::Method::PUT,
            "/api/v1/settings/fulfilment",
            Some(&f),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for (sku, price, tax, stock) in [
        ("GADGET", "119.90", "standard", true),
        ("MANUAL", "24.95", "reduced", true),
        ("AUDIT", "800.00", "exempt", false),
    ] {
        let input = ProductInput {
            sku: Some(sku.into()),
            name: Some(format!("{sku} product")),
            list_price: Some(price.into()),
            tax_category: Some(tax.into()),
            stockable: Some(stock.to_string()),
            ..Default::default()
        };
        let p: Product = t.app.create(admin, &input, Origin::Api).await.unwrap();
        if stock {
            office
                .post(
                    "/api/v1/stock/receipts",
                    &json!({ "product_id": p.id.to_string(), "quantity": "100" }),
                )
                .await;
        }
    }
}

pub(super) async fn ok(api: &Api, path: &str, body: Value, key: &str) -> Value {
    let r = api.post(path, &body).await;
    assert!(r.status.is_success(), "{path}: {} {}", r.status, r.text);
    r.json[key].clone()
}

pub(super) async fn assert_valid_ubl(api: &Api, id: &str) -> String {
    let r = api.get(&format!("/api/v1/invoices/{id}/ubl")).await;
    assert_eq!(r.status, 200, "{}", r.text);
    if let Some(failures) = fatal_failures(&r.text) {
        assert!(
            failures.is_empty(),
            "EN 16931 rules failed: {failures:?}\n{}",
            r.text
        );
    }
    r.text
}

#[tokio::test]
async fn one_invoice_per_shipment_posted_credited_and_valid_ubl() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    let finance = t.api_as(&t.user(Role::Finance, None).await).await;
    setup(&t, &admin, &office, "on_shipment").await;
    let o = accepted_order(
        &t,
        &admin,
        "Globex GmbH",
        "4 x GADGET -5%\n3 x MANUAL\nAUDIT",
    )
    .await;
    let id = o.id.to_string();
    let confirmed = ok(
        &office,
        &format!("/api/v1/orders/{id}/confirm"),
        json!({ "version": 1 }),
        "order",
    )
    .await;
    assert_eq!(confirmed["invoice_policy"], "on_shipment");
    assert!(
        finance.get("/api/v1/invoices").await.json["invoices"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let path = format!("/api/v1/orders/{id}/releases");
    let first = ok(
        &office,
        &path,
        json!({ "version": confirmed["version"], "lines": [{ "line": 0, "quantity": "1" }] }),
        "delivery",
    )
    .await;
    ok(
        &office,
        &format!("/api/v1/deliveries/{}/ship", first["id"].as_str().unwrap()),
        json!({ "version": first["version"] }),
        "delivery",
    )
    .await;
    let current = office.get(&format!("/api/v1/orders/{id}")).await.json["order"].clone();
    let second = ok(
        &office,
        &path,
        json!({ "version": current["version"] }),
        "delivery",
    )
    .await;
    ok(
        &office,
        &format!("/api/v1/deliveries/{}/ship", second["id"].as_str().unwrap()),
        json!({ "version": second["version"] }),
        "delivery",
    )
    .await;

    let invoices = finance
        .get("/api/v1/invoices?sort=created_at&dir=asc")
        .await
        .json["invoices"]
        .clone();
    let invoices = invoices.as_array().unwrap();
    assert_eq!(invoices.len(), 2, "one per shipment");
    // 1 × 119.90 − 5 % (5.995 → 6.00) = 113.90, + 19 % (21.641 → 21.64) = 135.54
    assert_eq!(invoices[0]["totals"]["tax_exclusive_minor"], 11_390);
    assert_eq!(invoices[0]["totals"]["payable_minor"], 13_554);
    assert_eq!(invoices[1]["lines"].as_array().unwrap().len(), 3);
    // Finance posts them in order: INV-00001, INV-00002, due in 14 days.
    let mut posted = Vec::new();
    for inv in invoices {
        let p = ok(
            &finance,
            &format!("/api/v1/invoices/{}/post", inv["id"].as_str().unwrap()),
            json!({ "version": inv["version"] }),
            "invoice",
        )
        .await;
        posted.push(p);
    }
    assert_eq!(
        (posted[0]["number"].as_str(), posted[1]["number"].as_str()),
        (Some("INV-00001"), Some("INV-00002"))
    );
    assert_eq!(posted[0]["status"], "posted");
    let issue: jiff::civil::Date = posted[0]["issue_date"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        posted[0]["due_date"].as_str().unwrap(),
        issue
            .checked_add(jiff::Span::new().days(14))
            .unwrap()
            .to_string()
    );
    // Posted is final.
    let again = finance
        .post(
            &format!(
                "/api/v1/invoices/{}/post",
                posted[0]["id"].as_str().unwrap()
            ),
            &json!({ "version": posted[0]["version"] }),
        )
        .await;
    assert_eq!(
        (again.status.as_u16(), again.code()),
        (409, "invoice_posted")
    );
    let rep = t.api_as(&t.user(Role::SalesRep, None).await).await;
    assert_eq!(
        rep.post(
            &format!(
                "/api/v1/invoices/{}/post",
                posted[1]["id"].as_str().unwrap()
            ),
            &json!({ "version": 1 })
        )
        .await
        .status,
        404
    );
    // Both e-invoices pass the official rules; the exempt line carries its reason.
    let ubl = assert_valid_ubl(&finance, posted[0]["id"].as_str().unwrap()).await;
    assert!(
        ubl.contains("<cbc:ID>INV-00001</cbc:ID>")
            && ubl.contains("<cbc:IdentificationCode>DE</cbc:IdentificationCode>")
    );
    let ubl = assert_valid_ubl(&finance, posted[1]["id"].as_str().unwrap()).await;
    assert!(ubl.contains("TaxExemptionReason"), "{ubl}");
    // A credit note corrects the first invoice: CN-00001, linked, valid as UBL.
    let note = ok(
        &finance,
        &format!(
            "/api/v1/invoices/{}/credit-notes",
            posted[0]["id"].as_str().unwrap()
        ),
        json!({}),
        "invoice",
    )
    .await;
    assert_eq!(
        (note["kind"].as_str(), note["credit_of_number"].as_str()),
        (Some("credit_note"), Some("INV-00001"))
    );
    assert_eq!(note["totals"], posted[0]["totals"]);
    let note = ok(
        &finance,
        &format!("/api/v1/invoices/{}/post", note["id"].as_str().unwrap()),
        json!({ "version": note["version"] }),
        "invoice",
    )
    .await;
    assert_eq!(note["number"], "CN-00001");
    let ubl = assert_valid_ubl(&finance, note["id"].as_str().unwrap()).await;
    assert!(
        ubl.contains("<CreditNote") && ubl.contains("<cbc:CreditNoteTypeCode>381"),
        "{ubl}"
    );
    // Drafts have no e-invoice; the PDF exists for every state.
    let pdf = finance
        .get(&format!(
            "/api/v1/invoices/{}/pdf",
            posted[1]["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(pdf.headers["content-type"], "application/pdf");
    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn fifty_concurrent_postings_number_without_gaps() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = std::sync::Arc::new(t.api_as(&admin_user).await);
    setup(&t, &admin, &office, "on_order").await;
    let mut drafts = Vec::new();
    for _ in 0..50 {
        let o = accepted_order(&t, &admin, "Globex GmbH", "AUDIT").await;
        ok(
            &office,
            &format!("/api/v1/orders/{}/confirm", o.id),
            json!({ "version": 1 }),
            "order",
        )
        .await;
    }
    for inv in office.get("/api/v1/invoices?limit=100").await.json["invoices"]
        .as_array()
        .unwrap()
    {
        drafts.push((
            inv["id"].as_str().unwrap().to_string(),
            inv["version"].as_i64().unwrap(),
        ));
    }
    assert_eq!(
        drafts.len(),
        50,
        "invoiced on order: one draft per confirmed order"
    );
    let mut tasks = Vec::new();
    for (id, version) in drafts {
        let office = office.clone();
        tasks.push(tokio::spawn(async move {
            office
                .post(
                    &format!("/api/v1/invoices/{id}/post"),
                    &json!({ "version": version }),
                )
                .await
                .status
                .as_u16()
        }));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    let mut numbers: Vec<String> = sqlx::query_scalar("SELECT number FROM invoices")
        .fetch_all(t.store.pool())
        .await
        .unwrap();
    numbers.sort();
    let expected: Vec<String> = (1..=50).map(|n| format!("INV-{n:05}")).collect();
    assert_eq!(numbers, expected);
    // Posted invoices keep their number: the raw update is refused by the unique index too.
    t.shutdown().await;
}

#[test]
fn the_validator_catches_a_wrong_total() {
    // The official example, once as published and once with a total one cent off.
    let example = include_str!("../../einvoice/fixtures/ubl-tc434-example1.xml");
    let Some(good) = fatal_failures(example) else {
        return;
    };
    assert!(good.is_empty(), "{good:?}");
    let bad = example.replace(
        "<cbc:TaxInclusiveAmount currencyID=\"EUR\">250.33",
        "<cbc:TaxInclusiveAmount currencyID=\"EUR\">250.34",
    );
    let failures = fatal_failures(&bad).unwrap();
    assert!(
        failures.iter().any(|f| f.contains("BR-CO-15")),
        "{failures:?}"
    );
}

#[tokio::test]
async fn finance_posts_an_invoice_from_its_page() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    setup(&t, &admin, &office, "on_order").await;
    let o = accepted_order(&t, &admin, "Globex GmbH", "2 x MANUAL").await;
    ok(
        &office,
        &format!("/api/v1/orders/{}/confirm", o.id),
        json!({ "version": 1 }),
        "order",
    )
    .await;
    let draft = office.get("/api/v1/invoices").await.json["invoices"][0].clone();
    let id = draft["id"].as_str().unwrap();
    let finance = t.session_as(&t.user(Role::Finance, None).await).await;
    let (status, list) = finance.get("/invoices").await;
    assert_eq!(status, 200);
    assert!(list.contains("Draft invoice"), "{list}");
    let (_, page) = finance.get(&format!("/invoices/{id}")).await;
    assert!(
        page.contains("post-invoice") && !page.contains("E-invoice (UBL)"),
        "{page}"
    );
    let posted = finance
        .post(&format!("/invoices/{id}/post"), &[("version", "1")])
        .await;
    assert_eq!(posted.status(), 303);
    let (_, page) = finance.get(&format!("/invoices/{id}")).await;
    assert!(
        page.contains("Invoice INV-00001") && page.contains("E-invoice (UBL)"),
        "{page}"
    );
    assert_eq!(finance.get(&format!("/invoices/{id}/ubl")).await.0, 200);
    let support = t.session_as(&t.user(Role::Support, None).await).await;
    assert_eq!(support.get("/invoices").await.0, 403);
    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_invoice_is_credited_at_most_once_also_in_parallel() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = std::sync::Arc::new(t.api_as(&admin_user).await);
    setup(&t, &admin, &office, "on_order").await;
    let o = accepted_order(&t, &admin, "Globex GmbH", "AUDIT").await;
    ok(
        &office,
        &format!("/api/v1/orders/{}/confirm", o.id),
        json!({ "version": 1 }),
        "order",
    )
    .await;
    let draft = office.get("/api/v1/invoices").await.json["invoices"][0].clone();
    let invoice = ok(
        &office,
        &format!("/api/v1/invoices/{}/post", draft["id"].as_str().unwrap()),
        json!({ "version": draft["version"] }),
        "invoice",
    )
    .await;
    let url = format!(
        "/api/v1/invoices/{}/credit-notes",
        invoice["id"].as_str().unwrap()
    );
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let (office, url) = (office.clone(), url.clone());
            tokio::spawn(async move {
                let r = office.post(&url, &json!({})).await;
                (r.status.as_u16(), r.code().to_string())
            })
        })
        .collect();
    let mut created = 0;
    for task in tasks {
        match task.await.unwrap() {
            (201, _) | (200, _) => created += 1,
            (409, code) => assert_eq!(code, "already_credited"),
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(created, 1, "one credit note for the whole invoice");
    let notes: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM invoices WHERE credit_of = $1")
        .bind(invoice["id"].as_str().unwrap())
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    assert_eq!(notes, 1, "credited at most what was invoiced");
    let again = office.post(&url, &json!({})).await;
    assert_eq!(
        (again.status.as_u16(), again.code()),
        (409, "already_credited")
    );
    t.shutdown().await;
}

#[tokio::test]
async fn invoices_per_shipment_add_up_to_what_the_customer_signed() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    setup(&t, &admin, &office, "on_shipment").await;
    // 3 × 119.90 − 5 % (17.985 → 17.99) = 341.71 net, 19 % tax 64.92, 406.63 to pay. Shipped
    // one at a time, each part rounded on its own would bill 341.70 + 64.92 = 406.62.
    let o = accepted_order(&t, &admin, "Split GmbH", "3 x GADGET -5%").await;
    assert_eq!(o.totals.payable_minor, 40_663);
    let id = o.id.to_string();
    let mut version = ok(
        &office,
        &format!("/api/v1/orders/{id}/confirm"),
        json!({ "version": 1 }),
        "order",
    )
    .await["version"]
        .clone();
    for _ in 0..3 {
        let delivery = ok(
            &office,
            &format!("/api/v1/orders/{id}/releases"),
            json!({ "version": version, "lines": [{ "line": 0, "quantity": "1" }] }),
            "delivery",
        )
        .await;
        ok(
            &office,
            &format!(
                "/api/v1/deliveries/{}/ship",
                delivery["id"].as_str().unwrap()
            ),
            json!({ "version": delivery["version"] }),
            "delivery",
        )
        .await;
        version =
            office.get(&format!("/api/v1/orders/{id}")).await.json["order"]["version"].clone();
    }
    let invoices = office
        .get("/api/v1/invoices?sort=created_at&dir=asc")
        .await
        .json["invoices"]
        .clone();
    let invoices = invoices.as_array().unwrap();
    assert_eq!(invoices.len(), 3);
    let sum = |key: &str| -> i64 {
        invoices
            .iter()
            .map(|i| i["totals"][key].as_i64().unwrap())
            .sum()
    };
    assert_eq!(sum("tax_exclusive_minor"), 34_171);
    assert_eq!(sum("tax_minor"), 6_492);
    assert_eq!(sum("payable_minor"), 40_663, "exactly the signed total");
    for invoice in invoices {
        let posted = ok(
            &office,
            &format!("/api/v1/invoices/{}/post", invoice["id"].as_str().unwrap()),
            json!({ "version": invoice["version"] }),
            "invoice",
        )
        .await;
        assert_valid_ubl(&office, posted["id"].as_str().unwrap()).await;
    }
    // Paying exactly the signed total settles the order.
    ok(
        &office,
        "/api/v1/payments",
        json!({ "account_id": o.account_id.to_string(), "amount": "406.63" }),
        "payment",
    )
    .await;
    let order = office.get(&format!("/api/v1/orders/{id}")).await.json["order"].clone();
    assert_eq!(order["status"], "paid", "{order}");
    t.shutdown().await;
}

#[tokio::test]
async fn a_partial_payment_is_not_the_step_paid() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    setup(&t, &admin, &office, "on_order").await;
    let o = accepted_order(&t, &admin, "Partly Oy", "AUDIT").await; // 800.00, exempt
    ok(
        &office,
        &format!("/api/v1/orders/{}/confirm", o.id),
        json!({ "version": 1 }),
        "order",
    )
    .await;
    let draft = office.get("/api/v1/invoices").await.json["invoices"][0].clone();
    ok(
        &office,
        &format!("/api/v1/invoices/{}/post", draft["id"].as_str().unwrap()),
        json!({ "version": draft["version"] }),
        "invoice",
    )
    .await;
    let pay = |amount: &'static str| {
        let office = &office;
        let account = o.account_id.to_string();
        async move {
            ok(
                office,
                "/api/v1/payments",
                json!({ "account_id": account, "amount": amount }),
                "payment",
            )
            .await
        }
    };
    pay("300.00").await;
    let steps = |csv: &str| -> Vec<String> {
        csv.lines()
            .filter_map(|l| l.split(',').nth(1))
            .filter(|a| a.starts_with("invoice:"))
            .map(str::to_string)
            .collect()
    };
    let log = office.get("/api/v1/analytics/event-log.csv").await.text;
    assert_eq!(
        steps(&log),
        ["invoice:draft", "invoice:posted", "invoice:partially_paid"]
    );
    pay("500.00").await;
    let log = office.get("/api/v1/analytics/event-log.csv").await.text;
    assert_eq!(
        steps(&log),
        [
            "invoice:draft",
            "invoice:posted",
            "invoice:partially_paid",
            "invoice:paid"
        ]
    );
    t.shutdown().await;
}
