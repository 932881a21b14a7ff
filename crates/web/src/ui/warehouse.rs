//! The warehouse's page of today's work: orders to inspect, orders to pick, delivery notes to
//! ship — each a link to the page where the step is done.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use salesflow_domain::quote::lines::quantity_text;
use salesflow_domain::sales_order::SalesOrder;

use super::views::{Layout, when};
use super::{app_error_page, render};
use crate::AppState;
use crate::session::UiUser;

/// (number and title, what is open, since, address)
type WorkRow = (String, String, String, String);

#[derive(Template)]
#[template(path = "warehouse.html")]
struct WarehousePage {
    layout: Layout,
    to_inspect: Vec<WorkRow>,
    to_pick: Vec<WorkRow>,
    to_ship: Vec<WorkRow>,
}

fn order_row(o: &SalesOrder) -> WorkRow {
    let open: Vec<String> = o
        .lines
        .iter()
        .enumerate()
        .filter(|(i, _)| o.open_to_release(*i) > 0)
        .map(|(i, l)| {
            format!(
                "{} x {}",
                quantity_text(o.open_to_release(i)),
                l.description
            )
        })
        .collect();
    (
        format!("{} · {}", o.number, o.title),
        open.join("; "),
        when(o.confirmed_at.unwrap_or(o.meta.created_at)),
        format!("/orders/{}", o.id),
    )
}

pub async fn warehouse_page(State(s): State<AppState>, user: UiUser) -> Response {
    let work = match s.app.warehouse_work(&user.actor).await {
        Ok(w) => w,
        Err(e) => return app_error_page(e),
    };
    let page = WarehousePage {
        layout: Layout::new("Warehouse", &user.actor, &user.csrf, "/warehouse"),
        to_inspect: work.to_inspect.iter().map(order_row).collect(),
        to_pick: work.to_pick.iter().map(order_row).collect(),
        to_ship: work
            .to_ship
            .iter()
            .map(|d| {
                let lines: Vec<String> = d
                    .lines
                    .iter()
                    .map(|l| format!("{} x {}", quantity_text(l.quantity_milli), l.description))
                    .collect();
                (
                    format!("{} · {}", d.number, d.order_number),
                    lines.join("; "),
                    when(d.meta.created_at),
                    format!("/deliveries/{}", d.id),
                )
            })
            .collect(),
    };
    render(StatusCode::OK, &page)
}
