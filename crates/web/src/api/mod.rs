//! The JSON API under `/api/v1` (Bearer token authentication).

mod account;
mod activities;
pub(crate) mod analytics;
mod audit;
pub(crate) mod deadlines;
pub(crate) mod event_log;
pub use audit::{AuditParams, cursor_of as audit_cursor};
pub use records::EXPORT_LIMIT;
pub mod idempotency;
mod imports;
pub mod invoices;
pub use imports::{MAX_UPLOAD, options as import_options};

/// The body limit of every route that sets none of its own.
pub const DEFAULT_BODY: usize = 2 * 1024 * 1024;
const IMPORTS_PATH: &str = "/api/v1/imports";

/// The body limit of an API route: one place for the route table and for middleware that
/// reads bodies before routing (idempotency keys), so neither can lift the other's limit.
pub fn body_limit(path: &str) -> usize {
    if path == IMPORTS_PATH {
        MAX_UPLOAD
    } else {
        DEFAULT_BODY
    }
}
mod json;
mod leads;
mod merge;
pub mod openapi;
pub mod payments;
mod pipeline;
mod qualify;
pub mod quotes;
mod records;
pub mod stock;

use axum::Router;
use axum::routing::{get, post, put};
use salesflow_domain::account::Account;
use salesflow_domain::activity::Activity;
use salesflow_domain::campaign::Campaign;
use salesflow_domain::contact::Contact;
use salesflow_domain::lead::Lead;
use salesflow_domain::opportunity::Opportunity;
use salesflow_domain::price_list::PriceList;
use salesflow_domain::product::Product;
use salesflow_domain::quote::Quote;
use salesflow_domain::sales_order::SalesOrder;
use salesflow_domain::web_form::WebForm;

use crate::AppState;
use crate::resource::WebResource;

/// Finding duplicates of and merging leads, contacts and accounts.
fn merge_routes<E: WebResource + salesflow_app::merge::MergeEntity>() -> Router<AppState> {
    let base = format!("/api/v1/{}/{{id}}", E::PATH);
    Router::new()
        .route(&format!("{base}/duplicates"), get(merge::duplicates::<E>))
        .route(&format!("{base}/merge"), post(merge::merge::<E>))
}

fn resource_routes<E: WebResource>() -> Router<AppState> {
    let base = format!("/api/v1/{}", E::PATH);
    let list = get(records::list::<E>);
    let list = if E::CREATABLE {
        list.post(records::create::<E>)
    } else {
        list
    };
    Router::new()
        .route(&base, list)
        .route(&format!("{base}/export"), get(records::export::<E>))
        .route(&format!("{base}/counts"), get(records::counts::<E>))
        .route(
            &format!("{base}/{{id}}"),
            get(records::show::<E>).patch(records::update::<E>),
        )
        .route(
            &format!("{base}/{{id}}/archive"),
            post(records::set_archived::<E, true>),
        )
        .route(
            &format!("{base}/{{id}}/restore"),
            post(records::set_archived::<E, false>),
        )
        .route(&format!("{base}/{{id}}/events"), get(records::events::<E>))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(resource_routes::<Account>())
        .merge(resource_routes::<Contact>())
        .merge(resource_routes::<Lead>())
        .merge(merge_routes::<Account>())
        .merge(merge_routes::<Contact>())
        .merge(merge_routes::<Lead>())
        .route("/api/v1/leads/{id}/transitions", post(leads::transition))
        .route(
            "/api/v1/leads/{id}/handoff",
            post(pipeline::hand_off::<Lead>),
        )
        .route("/api/v1/leads/{id}/convert", post(qualify::convert))
        .route("/api/v1/leads/{id}/criteria", put(qualify::answer_criteria))
        .route("/api/v1/leads/{id}/score", get(qualify::score))
        .route(
            "/api/v1/settings/qualification",
            get(qualify::settings).put(qualify::save_settings),
        )
        .route(
            "/api/v1/settings/assignment",
            get(qualify::assignment).put(qualify::save_assignment),
        )
        .merge(resource_routes::<Opportunity>())
        .route(
            "/api/v1/opportunities/{id}/move",
            post(pipeline::move_stage),
        )
        .route(
            "/api/v1/opportunities/{id}/handoff",
            post(pipeline::hand_off::<Opportunity>),
        )
        .route(
            "/api/v1/opportunities/{id}/stage-history",
            get(pipeline::stage_history),
        )
        .route(
            "/api/v1/pipelines",
            get(pipeline::list_pipelines).post(pipeline::create_pipeline),
        )
        .route(
            "/api/v1/pipelines/{id}",
            get(pipeline::show_pipeline).put(pipeline::replace_pipeline),
        )
        .route("/api/v1/board", get(pipeline::board))
        .merge(resource_routes::<Activity>())
        .route(
            "/api/v1/activities/{id}/complete",
            post(activities::complete),
        )
        .route(
            "/api/v1/leads/{id}/activities",
            get(activities::of_record::<Lead>),
        )
        .route(
            "/api/v1/contacts/{id}/activities",
            get(activities::of_record::<Contact>),
        )
        .route(
            "/api/v1/accounts/{id}/activities",
            get(activities::of_record::<Account>),
        )
        .route(
            "/api/v1/opportunities/{id}/activities",
            get(activities::of_record::<Opportunity>),
        )
        .route(
            IMPORTS_PATH,
            post(imports::import).layer(axum::extract::DefaultBodyLimit::max(body_limit(
                IMPORTS_PATH,
            ))),
        )
        .route("/api/v1/imports/{id}/rejected", get(imports::rejected))
        .route("/api/v1/my-day", get(activities::my_day))
        .merge(resource_routes::<Campaign>())
        .merge(resource_routes::<WebForm>())
        .route("/api/v1/campaigns/{id}/leads", get(qualify::campaign_leads))
        .route("/api/v1/notifications", get(activities::notifications))
        .route("/api/v1/notifications/seen", post(activities::mark_seen))
        .route("/api/v1/notifications/email", put(activities::set_email))
        .route("/api/v1/deadlines", get(deadlines::open))
        .route("/api/v1/deadlines/outcomes", get(deadlines::outcomes))
        .route(
            "/api/v1/settings/deadlines",
            get(deadlines::settings).put(deadlines::save_settings),
        )
        .route("/api/v1/me", get(account::me))
        .route("/api/v1/me/preferences", put(account::save_preferences))
        .route("/api/v1/tokens", get(account::list_tokens))
        .route("/api/v1/tokens/{id}/revoke", post(account::revoke_token))
        .route(
            "/api/v1/users",
            get(account::list_users).post(account::create_user),
        )
        .route("/api/v1/audit", get(audit::audit))
        .merge(document_routes())
}

