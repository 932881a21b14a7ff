//! Invoices and credit notes: priced from an order (all of it, or one shipment), exact totals
//! by the quote rules, a draft until posted — posting gives the number from a gapless series and
//! makes the document immutable; corrections are credit notes linked to the invoice.

use crate::changes::{self, FieldChange, Fields};
use crate::event::Change;
use crate::ids::{AccountId, ContactId, DeliveryId, InvoiceId, SalesOrderId};
use crate::money::{Currency, Money};
use crate::quote::lines::QuoteLine;
use crate::quote::totals::{self, PriceMode, Totals};
use crate::record::RecordMeta;
use crate::sales_order::SalesOrder;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKind {
    Invoice,
    CreditNote,
}

string_enum!(InvoiceKind { Invoice => "invoice", CreditNote => "credit_note" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Draft,
    /// Numbered and final.
    Posted,
    PartiallyPaid,
    Paid,
    /// A draft that will never be posted (its order was cancelled); it has no number.
    Voided,
}

string_enum!(InvoiceStatus {
    Draft => "draft", Posted => "posted", PartiallyPaid => "partially_paid", Paid => "paid",
    Voided => "voided",
});

impl InvoiceStatus {
    /// Numbered and final (whatever has been paid).
    pub fn is_posted(self) -> bool {
        matches!(self, Self::Posted | Self::PartiallyPaid | Self::Paid)
    }
}

/// When an order is invoiced.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum InvoicePolicy {
    /// One invoice for the whole order when it is confirmed.
    #[default]
    OnOrder,
    /// One invoice per shipment, for what it carried.
    OnShipment,
}

string_enum!(InvoicePolicy { OnOrder => "on_order", OnShipment => "on_shipment" });

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Invoice {
    #[schema(value_type = String, format = Uuid)]
    pub id: InvoiceId,
    /// From the gapless series, given when posted.
    pub number: Option<String>,
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    #[schema(value_type = String, format = Uuid)]
    pub order_id: SalesOrderId,
    pub order_number: String,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub delivery_id: Option<DeliveryId>,
    /// The invoice a credit note corrects.
    #[schema(value_type = Option<String>, format = Uuid)]
    pub credit_of: Option<InvoiceId>,
    pub credit_of_number: Option<String>,
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub contact_id: Option<ContactId>,
    #[schema(value_type = String, format = Uuid)]
    pub case_id: Uuid,
    #[schema(value_type = String)]
    pub currency: Currency,
    #[schema(value_type = String)]
    pub price_mode: PriceMode,
    pub terms: Option<String>,
    pub lines: Vec<QuoteLine>,
    /// For each line, the order line it bills.
    pub order_lines: Vec<usize>,
    pub totals: Totals,
    #[schema(value_type = Option<String>, format = Date)]
    pub issue_date: Option<Date>,
    #[schema(value_type = Option<String>, format = Date)]
    pub due_date: Option<Date>,
    /// Paid so far, in minor units.
    pub paid_minor: i64,
    /// Amount due as a decimal string.
    pub total: String,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// Invoices change through their steps only; their owner can be changed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceInput {
    pub owner_id: Option<String>,
    pub version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    #[error("a {0} invoice cannot be changed; correct it with a credit note")]
    NotDraft(&'static str),
    #[error("only a posted invoice can be credited")]
    NotPosted,
    #[error("the amounts are too large")]
    TooLarge,
}

impl Fields for Invoice {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let money = |minor| Some(Money::new(minor, self.currency).to_string());
        vec![
            ("number", self.number.clone()),
            ("kind", Some(self.kind.to_string())),
            ("status", Some(self.status.to_string())),
            ("order", Some(self.order_number.clone())),
            ("total", money(self.totals.payable_minor)),
            ("paid", money(self.paid_minor)),
            ("issue_date", self.issue_date.map(|d| d.to_string())),
            ("due_date", self.due_date.map(|d| d.to_string())),
            ("owner_id", Some(self.meta.owner_id.to_string())),
            ("archived", Some(self.meta.archived.to_string())),
        ]
    }
}

/// Order lines at other quantities, re-priced with the quote rules.
pub fn priced_lines(
    order: &SalesOrder,
    quantities: &[(usize, i64)],
) -> Result<(Vec<QuoteLine>, Totals), InvoiceError> {
    priced_part(order, &[], quantities)
}

