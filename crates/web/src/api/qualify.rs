//! Qualifying and converting leads, the qualification settings, and a campaign's leads.

use axum::Json;
use axum::extract::State;
use salesflow_app::assignment::AssignmentUpdate;
use salesflow_app::convert::ConvertLead;
use salesflow_app::qualification::{CriteriaAnswers, QualificationUpdate};
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, PathId};

pub async fn convert(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<ConvertLead>,
) -> Result<Json<Value>, ApiError> {
    let c = s.app.convert_lead(&actor, id, &body).await?;
    Ok(Json(json!({
        "lead": c.lead,
        "account": c.account,
        "account_created": c.account_created,
        "contact": c.contact,
        "contact_created": c.contact_created,
        "opportunity": c.opportunity,
    })))
}

pub async fn answer_criteria(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<CriteriaAnswers>,
) -> Result<Json<Value>, ApiError> {
    let lead = s.app.answer_criteria(&actor, id, &body).await?;
    Ok(Json(json!({ "lead": lead })))
}

pub async fn score(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<Json<Value>, ApiError> {
    let (score, _) = s.app.lead_score(&actor, id).await?;
    Ok(Json(json!({ "score": score })))
}

pub async fn settings(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    let (settings, version) = s.app.read_qualification_settings(&actor).await?;
    Ok(Json(json!({ "settings": settings, "version": version })))
}

pub async fn save_settings(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<QualificationUpdate>,
) -> Result<Json<Value>, ApiError> {
    let (settings, version) = s.app.save_qualification_settings(&actor, &body).await?;
    Ok(Json(json!({ "settings": settings, "version": version })))
}

pub async fn campaign_leads(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<Json<Value>, ApiError> {
    let (counts, leads) = s.app.campaign_leads(&actor, id).await?;
    let counts: Vec<Value> = counts
        .into_iter()
        .map(|(status, count)| json!({ "status": status, "count": count }))
        .collect();
    Ok(Json(json!({ "counts": counts, "leads": leads })))
}

pub async fn assignment(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Json<Value>, ApiError> {
    let (settings, version) = s.app.assignment_rules(&actor).await?;
    Ok(Json(json!({ "settings": settings, "version": version })))
}

pub async fn save_assignment(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(body): ApiJson<AssignmentUpdate>,
) -> Result<Json<Value>, ApiError> {
    let (settings, version) = s.app.save_assignment_rules(&actor, &body).await?;
    Ok(Json(json!({ "settings": settings, "version": version })))
}
