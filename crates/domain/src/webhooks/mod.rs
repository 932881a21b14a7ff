//! Outbound webhooks, the parts without I/O: signing per Standard Webhooks 1.0 (so a receiver's
//! existing library verifies what salesflow sends), the SSRF guard's address rule, the checks of
//! an endpoint's URL and event types, and the retry schedule.

mod address;
mod endpoint;
mod retry;
mod signature;

pub use address::{AllowList, AllowListError, Refusal, check as check_address, refusal};
pub use endpoint::{
    EventTypeError, MAX_URL, UrlError, WebhookUrl, event_type, parse_event_types, subscribes,
};
pub use retry::{
    Answer, BACKOFF, DISABLE_AFTER, MAX_ATTEMPTS, MAX_RETRY_AFTER, Next, next as next_step,
    parse_retry_after,
};
pub use signature::{SecretError, WebhookSecret, signature_header, verify};
