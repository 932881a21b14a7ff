//! Analytics routes: funnel, time in stage (with stuck deals), the deals in one stage, process
//! mining, and the event log as CSV or OCEL 2.0 JSON for external process-mining tools.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use salesflow_app::analytics::AnalyticsParams;
use serde_json::{Value, json};

use crate::AppState;
use crate::api::json::wrapped;
use crate::error::ApiError;
use crate::extract::ApiActor;

pub async fn funnel(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<AnalyticsParams>,
) -> Result<Response, ApiError> {
    Ok(wrapped(
        "funnel",
        s.app.funnel_report(&actor, &params).await?,
    ))
}

pub async fn stage_times(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<AnalyticsParams>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "stage_times": s.app.stage_times_report(&actor, &params).await? }),
    ))
}

pub async fn in_stage(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<AnalyticsParams>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "opportunities": s.app.deals_in_stage(&actor, &params).await? }),
    ))
}

pub async fn backtest(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<AnalyticsParams>,
) -> Result<Response, ApiError> {
    Ok(wrapped(
        "backtest",
        s.app.backtest_report(&actor, &params).await?,
    ))
}

pub async fn forecast(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<AnalyticsParams>,
) -> Result<Response, ApiError> {
    Ok(wrapped(
        "forecast",
        s.app.forecast_report(&actor, &params).await?,
    ))
}

pub async fn process(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<AnalyticsParams>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(
        json!({ "process": s.app.process_report(&actor, &params).await? }),
    ))
}

pub async fn event_log_ocel_json(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<AnalyticsParams>,
) -> Result<Response, ApiError> {
    Ok(super::event_log::ocel_response(&s, actor, params).await?)
}

pub async fn event_log_csv(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<AnalyticsParams>,
) -> Result<Response, ApiError> {
    Ok(super::event_log::csv_response(&s, actor, params).await?)
}
