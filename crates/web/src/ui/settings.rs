//! Settings: API tokens for everyone; users and the audit trail for admins.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::AppError;
use salesflow_app::users::{NewUser, UserChange};
use salesflow_domain::ids::{TokenId, UserId};
use salesflow_domain::role::Role;

use super::views::{EventView, Layout, Opt, humanize, when};
use super::{app_error_page, render};
use crate::AppState;
use crate::api::AuditParams;
use crate::session::{SignedForm, UiUser};

struct TokenRow {
    id: String,
    name: String,
    owner: String,
    created: String,
    expires: String,
    last_used: String,
    status: &'static str,
    active: bool,
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<TokenRow>,
    show_owner: bool,
    new_secret: Option<String>,
    error: Option<String>,
}

async fn tokens_view(
    s: &AppState,
    user: &UiUser,
    new_secret: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let (tokens, names) = match (
        s.app.list_tokens(&user.actor).await,
        s.app.user_names().await,
    ) {
        (Ok(t), Ok(n)) => (
            t,
            n.into_iter()
                .map(|(id, name, _, _)| (id, name))
                .collect::<HashMap<_, _>>(),
        ),
        (Err(e), _) | (_, Err(e)) => return app_error_page(e),
    };
    let rows = tokens
        .iter()
        .map(|t| TokenRow {
            id: t.id.to_string(),
            name: t.name.clone(),
            owner: names.get(&t.user_id).cloned().unwrap_or_default(),
            created: when(t.created_at),
            expires: t.expires_at.map(when).unwrap_or_else(|| "never".into()),
            last_used: t.last_used_at.map(when).unwrap_or_else(|| "never".into()),
            status: match (t.revoked_at, t.expires_at) {
                (Some(_), _) => "revoked",
                (None, Some(end)) if end <= s.app.now() => "expired",
                _ => "active",
            },
            active: t.revoked_at.is_none(),
        })
        .collect();
    let page = TokensPage {
        layout: Layout::new("API tokens", &user.actor, &user.csrf, "/settings/tokens"),
        tokens: rows,
        show_owner: user.actor.role == Role::Admin,
        new_secret,
        error,
    };
    render(status, &page)
}

pub async fn tokens_page(State(s): State<AppState>, user: UiUser) -> Response {
    tokens_view(&s, &user, None, None, StatusCode::OK).await
}

