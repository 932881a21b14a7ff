//! Lines and totals of a quote or order as shown on pages (staff and portal alike).

use salesflow_domain::money::{Currency, Money};
use salesflow_domain::quote::lines::{QuoteLine, quantity_text};
use salesflow_domain::quote::totals::{PriceMode, Totals};
use salesflow_domain::tax::rate_text;

pub struct LineView {
    pub description: String,
    pub sku: String,
    pub quantity: String,
    pub unit_price: String,
    pub discount: String,
    pub tax: String,
    pub net: String,
}

pub struct DocView {
    pub currency: String,
    pub lines: Vec<LineView>,
    pub net_total: String,
    /// "Tax 19 % on 3,060.00" → amount.
    pub taxes: Vec<(String, String)>,
    pub rounding: Option<String>,
    pub total: String,
    pub inclusive: bool,
    /// Why tax is not charged on some lines.
    pub notes: Vec<String>,
}

impl DocView {
    pub fn new(lines: &[QuoteLine], totals: &Totals, currency: Currency, mode: PriceMode) -> Self {
        let money = |minor| Money::new(minor, currency).amount_text();
        Self {
            currency: currency.code().to_string(),
            lines: lines
                .iter()
                .map(|l| LineView {
                    description: l.description.clone(),
                    sku: l.sku.clone().unwrap_or_default(),
                    quantity: format!("{} {}", quantity_text(l.quantity_milli), l.unit),
                    unit_price: money(l.unit_price_minor),
                    discount: if l.discount_bp > 0 {
                        format!("{} %", rate_text(l.discount_bp))
                    } else {
                        String::new()
                    },
                    tax: format!("{} %", rate_text(l.tax_rate_bp)),
                    net: money(l.amounts.net_minor),
                })
                .collect(),
            net_total: money(totals.tax_exclusive_minor),
            taxes: totals
                .breakdown
                .iter()
                .map(|s| {
                    (
                        format!(
                            "Tax {} % ({}) on {}",
                            rate_text(s.rate_bp),
                            s.code,
                            money(s.taxable_minor)
                        ),
                        money(s.tax_minor),
                    )
                })
                .collect(),
            rounding: (totals.rounding_minor != 0).then(|| money(totals.rounding_minor)),
            total: money(totals.payable_minor),
            inclusive: mode == PriceMode::Inclusive,
            notes: salesflow_app::quote_document::exemption_notes(lines),
        }
    }
}
