//! CSV import through the API: the file is the request body.

use axum::Json;
use axum::body::Bytes;
use axum::extract::State;
use salesflow_app::AppError;
use salesflow_app::import::{ImportOptions, ImportReport};
use salesflow_domain::import::{ImportKind, Preset};
use serde::Deserialize;

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiQuery, PathId};

/// Files up to this size go through the API and the browser; larger ones through
/// `salesflow import`, which streams from disk.
pub const MAX_UPLOAD: usize = 50 * 1024 * 1024;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportParams {
    /// leads, contacts or accounts.
    pub kind: String,
    /// auto (default), salesforce, hubspot or salesflow: how columns are recognised.
    pub preset: Option<String>,
    /// true: check every row and report, write nothing.
    pub dry_run: Option<bool>,
    /// The file's name, kept with the run.
    pub file_name: Option<String>,
    /// Columns chosen by hand, as a JSON object {"Column header": "field"}.
    pub mapping: Option<String>,
    /// true: new leads go where the assignment rules say (otherwise to you).
    pub assign: Option<bool>,
}

fn choice<T: std::str::FromStr<Err = String>>(field: &str, raw: &str) -> Result<T, AppError> {
    raw.trim()
        .parse()
        .map_err(|m: String| AppError::invalid(field, "invalid_choice", m))
}

/// Reads import options from their text form (API query or UI form).
pub fn options(
    kind: &str,
    preset: Option<&str>,
    dry_run: bool,
    file_name: Option<&str>,
    mapping: Option<Vec<(String, String)>>,
    assign: bool,
) -> Result<ImportOptions, AppError> {
    Ok(ImportOptions {
        kind: choice::<ImportKind>("kind", kind)?,
        preset: match preset.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => choice::<Preset>("preset", p)?,
            None => Preset::Auto,
        },
        mapping,
        dry_run,
        file_name: file_name.unwrap_or("upload.csv").to_string(),
        assign,
    })
}

pub async fn import(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiQuery(params): ApiQuery<ImportParams>,
    body: Bytes,
) -> Result<Json<ImportReport>, ApiError> {
    let mapping = match params.mapping.as_deref() {
        None => None,
        Some(raw) => {
            let object: serde_json::Map<String, serde_json::Value> = serde_json::from_str(raw)
                .map_err(|_| {
                    AppError::invalid(
                        "mapping",
                        "invalid_mapping",
                        "must be a JSON object {\"Column\": \"field\"}",
                    )
                })?;
            Some(
                object
                    .into_iter()
                    .map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string()))
                    .collect(),
            )
        }
    };
    let options = options(
        &params.kind,
        params.preset.as_deref(),
        params.dry_run.unwrap_or(false),
        params.file_name.as_deref(),
        mapping,
        params.assign.unwrap_or(false),
    )?;
    let report = s
        .app
        .import_csv(&actor, &body[..], &options, &|_| {})
        .await?;
    Ok(Json(report))
}

pub async fn rejected(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    PathId(id): PathId,
) -> Result<axum::response::Response, ApiError> {
    let run = s.app.rejected_rows(&actor, id).await?;
    Ok(crate::ui::csv_response(
        "rejected-rows",
        run.rejected_csv.into_bytes(),
    ))
}
