//! The start page: headline counts and, for admins, the latest changes.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::entity::Entity;
use salesflow_app::ports::AuditFilter;
use salesflow_domain::account::Account;
use salesflow_domain::authz::Resource;
use salesflow_domain::contact::Contact;
use salesflow_domain::lead::Lead;

use super::records::readable;
use super::views::{EventView, Layout, humanize};
use super::{app_error_page, is_admin, render};
use crate::AppState;
use crate::resource::WebResource;
use crate::session::UiUser;

struct Tile {
    label: String,
    value: i64,
    href: String,
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    first_name: String,
    tiles: Vec<Tile>,
    recent: Vec<EventView>,
}

pub async fn home(State(s): State<AppState>, user: Result<UiUser, Response>) -> Response {
    let user = match user {
        Ok(user) => user,
        Err(_) if s.app.needs_setup().await.unwrap_or(false) => {
            return Redirect::to("/setup").into_response();
        }
        Err(redirect) => return redirect,
    };
    let actor = &user.actor;
    let mut tiles = Vec::new();
    if readable(actor, Resource::Lead) {
        match s.app.counts::<Lead>(actor).await {
            Ok(mut counts) => {
                // In process order, not alphabetical.
                let position = |status: &str| {
                    Lead::STATUSES
                        .iter()
                        .position(|s| *s == status)
                        .unwrap_or(usize::MAX)
                };
                counts.sort_by_key(|(status, _)| position(status));
                tiles.extend(counts.into_iter().map(|(status, n)| Tile {
                    label: format!("{} leads", humanize(&status)),
                    value: n,
                    href: format!("/leads?status={status}"),
                }));
            }
            Err(e) => return app_error_page(e),
        }
    }
    for (label, href, total) in [
        ("Accounts", "/accounts", total::<Account>(&s, actor).await),
        ("Contacts", "/contacts", total::<Contact>(&s, actor).await),
    ] {
        match total {
            Ok(Some(value)) => tiles.push(Tile {
                label: label.into(),
                value,
                href: href.into(),
            }),
            Ok(None) => {}
            Err(e) => return app_error_page(e),
        }
    }
    let recent = if is_admin(actor) {
        let names = super::views::names(&s).await.unwrap_or_default();
        match s
            .app
            .audit(
                actor,
                &AuditFilter {
                    limit: 10,
                    ..Default::default()
                },
            )
            .await
        {
            Ok(events) => events.iter().map(|e| EventView::new(e, &names)).collect(),
            Err(e) => return app_error_page(e),
        }
    } else {
        vec![]
    };
    let page = HomePage {
        layout: Layout::new("Home", actor, &user.csrf, "/"),
        first_name: actor
            .name
            .split_whitespace()
            .next()
            .unwrap_or(&actor.name)
            .to_string(),
        tiles,
        recent,
    };
    render(StatusCode::OK, &page)
}

/// How many records of a kind the actor sees; `None` when the kind is closed to the role.
async fn total<E: WebResource>(
    s: &AppState,
    actor: &salesflow_app::Actor,
) -> Result<Option<i64>, salesflow_app::AppError> {
    if !readable(actor, E::RESOURCE) {
        return Ok(None);
    }
    Ok(Some(
        s.app.counts::<E>(actor).await?.iter().map(|(_, n)| n).sum(),
    ))
}
