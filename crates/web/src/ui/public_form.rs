//! The public web-to-lead form at `/f/{token}`: no sign-in, no session, embeddable in other
//! sites. Submissions become leads; robots that fill the hidden honeypot field are thanked and
//! ignored; too many submissions from one address are refused for a while.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use salesflow_app::AppError;
use salesflow_app::web_forms::Submitted;
use salesflow_domain::web_form::{HONEYPOT, UTM_KEYS, WebForm};

use super::render;
use crate::AppState;
use crate::client_addr::ClientAddress;
use crate::extract::request_id_of;

pub struct PublicField {
    pub name: String,
    pub label: &'static str,
    pub required: bool,
    pub value: String,
    pub error: Option<String>,
    pub long: bool,
}

#[derive(Template)]
#[template(path = "public_form.html")]
struct PublicFormPage {
    title: String,
    action: String,
    fields: Vec<PublicField>,
    utm: Vec<(&'static str, String)>,
    honeypot: &'static str,
    problem: Option<String>,
}

#[derive(Template)]
#[template(path = "public_thanks.html")]
struct ThanksPage {
    title: String,
    message: String,
}

fn page(
    form: &WebForm,
    values: &HashMap<String, String>,
    errors: &HashMap<String, String>,
    problem: Option<String>,
) -> PublicFormPage {
    PublicFormPage {
        title: form.details.name.to_string(),
        action: format!("/f/{}", form.token),
        fields: form
            .details
            .fields
            .iter()
            .map(|f| PublicField {
                name: f.field.clone(),
                label: f.label(),
                required: f.required,
                value: values.get(&f.field).cloned().unwrap_or_default(),
                error: errors.get(&f.field).cloned(),
                long: f.field == "notes",
            })
            .collect(),
        utm: UTM_KEYS
            .iter()
            .filter_map(|k| values.get(*k).map(|v| (*k, v.clone())))
            .collect(),
        honeypot: HONEYPOT,
        problem,
    }
}

fn not_found() -> Response {
    super::error_page(
        StatusCode::NOT_FOUND,
        "Form not found",
        "This form does not exist or is no longer active.",
    )
}

/// The form, with UTM parameters of the page's address carried along in hidden fields.
pub async fn show(
    State(s): State<AppState>,
    Path(token): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    match s.app.public_form(&token).await {
        Ok(form) => render(StatusCode::OK, &page(&form, &query, &HashMap::new(), None)),
        Err(_) => not_found(),
    }
}

pub async fn submit(
    State(s): State<AppState>,
    Path(token): Path<String>,
    ClientAddress(client): ClientAddress,
    headers: HeaderMap,
    Form(values): Form<HashMap<String, String>>,
) -> Response {
    let address = client.to_string();
    let result = s
        .app
        .submit_web_form(&token, &values, &address, request_id_of(&headers))
        .await;
    match result {
        Ok((form, Submitted::Lead(_) | Submitted::Ignored)) => render(
            StatusCode::OK,
            &ThanksPage {
                title: form.details.name.to_string(),
                message: form.details.thank_you.clone(),
            },
        ),
        Err(AppError::NotFound) => not_found(),
        Err(AppError::Invalid(errors)) => {
            let Ok(form) = s.app.public_form(&token).await else {
                return not_found();
            };
            let by_field = errors
                .0
                .iter()
                .map(|e| (e.field.clone(), e.message.clone()))
                .collect();
            let problem = Some("Please check the marked fields.".to_string());
            render(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&form, &values, &by_field, problem),
            )
        }
        Err(AppError::RateLimited { retry_after_secs }) => {
            let mut response = super::error_page(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many submissions",
                "We received several messages from your address just now. Please try again in a few minutes.",
            );
            if let Ok(v) = retry_after_secs.to_string().parse() {
                response.headers_mut().insert("retry-after", v);
            }
            response
        }
        Err(e) => super::app_error_page(e).into_response(),
    }
}
