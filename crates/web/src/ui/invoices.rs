//! The invoice page: lines and totals, posting, credit notes, PDF and UBL downloads.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::invoices::PostInvoice;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::invoice::{Invoice, InvoiceKind, InvoiceStatus};
use salesflow_domain::money::Money;
use salesflow_domain::payment::{AllocationInput, PaymentInput};

use super::doc_view::DocView;
use super::records::account_link;
use super::views::{EventView, Layout, humanize, names};
use super::{app_error_page, render};
use crate::AppState;
use crate::api::invoices::xml_response;
use crate::api::quotes::pdf_response;
use crate::extract::PathId;
use crate::resource::WebResource;
use crate::session::{SignedForm, UiUser};

#[derive(Template)]
#[template(path = "invoice.html")]
struct InvoicePage {
    layout: Layout,
    id: String,
    heading: String,
    status: String,
    status_label: String,
    version: i64,
    facts: Vec<(&'static str, String, Option<String>)>,
    doc: DocView,
    can_post: bool,
    can_credit: bool,
    /// The outstanding amount, offered as the payment's amount.
    pay_amount: Option<String>,
    today: String,
    posted: bool,
    timeline: Vec<EventView>,
    /// Why posting was refused (what the e-invoice still needs), shown above the document.
    problems: Vec<String>,
    /// A customer link just made, shown once to copy.
    customer_link: Option<String>,
    can_share: bool,
}

pub async fn show(State(s): State<AppState>, user: UiUser, PathId(id): PathId) -> Response {
    page(&s, &user, id, Vec::new(), None, StatusCode::OK).await
}

/// "Customer link": a new link to the customer's invoices, shown on the page to copy.
pub async fn share_link(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, .. }: SignedForm,
) -> Response {
    match s.app.share_invoice_link(&user.actor, id).await {
        Ok(url) => page(&s, &user, id, Vec::new(), Some(url), StatusCode::OK).await,
        Err(e) => app_error_page(e),
    }
}

/// The field of a refusal as people read it, with where to fix it.
fn problem_text(field: &str, message: &str) -> String {
    let place = match field {
        "seller_vat_id" | "seller_registration_id" | "seller_country" => {
            " — Settings → Quotes and taxes"
        }
        "buyer_vat_id" | "buyer_country" => " — on the customer's account",
        _ => "",
    };
    format!("{message}{place}")
}

async fn page(
    s: &AppState,
    user: &UiUser,
    id: uuid::Uuid,
    problems: Vec<String>,
    customer_link: Option<String>,
    status: StatusCode,
) -> Response {
    use salesflow_app::entity::Entity;
    let s = s.clone();
    let actor = &user.actor;
    let i: Invoice = match s.app.get(actor, id).await {
        Ok(i) => i,
        Err(e) => return app_error_page(e),
    };
    let (events, names) = match (s.app.timeline::<Invoice>(actor, id).await, names(&s).await) {
        (Ok(e), Ok(n)) => (e, n),
        (Err(e), _) | (_, Err(e)) => return app_error_page(e),
    };
    let money = |minor| Money::new(minor, i.currency).display();
    let mut facts = vec![
        account_link(&s, actor, &i.account_id.to_string()).await,
        (
            "Order",
            i.order_number.clone(),
            Some(format!("/orders/{}", i.order_id)),
        ),
        (
            "Date",
            i.issue_date
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into()),
            None,
        ),
        (
            "Due",
            i.due_date
                .map(|d| d.to_string())
                .unwrap_or_else(|| "—".into()),
            None,
        ),
        ("Paid", money(i.paid_minor), None),
        ("Outstanding", money(i.outstanding_minor()), None),
    ];
    if let (Some(n), Some(o)) = (&i.credit_of_number, i.credit_of) {
        facts.push(("Corrects", n.clone(), Some(format!("/invoices/{o}"))));
    }
    let posted = i.status.is_posted();
    let page = InvoicePage {
        layout: Layout::new(&i.display_name(), actor, &user.csrf, "/invoices"),
        id: i.id.to_string(),
        heading: i.display_name(),
        status: i.status.as_str().into(),
        status_label: humanize(i.status.as_str()),
        version: i.meta.version,
        facts,
        doc: DocView::new(&i.lines, &i.totals, i.currency, i.price_mode),
        can_post: i.status == InvoiceStatus::Draft && actor.can(Resource::Invoice, Action::Update),
        can_credit: posted
            && i.kind == InvoiceKind::Invoice
            && actor.can(Resource::Invoice, Action::Create),
        pay_amount: (i.kind == InvoiceKind::Invoice
            && matches!(
                i.status,
                InvoiceStatus::Posted | InvoiceStatus::PartiallyPaid
            )
            && i.outstanding_minor() > 0
            && actor.can(Resource::Invoice, Action::Create))
        .then(|| Money::new(i.outstanding_minor(), i.currency).amount_text()),
        today: s.app.today().to_string(),
        posted,
        timeline: events.iter().map(|e| EventView::new(e, &names)).collect(),
        problems,
        customer_link,
        can_share: posted && actor.can(Resource::Invoice, Action::Create),
    };
    render(status, &page)
}

