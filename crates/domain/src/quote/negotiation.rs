//! The negotiation record: who asked for each revision, earlier revisions, the manager's
//! approval decision and the customer's answers.

use super::lines::QuoteLine;
use super::totals::{PriceMode, Totals};
use crate::ids::UserId;
use crate::money::Currency;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Who asked for a revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Requester {
    Internal,
    Customer,
}

/// A revision as it was when the next one replaced it: the negotiation history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Revision {
    pub revision: u32,
    pub requested_by: Requester,
    /// The customer's change request, or the author's note.
    pub comment: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    #[schema(value_type = String)]
    pub currency: Currency,
    #[schema(value_type = String)]
    pub price_mode: PriceMode,
    #[schema(value_type = String, format = Date)]
    pub valid_until: Date,
    pub terms: Option<String>,
    pub lines: Vec<QuoteLine>,
    pub totals: Totals,
}

/// A manager's decision on a discount above the author's limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Approval {
    pub approved: bool,
    #[schema(value_type = String, format = Uuid)]
    pub by: UserId,
    pub comment: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    /// The revision decided on; an edit makes the decision void.
    pub revision: u32,
}

/// The customer's answer on the portal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CustomerAnswer {
    /// `changes_requested`, `declined` or `accepted`.
    pub kind: String,
    pub comment: Option<String>,
    /// The typed full name (acceptance).
    pub signed_name: Option<String>,
    pub ip: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    pub revision: u32,
}
