//! The customer portal at `/portal/quotes/{id}/{token}`: the quote without an account, and
//! the customer's answers (accept with a typed signature, ask for changes, decline).

use std::net::IpAddr;

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::AppError;
use salesflow_app::portal::{PortalAnswer, PortalQuote};
use salesflow_domain::quote::QuoteStatus;
use uuid::Uuid;

use super::doc_view::DocView;
use super::{error_page, render};
use crate::AppState;
use crate::api::quotes::pdf_response;
use crate::client_addr::ClientAddress;

#[derive(Template)]
#[template(path = "portal_quote.html")]
struct PortalPage {
    title: String,
    company: String,
    customer: String,
    number: String,
    revision: u32,
    valid_until: String,
    doc: DocView,
    terms: Option<String>,
    base: String,
    open: bool,
    accepted: bool,
    signed_by: String,
    signed_at: String,
    order: Option<String>,
    closed_note: String,
    message: Option<String>,
    problem: Option<String>,
}

pub(super) fn not_found() -> Response {
    error_page(
        StatusCode::NOT_FOUND,
        "Link not found",
        "This link does not exist, has expired or was replaced by a newer one. Ask your contact for a new link.",
    )
}

fn page(
    view: &PortalQuote,
    base: String,
    message: Option<String>,
    problem: Option<String>,
) -> PortalPage {
    let q = &view.quote;
    let d = &q.details;
    let answer = q.answer.as_ref().filter(|a| a.kind == "accepted");
    let closed_note = match q.status {
        QuoteStatus::Declined => {
            "You declined this quote. Thank you for letting us know.".to_string()
        }
        QuoteStatus::Expired => format!(
            "This quote expired on {}. Ask us for a new one.",
            d.valid_until
        ),
        QuoteStatus::Superseded => {
            "A newer quote replaced this one; please use the link in our latest e-mail.".to_string()
        }
        QuoteStatus::ChangesRequested => {
            "Thank you — we are preparing a revised quote.".to_string()
        }
        _ if view.past_validity => format!(
            "This quote expired on {}. Ask us for a new one.",
            d.valid_until
        ),
        _ => "We are revising this quote; you will get the new version by e-mail.".to_string(),
    };
    PortalPage {
        title: d.title.to_string(),
        company: view.company.name.clone(),
        customer: view.account_name.clone(),
        number: q.number.clone().unwrap_or_default(),
        revision: q.revision,
        valid_until: d.valid_until.to_string(),
        doc: DocView::new(&d.lines, &d.totals, d.currency, d.price_mode),
        terms: d.terms.clone(),
        base,
        open: q.status == QuoteStatus::Sent && !view.past_validity,
        accepted: answer.is_some(),
        signed_by: answer
            .and_then(|a| a.signed_name.clone())
            .unwrap_or_default(),
        signed_at: answer
            .map(|a| a.at.strftime("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_default(),
        order: view.order.as_ref().map(|o| o.number.clone()),
        closed_note,
        message,
        problem,
    }
}

fn base(id: Uuid, token: &str) -> String {
    format!("/portal/quotes/{id}/{token}")
}

pub async fn show(State(s): State<AppState>, Path((id, token)): Path<(Uuid, String)>) -> Response {
    match s.app.portal_quote(id, &token).await {
        Ok(view) => render(StatusCode::OK, &page(&view, base(id, &token), None, None)),
        Err(_) => not_found(),
    }
}

pub async fn pdf(State(s): State<AppState>, Path((id, token)): Path<(Uuid, String)>) -> Response {
    match s.app.portal_pdf(id, &token).await {
        Ok((filename, bytes)) => pdf_response(&filename, bytes),
        Err(_) => not_found(),
    }
}

/// Shows the outcome of an answer: back to the page, or the page with the problem.
async fn answered(s: &AppState, id: Uuid, token: &str, result: Result<(), AppError>) -> Response {
    let problem = match result {
        Ok(()) => return Redirect::to(&base(id, token)).into_response(),
        Err(AppError::NotFound) => return not_found(),
        Err(AppError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors.to_string()),
        Err(AppError::Conflict { detail, .. }) => (StatusCode::CONFLICT, detail),
        Err(other) => return super::app_error_page(other),
    };
    match s.app.portal_quote(id, token).await {
        Ok(view) => render(
            problem.0,
            &page(&view, base(id, token), None, Some(problem.1)),
        ),
        Err(_) => not_found(),
    }
}

/// The three answers a customer can give.
#[derive(Clone, Copy)]
enum Answer {
    Accept,
    RequestChanges,
    Decline,
}

async fn answer(
    s: &AppState,
    (id, token): (Uuid, String),
    client: IpAddr,
    form: PortalAnswer,
    kind: Answer,
) -> Response {
    let ip = Some(client.to_string());
    let app = &s.app;
    let result = match kind {
        Answer::Accept => app.portal_accept(id, &token, &form, ip).await.map(|_| ()),
        Answer::RequestChanges => app
            .portal_request_changes(id, &token, &form, ip)
            .await
            .map(|_| ()),
        Answer::Decline => app.portal_decline(id, &token, &form, ip).await.map(|_| ()),
    };
    answered(s, id, &token, result).await
}

pub async fn accept(
    State(s): State<AppState>,
    Path(link): Path<(Uuid, String)>,
    ClientAddress(client): ClientAddress,
    Form(form): Form<PortalAnswer>,
) -> Response {
    answer(&s, link, client, form, Answer::Accept).await
}

pub async fn request_changes(
    State(s): State<AppState>,
    Path(link): Path<(Uuid, String)>,
    ClientAddress(client): ClientAddress,
    Form(form): Form<PortalAnswer>,
) -> Response {
    answer(&s, link, client, form, Answer::RequestChanges).await
}

pub async fn decline(
    State(s): State<AppState>,
    Path(link): Path<(Uuid, String)>,
    ClientAddress(client): ClientAddress,
    Form(form): Form<PortalAnswer>,
) -> Response {
    answer(&s, link, client, form, Answer::Decline).await
}
