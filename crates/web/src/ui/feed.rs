//! Settings → Event feed, for administrators: each consumer of the feed with its checkpoint,
//! lag and lease, and the events consumers parked, each with a retry.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::ports::{ConsumerStatus, ParkedEvent};

use super::views::{Layout, when};
use super::{app_error_page, render};
use crate::AppState;
use crate::session::{SignedForm, UiUser};

const PATH: &str = "/settings/feed";

#[derive(Template)]
#[template(path = "settings_feed.html")]
struct FeedPage {
    layout: Layout,
    head: i64,
    consumers: Vec<ConsumerRow>,
    parked: Vec<ParkedRow>,
}

struct ConsumerRow {
    name: String,
    position: i64,
    lag: i64,
    held_by: String,
    handled: i64,
    parked: i64,
    updated: String,
}

impl ConsumerRow {
    fn new(c: ConsumerStatus) -> Self {
        Self {
            lag: c.lag(),
            held_by: c.lease_owner.clone().unwrap_or_else(|| "—".into()),
            updated: when(c.updated_at),
            name: c.name,
            position: c.position,
            handled: c.handled,
            parked: c.parked,
        }
    }
}

struct ParkedRow {
    consumer: String,
    position: i64,
    event_id: String,
    error: String,
    attempts: i64,
    parked: String,
}

impl ParkedRow {
    fn new(p: ParkedEvent) -> Self {
        Self {
            consumer: p.consumer,
            position: p.position,
            event_id: p.event_id.to_string(),
            error: p.error,
            attempts: p.attempts,
            parked: when(p.parked_at),
        }
    }
}

pub async fn feed_page(State(s): State<AppState>, user: UiUser) -> Response {
    let overview = match s.app.feed_overview(&user.actor).await {
        Ok(o) => o,
        Err(e) => return app_error_page(e),
    };
    let page = FeedPage {
        layout: Layout::new("Event feed", &user.actor, &user.csrf, PATH),
        head: overview.consumers.first().map_or(0, |c| c.head),
        consumers: overview
            .consumers
            .into_iter()
            .map(ConsumerRow::new)
            .collect(),
        parked: overview.parked.into_iter().map(ParkedRow::new).collect(),
    };
    render(StatusCode::OK, &page)
}

pub async fn retry(
    State(s): State<AppState>,
    Path((consumer, position)): Path<(String, i64)>,
    SignedForm { user, .. }: SignedForm,
) -> Response {
    match s
        .app
        .retry_parked_event(&user.actor, &consumer, position)
        .await
    {
        Ok(()) => Redirect::to(PATH).into_response(),
        Err(e) => app_error_page(e),
    }
}
