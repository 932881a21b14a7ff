//! Quotes beyond the generic record routes: send, approve, compare revisions, PDF, portal
//! links; product costs; the catalogue and quote settings.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use salesflow_app::catalogue::{ProductCost, TAXES};
use salesflow_app::quote_document::{COMPANY, CompanySettings};
use salesflow_app::quotes::{APPROVAL, QuoteDecision, SendQuote};
use salesflow_app::stock::FULFILMENT;
use salesflow_domain::approval::ApprovalSettings;
use salesflow_domain::authz::Resource;
use salesflow_domain::sales_order::FulfilmentSettings;
use salesflow_domain::tax::TaxSettings;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, ApiQuery, PathId};

pub async fn send(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<SendQuote>,
) -> Result<Json<Value>, ApiError> {
    let sent = s.app.send_quote(&actor, id, &body).await?;
    Ok(Json(json!({
        "quote": sent.quote,
        "portal_url": sent.portal_url,
        "emailed_to": sent.emailed_to,
        "not_emailed": sent.not_emailed,
    })))
}

pub async fn decide(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<QuoteDecision>,
) -> Result<Json<Value>, ApiError> {
    let quote = s.app.decide_quote(&actor, id, &body).await?;
    Ok(Json(json!({ "quote": quote })))
}

/// Which revisions to compare.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DiffParams {
    pub from: u32,
    pub to: u32,
}

pub async fn diff(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiQuery(params): ApiQuery<DiffParams>,
) -> Result<Json<Value>, ApiError> {
    let diff = s.app.quote_diff(&actor, id, params.from, params.to).await?;
    Ok(Json(json!({ "diff": diff })))
}

/// A PDF file download.
pub fn pdf_response(filename: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

pub async fn pdf(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let (filename, bytes) = s.app.quote_pdf(&actor, id).await?;
    Ok(pdf_response(&filename, bytes))
}

pub async fn revoke_links(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<Json<Value>, ApiError> {
    let revoked = s.app.revoke_quote_links(&actor, id).await?;
    Ok(Json(json!({ "revoked": revoked })))
}

pub async fn renew_link(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<Json<Value>, ApiError> {
    let portal_url = s.app.renew_quote_link(&actor, id).await?;
    Ok(Json(json!({ "portal_url": portal_url })))
}

pub async fn cost(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<Json<Value>, ApiError> {
    let cost = s.app.product_cost(&actor, id).await?;
    Ok(Json(json!({ "cost": cost })))
}

pub async fn set_cost(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<ProductCost>,
) -> Result<Json<Value>, ApiError> {
    let cost = s.app.set_product_cost(&actor, id, &body).await?;
    Ok(Json(json!({ "cost": cost })))
}

/// A settings document with the version it replaces.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SettingsUpdate<T> {
    pub settings: T,
    pub version: i64,
}

macro_rules! settings_routes {
    ($get:ident, $put:ident, $ty:ty, $key:expr, $resource:expr, $save:ident) => {
        pub async fn $get(
            State(s): State<AppState>,
            ApiActor(actor): ApiActor,
        ) -> Result<Json<Value>, ApiError> {
            let (settings, version): ($ty, i64) =
                s.app.read_settings_doc(&actor, $key, $resource).await?;
            Ok(Json(json!({ "settings": settings, "version": version })))
        }

        pub async fn $put(
            State(s): State<AppState>,
            ApiActor(actor): ApiActor,
            ApiJson(body): ApiJson<SettingsUpdate<$ty>>,
        ) -> Result<Json<Value>, ApiError> {
            let version = s.app.$save(&actor, &body.settings, body.version).await?;
            Ok(Json(json!({ "settings": body.settings, "version": version })))
        }
    };
}

settings_routes!(
    taxes,
    save_taxes,
    TaxSettings,
    TAXES,
    Resource::Product,
    save_tax_settings
);
settings_routes!(
    approval,
    save_approval,
    ApprovalSettings,
    APPROVAL,
    Resource::Pipeline,
    save_approval_settings
);
settings_routes!(
    fulfilment,
    save_fulfilment,
    FulfilmentSettings,
    FULFILMENT,
    Resource::Stock,
    save_fulfilment_settings
);
settings_routes!(
    company,
    save_company,
    CompanySettings,
    COMPANY,
    Resource::Pipeline,
    save_company_settings
);
