//! Generic pages for the owned records: list with filters, detail with timeline, forms.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use salesflow_app::entity::Origin;
use salesflow_app::leads::LeadTransition;
use salesflow_app::list::ListParams;
use salesflow_app::{Actor, AppError};
use salesflow_domain::account::Account;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::lead::{Lead, LeadStatus};
use serde_json::{Map, Value};

use super::views::{EventView, Layout, Names, Opt, humanize, when};
use super::{app_error_page, render};
use crate::AppState;
use crate::extract::PathId;
use crate::resource::{FieldKind, WebResource};
use crate::session::{UiUser, check_csrf};

type FormMap = Form<HashMap<String, String>>;

pub fn routes<E: WebResource>() -> Router<AppState> {
    let base = format!("/{}", E::PATH);
    Router::new()
        .route(&base, get(list::<E>).post(create::<E>))
        .route(&format!("{base}/new"), get(new_form::<E>))
        .route(&format!("{base}/export"), get(export::<E>))
        .route(&format!("{base}/{{id}}"), get(show::<E>).post(update::<E>))
        .route(&format!("{base}/{{id}}/edit"), get(edit_form::<E>))
        .route(&format!("{base}/{{id}}/archive"), post(archive::<E>))
        .route(&format!("{base}/{{id}}/restore"), post(restore::<E>))
}

async fn names(state: &AppState) -> Result<Names, AppError> {
    Ok(state
        .app
        .user_names()
        .await?
        .into_iter()
        .map(|(id, name, _, _)| (id, name))
        .collect())
}

/// A JSON field of a record as display text.
fn text_of(value: &Value, field: &str) -> String {
    match value.get(field) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn display_cell<E: WebResource>(record: &E, json: &Value, field: &str, names: &Names) -> String {
    match field {
        "name" => record.display_name(),
        "owner_id" => names
            .get(&record.meta().owner_id)
            .cloned()
            .unwrap_or_default(),
        "created_at" => when(record.meta().created_at),
        "status" | "source" => humanize(&text_of(json, field)),
        other => text_of(json, other),
    }
}

// ---------- list ----------

struct Header {
    label: &'static str,
    sort_href: Option<String>,
    arrow: &'static str,
}

struct Row {
    id: String,
    cells: Vec<String>,
}

#[derive(Default)]
struct FilterValues {
    q: String,
    created_from: String,
    created_to: String,
    sort: String,
    dir: String,
}

#[derive(Template)]
#[template(path = "list.html")]
struct ListPage {
    layout: Layout,
    title: &'static str,
    label: &'static str,
    path: &'static str,
    can_create: bool,
    export_href: String,
    filters: FilterValues,
    statuses: Vec<Opt>,
    sources: Vec<Opt>,
    owners: Vec<Opt>,
    archived: Vec<Opt>,
    headers: Vec<Header>,
    rows: Vec<Row>,
    more_href: Option<String>,
    error: Option<String>,
}

#[derive(Template)]
#[template(path = "rows.html")]
struct RowsFragment<'a> {
    path: &'a str,
    headers: &'a [Header],
    rows: &'a [Row],
    more_href: &'a Option<String>,
    error: &'a Option<String>,
}

#[derive(Template)]
#[template(path = "row_page.html")]
struct RowPageFragment<'a> {
    path: &'a str,
    headers: &'a [Header],
    rows: &'a [Row],
    more_href: &'a Option<String>,
}

/// The query string of a list, with some parameters replaced.
fn list_query(params: &ListParams, overrides: &[(&str, &str)]) -> String {
    let mut pairs: Vec<(&str, String)> = [
        ("q", &params.q),
        ("owner", &params.owner),
        ("status", &params.status),
        ("source", &params.source),
        ("created_from", &params.created_from),
        ("created_to", &params.created_to),
        ("archived", &params.archived),
        ("sort", &params.sort),
        ("dir", &params.dir),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.as_ref().filter(|v| !v.is_empty()).map(|v| (k, v.clone())))
    .filter(|(k, _)| !overrides.iter().any(|(o, _)| o == k))
    .collect();
    pairs.extend(
        overrides
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| (*k, v.to_string())),
    );
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", crate::session::urlencode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[derive(serde::Deserialize, Default)]
pub struct Fragment {
    fragment: Option<String>,
}

