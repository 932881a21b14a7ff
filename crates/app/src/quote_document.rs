//! The printable quote (and signed quote): company letterhead from the company settings,
//! the customer, lines, tax breakdown, totals, terms and validity, and the signature.

use salesflow_documents::{Align, Column, Document, Table};
use salesflow_domain::account::Account;
use salesflow_domain::contact::Contact;
use salesflow_domain::money::Money;
use salesflow_domain::quote::Quote;
use salesflow_domain::quote::lines::quantity_text;
use salesflow_domain::quote::totals::PriceMode;
use salesflow_domain::tax::rate_text;
use serde::{Deserialize, Serialize};

use crate::App;
use crate::error::AppResult;

pub const COMPANY: &str = "company";

/// The company's own details, printed on every document (Settings → Company).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CompanySettings {
    pub name: String,
    /// Street, postcode and city, country: one per line.
    pub address: String,
    pub email: String,
    pub phone: String,
    pub vat_id: String,
    /// The company register's number (EN 16931 BT-30, e.g. `HRB 12345 B`): e-invoices of
    /// supplies not subject to VAT name it, as they may not carry a VAT ID.
    #[serde(default)]
    pub registration_id: String,
    /// Bank details or registration, printed at the bottom of each page.
    pub footer: String,
    /// ISO 3166-1 alpha-2 country of the company (e-invoices name it).
    #[serde(default = "default_country")]
    pub country_code: String,
}

fn default_country() -> String {
    "DE".into()
}

impl Default for CompanySettings {
    fn default() -> Self {
        Self {
            name: "Your company".into(),
            address: String::new(),
            email: String::new(),
            phone: String::new(),
            vat_id: String::new(),
            registration_id: String::new(),
            footer: String::new(),
            country_code: default_country(),
        }
    }
}

impl CompanySettings {
    pub fn validate(&self) -> Result<(), salesflow_domain::ValidationErrors> {
        let mut errors = salesflow_domain::ValidationErrors::default();
        if self.name.trim().is_empty() {
            errors.add("name", "required", "name the company");
        }
        if salesflow_domain::country::iso_code(&self.country_code)
            != Some(self.country_code.as_str())
        {
            errors.add(
                "country_code",
                "invalid_country",
                "an ISO 3166 country code: two capital letters, e.g. DE",
            );
        }
        if !self.vat_id.trim().is_empty()
            && let Err(e) = salesflow_domain::tax::vat_id("vat_id", Some(&self.vat_id))
        {
            errors.0.push(e);
        }
        for (field, value, max) in [
            ("name", &self.name, 200),
            ("address", &self.address, 1000),
            ("email", &self.email, 200),
            ("phone", &self.phone, 50),
            ("vat_id", &self.vat_id, 50),
            ("registration_id", &self.registration_id, 100),
            ("footer", &self.footer, 500),
        ] {
            if value.chars().count() > max {
                errors.add(field, "too_long", format!("at most {max} characters"));
            }
        }
        errors.into_result()
    }

    /// What EN 16931 e-invoices still need from these settings (empty: nothing).
    pub fn einvoice_gaps(&self) -> Vec<&'static str> {
        let mut gaps = Vec::new();
        if self.vat_id.trim().is_empty() {
            gaps.push("the company's VAT ID (every invoice with VAT, zero-rated, exempt, reverse-charge, intra-community or export lines names it)");
        }
        if self
            .address
            .lines()
            .filter(|l| !l.trim().is_empty())
            .count()
            < 2
        {
            gaps.push("the address: street on the first line, postcode and city on the second");
        }
        gaps
    }
}

/// Who the quote is for, as printed.
pub struct Recipient<'a> {
    pub account: &'a Account,
    pub contact: Option<&'a Contact>,
}

impl App {
    pub async fn company_settings(&self) -> AppResult<(CompanySettings, i64)> {
        self.settings_doc(COMPANY).await
    }
}

