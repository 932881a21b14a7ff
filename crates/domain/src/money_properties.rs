//! RELIABILITY.md goal 6: 10,000 random orders — mixed taxes, discounts, both price modes —
//! invoiced per shipment, some credited, paid by random payments. Every invoice and credit note
//! satisfies the EN 16931 total rules exactly, money is conserved (payments = allocations +
//! customer credit), no invoice is ever paid beyond its total, and the order settles exactly when
//! its invoices say so.

use crate::fixtures::{now, order, today};
use crate::ids::{DeliveryId, InvoiceId};
use crate::invoice::{Invoice, InvoicePart, InvoiceStatus, priced_lines};
use crate::payment::allocate;
use crate::quote::totals::{PriceMode, broken_rules};
use crate::sales_order::{OrderStatus, SalesOrder};
use crate::tax::VatCode;
use proptest::prelude::*;
use uuid::Uuid;

/// (quantity, unit price, discount, tax, shipments the quantity is split into).
type LineSpec = (i64, i64, u32, (VatCode, u32), usize);

fn arb_line() -> impl Strategy<Value = LineSpec> {
    let tax = prop_oneof![
        (Just(VatCode::S), 1u32..=2500),
        Just((VatCode::S, 1900)),
        Just((VatCode::S, 700)),
        Just((VatCode::Z, 0)),
        Just((VatCode::E, 0)),
        Just((VatCode::AE, 0)),
    ];
    (
        1i64..=50_000,
        0i64..=2_000_000,
        0u32..=10_000,
        tax,
        1usize..=3,
    )
}

/// An order with these lines, priced by the quote rules.
fn order_of(specs: &[LineSpec], mode: PriceMode) -> SalesOrder {
    let mut o = order("1 x LIC");
    let template = o.lines[0].clone();
    o.price_mode = mode;
    o.lines = specs
        .iter()
        .map(|(q, price, discount, (code, rate), _)| {
            let mut line = template.clone();
            line.quantity_milli = *q;
            line.unit_price_minor = *price;
            line.discount_bp = *discount;
            line.tax_code = *code;
            line.tax_rate_bp = *rate;
            line
        })
        .collect();
    let all: Vec<(usize, i64)> = o
        .lines
        .iter()
        .enumerate()
        .map(|(i, l)| (i, l.quantity_milli))
        .collect();
    let (lines, totals) = priced_lines(&o, &all).unwrap();
    o.lines = lines;
    o.totals = totals;
    o
}

/// Shipment `k`'s quantities: each line's quantity in `parts` nearly equal pieces.
fn shipment(o: &SalesOrder, specs: &[LineSpec], k: usize) -> Vec<(usize, i64)> {
    specs
        .iter()
        .enumerate()
        .filter_map(|(i, (_, _, _, _, parts))| {
            let q = o.lines[i].quantity_milli;
            let base = q / *parts as i64;
            let piece = if k + 1 == *parts {
                q - base * (*parts as i64 - 1)
            } else {
                base
            };
            (k < *parts && piece > 0).then_some((i, piece))
        })
        .collect()
}

