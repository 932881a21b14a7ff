use axum::Json;
use axum::extract::State;
use salesflow_app::AppError;
use salesflow_app::ports::AuditFilter;
use salesflow_domain::event::EntityType;
use serde::Deserialize;
use serde_json::{Value, json};

use super::json::EventJson;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiQuery};

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// user, team, account, contact, lead or api_token.
    pub entity_type: Option<String>,
    /// Only changes made by this user.
    pub actor_id: Option<String>,
    /// Cursor from the previous page's `meta.next_cursor` (`<microseconds>.<event id>`).
    pub before: Option<String>,
    /// 1–500, default 100.
    pub limit: Option<u32>,
}

impl AuditParams {
    /// Parses the filter; `before` needs the event's time, which the caller looks up.
    pub fn filter(
        &self,
        before: Option<(jiff::Timestamp, salesflow_domain::ids::EventId)>,
    ) -> Result<AuditFilter, AppError> {
        let entity_type = match self.entity_type.as_deref().filter(|v| !v.is_empty()) {
            None => None,
            Some(raw) => Some(EntityType::parse(raw).ok_or_else(|| {
                AppError::invalid(
                    "entity_type",
                    "invalid_choice",
                    "must be an entity type, e.g. user, team, account, lead, api_token, invoice or settings",
                )
            })?),
        };
        let actor_id =
            match self.actor_id.as_deref().filter(|v| !v.is_empty()) {
                None => None,
                Some(raw) => Some(raw.parse().map_err(|_| {
                    AppError::invalid("actor_id", "invalid_id", "must be a user id")
                })?),
            };
        Ok(AuditFilter {
            entity_type,
            actor_id,
            before,
            limit: self.limit.unwrap_or(100),
        })
    }

    /// The cursor `before` as (time, id): it is `<microseconds>.<event id>`.
    pub fn before(
        &self,
    ) -> Result<Option<(jiff::Timestamp, salesflow_domain::ids::EventId)>, AppError> {
        let Some(raw) = self.before.as_deref().filter(|v| !v.is_empty()) else {
            return Ok(None);
        };
        let bad = || {
            AppError::invalid(
                "before",
                "invalid_cursor",
                "is not a cursor returned by this list",
            )
        };
        let (micros, id) = raw.split_once('.').ok_or_else(bad)?;
        let at = jiff::Timestamp::from_microsecond(micros.parse().map_err(|_| bad())?)
            .map_err(|_| bad())?;
        Ok(Some((at, id.parse().map_err(|_| bad())?)))
    }
}

pub fn cursor_of(event: &salesflow_app::ports::EventRecord) -> String {
    format!("{}.{}", event.at.as_microsecond(), event.id)
}

pub async fn audit(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<AuditParams>,
) -> Result<Json<Value>, ApiError> {
    let filter = params.filter(params.before()?)?;
    let events = s.app.audit(&actor, &filter).await?;
    let next = (events.len() as u32 >= filter.limit.clamp(1, 500))
        .then(|| events.last().map(cursor_of))
        .flatten();
    Ok(Json(
        json!({ "events": events.iter().map(EventJson::from).collect::<Vec<_>>(), "meta": { "next_cursor": next } }),
    ))
}
