use salesflow_domain::ValidationErrors;

use crate::ports::StoreError;

pub type AppResult<T> = Result<T, AppError>;

/// Every way a use case can fail; each maps to one HTTP status and a stable code.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthenticated,
    #[error("not allowed")]
    Forbidden,
    /// Not allowed this way, with the reason and a stable code.
    #[error("{detail}")]
    Refused { code: &'static str, detail: String },
    #[error("not found")]
    NotFound,
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error(
        "the record was changed by someone else since you loaded it (now at version {current})"
    )]
    StaleVersion { current: i64 },
    #[error("{detail}")]
    Conflict { code: &'static str, detail: String },
    #[error("too many attempts; try again in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("the server is busy; try again in {retry_after_secs} s")]
    Overloaded { retry_after_secs: u64 },
    #[error("the database is busy; try again")]
    Busy,
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    pub fn conflict(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Conflict {
            code,
            detail: detail.into(),
        }
    }

    pub fn refused(code: &'static str, detail: impl Into<String>) -> Self {
        Self::Refused {
            code,
            detail: detail.into(),
        }
    }

    pub fn invalid(field: &str, code: &'static str, message: impl Into<String>) -> Self {
        Self::Invalid(ValidationErrors::single(field, code, message))
    }
}

impl From<StoreError> for AppError {
    fn from(error: StoreError) -> Self {
        match error {
            StoreError::NotFound => AppError::NotFound,
            StoreError::VersionConflict { current } => AppError::StaleVersion { current },
            StoreError::Unique(what) => {
                AppError::conflict("already_exists", format!("{what} is already taken"))
            }
            StoreError::MissingReference => AppError::invalid(
                "reference",
                "unknown_reference",
                "refers to a record that does not exist",
            ),
            StoreError::InUse(what) => AppError::conflict("in_use", what),
            StoreError::Insufficient(what) => AppError::conflict("insufficient_stock", what),
            StoreError::Busy => AppError::Busy,
            StoreError::Other(message) => AppError::Internal(message),
        }
    }
}

impl From<salesflow_domain::FieldError> for AppError {
    fn from(error: salesflow_domain::FieldError) -> Self {
        Self::Invalid(ValidationErrors(vec![error]))
    }
}
