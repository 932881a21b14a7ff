use axum::extract::State;
use axum::Json;
use salesflow_app::leads::LeadTransition;
use serde_json::{Value, json};

use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, PathId};
use crate::AppState;

pub async fn transition(State(s): State<AppState>, ApiActor(actor): ApiActor, PathId(id): PathId, ApiJson(body): ApiJson<LeadTransition>) -> Result<Json<Value>, ApiError> {
    let lead = s.app.transition_lead(&actor, id, &body).await?;
    Ok(Json(json!({ "lead": lead })))
}
