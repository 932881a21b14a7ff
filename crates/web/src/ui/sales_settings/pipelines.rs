//! Pipelines: the list, and one pipeline's stages as editable rows.

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::AppError;
use salesflow_domain::pipeline::{GateField, Pipeline, PipelineInput, StageInput};

use super::{BLANK_ROWS, field, number, row_indexes, version};
use crate::AppState;
use crate::extract::PathId;
use crate::session::{SignedForm, UiUser};
use crate::ui::views::{Layout, Opt, humanize};
use crate::ui::{app_error_page, render};

pub struct StageRow {
    pub index: usize,
    pub id: String,
    pub key: String,
    pub name: String,
    pub probability: String,
    pub kinds: Vec<Opt>,
    pub gates: Vec<(String, String, bool)>,
}

#[derive(Template)]
#[template(path = "settings_pipelines.html")]
struct PipelinesPage {
    layout: Layout,
    pipelines: Vec<(String, String, String, bool)>,
    can_edit: bool,
}

#[derive(Template)]
#[template(path = "settings_pipeline.html")]
struct PipelinePage {
    layout: Layout,
    action: String,
    name: String,
    is_default: bool,
    version: i64,
    rows: Vec<StageRow>,
    error: Option<String>,
}

fn layout(user: &UiUser, title: &str) -> Layout {
    Layout::new(title, &user.actor, &user.csrf, "/settings/pipelines")
}

fn can_edit(user: &UiUser) -> bool {
    user.actor.can(
        salesflow_domain::authz::Resource::Pipeline,
        salesflow_domain::authz::Action::Update,
    )
}

pub async fn pipelines_page(State(s): State<AppState>, user: UiUser) -> Response {
    let pipelines = match s.app.pipelines(&user.actor).await {
        Ok(p) => p,
        Err(e) => return app_error_page(e),
    };
    let page = PipelinesPage {
        layout: layout(&user, "Pipelines"),
        pipelines: pipelines
            .iter()
            .map(|p| {
                let stages = p
                    .stages
                    .iter()
                    .map(|s| s.name.clone())
                    .collect::<Vec<_>>()
                    .join(" → ");
                (p.id.to_string(), p.name.clone(), stages, p.is_default)
            })
            .collect(),
        can_edit: can_edit(&user),
    };
    render(StatusCode::OK, &page)
}

fn row(
    index: usize,
    id: &str,
    key: &str,
    name: &str,
    probability: String,
    kind: &str,
    gates: &[GateField],
) -> StageRow {
    StageRow {
        index,
        id: id.into(),
        key: key.into(),
        name: name.into(),
        probability,
        kinds: Opt::list(
            ["open", "won", "lost"].map(|k| (k.to_string(), humanize(k))),
            kind,
        ),
        gates: GateField::ALL
            .iter()
            .map(|g| {
                (
                    g.as_str().to_string(),
                    g.label().to_string(),
                    gates.contains(g),
                )
            })
            .collect(),
    }
}

fn rows_of(pipeline: Option<&Pipeline>) -> Vec<StageRow> {
    let mut rows: Vec<StageRow> = pipeline
        .map(|p| {
            p.stages
                .iter()
                .enumerate()
                .map(|(i, st)| {
                    row(
                        i,
                        &st.id.to_string(),
                        &st.key,
                        &st.name,
                        st.probability.to_string(),
                        st.kind.as_str(),
                        &st.required_fields,
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let start = rows.len();
    rows.extend(
        (start..start + BLANK_ROWS).map(|i| row(i, "", "", "", String::new(), "open", &[])),
    );
    rows
}

/// The stage rows a form sent, back as rows (to redraw with an error).
fn rows_from(form: &HashMap<String, String>) -> Vec<StageRow> {
    row_indexes(form, "stage")
        .into_iter()
        .map(|i| {
            let gates: Vec<GateField> = GateField::ALL
                .iter()
                .copied()
                .filter(|g| form.contains_key(&format!("stage_{i}_gate_{}", g.as_str())))
                .collect();
            row(
                i,
                field(form, "stage", i, "id"),
                field(form, "stage", i, "key"),
                field(form, "stage", i, "name"),
                field(form, "stage", i, "probability").to_string(),
                field(form, "stage", i, "kind"),
                &gates,
            )
        })
        .collect()
}

fn input_from(form: &HashMap<String, String>) -> Result<PipelineInput, AppError> {
    let mut stages = Vec::new();
    for i in row_indexes(form, "stage") {
        let name = field(form, "stage", i, "name");
        if name.is_empty() {
            continue;
        }
        stages.push(StageInput {
            id: Some(field(form, "stage", i, "id").to_string()).filter(|v| !v.is_empty()),
            key: None,
            name: name.to_string(),
            probability: number(
                field(form, "stage", i, "probability"),
                &format!("stages[{i}].probability"),
            )?,
            kind: Some(field(form, "stage", i, "kind").to_string()),
            required_fields: GateField::ALL
                .iter()
                .filter(|g| form.contains_key(&format!("stage_{i}_gate_{}", g.as_str())))
                .map(|g| g.as_str().to_string())
                .collect(),
        });
    }
    Ok(PipelineInput {
        name: form.get("name").cloned().unwrap_or_default(),
        stages,
        is_default: form.contains_key("is_default"),
        version: form.get("version").and_then(|v| v.parse().ok()),
    })
}

/// `/settings/pipelines/{id}` (or `…/new` with the nil id).
pub async fn pipeline_page(
    State(s): State<AppState>,
    user: UiUser,
    PathId(id): PathId,
) -> Response {
    if !can_edit(&user) {
        return app_error_page(AppError::Forbidden);
    }
    let pipeline = if id.is_nil() {
        None
    } else {
        match s.app.pipeline(&user.actor, id).await {
            Ok(p) => Some(p),
            Err(e) => return app_error_page(e),
        }
    };
    let page = PipelinePage {
        layout: layout(
            &user,
            pipeline
                .as_ref()
                .map_or("New pipeline", |p| p.name.as_str()),
        ),
        action: format!("/settings/pipelines/{id}"),
        name: pipeline
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_default(),
        is_default: pipeline.as_ref().is_some_and(|p| p.is_default),
        version: pipeline.as_ref().map_or(0, |p| p.version),
        rows: rows_of(pipeline.as_ref()),
        error: None,
    };
    render(StatusCode::OK, &page)
}

pub async fn save_pipeline(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let result = match input_from(&form) {
        Ok(input) if id.is_nil() => s.app.create_pipeline(&user.actor, &input).await,
        Ok(input) => match version(&form) {
            Ok(_) => s.app.replace_pipeline(&user.actor, id, &input).await,
            Err(e) => Err(e),
        },
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Redirect::to("/settings/pipelines").into_response(),
        Err(
            e @ (AppError::Invalid(_) | AppError::StaleVersion { .. } | AppError::Conflict { .. }),
        ) => {
            let (status, errors, _) = crate::error::describe(&e);
            let page = PipelinePage {
                layout: layout(&user, "Pipeline"),
                action: format!("/settings/pipelines/{id}"),
                name: form.get("name").cloned().unwrap_or_default(),
                is_default: form.contains_key("is_default"),
                version: form
                    .get("version")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0),
                rows: rows_from(&form),
                error: Some(
                    errors
                        .iter()
                        .map(|e| e.detail.clone())
                        .collect::<Vec<_>>()
                        .join("; "),
                ),
            };
            render(status, &page)
        }
        Err(e) => app_error_page(e),
    }
}
