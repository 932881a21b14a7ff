//! The quote page (lines, totals, approval, sending, the customer's answers, negotiation
//! history with revision comparison) and the approval queue.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::list::ListParams;
use salesflow_app::quotes::{QuoteDecision, SendQuote};
use salesflow_app::{Actor, AppError};
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::quote::diff::RevisionDiff;
use salesflow_domain::quote::{Quote, QuoteStatus, Requester};
use salesflow_domain::role::Role;

use super::doc_view::DocView;
use super::records::{account_link, contact_link};
use super::views::{EventView, Layout, humanize, names, when};
use super::{app_error_page, render};
use crate::AppState;
use crate::api::quotes::pdf_response;
use crate::extract::PathId;
use crate::session::{SignedForm, UiUser};

pub struct RevisionView {
    pub revision: u32,
    pub by: &'static str,
    pub comment: String,
    pub at: String,
    pub total: String,
}

#[derive(Template)]
#[template(path = "quote.html")]
struct QuotePage {
    layout: Layout,
    id: String,
    heading: String,
    status: String,
    status_label: String,
    version: i64,
    archived: bool,
    facts: Vec<(&'static str, String, Option<String>)>,
    doc: DocView,
    terms: Option<String>,
    can_edit: bool,
    can_send: bool,
    can_decide: bool,
    can_archive: bool,
    approval: Option<String>,
    answer: Option<String>,
    order: Option<(String, String)>,
    revisions: Vec<RevisionView>,
    diff: Option<RevisionDiff>,
    notice: Option<String>,
    portal_url: Option<String>,
    timeline: Vec<EventView>,
    deadlines: Vec<crate::ui::deadlines::DeadlineBadge>,
}

fn requester(r: Requester) -> &'static str {
    match r {
        Requester::Customer => "customer",
        Requester::Internal => "internal",
    }
}

async fn quote_page(
    s: &AppState,
    user: &UiUser,
    quote: Quote,
    diff_between: Option<(u32, u32)>,
    notice: Option<String>,
    portal_url: Option<String>,
) -> Response {
    let actor = &user.actor;
    let id = quote.id.0;
    let deadlines = crate::ui::deadlines::case_badges(s, Some(quote.case_id)).await;
    let (events, names) = match (s.app.timeline::<Quote>(actor, id).await, names(s).await) {
        (Ok(e), Ok(n)) => (e, n),
        (Err(e), _) | (_, Err(e)) => return app_error_page(e),
    };
    let d = &quote.details;
    let mut facts = vec![
        (
            "Number",
            quote
                .number
                .clone()
                .unwrap_or_else(|| "— (given when sent)".into()),
            None,
        ),
        ("Revision", quote.revision.to_string(), None),
        account_link(s, actor, &d.account_id.to_string()).await,
    ];
    if let Some(c) = d.contact_id {
        facts.push(contact_link(s, actor, &c.to_string()).await);
    }
    if let Some(o) = quote.opportunity_id {
        facts.push((
            "Opportunity",
            "Open".into(),
            Some(format!("/opportunities/{o}")),
        ));
    }
    facts.push(("Valid until", d.valid_until.to_string(), None));
    facts.push((
        "Prices",
        if d.price_mode.as_str() == "inclusive" {
            "Including tax"
        } else {
            "Excluding tax"
        }
        .into(),
        None,
    ));
    facts.push((
        "Owner",
        names.get(&quote.meta.owner_id).cloned().unwrap_or_default(),
        None,
    ));
    if let Some(sent) = quote.sent_at {
        facts.push(("Sent", when(sent), None));
    }
    let approval = quote.approval.as_ref().map(|a| {
        format!(
            "{} by {} on {}{}",
            if a.approved { "Approved" } else { "Rejected" },
            names.get(&a.by).cloned().unwrap_or_default(),
            when(a.at),
            a.comment
                .as_ref()
                .map(|c| format!(": “{c}”"))
                .unwrap_or_default()
        )
    });
    let answer = quote.answer.as_ref().map(|a| match a.kind.as_str() {
        "accepted" => format!(
            "Accepted by {} on {}{}",
            a.signed_name.clone().unwrap_or_default(),
            when(a.at),
            a.ip.as_ref()
                .map(|ip| format!(" from {ip}"))
                .unwrap_or_default()
        ),
        kind => format!(
            "{} by the customer on {}: “{}”",
            humanize(kind),
            when(a.at),
            a.comment.clone().unwrap_or_default()
        ),
    });
    let order = match s.app.order_of_quote(actor, &quote).await {
        Ok(o) => o.map(|o| (o.number.clone(), format!("/orders/{}", o.id))),
        Err(e) => return app_error_page(e),
    };
    let money = |minor| salesflow_domain::money::Money::new(minor, d.currency).amount_text();
    let mut revisions: Vec<RevisionView> = quote
        .revisions
        .iter()
        .chain(std::iter::once(&quote.snapshot()))
        .map(|r| RevisionView {
            revision: r.revision,
            by: requester(r.requested_by),
            comment: r.comment.clone().unwrap_or_default(),
            at: when(r.at),
            total: money(r.totals.payable_minor),
        })
        .collect();
    revisions.reverse();
    let diff = match diff_between {
        Some((from, to)) => s
            .app
            .quote_diff(actor, id, from, to)
            .await
            .ok()
            .map(readable),
        None => None,
    };
    let can_update = actor.can(Resource::Quote, Action::Update) && !quote.meta.archived;
    let page = QuotePage {
        layout: Layout::new(&quote_title(&quote), actor, &user.csrf, "/quotes"),
        id: id.to_string(),
        heading: quote_title(&quote),
        status: quote.status.as_str().into(),
        status_label: quote.status.label().into(),
        version: quote.meta.version,
        archived: quote.meta.archived,
        facts,
        doc: DocView::new(&d.lines, &d.totals, d.currency, d.price_mode),
        terms: d.terms.clone(),
        can_edit: can_update && !quote.status.closed(),
        can_send: can_update && quote.status == QuoteStatus::Draft,
        can_decide: quote.status == QuoteStatus::PendingApproval
            && matches!(actor.role, Role::SalesManager | Role::Admin),
        can_archive: actor.can(Resource::Quote, Action::Archive),
        approval,
        answer,
        order,
        revisions,
        diff,
        notice,
        portal_url,
        timeline: events.iter().map(|e| EventView::new(e, &names)).collect(),
        deadlines,
    };
    render(StatusCode::OK, &page)
}

