//! The role × route matrix of the catalogue, quote and order routes (the rest of the matrix
//! is in `access`). Columns: anonymous, admin, sales_manager, sales_rep, marketing, warehouse,
//! finance, support. "own" rows act on a record owned by the caller; the others (and
//! "other") on one owned by a rep of another team.

use reqwest::Method;
use salesflow_app::entity::Origin;
use salesflow_app::fulfilment::ReleaseOrder;
use salesflow_app::portal::PortalAnswer;
use salesflow_app::ports::UserRecord;
use salesflow_app::quotes::SendQuote;
use salesflow_app::stock::ConfirmOrder;
use salesflow_domain::account::{Account, AccountInput};
use salesflow_domain::price_list::{PriceList, PriceListInput, PricesInput};
use salesflow_domain::product::{Product, ProductInput};
use salesflow_domain::quote::lines::{LinesInput, QuoteLineInput};
use salesflow_domain::quote::{Quote, QuoteInput};
use salesflow_domain::role::Role;
use salesflow_testkit::{Api, PASSWORD, TestApp};
use serde_json::{Value, json};

const READ_ALL: [u16; 8] = [401, 200, 200, 200, 200, 200, 200, 200];
const MANAGE: [u16; 8] = [401, 200, 200, 403, 403, 403, 403, 403];
const QUOTE_READ_OWN: [u16; 8] = [401, 200, 200, 200, 403, 403, 200, 403];
const QUOTE_READ_OTHER: [u16; 8] = [401, 200, 404, 404, 403, 403, 200, 403];
const QUOTE_WRITE_OWN: [u16; 8] = [401, 200, 200, 200, 403, 403, 403, 403];
const QUOTE_WRITE_OTHER: [u16; 8] = [401, 200, 404, 404, 403, 403, 403, 403];
const ORDER_READ_OWN: [u16; 8] = [401, 200, 200, 200, 403, 200, 200, 403];
const ORDER_READ_OTHER: [u16; 8] = [401, 200, 404, 404, 403, 200, 200, 403];
const ORDER_WRITE_OWN: [u16; 8] = [401, 200, 200, 403, 403, 403, 403, 403];
const ORDER_WRITE_OTHER: [u16; 8] = [401, 200, 404, 404, 403, 403, 403, 403];
/// Warehouse work: admins and warehouse staff (others see deliveries but do not change them).
const WAREHOUSE_WORK: [u16; 8] = [401, 200, 403, 403, 403, 200, 403, 403];
const WAREHOUSE_OTHER: [u16; 8] = [401, 200, 404, 404, 403, 200, 403, 403];
const ADMIN_ONLY: [u16; 8] = [401, 200, 403, 403, 403, 403, 403, 403];
const ADMIN_ONLY_OTHER: [u16; 8] = [401, 200, 404, 404, 403, 403, 403, 403];
const INVOICE_READ: [u16; 8] = [401, 200, 200, 200, 403, 403, 200, 403];
const INVOICE_READ_OTHER: [u16; 8] = [401, 200, 404, 404, 403, 403, 200, 403];
const FINANCE_WORK: [u16; 8] = [401, 200, 403, 403, 403, 403, 200, 403];
const FINANCE_OTHER: [u16; 8] = [401, 200, 404, 404, 403, 403, 200, 403];
const STOCK_READ: [u16; 8] = [401, 200, 200, 200, 403, 200, 200, 403];
const PROCESS_READ: [u16; 8] = [401, 200, 200, 200, 200, 403, 200, 403];

