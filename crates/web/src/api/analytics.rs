//! Analytics routes: funnel, time in stage (with stuck deals), the deals in one stage, process
//! mining, and the event log as CSV or OCEL 2.0 JSON for external process-mining tools.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::Response;
use salesflow_app::Actor;
use salesflow_app::analytics::AnalyticsParams;
use salesflow_app::error::AppError;
use salesflow_app::ports::LogEvent;
use salesflow_domain::analytics::mining::PROCESS_ENTITIES;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

use crate::AppState;
use crate::api::json::wrapped;
use crate::error::ApiError;
use crate::extract::ApiActor;

/// Rows read per query while writing the event log.
const LOG_PAGE: u32 = 5_000;

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

fn log_row(e: &LogEvent) -> [String; 9] {
    [
        e.case_id.clone(),
        e.activity.clone(),
        e.at.to_string(),
        e.resource.clone().unwrap_or_else(|| "system".into()),
        e.actor_id.clone().unwrap_or_default(),
        e.entity_type.clone(),
        e.entity_id.clone(),
        e.from_state.clone().unwrap_or_default(),
        e.to_state.clone().unwrap_or_default(),
    ]
}

/// The process steps as CSV: case id, activity, timestamp, resource and the event's attributes.
pub(crate) async fn event_log_body(
    s: &AppState,
    actor: &Actor,
    params: &AnalyticsParams,
) -> Result<Vec<u8>, AppError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let failed = |e: csv::Error| AppError::Internal(e.to_string());
    writer
        .write_record([
            "case_id",
            "activity",
            "timestamp",
            "resource",
            "actor_id",
            "object_type",
            "object_id",
            "from_state",
            "to_state",
        ])
        .map_err(failed)?;
    let mut after = None;
    loop {
        let page = s.app.event_log_page(actor, params, after, LOG_PAGE).await?;
        for event in &page {
            writer.write_record(log_row(event)).map_err(failed)?;
        }
        match page.last() {
            Some(last) if page.len() == LOG_PAGE as usize => after = Some((last.at, last.id)),
            _ => break,
        }
    }
    writer
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}

/// The process steps as an OCEL 2.0 object-centric event log (JSON): the documents are the
/// objects, each step an event of its document and of the case's first document.
pub(crate) async fn event_log_ocel(
    s: &AppState,
    actor: &Actor,
    params: &AnalyticsParams,
) -> Result<Value, AppError> {
    let mut events = Vec::new();
    let mut objects: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut event_types: BTreeSet<String> = BTreeSet::new();
    let mut after = None;
    loop {
        let page = s.app.event_log_page(actor, params, after, LOG_PAGE).await?;
        for e in &page {
            objects
                .entry(e.entity_id.clone())
                .or_insert_with(|| (e.entity_type.clone(), e.case_id.clone()));
            event_types.insert(e.activity.clone());
            let mut relationships =
                vec![json!({ "objectId": e.entity_id, "qualifier": e.entity_type })];
            if e.case_id != e.entity_id {
                relationships.push(json!({ "objectId": e.case_id, "qualifier": "case" }));
            }
            let attribute = |name: &str, value: &Option<String>| json!({ "name": name, "value": value.clone().unwrap_or_default() });
            events.push(json!({
                "id": e.id.to_string(),
                "type": e.activity,
                "time": e.at.to_string(),
                "attributes": [
                    attribute("resource", &e.resource),
                    attribute("from_state", &e.from_state),
                    attribute("to_state", &e.to_state),
                ],
                "relationships": relationships,
            }));
        }
        match page.last() {
            Some(last) if page.len() == LOG_PAGE as usize => after = Some((last.at, last.id)),
            _ => break,
        }
    }
    // A case's first document may have no step in the period: it is still an object.
    let roots: Vec<String> = objects.values().map(|(_, case)| case.clone()).collect();
    for root in roots {
        objects
            .entry(root.clone())
            .or_insert_with(|| ("case".into(), root));
    }
    let mut types: BTreeSet<&str> = PROCESS_ENTITIES.iter().copied().collect();
    types.extend(objects.values().map(|(t, _)| t.as_str()));
    let string_attributes = json!([
        { "name": "resource", "type": "string" },
        { "name": "from_state", "type": "string" },
        { "name": "to_state", "type": "string" }
    ]);
    Ok(json!({
        "objectTypes": types.iter().map(|t| json!({ "name": t, "attributes": [] })).collect::<Vec<_>>(),
        "eventTypes": event_types
            .iter()
            .map(|t| json!({ "name": t, "attributes": string_attributes }))
            .collect::<Vec<_>>(),
        "objects": objects
            .iter()
            .map(|(id, (kind, case))| {
                let relationships = if case == id {
                    json!([])
                } else {
                    json!([{ "objectId": case, "qualifier": "case" }])
                };
                json!({ "id": id, "type": kind, "attributes": [], "relationships": relationships })
            })
            .collect::<Vec<_>>(),
        "events": events,
    }))
}

pub async fn event_log_ocel_json(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<AnalyticsParams>,
) -> Result<Json<Value>, ApiError> {
    Ok(Json(event_log_ocel(&s, &actor, &params).await?))
}

pub async fn event_log_csv(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    Query(params): Query<AnalyticsParams>,
) -> Result<Response, ApiError> {
    let body = event_log_body(&s, &actor, &params).await?;
    Ok(crate::ui::records::csv_response("event-log", body))
}
