//! Activities on record pages: the list of a record's activities with "done" buttons, the
//! follow-up form, and on an activity's own page the link to its record and the completion
//! form.

use jiff::Timestamp;
use salesflow_domain::activity::{Activity, ActivityStatus, RELATED_TYPES};
use salesflow_domain::event::EntityType;

use super::*;

pub struct ActivityView {
    pub id: String,
    pub kind: String,
    pub subject: String,
    pub due: String,
    pub overdue: bool,
    pub done: bool,
    pub outcome: String,
    pub version: i64,
    /// The record it is about, where the page names it: (title, address).
    pub about: Option<(String, String)>,
}

impl ActivityView {
    pub fn new(a: &Activity, now: Timestamp) -> Self {
        Self {
            id: a.id.to_string(),
            kind: humanize(a.details.kind.as_str()),
            subject: a.details.subject.to_string(),
            due: a.details.due_at.map(when).unwrap_or_default(),
            overdue: a.is_due(now),
            done: a.status == ActivityStatus::Done,
            outcome: a.outcome.clone().unwrap_or_default(),
            version: a.meta.version,
            about: None,
        }
    }

    /// The same, naming the record it is about when `titles` has it.
    pub fn about(
        a: &Activity,
        now: Timestamp,
        titles: &std::collections::HashMap<(EntityType, uuid::Uuid), String>,
    ) -> Self {
        let about = titles
            .get(&(a.related_type, a.related_id))
            .zip(a.related_type.page())
            .map(|(title, page)| {
                let kind = humanize(a.related_type.as_str());
                (
                    format!("{kind} {title}"),
                    format!("/{page}/{}", a.related_id),
                )
            });
        Self {
            about,
            ..Self::new(a, now)
        }
    }
}

pub struct ActivitiesPanel {
    pub related_type: &'static str,
    pub items: Vec<ActivityView>,
    pub can_schedule: bool,
    pub kinds: Vec<Opt>,
}

/// The activities card of a lead, contact, account or opportunity page.
pub async fn activities_panel<E: WebResource>(
    s: &AppState,
    actor: &Actor,
    record: &E,
) -> Result<Option<ActivitiesPanel>, AppError> {
    if !RELATED_TYPES.contains(&E::ENTITY) || !actor.can(Resource::Activity, Action::Read) {
        return Ok(None);
    }
    let related = (E::ENTITY, record.uuid());
    let items = s.app.activities_of(actor, related).await?;
    let now = s.app.now();
    Ok(Some(ActivitiesPanel {
        related_type: E::ENTITY.as_str(),
        items: items.iter().map(|a| ActivityView::new(a, now)).collect(),
        can_schedule: actor.can(Resource::Activity, Action::Create),
        kinds: Opt::list(
            salesflow_domain::activity::ActivityKind::ALL
                .iter()
                .map(|k| (k.as_str().to_string(), humanize(k.as_str()))),
            "call",
        ),
    }))
}

/// The record an activity is about, as a link.
pub fn about_link(json: &Value) -> Option<(String, String)> {
    let kind = EntityType::parse(json.get("related_type")?.as_str()?)?;
    let id = json.get("related_id")?.as_str()?;
    let path = match kind {
        EntityType::Lead => "leads",
        EntityType::Contact => "contacts",
        EntityType::Account => "accounts",
        EntityType::Opportunity => "opportunities",
        _ => return None,
    };
    Some((
        format!("Open the {}", kind.as_str()),
        format!("/{path}/{id}"),
    ))
}

/// Whether an activity page offers "Mark done".
pub fn completion_form(json: &Value, actor: &Actor, resource: Resource) -> bool {
    resource == Resource::Activity
        && json.get("status").and_then(Value::as_str) == Some("open")
        && actor.can(resource, Action::Update)
}
