//! Document totals in integer minor units, following EN 16931's arithmetic.
//!
//! The rounding rule (every rounding is half up, to the currency's minor unit):
//! 1. line amount = quantity × unit price, rounded; line discount = line amount × discount %,
//!    rounded; line net (BT-131) = line amount − line discount.
//! 2. With tax-inclusive prices, step 1 gives the line's gross amount; its net is
//!    gross ÷ (1 + rate), rounded, per line.
//! 3. Per VAT category and rate: taxable amount (BT-116) = Σ its line nets; tax (BT-117) =
//!    taxable × rate, rounded once per category (never per line).
//! 4. Total without tax (BT-109) = Σ line nets (BT-106, no document-level allowances or
//!    charges); total tax (BT-110) = Σ category taxes; total with tax (BT-112) = BT-109 + BT-110.
//! 5. Amount due (BT-115) = BT-112 + rounding amount (BT-114). The rounding amount is 0 for
//!    tax-exclusive prices; for tax-inclusive prices it is the cent difference that makes the
//!    amount due equal the sum of the inclusive prices the customer was shown.

use crate::money::MAX_AMOUNT_MINOR;
use crate::tax::{RateBp, VatCode};
use serde::{Deserialize, Serialize};

/// Whether unit prices include tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum PriceMode {
    #[default]
    Exclusive,
    Inclusive,
}

string_enum!(PriceMode { Exclusive => "exclusive", Inclusive => "inclusive" });

/// What the totals need of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PricedLine {
    /// Thousandths of a unit (1.5 → 1500), > 0.
    pub quantity_milli: i64,
    pub unit_price_minor: i64,
    /// Hundredths of a percent (12.5 % → 1250), 0..=10000.
    pub discount_bp: u32,
    pub code: VatCode,
    pub rate_bp: RateBp,
}

/// The computed amounts of one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineAmounts {
    /// quantity × unit price, before the discount (gross when prices include tax).
    pub amount_minor: i64,
    pub discount_minor: i64,
    /// BT-131, always without tax.
    pub net_minor: i64,
}

