//! Invoices beyond the generic record routes: posting, credit notes, PDF and UBL.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use salesflow_app::invoices::PostInvoice;
use serde_json::{Value, json};

use crate::AppState;
use crate::api::json::wrapped;
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson, PathId};

pub async fn post(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
    ApiJson(body): ApiJson<PostInvoice>,
) -> Result<Json<Value>, ApiError> {
    let posted = s.app.post_invoice(&actor, id, &body).await?;
    Ok(Json(json!({
        "invoice": posted.invoice,
        "portal_url": posted.portal_url,
        "emailed_to": posted.emailed_to,
        "not_emailed": posted.not_emailed,
    })))
}

pub async fn credit(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let note = s.app.credit_invoice(&actor, id).await?;
    Ok((StatusCode::CREATED, Json(json!({ "invoice": note }))))
}

pub async fn pdf(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let (filename, bytes) = s.app.invoice_pdf(&actor, id).await?;
    Ok(crate::api::quotes::pdf_response(&filename, bytes))
}

/// The UBL e-invoice as an XML download.
pub fn xml_response(filename: &str, xml: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/xml".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        xml,
    )
        .into_response()
}

pub async fn ubl(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<Response, ApiError> {
    let (filename, xml) = s.app.invoice_ubl(&actor, id).await?;
    Ok(xml_response(&filename, xml))
}

pub async fn receivables(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
) -> Result<Response, ApiError> {
    Ok(wrapped("receivables", s.app.receivables(&actor).await?))
}
