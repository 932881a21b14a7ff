//! The sales order page: facts, lines, the warehouse's work on it (inspection and release of
//! quantities per line, with what is open, reserved and in stock), deliveries and invoices.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::entity::Entity;
use salesflow_app::fulfilment::{ReleaseLine, ReleaseOrder};
use salesflow_app::{Actor, AppError};
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::ids::ProductId;
use salesflow_domain::quote::lines::quantity_text;
use salesflow_domain::sales_order::SalesOrder;

use super::doc_view::DocView;
use super::records::account_link;
use super::views::{EventView, Layout, humanize, names, when};
use super::{app_error_page, render};
use crate::AppState;
use crate::extract::PathId;
use crate::session::{SignedForm, UiUser};

#[derive(Template)]
#[template(path = "order.html")]
struct OrderPage {
    layout: Layout,
    heading: String,
    status_label: String,
    status: String,
    facts: Vec<(&'static str, String, Option<String>)>,
    doc: DocView,
    terms: Option<String>,
    timeline: Vec<EventView>,
    deadlines: Vec<crate::ui::deadlines::DeadlineBadge>,
    id: String,
    version: i64,
    can_confirm: bool,
    /// Inspection and pick release are open to the viewer.
    can_fulfil: bool,
    can_cancel: bool,
    last_inspection: Option<String>,
    /// (number, status, address) of the order's deliveries.
    deliveries: Vec<(String, String, String)>,
    /// (name, status, address) of the order's invoices and credit notes.
    invoices: Vec<(String, String, String)>,
    /// (line, reserved, backorder) of a confirmed order.
    reservations: Vec<(String, String, String)>,
    /// Each line's progress, and what may be released of it now.
    release_rows: Vec<ReleaseRow>,
    /// Why the last release was refused, above the release form.
    release_problem: Option<String>,
}

/// One order line in the release form: ordered, already released and shipped, what is open,
/// the stock reserved for it and available in the warehouses, and the quantity to release now.
struct ReleaseRow {
    index: usize,
    description: String,
    ordered: String,
    released: String,
    shipped: String,
    open: String,
    reserved: String,
    available: String,
    /// The input's value: what was typed (after a refusal), else everything open.
    release: String,
}

pub async fn order(State(s): State<AppState>, user: UiUser, PathId(id): PathId) -> Response {
    order_page(&s, &user, id, None, &HashMap::new(), StatusCode::OK).await
}

/// The quantity fields of the release form: `qty_<line>` → what was typed.
fn typed_quantities(form: &HashMap<String, String>) -> Vec<(usize, String)> {
    let mut typed: Vec<(usize, String)> = form
        .iter()
        .filter_map(|(k, v)| Some((k.strip_prefix("qty_")?.parse().ok()?, v.trim().to_string())))
        .collect();
    typed.sort();
    typed
}

/// Releases what the form names per line (blank or 0: nothing of that line); the order page
/// again, with the problem and the typed quantities, when refused.
pub async fn release(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let typed = typed_quantities(&form);
    // Blank or zero: nothing of that line now. Anything else goes to the rules, which refuse
    // what is not a quantity or more than is open.
    let wanted = |q: &str| !q.is_empty() && !q.parse::<f64>().is_ok_and(|v| v == 0.0);
    let lines = (!typed.is_empty()).then(|| {
        typed
            .iter()
            .filter(|(_, q)| wanted(q))
            .map(|(line, quantity)| ReleaseLine {
                line: *line,
                quantity: quantity.clone(),
            })
            .collect::<Vec<_>>()
    });
    let input = ReleaseOrder {
        version: form
            .get("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        lines,
    };
    match s.app.release_order(&user.actor, id, &input).await {
        Ok(delivery) => Redirect::to(&format!("/deliveries/{}", delivery.id)).into_response(),
        Err(
            e @ (AppError::Invalid(_) | AppError::Conflict { .. } | AppError::StaleVersion { .. }),
        ) => {
            let (status, errors, _) = crate::error::describe(&e);
            let problem = errors
                .into_iter()
                .map(|e| e.detail)
                .collect::<Vec<_>>()
                .join("; ");
            order_page(&s, &user, id, Some(problem), &form, status).await
        }
        Err(e) => app_error_page(e),
    }
}

/// Stock available per product, summed over the warehouses (for those who may read stock).
async fn available_stock(
    s: &AppState,
    actor: &Actor,
    order: &SalesOrder,
) -> HashMap<ProductId, i64> {
    let mut available = HashMap::new();
    if !actor.can(Resource::Stock, Action::Read) {
        return available;
    }
    for product in order.lines.iter().filter_map(|l| l.product_id) {
        if available.contains_key(&product) {
            continue;
        }
        if let Ok(levels) = s.app.stock_levels(actor, Some(product), None, 100).await {
            let sum = levels.iter().map(|l| l.balance.available_milli()).sum();
            available.insert(product, sum);
        }
    }
    available
}

async fn order_page(
    s: &AppState,
    user: &UiUser,
    id: uuid::Uuid,
    release_problem: Option<String>,
    form: &HashMap<String, String>,
    status: StatusCode,
) -> Response {
    let s = s.clone();
    let actor = &user.actor;
    let order: SalesOrder = match s.app.get(actor, id).await {
        Ok(o) => o,
        Err(e) => return app_error_page(e),
    };
    let (events, names) = match (
        s.app.timeline::<SalesOrder>(actor, id).await,
        names(&s).await,
    ) {
        (Ok(e), Ok(n)) => (e, n),
        (Err(e), _) | (_, Err(e)) => return app_error_page(e),
    };
    let deliveries = match s.app.deliveries_of_order(actor, &order).await {
        Ok(d) => d,
        Err(e) => return app_error_page(e),
    };
    let invoices = match s.app.invoices_of_order(actor, &order).await {
        Ok(i) => i,
        Err(e) => return app_error_page(e),
    };
    let sig = &order.signature;
    let mut facts = vec![
        account_link(&s, actor, &order.account_id.to_string()).await,
        (
            "Quote",
            format!(
                "{} revision {}",
                order.quote_number.clone().unwrap_or_default(),
                order.quote_revision
            ),
            Some(format!("/quotes/{}", order.quote_id)),
        ),
        (
            "Signed",
            format!(
                "{} on {}{}",
                sig.name,
                when(sig.at),
                sig.ip
                    .as_ref()
                    .map(|ip| format!(" from {ip}"))
                    .unwrap_or_default()
            ),
            None,
        ),
        (
            "Owner",
            names.get(&order.meta.owner_id).cloned().unwrap_or_default(),
            None,
        ),
    ];
    if let Some(o) = order.opportunity_id {
        facts.push((
            "Opportunity",
            "Open".into(),
            Some(format!("/opportunities/{o}")),
        ));
    }
    let page = OrderPage {
        layout: Layout::new(&order.number, actor, &user.csrf, "/orders"),
        heading: format!("Order {} · {}", order.number, order.title),
        status_label: humanize(order.status.as_str()),
        status: order.status.as_str().into(),
        facts,
        doc: DocView::new(
            &order.lines,
            &order.totals,
            order.currency,
            order.price_mode,
        ),
        terms: order.terms.clone(),
        timeline: events.iter().map(|e| EventView::new(e, &names)).collect(),
        deadlines: crate::ui::deadlines::case_badges(&s, Some(order.case_id)).await,
        id: order.id.to_string(),
        version: order.meta.version,
        can_confirm: order.status == salesflow_domain::sales_order::OrderStatus::New
            && actor.can(Resource::SalesOrder, Action::Update),
        can_cancel: matches!(
            order.status,
            salesflow_domain::sales_order::OrderStatus::New
                | salesflow_domain::sales_order::OrderStatus::Confirmed
        ) && order.progress.iter().all(|p| p.released_milli == 0)
            && actor.can(Resource::SalesOrder, Action::Update),
        can_fulfil: matches!(
            order.status,
            salesflow_domain::sales_order::OrderStatus::Confirmed
                | salesflow_domain::sales_order::OrderStatus::PartiallyShipped
        ) && actor.can(Resource::Delivery, Action::Update),
        last_inspection: order.inspections.last().map(|i| {
            format!(
                "{} on {}{}",
                if i.passed { "Passed" } else { "Failed" },
                when(i.at),
                i.notes
                    .as_ref()
                    .map(|n| format!(": {n}"))
                    .unwrap_or_default()
            )
        }),
        deliveries: deliveries
            .iter()
            .map(|d| {
                (
                    d.number.clone(),
                    humanize(d.status.as_str()),
                    format!("/deliveries/{}", d.id),
                )
            })
            .collect(),
        invoices: invoices
            .iter()
            .map(|i| {
                (
                    i.display_name(),
                    humanize(i.status.as_str()),
                    format!("/invoices/{}", i.id),
                )
            })
            .collect(),
        reservations: order
            .reservations
            .iter()
            .map(|r| {
                let line = order
                    .lines
                    .get(r.line)
                    .map(|l| l.description.clone())
                    .unwrap_or_default();
                (
                    line,
                    salesflow_domain::quote::lines::quantity_text(r.reserved_milli),
                    salesflow_domain::quote::lines::quantity_text(r.backorder_milli),
                )
            })
            .collect(),
        release_rows: release_rows(&order, &available_stock(&s, actor, &order).await, form),
        release_problem,
    };
    render(status, &page)
}

fn release_rows(
    order: &SalesOrder,
    available: &HashMap<ProductId, i64>,
    form: &HashMap<String, String>,
) -> Vec<ReleaseRow> {
    order
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let progress = order.progress.get(i).copied().unwrap_or_default();
            let open = (line.quantity_milli - progress.released_milli).max(0);
            let reserved: i64 = order
                .reservations
                .iter()
                .filter(|r| r.line == i)
                .map(|r| r.reserved_milli)
                .sum();
            ReleaseRow {
                index: i,
                description: line.description.clone(),
                ordered: quantity_text(line.quantity_milli),
                released: quantity_text(progress.released_milli),
                shipped: quantity_text(progress.shipped_milli),
                open: quantity_text(open),
                reserved: quantity_text(reserved),
                available: line
                    .product_id
                    .and_then(|p| available.get(&p))
                    .map_or_else(|| "—".into(), |a| quantity_text(*a)),
                release: form
                    .get(&format!("qty_{i}"))
                    .cloned()
                    .unwrap_or_else(|| quantity_text(open)),
            }
        })
        .collect()
}
