//! Generic handlers for the owned record resources (accounts, contacts, leads).

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use salesflow_app::entity::Origin;
use salesflow_app::list::ListParams;
use serde::Deserialize;
use serde_json::{Value, json};

use super::json::{EventJson, Keyed, ListMeta};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, ApiQuery, PathId};
use crate::resource::WebResource;

/// Body of archive and restore: the version the decision was based on.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionBody {
    pub version: i64,
}

fn one<E: WebResource>(record: &E) -> Value {
    json!({ E::ONE: record })
}

pub async fn list<E: WebResource>(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Response, ApiError> {
    let page = s.app.list::<E>(&actor, &params).await?;
    let meta = ListMeta {
        next_cursor: page.next_cursor,
    };
    Ok(Json(Keyed(E::MANY, &page.items, Some(&meta))).into_response())
}

pub async fn create<E: WebResource>(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<E::Input>,
) -> Result<Response, ApiError> {
    let record = s.app.create::<E>(&actor, &input, Origin::Api).await?;
    let location = format!("/api/v1/{}/{}", E::PATH, record.uuid());
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, location)],
        Json(one(&record)),
    )
        .into_response())
}

pub async fn show<E: WebResource>(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(one(&s.app.get::<E>(&actor, id).await?)))
}

pub async fn update<E: WebResource>(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(input): ApiJson<E::Input>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(one(&s.app.update::<E>(&actor, id, &input).await?)))
}

/// Archive (`ARCHIVED = true`) or restore a record.
pub async fn set_archived<E: WebResource, const ARCHIVED: bool>(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<VersionBody>,
) -> Result<Json<Value>, ApiError> {
    let record = s
        .app
        .set_archived::<E>(&actor, id, Some(body.version), ARCHIVED)
        .await?;
    Ok(Json(one(&record)))
}

pub async fn events<E: WebResource>(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<Json<Value>, ApiError> {
    let events = s.app.timeline::<E>(&actor, id).await?;
    Ok(Json(
        json!({ "events": events.iter().map(EventJson::from).collect::<Vec<_>>() }),
    ))
}

pub async fn counts<E: WebResource>(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    let counts = s.app.counts::<E>(&actor).await?;
    let counts: Vec<Value> = counts
        .into_iter()
        .map(|(group, count)| json!({ "group": group, "count": count }))
        .collect();
    Ok(Json(json!({ "counts": counts })))
}

/// Rows exported at most per request; narrow the filters for more.
pub const EXPORT_LIMIT: usize = 100_000;

pub async fn export<E: WebResource>(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Response, ApiError> {
    let rows = s.app.export::<E>(&actor, &params, EXPORT_LIMIT).await?;
    let body = crate::ui::csv_export::<E>(&rows).map_err(ApiError)?;
    Ok(crate::ui::csv_response(E::PATH, body))
}
