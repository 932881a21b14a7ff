//! The ports of payments: the account's open invoices locked for allocation in the payment's
//! transaction, and replays of money-creating requests (Idempotency-Key).

use async_trait::async_trait;
use jiff::Timestamp;
use salesflow_domain::ids::{AccountId, InvoiceId};
use salesflow_domain::invoice::Invoice;
use salesflow_domain::money::Currency;

use super::{DocumentWrite, StoreResult};

/// Builds a payment's write from the invoices it may pay (locked, in allocation order).
pub type BuildPayment<'a> = &'a (dyn Fn(Vec<Invoice>) -> DocumentWrite + Send + Sync);

/// What an Idempotency-Key says about a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// First use: go ahead, then record the response.
    New,
    /// Done before: answer the same.
    Replay { status: u16, body: String },
    /// The first request with this key is still running.
    InProgress,
    /// The first request took effect but its answer was lost (abandoned claim with writes).
    Applied,
    /// The key was used for a different request.
    Mismatch,
}

/// When a claim is made, until when its answer is kept, and before when an unanswered claim
/// counts as abandoned.
#[derive(Debug, Clone, Copy)]
pub struct ClaimTimes {
    pub now: Timestamp,
    pub expires_at: Timestamp,
    pub abandoned_before: Timestamp,
}

#[async_trait]
pub trait PaymentStore: Send + Sync {
    /// In one transaction: locks the account's open invoices in `currency` (only `named`
    /// ones, in that order, when given; else oldest due first), builds the write and saves it.
    async fn write_payment(
        &self,
        account: AccountId,
        currency: Currency,
        named: Option<&[InvoiceId]>,
        build: BuildPayment<'_>,
    ) -> StoreResult<DocumentWrite>;

    async fn claim_idempotency_key(
        &self,
        principal: &str,
        key: &str,
        request_hash: &str,
        times: &ClaimTimes,
    ) -> StoreResult<Claim>;
    async fn finish_idempotency_key(
        &self,
        principal: &str,
        key: &str,
        status: u16,
        body: &str,
    ) -> StoreResult<()>;
    /// Forgets a key whose request failed without an answer worth replaying.
    async fn drop_idempotency_key(&self, principal: &str, key: &str) -> StoreResult<()>;
}
