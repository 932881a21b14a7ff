//! Sales orders: what the customer signed. An order is created only by accepting a quote
//! and carries its lines, terms, totals and the signature; fulfilment and invoicing follow.

use crate::changes::{self, Fields};
use crate::event::Change;
use crate::ids::{
    AccountId, ContactId, OpportunityId, ProductId, QuoteId, SalesOrderId, WarehouseId,
};
use crate::money::{Currency, Money};
use crate::quote::Quote;
use crate::quote::lines::QuoteLine;
use crate::quote::totals::{PriceMode, Totals};
use crate::record::RecordMeta;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

mod cancel;
mod fulfilment;
pub use cancel::CancelError;
pub use fulfilment::{FulfilmentError, Inspection, LineProgress, ReleaseRequest};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Signed by the customer, waiting to be confirmed (stock is reserved on confirmation).
    New,
    /// Stock reserved; inspection and picking may start.
    Confirmed,
    /// Some goods left, the rest is still open (a backorder or a later shipment).
    PartiallyShipped,
    /// Everything ordered has left.
    Shipped,
    /// Shipped, and every line is on a posted invoice.
    Invoiced,
    /// Invoiced, and every invoice is paid.
    Paid,
    Cancelled,
}

string_enum!(OrderStatus {
    New => "new", Confirmed => "confirmed", PartiallyShipped => "partially_shipped",
    Shipped => "shipped", Invoiced => "invoiced", Paid => "paid", Cancelled => "cancelled",
});

/// Orders are written by accepting quotes; only their owner can be changed directly.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SalesOrderInput {
    pub owner_id: Option<String>,
    pub version: Option<i64>,
}

/// The customer's typed-name signature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Signature {
    pub name: String,
    pub ip: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SalesOrder {
    #[schema(value_type = String, format = Uuid)]
    pub id: SalesOrderId,
    pub number: String,
    pub status: OrderStatus,
    #[schema(value_type = String, format = Uuid)]
    pub quote_id: QuoteId,
    pub quote_number: Option<String>,
    pub quote_revision: u32,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub opportunity_id: Option<OpportunityId>,
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub contact_id: Option<ContactId>,
    #[schema(value_type = String, format = Uuid)]
    pub case_id: Uuid,
    pub title: String,
    #[schema(value_type = String)]
    pub currency: Currency,
    #[schema(value_type = String)]
    pub price_mode: PriceMode,
    pub terms: Option<String>,
    pub lines: Vec<QuoteLine>,
    pub totals: Totals,
    /// Amount due as a decimal string.
    pub total: String,
    pub signature: Signature,
    /// What confirming the order reserved, per stocked line (empty until confirmed).
    pub reservations: Vec<Reservation>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub confirmed_at: Option<Timestamp>,
    /// Per line: how much was released for picking and how much has shipped.
    pub progress: Vec<LineProgress>,
    /// Quality inspections, oldest first; the last one counts.
    pub inspections: Vec<Inspection>,
    pub invoice_policy: crate::invoice::InvoicePolicy,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// Stock held for one line of a confirmed order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Reservation {
    /// Index of the order line.
    pub line: usize,
    #[schema(value_type = String, format = Uuid)]
    pub product_id: ProductId,
    #[schema(value_type = String, format = Uuid)]
    pub warehouse_id: WarehouseId,
    pub reserved_milli: i64,
    /// What could not be reserved and waits for stock.
    pub backorder_milli: i64,
}

/// Stock an order asks for: one stocked line's quantity in a warehouse.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StockRequest {
    pub line: usize,
    pub product_id: ProductId,
    pub warehouse_id: WarehouseId,
    pub quantity_milli: i64,
}

/// How the company handles a confirmation without enough stock (Settings → Fulfilment).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct FulfilmentSettings {
    /// Confirm anyway and keep the missing quantity as a backorder (otherwise refuse).
    #[serde(default)]
    pub allow_backorder: bool,
    /// Product categories whose orders need a passed quality inspection before picking.
    #[serde(default)]
    pub inspect_categories: Vec<String>,
    /// How orders are invoiced unless their confirmation says otherwise.
    #[serde(default)]
    pub invoice_policy: crate::invoice::InvoicePolicy,
    /// Days from an invoice's date to its due date.
    #[serde(default = "thirty")]
    pub payment_days: i64,
}

fn thirty() -> i64 {
    30
}

