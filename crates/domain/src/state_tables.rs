//! RELIABILITY.md goal 8: for every document, every state × every action, the action is
//! accepted exactly when the documented state machine (DOMAIN.md) allows it — 0 illegal
//! transitions accepted, 0 legal ones refused. The expected tables are written out by hand from
//! the documentation, not derived from the code they check.

use crate::delivery::{Delivery, DeliveryStatus, ShipInput};
use crate::fixtures::{details, now, order, quote, today};
use crate::ids::{DeliveryId, InvoiceId, QuoteId, UserId, WarehouseId};
use crate::invoice::{Invoice, InvoiceKind, InvoiceStatus};
use crate::payment::allocate;
use crate::quote::{Quote, QuoteStatus};
use crate::sales_order::{OrderStatus, SalesOrder};
use uuid::Uuid;

/// A named action on a document: whether the document accepts it.
type Action<'a, D> = (&'a str, &'a dyn Fn(&D) -> bool);

/// Runs every action on a document in every state; returns the cells that differ from the
/// expected table as "state × action: expected …".
fn mismatches<S: Copy + std::fmt::Debug, D>(
    states: &[S],
    actions: &[Action<'_, D>],
    expected: &[&[u8]],
    in_state: impl Fn(S) -> D,
) -> Vec<String> {
    let mut wrong = Vec::new();
    for (row, state) in states.iter().enumerate() {
        let doc = in_state(*state);
        for (col, (name, action)) in actions.iter().enumerate() {
            let legal = expected[row][col] == 1;
            if action(&doc) != legal {
                let verdict = if legal { "allowed" } else { "refused" };
                wrong.push(format!("{state:?} × {name}: expected {verdict}"));
            }
        }
    }
    wrong
}

#[test]
fn quote_states_by_actions() {
    use QuoteStatus::*;
    let states = [
        Draft,
        PendingApproval,
        Sent,
        ChangesRequested,
        Accepted,
        Declined,
        Expired,
        Superseded,
    ];
    let after_validity = today().checked_add(jiff::Span::new().days(400)).unwrap();
    let actions: [Action<'_, Quote>; 8] = [
        ("send", &|q| {
            q.request_approval_if_needed(10_000, today(), now()).is_ok()
        }),
        ("decide", &|q| {
            q.decide(true, UserId(Uuid::nil()), 10_000, None, now())
                .is_ok()
        }),
        ("revise", &|q| {
            matches!(q.revise(details("3 x LIC"), None, None, now()), Ok(Some(_)))
        }),
        ("request changes", &|q| {
            q.customer_requests_changes("More please", None, today(), now())
                .is_ok()
        }),
        ("decline", &|q| {
            q.customer_declines("Too dear", None, today(), now())
                .is_ok()
        }),
        ("accept", &|q| {
            q.customer_accepts("Ada Byron", None, today(), now())
                .is_ok()
        }),
        ("expire", &|q| q.expire(after_validity, now()).is_some()),
        ("supersede", &|q| {
            q.supersede(QuoteId(Uuid::now_v7()), now()).is_some()
        }),
    ];
    //                       send decide revise changes decline accept expire supersede
    let expected: [&[u8]; 8] = [
        &[1, 0, 1, 0, 0, 0, 0, 0], // draft
        &[0, 1, 1, 0, 0, 0, 0, 0], // pending approval
        &[0, 0, 1, 1, 1, 1, 1, 1], // sent
        &[0, 0, 1, 0, 1, 1, 1, 1], // changes requested
        &[0, 0, 0, 0, 0, 0, 0, 0], // accepted
        &[0, 0, 0, 0, 0, 0, 0, 0], // declined
        &[0, 0, 0, 0, 0, 0, 0, 0], // expired
        &[0, 0, 0, 0, 0, 0, 0, 0], // superseded
    ];
    let wrong = mismatches(&states, &actions, &expected, |s| {
        let mut q = quote("2 x LIC\nBOOK");
        q.status = s;
        if s != Draft {
            q.number = Some("Q-00001".into());
        }
        q
    });
    assert!(wrong.is_empty(), "{wrong:#?}");
}

/// A posted invoice for the whole order, paid in full.
fn paid_invoice(o: &SalesOrder) -> Invoice {
    let (draft, _) = Invoice::draft(
        InvoiceId(Uuid::now_v7()),
        o,
        crate::invoice::InvoicePart::Whole,
        now(),
    )
    .unwrap();
    let (posted, _) = draft.post("INV-00001".into(), today(), 14, now()).unwrap();
    posted.paid_with(posted.totals.payable_minor, now()).0
}

#[test]
fn order_states_by_actions() {
    use OrderStatus::*;
    let states = [
        New,
        Confirmed,
        PartiallyShipped,
        Shipped,
        Invoiced,
        Paid,
        Cancelled,
    ];
    let actions: [Action<'_, SalesOrder>; 5] = [
        ("confirm", &|o| o.check_confirmable().is_ok()),
        ("inspect", &|o| {
            o.inspect(true, None, UserId(Uuid::nil()), now()).is_ok()
        }),
        ("release", &|o| o.release(&[], false, now()).is_ok()),
        ("cancel", &|o| o.cancel("Changed plans", now()).is_ok()),
        ("settle", &|o| {
            o.settled(&[paid_invoice(o)], now()).is_some()
        }),
    ];
    //                       confirm inspect release cancel settle
    let expected: [&[u8]; 7] = [
        &[1, 0, 0, 1, 0], // new
        &[0, 1, 1, 1, 0], // confirmed
        &[0, 1, 1, 0, 0], // partially shipped
        &[0, 0, 0, 0, 1], // shipped
        &[0, 0, 0, 0, 1], // invoiced
        &[0, 0, 0, 0, 0], // paid
        &[0, 0, 0, 0, 0], // cancelled
    ];
    let wrong = mismatches(&states, &actions, &expected, |s| {
        let mut o = order("2 x LIC\nBOOK");
        o.status = s;
        if s == PartiallyShipped {
            // One unit released and shipped, the rest still open.
            o.progress[0].released_milli = 1_000;
            o.progress[0].shipped_milli = 1_000;
        }
        o
    });
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn delivery_states_by_actions() {
    let states = [DeliveryStatus::Released, DeliveryStatus::Shipped];
    let ship = ShipInput {
        version: 1,
        carrier: Some("DHL".into()),
        tracking: None,
    };
    let actions: [Action<'_, Delivery>; 1] = [("ship", &|d| d.ship(&ship, now()).is_ok())];
    let expected: [&[u8]; 2] = [&[1], &[0]];
    let wrong = mismatches(&states, &actions, &expected, |s| {
        let o = order("2 x LIC");
        let (mut d, _) = Delivery::released(
            DeliveryId(Uuid::now_v7()),
            "DN-00001".into(),
            &o,
            WarehouseId(Uuid::nil()),
            &[(0, 2_000)],
            &[],
            now(),
        );
        d.status = s;
        d
    });
    assert!(wrong.is_empty(), "{wrong:#?}");
}

#[test]
fn invoice_and_credit_note_states_by_actions() {
    use InvoiceKind::*;
    use InvoiceStatus::*;
    let states = [
        (Invoice, Draft),
        (Invoice, Posted),
        (Invoice, PartiallyPaid),
        (Invoice, Paid),
        (Invoice, Voided),
        (CreditNote, Draft),
        (CreditNote, Posted),
        (CreditNote, Voided),
    ];
    let actions: [Action<'_, crate::invoice::Invoice>; 4] = [
        ("post", &|i| {
            i.post("X-1".into(), today(), 14, now()).is_ok()
        }),
        ("credit", &|i| {
            i.credit_note(InvoiceId(Uuid::now_v7()), now()).is_ok()
        }),
        ("void", &|i| i.voided(now()).is_ok()),
        ("pay", &|i| !allocate(100, &[(i, None)]).0.is_empty()),
    ];
    //                       post credit void pay
    let expected: [&[u8]; 8] = [
        &[1, 0, 1, 0], // invoice draft
        &[0, 1, 0, 1], // invoice posted
        &[0, 1, 0, 1], // invoice partially paid
        &[0, 1, 0, 0], // invoice paid
        &[0, 0, 0, 0], // invoice voided
        &[1, 0, 1, 0], // credit note draft
        &[0, 0, 0, 0], // credit note posted
        &[0, 0, 0, 0], // credit note voided
    ];
    let wrong = mismatches(&states, &actions, &expected, |(kind, status)| {
        let o = order("2 x LIC");
        let (mut i, _) = crate::invoice::Invoice::draft(
            InvoiceId(Uuid::now_v7()),
            &o,
            crate::invoice::InvoicePart::Whole,
            now(),
        )
        .unwrap();
        i.kind = kind;
        i.status = status;
        if status.is_posted() {
            i.number = Some("INV-00001".into());
        }
        match status {
            PartiallyPaid => i.paid_minor = 100,
            Paid => i.paid_minor = i.totals.payable_minor,
            _ => {}
        }
        i
    });
    assert!(wrong.is_empty(), "{wrong:#?}");
}
