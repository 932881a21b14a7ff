//! E-invoices of every VAT category the product offers (S, Z, E, AE, K, G, O) pass the
//! official EN 16931 rules; posting an invoice whose e-invoice would break them is refused with
//! what is missing, in the API and on the invoice page, and the settings page says what the
//! company details lack.

use salesflow_app::Actor;
use salesflow_app::entity::Origin;
use salesflow_domain::product::{Product, ProductInput};
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::http::Api;
use serde_json::{Value, json};

use super::invoices::{assert_valid_ubl, ok, setup};

/// Tax categories of every code the product offers, and a stocked product in each.
async fn every_category(t: &TestApp, admin: &Actor, office: &Api) {
    let categories = json!([
        { "key": "standard", "name": "Standard", "code": "S", "rate": "19" },
        { "key": "reduced", "name": "Reduced", "code": "S", "rate": "7" },
        { "key": "zero", "name": "Zero rated", "code": "Z", "rate": "0" },
        { "key": "exempt", "name": "Exempt", "code": "E", "rate": "0", "exemption_reason": "Medical services, Art. 132 VAT Directive" },
        { "key": "exempt_school", "name": "Exempt (education)", "code": "E", "rate": "0", "exemption_reason": "Education, Art. 132(1)(i) VAT Directive" },
        { "key": "reverse", "name": "Reverse charge", "code": "AE", "rate": "0", "exemption_reason": "Reverse charge" },
        { "key": "intra_eu", "name": "Intra-community supply", "code": "K", "rate": "0", "exemption_reason": "Intra-community supply" },
        { "key": "export", "name": "Export", "code": "G", "rate": "0", "exemption_reason": "Export outside the EU" },
        { "key": "outside", "name": "Not subject to VAT", "code": "O", "rate": "0", "exemption_reason": "Not subject to VAT" }
    ]);
    let current = office.get("/api/v1/settings/taxes").await;
    let r = office
        .call(
            reqwest::Method::PUT,
            "/api/v1/settings/taxes",
            Some(&json!({ "settings": { "categories": categories }, "version": current.json["version"] })),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    for (sku, tax) in [
        ("S1", "standard"),
        ("Z1", "zero"),
        ("E1", "exempt"),
        ("E2", "exempt_school"),
        ("AE1", "reverse"),
        ("K1", "intra_eu"),
        ("G1", "export"),
        ("O1", "outside"),
    ] {
        let input = ProductInput {
            sku: Some(sku.into()),
            name: Some(format!("{sku} product")),
            list_price: Some("100.00".into()),
            tax_category: Some(tax.into()),
            stockable: Some("true".into()),
            ..Default::default()
        };
        let p: Product = t.app.create(admin, &input, Origin::Api).await.unwrap();
        office
            .post(
                "/api/v1/stock/receipts",
                &json!({ "product_id": p.id.to_string(), "quantity": "100" }),
            )
            .await;
    }
}

/// An order of `lines` for a customer in `country` with `vat_id`, shipped; its draft invoice.
async fn shipped_invoice(
    t: &TestApp,
    admin: &Actor,
    office: &Api,
    country: &str,
    vat_id: &str,
    lines: &str,
) -> Value {
    let account = office
        .ok(
            "/api/v1/accounts",
            &json!({ "name": format!("Customer {}", lines.replace('\n', " + ")), "street": "Rue 1", "city": "Lyon", "postal_code": "69001",
                     "country": country, "vat_id": vat_id }),
            "account",
        )
        .await;
    let o = salesflow_testkit::orders::order_for(t, admin, account["id"].as_str().unwrap(), lines)
        .await;
    let id = o.id.to_string();
    let confirmed = ok(
        office,
        &format!("/api/v1/orders/{id}/confirm"),
        json!({ "version": 1 }),
        "order",
    )
    .await;
    let delivery = ok(
        office,
        &format!("/api/v1/orders/{id}/releases"),
        json!({ "version": confirmed["version"] }),
        "delivery",
    )
    .await;
    ok(
        office,
        &format!(
            "/api/v1/deliveries/{}/ship",
            delivery["id"].as_str().unwrap()
        ),
        json!({ "version": delivery["version"] }),
        "delivery",
    )
    .await;
    let invoices = office
        .get("/api/v1/invoices?status=draft&limit=200")
        .await
        .json["invoices"]
        .clone();
    invoices
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["order_id"] == id)
        .unwrap()
        .clone()
}

