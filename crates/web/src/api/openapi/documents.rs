//! The OpenAPI entries of the quote-to-order routes beyond the generic record ones.

use super::*;
use crate::api::quotes::DiffParams;
use crate::api::stock::StockParams;
use salesflow_app::analytics::AnalyticsParams;

fn analytics_endpoints() -> Vec<Endpoint> {
    let object = || RefOr::T(Schema::Object(ObjectBuilder::new().build()));
    let params = || AnalyticsParams::into_params(|| Some(ParameterIn::Query));
    [
        ("/api/v1/analytics/funnel", "The funnel of a pipeline: opportunities (created in the period) that reached each stage, with amounts, conversion to the next stage and to won, win rate, average won deal and lost reasons; `by` breaks it down per rep, team, lead source or product"),
        ("/api/v1/analytics/stage-times", "Time in stage: median and p90 of completed stays (begun in the period) per stage, optionally per rep or team, and the open deals longer in their stage than its p90 (stuck)"),
        ("/api/v1/analytics/in-stage", "The open opportunities in one stage (`stage`), longest there first"),
        ("/api/v1/analytics/forecast", "The forecast: the open pipeline by close month (amount, weighted by probability, and by the win rate each stage has had among closed deals), the learned win rates, and for the current quarter a Monte Carlo range (P10, P50, P90) of the revenue won"),
        ("/api/v1/analytics/backtest", "The forecast backtest: for each of the last twelve months and the current one, what each method predicted from the last weekly pipeline snapshot before the month (weighted, historical, Monte Carlo P10/P50/P90) beside what was actually won in the month"),
        ("/api/v1/analytics/process", "Process mining of the event log: directly-follows edges with counts and shares, time from each step to the next (median, p90) and the most frequent variants with their median duration"),
    ]
    .into_iter()
    .map(|(path, summary)| {
        Endpoint::new(HttpMethod::Get, path, "analytics", summary)
            .params(params())
            .returns("200", "application/json", object())
    })
    .chain([
        Endpoint::new(HttpMethod::Get, "/api/v1/analytics/event-log.csv", "analytics", "The event log's process steps as CSV for process-mining tools: case_id, activity, timestamp, resource, actor_id, object_type, object_id, from_state, to_state")
            .params(params())
            .returns("200", "text/csv", object()),
        Endpoint::new(HttpMethod::Get, "/api/v1/analytics/event-log.ocel.json", "analytics", "The event log's process steps as an OCEL 2.0 JSON object-centric event log: leads, opportunities, quotes, orders, deliveries, invoices and payments as objects (each related to its case's first document), each step an event of its document and its case")
            .params(params())
            .returns("200", "application/json", object()),
    ])
    .collect()
}

