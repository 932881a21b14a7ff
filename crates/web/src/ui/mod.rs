//! The server-rendered UI: askama templates, htmx for partial updates, plain forms that work
//! without JavaScript.

mod analytics;
mod analytics_backtest;
mod analytics_charts;
mod analytics_export;
mod analytics_view;
mod auth;
mod board;
mod charts;
mod deadlines;
mod deliveries;
mod doc_view;
mod feed;
mod home;
mod imports;
mod invoices;
pub(crate) mod local_time;
mod mail_outbox;
mod my_day;
mod order_page;
mod portal;
mod portal_invoices;
mod preferences;
mod public_form;
mod quotes;
pub(crate) mod records;
mod sales_settings;
mod settings;
mod stock;
mod views;
mod warehouse;

use askama::Template;
use axum::Router;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use salesflow_app::{Actor, AppError};
use salesflow_domain::account::Account;
use salesflow_domain::activity::Activity;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::campaign::Campaign;
use salesflow_domain::contact::Contact;
use salesflow_domain::lead::Lead;
use salesflow_domain::opportunity::Opportunity;
use salesflow_domain::role::Role;
use salesflow_domain::web_form::WebForm;

pub use records::{csv_export, csv_response};
pub use views::Layout;

use crate::AppState;
use crate::resource::WebResource;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(home::home))
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/setup", get(auth::setup_page).post(auth::setup))
        .route("/settings", get(settings::tokens_page))
        .route(
            "/settings/tokens",
            get(settings::tokens_page).post(settings::create_token),
        )
        .route("/settings/tokens/{id}/revoke", post(settings::revoke_token))
        .route(
            "/settings/users",
            get(settings::users_page).post(settings::create_user),
        )
        .route(
            "/settings/users/{id}/{action}",
            post(settings::set_user_active),
        )
        .route("/settings/audit", get(settings::audit_page))
        .route("/settings/feed", get(feed::feed_page))
        .route(
            "/settings/feed/{consumer}/{position}/retry",
            post(feed::retry),
        )
        .route("/settings/mail", get(mail_outbox::outbox_page))
        .route("/invoices/{id}/portal-link", post(invoices::share_link))
        .route("/settings/mail/purge", post(mail_outbox::purge))
        .route("/settings/mail/{id}/retry", post(mail_outbox::retry))
        .route("/settings/pipelines", get(sales_settings::pipelines_page))
        .route(
            "/settings/pipelines/{id}",
            get(sales_settings::pipeline_page).post(sales_settings::save_pipeline),
        )
        .route(
            "/settings/qualification",
            get(sales_settings::qualification_page).post(sales_settings::save_qualification),
        )
        .route(
            "/settings/assignment",
            get(sales_settings::assignment_page).post(sales_settings::save_assignment),
        )
        .merge(records::routes::<Lead>())
        .merge(records::routes::<Contact>())
        .merge(records::routes::<Account>())
        .route("/leads/{id}/status", post(records::lead_status))
        .merge(records::routes::<Opportunity>())
        .merge(records::routes::<Campaign>())
        .merge(records::routes::<WebForm>())
        .route(
            "/f/{token}",
            get(public_form::show).post(public_form::submit),
        )
        .merge(records::routes::<Activity>())
        .route(
            "/activities/{id}/complete",
            post(records::complete_activity),
        )
        .route(
            "/imports",
            get(imports::upload_page)
                .post(imports::upload)
                .layer(axum::extract::DefaultBodyLimit::max(crate::api::MAX_UPLOAD)),
        )
        .route("/imports/{id}", get(imports::mapping_page))
        .route("/imports/{id}/run", post(imports::run))
        .route("/imports/runs/{id}", get(imports::rejected_csv))
        .route("/my-day", get(my_day::my_day))
        .route("/notifications", get(my_day::notifications))
        .route("/deadlines", get(deadlines::deadlines_page))
        .route(
            "/settings/deadlines",
            get(deadlines::deadline_settings_page).post(deadlines::save_deadline_settings),
        )
        .route("/notifications/seen", post(my_day::mark_seen))
        .route("/notifications/email", post(my_day::set_email))
        .route("/pipeline", get(board::board_page))
        .route("/pipeline/cards", get(board::board_cards))
        .route("/pipeline/totals", get(board::board_totals))
        .route("/opportunities/{id}/move", post(records::move_opportunity))
        .route(
            "/opportunities/{id}/handoff",
            post(records::hand_off::<Opportunity>),
        )
        .route("/leads/{id}/handoff", post(records::hand_off::<Lead>))
        .route("/leads/{id}/criteria", post(records::answer_criteria))
        .route("/leads/{id}/merge", post(records::merge::<Lead>))
        .route("/contacts/{id}/merge", post(records::merge::<Contact>))
        .route("/accounts/{id}/merge", post(records::merge::<Account>))
        .route("/leads/{id}/convert", post(records::convert))
        .route(
            "/settings/preferences",
            get(preferences::preferences_page).post(preferences::save_preferences),
        )
        .merge(document_routes())
        .layer(axum::middleware::from_fn(local_time::with_viewer_zone))
}

