//! Browser sessions: the session cookie, the signed-in-user extractor and CSRF checks.
//!
//! The cookie holds a 256-bit random secret; the database keeps only its hash. Every
//! state-changing form carries the session's CSRF token (synchronizer token), and a cross-site
//! `Origin` is refused outright.

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::Actor;

use crate::AppState;
use crate::extract::request_id;

pub const SESSION_COOKIE: &str = "sf_session";
/// CSRF token for the forms shown before sign-in (login, first-run setup): double-submit.
pub const PRE_SESSION_COOKIE: &str = "sf_csrf";

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

pub fn set_cookie(name: &str, value: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

pub fn clear_cookie(name: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{name}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"
    ))
    .unwrap_or(HeaderValue::from_static(""))
}

fn constant_time_eq(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

/// `https://crm.example.com:8443/x` → `crm.example.com:8443`.
fn authority(url: &str) -> &str {
    url.split("://")
        .nth(1)
        .unwrap_or("")
        .split('/')
        .next()
        .unwrap_or("")
}

/// A browser request from another site: its `Origin` (or `Referer`) names neither the host
/// the request was sent to nor the public address (`public_url`; a proxy in front may rewrite
/// the `Host` header).
pub fn cross_site(headers: &HeaderMap, public_url: &str) -> bool {
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let public = Some(authority(public_url)).filter(|a| !a.is_empty());
    if host.is_none() && public.is_none() {
        return false;
    }
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    match source {
        None | Some("null") => source.is_some(),
        Some(url) => {
            let source = authority(url);
            Some(source) != host && Some(source) != public
        }
    }
}

/// A refused state-changing request (missing or wrong CSRF token, or cross-site).
#[derive(Debug)]
pub struct CsrfRefused;

impl IntoResponse for CsrfRefused {
    fn into_response(self) -> Response {
        crate::ui::error_page(
            StatusCode::FORBIDDEN,
            "Request refused",
            "The form was stale or came from another site. Go back, reload the page and try again.",
        )
    }
}

/// Checks the CSRF token sent with a form (field `csrf`) or by htmx (header `X-CSRF-Token`).
pub fn check_csrf(
    headers: &HeaderMap,
    form_token: Option<&str>,
    expected: &str,
    public_url: &str,
) -> Result<(), CsrfRefused> {
    let sent = form_token.or_else(|| headers.get("x-csrf-token").and_then(|v| v.to_str().ok()));
    let valid = sent.is_some_and(|t| !expected.is_empty() && constant_time_eq(t, expected));
    if cross_site(headers, public_url) || !valid {
        tracing::warn!(target: "security", "csrf check failed");
        return Err(CsrfRefused);
    }
    Ok(())
}

/// The signed-in user of a UI request.
pub struct UiUser {
    pub actor: Actor,
    pub csrf: String,
    pub token: String,
}

impl FromRequestParts<AppState> for UiUser {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let to_login = || {
            let next = parts
                .uri
                .path_and_query()
                .map(|p| p.as_str())
                .unwrap_or("/");
            let target = format!("/login?next={}", urlencode(next));
            if parts.headers.contains_key("hx-request") {
                ([("hx-redirect", target)], StatusCode::UNAUTHORIZED).into_response()
            } else {
                Redirect::to(&target).into_response()
            }
        };
        let Some(token) = cookie(&parts.headers, state.config.session_cookie())
            .filter(|t| !t.is_empty() && t.len() <= 200)
        else {
            return Err(to_login());
        };
        match state.app.session_actor(&token, request_id(parts)).await {
            Ok(Some((actor, csrf))) => Ok(Self { actor, csrf, token }),
            Ok(None) => Err(to_login()),
            Err(error) => Err(crate::ui::app_error_page(error)),
        }
    }
}

pub fn urlencode(raw: &str) -> String {
    raw.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// A form posted by a signed-in user, accepted only with the session's CSRF token from the same
/// site. Every state-changing UI route takes its input through this extractor.
pub struct SignedForm {
    pub user: UiUser,
    pub form: std::collections::HashMap<String, String>,
}

impl axum::extract::FromRequest<AppState> for SignedForm {
    type Rejection = Response;

    async fn from_request(
        request: axum::extract::Request,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = request.into_parts();
        let user = UiUser::from_request_parts(&mut parts, state).await?;
        let headers = parts.headers.clone();
        let request = axum::extract::Request::from_parts(parts, body);
        let axum::Form(form) =
            axum::Form::<std::collections::HashMap<String, String>>::from_request(request, state)
                .await
                .map_err(IntoResponse::into_response)?;
        let public_url = &state.config.public_url;
        check_csrf(
            &headers,
            form.get("csrf").map(String::as_str),
            &user.csrf,
            public_url,
        )
        .map_err(IntoResponse::into_response)?;
        Ok(Self { user, form })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cross_site_detection() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("crm.example.com"));
        assert!(!cross_site(&h, ""));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://crm.example.com"),
        );
        assert!(!cross_site(&h, ""));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(cross_site(&h, ""));
        h.insert(header::ORIGIN, HeaderValue::from_static("null"));
        assert!(cross_site(&h, ""));
    }

    #[test]
    fn a_proxy_rewriting_host_is_fine_with_public_url() {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_static("10.0.0.5:8080"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://crm.example.com"),
        );
        assert!(cross_site(&h, ""), "without public_url: refused");
        assert!(!cross_site(&h, "https://crm.example.com"));
        assert!(!cross_site(&h, "https://crm.example.com/"));
        h.insert(
            header::ORIGIN,
            HeaderValue::from_static("https://evil.example"),
        );
        assert!(cross_site(&h, "https://crm.example.com"));
        h.remove(header::HOST);
        assert!(cross_site(&h, "https://crm.example.com"));
    }

    #[test]
    fn csrf_needs_the_exact_token() {
        let h = HeaderMap::new();
        assert!(check_csrf(&h, Some("abc"), "abc", "").is_ok());
        assert!(check_csrf(&h, Some("abd"), "abc", "").is_err());
        assert!(check_csrf(&h, None, "abc", "").is_err());
        assert!(check_csrf(&h, Some(""), "", "").is_err());
    }
}