fn stock_endpoints() -> Vec<Endpoint> {
    let object = || RefOr::T(Schema::Object(ObjectBuilder::new().build()));
    vec![
        Endpoint::new(HttpMethod::Get, "/api/v1/warehouses", "stock", "Warehouses, the default first")
            .returns("200", "application/json", wrapped("warehouses", array_of("Warehouse"))),
        Endpoint::new(HttpMethod::Post, "/api/v1/warehouses", "stock", "Add a warehouse (admins, warehouse staff)")
            .body(schema_ref("WarehouseInput"))
            .returns("201", "application/json", wrapped("warehouse", schema_ref("Warehouse"))),
        Endpoint::new(HttpMethod::Get, "/api/v1/stock", "stock", "Stock levels per product and warehouse: on hand, reserved, available")
            .params(StockParams::into_params(|| Some(ParameterIn::Query)))
            .returns("200", "application/json", object()),
        Endpoint::new(HttpMethod::Get, "/api/v1/stock/moves", "stock", "The stock ledger, newest first (receipts, reservations, releases, shipments, returns, adjustments)")
            .params(StockParams::into_params(|| Some(ParameterIn::Query)))
            .returns("200", "application/json", wrapped("moves", array_of("StockMove"))),
        Endpoint::new(HttpMethod::Post, "/api/v1/stock/receipts", "stock", "Goods received into a warehouse")
            .body(schema_ref("StockEntry"))
            .returns("201", "application/json", object()),
        Endpoint::new(HttpMethod::Post, "/api/v1/stock/adjustments", "stock", "A stock count corrected (quantity may be negative; a reason is required; never below zero)")
            .body(schema_ref("StockEntry"))
            .returns("201", "application/json", object()),
        Endpoint::new(HttpMethod::Get, "/api/v1/warehouse/work", "stock", "The warehouse's queues, oldest first: orders waiting for a quality inspection, orders with quantities to pick, delivery notes to ship (warehouse staff, admins)")
            .returns("200", "application/json", object()),
        Endpoint::new(HttpMethod::Post, "/api/v1/stock/returns", "stock", "Goods back from a customer into a warehouse")
            .body(schema_ref("StockEntry"))
            .returns("201", "application/json", object()),
        Endpoint::new(HttpMethod::Post, "/api/v1/orders/{id}/inspections", "orders", "Record a quality inspection (warehouse staff, admins); a failed one blocks picking until one passes")
            .id()
            .body(schema_ref("InspectOrder"))
            .returns("200", "application/json", wrapped("order", schema_ref("SalesOrder"))),
        Endpoint::new(HttpMethod::Post, "/api/v1/orders/{id}/releases", "orders", "Release an order (all that is open, or given lines and quantities) for picking: makes the numbered delivery note")
            .id()
            .body(schema_ref("ReleaseOrder"))
            .returns("201", "application/json", wrapped("delivery", schema_ref("Delivery"))),
        Endpoint::new(HttpMethod::Post, "/api/v1/deliveries/{id}/ship", "deliveries", "Ship a released delivery with carrier and tracking: stock leaves through the ledger, the order's status follows")
            .id()
            .body(schema_ref("ShipInput"))
            .returns("200", "application/json", wrapped("delivery", schema_ref("Delivery"))),
        Endpoint::new(HttpMethod::Get, "/api/v1/deliveries/{id}/pdf", "deliveries", "The delivery note as PDF")
            .id()
            .returns("200", "application/pdf", object()),
        Endpoint::new(HttpMethod::Post, "/api/v1/invoices/{id}/post", "invoices", "Post a draft invoice or credit note: numbered from its gapless series, dated, final (finance, admins); answers with the customer's portal link (`portal_url`) where the PDF is being e-mailed (`emailed_to`), or why it is not (`not_emailed`: no mail server, no address)")
            .id()
            .body(schema_ref("PostInvoice"))
            .returns("200", "application/json", wrapped("invoice", schema_ref("Invoice"))),
        Endpoint::new(HttpMethod::Post, "/api/v1/invoices/{id}/credit-notes", "invoices", "A draft credit note for the whole of a posted invoice")
            .id()
            .returns("201", "application/json", wrapped("invoice", schema_ref("Invoice"))),
        Endpoint::new(HttpMethod::Get, "/api/v1/invoices/{id}/pdf", "invoices", "The invoice or credit note as PDF")
            .id()
            .returns("200", "application/pdf", object()),
        Endpoint::new(HttpMethod::Get, "/api/v1/invoices/{id}/ubl", "invoices", "The posted invoice or credit note as an EN 16931 UBL 2.1 e-invoice")
            .id()
            .returns("200", "application/xml", object()),
        Endpoint::new(HttpMethod::Post, "/api/v1/orders/{id}/cancel", "orders", "Cancel a new or confirmed order before anything is released for picking (reason required): its reserved stock goes back, its draft invoices are voided; 409 not_cancellable otherwise")
            .id()
            .body(schema_ref("CancelOrder"))
            .returns("200", "application/json", wrapped("order", schema_ref("SalesOrder"))),
        Endpoint::new(HttpMethod::Post, "/api/v1/orders/{id}/confirm", "orders", "Confirm a new order: its stocked lines are reserved (and, invoiced on order, its draft invoice is made: `invoice`); 409 insufficient_stock when stock is short and backorders are not allowed")
            .id()
            .body(schema_ref("ConfirmOrder"))
            .returns("200", "application/json", wrapped("order", schema_ref("SalesOrder"))),
    ]
}