pub async fn list<E: WebResource>(
    State(s): State<AppState>,
    user: UiUser,
    headers: HeaderMap,
    Query(params): Query<ListParams>,
    Query(fragment): Query<Fragment>,
) -> Response {
    let actor = &user.actor;
    if !actor.can(E::RESOURCE, Action::Read) {
        return app_error_page(AppError::Forbidden);
    }
    let (page, error) = match s.app.list::<E>(actor, &params).await {
        Ok(page) => (page, None),
        Err(AppError::Invalid(errors)) => {
            let message = errors
                .0
                .iter()
                .map(|e| format!("{}: {}", humanize(&e.field), e.message))
                .collect::<Vec<_>>()
                .join("; ");
            (
                salesflow_app::list::Page {
                    items: vec![],
                    next_cursor: None,
                },
                Some(message),
            )
        }
        Err(other) => return app_error_page(other),
    };
    let names = match names(&s).await {
        Ok(n) => n,
        Err(e) => return app_error_page(e),
    };
    let current_sort = params
        .sort
        .clone()
        .unwrap_or_else(|| E::SORTABLE[0].to_string());
    let current_dir = params.dir.clone().unwrap_or_else(|| "desc".into());
    let headers_view: Vec<Header> = E::COLUMNS
        .iter()
        .map(|c| {
            let active = c.sort.is_some_and(|k| k == current_sort);
            let next_dir = if active && current_dir == "asc" {
                "desc"
            } else if active {
                "asc"
            } else if c.sort == Some("created_at") {
                "desc"
            } else {
                "asc"
            };
            Header {
                label: c.label,
                sort_href: c.sort.map(|k| {
                    format!(
                        "/{}?{}",
                        E::PATH,
                        list_query(&params, &[("sort", k), ("dir", next_dir), ("cursor", "")])
                    )
                }),
                arrow: match (active, current_dir.as_str()) {
                    (true, "asc") => " ▲",
                    (true, _) => " ▼",
                    _ => "",
                },
            }
        })
        .collect();
    let rows: Vec<Row> = page
        .items
        .iter()
        .map(|r| {
            let json = serde_json::to_value(r).unwrap_or(Value::Null);
            Row {
                id: r.uuid().to_string(),
                cells: E::COLUMNS
                    .iter()
                    .map(|c| display_cell(r, &json, c.field, &names))
                    .collect(),
            }
        })
        .collect();
    let more_href = page
        .next_cursor
        .as_ref()
        .map(|c| format!("/{}?{}", E::PATH, list_query(&params, &[("cursor", c)])));
    if headers.contains_key("hx-request") {
        let status = if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        };
        if fragment.fragment.as_deref() == Some("page") {
            return render(
                status,
                &RowPageFragment {
                    path: E::PATH,
                    headers: &headers_view,
                    rows: &rows,
                    more_href: &more_href,
                },
            );
        }
        return render(
            status,
            &RowsFragment {
                path: E::PATH,
                headers: &headers_view,
                rows: &rows,
                more_href: &more_href,
                error: &error,
            },
        );
    }
    let owners = names
        .iter()
        .map(|(id, name)| (id.to_string(), name.clone()))
        .collect::<std::collections::BTreeMap<_, _>>();
    let mut owners: Vec<(String, String)> = owners.into_iter().collect();
    owners.sort_by(|a, b| a.1.cmp(&b.1));
    let choice = |values: &[&str], selected: &Option<String>| {
        Opt::list(
            values.iter().map(|v| (v.to_string(), humanize(v))),
            selected.as_deref().unwrap_or(""),
        )
    };
    let page = ListPage {
        layout: Layout::new(E::TITLE, actor, &user.csrf, &format!("/{}", E::PATH)),
        title: E::TITLE,
        label: E::LABEL,
        path: E::PATH,
        can_create: actor.can(E::RESOURCE, Action::Create),
        export_href: format!(
            "/{}/export?{}",
            E::PATH,
            list_query(&params, &[("cursor", "")])
        ),
        filters: FilterValues {
            q: params.q.clone().unwrap_or_default(),
            created_from: params.created_from.clone().unwrap_or_default(),
            created_to: params.created_to.clone().unwrap_or_default(),
            sort: current_sort,
            dir: current_dir,
        },
        statuses: choice(E::STATUSES, &params.status),
        sources: choice(E::SOURCES, &params.source),
        owners: Opt::list(owners, params.owner.as_deref().unwrap_or("")),
        archived: Opt::list(
            [
                ("active", "Active"),
                ("archived", "Archived"),
                ("any", "Active and archived"),
            ]
            .map(|(v, l)| (v.to_string(), l.to_string())),
            params.archived.as_deref().unwrap_or("active"),
        ),
        headers: headers_view,
        rows,
        more_href,
        error: error.clone(),
    };
    render(
        if error.is_some() {
            StatusCode::UNPROCESSABLE_ENTITY
        } else {
            StatusCode::OK
        },
        &page,
    )
}

