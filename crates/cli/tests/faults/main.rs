//! Fault tests of the real server process (docs/RELIABILITY.md): the process killed mid-write,
//! the database server stopped, I/O errors injected, overload. The crash cycles run in CI; the
//! others are `#[ignore]`d and run by `.ci/long`, which needs root-free tools it installs itself.

mod client;
mod crash;
mod io_faults;
mod log_secrets;
mod overload;
mod postgres_outage;
mod server;
mod verify;
mod workload;

/// A number from the environment, or `default`.
pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A pseudo-random number below `bound`, different on every call and run (the moment of a
/// kill); printed where it matters so a run can be told apart.
pub fn random_below(bound: u64) -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.finish() % bound.max(1)
}