fn rules_hold(doc: &Invoice) -> Result<(), TestCaseError> {
    let nets: Vec<i64> = doc.lines.iter().map(|l| l.amounts.net_minor).collect();
    let broken = broken_rules(&nets, &doc.totals);
    prop_assert!(broken.is_empty(), "{broken:?} {:?}", doc.totals);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn invoices_credit_notes_and_payments_always_add_up(
        specs in proptest::collection::vec(arb_line(), 1..8),
        inclusive in any::<bool>(),
        credited in proptest::collection::vec(any::<bool>(), 3),
        payments in proptest::collection::vec(1i64..=5_000_000, 0..6),
    ) {
        let mode = if inclusive { PriceMode::Inclusive } else { PriceMode::Exclusive };
        let mut o = order_of(&specs, mode);
        let shipments = specs.iter().map(|s| s.4).max().unwrap_or(1);
        let mut invoices = Vec::new();
        let mut notes = Vec::new();
        let mut invoiced_before: Vec<(usize, i64)> = Vec::new();
        for (k, credit) in credited.iter().enumerate().take(shipments) {
            let quantities = shipment(&o, &specs, k);
            if quantities.is_empty() {
                continue;
            }
            let part = InvoicePart::Shipment {
                delivery: DeliveryId(Uuid::now_v7()),
                quantities: &quantities,
                invoiced_before: &invoiced_before,
            };
            let (draft, _) = Invoice::draft(InvoiceId(Uuid::now_v7()), &o, part, now()).unwrap();
            invoiced_before.extend(&quantities);
            rules_hold(&draft)?;
            let (posted, _) = draft.post(format!("INV-{k}"), today(), 14, now()).unwrap();
            if *credit {
                let (note, _) = posted.credit_note(InvoiceId(Uuid::now_v7()), now()).unwrap();
                let (note, _) = note.post(format!("CN-{k}"), today(), 14, now()).unwrap();
                rules_hold(&note)?;
                prop_assert_eq!(&note.totals, &posted.totals);
                notes.push(note);
            }
            invoices.push(posted);
        }
        // Every ordered unit is invoiced exactly once.
        for (i, line) in o.lines.iter().enumerate() {
            let invoiced: i64 = invoices
                .iter()
                .flat_map(|inv| inv.order_lines.iter().zip(&inv.lines))
                .filter(|(l, _)| **l == i)
                .map(|(_, q)| q.quantity_milli)
                .sum();
            prop_assert_eq!(invoiced, line.quantity_milli);
            // The parts of a line add up to the line the customer signed, to the cent.
            let net: i64 = invoices
                .iter()
                .flat_map(|inv| inv.order_lines.iter().zip(&inv.lines))
                .filter(|(l, _)| **l == i)
                .map(|(_, l)| l.amounts.net_minor)
                .sum();
            prop_assert_eq!(net, line.amounts.net_minor);
        }
        // And the invoices add up to the order's totals exactly.
        let total = |f: fn(&Invoice) -> i64| invoices.iter().map(f).sum::<i64>();
        prop_assert_eq!(total(|i| i.totals.payable_minor), o.totals.payable_minor);
        prop_assert_eq!(total(|i| i.totals.tax_minor), o.totals.tax_minor);
        prop_assert_eq!(total(|i| i.totals.line_net_minor), o.totals.line_net_minor);
        // Payments go to the invoices no credit note cancels, oldest first.
        let mut received = 0i64;
        let mut credit = 0i64;
        for amount in &payments {
            let open: Vec<(&Invoice, Option<i64>)> = invoices
                .iter()
                .filter(|i| !notes.iter().any(|n| n.credit_of == Some(i.id)))
                .map(|i| (i, None))
                .collect();
            let (allocations, left) = allocate(*amount, &open);
            let allocated: i64 = allocations.iter().map(|a| a.amount_minor).sum();
            prop_assert_eq!(allocated + left, *amount);
            prop_assert!(left >= 0);
            for a in &allocations {
                let index = invoices.iter().position(|i| i.id == a.invoice_id).unwrap();
                prop_assert!(a.amount_minor <= invoices[index].outstanding_minor());
                invoices[index] = invoices[index].paid_with(a.amount_minor, now()).0;
            }
            received += amount;
            credit += left;
        }
        let paid: i64 = invoices.iter().map(|i| i.paid_minor).sum();
        prop_assert_eq!(received, paid + credit, "money is conserved");
        for i in &invoices {
            prop_assert!(0 <= i.paid_minor && i.paid_minor <= i.totals.payable_minor);
            let expected = match i.paid_minor {
                0 => InvoiceStatus::Posted,
                p if p == i.totals.payable_minor => InvoiceStatus::Paid,
                _ => InvoiceStatus::PartiallyPaid,
            };
            // A zero-total invoice is settled by nothing and stays posted.
            if i.totals.payable_minor > 0 || i.paid_minor > 0 {
                prop_assert_eq!(i.status, expected);
            }
        }
        // The shipped order settles to paid exactly when every invoice it still owes is paid.
        o.status = OrderStatus::Shipped;
        let documents: Vec<Invoice> = invoices.iter().chain(&notes).cloned().collect();
        let settled = o.settled(&documents, now()).map(|(next, _)| next.status);
        let fully_invoiced = notes.is_empty();
        let all_paid = invoices
            .iter()
            .filter(|i| !notes.iter().any(|n| n.credit_of == Some(i.id)))
            .all(|i| i.status == InvoiceStatus::Paid || i.totals.payable_minor == 0);
        let expected = match (fully_invoiced, all_paid) {
            (false, _) => None,
            (true, true) => Some(OrderStatus::Paid),
            (true, false) => Some(OrderStatus::Invoiced),
        };
        prop_assert_eq!(settled, expected);
    }
}
