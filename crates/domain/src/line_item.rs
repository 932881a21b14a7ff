//! Opportunity line items, free text until the product catalogue arrives: one per line as
//! `quantity x description @ unit price` (quantity and price optional: `Setup @ 500`,
//! `3 x Licence`, `Consulting`).

use crate::error::FieldError;
use crate::money::{Currency, Money};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineItem {
    pub description: String,
    /// Quantity in thousandths (1.5 → 1500).
    pub quantity_milli: i64,
    pub unit_price_minor: i64,
}

impl LineItem {
    /// quantity × unit price, rounded half up to minor units.
    pub fn total_minor(&self) -> i64 {
        let cents = i128::from(self.quantity_milli) * i128::from(self.unit_price_minor);
        ((cents + 500).div_euclid(1000)) as i64
    }

    /// The line as it is written back: `2 x Licence @ 1200.00`.
    pub fn text(&self, currency: Currency) -> String {
        let quantity = if self.quantity_milli % 1000 == 0 {
            (self.quantity_milli / 1000).to_string()
        } else {
            format!("{}", self.quantity_milli as f64 / 1000.0)
        };
        format!(
            "{quantity} x {} @ {}",
            self.description,
            Money::new(self.unit_price_minor, currency).amount_text()
        )
    }
}

pub fn quantity_milli(raw: &str) -> Option<i64> {
    let (whole, fraction) = raw.split_once(['.', ',']).unwrap_or((raw, ""));
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || fraction.len() > 3
        || !fraction.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    let whole: i64 = whole.parse().ok()?;
    let fraction: i64 = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<3}").parse().ok()?
    };
    whole
        .checked_mul(1000)?
        .checked_add(fraction)
        .filter(|q| *q > 0)
}

/// Parses the line items text; an error names the line.
pub fn parse_lines(raw: &str, currency: Currency) -> Result<Vec<LineItem>, FieldError> {
    let bad = |n: usize, why: &str| {
        FieldError::new(
            "line_items",
            "invalid_line_item",
            format!("line {n}: {why} (write e.g. \"2 x Licence @ 1200.00\")"),
        )
    };
    let mut items = Vec::new();
    for (i, line) in raw
        .lines()
        .map(str::trim)
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
    {
        let n = i + 1;
        let (left, price) = match line.rsplit_once('@') {
            Some((left, price)) => {
                let money = Money::parse(price.trim(), currency)
                    .map_err(|_| bad(n, "the price is not an amount"))?;
                if money.minor < 0 {
                    return Err(bad(n, "the price cannot be negative"));
                }
                (left.trim(), money.minor)
            }
            None => (line, 0),
        };
        let (quantity, description) = match left.split_once([' ', '\t']) {
            Some((q, rest)) if quantity_milli(q.trim_end_matches(['x', 'X', '×'])).is_some() => {
                let rest = rest.trim_start();
                let rest = rest
                    .strip_prefix(['x', 'X', '×'])
                    .map(str::trim_start)
                    .unwrap_or(rest);
                (
                    quantity_milli(q.trim_end_matches(['x', 'X', '×'])).unwrap_or(1000),
                    rest,
                )
            }
            _ => (1000, left),
        };
        let description = description.trim();
        if description.is_empty() || description.chars().count() > 200 {
            return Err(bad(n, "a description of 1 to 200 characters is needed"));
        }
        items.push(LineItem {
            description: description.to_string(),
            quantity_milli: quantity,
            unit_price_minor: price,
        });
        if items.len() > 100 {
            return Err(bad(n, "at most 100 lines"));
        }
    }
    Ok(items)
}

/// The items as text, one per line.
pub fn lines_text(items: &[LineItem], currency: Currency) -> String {
    items
        .iter()
        .map(|i| i.text(currency))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_parse_total_and_write_back() {
        let eur = Currency::parse("EUR").unwrap();
        let items = parse_lines(
            "2 x Licence @ 1200.00\n\n1.5 × Consulting day @ 999.99\nSetup @ 500\nTraining",
            eur,
        )
        .unwrap();
        let got: Vec<(&str, i64, i64, i64)> = items
            .iter()
            .map(|i| {
                (
                    i.description.as_str(),
                    i.quantity_milli,
                    i.unit_price_minor,
                    i.total_minor(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("Licence", 2000, 120_000, 240_000),
                ("Consulting day", 1500, 99_999, 149_999),
                ("Setup", 1000, 50_000, 50_000),
                ("Training", 1000, 0, 0),
            ]
        );
        assert_eq!(
            lines_text(&items[..2], eur),
            "2 x Licence @ 1200.00\n1.5 x Consulting day @ 999.99"
        );
        assert_eq!(parse_lines(&lines_text(&items, eur), eur).unwrap(), items);
        assert!(parse_lines("2 x @ 5", eur).is_err());
        assert!(parse_lines("Licence @ ten", eur).is_err());
        assert!(parse_lines("Licence @ -5", eur).is_err());
    }
}
