//! salesflow's HTTP front ends: the JSON API under `/api/v1`, the server-rendered UI, the
//! OpenAPI document, health and metrics. Both front ends call the same `salesflow-app`
//! functions, which enforce authorization.

mod api;
mod assets;
pub mod client_addr;
mod error;
mod extract;
mod ops;
mod resource;
mod session;
mod ui;

use std::sync::Arc;

use axum::Router;
use salesflow_app::App;

pub use api::openapi::openapi_document;
pub use ops::install_metrics;

/// Settings of the HTTP layer.
#[derive(Debug, Clone, Default)]
pub struct WebConfig {
    /// Mark cookies `Secure` (set when salesflow is served over HTTPS).
    pub secure_cookies: bool,
    /// How people outside reach the server, e.g. `https://crm.example.com`.
    pub public_url: String,
    /// Proxies whose forwarding header names the real client.
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// The header those proxies write (`X-Forwarded-For` unless configured otherwise).
    pub forwarded_header: client_addr::ForwardedHeader,
}

#[derive(Clone)]
pub struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub metrics: metrics_exporter_prometheus::PrometheusHandle,
}

impl WebConfig {
    /// Cookies are `Secure` when configured so or when people reach the server over HTTPS.
    pub fn secure(&self) -> bool {
        self.secure_cookies || self.public_url.starts_with("https://")
    }

    /// The session cookie's name: `__Host-` prefixed when secure, so no other site (or
    /// subdomain, or plain-HTTP page) can set or shadow it.
    pub fn session_cookie(&self) -> &'static str {
        if self.secure() {
            "__Host-sf_session"
        } else {
            session::SESSION_COOKIE
        }
    }

    /// The pre-sign-in CSRF cookie's name, prefixed like the session cookie.
    pub fn pre_session_cookie(&self) -> &'static str {
        if self.secure() {
            "__Host-sf_csrf"
        } else {
            session::PRE_SESSION_COOKIE
        }
    }
}

/// The whole HTTP application.
pub fn router(state: AppState) -> Router {
    let router = Router::new()
        .merge(api::routes())
        .merge(ui::routes())
        .merge(ops::routes())
        .merge(assets::routes())
        .merge(api::openapi::docs_routes())
        .fallback(error::not_found)
        .method_not_allowed_fallback(error::method_not_allowed)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api::idempotency::idempotent,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            ops::observe,
        ))
        .with_state(state);
    ops::with_layers(router)
}
