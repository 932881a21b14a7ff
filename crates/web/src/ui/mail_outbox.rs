//! The administrators' mail outbox: what waits, retries or failed (with the mail server's
//! reason), a retry per message and a purge of the failed ones.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::mail::outbox::OutboxEntry;

use super::views::{Layout, when};
use super::{app_error_page, render};
use crate::AppState;
use crate::session::{SignedForm, UiUser};

#[derive(Template)]
#[template(path = "mail_outbox.html")]
struct OutboxPage {
    layout: Layout,
    entries: Vec<OutboxRow>,
    mail_server: bool,
    failed: usize,
}

struct OutboxRow {
    id: String,
    to: String,
    about: &'static str,
    document: Option<String>,
    status: &'static str,
    attempts: i64,
    reason: String,
    queued: String,
}

impl OutboxRow {
    fn new(e: OutboxEntry) -> Self {
        Self {
            id: e.id.to_string(),
            to: e.to,
            about: e.about,
            document: e.document,
            status: e.status,
            attempts: e.attempts,
            reason: e.last_error.unwrap_or_default(),
            queued: when(e.queued_at),
        }
    }
}

pub async fn outbox_page(State(s): State<AppState>, user: UiUser) -> Response {
    let entries = match s.app.mail_outbox(&user.actor).await {
        Ok(entries) => entries,
        Err(e) => return app_error_page(e),
    };
    let failed = entries.iter().filter(|e| e.status == "failed").count();
    let page = OutboxPage {
        layout: Layout::new("Mail outbox", &user.actor, &user.csrf, "/settings/mail"),
        entries: entries.into_iter().map(OutboxRow::new).collect(),
        mail_server: s.app.mailer.is_some(),
        failed,
    };
    render(StatusCode::OK, &page)
}

pub async fn retry(
    State(s): State<AppState>,
    Path(id): Path<uuid::Uuid>,
    SignedForm { user, .. }: SignedForm,
) -> Response {
    match s.app.retry_mail(&user.actor, id).await {
        Ok(()) => Redirect::to("/settings/mail").into_response(),
        Err(e) => app_error_page(e),
    }
}

pub async fn purge(State(s): State<AppState>, SignedForm { user, .. }: SignedForm) -> Response {
    match s.app.purge_failed_mail(&user.actor).await {
        Ok(_) => Redirect::to("/settings/mail").into_response(),
        Err(e) => app_error_page(e),
    }
}
