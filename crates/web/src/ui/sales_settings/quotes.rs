//! Settings → Quotes and taxes: the company details printed on documents, the discount each
//! role may give without approval, and the tax categories (rows; blank rows add new ones,
//! clearing a key removes one).

use std::collections::{BTreeMap, HashMap};

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use salesflow_app::AppError;
use salesflow_app::quote_document::CompanySettings;
use salesflow_domain::approval::ApprovalSettings;
use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::role::Role;
use salesflow_domain::tax::{TaxCategory, TaxSettings, VatCode};

use super::{BLANK_ROWS, field, row_indexes, version};
use crate::AppState;
use crate::session::{SignedForm, UiUser};
use crate::ui::views::{Layout, Opt};
use crate::ui::{app_error_page, render};

pub struct TaxRow {
    pub index: usize,
    pub key: String,
    pub name: String,
    pub codes: Vec<Opt>,
    pub rate: String,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "settings_quotes.html")]
struct QuoteSettingsPage {
    layout: Layout,
    company: CompanySettings,
    company_version: i64,
    /// What EN 16931 e-invoices still need from the company details.
    einvoice_gaps: Vec<&'static str>,
    limits: Vec<(&'static str, &'static str, String)>,
    approval_version: i64,
    taxes: Vec<TaxRow>,
    tax_version: i64,
    error: Option<String>,
    /// Company, bank and tax data are finance's and the admins' (separation of duties).
    can_edit_company: bool,
    /// Approval limits are the admins' (managers approve within them).
    can_edit_limits: bool,
}

fn tax_row(index: usize, c: Option<&TaxCategory>) -> TaxRow {
    let code = c.map(|c| c.code.as_str()).unwrap_or("S");
    TaxRow {
        index,
        key: c.map(|c| c.key.clone()).unwrap_or_default(),
        name: c.map(|c| c.name.clone()).unwrap_or_default(),
        codes: Opt::list(
            VatCode::ALL
                .iter()
                .map(|v| (v.as_str().to_string(), v.as_str().to_string())),
            code,
        ),
        rate: c.map(|c| c.rate.clone()).unwrap_or_default(),
        reason: c
            .and_then(|c| c.exemption_reason.clone())
            .unwrap_or_default(),
    }
}

async fn page(s: &AppState, user: &UiUser, error: Option<String>) -> Response {
    let loaded = async {
        Ok::<_, AppError>((
            s.app.company_settings().await?,
            s.app.approval_settings().await?,
            s.app.tax_settings().await?,
        ))
    }
    .await;
    let ((company, company_version), (approval, approval_version), (taxes, tax_version)) =
        match loaded {
            Ok(l) => l,
            Err(e) => return app_error_page(e),
        };
    let n = taxes.categories.len();
    let page = QuoteSettingsPage {
        layout: Layout::new(
            "Quotes and taxes",
            &user.actor,
            &user.csrf,
            "/settings/quotes",
        ),
        einvoice_gaps: company.einvoice_gaps(),
        company,
        company_version,
        limits: [Role::SalesRep, Role::SalesManager, Role::Admin]
            .into_iter()
            .map(|r| {
                let limit = approval
                    .discount_limits
                    .get(r.as_str())
                    .cloned()
                    .unwrap_or_default();
                (r.as_str(), r.label(), limit)
            })
            .collect(),
        approval_version,
        taxes: taxes
            .categories
            .iter()
            .enumerate()
            .map(|(i, c)| tax_row(i, Some(c)))
            .chain((n..n + BLANK_ROWS).map(|i| tax_row(i, None)))
            .collect(),
        tax_version,
        can_edit_company: user.actor.can(Resource::CompanySettings, Action::Update),
        can_edit_limits: user.actor.role == Role::Admin,
        error,
    };
    let status = if page.error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    render(status, &page)
}

pub async fn quote_settings_page(State(s): State<AppState>, user: UiUser) -> Response {
    if !user.actor.can(Resource::Pipeline, Action::Read) {
        return app_error_page(AppError::Forbidden);
    }
    page(&s, &user, None).await
}

/// Back to the page, or the page with what went wrong.
async fn saved(s: &AppState, user: &UiUser, result: Result<i64, AppError>) -> Response {
    match result {
        Ok(_) => Redirect::to("/settings/quotes").into_response(),
        Err(AppError::Invalid(errors)) => page(s, user, Some(errors.to_string())).await,
        Err(AppError::StaleVersion { .. }) => {
            page(
                s,
                user,
                Some("Someone else saved these settings meanwhile; here they are now.".into()),
            )
            .await
        }
        Err(e) => app_error_page(e),
    }
}

fn text(form: &HashMap<String, String>, name: &str) -> String {
    form.get(name)
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

pub async fn save_company(
    State(s): State<AppState>,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let settings = CompanySettings {
        name: text(&form, "name"),
        address: text(&form, "address"),
        email: text(&form, "email"),
        phone: text(&form, "phone"),
        vat_id: text(&form, "vat_id"),
        registration_id: text(&form, "registration_id"),
        footer: text(&form, "footer"),
        country_code: Some(text(&form, "country_code").to_ascii_uppercase())
            .filter(|c| !c.is_empty())
            .unwrap_or_else(|| "DE".into()),
    };
    let result = match version(&form) {
        Ok(v) => s.app.save_company_settings(&user.actor, &settings, v).await,
        Err(e) => Err(e),
    };
    saved(&s, &user, result).await
}

pub async fn save_approval(
    State(s): State<AppState>,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let discount_limits: BTreeMap<String, String> =
        [Role::SalesRep, Role::SalesManager, Role::Admin]
            .into_iter()
            .map(|r| {
                (
                    r.as_str().to_string(),
                    text(&form, &format!("limit_{}", r.as_str())),
                )
            })
            .filter(|(_, v)| !v.is_empty())
            .collect();
    let result = match version(&form) {
        Ok(v) => {
            s.app
                .save_approval_settings(&user.actor, &ApprovalSettings { discount_limits }, v)
                .await
        }
        Err(e) => Err(e),
    };
    saved(&s, &user, result).await
}

pub async fn save_taxes(
    State(s): State<AppState>,
    SignedForm { user, form }: SignedForm,
) -> Response {
    let mut categories = Vec::new();
    for i in row_indexes(&form, "tax") {
        let key = field(&form, "tax", i, "key");
        if key.is_empty() {
            continue;
        }
        let code = field(&form, "tax", i, "code").parse().unwrap_or(VatCode::S);
        let reason = field(&form, "tax", i, "reason");
        categories.push(TaxCategory {
            key: key.to_string(),
            name: field(&form, "tax", i, "name").to_string(),
            code,
            rate: field(&form, "tax", i, "rate").to_string(),
            exemption_reason: (!reason.is_empty()).then(|| reason.to_string()),
        });
    }
    let result = match version(&form) {
        Ok(v) => {
            s.app
                .save_tax_settings(&user.actor, &TaxSettings { categories }, v)
                .await
        }
        Err(e) => Err(e),
    };
    saved(&s, &user, result).await
}