// ---------- export ----------

fn csv_columns<E: WebResource>() -> Vec<&'static str> {
    let mut columns = vec!["id"];
    columns.extend(E::FIELDS.iter().map(|f| f.name));
    if !E::STATUSES.is_empty() {
        columns.extend(["status", "disqualify_reason"]);
    }
    columns.extend(["archived", "created_at", "updated_at", "version"]);
    columns
}

/// Neutralises cells a spreadsheet would run as a formula.
fn csv_cell(value: String) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value
    }
}

pub fn csv_export<E: WebResource>(rows: &[E]) -> Result<Vec<u8>, AppError> {
    let columns = csv_columns::<E>();
    let mut writer = csv::Writer::from_writer(Vec::new());
    let internal = |e: csv::Error| AppError::Internal(e.to_string());
    writer.write_record(&columns).map_err(internal)?;
    for row in rows {
        let json = serde_json::to_value(row).unwrap_or(Value::Null);
        writer
            .write_record(columns.iter().map(|c| csv_cell(text_of(&json, c))))
            .map_err(internal)?;
    }
    writer
        .into_inner()
        .map_err(|e| AppError::Internal(e.to_string()))
}

pub fn csv_response(name: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{name}.csv\"");
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

async fn export<E: WebResource>(
    State(s): State<AppState>,
    user: UiUser,
    Query(params): Query<ListParams>,
) -> Response {
    let rows = match s
        .app
        .export::<E>(&user.actor, &params, crate::api::EXPORT_LIMIT)
        .await
    {
        Ok(rows) => rows,
        Err(e) => return app_error_page(e),
    };
    match csv_export::<E>(&rows) {
        Ok(body) => csv_response(E::PATH, body),
        Err(e) => app_error_page(e),
    }
}

// ---------- detail ----------

