//! Outbound webhooks, the parts without I/O: signing per Standard Webhooks 1.0, so a
//! receiver's existing library verifies what salesflow sends.

mod signature;

pub use signature::{SecretError, WebhookSecret, signature_header, verify};
