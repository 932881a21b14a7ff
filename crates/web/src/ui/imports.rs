//! CSV import in the browser: upload a file, check the column mapping against a preview, dry
//! run, import, download the rejected rows.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::AppError;
use salesflow_app::import::ImportReport;
use salesflow_domain::import::{ImportKind, Mapping, Preset, targets};
use serde::Deserialize;

use super::views::{Layout, Opt, humanize};
use super::{app_error_page, csv_response, render};
use crate::AppState;
use crate::extract::PathId;
use crate::session::{SignedForm, UiUser, check_csrf};

#[derive(Template)]
#[template(path = "import_upload.html")]
struct UploadPage {
    layout: Layout,
    kinds: Vec<Opt>,
    presets: Vec<Opt>,
    error: Option<String>,
}

pub struct ColumnChoice {
    pub index: usize,
    pub header: String,
    pub options: Vec<Opt>,
    pub samples: Vec<String>,
}

#[derive(Template)]
#[template(path = "import_mapping.html")]
struct MappingPage {
    layout: Layout,
    id: String,
    file_name: String,
    kind: String,
    kind_label: String,
    preset: String,
    columns: Vec<ColumnChoice>,
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "import_result.html")]
struct ResultPage {
    layout: Layout,
    id: String,
    report: ImportReport,
    kind: String,
    preset: String,
    /// The mapping as hidden form fields, to import for real after a dry run.
    chosen: Vec<(String, String)>,
    assign: bool,
}

fn layout(user: &UiUser, title: &str) -> Layout {
    Layout::new(title, &user.actor, &user.csrf, "/imports")
}

fn kind_options(selected: &str) -> Vec<Opt> {
    Opt::list(
        ImportKind::ALL
            .iter()
            .map(|k| (k.as_str().to_string(), humanize(k.as_str()))),
        selected,
    )
}

fn preset_options(selected: &str) -> Vec<Opt> {
    let label = |p: Preset| match p {
        Preset::Auto => "Recognise the columns",
        Preset::Salesforce => "Salesforce export",
        Preset::Hubspot => "HubSpot export",
        Preset::Salesflow => "salesflow export",
    };
    Opt::list(
        Preset::ALL
            .iter()
            .map(|p| (p.as_str().to_string(), label(*p).to_string())),
        selected,
    )
}

/// Whether the user may import anything at all.
fn may_import(user: &UiUser) -> bool {
    use salesflow_domain::authz::{Action, Resource};
    [Resource::Lead, Resource::Contact, Resource::Account]
        .iter()
        .any(|r| user.actor.can(*r, Action::Create))
}

pub async fn upload_page(user: UiUser) -> Response {
    if !may_import(&user) {
        return app_error_page(AppError::Forbidden);
    }
    let page = UploadPage {
        layout: layout(&user, "Import"),
        kinds: kind_options("leads"),
        presets: preset_options("auto"),
        error: None,
    };
    render(StatusCode::OK, &page)
}

/// Takes the uploaded file (multipart: `file`, `kind`, `preset`, `csrf`).
pub async fn upload(
    State(s): State<AppState>,
    user: UiUser,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    if !may_import(&user) {
        return app_error_page(AppError::Forbidden);
    }
    let mut fields: HashMap<String, String> = HashMap::new();
    let mut file: Option<(String, String)> = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => {
                return app_error_page(AppError::invalid("file", "invalid_upload", e.body_text()));
            }
        };
        let name = field.name().unwrap_or_default().to_string();
        let file_name = field.file_name().map(str::to_string);
        let bytes = match field.bytes().await {
            Ok(b) => b,
            Err(e) => {
                return app_error_page(AppError::invalid("file", "invalid_upload", e.body_text()));
            }
        };
        match (name.as_str(), file_name) {
            ("file", Some(file_name)) => {
                file = Some((file_name, String::from_utf8_lossy(&bytes).into_owned()));
            }
            _ => {
                fields.insert(name, String::from_utf8_lossy(&bytes).into_owned());
            }
        }
    }
    if let Err(refused) = check_csrf(
        &headers,
        fields.get("csrf").map(String::as_str),
        &user.csrf,
        &s.config.public_url,
    ) {
        return refused.into_response();
    }
    let Some((file_name, content)) = file.filter(|(_, c)| !c.trim().is_empty()) else {
        let page = UploadPage {
            layout: layout(&user, "Import"),
            kinds: kind_options(fields.get("kind").map_or("leads", String::as_str)),
            presets: preset_options(fields.get("preset").map_or("auto", String::as_str)),
            error: Some("Choose a CSV file with a header row.".into()),
        };
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    match s.app.save_upload(&user.actor, &file_name, content).await {
        Ok(id) => {
            let kind = fields
                .get("kind")
                .cloned()
                .unwrap_or_else(|| "leads".into());
            let preset = fields
                .get("preset")
                .cloned()
                .unwrap_or_else(|| "auto".into());
            Redirect::to(&format!("/imports/{id}?kind={kind}&preset={preset}")).into_response()
        }
        Err(e) => app_error_page(e),
    }
}

