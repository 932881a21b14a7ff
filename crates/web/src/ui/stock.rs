//! The stock page: levels per product and warehouse, receipts and count corrections, the
//! latest ledger moves; and confirming an order from its page.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::list::ListParams;
use salesflow_app::stock::ConfirmOrder;
use salesflow_app::{Actor, AppError};
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::ids::ProductId;
use salesflow_domain::product::Product;
use salesflow_domain::quote::lines::quantity_text;
use salesflow_domain::stock::{MoveKind, StockEntry};

use super::views::{Layout, Opt, humanize, when};
use super::{app_error_page, render};
use crate::AppState;
use crate::extract::PathId;
use crate::session::{SignedForm, UiUser};

pub struct LevelRow {
    pub product: String,
    pub warehouse: String,
    pub on_hand: String,
    pub reserved: String,
    pub available: String,
}

#[derive(Template)]
#[template(path = "stock.html")]
struct StockPage {
    layout: Layout,
    levels: Vec<LevelRow>,
    moves: Vec<(String, String, String, String, String, String)>,
    products: Vec<Opt>,
    warehouses: Vec<Opt>,
    can_enter: bool,
    problem: Option<String>,
}

async fn page(s: &AppState, user: &UiUser, problem: Option<String>) -> Response {
    let actor: &Actor = &user.actor;
    let params = ListParams {
        limit: Some(200),
        sort: Some("sku".into()),
        dir: Some("asc".into()),
        ..Default::default()
    };
    let loaded = async {
        Ok::<_, AppError>((
            s.app.stock_levels(actor, None, None, 500).await?,
            s.app.stock_moves(actor, None, None, 50).await?,
            s.app.warehouses(actor).await?,
            s.app.list::<Product>(actor, &params).await?.items,
        ))
    }
    .await;
    let (levels, moves, warehouses, products) = match loaded {
        Ok(l) => l,
        Err(e) => return app_error_page(e),
    };
    let product_name: HashMap<ProductId, String> = products
        .iter()
        .map(|p| (p.id, format!("{} · {}", p.details.sku, p.details.name)))
        .collect();
    let name = |id: &ProductId| {
        product_name
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    };
    let warehouse_name: HashMap<_, _> = warehouses.iter().map(|w| (w.id, w.code.clone())).collect();
    let page = StockPage {
        layout: Layout::new("Stock", actor, &user.csrf, "/stock"),
        levels: levels
            .iter()
            .map(|l| LevelRow {
                product: name(&l.product_id),
                warehouse: warehouse_name
                    .get(&l.warehouse_id)
                    .cloned()
                    .unwrap_or_default(),
                on_hand: quantity_text(l.balance.on_hand_milli),
                reserved: quantity_text(l.balance.reserved_milli),
                available: quantity_text(l.balance.available_milli()),
            })
            .collect(),
        moves: moves
            .iter()
            .map(|m| {
                (
                    when(m.at),
                    name(&m.product_id),
                    warehouse_name
                        .get(&m.warehouse_id)
                        .cloned()
                        .unwrap_or_default(),
                    humanize(m.kind.as_str()),
                    quantity_text(m.quantity_milli),
                    m.note.clone().unwrap_or_default(),
                )
            })
            .collect(),
        products: Opt::list(
            products.iter().filter(|p| p.details.stockable).map(|p| {
                (
                    p.id.to_string(),
                    format!("{} · {}", p.details.sku, p.details.name),
                )
            }),
            "",
        ),
        warehouses: Opt::list(
            warehouses
                .iter()
                .map(|w| (w.id.to_string(), format!("{} · {}", w.code, w.name))),
            "",
        ),
        can_enter: actor.can(Resource::Stock, Action::Create),
        problem,
    };
    let status = if page.problem.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(status, &page)
}

pub async fn stock_page(State(s): State<AppState>, user: UiUser) -> Response {
    page(&s, &user, None).await
}

async fn entry(
    s: AppState,
    user: UiUser,
    form: HashMap<String, String>,
    kind: MoveKind,
) -> Response {
    let field = |k: &str| form.get(k).cloned();
    let entry = StockEntry {
        product_id: field("product_id").unwrap_or_default(),
        warehouse_id: field("warehouse_id"),
        quantity: field("quantity").unwrap_or_default(),
        note: field("note"),
    };
    match s.app.stock_entry(&user.actor, kind, &entry).await {
        Ok(_) => Redirect::to("/stock").into_response(),
        Err(AppError::Invalid(e)) => page(&s, &user, Some(e.to_string())).await,
        Err(AppError::Conflict { detail, .. }) => page(&s, &user, Some(detail)).await,
        Err(e) => app_error_page(e),
    }
}

pub async fn receipt(State(s): State<AppState>, SignedForm { user, form }: SignedForm) -> Response {
    entry(s, user, form, MoveKind::Receipt).await
}

pub async fn adjustment(
    State(s): State<AppState>,
    SignedForm { user, form }: SignedForm,
) -> Response {
    entry(s, user, form, MoveKind::Adjustment).await
}

/// Confirms an order from its page.
pub async fn confirm(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let request = ConfirmOrder {
        version: form
            .get("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        warehouse_id: form.get("warehouse_id").cloned(),
        invoice_policy: form.get("invoice_policy").cloned(),
    };
    match s.app.confirm_order(&user.actor, id, &request).await {
        Ok(_) => Redirect::to(&format!("/orders/{id}")).into_response(),
        Err(e) => app_error_page(e),
    }
}

pub async fn cancel(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let request = salesflow_app::cancellation::CancelOrder {
        version: form
            .get("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        reason: form.get("reason").cloned().unwrap_or_default(),
    };
    match s.app.cancel_order(&user.actor, id, &request).await {
        Ok(_) => Redirect::to(&format!("/orders/{id}")).into_response(),
        Err(e) => app_error_page(e),
    }
}
