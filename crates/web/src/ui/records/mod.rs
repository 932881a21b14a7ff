//! Generic pages for the owned records: list with filters, detail with timeline, forms.

mod actions;
pub(super) mod activity_panel;
mod capture_panel;
mod detail_extras;
mod detail_page;
mod export_csv;
mod form_page;
mod lead_panel;
mod list_page;

pub use actions::update;
pub use actions::{complete_activity, hand_off, lead_status, merge, move_opportunity};
use actions::{create, set_archived};
pub use activity_panel::ActivityView;
use detail_page::show;
use export_csv::export;
pub use export_csv::{csv_export, csv_response};
use form_page::{edit_form, new_form};
use form_page::{form_with_error, input_from_form};
pub use lead_panel::{answer_criteria, convert};
use list_page::list;

use std::collections::HashMap;

use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use salesflow_app::entity::Origin;
use salesflow_app::leads::LeadTransition;
use salesflow_app::list::ListParams;
use salesflow_app::{Actor, AppError};
use salesflow_domain::account::Account;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::contact::Contact;
use salesflow_domain::lead::{Lead, LeadStatus};
use serde_json::{Map, Value};

use super::views::{EventView, Layout, Names, Opt, humanize, names, when};
use super::{app_error_page, render};
use crate::AppState;
use crate::extract::PathId;
use crate::resource::{FieldKind, WebResource};
use crate::session::{SignedForm, UiUser};

pub fn routes<E: WebResource>() -> Router<AppState> {
    let base = format!("/{}", E::PATH);
    routes_except_detail::<E>().route(&format!("{base}/{{id}}"), get(show::<E>).post(update::<E>))
}

/// The generic pages of a record type whose detail page is its own (`update::<E>` saves
/// its form).
pub fn routes_except_detail<E: WebResource>() -> Router<AppState> {
    let base = format!("/{}", E::PATH);
    let router = if E::CREATABLE {
        Router::new()
            .route(&base, get(list::<E>).post(create::<E>))
            .route(&format!("{base}/new"), get(new_form::<E>))
    } else {
        Router::new().route(&base, get(list::<E>))
    };
    router
        .route(&format!("{base}/export"), get(export::<E>))
        .route(&format!("{base}/{{id}}/edit"), get(edit_form::<E>))
        .route(
            &format!("{base}/{{id}}/archive"),
            post(set_archived::<E, true>),
        )
        .route(
            &format!("{base}/{{id}}/restore"),
            post(set_archived::<E, false>),
        )
}

/// A JSON field of a record as display text.
fn text_of(value: &Value, field: &str) -> String {
    match value.get(field) {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    }
}

fn display_cell<E: WebResource>(record: &E, json: &Value, field: &str, names: &Names) -> String {
    match field {
        "name" => record.display_name(),
        "owner_id" => names
            .get(&record.meta().owner_id)
            .cloned()
            .unwrap_or_default(),
        "created_at" => when(record.meta().created_at),
        "status" | "source" | "stage_key" => humanize(&text_of(json, field)),
        "amount" => match text_of(json, "currency").parse() {
            Ok(currency) => {
                let minor = json
                    .get("amount_minor")
                    .and_then(Value::as_i64)
                    .unwrap_or(0);
                salesflow_domain::money::Money::new(minor, currency).display()
            }
            Err(_) => text_of(json, "amount"),
        },
        other => text_of(json, other),
    }
}

/// An opportunity's line items as the text its form edits.
fn line_items_text(json: &Value) -> String {
    let items: Vec<salesflow_domain::line_item::LineItem> = json
        .get("line_items")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    match text_of(json, "currency").parse() {
        Ok(currency) => salesflow_domain::line_item::lines_text(&items, currency),
        Err(_) => String::new(),
    }
}

/// An "Account" fact with a link, for document pages.
pub async fn account_link(
    s: &AppState,
    actor: &Actor,
    id: &str,
) -> (&'static str, String, Option<String>) {
    let name = detail_page::account_name(s, actor, id).await;
    (
        "Account",
        name.unwrap_or_else(|| "(not visible)".into()),
        Some(format!("/accounts/{id}")),
    )
}

/// A "Contact" fact with a link, for document pages.
pub async fn contact_link(
    s: &AppState,
    actor: &Actor,
    id: &str,
) -> (&'static str, String, Option<String>) {
    let name = detail_page::contact_name(s, actor, id).await;
    (
        "Contact",
        name.unwrap_or_else(|| "(not visible)".into()),
        Some(format!("/contacts/{id}")),
    )
}

/// A price list's prices as the text its form edits.
fn prices_text(json: &Value) -> String {
    let prices: Vec<salesflow_domain::price_list::ListPrice> = json
        .get("prices")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    match text_of(json, "currency").parse() {
        Ok(currency) => prices
            .iter()
            .map(|p| {
                let price = salesflow_domain::money::Money::new(p.price_minor, currency);
                format!("{} {}", p.sku, price.amount_text())
            })
            .collect::<Vec<_>>()
            .join("\n"),
        Err(_) => String::new(),
    }
}

/// A quote's lines as the text its form edits.
fn quote_lines_text(json: &Value) -> String {
    let lines: Vec<salesflow_domain::quote::lines::QuoteLine> = json
        .get("lines")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    match text_of(json, "currency").parse() {
        Ok(currency) => lines
            .iter()
            .map(|l| l.text(currency))
            .collect::<Vec<_>>()
            .join("\n"),
        Err(_) => String::new(),
    }
}

/// Whether the actor may read a resource at all (for the home page tiles).
pub fn readable(actor: &Actor, resource: Resource) -> bool {
    actor.can(resource, Action::Read)
}
