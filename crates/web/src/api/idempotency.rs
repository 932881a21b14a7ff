//! `Idempotency-Key` on every API POST (payments, invoice posting, order confirmation,
//! shipments, …): the first request's answer is stored and every retry with the same key gets
//! it back (status and body); a retry while the first is still running waits for it; the same key
//! with another request (method, path, query or body) is refused with 422. Keys belong to the signed-in
//! principal, so two users never see each other's answers. A first request that never answered
//! (killed server, lost client, failed database) is run again by a retry after its lease only
//! if none of its writes committed; otherwise the retry gets 409 `idempotency_key_applied`.

use std::time::Duration;

use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use salesflow_app::ports::Claim;

use crate::AppState;
use crate::error::{ApiError, api_error};
use crate::extract::ApiActor;

/// How long a retry waits for the first request with its key.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);

fn replayed(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    response
}

/// The middleware (see the module documentation); requests without a key pass through.
pub async fn idempotent(State(s): State<AppState>, request: Request, next: Next) -> Response {
    let key = request
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let Some(key) = key
        .filter(|_| request.method() == Method::POST && request.uri().path().starts_with("/api/"))
    else {
        return next.run(request).await;
    };
    let (mut parts, body) = request.into_parts();
    let actor = match ApiActor::from_request_parts(&mut parts, &s).await {
        Ok(ApiActor(actor)) => actor,
        Err(refused) => return refused,
    };
    // The route's own limit, read before routing: a key never lifts it.
    let Ok(bytes) = axum::body::to_bytes(body, super::body_limit(parts.uri.path())).await else {
        return api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body is too large",
        );
    };
    // The query is part of the request (an import's `kind`, say).
    let target = parts.uri.path_and_query().map_or("", |p| p.as_str());
    let request_text = format!(
        "{} {target}\n{}",
        parts.method,
        String::from_utf8_lossy(&bytes)
    );
    let hash = salesflow_app::secret::hash_secret(&request_text);
    let started = std::time::Instant::now();
    loop {
        match s.app.claim_idempotency_key(&actor, &key, &hash).await {
            Err(e) => return ApiError(e).into_response(),
            Ok(Claim::Mismatch) => {
                return api_error(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used for a different request",
                );
            }
            Ok(Claim::Replay { status, body }) => return replayed(status, body),
            Ok(Claim::InProgress) if started.elapsed() < WAIT_FOR_FIRST => {
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            Ok(Claim::InProgress) => {
                return api_error(
                    StatusCode::CONFLICT,
                    "idempotency_in_progress",
                    "the first request with this Idempotency-Key is still running; retry",
                );
            }
            Ok(Claim::Applied) => {
                return api_error(
                    StatusCode::CONFLICT,
                    "idempotency_key_applied",
                    "the first request with this Idempotency-Key took effect but its answer was \
                     lost (the server stopped); look the record up instead of retrying",
                );
            }
            Ok(Claim::New) => {
                let request = next.run(Request::from_parts(parts, Body::from(bytes)));
                let response = s.app.under_key(&actor, &key, request).await;
                let (head, body) = response.into_parts();
                let body = axum::body::to_bytes(body, usize::MAX)
                    .await
                    .unwrap_or_default();
                // Server errors are not answers: the key is freed for a retry.
                let kept = if head.status.is_server_error() {
                    s.app.drop_idempotency_key(&actor, &key).await
                } else {
                    let text = String::from_utf8_lossy(&body);
                    s.app
                        .finish_idempotency_key(&actor, &key, head.status.as_u16(), &text)
                        .await
                };
                if let Err(e) = kept {
                    tracing::warn!(error = %e, "idempotency key not recorded");
                }
                return Response::from_parts(head, Body::from(body));
            }
        }
    }
}
