//! Pipelines, the board, stage moves, hand-offs and time in stage.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use salesflow_app::opportunities::{BoardParams, StageMove};
use salesflow_app::records::HandOff;
use salesflow_domain::pipeline::PipelineInput;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, ApiQuery, PathId};
use crate::resource::WebResource;

pub async fn list_pipelines(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(json!({ "pipelines": s.app.pipelines(&actor).await? })))
}

pub async fn show_pipeline(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "pipeline": s.app.pipeline(&actor, id).await? }),
    ))
}

pub async fn create_pipeline(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<PipelineInput>,
) -> Result<Response, ApiError> {
    let pipeline = s.app.create_pipeline(&actor, &input).await?;
    let location = format!("/api/v1/pipelines/{}", pipeline.id);
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(json!({ "pipeline": pipeline })),
    )
        .into_response())
}

pub async fn replace_pipeline(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(input): ApiJson<PipelineInput>,
) -> Result<Json<Value>, ApiError> {
    let pipeline = s.app.replace_pipeline(&actor, id, &input).await?;
    Ok(Json(json!({ "pipeline": pipeline })))
}

/// One stage column's totals in one currency; sums are 128-bit (see `json::wrapped`).
#[derive(serde::Serialize)]
struct BoardTotal<'a> {
    currency: &'a str,
    count: i64,
    amount: Option<String>,
    amount_minor: i128,
    weighted: Option<String>,
    weighted_minor: i128,
}

#[derive(serde::Serialize)]
struct BoardColumnJson<'a> {
    stage: &'a salesflow_domain::pipeline::Stage,
    totals: Vec<BoardTotal<'a>>,
    opportunities: &'a [salesflow_domain::opportunity::Opportunity],
    next_cursor: &'a Option<String>,
}

pub async fn board(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<BoardParams>,
) -> Result<Response, ApiError> {
    let board = s.app.board(&actor, &params).await?;
    let text = |m: Option<salesflow_domain::money::MoneyTotal>| m.map(|m| m.amount_text());
    let columns: Vec<BoardColumnJson> = board
        .columns
        .iter()
        .map(|c| BoardColumnJson {
            stage: &c.stage,
            totals: c
                .totals
                .iter()
                .map(|t| BoardTotal {
                    currency: &t.currency,
                    count: t.count,
                    amount: text(t.amount()),
                    amount_minor: t.amount_minor,
                    weighted: text(t.weighted()),
                    weighted_minor: t.weighted_minor(),
                })
                .collect(),
            opportunities: &c.cards,
            next_cursor: &c.next_cursor,
        })
        .collect();
    #[derive(serde::Serialize)]
    struct BoardJson<'a> {
        pipeline: &'a salesflow_domain::pipeline::Pipeline,
        columns: Vec<BoardColumnJson<'a>>,
    }
    Ok(axum::Json(BoardJson {
        pipeline: &board.pipeline,
        columns,
    })
    .into_response())
}

pub async fn move_stage(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<StageMove>,
) -> Result<Json<Value>, ApiError> {
    let opportunity = s.app.move_opportunity(&actor, id, &body).await?;
    Ok(Json(json!({ "opportunity": opportunity })))
}

pub async fn hand_off<E: WebResource>(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<HandOff>,
) -> Result<Json<Value>, ApiError> {
    let record = s.app.hand_off::<E>(&actor, id, &body).await?;
    Ok(Json(json!({ E::ONE: record })))
}

pub async fn stage_history(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<Json<Value>, ApiError> {
    let stays: Vec<Value> = s
        .app
        .stage_history(&actor, id)
        .await?
        .iter()
        .map(|stay| {
            json!({
                "stage": stay.stage,
                "entered_at": stay.entered.to_string(),
                "left_at": stay.left.map(|t| t.to_string()),
                "seconds": stay.duration.as_secs(),
            })
        })
        .collect();
    Ok(Json(json!({ "stages": stays })))
}
