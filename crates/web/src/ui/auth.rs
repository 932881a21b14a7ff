//! Sign-in, sign-out and the first-run setup page.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::AppError;
use salesflow_app::auth::{MAX_EMAIL_CHARS, NewSession};
use salesflow_app::secret::new_secret;

use super::views::Layout;
use super::{app_error_page, render};
use crate::AppState;
use crate::client_addr::ClientAddress;
use crate::session::{SignedForm, check_csrf, clear_cookie, cookie, set_cookie};

type FormMap = Form<HashMap<String, String>>;

fn field<'a>(form: &'a HashMap<String, String>, name: &str) -> &'a str {
    form.get(name).map(String::as_str).unwrap_or_default()
}

/// Only plain local paths, so a crafted link cannot bounce a user to another site after
/// sign-in (no scheme, no `//host`, no backslashes, whitespace or control characters).
pub(crate) fn safe_next(next: &str) -> &str {
    let plain = next
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/-_.~?=&%+,".contains(&b));
    if plain && next.starts_with('/') && !next.starts_with("//") && next.len() <= 2000 {
        next
    } else {
        "/"
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    form_csrf: String,
    next: String,
    email: String,
    error: Option<String>,
}

/// Shows a pre-session form with a fresh double-submit CSRF token in a cookie.
fn with_pre_session_token(
    state: &AppState,
    status: StatusCode,
    build: impl FnOnce(String) -> Response,
) -> Response {
    let token = new_secret("");
    let mut response = build(token.clone());
    *response.status_mut() = status;
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            state.config.pre_session_cookie(),
            &token,
            state.config.secure(),
        ),
    );
    response
}

fn login_form(
    state: &AppState,
    status: StatusCode,
    next: &str,
    email: &str,
    error: Option<String>,
) -> Response {
    with_pre_session_token(state, status, |form_csrf| {
        render(
            status,
            &LoginPage {
                layout: Layout::bare("Sign in"),
                form_csrf,
                next: next.into(),
                email: email.into(),
                error,
            },
        )
    })
}

pub async fn login_page(
    State(s): State<AppState>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match s.app.needs_setup().await {
        Ok(true) => return Redirect::to("/setup").into_response(),
        Ok(false) => {}
        Err(error) => return app_error_page(error),
    }
    let next = safe_next(query.get("next").map(String::as_str).unwrap_or("/"));
    login_form(&s, StatusCode::OK, next, "", None)
}

fn pre_session_csrf(
    state: &AppState,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<(), crate::session::CsrfRefused> {
    let expected = cookie(headers, state.config.pre_session_cookie()).unwrap_or_default();
    let csrf = form.get("csrf").map(String::as_str);
    check_csrf(headers, csrf, &expected, &state.config.public_url)
}

/// To `next`, with the new session's cookie and the pre-sign-in CSRF cookie cleared.
async fn signed_in(s: &AppState, next: &str, session: &NewSession) -> Response {
    // Pages show times on the user's own clock from the first one on.
    let zone = s
        .app
        .time_zone_of(session.actor.user_id)
        .await
        .unwrap_or_else(|_| "UTC".into());
    let token = session.token.as_str();
    let mut response = Redirect::to(next).into_response();
    let headers = response.headers_mut();
    headers.append(
        header::SET_COOKIE,
        super::local_time::zone_cookie(&zone, s.config.secure()),
    );
    headers.append(
        header::SET_COOKIE,
        set_cookie(s.config.session_cookie(), token, s.config.secure()),
    );
    headers.append(
        header::SET_COOKIE,
        clear_cookie(s.config.pre_session_cookie(), s.config.secure()),
    );
    response
}

pub async fn login(
    State(s): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(form): FormMap,
) -> Response {
    if let Err(refused) = pre_session_csrf(&s, &headers, &form) {
        return refused.into_response();
    }
    let (email, next) = (field(&form, "email"), safe_next(field(&form, "next")));
    // Echo back at most what could be an address, never an oversized input.
    let shown: String = email.chars().take(MAX_EMAIL_CHARS).collect();
    match s.app.login(email, field(&form, "password"), client).await {
        Ok(session) => signed_in(&s, next, &session).await,
        Err(AppError::Unauthenticated) => login_form(
            &s,
            StatusCode::UNAUTHORIZED,
            next,
            &shown,
            Some("Wrong e-mail or password.".into()),
        ),
        Err(error @ (AppError::RateLimited { .. } | AppError::Overloaded { .. })) => {
            let (status, message, retry_after_secs) = match error {
                AppError::RateLimited { retry_after_secs } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Too many failed sign-ins. Try again in {} minutes.",
                        retry_after_secs.div_ceil(60)
                    ),
                    retry_after_secs,
                ),
                _ => (
                    StatusCode::SERVICE_UNAVAILABLE,
                    "Many people are signing in right now. Please try again in a moment.".into(),
                    1,
                ),
            };
            let mut response = login_form(&s, status, next, &shown, Some(message));
            if let Ok(value) = header::HeaderValue::from_str(&retry_after_secs.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            response
        }
        Err(error) => app_error_page(error),
    }
}

