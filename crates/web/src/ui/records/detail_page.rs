//! The record page: fields, status actions and the timeline.

use super::activity_panel::{ActivitiesPanel, about_link, activities_panel, completion_form};
use super::capture_panel::{CapturePanel, capture_panel, utm_label};
use super::detail_extras::{
    DuplicateView, StagePanel, duplicates_panel, handoff_options, stage_panel,
};
use super::lead_panel::{LeadPanel, lead_panel};
use super::*;

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
    stage_panel: Option<StagePanel>,
    handoff: Vec<Opt>,
    activities: Option<ActivitiesPanel>,
    completion: bool,
    lead_panel: Option<LeadPanel>,
    capture: Option<CapturePanel>,
    duplicates: Vec<DuplicateView>,
    can_merge: bool,
    /// Where forms on this page return to.
    back: String,
    /// Follow-on documents, e.g. "New quote" on an opportunity: (label, address).
    links: Vec<(&'static str, String)>,
    /// The deadlines of the sale a lead or opportunity belongs to.
    deadlines: Vec<crate::ui::deadlines::DeadlineBadge>,
}

/// What can be made from this record (a quote from an opportunity or an account).
fn follow_on_links(
    actor: &Actor,
    path: &str,
    id: &str,
    json: &Value,
) -> Vec<(&'static str, String)> {
    if !actor.can(Resource::Quote, Action::Create) {
        return Vec::new();
    }
    match path {
        "opportunities" => vec![(
            "New quote",
            format!(
                "/quotes/new?opportunity_id={id}&account_id={}&contact_id={}",
                text_of(json, "account_id"),
                text_of(json, "contact_id")
            ),
        )],
        "accounts" => vec![("New quote", format!("/quotes/new?account_id={id}"))],
        _ => Vec::new(),
    }
}

pub(super) async fn account_name(state: &AppState, actor: &Actor, id: &str) -> Option<String> {
    let id = id.parse().ok()?;
    state
        .app
        .get::<Account>(actor, id)
        .await
        .ok()
        .map(|a| a.details.name.to_string())
}

pub(super) async fn contact_name(state: &AppState, actor: &Actor, id: &str) -> Option<String> {
    let id = id.parse().ok()?;
    state
        .app
        .get::<Contact>(actor, id)
        .await
        .ok()
        .map(|c| c.details.full_name())
}

async fn campaign_name(state: &AppState, actor: &Actor, id: &str) -> Option<String> {
    let id = id.parse().ok()?;
    state
        .app
        .get::<salesflow_domain::campaign::Campaign>(actor, id)
        .await
        .ok()
        .map(|c| c.details.name.to_string())
}

pub(super) async fn show<E: WebResource>(
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
            FieldKind::Contact if !raw.is_empty() => (
                contact_name(&s, actor, &raw)
                    .await
                    .unwrap_or_else(|| "(not visible)".into()),
                Some(format!("/contacts/{raw}")),
            ),
            FieldKind::Pipeline | FieldKind::Hidden => continue,
            FieldKind::LineItems => (line_items_text(&json).replace('\n', "; "), None),
            FieldKind::Prices => (prices_text(&json).replace('\n', "; "), None),
            FieldKind::Campaign if !raw.is_empty() => (
                campaign_name(&s, actor, &raw)
                    .await
                    .unwrap_or_else(|| "(not visible)".into()),
                Some(format!("/campaigns/{raw}")),
            ),
            FieldKind::DateTime if !raw.is_empty() => (
                raw.parse::<jiff::Timestamp>().map(when).unwrap_or(raw),
                None,
            ),
            FieldKind::Choice(_) => (humanize(&raw), None),
            // Amounts read as money: grouped, with their currency.
            FieldKind::Text if matches!(f.name, "amount" | "budget") => {
                let minor = json
                    .get(if f.name == "amount" {
                        "amount_minor"
                    } else {
                        "budget_minor"
                    })
                    .and_then(Value::as_i64);
                match (minor, text_of(&json, "currency").parse()) {
                    (Some(minor), Ok(currency)) => (
                        salesflow_domain::money::Money::new(minor, currency).display(),
                        None,
                    ),
                    _ => (raw, None),
                }
            }
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
    for (field, label) in [
        ("disqualify_reason", "Disqualified because"),
        ("lost_reason", "Lost because"),
        ("outcome", "Outcome"),
    ] {
        let reason = text_of(&json, field);
        if !reason.is_empty() {
            fields.push((label, reason, None));
        }
    }
    if let Some(Value::Object(utm)) = json.get("attribution") {
        for (key, value) in utm {
            fields.push((utm_label(key), text_of(&json["attribution"], key), None));
            let _ = value;
        }
    }
    if let Some(about) = about_link(&json) {
        fields.push(("About", about.0, Some(about.1)));
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
    let stage_panel = match stage_panel(&s, actor, &record, &json).await {
        Ok(p) => p,
        Err(e) => return app_error_page(e),
    };
    let handoff = match handoff_options(&s, actor, &record).await {
        Ok(h) => h,
        Err(e) => return app_error_page(e),
    };
    let activities = match activities_panel(&s, actor, &record).await {
        Ok(a) => a,
        Err(e) => return app_error_page(e),
    };
    let completion = completion_form(&json, actor, E::RESOURCE);
    let duplicates = match duplicates_panel(&s, actor, &record).await {
        Ok(d) => d,
        Err(e) => return app_error_page(e),
    };
    let capture = match capture_panel(&s, actor, &record, &json).await {
        Ok(p) => p,
        Err(e) => return app_error_page(e),
    };
    let lead_panel = match lead_panel(&s, actor, &record, &json).await {
        Ok(p) => p,
        Err(e) => return app_error_page(e),
    };
    let case = matches!(E::PATH, "leads" | "opportunities").then(|| record.case_id());
    let deadlines = crate::ui::deadlines::case_badges(&s, case).await;
    let page = DetailPage {
        deadlines,
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
        stage_panel,
        handoff,
        activities,
        completion,
        lead_panel,
        capture,
        can_merge: actor.can(E::RESOURCE, Action::Update)
            && actor.can(E::RESOURCE, Action::Archive),
        duplicates,
        back: format!("/{}/{}", E::PATH, record.uuid()),
        links: if record.meta().archived {
            Vec::new()
        } else {
            follow_on_links(actor, E::PATH, &record.uuid().to_string(), &json)
        },
    };
    render(StatusCode::OK, &page)
}
