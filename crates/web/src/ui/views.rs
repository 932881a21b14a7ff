//! View models shared by the pages: layout and navigation, select options, timeline entries.

use std::collections::HashMap;

use jiff::Timestamp;
use salesflow_app::Actor;
use salesflow_app::ports::EventRecord;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::ids::UserId;
use salesflow_domain::role::Role;

use super::{first_readable, is_admin};

pub struct NavItem {
    pub label: &'static str,
    pub href: String,
    pub active: bool,
    pub enabled: bool,
}

pub struct UserBadge {
    pub name: String,
    pub role: &'static str,
}

/// What every page's frame needs.
pub struct Layout {
    pub title: String,
    pub user: Option<UserBadge>,
    pub csrf: Option<String>,
    pub nav: Vec<NavItem>,
    pub subnav: Vec<NavItem>,
    pub flash: Option<String>,
}

/// Process areas, in the order a sale moves through them.
const AREAS: [&str; 9] = [
    "My day",
    "Leads",
    "Pipeline",
    "Quotes",
    "Orders",
    "Invoices",
    "Support",
    "Analytics",
    "Settings",
];

impl Layout {
    /// A page without a signed-in user (sign-in, setup, errors).
    pub fn bare(title: &str) -> Self {
        Self {
            title: title.into(),
            user: None,
            csrf: None,
            nav: vec![],
            subnav: vec![],
            flash: None,
        }
    }

    /// A page for `actor`; `current` is the path of the page, for highlighting.
    pub fn new(title: &str, actor: &Actor, csrf: &str, current: &str) -> Self {
        let area = if current.starts_with("/settings") {
            "Settings"
        } else if current.starts_with("/pipeline") || current.starts_with("/opportunities") {
            "Pipeline"
        } else if current.starts_with("/my-day")
            || current.starts_with("/notifications")
            || current.starts_with("/deadlines")
            || current.starts_with("/activities")
        {
            "My day"
        } else if current.starts_with("/quotes")
            || current.starts_with("/products")
            || current.starts_with("/approvals")
            || current.starts_with("/price-lists")
        {
            "Quotes"
        } else if current.starts_with("/invoices")
            || current.starts_with("/payments")
            || current.starts_with("/receivables")
        {
            "Invoices"
        } else if current.starts_with("/orders")
            || current.starts_with("/stock")
            || current.starts_with("/deliveries")
            || current.starts_with("/warehouse")
        {
            "Orders"
        } else if current.starts_with("/analytics") {
            "Analytics"
        } else if current == "/" {
            ""
        } else {
            "Leads"
        };
        let nav = AREAS
            .iter()
            .map(|&label| {
                let href = match label {
                    "Leads" => first_readable(actor).map(|p| format!("/{p}")),
                    "My day" => Some("/my-day".to_string()),
                    "Pipeline" if actor.can(Resource::Opportunity, Action::Read) => {
                        Some("/pipeline".to_string())
                    }
                    "Quotes" if actor.can(Resource::Quote, Action::Read) => {
                        Some("/quotes".to_string())
                    }
                    "Quotes" if actor.can(Resource::Product, Action::Read) => {
                        Some("/products".to_string())
                    }
                    "Orders" if actor.can(Resource::SalesOrder, Action::Read) => {
                        Some("/orders".to_string())
                    }
                    "Orders" if actor.can(Resource::Stock, Action::Read) => {
                        Some("/stock".to_string())
                    }
                    "Invoices" if actor.can(Resource::Invoice, Action::Read) => {
                        Some("/invoices".to_string())
                    }
                    "Analytics" if actor.can(Resource::Opportunity, Action::Read) => {
                        Some("/analytics".to_string())
                    }
                    "Settings" => Some("/settings/tokens".to_string()),
                    _ => None,
                };
                NavItem {
                    label,
                    enabled: href.is_some(),
                    href: href.unwrap_or_default(),
                    active: label == area,
                }
            })
            .collect();
        let sub = |label: &'static str, href: &str| NavItem {
            label,
            href: href.into(),
            active: current.starts_with(href),
            enabled: true,
        };
        let subnav = match area {
            "Leads" => [
                (Resource::Lead, "Leads", "/leads"),
                (Resource::Contact, "Contacts", "/contacts"),
                (Resource::Account, "Accounts", "/accounts"),
                (Resource::Campaign, "Campaigns", "/campaigns"),
                (Resource::WebForm, "Web forms", "/web-forms"),
            ]
            .into_iter()
            .filter(|(r, _, _)| actor.can(*r, Action::Read))
            .map(|(_, label, href)| sub(label, href))
            .chain(
                [Resource::Lead, Resource::Contact, Resource::Account]
                    .iter()
                    .any(|r| actor.can(*r, Action::Create))
                    .then(|| sub("Import", "/imports")),
            )
            .collect(),
            "My day" => vec![
                sub("My day", "/my-day"),
                sub("Activities", "/activities"),
                sub("Notifications", "/notifications"),
                sub("Deadlines", "/deadlines"),
            ],
            "Pipeline" => vec![
                sub("Board", "/pipeline"),
                sub("Opportunities", "/opportunities"),
            ],
            "Quotes" => [
                (
                    actor.can(Resource::Quote, Action::Read),
                    "Quotes",
                    "/quotes",
                ),
                (
                    matches!(actor.role, Role::SalesManager | Role::Admin),
                    "Approvals",
                    "/approvals",
                ),
                (
                    actor.can(Resource::Product, Action::Read),
                    "Products",
                    "/products",
                ),
                (
                    actor.can(Resource::Product, Action::Read),
                    "Price lists",
                    "/price-lists",
                ),
            ]
            .into_iter()
            .filter(|(allowed, _, _)| *allowed)
            .map(|(_, label, href)| sub(label, href))
            .collect(),
            "Invoices" => vec![
                sub("Invoices", "/invoices"),
                sub("Payments", "/payments"),
                sub("Receivables", "/receivables"),
            ],
            "Orders" => {
                let mut items = Vec::new();
                if actor.can(Resource::SalesOrder, Action::Read) {
                    items.push(sub("Sales orders", "/orders"));
                }
                if actor.can(Resource::Delivery, Action::Update) {
                    items.push(sub("Warehouse", "/warehouse"));
                }
                if actor.can(Resource::Delivery, Action::Read) {
                    items.push(sub("Deliveries", "/deliveries"));
                }
                if actor.can(Resource::Stock, Action::Read) {
                    items.push(sub("Stock", "/stock"));
                }
                items
            }
            "Settings" => {
                let mut items = vec![
                    sub("API tokens", "/settings/tokens"),
                    sub("Preferences", "/settings/preferences"),
                ];
                if actor.can(Resource::Pipeline, Action::Update) {
                    items.push(sub("Pipelines", "/settings/pipelines"));
                    items.push(sub("Qualification", "/settings/qualification"));
                    items.push(sub("Lead assignment", "/settings/assignment"));
                    items.push(sub("Quotes and taxes", "/settings/quotes"));
                    items.push(sub("Deadlines", "/settings/deadlines"));
                }
                if is_admin(actor) {
                    items.push(sub("Users", "/settings/users"));
                    items.push(sub("Audit trail", "/settings/audit"));
                    items.push(sub("Mail outbox", "/settings/mail"));
                    items.push(sub("Event feed", "/settings/feed"));
                }
                items
            }
            _ => vec![],
        };
        Self {
            title: title.into(),
            user: Some(UserBadge {
                name: actor.name.clone(),
                role: actor.role.label(),
            }),
            csrf: Some(csrf.into()),
            nav,
            subnav,
            flash: None,
        }
    }
}

pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

impl Opt {
    pub fn list(items: impl IntoIterator<Item = (String, String)>, selected: &str) -> Vec<Opt> {
        items
            .into_iter()
            .map(|(value, label)| Opt {
                selected: value == selected,
                value,
                label,
            })
            .collect()
    }
}

/// "web_form" → "Web form".
pub fn humanize(raw: &str) -> String {
    let text = raw.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// An instant on the viewer's clock, with the zone's abbreviation: `2026-12-07 10:30 CET`.
pub fn when(ts: Timestamp) -> String {
    ts.to_zoned(super::local_time::viewer_zone())
        .strftime("%Y-%m-%d %H:%M %Z")
        .to_string()
}

pub struct ChangeView {
    pub field: String,
    pub old: String,
    pub new: String,
}

pub struct EventView {
    pub title: String,
    pub actor: String,
    pub when: String,
    pub iso: String,
    pub changes: Vec<ChangeView>,
    pub record: String,
    pub href: Option<String>,
    pub request: String,
}

/// User ids shown as names.
pub type Names = HashMap<UserId, String>;

/// Every user's display name by id.
pub async fn names(state: &crate::AppState) -> Result<Names, salesflow_app::AppError> {
    Ok(state
        .app
        .user_names()
        .await?
        .into_iter()
        .map(|(id, name, _, _)| (id, name))
        .collect())
}

fn show_value(field: &str, value: Option<&str>, names: &Names) -> String {
    match value {
        None => "—".into(),
        Some(v) if field == "owner_id" => v
            .parse()
            .ok()
            .and_then(|id| names.get(&id).cloned())
            .unwrap_or_else(|| v.to_string()),
        Some(v) if field == "status" || field == "source" => humanize(v),
        Some(v) => v.to_string(),
    }
}

/// Field names as people say them.
fn field_label(field: &str) -> String {
    match field {
        "owner_id" => "Owner".into(),
        "account_id" => "Account".into(),
        "contact_id" => "Contact".into(),
        "team_id" => "Team".into(),
        other => humanize(other),
    }
}

impl EventView {
    pub fn new(e: &EventRecord, names: &Names) -> Self {
        let title = match (e.activity.as_str(), &e.from_state, &e.to_state) {
            ("status_changed", Some(from), Some(to)) => {
                format!("Status {} → {}", humanize(from), humanize(to))
            }
            ("stage_changed", Some(from), Some(to)) => {
                format!("Stage {} → {}", humanize(from), humanize(to))
            }
            ("handed_off", _, _) => "Handed over".to_string(),
            (activity, _, _) if e.entity_type == salesflow_domain::event::EntityType::Activity => {
                match activity {
                    "created" => "Activity scheduled".to_string(),
                    "completed" => "Activity done".to_string(),
                    "reminder_due" => "Reminder: activity due".to_string(),
                    other => format!("Activity {}", humanize(other).to_lowercase()),
                }
            }
            (activity, _, _) => humanize(activity),
        };
        let path = e.entity_type.page();
        Self {
            title,
            actor: e.actor_name.clone().unwrap_or_else(|| "system".into()),
            when: when(e.at),
            iso: e.at.to_string(),
            changes: e
                .changes
                .iter()
                // A new record is never archived; saying so is noise.
                .filter(|c| !(c.field == "archived" && c.old.is_none()))
                .map(|c| ChangeView {
                    field: field_label(&c.field),
                    old: show_value(&c.field, c.old.as_deref(), names),
                    new: show_value(&c.field, c.new.as_deref(), names),
                })
                .collect(),
            record: humanize(e.entity_type.as_str()),
            href: path.map(|p| format!("/{p}/{}", e.entity_id)),
            request: e.request_id.clone().unwrap_or_default(),
        }
    }
}