#[tokio::test]
async fn every_vat_category_makes_a_valid_e_invoice_or_says_what_is_missing() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    setup(&t, &admin, &office, "on_shipment").await;
    every_category(&t, &admin, &office).await;
    let post = |invoice: Value| {
        let office = &office;
        async move {
            office
                .post(
                    &format!("/api/v1/invoices/{}/post", invoice["id"].as_str().unwrap()),
                    &json!({ "version": invoice["version"] }),
                )
                .await
        }
    };
    // Each category on its own, and two exemptions on one invoice.
    for (lines, must_contain) in [
        ("1 x S1", "<cbc:ID>S</cbc:ID><cbc:Percent>19</cbc:Percent>"),
        ("1 x Z1", "<cbc:ID>Z</cbc:ID>"),
        (
            "1 x E1\n1 x E2",
            "Medical services, Art. 132 VAT Directive; Education",
        ),
        ("1 x AE1", "<cbc:CompanyID>FR12345678901</cbc:CompanyID>"),
        ("1 x K1", "<cbc:ActualDeliveryDate>"),
        ("1 x G1", "VATEX-EU-G"),
        (
            "1 x O1",
            "<cbc:ID>O</cbc:ID><cbc:TaxExemptionReasonCode>VATEX-EU-O",
        ),
    ] {
        let draft =
            shipped_invoice(&t, &admin, &office, "France", "FR 123 456 789 01", lines).await;
        let posted = post(draft).await;
        assert_eq!(posted.status, 200, "{lines}: {}", posted.text);
        let ubl = assert_valid_ubl(&office, posted.json["invoice"]["id"].as_str().unwrap()).await;
        assert!(ubl.contains(must_contain), "{lines}: {ubl}");
        if lines == "1 x O1" {
            assert!(
                !ubl.contains("<cac:PartyTaxScheme>"),
                "no VAT identifiers when not subject: {ubl}"
            );
            assert!(ubl.contains("<cbc:CompanyID>HRB 12345 B</cbc:CompanyID>"));
        }
    }

    // What is missing is named, and nothing is posted.
    let refused = |r: &salesflow_testkit::http::Reply| -> Vec<(String, String)> {
        r.json["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["field"].as_str().unwrap_or("").to_string(),
                    e["code"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    let draft = shipped_invoice(&t, &admin, &office, "France", "", "1 x AE1").await;
    let r = post(draft.clone()).await;
    assert_eq!(r.status, 422);
    assert_eq!(
        refused(&r),
        [(
            "buyer_vat_id".to_string(),
            "einvoice_needs_buyer_vat_id".to_string()
        )]
    );
    let again = office
        .get(&format!(
            "/api/v1/invoices/{}",
            draft["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(again.json["invoice"]["status"], "draft", "not posted");
    let draft = shipped_invoice(&t, &admin, &office, "Atlantis", "FR12345678901", "1 x S1").await;
    let r = post(draft).await;
    assert_eq!(
        refused(&r),
        [("buyer_country".to_string(), "invalid_country".to_string())]
    );
    let draft = shipped_invoice(&t, &admin, &office, "FR", "FR12345678901", "1 x O1\n1 x S1").await;
    let r = post(draft).await;
    assert_eq!(
        refused(&r),
        [("lines".to_string(), "not_subject_mixed".to_string())]
    );

    // Without the company's VAT ID nothing with VAT is posted, and the settings page says so.
    let (company, version) = t.app.company_settings().await.unwrap();
    let without = salesflow_app::quote_document::CompanySettings {
        vat_id: String::new(),
        ..company
    };
    t.app
        .save_company_settings(&admin, &without, version)
        .await
        .unwrap();
    let draft = shipped_invoice(&t, &admin, &office, "FR", "", "1 x S1").await;
    let r = post(draft).await;
    assert_eq!(
        refused(&r),
        [(
            "seller_vat_id".to_string(),
            "einvoice_needs_seller_vat_id".to_string()
        )]
    );
    // In the browser the refusal is shown on the invoice, saying where to fix it.
    let session = t.session_as(&admin_user).await;
    let draft = shipped_invoice(&t, &admin, &office, "FR", "", "1 x S1").await;
    let id = draft["id"].as_str().unwrap();
    let version = draft["version"].to_string();
    let refused_page = session
        .post(
            &format!("/invoices/{id}/post"),
            &[("version", version.as_str())],
        )
        .await;
    assert_eq!(refused_page.status(), 422);
    let html = refused_page.text().await.unwrap();
    assert!(
        html.contains("id=\"post-problems\"") && html.contains("Settings → Quotes and taxes"),
        "{html}"
    );
    assert!(
        html.contains("id=\"post-invoice\""),
        "the Post button is still there"
    );
    let (_, page) = session.get("/settings/quotes").await;
    assert!(
        page.contains("id=\"einvoice-gaps\"") && page.contains("VAT ID"),
        "{page}"
    );
    t.shutdown().await;
}
