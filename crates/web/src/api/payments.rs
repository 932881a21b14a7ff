//! Recording payments, with `Idempotency-Key`: the first request's answer is stored and every
//! retry with the same key and body gets it back (status and body); a retry while the first is
//! still running waits for it; the same key with another body is refused (422).

use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use salesflow_app::Actor;
use salesflow_app::ports::Claim;
use salesflow_domain::payment::PaymentInput;
use serde_json::json;

use crate::AppState;
use crate::error::{ApiError, api_error};
use crate::extract::ApiActor;

/// How long a retry waits for the first request with its key.
const WAIT_FOR_FIRST: Duration = Duration::from_secs(10);

async fn record(s: &AppState, actor: &Actor, body: &[u8]) -> (StatusCode, String) {
    let input: PaymentInput = match serde_json::from_slice(body) {
        Ok(i) => i,
        Err(e) => {
            let body = json!({ "errors": [{ "code": "invalid_body", "detail": e.to_string() }] });
            return (StatusCode::BAD_REQUEST, body.to_string());
        }
    };
    match s.app.record_payment(actor, &input).await {
        Ok(payment) => (
            StatusCode::CREATED,
            json!({ "payment": payment }).to_string(),
        ),
        Err(e) => {
            let response = ApiError(e).into_response();
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
                .await
                .unwrap_or_default();
            (status, String::from_utf8_lossy(&bytes).into_owned())
        }
    }
}

fn json_response(status: StatusCode, body: String, replayed: bool) -> Response {
    let mut response = (status, [(header::CONTENT_TYPE, "application/json")], body).into_response();
    if replayed {
        response
            .headers_mut()
            .insert("idempotent-replayed", HeaderValue::from_static("true"));
    }
    response
}

pub async fn create(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(key) = headers
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
    else {
        let (status, body) = record(&s, &actor, &body).await;
        return json_response(status, body, false);
    };
    let hash = salesflow_app::secret::hash_secret(&String::from_utf8_lossy(&body));
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
            Ok(Claim::Replay { status, body }) => {
                let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
                return json_response(status, body, true);
            }
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
            Ok(Claim::New) => {
                let (status, body) = record(&s, &actor, &body).await;
                // Server errors are not answers: the key is freed for a retry.
                let kept = if status.is_server_error() {
                    s.app.drop_idempotency_key(&actor, &key).await
                } else {
                    s.app
                        .finish_idempotency_key(&actor, &key, status.as_u16(), &body)
                        .await
                };
                if let Err(e) = kept {
                    tracing::warn!(error = %e, "idempotency key not recorded");
                }
                return json_response(status, body, false);
            }
        }
    }
}
