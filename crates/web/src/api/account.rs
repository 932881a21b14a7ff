//! The signed-in user, API tokens and user administration.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesflow_app::AppError;
use salesflow_app::users::NewUser;
use salesflow_domain::ids::TokenId;
use serde::Deserialize;
use serde_json::{Value, json};

use super::json::{TokenJson, UserJson};
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, PathId};

pub async fn me(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    let time_zone = s.app.time_zone_of(actor.user_id).await?;
    Ok(Json(json!({ "user": {
        "id": actor.user_id.to_string(),
        "email": actor.email,
        "name": actor.name,
        "role": actor.role.to_string(),
        "team_id": actor.team_id.map(|t| t.to_string()),
        "time_zone": time_zone,
    }})))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Preferences {
    /// IANA time zone name, e.g. `Europe/Berlin`: pages show times on this clock.
    pub time_zone: String,
}

/// Changes the caller's own preferences.
pub async fn save_preferences(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<Preferences>,
) -> Result<Json<Value>, ApiError> {
    let time_zone = s.app.set_time_zone(&actor, &body.time_zone).await?;
    Ok(Json(json!({ "time_zone": time_zone })))
}

pub async fn list_tokens(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    let tokens = s.app.list_tokens(&actor).await?;
    Ok(Json(
        json!({ "tokens": tokens.iter().map(|t| TokenJson::new(t, None)).collect::<Vec<_>>() }),
    ))
}

pub async fn revoke_token(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<StatusCode, ApiError> {
    s.app.revoke_token(&actor, TokenId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn list_users(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    let users = s.app.list_users(&actor).await?;
    Ok(Json(
        json!({ "users": users.iter().map(UserJson::from).collect::<Vec<_>>() }),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUserBody {
    pub email: String,
    pub name: String,
    /// admin, sales_manager, sales_rep, marketing, warehouse, finance or support.
    pub role: String,
    pub team_id: Option<String>,
    /// At least 12 characters.
    pub password: String,
}

pub async fn create_user(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<NewUserBody>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let role = body
        .role
        .parse()
        .map_err(|m: String| AppError::invalid("role", "invalid_choice", m))?;
    let team_id = match body.team_id.as_deref().filter(|t| !t.is_empty()) {
        None => None,
        Some(raw) => Some(
            raw.parse()
                .map_err(|_| AppError::invalid("team_id", "invalid_id", "must be a team id"))?,
        ),
    };
    let user = s
        .app
        .create_user(
            Some(&actor),
            NewUser {
                email: body.email,
                name: body.name,
                role,
                team_id,
                password: body.password,
            },
        )
        .await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "user": UserJson::from(&user) })),
    ))
}
