//! The delivery page (lines to pick, ship with carrier and tracking, the delivery note PDF),
//! and the warehouse's inspection and release actions on an order.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::fulfilment::InspectOrder;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::delivery::{Delivery, DeliveryStatus, ShipInput};
use salesflow_domain::quote::lines::quantity_text;

use super::views::{EventView, Layout, humanize, names, when};
use super::{app_error_page, render};
use crate::AppState;
use crate::api::quotes::pdf_response;
use crate::extract::PathId;
use crate::session::{SignedForm, UiUser};

#[derive(Template)]
#[template(path = "delivery.html")]
struct DeliveryPage {
    layout: Layout,
    id: String,
    number: String,
    status: String,
    status_label: String,
    version: i64,
    facts: Vec<(&'static str, String, Option<String>)>,
    lines: Vec<(String, String, String)>,
    can_ship: bool,
    timeline: Vec<EventView>,
    deadlines: Vec<crate::ui::deadlines::DeadlineBadge>,
}

pub async fn show(State(s): State<AppState>, user: UiUser, PathId(id): PathId) -> Response {
    let actor = &user.actor;
    let d: Delivery = match s.app.get(actor, id).await {
        Ok(d) => d,
        Err(e) => return app_error_page(e),
    };
    let (events, names) = match (s.app.timeline::<Delivery>(actor, id).await, names(&s).await) {
        (Ok(e), Ok(n)) => (e, n),
        (Err(e), _) | (_, Err(e)) => return app_error_page(e),
    };
    let mut facts = vec![
        (
            "Order",
            d.order_number.clone(),
            Some(format!("/orders/{}", d.order_id)),
        ),
        ("Released", when(d.meta.created_at), None),
    ];
    if let Some(at) = d.shipped_at {
        facts.push(("Shipped", when(at), None));
    }
    facts.push((
        "Carrier",
        d.carrier.clone().unwrap_or_else(|| "—".into()),
        None,
    ));
    facts.push((
        "Tracking",
        d.tracking.clone().unwrap_or_else(|| "—".into()),
        None,
    ));
    let page = DeliveryPage {
        layout: Layout::new(&d.number, actor, &user.csrf, "/deliveries"),
        id: d.id.to_string(),
        number: d.number.clone(),
        status: d.status.as_str().into(),
        status_label: humanize(d.status.as_str()),
        version: d.meta.version,
        facts,
        lines: d
            .lines
            .iter()
            .map(|l| {
                (
                    l.description.clone(),
                    l.sku.clone().unwrap_or_default(),
                    format!("{} {}", quantity_text(l.quantity_milli), l.unit),
                )
            })
            .collect(),
        can_ship: d.status == DeliveryStatus::Released
            && actor.can(Resource::Delivery, Action::Update),
        timeline: events.iter().map(|e| EventView::new(e, &names)).collect(),
        deadlines: crate::ui::deadlines::case_badges(&s, Some(d.case_id)).await,
    };
    render(StatusCode::OK, &page)
}

fn version_of(form: &std::collections::HashMap<String, String>) -> i64 {
    form.get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

pub async fn ship(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let input = ShipInput {
        version: version_of(&form),
        carrier: form.get("carrier").cloned(),
        tracking: form.get("tracking").cloned(),
    };
    match s.app.ship_delivery(&user.actor, id, &input).await {
        Ok(_) => Redirect::to(&format!("/deliveries/{id}")).into_response(),
        Err(e) => app_error_page(e),
    }
}

pub async fn pdf(State(s): State<AppState>, user: UiUser, PathId(id): PathId) -> Response {
    match s.app.delivery_pdf(&user.actor, id).await {
        Ok((filename, bytes)) => pdf_response(&filename, bytes),
        Err(e) => app_error_page(e),
    }
}

pub async fn inspect(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let input = InspectOrder {
        passed: form.get("passed").map(String::as_str) == Some("true"),
        notes: form.get("notes").cloned(),
        version: version_of(&form),
    };
    match s.app.inspect_order(&user.actor, id, &input).await {
        Ok(_) => Redirect::to(&format!("/orders/{id}")).into_response(),
        Err(e) => app_error_page(e),
    }
}
