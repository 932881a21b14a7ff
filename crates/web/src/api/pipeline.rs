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

pub async fn board(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<BoardParams>,
) -> Result<Json<Value>, ApiError> {
    let board = s.app.board(&actor, &params).await?;
    let columns: Vec<Value> = board
        .columns
        .iter()
        .map(|c| {
            let totals: Vec<Value> = c
                .totals
                .iter()
                .map(|t| {
                    let text =
                        |m: Option<salesflow_domain::money::Money>| m.map(|m| m.amount_text());
                    json!({
                        "currency": t.currency,
                        "count": t.count,
                        "amount": text(t.amount()),
                        "amount_minor": t.amount_minor,
                        "weighted": text(t.weighted()),
                        "weighted_minor": t.weighted_minor(),
                    })
                })
                .collect();
            json!({
                "stage": c.stage,
                "totals": totals,
                "opportunities": c.cards,
                "next_cursor": c.next_cursor,
            })
        })
        .collect();
    Ok(Json(
        json!({ "pipeline": board.pipeline, "columns": columns }),
    ))
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
