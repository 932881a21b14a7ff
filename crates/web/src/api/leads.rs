use axum::Json;
use axum::extract::State;
use salesflow_app::leads::LeadTransition;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, PathId};

pub async fn transition(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<LeadTransition>,
) -> Result<Json<Value>, ApiError> {
    let lead = s.app.transition_lead(&actor, id, &body).await?;
    Ok(Json(json!({ "lead": lead })))
}
