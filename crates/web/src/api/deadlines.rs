//! Step deadlines: the business calendar and deadline rules (settings), the running and
//! overdue deadlines, and how the deadlines ending at each step went.

use axum::Json;
use axum::extract::State;
use jiff::{SignedDuration, Timestamp};
use salesflow_app::AppError;
use salesflow_app::deadlines::{DEADLINES, TimerView};
use salesflow_domain::authz::Resource;
use salesflow_domain::deadline::DeadlineSettings;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::quotes::SettingsUpdate;
use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, ApiQuery};

pub async fn settings(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    let (settings, version): (DeadlineSettings, i64) = s
        .app
        .read_settings_doc(&actor, DEADLINES, Resource::Pipeline)
        .await?;
    Ok(Json(json!({ "settings": settings, "version": version })))
}

pub async fn save_settings(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<SettingsUpdate<DeadlineSettings>>,
) -> Result<Json<Value>, ApiError> {
    let version = s
        .app
        .save_deadline_settings(&actor, &body.settings, body.version)
        .await?;
    Ok(Json(
        json!({ "settings": body.settings, "version": version }),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OpenParams {
    /// Only deadlines past their due time (default true); false lists every running one.
    pub overdue: Option<bool>,
    /// The `next` of the previous page.
    pub after: Option<String>,
    /// Page size, 1 to 200 (default 50).
    pub limit: Option<u32>,
}

/// Running deadlines, soonest due first, of records the caller may read.
pub async fn open(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<OpenParams>,
) -> Result<Json<Value>, ApiError> {
    let after = params.after.as_deref().map(cursor).transpose()?;
    let limit = params.limit.unwrap_or(50);
    let overdue = params.overdue.unwrap_or(true);
    let page = s.app.open_deadlines(&actor, overdue, after, limit).await?;
    let items: Vec<Value> = page.items.iter().map(timer_json).collect();
    let next = page.next.map(cursor_text);
    Ok(Json(json!({ "items": items, "next": next })))
}

/// The keyset as the `after` parameter spells it: `{due_at microseconds}_{id}`.
pub(crate) fn cursor_text((due, id): (Timestamp, Uuid)) -> String {
    format!("{}_{id}", due.as_microsecond())
}

/// `after` back into the keyset, or 422 `invalid_cursor`.
fn cursor(raw: &str) -> Result<(Timestamp, Uuid), ApiError> {
    parse_cursor(raw).ok_or_else(|| {
        ApiError::from(AppError::invalid(
            "after",
            "invalid_cursor",
            "must be the next value of an earlier page",
        ))
    })
}

/// `{due_at microseconds}_{id}` back into the keyset.
pub(crate) fn parse_cursor(raw: &str) -> Option<(Timestamp, Uuid)> {
    let (due, id) = raw.split_once('_')?;
    let due = Timestamp::from_microsecond(due.parse().ok()?).ok()?;
    Some((due, id.parse().ok()?))
}

pub(crate) fn timer_json(v: &TimerView) -> Value {
    let t = &v.timer;
    json!({
        "id": t.id,
        "deadline": t.rule_key,
        "name": t.rule_name,
        "state": v.state.as_str(),
        "record": {
            "type": t.entity_type.as_str(),
            "id": t.entity_id,
            "title": t.title,
            "href": t.entity_type.page().map(|p| format!("/{p}/{}", t.entity_id)),
        },
        "case_id": t.case_id,
        "start_step": t.start_step,
        "stop_steps": t.stop_steps,
        "started_at": t.started_at.to_string(),
        "warn_at": t.warn_at.to_string(),
        "due_at": t.due_at.to_string(),
        "stopped_at": t.stopped_at.map(|s| s.to_string()),
        "stop_step": t.stop_step,
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutcomeParams {
    /// Timers started from this day on, `YYYY-MM-DD` (default 90 days ago).
    #[param(value_type = Option<String>, format = Date)]
    pub from: Option<jiff::civil::Date>,
    /// Timers started before the end of this day (default today).
    #[param(value_type = Option<String>, format = Date)]
    pub to: Option<jiff::civil::Date>,
}

/// How the deadlines ending at each step went: met, missed and the breach rate.
pub async fn outcomes(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<OutcomeParams>,
) -> Result<Json<Value>, ApiError> {
    let now = s.app.now();
    let start_of = |d: jiff::civil::Date| {
        d.to_zoned(jiff::tz::TimeZone::UTC)
            .map(|z| z.timestamp())
            .unwrap_or(now)
    };
    let to = params
        .to
        .and_then(|d| d.tomorrow().ok())
        .map(start_of)
        .unwrap_or(now);
    let from = params.from.map(start_of).unwrap_or_else(|| {
        now.checked_sub(SignedDuration::from_hours(24 * 90))
            .unwrap_or(now)
    });
    let steps = s.app.deadline_outcomes(&actor, from, to).await?;
    let steps: Vec<Value> = steps
        .iter()
        .map(|o| {
            let rate = (o.stopped > 0).then(|| o.missed as f64 / o.stopped as f64);
            json!({ "step": o.step, "stopped": o.stopped, "missed": o.missed, "breach_rate": rate })
        })
        .collect();
    Ok(Json(
        json!({ "from": from.to_string(), "to": to.to_string(), "steps": steps }),
    ))
}