pub const MATRIX: &[(&str, [u16; 8])] = &[
    ("GET /api/v1/products", READ_ALL),
    (
        "POST /api/v1/products",
        [401, 201, 201, 403, 403, 403, 403, 403],
    ),
    ("GET /api/v1/products/export", MANAGE),
    ("GET /api/v1/products/counts", READ_ALL),
    ("GET /api/v1/products/{id} own", READ_ALL),
    ("GET /api/v1/products/{id} other", READ_ALL),
    ("PATCH /api/v1/products/{id} own", MANAGE),
    ("PATCH /api/v1/products/{id} other", MANAGE),
    ("POST /api/v1/products/{id}/archive own", MANAGE),
    ("POST /api/v1/products/{id}/archive other", MANAGE),
    ("POST /api/v1/products/{id}/restore own", MANAGE),
    ("POST /api/v1/products/{id}/restore other", MANAGE),
    ("GET /api/v1/products/{id}/events own", READ_ALL),
    ("GET /api/v1/products/{id}/events other", READ_ALL),
    (
        "GET /api/v1/products/{id}/cost",
        [401, 200, 200, 403, 403, 403, 200, 403],
    ),
    ("PUT /api/v1/products/{id}/cost", MANAGE),
    ("GET /api/v1/price-lists", READ_ALL),
    (
        "POST /api/v1/price-lists",
        [401, 201, 201, 403, 403, 403, 403, 403],
    ),
    ("GET /api/v1/price-lists/export", MANAGE),
    ("GET /api/v1/price-lists/counts", READ_ALL),
    ("GET /api/v1/price-lists/{id} own", READ_ALL),
    ("GET /api/v1/price-lists/{id} other", READ_ALL),
    ("PATCH /api/v1/price-lists/{id} own", MANAGE),
    ("PATCH /api/v1/price-lists/{id} other", MANAGE),
    ("POST /api/v1/price-lists/{id}/archive own", MANAGE),
    ("POST /api/v1/price-lists/{id}/archive other", MANAGE),
    ("POST /api/v1/price-lists/{id}/restore own", MANAGE),
    ("POST /api/v1/price-lists/{id}/restore other", MANAGE),
    ("GET /api/v1/price-lists/{id}/events own", READ_ALL),
    ("GET /api/v1/price-lists/{id}/events other", READ_ALL),
    ("GET /api/v1/quotes", QUOTE_READ_OWN),
    (
        "POST /api/v1/quotes",
        [401, 201, 201, 201, 403, 403, 403, 403],
    ),
    ("GET /api/v1/quotes/export", QUOTE_WRITE_OWN),
    ("GET /api/v1/quotes/counts", QUOTE_READ_OWN),
    ("GET /api/v1/quotes/{id} own", QUOTE_READ_OWN),
    ("GET /api/v1/quotes/{id} other", QUOTE_READ_OTHER),
    ("PATCH /api/v1/quotes/{id} own", QUOTE_WRITE_OWN),
    ("PATCH /api/v1/quotes/{id} other", QUOTE_WRITE_OTHER),
    ("POST /api/v1/quotes/{id}/archive own", QUOTE_WRITE_OWN),
    ("POST /api/v1/quotes/{id}/archive other", QUOTE_WRITE_OTHER),
    ("POST /api/v1/quotes/{id}/restore own", QUOTE_WRITE_OWN),
    ("POST /api/v1/quotes/{id}/restore other", QUOTE_WRITE_OTHER),
    ("GET /api/v1/quotes/{id}/events own", QUOTE_READ_OWN),
    ("GET /api/v1/quotes/{id}/events other", QUOTE_READ_OTHER),
    ("GET /api/v1/quotes/{id}/diff own", QUOTE_READ_OWN),
    ("GET /api/v1/quotes/{id}/diff other", QUOTE_READ_OTHER),
    ("GET /api/v1/quotes/{id}/pdf own", QUOTE_READ_OWN),
    ("GET /api/v1/quotes/{id}/pdf other", QUOTE_READ_OTHER),
    ("POST /api/v1/quotes/{id}/send own", QUOTE_WRITE_OWN),
    ("POST /api/v1/quotes/{id}/send other", QUOTE_WRITE_OTHER),
    ("POST /api/v1/quotes/{id}/portal-links own", QUOTE_WRITE_OWN),
    (
        "POST /api/v1/quotes/{id}/portal-links other",
        QUOTE_WRITE_OTHER,
    ),
    (
        "POST /api/v1/quotes/{id}/portal-links/revoke own",
        QUOTE_WRITE_OWN,
    ),
    (
        "POST /api/v1/quotes/{id}/portal-links/revoke other",
        QUOTE_WRITE_OTHER,
    ),
    // A rep's quote over the rep's limit, waiting: only managers who see it (and admins)
    // decide.
    (
        "POST /api/v1/quotes/{id}/decision",
        [401, 200, 404, 403, 403, 403, 403, 403],
    ),
    ("GET /api/v1/orders", ORDER_READ_OWN),
    (
        "GET /api/v1/orders/export",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    ("GET /api/v1/orders/counts", ORDER_READ_OWN),
    ("GET /api/v1/orders/{id} own", ORDER_READ_OWN),
    ("GET /api/v1/orders/{id} other", ORDER_READ_OTHER),
    ("PATCH /api/v1/orders/{id} own", ORDER_WRITE_OWN),
    ("PATCH /api/v1/orders/{id} other", ORDER_WRITE_OTHER),
    ("POST /api/v1/orders/{id}/archive own", ORDER_WRITE_OWN),
    ("POST /api/v1/orders/{id}/archive other", ORDER_WRITE_OTHER),
    ("POST /api/v1/orders/{id}/restore own", ORDER_WRITE_OWN),
    ("POST /api/v1/orders/{id}/restore other", ORDER_WRITE_OTHER),
    ("GET /api/v1/orders/{id}/events own", ORDER_READ_OWN),
    ("GET /api/v1/orders/{id}/events other", ORDER_READ_OTHER),
    ("GET /api/v1/warehouses", STOCK_READ),
    (
        "POST /api/v1/warehouses",
        [401, 201, 403, 403, 403, 201, 403, 403],
    ),
    ("GET /api/v1/stock", STOCK_READ),
    ("GET /api/v1/stock/moves", STOCK_READ),
    (
        "POST /api/v1/stock/receipts",
        [401, 201, 403, 403, 403, 201, 403, 403],
    ),
    (
        "POST /api/v1/stock/adjustments",
        [401, 201, 403, 403, 403, 201, 403, 403],
    ),
    (
        "GET /api/v1/warehouse/work",
        [401, 200, 403, 403, 403, 200, 403, 403],
    ),
    (
        "POST /api/v1/stock/returns",
        [401, 201, 403, 403, 403, 201, 403, 403],
    ),
    ("POST /api/v1/orders/{id}/confirm own", ORDER_WRITE_OWN),
    ("POST /api/v1/orders/{id}/confirm other", ORDER_WRITE_OTHER),
    ("POST /api/v1/orders/{id}/cancel own", ORDER_WRITE_OWN),
    ("POST /api/v1/orders/{id}/cancel other", ORDER_WRITE_OTHER),
    ("POST /api/v1/orders/{id}/inspections own", WAREHOUSE_WORK),
    ("POST /api/v1/orders/{id}/inspections other", WAREHOUSE_WORK),
    (
        "POST /api/v1/orders/{id}/releases own",
        [401, 201, 403, 403, 403, 201, 403, 403],
    ),
    (
        "POST /api/v1/orders/{id}/releases other",
        [401, 201, 403, 403, 403, 201, 403, 403],
    ),
    ("GET /api/v1/deliveries", ORDER_READ_OWN),
    // Deliveries come from pick releases: those allowed to create are told so (422).
    ("GET /api/v1/deliveries/export", WAREHOUSE_WORK),
    ("GET /api/v1/deliveries/counts", ORDER_READ_OWN),
    ("GET /api/v1/deliveries/{id} own", ORDER_READ_OWN),
    ("GET /api/v1/deliveries/{id} other", ORDER_READ_OTHER),
    ("PATCH /api/v1/deliveries/{id} own", WAREHOUSE_WORK),
    ("PATCH /api/v1/deliveries/{id} other", WAREHOUSE_OTHER),
    ("POST /api/v1/deliveries/{id}/archive own", ADMIN_ONLY),
    (
        "POST /api/v1/deliveries/{id}/archive other",
        ADMIN_ONLY_OTHER,
    ),
    ("POST /api/v1/deliveries/{id}/restore own", ADMIN_ONLY),
    (
        "POST /api/v1/deliveries/{id}/restore other",
        ADMIN_ONLY_OTHER,
    ),
    ("GET /api/v1/deliveries/{id}/events own", ORDER_READ_OWN),
    ("GET /api/v1/deliveries/{id}/events other", ORDER_READ_OTHER),
    ("POST /api/v1/deliveries/{id}/ship own", WAREHOUSE_WORK),
    ("POST /api/v1/deliveries/{id}/ship other", WAREHOUSE_OTHER),
    ("GET /api/v1/deliveries/{id}/pdf own", ORDER_READ_OWN),
    ("GET /api/v1/deliveries/{id}/pdf other", ORDER_READ_OTHER),
    ("GET /api/v1/invoices", INVOICE_READ),
    // Invoices come from orders: those allowed to create are told so (422).
    ("GET /api/v1/invoices/export", FINANCE_WORK),
    ("GET /api/v1/invoices/counts", INVOICE_READ),
    ("GET /api/v1/invoices/{id} own", INVOICE_READ),
    ("GET /api/v1/invoices/{id} other", INVOICE_READ_OTHER),
    ("PATCH /api/v1/invoices/{id} own", FINANCE_WORK),
    ("PATCH /api/v1/invoices/{id} other", FINANCE_OTHER),
    ("POST /api/v1/invoices/{id}/archive own", ADMIN_ONLY),
    ("POST /api/v1/invoices/{id}/archive other", ADMIN_ONLY_OTHER),
    ("POST /api/v1/invoices/{id}/restore own", ADMIN_ONLY),
    ("POST /api/v1/invoices/{id}/restore other", ADMIN_ONLY_OTHER),
    ("GET /api/v1/invoices/{id}/events own", INVOICE_READ),
    ("GET /api/v1/invoices/{id}/events other", INVOICE_READ_OTHER),
    ("POST /api/v1/invoices/{id}/post own", FINANCE_WORK),
    ("POST /api/v1/invoices/{id}/post other", FINANCE_OTHER),
    (
        "POST /api/v1/invoices/{id}/credit-notes own",
        [401, 201, 403, 403, 403, 403, 201, 403],
    ),
    (
        "POST /api/v1/invoices/{id}/credit-notes other",
        [401, 201, 403, 403, 403, 403, 201, 403],
    ),
    ("GET /api/v1/invoices/{id}/pdf own", INVOICE_READ),
    ("GET /api/v1/invoices/{id}/pdf other", INVOICE_READ_OTHER),
    ("GET /api/v1/invoices/{id}/ubl own", INVOICE_READ),
    ("GET /api/v1/invoices/{id}/ubl other", INVOICE_READ_OTHER),
    ("GET /api/v1/receivables", INVOICE_READ),
    ("GET /api/v1/analytics/funnel", PROCESS_READ),
    ("GET /api/v1/analytics/stage-times", PROCESS_READ),
    ("GET /api/v1/analytics/process", PROCESS_READ),
    ("GET /api/v1/analytics/forecast", PROCESS_READ),
    ("GET /api/v1/analytics/backtest", PROCESS_READ),
    // Without `stage` the readers get 422: authorization is decided before the input.
    (
        "GET /api/v1/analytics/in-stage",
        [401, 422, 422, 422, 422, 403, 422, 403],
    ),
    (
        "GET /api/v1/analytics/event-log.csv",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    (
        "GET /api/v1/analytics/event-log.ocel.json",
        [401, 200, 200, 200, 403, 403, 403, 403],
    ),
    ("GET /api/v1/payments", INVOICE_READ),
    (
        "POST /api/v1/payments",
        [401, 201, 403, 403, 403, 403, 201, 403],
    ),
    ("GET /api/v1/payments/export", FINANCE_WORK),
    ("GET /api/v1/payments/counts", INVOICE_READ),
    ("GET /api/v1/payments/{id} own", INVOICE_READ),
    ("GET /api/v1/payments/{id} other", INVOICE_READ_OTHER),
    ("GET /api/v1/payments/{id}/events own", INVOICE_READ),
    ("GET /api/v1/payments/{id}/events other", INVOICE_READ_OTHER),
    ("GET /api/v1/settings/fulfilment", STOCK_READ),
    ("PUT /api/v1/settings/fulfilment", MANAGE),
    ("GET /api/v1/settings/taxes", READ_ALL),
    ("PUT /api/v1/settings/taxes", FINANCE_WORK),
    ("GET /api/v1/settings/approval", PROCESS_READ),
    (
        "PUT /api/v1/settings/approval",
        [401, 200, 403, 403, 403, 403, 403, 403],
    ),
    ("GET /api/v1/settings/company", PROCESS_READ),
    ("GET /api/v1/settings/deadlines", PROCESS_READ),
    ("PUT /api/v1/settings/deadlines", MANAGE),
    ("GET /api/v1/deadlines", READ_ALL),
    ("GET /api/v1/deadlines/outcomes", PROCESS_READ),
    ("PUT /api/v1/settings/company", FINANCE_WORK),
];

struct Fixtures {
    admin: salesflow_app::Actor,
    other: UserRecord,
    /// A service: quotes and orders of it need no stock.
    product: String,
    /// A stocked product for receipts and adjustments.
    stocked: String,
    /// An account every role that may record payments sees.
    payer: String,
}

async fn account(t: &TestApp, f: &Fixtures, owner: &UserRecord) -> String {
    let input = AccountInput {
        name: Some("Matrix customer".into()),
        country: Some("DE".into()),
        owner_id: Some(owner.id.to_string()),
        ..Default::default()
    };
    let a: Account = t.app.create(&f.admin, &input, Origin::Api).await.unwrap();
    a.id.to_string()
}

/// A draft quote of one line at `discount` %, owned by `owner`.
async fn quote(t: &TestApp, f: &Fixtures, owner: &UserRecord, discount: &str) -> Quote {
    let input = QuoteInput {
        title: Some("Matrix quote".into()),
        account_id: Some(account(t, f, owner).await),
        lines: Some(LinesInput::List(vec![QuoteLineInput {
            product_id: Some(f.product.clone()),
            discount: Some(discount.into()),
            ..Default::default()
        }])),
        owner_id: Some(owner.id.to_string()),
        ..Default::default()
    };
    t.app.create(&f.admin, &input, Origin::Api).await.unwrap()
}

/// A record of the route's kind owned by `owner` (for decisions: a rep's quote waiting for
/// approval; for orders: an accepted quote's order).
async fn record(
    t: &TestApp,
    f: &Fixtures,
    kind: &str,
    last: &str,
    owner: &UserRecord,
) -> (String, i64) {
    match (kind, last) {
        ("products", _) => {
            let input = ProductInput {
                sku: Some(format!("M-{}", uuid::Uuid::now_v7().simple())),
                name: Some("Matrix product".into()),
                owner_id: Some(owner.id.to_string()),
                ..Default::default()
            };
            let p: Product = t.app.create(&f.admin, &input, Origin::Api).await.unwrap();
            (p.id.to_string(), p.meta.version)
        }
        ("payments", _) => {
            let input = salesflow_domain::payment::PaymentInput {
                account_id: account(t, f, owner).await,
                amount: "5.00".into(),
                ..Default::default()
            };
            let p = t.app.record_payment(&f.admin, &input).await.unwrap();
            (p.id.to_string(), p.meta.version)
        }
        ("price-lists", _) => {
            let input = PriceListInput {
                name: Some("Matrix list".into()),
                prices: Some(PricesInput::Text("MATRIX 90".into())),
                owner_id: Some(owner.id.to_string()),
                ..Default::default()
            };
            let l: PriceList = t.app.create(&f.admin, &input, Origin::Api).await.unwrap();
            (l.id.to_string(), l.meta.version)
        }
        ("quotes", "portal-links") => {
            // A sent quote: only those have a customer link.
            let q = quote(t, f, owner, "0").await;
            let request = SendQuote {
                version: q.meta.version,
            };
            let sent = t.app.send_quote(&f.admin, q.id.0, &request).await.unwrap();
            (q.id.to_string(), sent.quote.meta.version)
        }
        ("quotes", "decision") => {
            let q = quote(t, f, owner, "20").await;
            let rep = TestApp::actor(owner);
            let sent = t
                .app
                .send_quote(
                    &rep,
                    q.id.0,
                    &SendQuote {
                        version: q.meta.version,
                    },
                )
                .await
                .unwrap();
            (q.id.to_string(), sent.quote.meta.version)
        }
        ("quotes", _) => {
            let q = quote(t, f, owner, "0").await;
            (q.id.to_string(), q.meta.version)
        }
        _ => {
            let q = quote(t, f, owner, "0").await;
            let sent = t
                .app
                .send_quote(
                    &f.admin,
                    q.id.0,
                    &SendQuote {
                        version: q.meta.version,
                    },
                )
                .await
                .unwrap();
            let url = sent.portal_url.unwrap();
            let token = url.rsplit('/').next().unwrap();
            let answer = PortalAnswer {
                signed_name: Some("Matrix Signer".into()),
                comment: None,
            };
            let (_, order) = t
                .app
                .portal_accept(q.id.0, token, &answer, None)
                .await
                .unwrap();
            if !matches!(last, "inspections" | "releases")
                && !matches!(kind, "deliveries" | "invoices")
            {
                return (order.id.to_string(), order.meta.version);
            }
            // Inspected, released and shipped orders are confirmed first.
            let confirm = ConfirmOrder {
                version: order.meta.version,
                warehouse_id: None,
                invoice_policy: None,
            };
            let order = t
                .app
                .confirm_order(&f.admin, order.id.0, &confirm)
                .await
                .unwrap()
                .0;
            if kind == "invoices" {
                // Invoiced on order: confirming made the draft.
                return invoice_of(t, f, order.id, last).await;
            }
            if kind != "deliveries" {
                return (order.id.to_string(), order.meta.version);
            }
            let release = ReleaseOrder {
                version: order.meta.version,
                lines: None,
            };
            let d = t
                .app
                .release_order(&f.admin, order.id.0, &release)
                .await
                .unwrap();
            (d.id.to_string(), d.meta.version)
        }
    }
}

/// The order's draft invoice, posted for the routes that need a posted one.
async fn invoice_of(
    t: &TestApp,
    f: &Fixtures,
    order: salesflow_domain::ids::SalesOrderId,
    last: &str,
) -> (String, i64) {
    let sql = "SELECT id FROM invoices WHERE order_id = $1";
    let id: String = sqlx::query_scalar(sql)
        .bind(order.to_string())
        .fetch_one(t.store.pool())
        .await
        .unwrap();
    let invoice: salesflow_domain::invoice::Invoice =
        t.app.get(&f.admin, id.parse().unwrap()).await.unwrap();
    if !matches!(last, "credit-notes" | "ubl") {
        return (id, invoice.meta.version);
    }
    let request = salesflow_app::invoices::PostInvoice {
        version: invoice.meta.version,
    };
    let posted = t
        .app
        .post_invoice(&f.admin, invoice.id.0, &request)
        .await
        .unwrap();
    (id, posted.invoice.meta.version)
}

async fn settings_body(t: &TestApp, key: &str) -> Value {
    let (settings, version): (Value, i64) = match key {
        "taxes" => {
            let (s, v) = t.app.tax_settings().await.unwrap();
            (serde_json::to_value(s).unwrap(), v)
        }
        "approval" => {
            let (s, v) = t.app.approval_settings().await.unwrap();
            (serde_json::to_value(s).unwrap(), v)
        }
        "fulfilment" => {
            let (s, v) = t.app.fulfilment_settings().await.unwrap();
            (serde_json::to_value(s).unwrap(), v)
        }
        "deadlines" => {
            let (s, v) = t.app.deadline_settings().await.unwrap();
            (serde_json::to_value(s).unwrap(), v)
        }
        _ => {
            let (s, v) = t.app.company_settings().await.unwrap();
            (serde_json::to_value(s).unwrap(), v)
        }
    };
    json!({ "settings": settings, "version": version })
}

/// Bodies of the stock routes that create something.
fn stock_body(template: &str, f: &Fixtures) -> Option<Value> {
    match template {
        "/api/v1/warehouses" => {
            let code = format!("W{}", &uuid::Uuid::now_v7().simple().to_string()[20..]);
            Some(json!({ "code": code, "name": "Matrix warehouse" }))
        }
        "/api/v1/stock/receipts" | "/api/v1/stock/returns" => {
            Some(json!({ "product_id": f.stocked, "quantity": "2" }))
        }
        "/api/v1/payments" => Some(json!({ "account_id": f.payer, "amount": "10.00" })),
        "/api/v1/stock/adjustments" => {
            Some(json!({ "product_id": f.stocked, "quantity": "1", "note": "recount" }))
        }
        _ => None,
    }
}

async fn check(
    t: &TestApp,
    f: &Fixtures,
    route: &str,
    caller: Option<&UserRecord>,
    api: &Api,
) -> u16 {
    let mut words = route.split(' ');
    let method: Method = words.next().unwrap().parse().unwrap();
    let template = words.next().unwrap();
    let owner = match (words.next(), caller) {
        (Some("own"), Some(me)) => me.clone(),
        _ => f.other.clone(),
    };
    let kind = template.split('/').nth(3).unwrap();
    let last = template.rsplit('/').next().unwrap();
    if method == Method::POST
        && let Some(body) = stock_body(template, f)
    {
        return api
            .call(method, template, Some(&body))
            .await
            .status
            .as_u16();
    }
    let (path, body) = if kind == "settings" {
        let body = match method {
            Method::PUT => Some(settings_body(t, last).await),
            _ => None,
        };
        (template.to_string(), body)
    } else if !template.contains("{id}") {
        let body = match (method.clone(), kind) {
            (Method::POST, "price-lists") => {
                Some(json!({ "name": "New list", "prices": "MATRIX 80" }))
            }
            (Method::POST, "products") => Some(
                json!({ "sku": format!("N-{}", uuid::Uuid::now_v7().simple()), "name": "New" }),
            ),
            (Method::POST, "quotes") => {
                // About an account the caller sees (their own, when they may have one).
                let me = caller.cloned().unwrap_or_else(|| f.other.clone());
                let account = account(t, f, &me).await;
                Some(json!({ "title": "New", "account_id": account }))
            }
            (Method::POST, _) => Some(json!({})),
            _ => None,
        };
        (template.to_string(), body)
    } else {
        let (id, version) = record(t, f, kind, last, &owner).await;
        let body = match (last, kind) {
            ("cost", _) if method == Method::PUT => Some(json!({ "cost": "10.00" })),
            ("confirm" | "releases" | "post", _) => Some(json!({ "version": version })),
            ("cancel", _) => Some(json!({ "version": version, "reason": "Customer withdrew" })),
            ("credit-notes", _) => Some(json!({})),
            (_, "invoices") if method == Method::PATCH => Some(json!({ "version": version })),
            ("inspections", _) => Some(json!({ "passed": true, "version": version })),
            ("ship", _) => Some(json!({ "carrier": "DHL", "version": version })),
            (_, "deliveries") if method == Method::PATCH => Some(json!({ "version": version })),
            ("send" | "archive" | "restore", _) => Some(json!({ "version": version })),
            ("decision", _) => {
                Some(json!({ "approve": true, "comment": "ok", "version": version }))
            }
            ("revoke" | "portal-links", _) => Some(json!({})),
            (_, "price-lists") if method == Method::PATCH => {
                Some(json!({ "customer_group": "retail", "version": version }))
            }
            (_, "products") if method == Method::PATCH => {
                Some(json!({ "description": "changed", "version": version }))
            }
            (_, "quotes") if method == Method::PATCH => {
                Some(json!({ "terms": "changed", "version": version }))
            }
            (_, "orders") if method == Method::PATCH => Some(json!({ "version": version })),
            _ => None,
        };
        let mut path = template.replace("{id}", &id);
        if last == "diff" {
            path.push_str("?from=1&to=1");
        }
        (path, body)
    };
    api.call(method, &path, body.as_ref()).await.status.as_u16()
}

#[tokio::test]
async fn role_by_document_route_matrix() {
    let t = TestApp::spawn().await;
    t.company_ready().await;
    let north = t.team("North").await;
    let south = t.team("South").await;
    let admin_user = t.user(Role::Admin, None).await;
    let other = t.user(Role::SalesRep, Some(south)).await;
    let admin = TestApp::actor(&admin_user);
    let product: Product = t
        .app
        .create(
            &admin,
            &ProductInput {
                sku: Some("MATRIX".into()),
                name: Some("Matrix".into()),
                list_price: Some("100".into()),
                stockable: Some("false".into()),
                ..Default::default()
            },
            Origin::Api,
        )
        .await
        .unwrap();
    let stocked: Product = t
        .app
        .create(
            &admin,
            &ProductInput {
                sku: Some("MATRIX-STOCK".into()),
                name: Some("Matrix stock".into()),
                ..Default::default()
            },
            Origin::Api,
        )
        .await
        .unwrap();
    let f = Fixtures {
        admin,
        other,
        product: product.id.to_string(),
        stocked: stocked.id.to_string(),
        payer: String::new(),
    };
    let payer_owner = f.other.clone();
    let f = Fixtures {
        payer: account(&t, &f, &payer_owner).await,
        ..f
    };
    let mut failures = Vec::new();
    for (column, role) in super::access::ROLES.iter().enumerate() {
        let user = match role {
            Some(role) => Some(t.user(*role, Some(north)).await),
            None => None,
        };
        let api = match &user {
            Some(u) => t.api_as(u).await,
            None => t.anonymous(),
        };
        for (route, expected) in MATRIX {
            let got = check(&t, &f, route, user.as_ref(), &api).await;
            if got != expected[column] {
                failures.push(format!(
                    "{route} as {}: expected {}, got {got}",
                    role.map(|r| r.as_str()).unwrap_or("anonymous"),
                    expected[column]
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "access matrix mismatches:\n{}",
        failures.join("\n")
    );
    t.shutdown().await;
}

#[tokio::test]
async fn documents_another_step_makes_have_no_create_route() {
    let t = TestApp::spawn().await;
    let admin = t.user(Role::Admin, None).await;
    let api = t.api_as(&admin).await;
    for path in ["orders", "deliveries", "invoices"] {
        let reply = api.post(&format!("/api/v1/{path}"), &json!({})).await;
        assert_eq!(
            (reply.status.as_u16(), reply.code()),
            (405, "method_not_allowed"),
            "{path}"
        );
        assert_eq!(api.get(&format!("/api/v1/{path}")).await.status, 200);
    }
    assert_eq!(api.post("/api/v1/quotes", &json!({})).await.status, 422);
    let doc = serde_json::to_value(salesflow_web::openapi_document()).unwrap();
    assert!(doc["paths"]["/api/v1/orders"]["post"].is_null());
    assert!(doc["paths"]["/api/v1/orders"]["get"].is_object());
    assert!(doc["paths"]["/api/v1/quotes"]["post"].is_object());
    let web = salesflow_testkit::http::Session::login(&t.base_url, &admin.email, PASSWORD)
        .await
        .unwrap();
    let (_, orders) = web.get("/orders").await;
    assert!(!orders.contains("href=\"/orders/new\""), "no New button");
    t.shutdown().await;
}