#[derive(Template)]
#[template(path = "detail.html")]
struct DetailPage {
    layout: Layout,
    title: &'static str,
    path: &'static str,
    id: String,
    name: String,
    status: Option<(String, String)>,
    archived: bool,
    version: i64,
    can_edit: bool,
    can_archive: bool,
    fields: Vec<(&'static str, String, Option<String>)>,
    transitions: Vec<(&'static str, String)>,
    timeline: Vec<EventView>,
}

async fn account_name(state: &AppState, actor: &Actor, id: &str) -> Option<String> {
    let id = id.parse().ok()?;
    state
        .app
        .get::<Account>(actor, id)
        .await
        .ok()
        .map(|a| a.details.name.to_string())
}

async fn show<E: WebResource>(
    State(s): State<AppState>,
    user: UiUser,
    PathId(id): PathId,
) -> Response {
    let actor = &user.actor;
    let record = match s.app.get::<E>(actor, id).await {
        Ok(r) => r,
        Err(e) => return app_error_page(e),
    };
    let (timeline, names) = match (s.app.timeline::<E>(actor, id).await, names(&s).await) {
        (Ok(t), Ok(n)) => (t, n),
        (Err(e), _) | (_, Err(e)) => return app_error_page(e),
    };
    let json = serde_json::to_value(&record).unwrap_or(Value::Null);
    let mut fields = Vec::new();
    for f in E::FIELDS {
        let raw = text_of(&json, f.name);
        let (value, href) = match f.kind {
            FieldKind::Owner => (
                names
                    .get(&record.meta().owner_id)
                    .cloned()
                    .unwrap_or_default(),
                None,
            ),
            FieldKind::Account if !raw.is_empty() => (
                account_name(&s, actor, &raw)
                    .await
                    .unwrap_or_else(|| "(not visible)".into()),
                Some(format!("/accounts/{raw}")),
            ),
            FieldKind::Choice(_) => (humanize(&raw), None),
            _ => (raw, None),
        };
        fields.push((
            f.label,
            if value.is_empty() {
                "—".into()
            } else {
                value
            },
            href,
        ));
    }
    let reason = text_of(&json, "disqualify_reason");
    if !reason.is_empty() {
        fields.push(("Disqualified because", reason, None));
    }
    fields.push(("Created", when(record.meta().created_at), None));
    fields.push(("Last changed", when(record.meta().updated_at), None));
    let status = json
        .get("status")
        .and_then(Value::as_str)
        .map(|s| (s.to_string(), humanize(s)));
    let transitions = match status
        .as_ref()
        .and_then(|(s, _)| s.parse::<LeadStatus>().ok())
    {
        Some(st) if actor.can(E::RESOURCE, Action::Update) && !record.meta().archived => st
            .actions()
            .into_iter()
            .map(|a| (a.as_str(), humanize(a.as_str())))
            .collect(),
        _ => vec![],
    };
    let page = DetailPage {
        layout: Layout::new(
            &record.display_name(),
            actor,
            &user.csrf,
            &format!("/{}", E::PATH),
        ),
        title: E::TITLE,
        path: E::PATH,
        id: record.uuid().to_string(),
        name: record.display_name(),
        status,
        archived: record.meta().archived,
        version: record.meta().version,
        can_edit: actor.can(E::RESOURCE, Action::Update) && !record.meta().archived,
        can_archive: actor.can(E::RESOURCE, Action::Archive),
        fields,
        transitions,
        timeline: timeline.iter().map(|e| EventView::new(e, &names)).collect(),
    };
    render(StatusCode::OK, &page)
}

// ---------- forms ----------

struct FormField {
    name: &'static str,
    label: &'static str,
    kind: &'static str,
    value: String,
    required: bool,
    error: Option<String>,
    options: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "form.html")]
struct FormPage {
    layout: Layout,
    title: &'static str,
    path: &'static str,
    heading: String,
    action: String,
    cancel: String,
    version: Option<i64>,
    conflict: Option<String>,
    fields: Vec<FormField>,
}

/// Everything needed to draw a record form, with the values and errors to show.
struct FormState<'a> {
    values: HashMap<String, String>,
    errors: HashMap<String, String>,
    version: Option<i64>,
    conflict: Option<String>,
    heading: String,
    action: String,
    cancel: String,
    actor: &'a Actor,
    csrf: &'a str,
}

async fn form_page<E: WebResource>(
    s: &AppState,
    state: FormState<'_>,
    status: StatusCode,
) -> Response {
    let actor = state.actor;
    let users = match s.app.user_names().await {
        Ok(u) => u,
        Err(e) => return app_error_page(e),
    };
    let can_assign = actor.can(E::RESOURCE, Action::Assign);
    let mut fields = Vec::new();
    for f in E::FIELDS {
        let value = state.values.get(f.name).cloned().unwrap_or_default();
        let (kind, options) = match f.kind {
            FieldKind::Text => ("text", vec![]),
            FieldKind::Email => ("email", vec![]),
            FieldKind::Tel => ("tel", vec![]),
            FieldKind::LongText => ("textarea", vec![]),
            FieldKind::Choice(values) => (
                "select",
                Opt::list(values.iter().map(|v| (v.to_string(), humanize(v))), &value),
            ),
            FieldKind::Owner if !can_assign => continue,
            FieldKind::Owner => {
                let team = actor.scope(E::RESOURCE).ok();
                let people = users.iter().filter(|(_, _, t, active)| {
                    *active
                        && match team {
                            Some(salesflow_app::ports::Scope::Team(team, _)) => *t == Some(team),
                            _ => true,
                        }
                });
                (
                    "select",
                    Opt::list(
                        people.map(|(id, name, _, _)| (id.to_string(), name.clone())),
                        &value,
                    ),
                )
            }
            FieldKind::Account => {
                let params = ListParams {
                    sort: Some("name".into()),
                    dir: Some("asc".into()),
                    limit: Some(200),
                    ..Default::default()
                };
                let accounts = s
                    .app
                    .list::<Account>(actor, &params)
                    .await
                    .map(|p| p.items)
                    .unwrap_or_default();
                let mut options = vec![(String::new(), "— none —".to_string())];
                options.extend(
                    accounts
                        .iter()
                        .map(|a| (a.id.to_string(), a.details.name.to_string())),
                );
                if !value.is_empty() && !options.iter().any(|(v, _)| *v == value) {
                    options.push((
                        value.clone(),
                        account_name(s, actor, &value)
                            .await
                            .unwrap_or_else(|| value.clone()),
                    ));
                }
                ("select", Opt::list(options, &value))
            }
        };
        fields.push(FormField {
            name: f.name,
            label: f.label,
            kind,
            value,
            required: f.required,
            error: state.errors.get(f.name).cloned(),
            options,
        });
    }
    let page = FormPage {
        layout: Layout::new(&state.heading, actor, state.csrf, &format!("/{}", E::PATH)),
        title: E::TITLE,
        path: E::PATH,
        heading: state.heading,
        action: state.action,
        cancel: state.cancel,
        version: state.version,
        conflict: state.conflict,
        fields,
    };
    render(status, &page)
}