pub async fn create_token(
    State(s): State<AppState>,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let name = form.get("name").map(String::as_str).unwrap_or_default();
    let expires = form
        .get("expires_in_days")
        .map(|d| d.trim())
        .filter(|d| !d.is_empty());
    let days = match expires.map(str::parse::<i64>) {
        None => None,
        Some(Ok(days)) => Some(days),
        Some(Err(_)) => Some(0), // refused below with the range message
    };
    match s
        .app
        .create_token(&user.actor, user.actor.user_id, name, days)
        .await
    {
        // The secret is shown on this response only; it is never stored.
        Ok((_, secret)) => tokens_view(&s, &user, Some(secret), None, StatusCode::CREATED).await,
        Err(AppError::Invalid(e)) => {
            tokens_view(
                &s,
                &user,
                None,
                Some(format!(
                    "{}: {}",
                    super::views::humanize(&e.0[0].field),
                    e.0[0].message
                )),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => app_error_page(e),
    }
}

pub async fn revoke_token(
    State(s): State<AppState>,
    Path(id): Path<String>,
    SignedForm { user, .. }: SignedForm,
) -> Response {
    let Ok(id) = id.parse() else {
        return app_error_page(AppError::NotFound);
    };
    match s.app.revoke_token(&user.actor, TokenId(id)).await {
        Ok(()) => Redirect::to("/settings/tokens").into_response(),
        Err(e) => app_error_page(e),
    }
}

struct UserRow {
    id: String,
    name: String,
    email: String,
    roles: Vec<Opt>,
    teams: Vec<Opt>,
    active: bool,
    is_me: bool,
    version: i64,
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    layout: Layout,
    users: Vec<UserRow>,
    roles: Vec<Opt>,
    teams: Vec<Opt>,
    errors: Vec<String>,
}

async fn users_view(
    s: &AppState,
    user: &UiUser,
    errors: Vec<String>,
    status: StatusCode,
) -> Response {
    let (users, teams) = match (
        s.app.list_users(&user.actor).await,
        s.app.list_teams().await,
    ) {
        (Ok(u), Ok(t)) => (u, t),
        (Err(e), _) | (_, Err(e)) => return app_error_page(e),
    };
    let page = UsersPage {
        layout: Layout::new("Users", &user.actor, &user.csrf, "/settings/users"),
        users: users
            .iter()
            .map(|u| UserRow {
                id: u.id.to_string(),
                name: u.name.clone(),
                email: u.email.clone(),
                roles: role_options(u.role.as_str()),
                teams: team_options(
                    &teams,
                    &u.team_id.map(|t| t.to_string()).unwrap_or_default(),
                ),
                active: u.active,
                is_me: u.id == user.actor.user_id,
                version: u.version,
            })
            .collect(),
        roles: role_options("sales_rep"),
        teams: team_options(&teams, ""),
        errors,
    };
    render(status, &page)
}

fn role_options(selected: &str) -> Vec<Opt> {
    Opt::list(
        Role::ALL
            .iter()
            .map(|r| (r.as_str().to_string(), r.label().to_string())),
        selected,
    )
}

/// Teams for a select, with "no team" first.
fn team_options(teams: &[salesflow_app::ports::TeamRecord], selected: &str) -> Vec<Opt> {
    let choices = std::iter::once((String::new(), "No team".to_string()))
        .chain(teams.iter().map(|t| (t.id.to_string(), t.name.clone())));
    Opt::list(choices, selected)
}

pub async fn users_page(State(s): State<AppState>, user: UiUser) -> Response {
    users_view(&s, &user, vec![], StatusCode::OK).await
}

pub async fn create_user(
    State(s): State<AppState>,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let get = |k: &str| form.get(k).cloned().unwrap_or_default();
    let role: Result<Role, _> = get("role").parse();
    let team_id = get("team_id")
        .parse()
        .ok()
        .map(salesflow_domain::ids::TeamId);
    let result = match role {
        Ok(role) => {
            s.app
                .create_user(
                    Some(&user.actor),
                    NewUser {
                        email: get("email"),
                        name: get("name"),
                        role,
                        team_id,
                        password: get("password"),
                    },
                )
                .await
        }
        Err(m) => Err(AppError::invalid("role", "invalid_choice", m)),
    };
    match result {
        Ok(_) => Redirect::to("/settings/users").into_response(),
        Err(AppError::Invalid(e)) => {
            users_view(
                &s,
                &user,
                e.0.iter()
                    .map(|e| format!("{}: {}", humanize(&e.field), e.message))
                    .collect(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(AppError::Conflict { detail, .. }) => {
            users_view(&s, &user, vec![detail], StatusCode::CONFLICT).await
        }
        Err(e) => app_error_page(e),
    }
}

pub async fn set_user_active(
    State(s): State<AppState>,
    Path((id, action)): Path<(String, String)>,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let (Ok(id), Some(version)) = (id.parse(), form.get("version").and_then(|v| v.parse().ok()))
    else {
        return app_error_page(AppError::NotFound);
    };
    let change = match action.as_str() {
        "activate" => UserChange {
            active: Some(true),
            version,
            ..Default::default()
        },
        "deactivate" => UserChange {
            active: Some(false),
            version,
            ..Default::default()
        },
        "role" => {
            let role = form
                .get("role")
                .map(String::as_str)
                .unwrap_or_default()
                .parse();
            let team = form.get("team_id").map(String::as_str).unwrap_or_default();
            let team_id = if team.is_empty() {
                Ok(None)
            } else {
                team.parse().map(|t| Some(salesflow_domain::ids::TeamId(t)))
            };
            match (role, team_id) {
                (Ok(role), Ok(team_id)) => UserChange {
                    role: Some(role),
                    team_id: Some(team_id),
                    version,
                    ..Default::default()
                },
                _ => {
                    return app_error_page(AppError::invalid(
                        "role",
                        "invalid_choice",
                        "choose a role and team from the lists",
                    ));
                }
            }
        }
        _ => return app_error_page(AppError::NotFound),
    };
    match s
        .app
        .update_user(Some(&user.actor), UserId(id), change)
        .await
    {
        Ok(_) => Redirect::to("/settings/users").into_response(),
        Err(e) => app_error_page(e),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    layout: Layout,
    types: Vec<Opt>,
    events: Vec<EventView>,
    more_href: Option<String>,
}

pub async fn audit_page(
    State(s): State<AppState>,
    user: UiUser,
    Query(params): Query<AuditParams>,
) -> Response {
    let filter = match params.before().and_then(|b| params.filter(b)) {
        Ok(f) => f,
        Err(e) => return app_error_page(e),
    };
    let events = match s.app.audit(&user.actor, &filter).await {
        Ok(e) => e,
        Err(e) => return app_error_page(e),
    };
    let names = super::views::names(&s).await.unwrap_or_default();
    let selected = params.entity_type.clone().unwrap_or_default();
    let more_href = (events.len() as u32 >= filter.limit.clamp(1, 500))
        .then(|| {
            events.last().map(|e| {
                format!(
                    "/settings/audit?entity_type={selected}&before={}",
                    crate::api::audit_cursor(e)
                )
            })
        })
        .flatten();
    let page = AuditPage {
        layout: Layout::new("Audit trail", &user.actor, &user.csrf, "/settings/audit"),
        types: Opt::list(
            ["account", "contact", "lead", "user", "team", "api_token"]
                .map(|t| (t.to_string(), humanize(t))),
            &selected,
        ),
        events: events.iter().map(|e| EventView::new(e, &names)).collect(),
        more_href,
    };
    render(StatusCode::OK, &page)
}