/// What an order's lines come to at `quantities` (order line, thousandths), others at 0.
fn at_quantities(order: &SalesOrder, quantities: &[(usize, i64)]) -> Vec<totals::PricedLine> {
    order
        .lines
        .iter()
        .enumerate()
        .map(|(i, line)| totals::PricedLine {
            quantity_milli: quantities
                .iter()
                .filter(|(n, _)| *n == i)
                .map(|(_, q)| *q)
                .sum(),
            ..line.priced()
        })
        .collect()
}

/// The part `part` of an order's lines, invoiced after `before` was invoiced: amounts and
/// totals are the difference between the two cumulative states, so the invoices of one order
/// add up exactly to what the customer signed (the last part of a line takes the remainder).
pub fn priced_part(
    order: &SalesOrder,
    before: &[(usize, i64)],
    part: &[(usize, i64)],
) -> Result<(Vec<QuoteLine>, Totals), InvoiceError> {
    let after: Vec<(usize, i64)> = before.iter().chain(part).copied().collect();
    let (amounts, totals) = totals::compute_part(
        &at_quantities(order, before),
        &at_quantities(order, &after),
        order.price_mode,
    )
    .map_err(|_| InvoiceError::TooLarge)?;
    let lines = part
        .iter()
        .filter_map(|(i, q)| {
            let line = order.lines.get(*i)?;
            Some(QuoteLine {
                quantity_milli: *q,
                amounts: *amounts.get(*i)?,
                ..line.clone()
            })
        })
        .collect();
    Ok((lines, totals))
}

/// What an invoice of an order covers.
#[derive(Debug, Clone, Copy)]
pub enum InvoicePart<'a> {
    /// Every line in full (invoiced on order).
    Whole,
    /// What one shipment carried (order line, thousandths), after what earlier shipments'
    /// invoices covered.
    Shipment {
        delivery: DeliveryId,
        quantities: &'a [(usize, i64)],
        invoiced_before: &'a [(usize, i64)],
    },
}

