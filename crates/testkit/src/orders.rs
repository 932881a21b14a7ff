//! Documents for order-to-cash tests: products and accepted orders made through the application.

use salesflow_app::Actor;
use salesflow_app::entity::Origin;
use salesflow_app::portal::PortalAnswer;
use salesflow_app::quotes::SendQuote;
use salesflow_domain::account::{Account, AccountInput};
use salesflow_domain::product::{Product, ProductInput};
use salesflow_domain::quote::lines::LinesInput;
use salesflow_domain::quote::{Quote, QuoteInput};
use salesflow_domain::sales_order::SalesOrder;
use salesflow_domain::stock::{MoveKind, StockEntry};

use crate::TestApp;

/// A product at `price` in the standard tax category.
pub async fn product(
    t: &TestApp,
    admin: &Actor,
    sku: &str,
    price: &str,
    stockable: bool,
) -> Product {
    let input = ProductInput {
        sku: Some(sku.into()),
        name: Some(format!("{sku} item")),
        list_price: Some(price.into()),
        stockable: Some(stockable.to_string()),
        ..Default::default()
    };
    t.app
        .create(admin, &input, Origin::Api)
        .await
        .expect("product")
}

/// A stocked product with `quantity` units received into the default warehouse.
pub async fn stocked_product(
    t: &TestApp,
    admin: &Actor,
    sku: &str,
    price: &str,
    quantity: &str,
) -> Product {
    let product = product(t, admin, sku, price, true).await;
    let receipt = StockEntry {
        product_id: product.id.to_string(),
        warehouse_id: None,
        quantity: quantity.into(),
        note: None,
    };
    t.app
        .stock_entry(admin, MoveKind::Receipt, &receipt)
        .await
        .expect("receipt");
    product
}

/// A customer with a full address (in Hamburg, Germany), as e-invoices need one.
pub async fn customer(t: &TestApp, admin: &Actor, name: &str) -> Account {
    let input = AccountInput {
        name: Some(name.into()),
        street: Some("Ring 5".into()),
        postal_code: Some("20095".into()),
        city: Some("Hamburg".into()),
        country: Some("Germany".into()),
        ..Default::default()
    };
    t.app
        .create(admin, &input, Origin::Api)
        .await
        .expect("account")
}

/// `lines` ("2 x SKU", one per line) quoted to `account`, sent and accepted on the portal: the
/// sales order it made.
pub async fn order_for(t: &TestApp, admin: &Actor, account: &str, lines: &str) -> SalesOrder {
    t.company_ready().await;
    let input = QuoteInput {
        title: Some("Order".into()),
        account_id: Some(account.into()),
        terms: Some("Payment within 14 days.".into()),
        lines: Some(LinesInput::Text(lines.into())),
        ..Default::default()
    };
    let quote: Quote = t
        .app
        .create(admin, &input, Origin::Api)
        .await
        .expect("quote");
    let send = SendQuote {
        version: quote.meta.version,
    };
    let sent = t
        .app
        .send_quote(admin, quote.id.0, &send)
        .await
        .expect("sent");
    let url = sent.portal_url.expect("portal link");
    let answer = PortalAnswer {
        signed_name: Some("Receiver".into()),
        comment: None,
    };
    let token = url.rsplit('/').next().unwrap_or_default();
    t.app
        .portal_accept(quote.id.0, token, &answer, None)
        .await
        .expect("accepted")
        .1
}

/// A new customer's accepted quote of `lines`: its sales order.
pub async fn accepted_order(t: &TestApp, admin: &Actor, name: &str, lines: &str) -> SalesOrder {
    let account = customer(t, admin, name).await;
    order_for(t, admin, &account.id.to_string(), lines).await
}

/// The API paths of an order taken all the way: shipped, invoiced (posted) and partly paid.
pub struct FinishedOrder {
    pub order: String,
    pub delivery: String,
    pub invoice: String,
    pub payment: String,
}

/// Two GEAR at 80.00 quoted by `seller` (who owns the account, quote and order), then
/// confirmed, released, shipped, invoiced on order and paid 50.00 by `office` (an admin).
pub async fn finished_order(t: &TestApp, seller: &Actor, office: &crate::Api) -> FinishedOrder {
    use serde_json::json;
    stocked_product(t, seller, "GEAR", "80.00", "5").await;
    let order = accepted_order(t, seller, "Final Oy", "2 x GEAR").await;
    let order_path = format!("/api/v1/orders/{}", order.id);
    let confirmed = office
        .ok(
            &format!("{order_path}/confirm"),
            &json!({ "version": 1 }),
            "order",
        )
        .await;
    let delivery = office
        .ok(
            &format!("{order_path}/releases"),
            &json!({ "version": confirmed["version"] }),
            "delivery",
        )
        .await;
    let delivery_path = format!(
        "/api/v1/deliveries/{}",
        delivery["id"].as_str().unwrap_or_default()
    );
    office
        .ok(
            &format!("{delivery_path}/ship"),
            &json!({ "version": delivery["version"] }),
            "delivery",
        )
        .await;
    let draft = office.get("/api/v1/invoices?status=draft").await.json["invoices"][0].clone();
    let invoice_path = format!(
        "/api/v1/invoices/{}",
        draft["id"].as_str().unwrap_or_default()
    );
    office
        .ok(
            &format!("{invoice_path}/post"),
            &json!({ "version": draft["version"] }),
            "invoice",
        )
        .await;
    let payment = office
        .ok(
            "/api/v1/payments",
            &json!({ "account_id": order.account_id.to_string(), "amount": "50.00" }),
            "payment",
        )
        .await;
    FinishedOrder {
        order: order_path,
        delivery: delivery_path,
        invoice: invoice_path,
        payment: format!(
            "/api/v1/payments/{}",
            payment["id"].as_str().unwrap_or_default()
        ),
    }
}
