//! The customer's invoices at `/portal/invoices/{id}/{token}`: the link an invoice was sent
//! with shows every posted invoice and credit note of that customer, what is paid and what is
//! open, with their PDFs.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use salesflow_app::invoice_portal::PortalInvoices;
use salesflow_domain::invoice::{InvoiceKind, InvoiceStatus};
use salesflow_domain::money::Money;
use uuid::Uuid;

use super::render;
use super::views::humanize;
use crate::AppState;
use crate::api::quotes::pdf_response;

pub struct Row {
    pub what: String,
    pub issued: String,
    pub due: String,
    pub total: String,
    pub open: String,
    pub status: String,
    pub status_label: String,
    pub pdf: String,
    pub linked: bool,
}

#[derive(Template)]
#[template(path = "portal_invoices.html")]
struct Page {
    title: String,
    company: String,
    customer: String,
    rows: Vec<Row>,
    /// Per currency, what is still open.
    open_total: String,
}

fn not_found() -> Response {
    super::portal::not_found()
}

fn page(view: &PortalInvoices, base: &str) -> Page {
    let rows: Vec<Row> = view
        .invoices
        .iter()
        .map(|i| {
            let money = |minor| Money::new(minor, i.currency).to_string();
            let kind = match i.kind {
                InvoiceKind::Invoice => "Invoice",
                InvoiceKind::CreditNote => "Credit note",
            };
            let open = match (i.kind, i.status) {
                (InvoiceKind::Invoice, InvoiceStatus::Posted | InvoiceStatus::PartiallyPaid) => {
                    money(i.outstanding_minor())
                }
                _ => "—".into(),
            };
            Row {
                what: format!("{kind} {}", i.number.clone().unwrap_or_default()),
                issued: i.issue_date.map(|d| d.to_string()).unwrap_or_default(),
                due: i.due_date.map(|d| d.to_string()).unwrap_or_default(),
                total: money(i.totals.payable_minor),
                open,
                status: i.status.as_str().into(),
                status_label: humanize(i.status.as_str()),
                pdf: format!("{base}/{}/pdf", i.id),
                linked: i.id == view.linked.id,
            }
        })
        .collect();
    let mut open: Vec<(salesflow_domain::money::Currency, i64)> = Vec::new();
    for i in view
        .invoices
        .iter()
        .filter(|i| i.kind == InvoiceKind::Invoice)
    {
        match open.iter_mut().find(|(c, _)| *c == i.currency) {
            Some((_, sum)) => *sum += i.outstanding_minor(),
            None => open.push((i.currency, i.outstanding_minor())),
        }
    }
    let open_total = open
        .iter()
        .map(|(currency, minor)| Money::new(*minor, *currency).to_string())
        .collect::<Vec<_>>()
        .join(" · ");
    Page {
        title: format!("Invoices for {}", view.account_name),
        company: view.company.name.clone(),
        customer: view.account_name.clone(),
        rows,
        open_total,
    }
}

pub async fn show(State(s): State<AppState>, Path((id, token)): Path<(Uuid, String)>) -> Response {
    match s.app.portal_invoices(id, &token).await {
        Ok(view) => render(
            StatusCode::OK,
            &page(&view, &format!("/portal/invoices/{id}/{token}")),
        ),
        Err(_) => not_found(),
    }
}

pub async fn pdf(
    State(s): State<AppState>,
    Path((id, token, which)): Path<(Uuid, String, Uuid)>,
) -> Response {
    match s.app.portal_invoice_pdf(id, &token, which).await {
        Ok((filename, bytes)) => pdf_response(&filename, bytes),
        Err(_) => not_found(),
    }
}
