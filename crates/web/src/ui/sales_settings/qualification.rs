//! Qualification criteria and scoring points as a form.

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::AppError;
use salesflow_app::qualification::QualificationUpdate;
use salesflow_domain::lead::LeadSource;
use salesflow_domain::qualification::{Criterion, QualificationSettings, ScoringRules};

use super::{BLANK_ROWS, field, number, row_indexes, version};
use crate::AppState;
use crate::session::{SignedForm, UiUser};
use crate::ui::views::{Layout, humanize};
use crate::ui::{app_error_page, render};

#[derive(Template)]
#[template(path = "settings_qualification.html")]
struct QualificationPage {
    layout: Layout,
    version: i64,
    criteria: Vec<(usize, String, String, String)>,
    sources: Vec<(String, String, String)>,
    numbers: Vec<(&'static str, &'static str, i64)>,
    senior_titles: String,
    error: Option<String>,
    can_edit: bool,
}

const NUMBERS: [(&str, &str); 6] = [
    ("points_per_done_activity", "Points per completed activity"),
    ("engagement_cap", "At most, for activities"),
    ("email_points", "Has an e-mail address"),
    ("phone_points", "Has a phone number"),
    ("company_points", "Company known"),
    ("senior_title_points", "Senior job title"),
];

fn number_of(rules: &ScoringRules, name: &str) -> i64 {
    match name {
        "points_per_done_activity" => rules.points_per_done_activity,
        "engagement_cap" => rules.engagement_cap,
        "email_points" => rules.email_points,
        "phone_points" => rules.phone_points,
        "company_points" => rules.company_points,
        _ => rules.senior_title_points,
    }
}

fn page(
    user: &UiUser,
    settings: &QualificationSettings,
    version: i64,
    error: Option<String>,
) -> QualificationPage {
    let mut criteria: Vec<(usize, String, String, String)> = settings
        .criteria
        .iter()
        .enumerate()
        .map(|(i, c)| (i, c.key.clone(), c.label.clone(), c.points.to_string()))
        .collect();
    let n = criteria.len();
    criteria.extend((n..n + BLANK_ROWS).map(|i| (i, String::new(), String::new(), String::new())));
    QualificationPage {
        layout: Layout::new(
            "Qualification",
            &user.actor,
            &user.csrf,
            "/settings/qualification",
        ),
        version,
        criteria,
        sources: LeadSource::ALL
            .iter()
            .map(|s| {
                let points = settings
                    .rules
                    .source_points
                    .get(s)
                    .map(|p| p.to_string())
                    .unwrap_or_default();
                (s.as_str().to_string(), humanize(s.as_str()), points)
            })
            .collect(),
        numbers: NUMBERS
            .iter()
            .map(|(k, l)| (*k, *l, number_of(&settings.rules, k)))
            .collect(),
        senior_titles: settings.rules.senior_titles.join(", "),
        error,
        can_edit: user.actor.can(
            salesflow_domain::authz::Resource::Pipeline,
            salesflow_domain::authz::Action::Update,
        ),
    }
}

pub async fn qualification_page(State(s): State<AppState>, user: UiUser) -> Response {
    match s.app.read_qualification_settings(&user.actor).await {
        Ok((settings, version)) => render(StatusCode::OK, &page(&user, &settings, version, None)),
        Err(e) => app_error_page(e),
    }
}

fn settings_from(form: &HashMap<String, String>) -> Result<QualificationSettings, AppError> {
    let mut criteria = Vec::new();
    for i in row_indexes(form, "crit") {
        let label = field(form, "crit", i, "name");
        if label.is_empty() {
            continue;
        }
        let key = match field(form, "crit", i, "key") {
            "" => salesflow_domain::pipeline::stage_key(label),
            key => key.to_string(),
        };
        criteria.push(Criterion {
            key,
            label: label.to_string(),
            points: number(field(form, "crit", i, "points"), "points")?.unwrap_or(0),
        });
    }
    let mut source_points = BTreeMap::new();
    for s in LeadSource::ALL {
        if let Some(p) = number(
            form.get(&format!("source_{}", s.as_str()))
                .map_or("", |v| v.trim()),
            "source points",
        )? {
            source_points.insert(*s, p);
        }
    }
    let n = |k: &str| -> Result<i64, AppError> {
        Ok(number(form.get(k).map_or("", |v| v.trim()), k)?.unwrap_or(0))
    };
    Ok(QualificationSettings {
        criteria,
        rules: ScoringRules {
            source_points,
            points_per_done_activity: n("points_per_done_activity")?,
            engagement_cap: n("engagement_cap")?,
            email_points: n("email_points")?,
            phone_points: n("phone_points")?,
            company_points: n("company_points")?,
            senior_title_points: n("senior_title_points")?,
            senior_titles: form
                .get("senior_titles")
                .map(|v| {
                    v.split(',')
                        .map(|t| t.trim().to_lowercase())
                        .filter(|t| !t.is_empty())
                        .collect()
                })
                .unwrap_or_default(),
        },
    })
}

pub async fn save_qualification(
    State(s): State<AppState>,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let result = match (settings_from(&form), version(&form)) {
        (Ok(settings), Ok(version)) => {
            let update = QualificationUpdate {
                settings: settings.clone(),
                version,
            };
            s.app
                .save_qualification_settings(&user.actor, &update)
                .await
                .map(|_| ())
                .map_err(|e| (e, Some((settings, version))))
        }
        (Err(e), _) | (_, Err(e)) => Err((e, None)),
    };
    match result {
        Ok(()) => Redirect::to("/settings/qualification").into_response(),
        Err((e @ (AppError::Invalid(_) | AppError::StaleVersion { .. }), sent)) => {
            let (status, errors, _) = crate::error::describe(&e);
            let message = errors
                .iter()
                .map(|e| e.detail.clone())
                .collect::<Vec<_>>()
                .join("; ");
            let (settings, version) = match sent {
                Some(sent) => sent,
                None => match s.app.qualification_settings().await {
                    Ok(current) => current,
                    Err(e) => return app_error_page(e),
                },
            };
            render(status, &page(&user, &settings, version, Some(message)))
        }
        Err((e, _)) => app_error_page(e),
    }
}