pub(super) fn endpoints() -> Vec<Endpoint> {
    let object = || RefOr::T(Schema::Object(ObjectBuilder::new().build()));
    let pdf = || {
        RefOr::T(Schema::Object(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Binary,
                )))
                .build(),
        ))
    };
    let settings = |path: &str, name: &str, what: &str, who: &str| {
        vec![
            Endpoint::new(
                HttpMethod::Get,
                format!("/api/v1/settings/{path}"),
                "settings",
                format!("The {what} and their version"),
            )
            .returns("200", "application/json", object()),
            Endpoint::new(
                HttpMethod::Put,
                format!("/api/v1/settings/{path}"),
                "settings",
                format!(
                    "Replace the {what} ({who}); body `{{\"settings\": {name}, \"version\": n}}`"
                ),
            )
            .body(object())
            .returns("200", "application/json", object()),
        ]
    };
    let mut all = vec![
        Endpoint::new(HttpMethod::Get, "/api/v1/products/{id}/cost", "products", "A product's cost price and margin (admins, sales managers, finance; never shown to reps or customers)")
            .id()
            .returns("200", "application/json", wrapped("cost", schema_ref("ProductCost"))),
        Endpoint::new(HttpMethod::Put, "/api/v1/products/{id}/cost", "products", "Set or clear a product's cost price (admins, sales managers)")
            .id()
            .body(schema_ref("ProductCost"))
            .returns("200", "application/json", wrapped("cost", schema_ref("ProductCost"))),
        Endpoint::new(HttpMethod::Post, "/api/v1/quotes/{id}/send", "quotes", "Send a draft quote: above the sender's discount limit it goes to pending_approval; otherwise it is numbered, e-mailed with its PDF and a new portal link (returned once as portal_url), and supersedes the opportunity's other open quotes")
            .id()
            .body(schema_ref("SendQuote"))
            .returns("200", "application/json", object()),
        Endpoint::new(HttpMethod::Post, "/api/v1/quotes/{id}/decision", "quotes", "Approve or reject a quote waiting for approval (sales managers and admins whose limit covers the discount)")
            .id()
            .body(schema_ref("QuoteDecision"))
            .returns("200", "application/json", wrapped("quote", schema_ref("Quote"))),
        Endpoint::new(HttpMethod::Get, "/api/v1/quotes/{id}/diff", "quotes", "Line-level differences between two revisions of a quote")
            .id()
            .params(DiffParams::into_params(|| Some(ParameterIn::Query)))
            .returns("200", "application/json", wrapped("diff", schema_ref("RevisionDiff"))),
        Endpoint::new(HttpMethod::Get, "/api/v1/quotes/{id}/pdf", "quotes", "The quote as PDF (the signed copy once accepted)")
            .id()
            .returns("200", "application/pdf", pdf()),
        Endpoint::new(HttpMethod::Post, "/api/v1/quotes/{id}/portal-links", "quotes", "A new customer link for a sent quote (returned once as portal_url); earlier links stop working")
            .id()
            .returns("200", "application/json", object()),
        Endpoint::new(HttpMethod::Post, "/api/v1/quotes/{id}/portal-links/revoke", "quotes", "Make the quote's customer links stop working")
            .id()
            .returns("200", "application/json", object()),
    ];
    all.extend(settings(
        "taxes",
        "TaxSettings",
        "tax categories",
        "admins, sales managers",
    ));
    all.extend(settings(
        "approval",
        "ApprovalSettings",
        "discount approval limits per role",
        "admins",
    ));
    all.extend(settings(
        "deadlines",
        "DeadlineSettings",
        "business calendar (time zone, working hours, holidays) and step deadlines",
        "admins, sales managers",
    ));
    all.extend(settings(
        "fulfilment",
        "FulfilmentSettings",
        "fulfilment rules (allow_backorder)",
        "admins, sales managers",
    ));
    all.extend(stock_endpoints());
    all.push(
        Endpoint::new(HttpMethod::Get, "/api/v1/receivables", "invoices", "Accounts receivable by currency: outstanding amounts by days past due (current, 1–30, 31–60, 61–90, over 90) and days sales outstanding")
            .returns("200", "application/json", object()),
    );
    all.extend(analytics_endpoints());
    // Payments are recorded, then read-only: no edit, archive or restore.
    all.extend(
        resource_endpoints::<salesflow_domain::payment::Payment>("PaymentInput")
            .into_iter()
            .filter(|e| {
                e.method != HttpMethod::Patch
                    && !e.path.ends_with("/archive")
                    && !e.path.ends_with("/restore")
            })
            .map(|e| match e.method {
                HttpMethod::Post => Endpoint {
                    summary: "Record a payment: allocated to the named invoices or the account's open ones (oldest due first), the rest kept as customer credit. Send an Idempotency-Key header to retry safely: the first answer is replayed, another body with the same key is 422 idempotency_key_reused".into(),
                    ..e
                },
                _ => e,
            }),
    );
    all.extend(settings(
        "company",
        "CompanySettings",
        "company details printed on documents",
        "admins, sales managers",
    ));
    all
}