pub async fn logout(State(s): State<AppState>, SignedForm { user, .. }: SignedForm) -> Response {
    if let Err(error) = s.app.logout(&user.token).await {
        return app_error_page(error);
    }
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        clear_cookie(s.config.session_cookie(), s.config.secure()),
    );
    response
}

#[derive(Template)]
#[template(path = "setup.html")]
struct SetupPage {
    layout: Layout,
    form_csrf: String,
    name: String,
    email: String,
    errors: Vec<String>,
}

fn setup_form(
    state: &AppState,
    status: StatusCode,
    name: &str,
    email: &str,
    errors: Vec<String>,
) -> Response {
    with_pre_session_token(state, status, |form_csrf| {
        render(
            status,
            &SetupPage {
                layout: Layout::bare("Set up salesflow"),
                form_csrf,
                name: name.into(),
                email: email.into(),
                errors,
            },
        )
    })
}

pub async fn setup_page(State(s): State<AppState>) -> Response {
    match s.app.needs_setup().await {
        Ok(true) => setup_form(&s, StatusCode::OK, "", "", vec![]),
        Ok(false) => Redirect::to("/login").into_response(),
        Err(error) => app_error_page(error),
    }
}

pub async fn setup(
    State(s): State<AppState>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(form): FormMap,
) -> Response {
    if let Err(refused) = pre_session_csrf(&s, &headers, &form) {
        return refused.into_response();
    }
    let (name, email, password) = (
        field(&form, "name"),
        field(&form, "email"),
        field(&form, "password"),
    );
    match s.app.setup_first_admin(email, name, password).await {
        Ok(_) => match s.app.login(email, password, client).await {
            Ok(session) => signed_in(&s, "/", &session).await,
            Err(error) => app_error_page(error),
        },
        Err(AppError::Invalid(errors)) => {
            let messages = errors
                .0
                .iter()
                .map(|e| format!("{}: {}", super::views::humanize(&e.field), e.message))
                .collect();
            setup_form(&s, StatusCode::UNPROCESSABLE_ENTITY, name, email, messages)
        }
        Err(AppError::Conflict { .. }) => Redirect::to("/login").into_response(),
        Err(error) => app_error_page(error),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(
            safe_next("/leads?status=new&q=a%20b"),
            "/leads?status=new&q=a%20b"
        );
        for bad in [
            "//evil.example",
            "/\\evil.example",
            "/%09/evil.example\t",
            "/\t/evil.example",
            "https://evil.example",
            "/a\nb",
            "leads",
            "",
        ] {
            assert_eq!(safe_next(bad), "/", "{bad:?}");
        }
    }
}