/// One row of the VAT breakdown (BG-23).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TaxSubtotal {
    #[schema(value_type = String)]
    pub code: VatCode,
    pub rate_bp: RateBp,
    /// BT-116.
    pub taxable_minor: i64,
    /// BT-117.
    pub tax_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Totals {
    /// BT-106.
    pub line_net_minor: i64,
    /// BT-109.
    pub tax_exclusive_minor: i64,
    /// BT-110.
    pub tax_minor: i64,
    /// BT-112.
    pub tax_inclusive_minor: i64,
    /// BT-114.
    pub rounding_minor: i64,
    /// BT-115.
    pub payable_minor: i64,
    /// BG-23, ordered by code then rate.
    pub breakdown: Vec<TaxSubtotal>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the amounts are too large")]
pub struct TooLarge;

/// `value × numerator ÷ denominator`, rounded half up (all non-negative).
fn mul_div_round(value: i128, numerator: i128, denominator: i128) -> i128 {
    (value * numerator * 2 + denominator) / (denominator * 2)
}

fn checked(value: i128) -> Result<i64, TooLarge> {
    i64::try_from(value)
        .ok()
        .filter(|v| v.abs() <= MAX_AMOUNT_MINOR)
        .ok_or(TooLarge)
}

/// Rule 1 and 2 for one line.
pub fn line_amounts(line: &PricedLine, mode: PriceMode) -> Result<LineAmounts, TooLarge> {
    let amount = checked(mul_div_round(
        i128::from(line.quantity_milli),
        i128::from(line.unit_price_minor),
        1000,
    ))?;
    let discount = checked(mul_div_round(
        i128::from(amount),
        i128::from(line.discount_bp),
        10_000,
    ))?;
    let after_discount = amount - discount;
    let net = match mode {
        PriceMode::Exclusive => after_discount,
        PriceMode::Inclusive => checked(mul_div_round(
            i128::from(after_discount),
            10_000,
            10_000 + i128::from(line.rate_bp),
        ))?,
    };
    Ok(LineAmounts {
        amount_minor: amount,
        discount_minor: discount,
        net_minor: net,
    })
}

/// Rules 3–5 over all lines; also returns each line's amounts, in order.
pub fn compute(
    lines: &[PricedLine],
    mode: PriceMode,
) -> Result<(Vec<LineAmounts>, Totals), TooLarge> {
    let amounts = lines
        .iter()
        .map(|l| line_amounts(l, mode))
        .collect::<Result<Vec<_>, _>>()?;
    let mut breakdown: Vec<TaxSubtotal> = Vec::new();
    for (line, a) in lines.iter().zip(&amounts) {
        match breakdown
            .iter_mut()
            .find(|s| s.code == line.code && s.rate_bp == line.rate_bp)
        {
            Some(s) => {
                s.taxable_minor = checked(i128::from(s.taxable_minor) + i128::from(a.net_minor))?
            }
            None => breakdown.push(TaxSubtotal {
                code: line.code,
                rate_bp: line.rate_bp,
                taxable_minor: a.net_minor,
                tax_minor: 0,
            }),
        }
    }
    breakdown.sort_by_key(|s| (s.code, s.rate_bp));
    for s in &mut breakdown {
        s.tax_minor = checked(mul_div_round(
            i128::from(s.taxable_minor),
            i128::from(s.rate_bp),
            10_000,
        ))?;
    }
    let sum = |f: &dyn Fn(&LineAmounts) -> i64| -> Result<i64, TooLarge> {
        checked(amounts.iter().map(|a| i128::from(f(a))).sum())
    };
    let line_net = sum(&|a| a.net_minor)?;
    let tax = checked(breakdown.iter().map(|s| i128::from(s.tax_minor)).sum())?;
    let inclusive = checked(i128::from(line_net) + i128::from(tax))?;
    let payable = match mode {
        PriceMode::Exclusive => inclusive,
        PriceMode::Inclusive => sum(&|a| a.amount_minor - a.discount_minor)?,
    };
    Ok((
        amounts,
        Totals {
            line_net_minor: line_net,
            tax_exclusive_minor: line_net,
            tax_minor: tax,
            tax_inclusive_minor: inclusive,
            rounding_minor: payable - inclusive,
            payable_minor: payable,
            breakdown,
        },
    ))
}

/// One part of a document invoiced in parts (per shipment): the amounts between the state
/// `before` (the quantities invoiced earlier) and `after` (those plus this part), line by line
/// and category by category. The parts of a line, and of the whole document, then add up
/// exactly to what the whole would be at once — the last part takes the remainder — and each
/// part's category tax is at most one minor unit off its own rounding (BR-CO-17 allows one
/// whole unit). `before` and `after` list the same lines in the same order.
pub fn compute_part(
    before: &[PricedLine],
    after: &[PricedLine],
    mode: PriceMode,
) -> Result<(Vec<LineAmounts>, Totals), TooLarge> {
    let (was, was_totals) = compute(before, mode)?;
    let (now, now_totals) = compute(after, mode)?;
    let amounts = was
        .iter()
        .zip(&now)
        .map(|(a, b)| LineAmounts {
            amount_minor: b.amount_minor - a.amount_minor,
            discount_minor: b.discount_minor - a.discount_minor,
            net_minor: b.net_minor - a.net_minor,
        })
        .collect();
    // The categories of the lines this part carries (a free line's category included).
    let carried: Vec<(VatCode, RateBp)> = before
        .iter()
        .zip(after)
        .filter(|(a, b)| b.quantity_milli != a.quantity_milli)
        .map(|(_, b)| (b.code, b.rate_bp))
        .collect();
    let breakdown = now_totals
        .breakdown
        .iter()
        .filter(|s| carried.contains(&(s.code, s.rate_bp)))
        .map(|s| {
            let earlier = was_totals
                .breakdown
                .iter()
                .find(|e| e.code == s.code && e.rate_bp == s.rate_bp);
            TaxSubtotal {
                code: s.code,
                rate_bp: s.rate_bp,
                taxable_minor: s.taxable_minor - earlier.map_or(0, |e| e.taxable_minor),
                tax_minor: s.tax_minor - earlier.map_or(0, |e| e.tax_minor),
            }
        })
        .collect();
    let minus = |b: i64, a: i64| b - a;
    Ok((
        amounts,
        Totals {
            line_net_minor: minus(now_totals.line_net_minor, was_totals.line_net_minor),
            tax_exclusive_minor: minus(
                now_totals.tax_exclusive_minor,
                was_totals.tax_exclusive_minor,
            ),
            tax_minor: minus(now_totals.tax_minor, was_totals.tax_minor),
            tax_inclusive_minor: minus(
                now_totals.tax_inclusive_minor,
                was_totals.tax_inclusive_minor,
            ),
            rounding_minor: minus(now_totals.rounding_minor, was_totals.rounding_minor),
            payable_minor: minus(now_totals.payable_minor, was_totals.payable_minor),
            breakdown,
        },
    ))
}

/// The EN 16931 total rules (BR-CO-10 … BR-CO-17) these totals break, checked exactly except
/// that a category's tax may be one minor unit off (the official BR-CO-17 allows one whole
/// unit; parts of a document invoiced in parts need one cent). Empty when all hold.
pub fn broken_rules(line_nets: &[i64], totals: &Totals) -> Vec<&'static str> {
    let mut broken = Vec::new();
    let lines: i128 = line_nets.iter().map(|n| i128::from(*n)).sum();
    if i128::from(totals.line_net_minor) != lines {
        broken.push("BR-CO-10");
    }
    // No document-level allowances or charges: BT-107 = BT-108 = 0 (BR-CO-11, BR-CO-12).
    if totals.tax_exclusive_minor != totals.line_net_minor {
        broken.push("BR-CO-13");
    }
    let category_tax: i128 = totals
        .breakdown
        .iter()
        .map(|s| i128::from(s.tax_minor))
        .sum();
    if i128::from(totals.tax_minor) != category_tax {
        broken.push("BR-CO-14");
    }
    if totals.tax_inclusive_minor != totals.tax_exclusive_minor + totals.tax_minor {
        broken.push("BR-CO-15");
    }
    if totals.payable_minor != totals.tax_inclusive_minor + totals.rounding_minor {
        broken.push("BR-CO-16");
    }
    let taxable: i128 = totals
        .breakdown
        .iter()
        .map(|s| i128::from(s.taxable_minor))
        .sum();
    let rates_ok = totals.breakdown.iter().all(|s| {
        let exact = mul_div_round(i128::from(s.taxable_minor), i128::from(s.rate_bp), 10_000);
        (i128::from(s.tax_minor) - exact).abs() <= 1
    });
    if !rates_ok || taxable != lines {
        broken.push("BR-CO-17");
    }
    broken
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(q: i64, price: i64, discount: u32, code: VatCode, rate: RateBp) -> PricedLine {
        PricedLine {
            quantity_milli: q,
            unit_price_minor: price,
            discount_bp: discount,
            code,
            rate_bp: rate,
        }
    }

    #[test]
    fn tax_is_rounded_once_per_category() {
        // Three lines of 0.05 at 19 %: per-line rounding would give 3 × 0.01 = 0.03; the
        // category's 0.15 × 19 % = 0.0285 → 0.03 as well, but 0.10 + 0.05 + 0.05 shows the sum.
        let lines = [
            line(1000, 5, 0, VatCode::S, 1900),
            line(1000, 5, 0, VatCode::S, 1900),
            line(1000, 5, 0, VatCode::S, 1900),
            line(1000, 5, 0, VatCode::S, 700),
        ];
        let (_, totals) = compute(&lines, PriceMode::Exclusive).unwrap();
        assert_eq!(totals.breakdown.len(), 2);
        assert_eq!(totals.breakdown[0].rate_bp, 700);
        assert_eq!(totals.breakdown[0].tax_minor, 0); // 0.05 × 7 % = 0.0035
        assert_eq!(totals.breakdown[1].taxable_minor, 15);
        assert_eq!(totals.breakdown[1].tax_minor, 3); // 0.0285
        assert_eq!(totals.payable_minor, 23);
    }

    #[test]
    fn discount_and_quantity_round_half_up() {
        // 2.5 × 10.01 = 25.025 → 25.03; 15 % of it = 3.7545 → 3.75; net 21.28.
        let a = line_amounts(
            &line(2500, 1001, 1500, VatCode::S, 1900),
            PriceMode::Exclusive,
        )
        .unwrap();
        assert_eq!(
            (a.amount_minor, a.discount_minor, a.net_minor),
            (2503, 375, 2128)
        );
    }

    #[test]
    fn inclusive_prices_keep_the_shown_total_payable() {
        let lines = [
            line(1000, 1190, 0, VatCode::S, 1900),
            line(3000, 999, 0, VatCode::S, 1900),
        ];
        let (amounts, totals) = compute(&lines, PriceMode::Inclusive).unwrap();
        assert_eq!(amounts[0].net_minor, 1000);
        assert_eq!(totals.payable_minor, 1190 + 2997);
        assert!(broken_rules(&[amounts[0].net_minor, amounts[1].net_minor], &totals).is_empty());
    }

    #[test]
    fn a_wrong_total_is_caught() {
        let (amounts, mut totals) = compute(
            &[line(1000, 10000, 0, VatCode::S, 1900)],
            PriceMode::Exclusive,
        )
        .unwrap();
        totals.tax_inclusive_minor += 1;
        let nets: Vec<_> = amounts.iter().map(|a| a.net_minor).collect();
        assert_eq!(broken_rules(&nets, &totals), vec!["BR-CO-15", "BR-CO-16"]);
    }

    #[test]
    fn huge_amounts_are_refused_not_wrapped() {
        let lines = [line(1_000_000_000, MAX_AMOUNT_MINOR, 0, VatCode::S, 1900)];
        assert_eq!(compute(&lines, PriceMode::Exclusive), Err(TooLarge));
    }

    fn arb_line() -> impl Strategy<Value = PricedLine> {
        let tax = crate::fixtures::arb_tax();
        (1i64..=1_000_000, 0i64..=10_000_000, 0u32..=10_000, tax)
            .prop_map(|(q, price, discount, (code, rate))| line(q, price, discount, code, rate))
    }

    proptest! {
        #[test]
        fn random_documents_satisfy_the_total_rules(
            lines in proptest::collection::vec(arb_line(), 1..40),
            inclusive in any::<bool>(),
        ) {
            let mode = if inclusive { PriceMode::Inclusive } else { PriceMode::Exclusive };
            let (amounts, totals) = compute(&lines, mode).unwrap();
            let nets: Vec<i64> = amounts.iter().map(|a| a.net_minor).collect();
            prop_assert!(broken_rules(&nets, &totals).is_empty(), "{:?}", totals);
            for (l, a) in lines.iter().zip(&amounts) {
                prop_assert!(a.discount_minor <= a.amount_minor);
                prop_assert!(a.net_minor >= 0);
                if mode == PriceMode::Exclusive {
                    prop_assert_eq!(a.net_minor, a.amount_minor - a.discount_minor);
                } else {
                    // The net and its tax at the line's rate give back the gross within a cent.
                    let gross = a.amount_minor - a.discount_minor;
                    let back = a.net_minor + mul_div_round(a.net_minor.into(), l.rate_bp.into(), 10_000) as i64;
                    prop_assert!((back - gross).abs() <= 1, "{back} vs {gross}");
                }
            }
            if mode == PriceMode::Inclusive {
                let shown: i64 = amounts.iter().map(|a| a.amount_minor - a.discount_minor).sum();
                prop_assert_eq!(totals.payable_minor, shown);
                // Line-wise conversion keeps the rounding amount within a cent per line.
                prop_assert!(totals.rounding_minor.abs() <= (lines.len() + totals.breakdown.len()) as i64);
            } else {
                prop_assert_eq!(totals.rounding_minor, 0);
            }
        }
    }
}
