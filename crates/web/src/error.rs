//! Errors at the HTTP boundary: one JSON shape for the API (`{"errors":[{"code","detail"}]}`),
//! friendly pages for the UI. Internal details are logged, never sent.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use salesflow_app::AppError;
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub errors: Vec<ErrorItem>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorItem {
    /// Stable machine-readable code, e.g. `invalid_email`, `stale_version`, `not_found`.
    pub code: String,
    pub detail: String,
    /// The input field the error is about, for validation errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
}

/// At most this many validation errors are listed; the rest are counted in one more item.
const MAX_LISTED_ERRORS: usize = 50;
/// A detail longer than this is cut (it may quote the input).
const MAX_DETAIL_CHARS: usize = 300;

/// Validation errors as items: bounded in number and length whatever the input's size.
fn validation_items(errors: &[salesflow_domain::FieldError]) -> Vec<ErrorItem> {
    let cut = |text: String| -> String {
        if text.chars().count() <= MAX_DETAIL_CHARS {
            text
        } else {
            let kept: String = text.chars().take(MAX_DETAIL_CHARS).collect();
            format!("{kept}…")
        }
    };
    let mut items: Vec<ErrorItem> = errors
        .iter()
        .take(MAX_LISTED_ERRORS)
        .map(|e| ErrorItem {
            code: e.code.into(),
            detail: cut(format!("{} {}", e.field, e.message)),
            field: Some(cut(e.field.clone())),
        })
        .collect();
    if errors.len() > MAX_LISTED_ERRORS {
        items.push(ErrorItem {
            code: "more_errors".into(),
            detail: format!(
                "{} more errors not listed",
                errors.len() - MAX_LISTED_ERRORS
            ),
            field: None,
        });
    }
    items
}

/// The status, errors and extra headers of an application error.
pub fn describe(
    error: &AppError,
) -> (
    StatusCode,
    Vec<ErrorItem>,
    Option<(header::HeaderName, String)>,
) {
    let one = |code: &str, detail: String| {
        vec![ErrorItem {
            code: code.into(),
            detail,
            field: None,
        }]
    };
    match error {
        AppError::Unauthenticated => (
            StatusCode::UNAUTHORIZED,
            one(
                "unauthenticated",
                "sign in or send a valid API token".into(),
            ),
            None,
        ),
        AppError::Forbidden => (
            StatusCode::FORBIDDEN,
            one("forbidden", "your role may not do this".into()),
            None,
        ),
        AppError::Refused { code, detail } => {
            (StatusCode::FORBIDDEN, one(code, detail.clone()), None)
        }
        AppError::NotFound => (
            StatusCode::NOT_FOUND,
            one("not_found", "no such record".into()),
            None,
        ),
        AppError::Invalid(errors) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            validation_items(&errors.0),
            None,
        ),
        AppError::StaleVersion { .. } => (
            StatusCode::CONFLICT,
            one("stale_version", error.to_string()),
            None,
        ),
        AppError::Conflict { code, detail } => {
            (StatusCode::CONFLICT, one(code, detail.clone()), None)
        }
        AppError::RateLimited { retry_after_secs } => (
            StatusCode::TOO_MANY_REQUESTS,
            one("rate_limited", error.to_string()),
            Some((header::RETRY_AFTER, retry_after_secs.to_string())),
        ),
        AppError::Overloaded { retry_after_secs } => (
            StatusCode::SERVICE_UNAVAILABLE,
            one("overloaded", error.to_string()),
            Some((header::RETRY_AFTER, retry_after_secs.to_string())),
        ),
        AppError::Busy => (
            StatusCode::SERVICE_UNAVAILABLE,
            one("unavailable", error.to_string()),
            Some((header::RETRY_AFTER, "1".into())),
        ),
        AppError::Internal(message) => {
            tracing::error!(%message, "internal error");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                one(
                    "internal",
                    "something went wrong on our side; it has been logged".into(),
                ),
                None,
            )
        }
    }
}

/// An API error response.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl From<AppError> for ApiError {
    fn from(error: AppError) -> Self {
        Self(error)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, errors, extra) = describe(&self.0);
        let mut response = (status, Json(ErrorBody { errors })).into_response();
        if let Some((name, value)) = extra
            && let Ok(value) = HeaderValue::from_str(&value)
        {
            response.headers_mut().insert(name, value);
        }
        response
    }
}

pub fn api_error(status: StatusCode, code: &str, detail: impl Into<String>) -> Response {
    (
        status,
        Json(ErrorBody {
            errors: vec![ErrorItem {
                code: code.into(),
                detail: detail.into(),
                field: None,
            }],
        }),
    )
        .into_response()
}

/// Unknown routes: JSON under `/api`, a page elsewhere.
pub async fn not_found(uri: Uri) -> Response {
    if uri.path().starts_with("/api") {
        api_error(StatusCode::NOT_FOUND, "not_found", "no such route")
    } else {
        crate::ui::error_page(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is nothing at this address.",
        )
    }
}

/// A route asked with a method it does not take (e.g. creating an order directly: orders come
/// from accepted quotes).
pub async fn method_not_allowed(uri: Uri) -> Response {
    if uri.path().starts_with("/api") {
        api_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "this address does not take this method",
        )
    } else {
        crate::ui::error_page(
            StatusCode::METHOD_NOT_ALLOWED,
            "Not possible here",
            "This address does not take that kind of request.",
        )
    }
}

/// A 404 in the right format for the path.
pub fn not_found_for(path: &str) -> Response {
    if path.starts_with("/api") {
        api_error(StatusCode::NOT_FOUND, "not_found", "no such record")
    } else {
        crate::ui::error_page(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such record, or you may not see it.",
        )
    }
}
