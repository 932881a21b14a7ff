//! Payments: money received from a customer, allocated to one or several of its posted
//! invoices (oldest due first unless named), partially or fully; what is left over is kept as
//! the customer's credit. Invoices never get more than they are owed.

use crate::changes::{self, FieldChange, Fields};
use crate::error::{FieldError, ValidationErrors};
use crate::event::Change;
use crate::ids::{AccountId, InvoiceId, PaymentId};
use crate::invoice::{Invoice, InvoiceKind, InvoiceStatus};
use crate::money::{Currency, MAX_AMOUNT_MINOR, Money, currency_field};
use crate::record::RecordMeta;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    BankTransfer,
    Card,
    DirectDebit,
    Cash,
    Other,
}

string_enum!(PaymentMethod {
    BankTransfer => "bank_transfer", Card => "card", DirectDebit => "direct_debit",
    Cash => "cash", Other => "other",
});

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Allocation {
    #[schema(value_type = String, format = Uuid)]
    pub invoice_id: InvoiceId,
    pub invoice_number: String,
    pub amount_minor: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Payment {
    #[schema(value_type = String, format = Uuid)]
    pub id: PaymentId,
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    #[schema(value_type = String)]
    pub currency: Currency,
    pub amount_minor: i64,
    /// The amount as a decimal string.
    pub amount: String,
    #[schema(value_type = String, format = Date)]
    pub received_on: Date,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    pub allocations: Vec<Allocation>,
    /// Not allocated to any invoice: the customer's credit.
    pub credit_minor: i64,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// An invoice a payment is for, and at most how much of it.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationInput {
    pub invoice_id: String,
    /// Decimal; the invoice's outstanding amount when omitted.
    pub amount: Option<String>,
}

/// A payment as entered.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    pub account_id: String,
    /// Decimal, positive.
    pub amount: String,
    /// The company's default currency when omitted.
    pub currency: Option<String>,
    /// YYYY-MM-DD; today when omitted.
    pub received_on: Option<String>,
    /// bank_transfer (default), card, direct_debit, cash or other.
    pub method: Option<String>,
    pub reference: Option<String>,
    /// The invoices it pays; the account's open invoices, oldest due first, when omitted.
    pub invoices: Option<Vec<AllocationInput>>,
}

/// A parsed payment request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    pub account_id: AccountId,
    pub money: Money,
    pub received_on: Date,
    pub method: PaymentMethod,
    pub reference: Option<String>,
    /// Named invoices with an optional cap each.
    pub invoices: Option<Vec<(InvoiceId, Option<i64>)>>,
}

