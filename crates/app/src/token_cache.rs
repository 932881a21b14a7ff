//! A short-lived, per-process cache of API-token lookups, so an API call costs one database
//! round trip instead of two. Entries live a few seconds; revoking a token or changing a user
//! clears the cache of this process at once, other instances within `TTL`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::Actor;

pub const TTL: Duration = Duration::from_secs(5);
const MAX_ENTRIES: usize = 10_000;

/// The actor, when it was looked up, and when the token expires.
type Entry = (Actor, Instant, Option<jiff::Timestamp>);

#[derive(Default)]
pub struct TokenCache(Mutex<HashMap<String, Entry>>);

impl TokenCache {
    /// The cached actor, unless the entry is stale or the token has expired by `now`.
    pub fn get(&self, token_hash: &str, now: jiff::Timestamp) -> Option<Actor> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(token_hash)
            .filter(|(_, at, expires)| at.elapsed() < TTL && expires.is_none_or(|e| now < e))
            .map(|(actor, _, _)| actor.clone())
    }

    pub fn put(&self, token_hash: String, actor: Actor, expires_at: Option<jiff::Timestamp>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (_, at, _)| at.elapsed() < TTL);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(token_hash, (actor, Instant::now(), expires_at));
    }

    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