impl Invoice {
    /// A draft invoice of an order: all its lines (`delivery` none) or what one shipment
    /// carried.
    pub fn draft(
        id: InvoiceId,
        order: &SalesOrder,
        part: InvoicePart<'_>,
        now: Timestamp,
    ) -> Result<(Self, Change), InvoiceError> {
        let all: Vec<(usize, i64)> = order
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| (i, l.quantity_milli))
            .collect();
        let (delivery, quantities, before) = match part {
            InvoicePart::Whole => (None, all.as_slice(), &[][..]),
            InvoicePart::Shipment {
                delivery,
                quantities,
                invoiced_before,
            } => (Some(delivery), quantities, invoiced_before),
        };
        let (lines, totals) = priced_part(order, before, quantities)?;
        let invoice = Self {
            id,
            number: None,
            kind: InvoiceKind::Invoice,
            status: InvoiceStatus::Draft,
            order_id: order.id,
            order_number: order.number.clone(),
            delivery_id: delivery,
            credit_of: None,
            credit_of_number: None,
            account_id: order.account_id,
            contact_id: order.contact_id,
            case_id: order.case_id,
            currency: order.currency,
            price_mode: order.price_mode,
            terms: order.terms.clone(),
            order_lines: quantities.iter().map(|(i, _)| *i).collect(),
            total: Money::new(totals.payable_minor, order.currency).amount_text(),
            lines,
            totals,
            issue_date: None,
            due_date: None,
            paid_minor: 0,
            meta: RecordMeta::new(order.meta.owner_id, order.meta.team_id, now),
        };
        let change = Change::transition("created", "", "draft", changes::created(&invoice));
        Ok((invoice, change))
    }

    /// A draft credit note for the whole of a posted invoice.
    pub fn credit_note(
        &self,
        id: InvoiceId,
        now: Timestamp,
    ) -> Result<(Self, Change), InvoiceError> {
        if self.kind != InvoiceKind::Invoice || !self.status.is_posted() {
            return Err(InvoiceError::NotPosted);
        }
        let note = Self {
            id,
            number: None,
            kind: InvoiceKind::CreditNote,
            status: InvoiceStatus::Draft,
            credit_of: Some(self.id),
            credit_of_number: self.number.clone(),
            delivery_id: None,
            issue_date: None,
            due_date: None,
            paid_minor: 0,
            meta: RecordMeta::new(self.meta.owner_id, self.meta.team_id, now),
            ..self.clone()
        };
        let change = Change::transition("created", "", "draft", changes::created(&note));
        Ok((note, change))
    }

    /// Posted: numbered, dated, final.
    pub fn post(
        &self,
        number: String,
        today: Date,
        payment_days: i64,
        now: Timestamp,
    ) -> Result<(Self, Change), InvoiceError> {
        if self.status != InvoiceStatus::Draft {
            return Err(InvoiceError::NotDraft(self.status.as_str()));
        }
        let mut next = self.clone();
        next.number = Some(number);
        next.status = InvoiceStatus::Posted;
        next.issue_date = Some(today);
        next.due_date = (self.kind == InvoiceKind::Invoice).then(|| {
            today
                .checked_add(jiff::Span::new().days(payment_days))
                .unwrap_or(today)
        });
        next.meta = self.meta.next(now);
        let fields = changes::diff(self, &next);
        Ok((
            next,
            Change::transition("posted", "draft", "posted", fields),
        ))
    }

    /// A draft set aside for good (its order was cancelled).
    pub fn voided(&self, now: Timestamp) -> Result<(Self, Change), InvoiceError> {
        if self.status != InvoiceStatus::Draft {
            return Err(InvoiceError::NotDraft(self.status.as_str()));
        }
        let mut next = self.clone();
        next.status = InvoiceStatus::Voided;
        next.meta = self.meta.next(now);
        let fields = changes::diff(self, &next);
        Ok((
            next,
            Change::transition("voided", "draft", "voided", fields),
        ))
    }

    /// What is still to be paid.
    pub fn outstanding_minor(&self) -> i64 {
        self.totals.payable_minor - self.paid_minor
    }

    /// The note on what the credit note corrects, for documents.
    pub fn reference(&self) -> Option<FieldChange> {
        self.credit_of_number.as_ref().map(|n| FieldChange {
            field: "credit_of".into(),
            old: None,
            new: Some(n.clone()),
        })
    }
}

impl SalesOrder {
    /// The order's status once its invoices say so: `invoiced` when it has shipped and every
    /// line is on a posted invoice (net of posted credit notes), `paid` when every such invoice
    /// that no credit note cancels is paid too. `None`: no change.
    pub fn settled(&self, invoices: &[Invoice], now: Timestamp) -> Option<(Self, Change)> {
        use crate::sales_order::OrderStatus;
        if !matches!(self.status, OrderStatus::Shipped | OrderStatus::Invoiced) {
            return None;
        }
        let posted = || invoices.iter().filter(|i| i.status.is_posted());
        let invoiced = |line: usize| -> i64 {
            posted()
                .flat_map(|i| {
                    let sign = if i.kind == InvoiceKind::Invoice {
                        1
                    } else {
                        -1
                    };
                    i.order_lines
                        .iter()
                        .zip(&i.lines)
                        .filter(move |(l, _)| **l == line)
                        .map(move |(_, q)| sign * q.quantity_milli)
                })
                .sum()
        };
        let covered = (0..self.lines.len()).all(|i| invoiced(i) >= self.lines[i].quantity_milli);
        if !covered {
            return None;
        }
        let credited = |id: InvoiceId| posted().any(|c| c.credit_of == Some(id));
        let paid = posted()
            .filter(|i| i.kind == InvoiceKind::Invoice && !credited(i.id))
            // Paid, or nothing to pay (a zero total).
            .all(|i| i.outstanding_minor() <= 0);
        let status = if paid {
            OrderStatus::Paid
        } else {
            OrderStatus::Invoiced
        };
        if status == self.status {
            return None;
        }
        let mut next = self.clone();
        next.status = status;
        next.meta = self.meta.next(now);
        let fields = changes::diff(self, &next);
        let change = Change::transition(
            status.as_str(),
            self.status.as_str(),
            status.as_str(),
            fields,
        );
        Some((next, change))
    }
}

impl crate::record::Owned for Invoice {
    type Details = ();

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, _: ()) -> Self {
        self.clone()
    }
}
