//! Request extractors that reject in our error format.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use salesflow_app::{Actor, AppError};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::{ApiError, api_error};

/// The request id set by the request-id layer, for the audit trail.
/// A client may send its own id; only short, plain ones are kept.
pub fn request_id(parts: &Parts) -> Option<String> {
    request_id_of(&parts.headers)
}

/// The request id from headers (see `request_id`).
pub fn request_id_of(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_string)
}

/// The user behind a `Authorization: Bearer <token>` header.
pub struct ApiActor(pub Actor);

impl FromRequestParts<AppState> for ApiActor {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let unauthenticated = || {
            let mut response = ApiError(AppError::Unauthenticated).into_response();
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
            response
        };
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.len() <= 200)
            .ok_or_else(unauthenticated)?;
        match state.app.token_actor(token, request_id(parts)).await {
            Ok(Some(actor)) => Ok(Self(actor)),
            Ok(None) => Err(unauthenticated()),
            Err(error) => Err(ApiError(error).into_response()),
        }
    }
}

/// A JSON body; malformed or mistyped input answers 400/415/422 with our error body.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(value)) => Ok(Self(value)),
            Err(rejection) => {
                use axum::extract::rejection::JsonRejection as R;
                let (status, code) = match &rejection {
                    R::MissingJsonContentType(_) => {
                        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
                    }
                    R::JsonSyntaxError(_) => (StatusCode::BAD_REQUEST, "invalid_json"),
                    R::JsonDataError(_) => (StatusCode::UNPROCESSABLE_ENTITY, "invalid_body"),
                    R::BytesRejection(_) => (StatusCode::PAYLOAD_TOO_LARGE, "body_too_large"),
                    _ => (StatusCode::BAD_REQUEST, "invalid_body"),
                };
                Err(api_error(status, code, rejection.body_text()))
            }
        }
    }
}

/// Query-string parameters; bad ones answer 400 with our error body.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(Self(value)),
            Err(rejection) => Err(api_error(
                StatusCode::BAD_REQUEST,
                "invalid_query",
                rejection.body_text(),
            )),
        }
    }
}

/// A path id; anything that is not a UUID is simply not found.
pub struct PathId(pub uuid::Uuid);

impl<S: Send + Sync> FromRequestParts<S> for PathId {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let axum::extract::Path(raw) =
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map_err(|_| crate::error::not_found_for(parts.uri.path()))?;
        raw.parse()
            .map(Self)
            .map_err(|_| crate::error::not_found_for(parts.uri.path()))
    }
}
