//! Step deadlines on the pages: the badges on a record (its sale's deadlines), the list of
//! running and overdue deadlines, and Settings → Deadlines (`settings`).

mod settings;

pub use settings::{deadline_settings_page, save_deadline_settings};

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use salesflow_app::deadlines::TimerView;
use serde::Deserialize;
use uuid::Uuid;

use crate::AppState;
use crate::session::UiUser;
use crate::ui::views::{Layout, humanize, when};
use crate::ui::{app_error_page, render};

/// One deadline as a badge: what it is, where it stands, when it is due.
pub struct DeadlineBadge {
    pub name: String,
    /// `running`, `due_soon`, `overdue`, `met`, `missed` (the badge's class).
    pub state: &'static str,
    pub label: &'static str,
    pub due: String,
    /// Still running: shown first and in full colour.
    pub open: bool,
    pub record: String,
    pub href: Option<String>,
}

impl DeadlineBadge {
    pub fn of(view: &TimerView) -> Self {
        let t = &view.timer;
        Self {
            name: t.rule_name.clone(),
            state: view.state.as_str(),
            label: view.state.label(),
            due: when(t.due_at),
            open: t.stopped_at.is_none(),
            record: if t.title.trim().is_empty() {
                t.entity_type.as_str().replace('_', " ")
            } else {
                format!("{} {}", humanize(t.entity_type.as_str()), t.title.trim())
            },
            href: t
                .entity_type
                .page()
                .map(|p| format!("/{p}/{}", t.entity_id)),
        }
    }
}

/// The deadlines of the sale `case` belongs to, running ones first; none when they cannot be
/// read (a record page does not fail for them).
pub async fn case_badges(s: &AppState, case: Option<Uuid>) -> Vec<DeadlineBadge> {
    let Some(case) = case else {
        return Vec::new();
    };
    let mut badges: Vec<_> = match s.app.case_deadlines(&[case]).await {
        Ok(views) => views.iter().map(DeadlineBadge::of).collect(),
        Err(error) => {
            tracing::warn!(%error, "deadlines of a record not read");
            Vec::new()
        }
    };
    badges.sort_by_key(|b| !b.open);
    badges
}

#[derive(Template)]
#[template(path = "deadlines.html")]
struct DeadlinesPage {
    layout: Layout,
    overdue_only: bool,
    rows: Vec<DeadlineBadge>,
    next: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ListParams {
    #[serde(default)]
    all: Option<String>,
    #[serde(default)]
    after: Option<String>,
}

const PAGE: u32 = 50;

/// Deadlines → the overdue ones (or all running ones), soonest due first.
pub async fn deadlines_page(
    State(s): State<AppState>,
    user: UiUser,
    Query(params): Query<ListParams>,
) -> Response {
    let overdue_only = params.all.as_deref() != Some("1");
    let after = params
        .after
        .as_deref()
        .and_then(crate::api::deadlines::parse_cursor);
    let page = match s
        .app
        .open_deadlines(&user.actor, overdue_only, after, PAGE)
        .await
    {
        Ok(p) => p,
        Err(e) => return app_error_page(e),
    };
    let next = page.next.map(crate::api::deadlines::cursor_text);
    let views = page.items;
    let page = DeadlinesPage {
        layout: Layout::new("Deadlines", &user.actor, &user.csrf, "/deadlines"),
        overdue_only,
        rows: views.iter().map(DeadlineBadge::of).collect(),
        next,
    };
    render(StatusCode::OK, &page)
}
