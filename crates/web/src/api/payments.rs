//! Recording payments (retries with an `Idempotency-Key` are answered by `idempotency`).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use salesflow_domain::payment::PaymentInput;
use serde_json::{Value, json};

use crate::AppState;
use crate::error::ApiError;
use crate::extract::{ApiActor, ApiJson};

pub async fn create(
    State(s): State<AppState>,
    ApiActor(actor): ApiActor,
    ApiJson(input): ApiJson<PaymentInput>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    let payment = s.app.record_payment(&actor, &input).await?;
    Ok((StatusCode::CREATED, Json(json!({ "payment": payment }))))
}
