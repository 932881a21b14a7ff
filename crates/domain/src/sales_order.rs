//! Sales orders: what the customer signed. An order is created only by accepting a quote
//! and carries its lines, terms, totals and the signature; fulfilment and invoicing follow.

use crate::changes::{self, Fields};
use crate::event::Change;
use crate::ids::{AccountId, ContactId, OpportunityId, QuoteId, SalesOrderId};
use crate::money::{Currency, Money};
use crate::quote::Quote;
use crate::quote::lines::QuoteLine;
use crate::quote::totals::{PriceMode, Totals};
use crate::record::RecordMeta;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Signed by the customer, waiting to be confirmed (stock is reserved on confirmation).
    New,
    Confirmed,
    Cancelled,
}

string_enum!(OrderStatus { New => "new", Confirmed => "confirmed", Cancelled => "cancelled" });

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
    #[serde(flatten)]
    pub meta: RecordMeta,
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

impl crate::record::Owned for SalesOrder {
    type Details = ();

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, _: ()) -> Self {
        self.clone()
    }
}
