//! Operations: health, Prometheus metrics, request ids, logging, limits and security headers.

use std::sync::OnceLock;
use std::time::{Duration, Instant};

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use serde_json::json;
use tower::ServiceBuilder;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::AppState;

/// Installs the process-wide Prometheus recorder once and returns its handle.
pub fn install_metrics() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets(&[
                    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
                ])
                .map(|b| b.build_recorder())
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
            let handle = recorder.handle();
            // Another recorder may exist in tests that embed several servers; keep the first.
            let _ = metrics::set_global_recorder(recorder);
            handle
        })
        .clone()
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_page))
}

async fn healthz(State(s): State<AppState>) -> Response {
    match s.app.store.ping().await {
        Ok(()) => {
            Json(json!({ "status": "ok", "database": s.app.store.backend() })).into_response()
        }
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(json!({ "status": "unavailable" })),
        )
            .into_response(),
    }
}

async fn metrics_page(State(s): State<AppState>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        s.metrics.render(),
    )
        .into_response()
}

/// Counts and times every request by route template and status; adds security headers.
pub async fn observe(State(_): State<AppState>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().to_string();
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let docs = request.uri().path().starts_with("/api/docs");
    // Public web-to-lead forms are meant to be embedded in other sites' pages.
    let embeddable = request.uri().path().starts_with("/f/");
    let mut response = next.run(request).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("http_requests_total", "method" => method.clone(), "route" => route.clone(), "status" => status).increment(1);
    metrics::histogram!("http_request_duration_seconds", "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    let headers = response.headers_mut();
    // Pages, exports, PDFs and API answers hold customer data and secrets (a new token, a
    // portal link): never kept by browsers or shared caches. Static assets say otherwise.
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !embeddable {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if embeddable {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; frame-ancestors *; form-action 'self'; base-uri 'none'"),
        );
    } else if !docs {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"),
        );
    }
    response
}

fn panic_response(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    tracing::error!("a request handler panicked");
    crate::error::api_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "something went wrong on our side; it has been logged",
    )
}

/// Requests handled at once by one server process; more wait briefly, then get 503.
const MAX_IN_FLIGHT: usize = 128;
/// How long a request waits for its turn before it is shed.
const TURN_WAIT: Duration = Duration::from_millis(100);

/// Layers around every route: request id, access log, panic guard, body limit, timeout, and
/// load shedding.
pub fn with_layers(router: Router) -> Router {
    let request_id = HeaderName::from_static("x-request-id");
    let turns = std::sync::Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let router = router
        .layer(axum::middleware::from_fn(move |request, next| {
            shed_load(turns.clone(), request, next)
        }))
        .layer(axum::middleware::from_fn(log_refusals));
    router.layer(
        ServiceBuilder::new()
            .layer(SetRequestIdLayer::new(request_id.clone(), MakeRequestUuid))
            .layer(TraceLayer::new_for_http().make_span_with(request_span))
            .layer(PropagateRequestIdLayer::new(request_id))
            .layer(CatchPanicLayer::custom(panic_response))
            .layer(axum::extract::DefaultBodyLimit::max(
                crate::api::DEFAULT_BODY,
            ))
            .layer(axum::middleware::from_fn(time_limit)),
    )
}

/// Overload is answered at once (503 `overloaded` + Retry-After) instead of queueing without
/// bound: the requests taken stay fast and memory stays flat. Health checks always get through.
async fn shed_load(
    turns: std::sync::Arc<tokio::sync::Semaphore>,
    request: Request,
    next: Next,
) -> Response {
    if request.uri().path() == "/healthz" {
        return next.run(request).await;
    }
    match tokio::time::timeout(TURN_WAIT, turns.acquire_owned()).await {
        Ok(Ok(_turn)) => next.run(request).await,
        _ => {
            metrics::counter!("salesflow_requests_shed_total").increment(1);
            let mut response = crate::error::api_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "overloaded",
                "the server is busy; try again in a moment",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            response
        }
    }
}

/// Requests get 30 seconds, except CSV imports, which take as long as their file needs (a cut
/// would leave a partial import behind).
async fn time_limit(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let import =
        path == "/api/v1/imports" || (path.starts_with("/imports/") && path.ends_with("/run"));
    if import {
        return next.run(request).await;
    }
    match tokio::time::timeout(Duration::from_secs(30), next.run(request)).await {
        Ok(response) => response,
        Err(_) => crate::error::api_error(
            StatusCode::SERVICE_UNAVAILABLE,
            "timeout",
            "the request took too long; try again",
        ),
    }
}

/// The access-log span of a request: its method and path, never the query (searches hold
/// personal data) and never a secret link token (RELIABILITY goal 28).
fn request_span<B>(request: &axum::http::Request<B>) -> tracing::Span {
    let id = request.headers().get("x-request-id");
    tracing::debug_span!(
        "request",
        id = id.and_then(|v| v.to_str().ok()).unwrap_or_default(),
        method = %request.method(),
        path = %loggable_path(request.uri().path()),
    )
}

/// Refused requests (403: a role that may not, a failed CSRF or origin check) are logged for
/// the security team, without the query or link tokens (RELIABILITY goal 27).
async fn log_refusals(request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = loggable_path(request.uri().path());
    let response = next.run(request).await;
    if response.status() == StatusCode::FORBIDDEN {
        tracing::warn!(target: "security", %method, %path, "request refused (403)");
    }
    response
}

/// `path` with every segment that looks like a link token (32 or more hex digits, no dashes:
/// portal links, invitation links) replaced by `…`; ids (UUIDs) stay, so requests can be traced.
pub fn loggable_path(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            let token = segment.len() >= 32 && segment.bytes().all(|b| b.is_ascii_hexdigit());
            if token { "…" } else { segment }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::loggable_path;

    #[test]
    fn link_tokens_never_reach_the_access_log() {
        let token = "9f".repeat(32);
        let id = "01a24632-70bb-7106-a3ab-02ae06acc6d9";
        assert_eq!(
            loggable_path(&format!("/portal/quotes/{id}/{token}/accept")),
            format!("/portal/quotes/{id}/…/accept")
        );
        assert_eq!(loggable_path(&format!("/f/{token}")), "/f/…");
        assert_eq!(
            loggable_path(&format!("/api/v1/leads/{id}")),
            format!("/api/v1/leads/{id}")
        );
        assert_eq!(loggable_path("/"), "/");
    }
}
