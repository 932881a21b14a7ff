//! Lead assignment rules as rows: conditions (source, campaign, e-mail domains) and a target
//! (a user, or a team's reps in turn).

use std::collections::HashMap;

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::AppError;
use salesflow_app::assignment::AssignmentUpdate;
use salesflow_app::list::ListParams;
use salesflow_domain::assignment::{AssignmentRule, AssignmentRules};
use salesflow_domain::campaign::Campaign;
use salesflow_domain::ids::optional_id;
use salesflow_domain::lead::LeadSource;

use super::{BLANK_ROWS, field, row_indexes, version};
use crate::AppState;
use crate::session::{SignedForm, UiUser};
use crate::ui::views::{Layout, Opt, humanize};
use crate::ui::{app_error_page, render};

pub struct RuleRow {
    pub index: usize,
    pub name: String,
    pub sources: Vec<Opt>,
    pub campaigns: Vec<Opt>,
    pub domains: String,
    pub users: Vec<Opt>,
    pub teams: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "settings_assignment.html")]
struct AssignmentPage {
    layout: Layout,
    version: i64,
    rows: Vec<RuleRow>,
    error: Option<String>,
    can_edit: bool,
}

/// The choices every row offers: sources, campaigns, users and teams (value, label).
struct Choices {
    campaigns: Vec<(String, String)>,
    users: Vec<(String, String)>,
    teams: Vec<(String, String)>,
}

async fn choices(s: &AppState, user: &UiUser) -> Result<Choices, AppError> {
    let any = |label: &str| (String::new(), label.to_string());
    let params = ListParams {
        limit: Some(200),
        sort: Some("name".into()),
        dir: Some("asc".into()),
        ..Default::default()
    };
    let campaigns = s
        .app
        .list::<Campaign>(&user.actor, &params)
        .await
        .map(|p| p.items)
        .unwrap_or_default();
    let users = s.app.user_names().await?;
    let teams = s.app.list_teams().await?;
    Ok(Choices {
        campaigns: std::iter::once(any("any campaign"))
            .chain(
                campaigns
                    .iter()
                    .map(|c| (c.id.to_string(), c.details.name.to_string())),
            )
            .collect(),
        users: std::iter::once(any("—"))
            .chain(
                users
                    .iter()
                    .filter(|u| u.3)
                    .map(|u| (u.0.to_string(), u.1.clone())),
            )
            .collect(),
        teams: std::iter::once(any("—"))
            .chain(teams.iter().map(|t| (t.id.to_string(), t.name.clone())))
            .collect(),
    })
}

fn row(c: &Choices, index: usize, rule: Option<&AssignmentRule>) -> RuleRow {
    let text = |v: Option<String>| v.unwrap_or_default();
    let source = text(rule.and_then(|r| r.source.map(|s| s.as_str().to_string())));
    RuleRow {
        index,
        name: text(rule.map(|r| r.name.clone())),
        sources: Opt::list(
            std::iter::once((String::new(), "any source".to_string())).chain(
                LeadSource::ALL
                    .iter()
                    .map(|s| (s.as_str().to_string(), humanize(s.as_str()))),
            ),
            &source,
        ),
        campaigns: Opt::list(
            c.campaigns.clone(),
            &text(rule.and_then(|r| r.campaign_id.map(|x| x.to_string()))),
        ),
        domains: rule.map(|r| r.email_domains.join(", ")).unwrap_or_default(),
        users: Opt::list(
            c.users.clone(),
            &text(rule.and_then(|r| r.user_id.map(|x| x.to_string()))),
        ),
        teams: Opt::list(
            c.teams.clone(),
            &text(rule.and_then(|r| r.team_id.map(|x| x.to_string()))),
        ),
    }
}

async fn page(
    s: &AppState,
    user: &UiUser,
    rules: &AssignmentRules,
    version: i64,
    error: Option<String>,
) -> Response {
    let c = match choices(s, user).await {
        Ok(c) => c,
        Err(e) => return app_error_page(e),
    };
    let n = rules.rules.len();
    let rows = rules
        .rules
        .iter()
        .enumerate()
        .map(|(i, r)| row(&c, i, Some(r)))
        .chain((n..n + BLANK_ROWS).map(|i| row(&c, i, None)))
        .collect();
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = AssignmentPage {
        layout: Layout::new(
            "Lead assignment",
            &user.actor,
            &user.csrf,
            "/settings/assignment",
        ),
        version,
        rows,
        error,
        can_edit: user.actor.can(
            salesflow_domain::authz::Resource::Pipeline,
            salesflow_domain::authz::Action::Update,
        ),
    };
    render(status, &page)
}

pub async fn assignment_page(State(s): State<AppState>, user: UiUser) -> Response {
    match s.app.assignment_rules(&user.actor).await {
        Ok((rules, version)) => page(&s, &user, &rules, version, None).await,
        Err(e) => app_error_page(e),
    }
}

fn rules_from(form: &HashMap<String, String>) -> Result<AssignmentRules, AppError> {
    let mut rules = Vec::new();
    for i in row_indexes(form, "rule") {
        let name = field(form, "rule", i, "name");
        if name.is_empty() {
            continue;
        }
        let source = match field(form, "rule", i, "source") {
            "" => None,
            raw => Some(
                raw.parse()
                    .map_err(|m: String| AppError::invalid("source", "invalid_choice", m))?,
            ),
        };
        let id = |f: &str| Some(field(form, "rule", i, f)).filter(|v| !v.is_empty());
        rules.push(AssignmentRule {
            name: name.to_string(),
            source,
            campaign_id: optional_id("campaign_id", id("campaign"))?,
            email_domains: field(form, "rule", i, "domains")
                .split(',')
                .map(|d| d.trim().to_lowercase())
                .filter(|d| !d.is_empty())
                .collect(),
            user_id: optional_id("user_id", id("user"))?,
            team_id: optional_id("team_id", id("team"))?,
        });
    }
    Ok(AssignmentRules { rules })
}

pub async fn save_assignment(
    State(s): State<AppState>,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let parsed = rules_from(&form).and_then(|rules| Ok((rules, version(&form)?)));
    let (rules, version) = match parsed {
        Ok(p) => p,
        Err(e) => return app_error_page(e),
    };
    let update = AssignmentUpdate {
        settings: rules.clone(),
        version,
    };
    match s.app.save_assignment_rules(&user.actor, &update).await {
        Ok(_) => Redirect::to("/settings/assignment").into_response(),
        Err(e @ (AppError::Invalid(_) | AppError::StaleVersion { .. })) => {
            let (_, errors, _) = crate::error::describe(&e);
            let message = errors
                .iter()
                .map(|e| e.detail.clone())
                .collect::<Vec<_>>()
                .join("; ");
            page(&s, &user, &rules, version, Some(message)).await
        }
        Err(e) => app_error_page(e),
    }
}