/// The catalogue, quotes and sales orders.
fn document_routes() -> Router<AppState> {
    Router::new()
        .merge(resource_routes::<Product>())
        .merge(resource_routes::<Quote>())
        .merge(resource_routes::<SalesOrder>())
        .merge(resource_routes::<PriceList>())
        .route(
            "/api/v1/products/{id}/cost",
            get(quotes::cost).put(quotes::set_cost),
        )
        .route("/api/v1/quotes/{id}/send", post(quotes::send))
        .route("/api/v1/quotes/{id}/decision", post(quotes::decide))
        .route("/api/v1/quotes/{id}/diff", get(quotes::diff))
        .route("/api/v1/quotes/{id}/pdf", get(quotes::pdf))
        .route(
            "/api/v1/quotes/{id}/portal-links/revoke",
            post(quotes::revoke_links),
        )
        .route("/api/v1/quotes/{id}/portal-links", post(quotes::renew_link))
        .route(
            "/api/v1/settings/taxes",
            get(quotes::taxes).put(quotes::save_taxes),
        )
        .route(
            "/api/v1/settings/approval",
            get(quotes::approval).put(quotes::save_approval),
        )
        .route(
            "/api/v1/settings/company",
            get(quotes::company).put(quotes::save_company),
        )
        .merge(stock_routes())
}

/// Payments: recorded once (Idempotency-Key), then read-only.
fn payment_routes() -> Router<AppState> {
    use salesflow_domain::payment::Payment;
    let base = "/api/v1/payments";
    Router::new()
        .route(base, get(records::list::<Payment>).post(payments::create))
        .route(&format!("{base}/export"), get(records::export::<Payment>))
        .route(&format!("{base}/counts"), get(records::counts::<Payment>))
        .route(&format!("{base}/{{id}}"), get(records::show::<Payment>))
        .route(
            &format!("{base}/{{id}}/events"),
            get(records::events::<Payment>),
        )
}

/// Warehouses, the stock ledger and order confirmation.
fn stock_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/warehouses",
            get(stock::warehouses).post(stock::create_warehouse),
        )
        .route("/api/v1/stock", get(stock::levels))
        .route("/api/v1/stock/moves", get(stock::moves))
        .route("/api/v1/stock/receipts", post(stock::receipt))
        .route("/api/v1/stock/adjustments", post(stock::adjustment))
        .route("/api/v1/stock/returns", post(stock::stock_return))
        .route("/api/v1/warehouse/work", get(stock::work))
        .route("/api/v1/orders/{id}/confirm", post(stock::confirm))
        .route("/api/v1/orders/{id}/cancel", post(stock::cancel))
        .route("/api/v1/orders/{id}/inspections", post(stock::inspect))
        .route("/api/v1/orders/{id}/releases", post(stock::release))
        .merge(resource_routes::<salesflow_domain::delivery::Delivery>())
        .route("/api/v1/deliveries/{id}/ship", post(stock::ship))
        .route("/api/v1/deliveries/{id}/pdf", get(stock::delivery_pdf))
        .merge(resource_routes::<salesflow_domain::invoice::Invoice>())
        .route("/api/v1/invoices/{id}/post", post(invoices::post))
        .route("/api/v1/invoices/{id}/credit-notes", post(invoices::credit))
        .route("/api/v1/invoices/{id}/pdf", get(invoices::pdf))
        .route("/api/v1/invoices/{id}/ubl", get(invoices::ubl))
        .merge(payment_routes())
        .route("/api/v1/receivables", get(invoices::receivables))
        .route("/api/v1/analytics/funnel", get(analytics::funnel))
        .route("/api/v1/analytics/stage-times", get(analytics::stage_times))
        .route("/api/v1/analytics/in-stage", get(analytics::in_stage))
        .route("/api/v1/analytics/process", get(analytics::process))
        .route("/api/v1/analytics/forecast", get(analytics::forecast))
        .route("/api/v1/analytics/backtest", get(analytics::backtest))
        .route(
            "/api/v1/analytics/event-log.csv",
            get(analytics::event_log_csv),
        )
        .route(
            "/api/v1/analytics/event-log.ocel.json",
            get(analytics::event_log_ocel_json),
        )
        .route(
            "/api/v1/settings/fulfilment",
            get(quotes::fulfilment).put(quotes::save_fulfilment),
        )
}
