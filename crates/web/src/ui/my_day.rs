//! "My day": what is overdue and due today, the leads gone quiet, and what happened to the
//! user's records (hand-offs, reminders); plus the full notifications list.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::ports::EventRecord;
use salesflow_domain::handover::handover;
use serde::Deserialize;

use super::deadlines::DeadlineBadge;
use super::records::ActivityView;
use super::views::{EventView, Layout, names, when};
use super::{app_error_page, render};
use crate::AppState;
use crate::session::{SignedForm, UiUser};

pub struct LeadRow {
    pub id: String,
    pub name: String,
    pub company: String,
    pub status: String,
    pub last_change: String,
}

pub struct NotificationView {
    pub event: EventView,
    /// What the hand-over asks of the reader ("Ready to ship"), else the event's title.
    pub says: String,
    pub unread: bool,
}

#[derive(Template)]
#[template(path = "my_day.html")]
struct MyDayPage {
    layout: Layout,
    overdue: Vec<ActivityView>,
    today: Vec<ActivityView>,
    leads: Vec<LeadRow>,
    stale_days: i64,
    notifications: Vec<NotificationView>,
    /// The user's own deadlines that are due soon or overdue.
    deadlines: Vec<DeadlineBadge>,
    back: String,
}

#[derive(Template)]
#[template(path = "notifications.html")]
struct NotificationsPage {
    layout: Layout,
    notifications: Vec<NotificationView>,
    email: bool,
    mail_server: bool,
}

#[derive(Debug, Deserialize)]
pub struct MyDayParams {
    pub stale_days: Option<i64>,
}

async fn notification_views(
    s: &AppState,
    user: &UiUser,
    limit: u32,
    unread_only: bool,
) -> Result<Vec<NotificationView>, salesflow_app::AppError> {
    let (events, seen) = s.app.notifications(&user.actor, limit).await?;
    let names = names(s).await?;
    Ok(events
        .iter()
        .filter(|e: &&EventRecord| !unread_only || e.at > seen)
        .map(|e| {
            let event = EventView::new(e, &names);
            NotificationView {
                says: handover(e.entity_type.as_str(), &e.activity)
                    .map_or_else(|| event.title.clone(), |h| h.says.to_string()),
                event,
                unread: e.at > seen,
            }
        })
        .collect())
}

/// The deadlines of the user's own records that press (due soon or overdue), soonest first.
async fn pressing_deadlines(
    s: &AppState,
    user: &UiUser,
) -> Result<Vec<DeadlineBadge>, salesflow_app::AppError> {
    let views = s.app.my_pressing_deadlines(&user.actor).await?;
    Ok(views.iter().map(DeadlineBadge::of).collect())
}

pub async fn my_day(
    State(s): State<AppState>,
    user: UiUser,
    Query(params): Query<MyDayParams>,
) -> Response {
    let day = match s.app.my_day(&user.actor, params.stale_days).await {
        Ok(d) => d,
        Err(e) => return app_error_page(e),
    };
    let notifications = match notification_views(&s, &user, 50, true).await {
        Ok(n) => n,
        Err(e) => return app_error_page(e),
    };
    let now = s.app.now();
    let tasks: Vec<_> = day.overdue.iter().chain(&day.today).collect();
    let titles = match s.app.related_titles(&user.actor, &tasks).await {
        Ok(t) => t,
        Err(e) => return app_error_page(e),
    };
    let deadlines = match pressing_deadlines(&s, &user).await {
        Ok(d) => d,
        Err(e) => return app_error_page(e),
    };
    let page = MyDayPage {
        layout: Layout::new("My day", &user.actor, &user.csrf, "/my-day"),
        overdue: day
            .overdue
            .iter()
            .map(|a| ActivityView::about(a, now, &titles))
            .collect(),
        today: day
            .today
            .iter()
            .map(|a| ActivityView::about(a, now, &titles))
            .collect(),
        deadlines,
        leads: day
            .untouched_leads
            .iter()
            .map(|l| LeadRow {
                id: l.id.to_string(),
                name: l.details.full_name(),
                company: l.details.company.clone().unwrap_or_default(),
                status: l.status.label().to_string(),
                last_change: when(l.meta.updated_at),
            })
            .collect(),
        stale_days: day.stale_days,
        notifications,
        back: "/my-day".into(),
    };
    render(StatusCode::OK, &page)
}

pub async fn notifications(State(s): State<AppState>, user: UiUser) -> Response {
    let notifications = match notification_views(&s, &user, 200, false).await {
        Ok(n) => n,
        Err(e) => return app_error_page(e),
    };
    let email = match s.app.notification_email(&user.actor).await {
        Ok(on) => on,
        Err(e) => return app_error_page(e),
    };
    let page = NotificationsPage {
        layout: Layout::new("Notifications", &user.actor, &user.csrf, "/my-day"),
        notifications,
        email,
        mail_server: s.app.mailer.is_some(),
    };
    render(StatusCode::OK, &page)
}

/// "E-mail me these too", on or off.
pub async fn set_email(
    State(s): State<AppState>,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let on = form.get("email").is_some_and(|v| v == "on");
    match s.app.set_notification_email(&user.actor, on).await {
        Ok(()) => Redirect::to("/notifications").into_response(),
        Err(e) => app_error_page(e),
    }
}

/// "Mark all read".
pub async fn mark_seen(State(s): State<AppState>, SignedForm { user, .. }: SignedForm) -> Response {
    match s.app.mark_notifications_seen(&user.actor).await {
        Ok(()) => Redirect::to("/notifications").into_response(),
        Err(e) => app_error_page(e),
    }
}
