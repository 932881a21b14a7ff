//! Quotes: priced offers to a customer, negotiated in revisions, approved when the discount
//! is above the author's limit, and accepted (signed) by the customer on the portal.
//!
//! States: draft → (pending approval →) sent → changes requested / accepted / declined;
//! sent quotes expire after their validity date or are superseded by a newer quote sent for
//! the same opportunity. Changing a sent quote starts the next revision under the same number.

mod details;
pub mod diff;
pub mod lines;
mod negotiation;
pub mod totals;

pub use details::{DEFAULT_VALIDITY_DAYS, OpportunityStart, QuoteDetails, QuoteInput, QuoteStart};
pub use negotiation::{Approval, CustomerAnswer, Requester, Revision};

use crate::changes::{self, FieldChange, Fields};
use crate::error::ValidationErrors;
use crate::event::Change;
use crate::ids::{OpportunityId, QuoteId, UserId};
use crate::money::Money;
use crate::record::{Owner, RecordMeta};
use crate::tax::rate_text;
use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum QuoteStatus {
    Draft,
    PendingApproval,
    Sent,
    ChangesRequested,
    Accepted,
    Declined,
    Expired,
    Superseded,
}

string_enum!(QuoteStatus {
    Draft => "draft", PendingApproval => "pending_approval", Sent => "sent",
    ChangesRequested => "changes_requested", Accepted => "accepted", Declined => "declined",
    Expired => "expired", Superseded => "superseded",
});

impl QuoteStatus {
    /// The customer has it and may still answer.
    pub fn with_customer(self) -> bool {
        matches!(self, QuoteStatus::Sent | QuoteStatus::ChangesRequested)
    }

