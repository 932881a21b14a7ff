//! Warehouses, stock levels and moves, receipts and adjustments, and order confirmation.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesflow_app::AppError;
use salesflow_app::ports::StockLevel;
use salesflow_app::stock::{ConfirmOrder, WarehouseInput};
use salesflow_domain::ids::{ProductId, StockMoveId, WarehouseId};
use salesflow_domain::quote::lines::quantity_text;
use salesflow_domain::stock::{MoveKind, StockEntry};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, ApiQuery, PathId};

pub async fn warehouses(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "warehouses": s.app.warehouses(&actor).await? }),
    ))
}

pub async fn create_warehouse(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<WarehouseInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let warehouse = s.app.create_warehouse(&actor, &body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "warehouse": warehouse }))))
}

/// A stock level as JSON: quantities as decimal text and in thousandths.
pub fn level_json(level: &StockLevel) -> Value {
    let b = level.balance;
    json!({
        "product_id": level.product_id,
        "warehouse_id": level.warehouse_id,
        "on_hand": quantity_text(b.on_hand_milli),
        "reserved": quantity_text(b.reserved_milli),
        "available": quantity_text(b.available_milli()),
        "on_hand_milli": b.on_hand_milli,
        "reserved_milli": b.reserved_milli,
    })
}

/// Which levels or moves to list.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StockParams {
    /// Only this product.
    pub product: Option<String>,
    /// From the previous page's `meta.next_cursor`.
    pub cursor: Option<String>,
    /// 1–500 (default 100).
    pub limit: Option<u32>,
}

fn bad_cursor() -> ApiError {
    ApiError(AppError::invalid(
        "cursor",
        "invalid_cursor",
        "is not a cursor of this list",
    ))
}

fn product_of(params: &StockParams) -> Result<Option<ProductId>, ApiError> {
    params
        .product
        .as_deref()
        .filter(|p| !p.trim().is_empty())
        .map(|p| {
            p.trim().parse().map_err(|_| {
                ApiError(AppError::invalid(
                    "product",
                    "invalid_id",
                    "must be a product id",
                ))
            })
        })
        .transpose()
}

pub async fn levels(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<StockParams>,
) -> Result<Json<Value>, ApiError> {
    let after = match params.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => {
            let (p, w) = c.split_once('_').ok_or_else(bad_cursor)?;
            Some((
                p.parse::<ProductId>().map_err(|_| bad_cursor())?,
                w.parse::<WarehouseId>().map_err(|_| bad_cursor())?,
            ))
        }
    };
    let limit = params.limit.unwrap_or(100);
    let levels = s
        .app
        .stock_levels(&actor, product_of(&params)?, after, limit)
        .await?;
    let next = (levels.len() as u32 == limit.clamp(1, 500))
        .then(|| {
            levels
                .last()
                .map(|l| format!("{}_{}", l.product_id, l.warehouse_id))
        })
        .flatten();
    let items: Vec<Value> = levels.iter().map(level_json).collect();
    Ok(Json(
        json!({ "levels": items, "meta": { "next_cursor": next } }),
    ))
}

pub async fn moves(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<StockParams>,
) -> Result<Json<Value>, ApiError> {
    let before = match params.cursor.as_deref() {
        None | Some("") => None,
        Some(c) => {
            let (at, id) = c.split_once('_').ok_or_else(bad_cursor)?;
            let micros: i64 = at.parse().map_err(|_| bad_cursor())?;
            Some((
                jiff::Timestamp::from_microsecond(micros).map_err(|_| bad_cursor())?,
                id.parse::<StockMoveId>().map_err(|_| bad_cursor())?,
            ))
        }
    };
    let limit = params.limit.unwrap_or(100);
    let moves = s
        .app
        .stock_moves(&actor, product_of(&params)?, before, limit)
        .await?;
    let next = (moves.len() as u32 == limit.clamp(1, 500))
        .then(|| {
            moves
                .last()
                .map(|m| format!("{}_{}", m.at.as_microsecond(), m.id))
        })
        .flatten();
    Ok(Json(
        json!({ "moves": moves, "meta": { "next_cursor": next } }),
    ))
}

async fn entry(
    s: &AppState,
    actor: &salesflow_app::Actor,
    kind: MoveKind,
    body: &StockEntry,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let level = s.app.stock_entry(actor, kind, body).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "level": level_json(&level) })),
    ))
}

pub async fn receipt(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<StockEntry>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    entry(&s, &actor, MoveKind::Receipt, &body).await
}

pub async fn adjustment(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<StockEntry>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    entry(&s, &actor, MoveKind::Adjustment, &body).await
}

/// The warehouse's queues: orders to inspect, orders to pick, delivery notes to ship.
pub async fn work(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    let w = s.app.warehouse_work(&actor).await?;
    Ok(Json(json!({
        "to_inspect": w.to_inspect,
        "to_pick": w.to_pick,
        "to_ship": w.to_ship,
    })))
}

/// Goods back from a customer.
pub async fn stock_return(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<StockEntry>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    entry(&s, &actor, MoveKind::Return, &body).await
}

pub async fn confirm(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<ConfirmOrder>,
) -> Result<Json<Value>, ApiError> {
    let (order, invoice) = s.app.confirm_order(&actor, id, &body).await?;
    Ok(Json(json!({ "order": order, "invoice": invoice })))
}

pub async fn cancel(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<salesflow_app::cancellation::CancelOrder>,
) -> Result<Json<Value>, ApiError> {
    let order = s.app.cancel_order(&actor, id, &body).await?;
    Ok(Json(json!({ "order": order })))
}

pub async fn inspect(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<salesflow_app::fulfilment::InspectOrder>,
) -> Result<Json<Value>, ApiError> {
    let order = s.app.inspect_order(&actor, id, &body).await?;
    Ok(Json(json!({ "order": order })))
}

pub async fn release(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<salesflow_app::fulfilment::ReleaseOrder>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let delivery = s.app.release_order(&actor, id, &body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "delivery": delivery }))))
}

pub async fn ship(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<salesflow_domain::delivery::ShipInput>,
) -> Result<Json<Value>, ApiError> {
    let delivery = s.app.ship_delivery(&actor, id, &body).await?;
    Ok(Json(json!({ "delivery": delivery })))
}

pub async fn delivery_pdf(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<axum::response::Response, ApiError> {
    let (filename, bytes) = s.app.delivery_pdf(&actor, id).await?;
    Ok(crate::api::quotes::pdf_response(&filename, bytes))
}
