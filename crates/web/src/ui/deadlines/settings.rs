//! Settings → Deadlines: the business calendar (time zone, working hours per weekday,
//! holidays) and the step deadlines as rows (blank rows add new ones; clearing a row's name
//! removes it). Errors stand beside their field and the form keeps what was typed.

use std::collections::{BTreeSet, HashMap};

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::AppError;
use salesflow_domain::analytics::mining::{LEAD_STEPS, ORDER_STEPS, QUOTE_STEPS};
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::calendar::{CalendarSpec, DayHours};
use salesflow_domain::deadline::{DeadlineRule, DeadlineSettings};

use crate::AppState;
use crate::session::{SignedForm, UiUser};
use crate::ui::views::Layout;
use crate::ui::{app_error_page, render};

const WEEKDAYS: [(&str, &str); 7] = [
    ("monday", "Monday"),
    ("tuesday", "Tuesday"),
    ("wednesday", "Wednesday"),
    ("thursday", "Thursday"),
    ("friday", "Friday"),
    ("saturday", "Saturday"),
    ("sunday", "Sunday"),
];
const BLANK_ROWS: usize = 2;
/// Steps besides the process map's main line that deadlines often end or start at.
const MORE_STEPS: &[&str] = &[
    "lead:disqualified",
    "quote:approval_requested",
    "quote:approved",
    "quote:rejected",
    "quote:changes_requested",
    "quote:revised",
    "quote:declined",
];

pub struct DayRow {
    pub day: &'static str,
    pub label: &'static str,
    pub hours: String,
    pub error: Option<String>,
}

pub struct RuleRow {
    pub index: usize,
    pub key: String,
    pub name: String,
    pub start: String,
    pub stop: String,
    pub hours: String,
    pub enabled: bool,
    pub errors: Vec<String>,
    /// Steps the process has no name for here: likely misspelt (saved all the same).
    pub unknown: Vec<String>,
}

#[derive(Template)]
#[template(path = "settings_deadlines.html")]
struct DeadlineSettingsPage {
    layout: Layout,
    version: i64,
    time_zone: String,
    time_zone_error: Option<String>,
    days: Vec<DayRow>,
    holidays: String,
    holidays_error: Option<String>,
    rules: Vec<RuleRow>,
    steps: Vec<String>,
    can_edit: bool,
    error: Option<String>,
}

/// What the form holds: the typed text of every field, so a refused save shows it again.
struct Typed {
    version: i64,
    time_zone: String,
    hours: Vec<String>,
    holidays: String,
    rules: Vec<RuleRow>,
}

impl Typed {
    fn of(settings: &DeadlineSettings, version: i64) -> Self {
        let hours = WEEKDAYS
            .iter()
            .map(|(day, _)| {
                settings
                    .calendar
                    .days
                    .iter()
                    .find(|d| d.day == *day)
                    .map(|d| d.hours.clone())
                    .unwrap_or_default()
            })
            .collect();
        let rules = settings
            .rules
            .iter()
            .enumerate()
            .map(|(index, r)| RuleRow {
                index,
                key: r.key.clone(),
                name: r.name.clone(),
                start: r.start.clone(),
                stop: r.stop.join(", "),
                hours: r.business_hours.to_string(),
                enabled: r.enabled,
                errors: Vec::new(),
                unknown: Vec::new(),
            })
            .collect();
        Self {
            version,
            time_zone: settings.calendar.time_zone.clone(),
            hours,
            holidays: settings.calendar.holidays.join("\n"),
            rules,
        }
    }

    fn from_form(form: &HashMap<String, String>) -> Self {
        let get = |name: &str| {
            form.get(name)
                .map(|v| v.trim().to_string())
                .unwrap_or_default()
        };
        let mut indexes: BTreeSet<usize> = form
            .keys()
            .filter_map(|k| k.strip_prefix("rule_")?.strip_suffix("_name")?.parse().ok())
            .collect();
        indexes.retain(|i| !get(&format!("rule_{i}_name")).is_empty());
        let rules = indexes
            .into_iter()
            .enumerate()
            .map(|(index, i)| {
                let field = |f: &str| get(&format!("rule_{i}_{f}"));
                RuleRow {
                    index,
                    key: field("key"),
                    name: field("name"),
                    start: field("start"),
                    stop: field("stop"),
                    hours: field("hours"),
                    enabled: form.contains_key(&format!("rule_{i}_enabled")),
                    errors: Vec::new(),
                    unknown: Vec::new(),
                }
            })
            .collect();
        Self {
            version: get("version").parse().unwrap_or(-1),
            time_zone: get("time_zone"),
            hours: WEEKDAYS
                .iter()
                .map(|(d, _)| get(&format!("hours_{d}")))
                .collect(),
            holidays: get("holidays"),
            rules,
        }
    }

    /// The settings the text stands for, and what could not be read as them (`rules[i].x`).
    fn settings(&self) -> (DeadlineSettings, Vec<(String, String)>) {
        let mut unreadable = Vec::new();
        let days = WEEKDAYS
            .iter()
            .zip(&self.hours)
            .filter(|(_, hours)| !hours.is_empty())
            .map(|((day, _), hours)| DayHours {
                day: (*day).into(),
                hours: hours.clone(),
            })
            .collect();
        let holidays = self
            .holidays
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|d| !d.is_empty())
            .map(str::to_string)
            .collect();
        let rules = self
            .rules
            .iter()
            .map(|row| {
                let business_hours = row.hours.parse().unwrap_or_else(|_| {
                    unreadable.push((
                        format!("rules[{}].business_hours", row.index),
                        "must be a whole number of hours".to_string(),
                    ));
                    1
                });
                DeadlineRule {
                    key: if row.key.is_empty() {
                        key_of(&row.name)
                    } else {
                        row.key.clone()
                    },
                    name: row.name.clone(),
                    start: row.start.clone(),
                    stop: row
                        .stop
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    business_hours,
                    enabled: row.enabled,
                }
            })
            .collect();
        let settings = DeadlineSettings {
            calendar: CalendarSpec {
                time_zone: self.time_zone.clone(),
                days,
                holidays,
            },
            rules,
        };
        (settings, unreadable)
    }
}

