//! Activities beyond CRUD: completing, a record's activities, My day and notifications.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesflow_app::activities::Completion;
use salesflow_domain::handover::handover;
use serde::Deserialize;
use serde_json::{Value, json};

use super::json::EventJson;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, ApiQuery, PathId};
use crate::resource::WebResource;

pub async fn complete(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<Completion>,
) -> Result<Json<Value>, ApiError> {
    let activity = s.app.complete_activity(&actor, id, &body).await?;
    Ok(Json(json!({ "activity": activity })))
}

/// The activities about one record (open first, by due time).
pub async fn of_record<E: WebResource>(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<Json<Value>, ApiError> {
    let activities = s.app.activities_of(&actor, (E::ENTITY, id)).await?;
    Ok(Json(json!({ "activities": activities })))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MyDayParams {
    /// Leads without a change or activity for this many days count as untouched (default 7).
    pub stale_days: Option<i64>,
}

pub async fn my_day(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<MyDayParams>,
) -> Result<Json<Value>, ApiError> {
    let day = s.app.my_day(&actor, params.stale_days).await?;
    Ok(Json(json!({
        "overdue": day.overdue,
        "today": day.today,
        "untouched_leads": day.untouched_leads,
        "stale_days": day.stale_days,
    })))
}

pub async fn notifications(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    let (events, seen) = s.app.notifications(&actor, 100).await?;
    let email = s.app.notification_email(&actor).await?;
    let items: Vec<Value> = events
        .iter()
        .map(|e| {
            let handover = handover(e.entity_type.as_str(), &e.activity);
            json!({
                "event": EventJson::from(e),
                "kind": handover.map(|h| h.kind),
                "says": handover.map(|h| h.says),
                "unread": e.at > seen,
            })
        })
        .collect();
    Ok(Json(
        json!({ "notifications": items, "seen_at": seen.to_string(), "email": email }),
    ))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct EmailChoice {
    /// Also e-mail the caller each notification (when a mail server is configured).
    pub enabled: bool,
}

/// Turns e-mailed notifications on or off for the caller.
pub async fn set_email(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(choice): ApiJson<EmailChoice>,
) -> Result<Json<Value>, ApiError> {
    s.app.set_notification_email(&actor, choice.enabled).await?;
    Ok(Json(json!({ "email": choice.enabled })))
}

pub async fn mark_seen(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<StatusCode, ApiError> {
    s.app.mark_notifications_seen(&actor).await?;
    Ok(StatusCode::NO_CONTENT)
}