impl Default for FulfilmentSettings {
    fn default() -> Self {
        Self {
            allow_backorder: false,
            inspect_categories: Vec::new(),
            invoice_policy: crate::invoice::InvoicePolicy::default(),
            payment_days: thirty(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OrderError {
    #[error("a {0} order cannot be confirmed")]
    NotNew(&'static str),
}

impl Fields for SalesOrder {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("number", Some(self.number.clone())),
            ("status", Some(self.status.to_string())),
            ("quote_id", Some(self.quote_id.to_string())),
            ("account_id", Some(self.account_id.to_string())),
            (
                "total",
                Some(Money::new(self.totals.payable_minor, self.currency).to_string()),
            ),
            ("signed_by", Some(self.signature.name.clone())),
            ("invoice_policy", Some(self.invoice_policy.to_string())),
            ("owner_id", Some(self.meta.owner_id.to_string())),
            ("archived", Some(self.meta.archived.to_string())),
        ]
    }
}

impl SalesOrder {
    /// The order an accepted quote becomes; it belongs to the quote's owner.
    pub fn from_accepted(
        id: SalesOrderId,
        number: String,
        quote: &Quote,
        signature: Signature,
        now: Timestamp,
    ) -> (Self, Change) {
        let d = &quote.details;
        let order = Self {
            id,
            number,
            status: OrderStatus::New,
            quote_id: quote.id,
            quote_number: quote.number.clone(),
            quote_revision: quote.revision,
            opportunity_id: quote.opportunity_id,
            account_id: d.account_id,
            contact_id: d.contact_id,
            case_id: quote.case_id,
            title: d.title.to_string(),
            currency: d.currency,
            price_mode: d.price_mode,
            terms: d.terms.clone(),
            lines: d.lines.clone(),
            totals: d.totals.clone(),
            total: Money::new(d.totals.payable_minor, d.currency).amount_text(),
            signature,
            reservations: Vec::new(),
            confirmed_at: None,
            progress: vec![LineProgress::default(); d.lines.len()],
            inspections: Vec::new(),
            invoice_policy: crate::invoice::InvoicePolicy::default(),
            meta: RecordMeta::new(quote.meta.owner_id, quote.meta.team_id, now),
        };
        let change = Change::transition(
            "created",
            "",
            OrderStatus::New.as_str(),
            changes::created(&order),
        );
        (order, change)
    }
}

impl SalesOrder {
    /// The stock its lines need: the stocked products' quantities, from `warehouse`.
    pub fn stock_requests(
        &self,
        stocked: &[ProductId],
        warehouse: WarehouseId,
    ) -> Vec<StockRequest> {
        self.lines
            .iter()
            .enumerate()
            .filter_map(|(line, l)| {
                let product = l.product_id.filter(|p| stocked.contains(p))?;
                Some(StockRequest {
                    line,
                    product_id: product,
                    warehouse_id: warehouse,
                    quantity_milli: l.quantity_milli,
                })
            })
            .collect()
    }

    /// Whether the order may be confirmed now.
    pub fn check_confirmable(&self) -> Result<(), OrderError> {
        match self.status {
            OrderStatus::New => Ok(()),
            other => Err(OrderError::NotNew(other.as_str())),
        }
    }

    /// Confirmed with the stock that was reserved for it (after `check_confirmable`; the
    /// store's version check keeps a second confirmation out).
    pub fn confirmed(
        &self,
        reservations: Vec<Reservation>,
        policy: crate::invoice::InvoicePolicy,
        now: Timestamp,
    ) -> (Self, Change) {
        let backorder: i64 = reservations.iter().map(|r| r.backorder_milli).sum();
        let mut next = self.clone();
        next.status = OrderStatus::Confirmed;
        next.invoice_policy = policy;
        next.confirmed_at = Some(now);
        next.reservations = reservations;
        next.meta = self.meta.next(now);
        let mut fields = changes::diff(self, &next);
        if backorder > 0 {
            fields.push(changes::FieldChange {
                field: "backorder".into(),
                old: None,
                new: Some(crate::quote::lines::quantity_text(backorder)),
            });
        }
        let change = Change::transition(
            "confirmed",
            self.status.as_str(),
            next.status.as_str(),
            fields,
        );
        (next, change)
    }

    /// Units still waiting for stock, over all lines.
    pub fn backorder_milli(&self) -> i64 {
        self.reservations.iter().map(|r| r.backorder_milli).sum()
    }
}

impl crate::record::Owned for SalesOrder {
    type Details = ();

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, _: ()) -> Self {
        self.clone()
    }
}