/// A key from a name: "Ship the order" → `ship_the_order`.
fn key_of(name: &str) -> String {
    let mut key = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            key.push(c);
        } else if !key.ends_with('_') && !key.is_empty() {
            key.push('_');
        }
    }
    key.trim_end_matches('_').chars().take(40).collect()
}

async fn page(
    s: &AppState,
    user: &UiUser,
    typed: Typed,
    errors: Vec<(String, String)>,
    error: Option<String>,
) -> Response {
    let pipelines = match s.app.pipelines(&user.actor).await {
        Ok(p) => p,
        Err(e) => return app_error_page(e),
    };
    let mut steps: Vec<String> = LEAD_STEPS.iter().map(|s| s.to_string()).collect();
    let mut stages = BTreeSet::new();
    for p in &pipelines {
        stages.extend(p.stages.iter().map(|st| format!("opportunity:{}", st.key)));
    }
    steps.extend(stages);
    steps.extend(
        QUOTE_STEPS
            .iter()
            .chain(MORE_STEPS)
            .chain(ORDER_STEPS)
            .map(|s| s.to_string()),
    );
    let message = |field: &str| {
        errors
            .iter()
            .filter(|(f, _)| {
                f == field
                    || f.starts_with(&format!("{field}["))
                    || f.starts_with(&format!("{field}."))
            })
            .map(|(_, m)| m.clone())
            .reduce(|a, b| format!("{a}; {b}"))
    };
    // Days are sent in weekday order without the empty ones: count them to find each row's.
    let mut sent = 0;
    let days = WEEKDAYS
        .iter()
        .zip(&typed.hours)
        .map(|((day, label), hours)| {
            let error = (!hours.is_empty()).then(|| {
                sent += 1;
                message(&format!("calendar.days[{}]", sent - 1))
            });
            DayRow {
                day,
                label,
                hours: hours.clone(),
                error: error.flatten(),
            }
        })
        .collect();
    let n = typed.rules.len();
    let mut rules = typed.rules;
    for row in &mut rules {
        row.unknown = std::iter::once(row.start.as_str())
            .chain(row.stop.split(',').map(str::trim))
            .filter(|step| !step.is_empty() && !steps.iter().any(|s| s == step))
            .map(str::to_string)
            .collect();
        let prefix = format!("rules[{}].", row.index);
        row.errors = errors
            .iter()
            .filter(|(f, _)| f.starts_with(&prefix))
            .map(|(f, m)| format!("{}: {m}", label_of(&f[prefix.len()..])))
            .collect();
    }
    rules.extend((n..n + BLANK_ROWS).map(|index| RuleRow {
        index,
        key: String::new(),
        name: String::new(),
        start: String::new(),
        stop: String::new(),
        hours: String::new(),
        enabled: true,
        errors: Vec::new(),
        unknown: Vec::new(),
    }));
    let calendar_days = message("calendar.days");
    let page = DeadlineSettingsPage {
        layout: Layout::new("Deadlines", &user.actor, &user.csrf, "/settings/deadlines"),
        version: typed.version,
        time_zone: typed.time_zone,
        time_zone_error: message("calendar.time_zone"),
        days,
        holidays: typed.holidays,
        holidays_error: message("calendar.holidays"),
        rules,
        steps,
        can_edit: user.actor.can(Resource::Pipeline, Action::Update),
        error: error
            .or(calendar_days.filter(|_| errors.iter().any(|(f, _)| f == "calendar.days")))
            .or((!errors.is_empty()).then(|| "Check the fields marked below.".to_string())),
    };
    let status = if page.error.is_some() || !errors.is_empty() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(status, &page)
}

/// A rule field's name as the form labels it.
fn label_of(field: &str) -> &str {
    match field.split('[').next().unwrap_or(field) {
        "key" => "Key",
        "name" => "Name",
        "start" => "From step",
        "stop" => "To step",
        "business_hours" => "Business hours",
        other => other,
    }
}

pub async fn deadline_settings_page(State(s): State<AppState>, user: UiUser) -> Response {
    if !user.actor.can(Resource::Pipeline, Action::Read) {
        return app_error_page(AppError::Forbidden);
    }
    match s.app.deadline_settings().await {
        Ok((settings, version)) => {
            page(&s, &user, Typed::of(&settings, version), Vec::new(), None).await
        }
        Err(e) => app_error_page(e),
    }
}

pub async fn save_deadline_settings(
    State(s): State<AppState>,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let typed = Typed::from_form(&form);
    let (settings, mut errors) = typed.settings();
    let result = if errors.is_empty() {
        s.app
            .save_deadline_settings(&user.actor, &settings, typed.version)
            .await
    } else {
        Err(AppError::Invalid(Default::default()))
    };
    match result {
        Ok(_) => Redirect::to("/settings/deadlines").into_response(),
        Err(AppError::Invalid(invalid)) => {
            errors.extend(invalid.0.into_iter().map(|e| (e.field, e.message)));
            page(&s, &user, typed, errors, None).await
        }
        Err(AppError::StaleVersion { current }) => {
            let typed = Typed {
                version: current,
                ..typed
            };
            let stale = "Someone else saved these settings meanwhile; saving again replaces them.";
            page(&s, &user, typed, Vec::new(), Some(stale.into())).await
        }
        Err(e) => app_error_page(e),
    }
}
