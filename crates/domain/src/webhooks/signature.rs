//! Standard Webhooks 1.0 signatures: `webhook-signature: v1,<base64 HMAC-SHA256>` over
//! `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the bytes of a `whsec_` secret. During a
//! rotation both the old and the new secret sign, space-separated, for 24 hours.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

const PREFIX: &str = "whsec_";

/// A signing secret: 24 to 64 random bytes, written `whsec_<base64>`.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(Vec<u8>);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("a webhook secret is written whsec_ followed by base64")]
    Malformed,
    #[error("a webhook secret has 24 to 64 bytes")]
    Length,
}

impl WebhookSecret {
    /// A secret from random bytes the caller drew (the domain has no randomness).
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, SecretError> {
        if !(24..=64).contains(&bytes.len()) {
            return Err(SecretError::Length);
        }
        Ok(Self(bytes.to_vec()))
    }

    /// `whsec_…` as shown to the admin once and stored.
    pub fn parse(text: &str) -> Result<Self, SecretError> {
        let encoded = text
            .trim()
            .strip_prefix(PREFIX)
            .ok_or(SecretError::Malformed)?;
        let bytes = STANDARD
            .decode(encoded)
            .map_err(|_| SecretError::Malformed)?;
        Self::from_bytes(&bytes)
    }

    pub fn text(&self) -> String {
        format!("{PREFIX}{}", STANDARD.encode(&self.0))
    }

    /// `v1,<signature>` of one message.
    fn sign(&self, id: &str, timestamp: i64, body: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(format!("{id}.{timestamp}.").as_bytes());
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    }
}

/// Secrets never show in logs or debug output.
impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(…)")
    }
}

/// The `webhook-signature` header: one signature per active secret (two during a rotation).
pub fn signature_header(
    secrets: &[WebhookSecret],
    id: &str,
    timestamp: i64,
    body: &[u8],
) -> String {
    secrets
        .iter()
        .map(|s| s.sign(id, timestamp, body))
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a receiver checks: the timestamp within `tolerance` seconds of `now`, and one of the
/// header's signatures made with `secret` (compared in constant time).
pub fn verify(
    secret: &WebhookSecret,
    header: &str,
    id: &str,
    timestamp: i64,
    body: &[u8],
    now: i64,
    tolerance: i64,
) -> bool {
    if (now - timestamp).abs() > tolerance {
        return false;
    }
    let expected = secret.sign(id, timestamp, body);
    header
        .split_whitespace()
        .any(|given| constant_time_eq(given.as_bytes(), expected.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const AT: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;

    #[test]
    fn the_published_test_vector_is_reproduced() {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        assert_eq!(
            signature_header(std::slice::from_ref(&secret), ID, AT, BODY),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
        assert_eq!(secret.text(), SECRET);
        assert!(verify(
            &secret,
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=",
            ID,
            AT,
            BODY,
            AT,
            300
        ));
    }

    #[test]
    fn a_rotation_signs_with_both_secrets_and_either_verifies() {
        let old = WebhookSecret::parse(SECRET).unwrap();
        let new = WebhookSecret::from_bytes(&[7u8; 32]).unwrap();
        let header = signature_header(&[old.clone(), new.clone()], ID, AT, BODY);
        assert_eq!(header.split(' ').count(), 2);
        assert!(verify(&old, &header, ID, AT, BODY, AT + 10, 300));
        assert!(verify(&new, &header, ID, AT, BODY, AT + 10, 300));
    }

    #[test]
    fn tampering_old_messages_and_bad_secrets_are_refused() {
        let secret = WebhookSecret::parse(SECRET).unwrap();
        let header = signature_header(std::slice::from_ref(&secret), ID, AT, BODY);
        assert!(!verify(
            &secret,
            &header,
            ID,
            AT,
            br#"{"test": 1}"#,
            AT,
            300
        ));
        assert!(!verify(&secret, &header, "msg_other", AT, BODY, AT, 300));
        assert!(!verify(&secret, &header, ID, AT, BODY, AT + 301, 300));
        assert_eq!(
            WebhookSecret::parse("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
            Err(SecretError::Malformed)
        );
        assert_eq!(
            WebhookSecret::parse("whsec_!!"),
            Err(SecretError::Malformed)
        );
        assert_eq!(WebhookSecret::parse("whsec_AAAA"), Err(SecretError::Length));
        assert_eq!(format!("{secret:?}"), "WebhookSecret(…)");
    }
}