/// The record's current values as form text.
fn values_of<E: WebResource>(record: &E) -> HashMap<String, String> {
    let json = serde_json::to_value(record).unwrap_or(Value::Null);
    E::FIELDS
        .iter()
        .map(|f| (f.name.to_string(), text_of(&json, f.name)))
        .collect()
}

/// Turns submitted form fields into the record's input type; only known fields are taken.
fn input_from_form<E: WebResource>(form: &HashMap<String, String>) -> Result<E::Input, AppError> {
    let mut object = Map::new();
    for f in E::FIELDS {
        if let Some(value) = form.get(f.name) {
            object.insert(f.name.into(), Value::String(value.clone()));
        }
    }
    if let Some(version) = form.get("version") {
        let version: i64 = version
            .trim()
            .parse()
            .map_err(|_| AppError::invalid("version", "invalid_version", "must be a number"))?;
        object.insert("version".into(), Value::from(version));
    }
    serde_json::from_value(Value::Object(object))
        .map_err(|e| AppError::invalid("form", "invalid_form", e.to_string()))
}

async fn new_form<E: WebResource>(State(s): State<AppState>, user: UiUser) -> Response {
    if !user.actor.can(E::RESOURCE, Action::Create) {
        return app_error_page(AppError::Forbidden);
    }
    let mut values = HashMap::from([("owner_id".to_string(), user.actor.user_id.to_string())]);
    if !E::SOURCES.is_empty() {
        values.insert("source".into(), "manual".into());
    }
    let state = FormState {
        values,
        errors: HashMap::new(),
        version: None,
        conflict: None,
        heading: format!("New {}", E::LABEL.to_lowercase()),
        action: format!("/{}", E::PATH),
        cancel: format!("/{}", E::PATH),
        actor: &user.actor,
        csrf: &user.csrf,
    };
    form_page::<E>(&s, state, StatusCode::OK).await
}

async fn edit_form<E: WebResource>(
    State(s): State<AppState>,
    user: UiUser,
    PathId(id): PathId,
) -> Response {
    let record = match s.app.get::<E>(&user.actor, id).await {
        Ok(r) => r,
        Err(e) => return app_error_page(e),
    };
    if !user.actor.can(E::RESOURCE, Action::Update) {
        return app_error_page(AppError::Forbidden);
    }
    let state = FormState {
        values: values_of(&record),
        errors: HashMap::new(),
        version: Some(record.meta().version),
        conflict: None,
        heading: format!("Edit {}", record.display_name()),
        action: format!("/{}/{id}", E::PATH),
        cancel: format!("/{}/{id}", E::PATH),
        actor: &user.actor,
        csrf: &user.csrf,
    };
    form_page::<E>(&s, state, StatusCode::OK).await
}

/// Redraws a submitted form with its errors, keeping what the user typed.
async fn form_with_error<E: WebResource>(
    s: &AppState,
    user: &UiUser,
    form: HashMap<String, String>,
    error: AppError,
    id: Option<uuid::Uuid>,
) -> Response {
    let (status, errors, conflict) = match &error {
        AppError::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            errors
                .0
                .iter()
                .map(|e| (e.field.clone(), e.message.clone()))
                .collect(),
            None,
        ),
        AppError::StaleVersion { .. } => (
            StatusCode::CONFLICT,
            HashMap::new(),
            Some(format!(
                "Someone else changed this {} since you opened it. Your edits are below; open the record again in a new tab to see the current values, then save again.",
                E::LABEL.to_lowercase()
            )),
        ),
        _ => return app_error_page(error),
    };
    let current_version = match (&error, id) {
        (AppError::StaleVersion { current }, _) => Some(*current),
        (_, Some(_)) => form.get("version").and_then(|v| v.parse().ok()),
        _ => None,
    };
    let (heading, action, cancel) = match id {
        Some(id) => (
            format!("Edit {}", E::LABEL.to_lowercase()),
            format!("/{}/{id}", E::PATH),
            format!("/{}/{id}", E::PATH),
        ),
        None => (
            format!("New {}", E::LABEL.to_lowercase()),
            format!("/{}", E::PATH),
            format!("/{}", E::PATH),
        ),
    };
    let state = FormState {
        values: form,
        errors,
        version: current_version,
        conflict,
        heading,
        action,
        cancel,
        actor: &user.actor,
        csrf: &user.csrf,
    };
    form_page::<E>(s, state, status).await
}

