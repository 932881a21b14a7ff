//! Duplicates of a record and merging two records.

use axum::Json;
use axum::extract::State;
use salesflow_app::merge::{MergeEntity, MergeRequest};
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, PathId};
use crate::resource::WebResource;

pub async fn duplicates<E: WebResource>(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<Json<Value>, ApiError> {
    let found = s.app.duplicates::<E>(&actor, id).await?;
    Ok(Json(json!({ E::MANY: found })))
}

pub async fn merge<E: WebResource + MergeEntity>(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<MergeRequest>,
) -> Result<Json<Value>, ApiError> {
    let kept = s.app.merge::<E>(&actor, id, &body).await?;
    Ok(Json(json!({ E::ONE: kept })))
}