/// The quote as a document; `signed` adds the customer's acceptance.
pub fn quote_document(quote: &Quote, to: &Recipient, company: &CompanySettings) -> Document {
    let d = &quote.details;
    let money = |minor| Money::new(minor, d.currency).amount_text();
    let mut sender = vec![company.name.clone()];
    sender.extend(
        company
            .address
            .lines()
            .map(str::to_string)
            .filter(|l| !l.trim().is_empty()),
    );
    let contact_line = [company.email.as_str(), company.phone.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" · ");
    if !contact_line.is_empty() {
        sender.push(contact_line);
    }
    let mut recipient = vec![to.account.details.name.to_string()];
    if let Some(c) = to.contact {
        recipient.push(format!("Attn. {}", c.details.full_name()));
    }
    recipient.extend(to.account.details.address_lines());
    let number = quote.number.clone().unwrap_or_else(|| "(draft)".into());
    let mut facts = vec![
        ("Quote".to_string(), number.clone()),
        ("Revision".to_string(), quote.revision.to_string()),
        (
            "Date".to_string(),
            quote
                .sent_at
                .unwrap_or(quote.meta.updated_at)
                .strftime("%Y-%m-%d")
                .to_string(),
        ),
        ("Valid until".to_string(), d.valid_until.to_string()),
        ("Currency".to_string(), d.currency.code().to_string()),
    ];
    if d.price_mode == PriceMode::Inclusive {
        facts.push(("Prices".into(), "including tax".into()));
    }
    let columns = vec![
        Column::new("Item", 205.0, Align::Left),
        Column::new("Qty", 50.0, Align::Right),
        Column::new("Unit price", 70.0, Align::Right),
        Column::new("Disc.", 45.0, Align::Right),
        Column::new("Tax", 45.0, Align::Right),
        Column::new("Net", 80.0, Align::Right),
    ];
    let rows = d
        .lines
        .iter()
        .map(|l| {
            let item = match &l.sku {
                Some(sku) => format!("{} ({sku})", l.description),
                None => l.description.clone(),
            };
            vec![
                item,
                format!("{} {}", quantity_text(l.quantity_milli), l.unit),
                money(l.unit_price_minor),
                if l.discount_bp > 0 {
                    format!("{} %", rate_text(l.discount_bp))
                } else {
                    String::new()
                },
                format!("{} %", rate_text(l.tax_rate_bp)),
                money(l.amounts.net_minor),
            ]
        })
        .collect();
    let t = &d.totals;
    let mut totals = vec![("Net total".to_string(), money(t.tax_exclusive_minor), false)];
    for s in &t.breakdown {
        totals.push((
            format!(
                "Tax {} % ({}) on {}",
                rate_text(s.rate_bp),
                s.code,
                money(s.taxable_minor)
            ),
            money(s.tax_minor),
            false,
        ));
    }
    if t.rounding_minor != 0 {
        totals.push(("Rounding".into(), money(t.rounding_minor), false));
    }
    totals.push((
        format!("Total {}", d.currency.code()),
        money(t.payable_minor),
        true,
    ));
    let mut sections = Vec::new();
    let notes = exemption_notes(&d.lines);
    if !notes.is_empty() {
        sections.push(("Tax notes".to_string(), notes.join("\n")));
    }
    if let Some(terms) = &d.terms {
        sections.push(("Terms".to_string(), terms.clone()));
    }
    sections.push((
        "Validity".to_string(),
        format!(
            "This quote is valid until {}. Accept it online with the link we sent you.",
            d.valid_until
        ),
    ));
    if let Some(answer) = quote.answer.as_ref().filter(|a| a.kind == "accepted") {
        sections.push((
            "Accepted".to_string(),
            format!(
                "Signed by {} on {} UTC{}, revision {}.",
                answer.signed_name.clone().unwrap_or_default(),
                answer.at.strftime("%Y-%m-%d %H:%M"),
                answer
                    .ip
                    .as_ref()
                    .map(|ip| format!(" from {ip}"))
                    .unwrap_or_default(),
                answer.revision
            ),
        ));
    }
    let mut footer = company.footer.clone();
    if !company.vat_id.is_empty() {
        footer = format!("{} · VAT ID {}", company.name, company.vat_id)
            + if footer.is_empty() { "" } else { " · " }
            + &footer;
    }
    Document {
        sender,
        heading: format!("Quote {number}"),
        recipient,
        facts,
        table: Table { columns, rows },
        totals,
        sections,
        footer,
    }
}

/// Why tax is not charged on some lines, once per reason: "E: Exempt under …".
pub fn exemption_notes(lines: &[salesflow_domain::quote::lines::QuoteLine]) -> Vec<String> {
    let mut notes: Vec<String> = Vec::new();
    for line in lines {
        if let Some(reason) = &line.exemption_reason {
            let note = format!("{}: {reason}", line.tax_code.as_str());
            if !notes.contains(&note) {
                notes.push(note);
            }
        }
    }
    notes
}

/// The PDF's file name.
pub fn quote_filename(quote: &Quote) -> String {
    let number = quote.number.clone().unwrap_or_else(|| "draft".into());
    let signed = if quote.answer.as_ref().is_some_and(|a| a.kind == "accepted") {
        "-signed"
    } else {
        ""
    };
    format!("quote-{number}-r{}{signed}.pdf", quote.revision)
}
