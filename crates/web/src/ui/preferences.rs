//! Settings → Preferences: the user's own time zone, which every page shows times in.

use askama::Template;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::AppError;

use super::local_time::zone_cookie;
use crate::AppState;
use crate::session::{SignedForm, UiUser};
use crate::ui::views::{Layout, when};
use crate::ui::{app_error_page, render};

/// Zones offered in the field's suggestions; any IANA name is accepted.
const SUGGESTED: &[&str] = &[
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Berlin",
    "Europe/Paris",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Vienna",
    "Europe/Zurich",
    "Europe/Warsaw",
    "Europe/Helsinki",
    "Europe/Athens",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
];

#[derive(Template)]
#[template(path = "settings_preferences.html")]
struct PreferencesPage {
    layout: Layout,
    time_zone: String,
    error: Option<String>,
    suggested: &'static [&'static str],
    now: String,
}

fn page(s: &AppState, user: &UiUser, time_zone: String, error: Option<String>) -> Response {
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = PreferencesPage {
        layout: Layout::new(
            "Preferences",
            &user.actor,
            &user.csrf,
            "/settings/preferences",
        ),
        time_zone,
        error,
        suggested: SUGGESTED,
        now: when(s.app.now()),
    };
    render(status, &page)
}

pub async fn preferences_page(State(s): State<AppState>, user: UiUser) -> Response {
    match s.app.time_zone_of(user.actor.user_id).await {
        Ok(zone) => page(&s, &user, zone, None),
        Err(e) => app_error_page(e),
    }
}

pub async fn save_preferences(
    State(s): State<AppState>,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let typed = form.get("time_zone").cloned().unwrap_or_default();
    match s.app.set_time_zone(&user.actor, &typed).await {
        Ok(zone) => {
            let mut response = Redirect::to("/settings/preferences").into_response();
            response
                .headers_mut()
                .append(header::SET_COOKIE, zone_cookie(&zone, s.config.secure()));
            response
        }
        Err(AppError::Invalid(errors)) => {
            let message = errors.0.first().map(|e| e.message.clone());
            page(&s, &user, typed, message)
        }
        Err(e) => app_error_page(e),
    }
}
