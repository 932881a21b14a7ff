//! New and edit forms, redrawn with field errors or a version conflict.

use crate::ui::local_time::{field_instant, field_value};
use salesflow_domain::campaign::Campaign;

use super::*;

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
                let scope = actor.scope(E::RESOURCE).ok();
                // Whom this actor may assign to — and always the current owner, so that saving
                // an edit never changes the owner by accident.
                let people = users.iter().filter(|(id, _, team, active)| {
                    id.to_string() == value
                        || (*active
                            && match scope {
                                Some(salesflow_app::ports::Scope::All) => true,
                                Some(salesflow_app::ports::Scope::Team(t, _)) => *team == Some(t),
                                _ => *id == actor.user_id,
                            })
                });
                let options = people.map(|(id, name, _, _)| (id.to_string(), name.clone()));
                ("select", Opt::list(options, &value))
            }
            FieldKind::Account => (
                "select",
                picker_options::<Account>(s, actor, "name", &value, |a| a.details.name.to_string())
                    .await,
            ),
            FieldKind::Contact => (
                "select",
                picker_options::<Contact>(s, actor, "last_name", &value, |c| c.details.full_name())
                    .await,
            ),
            FieldKind::Campaign => (
                "select",
                picker_options::<Campaign>(s, actor, "name", &value, |c| {
                    c.details.name.to_string()
                })
                .await,
            ),
            FieldKind::Date => ("date", vec![]),
            FieldKind::LineItems | FieldKind::QuoteLines | FieldKind::Prices => {
                ("textarea", vec![])
            }
            FieldKind::Hidden => ("hidden", vec![]),
            FieldKind::DateTime => {
                // A browser's date-time field takes "YYYY-MM-DDTHH:MM", on the viewer's clock.
                let local = match value.parse::<jiff::Timestamp>() {
                    Ok(at) => field_value(at),
                    Err(_) => value.clone(),
                };
                fields.push(FormField {
                    name: f.name,
                    label: f.label,
                    kind: "datetime-local",
                    value: local,
                    required: f.required,
                    error: state.errors.get(f.name).cloned(),
                    options: vec![],
                });
                continue;
            }
            FieldKind::Number => ("number", vec![]),
            // The pipeline is chosen once; the stage then changes by moves.
            FieldKind::Pipeline if state.version.is_some() => continue,
            FieldKind::Pipeline => {
                let pipelines = s.app.pipelines(actor).await.unwrap_or_default();
                let options = pipelines.iter().map(|p| (p.id.to_string(), p.name.clone()));
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
        .map(|f| {
            let value = match f.kind {
                FieldKind::LineItems => line_items_text(&json),
                FieldKind::QuoteLines => quote_lines_text(&json),
                FieldKind::Prices => prices_text(&json),
                _ => text_of(&json, f.name),
            };
            (f.name.to_string(), value)
        })
        .collect()
}

/// Turns submitted form fields into the record's input type; only known fields are taken.
pub(super) fn input_from_form<E: WebResource>(
    form: &HashMap<String, String>,
) -> Result<E::Input, AppError> {
    let mut object = Map::new();
    for f in E::FIELDS {
        if let Some(value) = form.get(f.name) {
            let value = match f.kind {
                FieldKind::DateTime => field_instant(value),
                _ => value.clone(),
            };
            object.insert(f.name.into(), Value::String(value));
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

/// The new-record form; known fields can be filled from the address (`?account_id=…`).
pub(super) async fn new_form<E: WebResource>(
    State(s): State<AppState>,
    user: UiUser,
    Query(prefill): Query<HashMap<String, String>>,
) -> Response {
    if !user.actor.can(E::RESOURCE, Action::Create) {
        return app_error_page(AppError::Forbidden);
    }
    let mut values = HashMap::from([("owner_id".to_string(), user.actor.user_id.to_string())]);
    for f in E::FIELDS {
        if let Some(v) = prefill.get(f.name) {
            values.insert(f.name.to_string(), v.clone());
        }
    }
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

pub(super) async fn edit_form<E: WebResource>(
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
pub(super) async fn form_with_error<E: WebResource>(
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

/// Choices for a record picker: the first 200 visible records by `sort`, plus the current
/// value so that saving never drops it.
async fn picker_options<R: WebResource>(
    s: &AppState,
    actor: &Actor,
    sort: &str,
    value: &str,
    label: impl Fn(&R) -> String,
) -> Vec<Opt> {
    let params = ListParams {
        sort: Some(sort.into()),
        dir: Some("asc".into()),
        limit: Some(200),
        ..Default::default()
    };
    let records = s
        .app
        .list::<R>(actor, &params)
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let mut options = vec![(String::new(), "— none —".to_string())];
    options.extend(records.iter().map(|r| (r.uuid().to_string(), label(r))));
    if !value.is_empty() && !options.iter().any(|(v, _)| *v == value) {
        let current = match value.parse() {
            Ok(id) => s.app.get::<R>(actor, id).await.ok().map(|r| label(&r)),
            Err(_) => None,
        };
        options.push((
            value.to_string(),
            current.unwrap_or_else(|| value.to_string()),
        ));
    }
    Opt::list(options, value)
}
