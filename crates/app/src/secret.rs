//! Random secrets and their stored hashes. Secrets (session ids, API tokens) are never stored,
//! only their SHA-256, so a database leak does not hand out live credentials.

use sha2::{Digest, Sha256};

/// 256 random bits, hex-encoded, with a prefix that tells what the secret is for.
pub fn new_secret(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("operating system random source");
    format!("{prefix}{}", hex::encode(bytes))
}

pub fn hash_secret(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_unique_and_hashed() {
        let a = new_secret("sf_");
        assert_eq!(a.len(), 3 + 64);
        assert_ne!(a, new_secret("sf_"));
        assert_eq!(hash_secret(&a), hash_secret(&a));
        assert_ne!(hash_secret(&a), a);
    }
}