    pub fn closed(self) -> bool {
        matches!(
            self,
            QuoteStatus::Accepted
                | QuoteStatus::Declined
                | QuoteStatus::Expired
                | QuoteStatus::Superseded
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            QuoteStatus::Draft => "Draft",
            QuoteStatus::PendingApproval => "Pending approval",
            QuoteStatus::Sent => "Sent",
            QuoteStatus::ChangesRequested => "Changes requested",
            QuoteStatus::Accepted => "Accepted",
            QuoteStatus::Declined => "Declined",
            QuoteStatus::Expired => "Expired",
            QuoteStatus::Superseded => "Superseded",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Quote {
    #[schema(value_type = String, format = Uuid)]
    pub id: QuoteId,
    /// From the gapless quote series, given when first sent.
    pub number: Option<String>,
    pub status: QuoteStatus,
    pub revision: u32,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub opportunity_id: Option<OpportunityId>,
    #[schema(value_type = String, format = Uuid)]
    pub case_id: Uuid,
    #[serde(flatten)]
    pub details: QuoteDetails,
    /// Net total (without tax) as a decimal string.
    pub net_total: String,
    /// Amount due as a decimal string.
    pub total: String,
    /// The largest line discount, in hundredths of a percent.
    pub max_discount_bp: u32,
    /// Who asked for the current revision and why.
    pub requested_by: Requester,
    pub revision_comment: Option<String>,
    /// Earlier revisions, oldest first.
    pub revisions: Vec<Revision>,
    pub approval: Option<Approval>,
    pub answer: Option<CustomerAnswer>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub sent_at: Option<Timestamp>,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuoteError {
    #[error("a {0} quote cannot be changed")]
    Closed(&'static str),
    #[error("this needs a {expected} quote; it is {actual}")]
    WrongStatus {
        expected: &'static str,
        actual: &'static str,
    },
    #[error("the quote expired on {0}")]
    Expired(Date),
    #[error("a newer quote replaced this one")]
    Superseded,
    #[error("your discount limit is {limit} %; a manager's approval is needed for {asked} %")]
    OverLimit { limit: String, asked: String },
    #[error("a quote needs at least one line before it is sent")]
    NoLines,
    #[error("{0}")]
    Invalid(ValidationErrors),
}

impl Fields for Quote {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let d = &self.details;
        let money = |minor| Some(Money::new(minor, d.currency).to_string());
        vec![
            ("title", Some(d.title.to_string())),
            ("number", self.number.clone()),
            ("status", Some(self.status.to_string())),
            ("revision", Some(self.revision.to_string())),
            ("account_id", Some(d.account_id.to_string())),
            ("contact_id", d.contact_id.map(|c| c.to_string())),
            ("price_mode", Some(d.price_mode.to_string())),
            ("valid_until", Some(d.valid_until.to_string())),
            ("terms", d.terms.clone()),
            ("lines", Some(d.lines.len().to_string())),
            ("net_total", money(d.totals.tax_exclusive_minor)),
            ("tax_total", money(d.totals.tax_minor)),
            ("total", money(d.totals.payable_minor)),
            (
                "max_discount",
                Some(format!("{} %", rate_text(self.max_discount_bp))),
            ),
            ("owner_id", Some(self.meta.owner_id.to_string())),
            ("archived", Some(self.meta.archived.to_string())),
        ]
    }
}

impl Quote {
    pub fn create(
        id: QuoteId,
        details: QuoteDetails,
        opportunity: Option<&OpportunityStart>,
        comment: Option<String>,
        meta: RecordMeta,
    ) -> (Self, Change) {
        let quote = Self {
            id,
            number: None,
            status: QuoteStatus::Draft,
            revision: 1,
            opportunity_id: opportunity.map(|o| o.id),
            case_id: opportunity.map_or(id.0, |o| o.case_id),
            net_total: String::new(),
            total: String::new(),
            max_discount_bp: 0,
            requested_by: Requester::Internal,
            revision_comment: comment,
            revisions: Vec::new(),
            approval: None,
            answer: None,
            sent_at: None,
            details,
            meta,
        }
        .refreshed();
        let change = Change::transition(
            "created",
            "",
            QuoteStatus::Draft.as_str(),
            changes::created(&quote),
        );
        (quote, change)
    }

    /// Recomputes the derived display fields from the details.
    pub fn refreshed(mut self) -> Self {
        let c = self.details.currency;
        self.net_total = Money::new(self.details.totals.tax_exclusive_minor, c).amount_text();
        self.total = Money::new(self.details.totals.payable_minor, c).amount_text();
        self.max_discount_bp = self.details.max_discount_bp();
        self
    }

    fn next_version(&self, now: Timestamp) -> Self {
        let mut next = self.clone();
        next.meta = self.meta.next(now);
        next
    }

    fn transition(
        &self,
        next: Quote,
        activity: &'static str,
        extra: Vec<FieldChange>,
    ) -> (Self, Change) {
        let next = next.refreshed();
        let mut fields = changes::diff(self, &next);
        fields.extend(extra);
        let change =
            Change::transition(activity, self.status.as_str(), next.status.as_str(), fields);
        (next, change)
    }

    /// The net total as money.
    pub fn net_amount(&self) -> Money {
        Money::new(
            self.details.totals.tax_exclusive_minor,
            self.details.currency,
        )
    }

    /// Whether the quote can no longer be accepted because of its date.
    pub fn past_validity(&self, today: Date) -> bool {
        self.details.valid_until < today
    }

    /// An edit by the company: in place while draft or pending approval; a sent quote (or
    /// one the customer asked to change) moves to the next revision. `Ok(None)`: no change.
    pub fn revise(
        &self,
        details: QuoteDetails,
        comment: Option<String>,
        owner: Option<Owner>,
        now: Timestamp,
    ) -> Result<Option<(Self, Change)>, QuoteError> {
        if self.status.closed() {
            return Err(QuoteError::Closed(self.status.as_str()));
        }
        let mut next = self.next_version(now);
        next.details = details;
        if let Some((owner, team)) = owner {
            next.meta.owner_id = owner;
            next.meta.team_id = team;
        }
        let next = next.refreshed();
        if changes::diff(self, &next).is_empty() && self.details.lines == next.details.lines {
            return Ok(None);
        }
        if self.details == next.details {
            // Only the owner changed: the quote stays where it is in its negotiation.
            return Ok(Some(self.transition(next, "updated", Vec::new())));
        }
        let mut next = next;
        next.approval = None;
        next.status = QuoteStatus::Draft;
        if !self.status.with_customer() {
            if comment.is_some() {
                next.revision_comment = comment;
            }
            let (next, change) = self.transition(next, "updated", Vec::new());
            return Ok(Some((next, change)));
        }
        let customer_asked = self.status == QuoteStatus::ChangesRequested;
        next.revisions.push(self.snapshot());
        next.revision = self.revision + 1;
        next.requested_by = if customer_asked {
            Requester::Customer
        } else {
            Requester::Internal
        };
        next.revision_comment = match (customer_asked, &self.answer) {
            (true, Some(answer)) => answer.comment.clone().or(comment),
            _ => comment,
        };
        Ok(Some(self.transition(next, "revised", Vec::new())))
    }

    /// The current revision as history.
    pub fn snapshot(&self) -> Revision {
        Revision {
            revision: self.revision,
            requested_by: self.requested_by,
            comment: self.revision_comment.clone(),
            at: self.meta.updated_at,
            currency: self.details.currency,
            price_mode: self.details.price_mode,
            valid_until: self.details.valid_until,
            terms: self.details.terms.clone(),
            lines: self.details.lines.clone(),
            totals: self.details.totals.clone(),
        }
    }

    /// What the customer's link shows: while the company revises a sent quote (draft or
    /// waiting for approval), the revision last sent — never an unsent draft.
    pub fn as_shown_to_customer(&self) -> Quote {
        let revising = matches!(
            self.status,
            QuoteStatus::Draft | QuoteStatus::PendingApproval
        );
        match self.revisions.last().filter(|_| revising) {
            Some(sent) => {
                let mut shown = self.clone();
                shown.revision = sent.revision;
                shown.details.currency = sent.currency;
                shown.details.price_mode = sent.price_mode;
                shown.details.valid_until = sent.valid_until;
                shown.details.terms = sent.terms.clone();
                shown.details.lines = sent.lines.clone();
                shown.details.totals = sent.totals.clone();
                shown.refreshed()
            }
            None => self.clone(),
        }
    }

    /// Any revision, earlier or current.
    pub fn revision_of(&self, n: u32) -> Option<Revision> {
        if n == self.revision {
            return Some(self.snapshot());
        }
        self.revisions.iter().find(|r| r.revision == n).cloned()
    }

    fn require(&self, expected: &[QuoteStatus], name: &'static str) -> Result<(), QuoteError> {
        if expected.contains(&self.status) {
            return Ok(());
        }
        Err(match self.status {
            QuoteStatus::Superseded => QuoteError::Superseded,
            QuoteStatus::Expired => QuoteError::Expired(self.details.valid_until),
            s if s.closed() => QuoteError::Closed(s.as_str()),
            s => QuoteError::WrongStatus {
                expected: name,
                actual: s.as_str(),
            },
        })
    }

    /// The author asks to send: above the author's discount limit (and not yet approved for
    /// this revision) the quote waits for approval; otherwise it may be sent (`Ok(None)`).
    pub fn request_approval_if_needed(
        &self,
        limit_bp: u32,
        today: Date,
        now: Timestamp,
    ) -> Result<Option<(Self, Change)>, QuoteError> {
        self.require(&[QuoteStatus::Draft], "draft")?;
        if self.details.lines.is_empty() {
            return Err(QuoteError::NoLines);
        }
        if self.past_validity(today) {
            return Err(QuoteError::Expired(self.details.valid_until));
        }
        let approved = self
            .approval
            .as_ref()
            .is_some_and(|a| a.approved && a.revision == self.revision);
        if self.max_discount_bp <= limit_bp || approved {
            return Ok(None);
        }
        let mut next = self.next_version(now);
        next.status = QuoteStatus::PendingApproval;
        next.approval = None;
        Ok(Some(self.transition(
            next,
            "approval_requested",
            Vec::new(),
        )))
    }

    /// A manager's decision; the approver's own limit must cover the discount.
    pub fn decide(
        &self,
        approve: bool,
        by: UserId,
        approver_limit_bp: u32,
        comment: Option<String>,
        now: Timestamp,
    ) -> Result<(Self, Change), QuoteError> {
        self.require(&[QuoteStatus::PendingApproval], "pending_approval")?;
        if approve && self.max_discount_bp > approver_limit_bp {
            return Err(QuoteError::OverLimit {
                limit: rate_text(approver_limit_bp),
                asked: rate_text(self.max_discount_bp),
            });
        }
        let mut next = self.next_version(now);
        next.status = QuoteStatus::Draft;
        next.approval = Some(Approval {
            approved: approve,
            by,
            comment: comment.clone(),
            at: now,
            revision: self.revision,
        });
        let activity = if approve { "approved" } else { "rejected" };
        let note = FieldChange {
            field: "approval_comment".into(),
            old: None,
            new: comment,
        };
        Ok(self.transition(next, activity, vec![note]))
    }

    /// Sent to the customer, numbered from the series when first sent.
    pub fn sent(&self, number: Option<String>, now: Timestamp) -> (Self, Change) {
        let mut next = self.next_version(now);
        next.status = QuoteStatus::Sent;
        next.sent_at = Some(now);
        if next.number.is_none() {
            next.number = number;
        }
        self.transition(next, "sent", Vec::new())
    }

    fn answered(
        &self,
        status: QuoteStatus,
        answer: CustomerAnswer,
        activity: &'static str,
        now: Timestamp,
    ) -> (Self, Change) {
        let mut next = self.next_version(now);
        next.status = status;
        let mut extra = vec![FieldChange {
            field: "customer_comment".into(),
            old: None,
            new: answer.comment.clone(),
        }];
        if let Some(name) = &answer.signed_name {
            extra.push(FieldChange {
                field: "signed_name".into(),
                old: None,
                new: Some(name.clone()),
            });
        }
        next.answer = Some(answer);
        self.transition(next, activity, extra)
    }

    fn open_for_answer(&self, today: Date) -> Result<(), QuoteError> {
        self.require(&[QuoteStatus::Sent, QuoteStatus::ChangesRequested], "sent")?;
        if self.past_validity(today) {
            return Err(QuoteError::Expired(self.details.valid_until));
        }
        Ok(())
    }

    /// The customer asks for changes (comment required).
    pub fn customer_requests_changes(
        &self,
        comment: &str,
        ip: Option<String>,
        today: Date,
        now: Timestamp,
    ) -> Result<(Self, Change), QuoteError> {
        self.require(&[QuoteStatus::Sent], "sent")?;
        self.open_for_answer(today)?;
        let comment = required_text("comment", comment, 5_000)?;
        let answer = self.answer("changes_requested", Some(comment), None, ip, now);
        Ok(self.answered(
            QuoteStatus::ChangesRequested,
            answer,
            "changes_requested",
            now,
        ))
    }

    pub fn customer_declines(
        &self,
        reason: &str,
        ip: Option<String>,
        today: Date,
        now: Timestamp,
    ) -> Result<(Self, Change), QuoteError> {
        self.open_for_answer(today)?;
        let reason = required_text("reason", reason, 5_000)?;
        let answer = self.answer("declined", Some(reason), None, ip, now);
        Ok(self.answered(QuoteStatus::Declined, answer, "declined", now))
    }

    /// The customer accepts with their typed full name as signature.
    pub fn customer_accepts(
        &self,
        signed_name: &str,
        ip: Option<String>,
        today: Date,
        now: Timestamp,
    ) -> Result<(Self, Change), QuoteError> {
        self.open_for_answer(today)?;
        let name = required_text("signed_name", signed_name, 200)?;
        let answer = self.answer("accepted", None, Some(name), ip, now);
        Ok(self.answered(QuoteStatus::Accepted, answer, "accepted", now))
    }

    fn answer(
        &self,
        kind: &str,
        comment: Option<String>,
        signed_name: Option<String>,
        ip: Option<String>,
        now: Timestamp,
    ) -> CustomerAnswer {
        CustomerAnswer {
            kind: kind.into(),
            comment,
            signed_name,
            ip,
            at: now,
            revision: self.revision,
        }
    }

    /// Past its validity date while still open.
    pub fn expire(&self, today: Date, now: Timestamp) -> Option<(Self, Change)> {
        // Drafts are not expired: their date is corrected before they are sent.
        if !self.status.with_customer() || !self.past_validity(today) {
            return None;
        }
        let mut next = self.next_version(now);
        next.status = QuoteStatus::Expired;
        Some(self.transition(next, "expired", Vec::new()))
    }

    /// Replaced by another quote sent for the same opportunity.
    pub fn supersede(&self, by: QuoteId, now: Timestamp) -> Option<(Self, Change)> {
        if !self.status.with_customer() {
            return None;
        }
        let mut next = self.next_version(now);
        next.status = QuoteStatus::Superseded;
        let note = FieldChange {
            field: "superseded_by".into(),
            old: None,
            new: Some(by.to_string()),
        };
        Some(self.transition(next, "superseded", vec![note]))
    }
}

fn required_text(field: &str, raw: &str, max: usize) -> Result<String, QuoteError> {
    let text = raw.trim();
    if text.is_empty() || text.chars().count() > max {
        return Err(QuoteError::Invalid(ValidationErrors::single(
            field,
            "required",
            format!("is required (up to {max} characters)"),
        )));
    }
    Ok(text.to_string())
}

impl crate::record::Owned for Quote {
    type Details = QuoteDetails;

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, details: QuoteDetails) -> Self {
        Self {
            details,
            ..self.clone()
        }
        .refreshed()
    }
}

#[cfg(test)]
mod tests;