/// The diff with field names as people read them ("net_total" → "Net total").
fn readable(mut diff: RevisionDiff) -> RevisionDiff {
    let changes = diff
        .changed
        .iter_mut()
        .flat_map(|l| l.changes.iter_mut())
        .chain(diff.document.iter_mut());
    for change in changes {
        change.field = humanize(&change.field);
    }
    diff
}

fn quote_title(q: &Quote) -> String {
    match &q.number {
        Some(n) => format!("Quote {n} · {}", q.details.title),
        None => format!("Draft quote · {}", q.details.title),
    }
}

pub async fn show(
    State(s): State<AppState>,
    user: UiUser,
    PathId(id): PathId,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let quote: Quote = match s.app.get(&user.actor, id).await {
        Ok(q) => q,
        Err(e) => return app_error_page(e),
    };
    let rev = |k: &str| query.get(k).and_then(|v| v.parse::<u32>().ok());
    let diff = rev("from").zip(rev("to"));
    quote_page(&s, &user, quote, diff, None, None).await
}

fn version_of(form: &HashMap<String, String>) -> i64 {
    form.get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

pub async fn send(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let request = SendQuote {
        version: version_of(&form),
    };
    match s.app.send_quote(&user.actor, id, &request).await {
        Ok(sent) => {
            let notice = match (&sent.portal_url, &sent.emailed_to, &sent.not_emailed) {
                (None, _, _) => "The discount is above your limit: the quote now waits for a manager's approval.".to_string(),
                (Some(_), Some(to), _) => format!("Sent. The PDF and a customer link are being e-mailed to {to}; the timeline shows when the e-mail has gone (or why not)."),
                (Some(_), None, reason) => format!(
                    "Sent, but not e-mailed: {}. Copy the customer link below and share it yourself.",
                    reason.as_deref().unwrap_or("no address")
                ),
            };
            quote_page(&s, &user, sent.quote, None, Some(notice), sent.portal_url).await
        }
        Err(e) => app_error_page(e),
    }
}

pub async fn decide(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let decision = QuoteDecision {
        approve: form.get("decision").map(String::as_str) == Some("approve"),
        comment: form.get("comment").cloned(),
        version: version_of(&form),
    };
    match s.app.decide_quote(&user.actor, id, &decision).await {
        Ok(_) => Redirect::to(&format!("/quotes/{id}")).into_response(),
        Err(e) => app_error_page(e),
    }
}

pub async fn pdf(State(s): State<AppState>, user: UiUser, PathId(id): PathId) -> Response {
    match s.app.quote_pdf(&user.actor, id).await {
        Ok((filename, bytes)) => pdf_response(&filename, bytes),
        Err(e) => app_error_page(e),
    }
}

pub async fn renew_link(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, .. }: SignedForm,
) -> Response {
    match s.app.renew_quote_link(&user.actor, id).await {
        Ok(url) => match s.app.get::<Quote>(&user.actor, id).await {
            Ok(quote) => {
                let notice = "A new customer link: the earlier ones no longer work.".to_string();
                quote_page(&s, &user, quote, None, Some(notice), Some(url)).await
            }
            Err(e) => app_error_page(e),
        },
        Err(e) => app_error_page(e),
    }
}

pub async fn revoke_links(
    State(s): State<AppState>,
    PathId(id): PathId,
    SignedForm { user, .. }: SignedForm,
) -> Response {
    match s.app.revoke_quote_links(&user.actor, id).await {
        Ok(_) => Redirect::to(&format!("/quotes/{id}")).into_response(),
        Err(e) => app_error_page(e),
    }
}

#[derive(Template)]
#[template(path = "approvals.html")]
struct ApprovalsPage {
    layout: Layout,
    quotes: Vec<(String, String, String, String, String, i64)>,
}

/// Quotes waiting for approval that this manager may see.
pub async fn approvals(State(s): State<AppState>, user: UiUser) -> Response {
    let actor: &Actor = &user.actor;
    if !matches!(actor.role, Role::SalesManager | Role::Admin) {
        return app_error_page(AppError::Forbidden);
    }
    let params = ListParams {
        status: Some("pending_approval".into()),
        sort: Some("created_at".into()),
        dir: Some("asc".into()),
        limit: Some(200),
        ..Default::default()
    };
    let (page, names) = match (s.app.list::<Quote>(actor, &params).await, names(&s).await) {
        (Ok(p), Ok(n)) => (p, n),
        (Err(e), _) | (_, Err(e)) => return app_error_page(e),
    };
    let quotes = page
        .items
        .iter()
        .map(|q| {
            (
                q.id.to_string(),
                q.details.title.to_string(),
                names.get(&q.meta.owner_id).cloned().unwrap_or_default(),
                format!("{} %", salesflow_domain::tax::rate_text(q.max_discount_bp)),
                format!("{} {}", q.details.currency.code(), q.total),
                q.meta.version,
            )
        })
        .collect();
    let layout = Layout::new("Approvals", actor, &user.csrf, "/approvals");
    render(StatusCode::OK, &ApprovalsPage { layout, quotes })
}
