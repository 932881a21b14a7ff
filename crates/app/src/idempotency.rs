//! Idempotency-Key bookkeeping that makes retries of money-creating requests safe.
//!
//! A key is claimed before its request runs and gets the answer afterwards. Every write the
//! request commits also marks the key as applied, in the same transaction, so a claim whose
//! answer never came (the process was killed, the client went away, the database failed while
//! the answer was stored) tells after its lease whether anything happened: nothing → a retry
//! runs the request; something → the retry is told the first request took effect (never run
//! twice).

use std::future::Future;

use jiff::SignedDuration;

use crate::error::{AppError, AppResult};
use crate::ports::{Claim, ClaimTimes};
use crate::{Actor, App};

/// How long a key's answer is kept for replays.
const KEY_LIFETIME: SignedDuration = SignedDuration::from_hours(24);
/// A claim without an answer after this long was abandoned: longer than any request may run
/// (the server cuts requests at 30 s).
pub const LEASE: SignedDuration = SignedDuration::from_secs(35);

/// The key the current request runs under, as its writes record it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyedRequest {
    pub principal: String,
    pub key: String,
}

tokio::task_local! {
    static CURRENT: KeyedRequest;
}

/// The key of the request being handled on this task, if it has one.
pub fn current_key() -> Option<KeyedRequest> {
    CURRENT.try_with(Clone::clone).ok()
}

impl App {
    /// Runs a request under its claimed key: the writes it commits mark the key applied.
    pub async fn under_key<F: Future>(&self, actor: &Actor, key: &str, request: F) -> F::Output {
        let keyed = KeyedRequest {
            principal: actor.user_id.to_string(),
            key: key.trim().to_string(),
        };
        CURRENT.scope(keyed, request).await
    }

    /// What an Idempotency-Key says about a request of `actor` with this body hash.
    pub async fn claim_idempotency_key(
        &self,
        actor: &Actor,
        key: &str,
        request_hash: &str,
    ) -> AppResult<Claim> {
        let key = key.trim();
        if key.is_empty() || key.len() > 255 {
            return Err(AppError::invalid(
                "Idempotency-Key",
                "invalid_key",
                "1 to 255 characters",
            ));
        }
        let now = self.now();
        let times = ClaimTimes {
            now,
            expires_at: now.checked_add(KEY_LIFETIME).unwrap_or(now),
            abandoned_before: now.checked_sub(LEASE).unwrap_or(now),
        };
        Ok(self
            .store
            .claim_idempotency_key(&actor.user_id.to_string(), key, request_hash, &times)
            .await?)
    }

    pub async fn finish_idempotency_key(
        &self,
        actor: &Actor,
        key: &str,
        status: u16,
        body: &str,
    ) -> AppResult<()> {
        Ok(self
            .store
            .finish_idempotency_key(&actor.user_id.to_string(), key.trim(), status, body)
            .await?)
    }

    pub async fn drop_idempotency_key(&self, actor: &Actor, key: &str) -> AppResult<()> {
        Ok(self
            .store
            .drop_idempotency_key(&actor.user_id.to_string(), key.trim())
            .await?)
    }
}