impl PaymentInput {
    pub fn parse(
        &self,
        default_currency: Currency,
        today: Date,
    ) -> Result<PaymentRequest, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let account_id = errors.take(
            self.account_id
                .trim()
                .parse()
                .map_err(|_| FieldError::new("account_id", "invalid_id", "must be an account id")),
        );
        let currency = errors
            .take(currency_field(
                self.currency.as_deref(),
                None,
                default_currency,
            ))
            .unwrap_or(default_currency);
        let positive = |field: &str, raw: &str| {
            let invalid = || {
                FieldError::new(
                    field,
                    "invalid_amount",
                    format!("a positive amount in {}", currency.code()),
                )
            };
            match Money::parse(raw, currency).map(|m| m.minor) {
                Ok(minor) if minor < 0 => Err(FieldError::new(
                    field,
                    "negative_amount",
                    "cannot be negative: record a refund as a credit note",
                )),
                Ok(minor) if minor > 0 && minor <= MAX_AMOUNT_MINOR => Ok(minor),
                _ => Err(invalid()),
            }
        };
        let amount = errors.take(positive("amount", &self.amount));
        let received_on = match self
            .received_on
            .as_deref()
            .map(str::trim)
            .filter(|d| !d.is_empty())
        {
            None => Some(today),
            Some(raw) => errors.take(raw.parse().map_err(|_| {
                FieldError::new("received_on", "invalid_date", "must be a date YYYY-MM-DD")
            })),
        };
        let method = match self
            .method
            .as_deref()
            .map(str::trim)
            .filter(|m| !m.is_empty())
        {
            None => Some(PaymentMethod::BankTransfer),
            Some(raw) => errors.take(
                raw.parse()
                    .map_err(|e: String| FieldError::new("method", "invalid_choice", e)),
            ),
        };
        let reference = self
            .reference
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| r.chars().take(200).collect());
        let invoices = self.invoices.as_ref().map(|list| {
            list.iter()
                .filter_map(|a| {
                    let id = errors.take(a.invoice_id.trim().parse().map_err(|_| {
                        FieldError::new("invoices", "invalid_id", "must be an invoice id")
                    }))?;
                    let cap = match a.amount.as_deref() {
                        None => None,
                        Some(raw) => Some(errors.take(positive("invoices", raw))?),
                    };
                    Some((id, cap))
                })
                .collect()
        });
        match (account_id, amount, received_on, method) {
            (Some(account_id), Some(minor), Some(received_on), Some(method))
                if errors.is_empty() =>
            {
                Ok(PaymentRequest {
                    account_id,
                    money: Money::new(minor, currency),
                    received_on,
                    method,
                    reference,
                    invoices,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Splits `amount` over open invoices (in the order given), each up to its outstanding amount
/// and its cap; returns the allocations and what is left as credit.
pub fn allocate(amount: i64, invoices: &[(&Invoice, Option<i64>)]) -> (Vec<Allocation>, i64) {
    let mut left = amount;
    let mut allocations = Vec::new();
    for (invoice, cap) in invoices {
        let open = invoice.kind == InvoiceKind::Invoice
            && matches!(
                invoice.status,
                InvoiceStatus::Posted | InvoiceStatus::PartiallyPaid
            );
        let due = invoice
            .outstanding_minor()
            .min(cap.unwrap_or(i64::MAX))
            .min(left);
        if !open || due <= 0 {
            continue;
        }
        left -= due;
        allocations.push(Allocation {
            invoice_id: invoice.id,
            invoice_number: invoice.number.clone().unwrap_or_default(),
            amount_minor: due,
        });
    }
    (allocations, left)
}

impl Invoice {
    /// A payment's share applied: paid grows (never beyond the total), the status follows.
    pub fn paid_with(&self, amount: i64, now: Timestamp) -> (Self, Change) {
        let mut next = self.clone();
        next.paid_minor = (self.paid_minor + amount).min(self.totals.payable_minor);
        next.status = if next.outstanding_minor() == 0 {
            InvoiceStatus::Paid
        } else {
            InvoiceStatus::PartiallyPaid
        };
        next.meta = self.meta.next(now);
        let fields = changes::diff(self, &next);
        // Only a payment that settles the invoice is the step "paid"; one that leaves some
        // open is "partially_paid", so process mining never counts it as paid.
        let activity = match next.status {
            InvoiceStatus::Paid => "paid",
            _ => "partially_paid",
        };
        let change =
            Change::transition(activity, self.status.as_str(), next.status.as_str(), fields);
        (next, change)
    }
}

impl Fields for Payment {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let money = |minor| Some(Money::new(minor, self.currency).to_string());
        let allocations: Vec<String> = self
            .allocations
            .iter()
            .map(|a| {
                format!(
                    "{}: {}",
                    a.invoice_number,
                    Money::new(a.amount_minor, self.currency)
                )
            })
            .collect();
        vec![
            ("amount", money(self.amount_minor)),
            ("received_on", Some(self.received_on.to_string())),
            ("method", Some(self.method.to_string())),
            ("reference", self.reference.clone()),
            ("allocations", Some(allocations.join("; "))),
            ("credit", money(self.credit_minor)),
            ("owner_id", Some(self.meta.owner_id.to_string())),
            ("archived", Some(self.meta.archived.to_string())),
        ]
    }
}

impl Payment {
    pub fn received(
        id: PaymentId,
        request: &PaymentRequest,
        allocations: Vec<Allocation>,
        credit_minor: i64,
        meta: RecordMeta,
    ) -> (Self, Change) {
        let payment = Self {
            id,
            account_id: request.account_id,
            currency: request.money.currency,
            amount_minor: request.money.minor,
            amount: request.money.amount_text(),
            received_on: request.received_on,
            method: request.method,
            reference: request.reference.clone(),
            allocations,
            credit_minor,
            meta,
        };
        let mut fields = changes::created(&payment);
        if credit_minor > 0 {
            fields.push(FieldChange {
                field: "customer_credit".into(),
                old: None,
                new: Some(Money::new(credit_minor, payment.currency).to_string()),
            });
        }
        (payment, Change::new("received", fields))
    }
}

impl crate::record::Owned for Payment {
    type Details = ();

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, _: ()) -> Self {
        self.clone()
    }
}