async fn create<E: WebResource>(
    State(s): State<AppState>,
    user: UiUser,
    headers: HeaderMap,
    Form(form): FormMap,
) -> Response {
    if let Err(refused) = check_csrf(&headers, form.get("csrf").map(String::as_str), &user.csrf) {
        return refused.into_response();
    }
    let result = match input_from_form::<E>(&form) {
        Ok(input) => s.app.create::<E>(&user.actor, &input, Origin::Ui).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(record) => Redirect::to(&format!("/{}/{}", E::PATH, record.uuid())).into_response(),
        Err(error) => form_with_error::<E>(&s, &user, form, error, None).await,
    }
}

async fn update<E: WebResource>(
    State(s): State<AppState>,
    user: UiUser,
    headers: HeaderMap,
    PathId(id): PathId,
    Form(form): FormMap,
) -> Response {
    if let Err(refused) = check_csrf(&headers, form.get("csrf").map(String::as_str), &user.csrf) {
        return refused.into_response();
    }
    let result = match input_from_form::<E>(&form) {
        Ok(input) => s.app.update::<E>(&user.actor, id, &input).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(record) => Redirect::to(&format!("/{}/{}", E::PATH, record.uuid())).into_response(),
        Err(error) => form_with_error::<E>(&s, &user, form, error, Some(id)).await,
    }
}

async fn set_archived<E: WebResource>(
    s: AppState,
    user: UiUser,
    headers: HeaderMap,
    id: uuid::Uuid,
    form: HashMap<String, String>,
    archived: bool,
) -> Response {
    if let Err(refused) = check_csrf(&headers, form.get("csrf").map(String::as_str), &user.csrf) {
        return refused.into_response();
    }
    let version = form.get("version").and_then(|v| v.parse().ok());
    match s
        .app
        .set_archived::<E>(&user.actor, id, version, archived)
        .await
    {
        Ok(_) => Redirect::to(&format!("/{}/{id}", E::PATH)).into_response(),
        Err(e) => app_error_page(e),
    }
}

async fn archive<E: WebResource>(
    State(s): State<AppState>,
    user: UiUser,
    headers: HeaderMap,
    PathId(id): PathId,
    Form(form): FormMap,
) -> Response {
    set_archived::<E>(s, user, headers, id, form, true).await
}

async fn restore<E: WebResource>(
    State(s): State<AppState>,
    user: UiUser,
    headers: HeaderMap,
    PathId(id): PathId,
    Form(form): FormMap,
) -> Response {
    set_archived::<E>(s, user, headers, id, form, false).await
}

pub async fn lead_status(
    State(s): State<AppState>,
    user: UiUser,
    headers: HeaderMap,
    PathId(id): PathId,
    Form(form): FormMap,
) -> Response {
    if let Err(refused) = check_csrf(&headers, form.get("csrf").map(String::as_str), &user.csrf) {
        return refused.into_response();
    }
    let request = (|| {
        Some(LeadTransition {
            action: form.get("action")?.parse().ok()?,
            reason: form.get("reason").cloned(),
            version: form.get("version")?.parse().ok()?,
        })
    })();
    let Some(request) = request else {
        return app_error_page(AppError::invalid(
            "action",
            "invalid_choice",
            "unknown action",
        ));
    };
    match s.app.transition_lead(&user.actor, id, &request).await {
        Ok(_) => Redirect::to(&format!("/{}/{id}", Lead::PATH)).into_response(),
        Err(e) => app_error_page(e),
    }
}

/// Whether the actor may read a resource at all (for the home page tiles).
pub fn readable(actor: &Actor, resource: Resource) -> bool {
    actor.can(resource, Action::Read)
}