/// Renders a template into a response with the given status.
pub fn render(status: StatusCode, template: &impl Template) -> Response {
    match template.render() {
        Ok(html) => (status, Html(html)).into_response(),
        Err(error) => {
            tracing::error!(%error, "template rendering failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                Html("<h1>Something went wrong</h1>".to_string()),
            )
                .into_response()
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    heading: String,
    message: String,
}

pub fn error_page(status: StatusCode, heading: &str, message: &str) -> Response {
    let page = ErrorPage {
        layout: Layout::bare(heading),
        heading: heading.into(),
        message: message.into(),
    };
    render(status, &page)
}

/// The page for an application error outside a form.
pub fn app_error_page(error: AppError) -> Response {
    let (status, errors, extra) = crate::error::describe(&error);
    let heading = match status {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::CONFLICT => "Changed meanwhile",
        StatusCode::TOO_MANY_REQUESTS => "Too many attempts",
        StatusCode::SERVICE_UNAVAILABLE => "Busy",
        s if s.is_client_error() => "Check your input",
        _ => "Something went wrong",
    };
    let message = errors
        .iter()
        .map(|e| e.detail.clone())
        .collect::<Vec<_>>()
        .join("; ");
    let mut response = error_page(status, heading, &message);
    if let Some((name, value)) = extra
        && let Ok(value) = header::HeaderValue::from_str(&value)
    {
        response.headers_mut().insert(name, value);
    }
    response
}

/// Where the "Leads" area starts for this role: the first record list it may read.
fn first_readable(actor: &Actor) -> Option<&'static str> {
    [
        (Resource::Lead, Lead::PATH),
        (Resource::Contact, Contact::PATH),
        (Resource::Account, Account::PATH),
    ]
    .into_iter()
    .find(|(r, _)| actor.can(*r, Action::Read))
    .map(|(_, p)| p)
}

fn is_admin(actor: &Actor) -> bool {
    actor.role == Role::Admin
}

/// The catalogue, quotes with their approvals, sales orders and the customer portal.
fn document_routes() -> Router<AppState> {
    use salesflow_domain::product::Product;
    use salesflow_domain::quote::Quote;
    use salesflow_domain::sales_order::SalesOrder;
    Router::new()
        .merge(records::routes::<Product>())
        .merge(records::routes::<salesflow_domain::price_list::PriceList>())
        .merge(records::routes_except_detail::<Quote>())
        .route(
            "/quotes/{id}",
            get(quotes::show).post(records::update::<Quote>),
        )
        .route("/quotes/{id}/send", post(quotes::send))
        .route("/quotes/{id}/decision", post(quotes::decide))
        .route("/quotes/{id}/pdf", get(quotes::pdf))
        .route("/quotes/{id}/portal-links", post(quotes::renew_link))
        .route(
            "/quotes/{id}/portal-links/revoke",
            post(quotes::revoke_links),
        )
        .route("/approvals", get(quotes::approvals))
        .route("/settings/quotes", get(sales_settings::quote_settings_page))
        .route(
            "/settings/quotes/company",
            post(sales_settings::save_company),
        )
        .route(
            "/settings/quotes/approval",
            post(sales_settings::save_approval),
        )
        .route("/settings/quotes/taxes", post(sales_settings::save_taxes))
        .merge(records::routes_except_detail::<SalesOrder>())
        .route(
            "/orders/{id}",
            get(order_page::order).post(records::update::<SalesOrder>),
        )
        .route("/orders/{id}/confirm", post(stock::confirm))
        .route("/orders/{id}/cancel", post(stock::cancel))
        .route("/orders/{id}/inspections", post(deliveries::inspect))
        .route("/orders/{id}/releases", post(order_page::release))
        .merge(records::routes_except_detail::<
            salesflow_domain::delivery::Delivery,
        >())
        .route(
            "/deliveries/{id}",
            get(deliveries::show).post(records::update::<salesflow_domain::delivery::Delivery>),
        )
        .route("/deliveries/{id}/ship", post(deliveries::ship))
        .route("/deliveries/{id}/pdf", get(deliveries::pdf))
        .merge(records::routes_except_detail::<
            salesflow_domain::invoice::Invoice,
        >())
        .route(
            "/invoices/{id}",
            get(invoices::show).post(records::update::<salesflow_domain::invoice::Invoice>),
        )
        .route("/invoices/{id}/post", post(invoices::post))
        .route("/invoices/{id}/credit-notes", post(invoices::credit))
        .route("/invoices/{id}/payments", post(invoices::pay))
        .route("/invoices/{id}/pdf", get(invoices::pdf))
        .route("/invoices/{id}/ubl", get(invoices::ubl))
        .route("/receivables", get(invoices::receivables))
        .route("/analytics", get(analytics::analytics_page))
        .route("/analytics/stages/{stage}", get(analytics::stage_page))
        .route(
            "/analytics/backtest",
            get(analytics_backtest::backtest_page),
        )
        .route("/analytics/event-log.csv", get(analytics_export::event_log))
        .route(
            "/analytics/event-log.ocel.json",
            get(analytics_export::event_log_ocel),
        )
        .route("/analytics/tables/{name}", get(analytics_export::table_csv))
        .merge(records::routes::<salesflow_domain::payment::Payment>())
        .route("/stock", get(stock::stock_page))
        .route("/warehouse", get(warehouse::warehouse_page))
        .route("/stock/receipts", post(stock::receipt))
        .route("/stock/adjustments", post(stock::adjustment))
        .route("/portal/invoices/{id}/{token}", get(portal_invoices::show))
        .route(
            "/portal/invoices/{id}/{token}/{which}/pdf",
            get(portal_invoices::pdf),
        )
        .route("/portal/quotes/{id}/{token}", get(portal::show))
        .route("/portal/quotes/{id}/{token}/pdf", get(portal::pdf))
        .route("/portal/quotes/{id}/{token}/accept", post(portal::accept))
        .route(
            "/portal/quotes/{id}/{token}/changes",
            post(portal::request_changes),
        )
        .route("/portal/quotes/{id}/{token}/decline", post(portal::decline))
}