pub async fn post(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let request = PostInvoice {
        version: form
            .get("version")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
    };
    match s.app.post_invoice(&user.actor, id, &request).await {
        Ok(_) => Redirect::to(&format!("/{}/{id}", Invoice::PATH)).into_response(),
        // Shown on the invoice itself, with where each missing piece is entered.
        Err(salesflow_app::AppError::Invalid(errors)) => {
            let problems = errors
                .0
                .iter()
                .map(|e| problem_text(&e.field, &e.message))
                .collect();
            page(
                &s,
                &user,
                id,
                problems,
                None,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        Err(e) => app_error_page(e),
    }
}

pub async fn credit(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, .. }: SignedForm,
) -> Response {
    match s.app.credit_invoice(&user.actor, id).await {
        Ok(note) => Redirect::to(&format!("/invoices/{}", note.id)).into_response(),
        Err(e) => app_error_page(e),
    }
}

/// "Record payment" on the invoice page: a payment of the account, allocated to this invoice.
pub async fn pay(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let invoice: Invoice = match s.app.get(&user.actor, id).await {
        Ok(i) => i,
        Err(e) => return app_error_page(e),
    };
    let field = |name: &str| form.get(name).cloned().filter(|v| !v.trim().is_empty());
    let input = PaymentInput {
        account_id: invoice.account_id.to_string(),
        amount: field("amount").unwrap_or_default(),
        currency: Some(invoice.currency.code().to_string()),
        received_on: field("received_on"),
        method: field("method"),
        reference: field("reference"),
        invoices: Some(vec![AllocationInput {
            invoice_id: id.to_string(),
            amount: None,
        }]),
    };
    match s.app.record_payment(&user.actor, &input).await {
        Ok(_) => Redirect::to(&format!("/invoices/{id}")).into_response(),
        Err(e) => app_error_page(e),
    }
}

pub async fn pdf(State(s): State<AppState>, user: UiUser, PathId(id): PathId) -> Response {
    match s.app.invoice_pdf(&user.actor, id).await {
        Ok((name, bytes)) => pdf_response(&name, bytes),
        Err(e) => app_error_page(e),
    }
}

#[derive(Template)]
#[template(path = "receivables.html")]
struct ReceivablesPage {
    layout: Layout,
    rows: Vec<salesflow_app::receivables::Aging>,
}

pub async fn receivables(State(s): State<AppState>, user: UiUser) -> Response {
    match s.app.receivables(&user.actor).await {
        Ok(rows) => {
            let layout = Layout::new("Receivables", &user.actor, &user.csrf, "/receivables");
            render(StatusCode::OK, &ReceivablesPage { layout, rows })
        }
        Err(e) => app_error_page(e),
    }
}

pub async fn ubl(State(s): State<AppState>, user: UiUser, PathId(id): PathId) -> Response {
    match s.app.invoice_ubl(&user.actor, id).await {
        Ok((name, xml)) => xml_response(&name, xml),
        Err(e) => app_error_page(e),
    }
}
