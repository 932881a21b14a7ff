//! A short-lived, per-process cache of API-token lookups, so an API call costs one database
//! round trip instead of two. Entries live a few seconds; revoking a token or changing a user
//! clears the cache of this process at once, other instances within `TTL`.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::Actor;

pub const TTL: Duration = Duration::from_secs(5);
const MAX_ENTRIES: usize = 10_000;

#[derive(Default)]
pub struct TokenCache(Mutex<HashMap<String, (Actor, Instant)>>);

impl TokenCache {
    pub fn get(&self, token_hash: &str) -> Option<Actor> {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.get(token_hash)
            .filter(|(_, at)| at.elapsed() < TTL)
            .map(|(actor, _)| actor.clone())
    }

    pub fn put(&self, token_hash: String, actor: Actor) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_ENTRIES {
            map.retain(|_, (_, at)| at.elapsed() < TTL);
            if map.len() >= MAX_ENTRIES {
                map.clear();
            }
        }
        map.insert(token_hash, (actor, Instant::now()));
    }

    pub fn clear(&self) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}