#[derive(Debug, Deserialize)]
pub struct MappingParams {
    pub kind: Option<String>,
    pub preset: Option<String>,
}

/// The header and the first rows of an uploaded file.
fn head(content: &str, rows: usize) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(content.as_bytes());
    let headers = reader
        .headers()
        .map(|h| h.iter().map(str::to_string).collect())
        .unwrap_or_default();
    let sample = reader
        .records()
        .take(rows)
        .filter_map(Result::ok)
        .map(|r| r.iter().map(str::to_string).collect())
        .collect();
    (headers, sample)
}

pub async fn mapping_page(
    State(s): State<AppState>,
    user: UiUser,
    PathId(id): PathId,
    Query(params): Query<MappingParams>,
) -> Response {
    let upload = match s.app.upload(&user.actor, id).await {
        Ok(u) => u,
        Err(e) => return app_error_page(e),
    };
    let kind: ImportKind = params
        .kind
        .as_deref()
        .and_then(|k| k.parse().ok())
        .unwrap_or(ImportKind::Leads);
    let preset: Preset = params
        .preset
        .as_deref()
        .and_then(|p| p.parse().ok())
        .unwrap_or(Preset::Auto);
    let (headers, sample) = head(&upload.content, 5);
    let header_refs: Vec<&str> = headers.iter().map(String::as_str).collect();
    let (detected, problem) = match Mapping::detect(kind, preset, &header_refs) {
        Ok(m) => (m.columns, None),
        Err(e) => (
            vec![None; headers.len()],
            e.0.first()
                .map(|f| format!("{} — choose the columns below.", f.message)),
        ),
    };
    let columns = headers
        .iter()
        .enumerate()
        .map(|(index, header)| {
            let chosen = detected.get(index).copied().flatten().unwrap_or("");
            let mut options = vec![(String::new(), "— ignore —".to_string())];
            options.extend(targets(kind).iter().map(|t| (t.to_string(), humanize(t))));
            ColumnChoice {
                index,
                header: header.clone(),
                options: Opt::list(options, chosen),
                samples: sample
                    .iter()
                    .map(|row| row.get(index).cloned().unwrap_or_default())
                    .collect(),
            }
        })
        .collect();
    let page = MappingPage {
        layout: layout(&user, "Import: columns"),
        id: upload.id.to_string(),
        file_name: upload.file_name.clone(),
        kind: kind.as_str().into(),
        kind_label: humanize(kind.as_str()),
        preset: preset.as_str().into(),
        columns,
        problem,
    };
    render(StatusCode::OK, &page)
}

/// Runs the import (or the dry run) with the columns chosen on the mapping page.
pub async fn run(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let upload = match s.app.upload(&user.actor, id).await {
        Ok(u) => u,
        Err(e) => return app_error_page(e),
    };
    let (headers, _) = head(&upload.content, 0);
    let chosen: Vec<(String, String)> = headers
        .iter()
        .enumerate()
        .map(|(i, h)| {
            (
                h.clone(),
                form.get(&format!("map_{i}")).cloned().unwrap_or_default(),
            )
        })
        .collect();
    let kind = form.get("kind").cloned().unwrap_or_default();
    let preset = form.get("preset").cloned().unwrap_or_default();
    let dry_run = form.get("dry_run").is_some_and(|v| v == "1");
    let assign = form.get("assign").is_some_and(|v| v == "1");
    let options = match crate::api::import_options(
        &kind,
        Some(&preset),
        dry_run,
        Some(&upload.file_name),
        Some(chosen.clone()),
        assign,
    ) {
        Ok(o) => o,
        Err(e) => return app_error_page(e),
    };
    let report = match s
        .app
        .import_csv(&user.actor, upload.content.as_bytes(), &options, &|_| {})
        .await
    {
        Ok(r) => r,
        Err(e) => return app_error_page(e),
    };
    let title = if dry_run {
        "Import: dry run"
    } else {
        "Import: done"
    };
    let page = ResultPage {
        layout: layout(&user, title),
        id: upload.id.to_string(),
        report,
        kind,
        preset,
        chosen: chosen
            .into_iter()
            .enumerate()
            .map(|(i, (_, f))| (format!("map_{i}"), f))
            .collect(),
        assign,
    };
    render(StatusCode::OK, &page)
}

pub async fn rejected_csv(
    State(s): State<AppState>,
    user: UiUser,
    Path(id): Path<String>,
) -> Response {
    let Ok(id) = id.trim_end_matches(".csv").parse() else {
        return app_error_page(AppError::NotFound);
    };
    match s.app.rejected_rows(&user.actor, id).await {
        Ok(run) => csv_response("rejected-rows", run.rejected_csv.into_bytes()),
        Err(e) => app_error_page(e),
    }
}
