//! Per-client-address limits on password evaluations, kept in this process's memory.
//!
//! The per-account throttle (in the database, shared by every instance) stops guessing one
//! account; this gate stops one address from making the server evaluate passwords for many
//! accounts (each evaluation is expensive on purpose) and from taking all hashing slots.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

/// Above this many tracked addresses, those whose window has ended are forgotten.
const PRUNE_ABOVE: usize = 10_000;

#[derive(Debug, Clone, Copy)]
pub struct ClientLimits {
    /// Failed sign-ins one address may cause inside `window`.
    pub failures: u32,
    pub window: SignedDuration,
    /// Password evaluations one address may have running or queued at once.
    pub in_flight: u32,
}

#[derive(Debug, Default)]
struct ClientState {
    window_start: Option<Timestamp>,
    failures: u32,
    in_flight: u32,
}

pub struct ClientGate {
    limits: ClientLimits,
    clients: Arc<Mutex<HashMap<IpAddr, ClientState>>>,
}

/// An admitted evaluation; dropping it frees the address's in-flight place.
pub struct ClientTicket {
    client: IpAddr,
    clients: Arc<Mutex<HashMap<IpAddr, ClientState>>>,
}

impl ClientGate {
    pub fn new(limits: ClientLimits) -> Self {
        Self {
            limits,
            clients: Arc::default(),
        }
    }

    /// A ticket for one evaluation, or the seconds after which the address may try again.
    pub fn admit(&self, client: IpAddr, now: Timestamp) -> Result<ClientTicket, u64> {
        let Ok(mut clients) = self.clients.lock() else {
            return Err(1);
        };
        if clients.len() > PRUNE_ABOVE {
            let window = self.limits.window;
            // Kept: addresses with a check running or failures inside their window.
            clients.retain(|_, s| {
                s.in_flight > 0 || (s.window_start.is_some() && !ended(s.window_start, window, now))
            });
        }
        let state = clients.entry(client).or_default();
        if ended(state.window_start, self.limits.window, now) {
            state.window_start = None;
            state.failures = 0;
        }
        if state.failures >= self.limits.failures {
            let end = state
                .window_start
                .and_then(|s| s.checked_add(self.limits.window).ok())
                .unwrap_or(now);
            return Err(end.duration_since(now).as_secs().max(1) as u64);
        }
        if state.in_flight >= self.limits.in_flight {
            return Err(1);
        }
        state.in_flight += 1;
        // Counted now, taken back on success: a client that leaves before the answer (the
        // check still runs) cannot get past the limit.
        state.window_start.get_or_insert(now);
        state.failures += 1;
        Ok(ClientTicket {
            client,
            clients: self.clients.clone(),
        })
    }
}

fn ended(start: Option<Timestamp>, window: SignedDuration, now: Timestamp) -> bool {
    start.is_some_and(|s| now.duration_since(s) >= window)
}

impl ClientTicket {
    /// The sign-in succeeded: the attempt no longer counts against the address.
    pub fn succeeded(&self) {
        if let Ok(mut clients) = self.clients.lock()
            && let Some(state) = clients.get_mut(&self.client)
        {
            state.failures = state.failures.saturating_sub(1);
        }
    }
}

impl Drop for ClientTicket {
    fn drop(&mut self) {
        if let Ok(mut clients) = self.clients.lock()
            && let Some(state) = clients.get_mut(&self.client)
        {
            state.in_flight = state.in_flight.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gate() -> ClientGate {
        ClientGate::new(ClientLimits {
            failures: 3,
            window: SignedDuration::from_mins(15),
            in_flight: 2,
        })
    }

    #[test]
    fn failures_per_address_are_limited_for_the_window() {
        let gate = gate();
        let (a, b): (IpAddr, IpAddr) = ("10.0.0.1".parse().unwrap(), "10.0.0.2".parse().unwrap());
        let t0 = Timestamp::from_second(1_800_000_000).unwrap();
        for _ in 0..3 {
            drop(gate.admit(a, t0).unwrap()); // failed: no success reported
        }
        let retry = gate.admit(a, t0 + SignedDuration::from_mins(5)).err();
        assert_eq!(retry, Some(600), "refused until the window ends");
        assert!(gate.admit(b, t0).is_ok(), "another address is not affected");
        assert!(gate.admit(a, t0 + SignedDuration::from_mins(15)).is_ok());
    }

    #[test]
    fn successes_do_not_count_and_in_flight_is_capped() {
        let gate = gate();
        let a: IpAddr = "::1".parse().unwrap();
        let t0 = Timestamp::from_second(1_800_000_000).unwrap();
        for _ in 0..10 {
            gate.admit(a, t0).unwrap().succeeded();
        }
        let first = gate.admit(a, t0).unwrap();
        let _second = gate.admit(a, t0).unwrap();
        assert_eq!(gate.admit(a, t0).err(), Some(1), "two at once at most");
        drop(first);
        assert!(gate.admit(a, t0).is_ok());
    }
}
