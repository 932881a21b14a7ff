//! Comparing two revisions of a quote line by line: what was added, removed or changed
//! (quantity, price, discount, tax), and whether the terms, validity or totals moved.

use crate::money::{Currency, Money};
use crate::quote::Revision;
use crate::quote::lines::{QuoteLine, quantity_text};
use crate::tax::rate_text;
use serde::Serialize;

/// An old → new pair, as display text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Changed {
    pub field: String,
    pub old: String,
    pub new: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct LineChange {
    pub description: String,
    pub changes: Vec<Changed>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RevisionDiff {
    pub from: u32,
    pub to: u32,
    pub added: Vec<QuoteLine>,
    pub removed: Vec<QuoteLine>,
    pub changed: Vec<LineChange>,
    /// Terms, validity date and totals that differ.
    pub document: Vec<Changed>,
}

impl RevisionDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.changed.is_empty()
            && self.document.is_empty()
    }
}

fn changed(field: &str, old: impl ToString, new: impl ToString) -> Option<Changed> {
    let (old, new) = (old.to_string(), new.to_string());
    (old != new).then(|| Changed {
        field: field.into(),
        old,
        new,
    })
}

/// Amounts of the old and new revision, each in its own currency.
struct Money2(Currency, Currency);

impl Money2 {
    fn pair(&self, field: &str, old: i64, new: i64) -> Option<Changed> {
        let text = |minor, currency| Money::new(minor, currency).amount_text();
        changed(field, text(old, self.0), text(new, self.1))
    }
}

fn line_changes(a: &QuoteLine, b: &QuoteLine, money: &Money2) -> Vec<Changed> {
    let percent = |bp| format!("{} %", rate_text(bp));
    [
        changed(
            "quantity",
            quantity_text(a.quantity_milli),
            quantity_text(b.quantity_milli),
        ),
        money.pair("unit_price", a.unit_price_minor, b.unit_price_minor),
        changed("discount", percent(a.discount_bp), percent(b.discount_bp)),
        changed("tax_category", &a.tax_category, &b.tax_category),
        money.pair("net", a.amounts.net_minor, b.amounts.net_minor),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Lines pair up by product and description (the n-th occurrence with the n-th).
pub fn diff(from: &Revision, to: &Revision) -> RevisionDiff {
    let money = Money2(from.currency, to.currency);
    let mut unmatched: Vec<&QuoteLine> = to.lines.iter().collect();
    let mut removed = Vec::new();
    let mut changed_lines = Vec::new();
    for old in &from.lines {
        match unmatched.iter().position(|l| l.key() == old.key()) {
            Some(i) => {
                let new = unmatched.remove(i);
                let changes = line_changes(old, new, &money);
                if !changes.is_empty() {
                    changed_lines.push(LineChange {
                        description: old.description.clone(),
                        changes,
                    });
                }
            }
            None => removed.push(old.clone()),
        }
    }
    let (a, b) = (&from.totals, &to.totals);
    let document = [
        changed(
            "terms",
            from.terms.clone().unwrap_or_default(),
            to.terms.clone().unwrap_or_default(),
        ),
        changed("valid_until", from.valid_until, to.valid_until),
        changed("currency", from.currency.code(), to.currency.code()),
        money.pair("net_total", a.tax_exclusive_minor, b.tax_exclusive_minor),
        money.pair("tax_total", a.tax_minor, b.tax_minor),
        money.pair("total", a.payable_minor, b.payable_minor),
    ]
    .into_iter()
    .flatten()
    .collect();
    RevisionDiff {
        from: from.revision,
        to: to.revision,
        added: unmatched.into_iter().cloned().collect(),
        removed,
        changed: changed_lines,
        document,
    }
}
