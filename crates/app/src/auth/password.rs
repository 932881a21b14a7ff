//! Password hashing on a small fixed pool of threads with a bounded queue.
//!
//! Argon2id takes ~19 MiB and tens of milliseconds per evaluation on purpose. Run on the
//! general blocking pool, a burst of sign-ins would run hundreds at once (memory) and make
//! every sign-in wait behind them (CPU). A few dedicated threads bound both: memory to
//! `threads × 19 MiB` (each thread keeps its own allocator arena), waiting to the queue's
//! length; a full queue refuses at once so the caller can answer 503 with Retry-After.

use std::sync::OnceLock;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::oneshot;

use crate::error::{AppError, AppResult};

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longer passwords are refused before they are hashed.
pub const MAX_PASSWORD_BYTES: usize = 1024;

type Job = Box<dyn FnOnce() + Send>;

/// The hashing threads and the queue in front of them.
pub struct PasswordPool {
    queue: SyncSender<Job>,
    threads: usize,
}

impl PasswordPool {
    /// `threads` hashing threads (at least one) with room for `queued` waiting evaluations.
    pub fn new(threads: usize, queued: usize) -> Self {
        let threads = threads.max(1);
        let (queue, jobs) = sync_channel::<Job>(queued);
        let jobs = std::sync::Arc::new(std::sync::Mutex::new(jobs));
        for n in 0..threads {
            let jobs = jobs.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-{n}"))
                .spawn(move || {
                    loop {
                        // The lock is held only while taking a job, not while running it.
                        let next = jobs.lock().map(|j| j.recv());
                        match next {
                            Ok(Ok(job)) => job(),
                            _ => break, // the pool was dropped
                        }
                    }
                });
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        Self { queue, threads }
    }

    /// One thread per core, with four waiting evaluations per thread.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores, cores * 4)
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Queues `work` for a hashing thread; `Overloaded` at once when the queue is full.
    fn submit<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<oneshot::Receiver<T>> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        match self.queue.try_send(job) {
            Ok(()) => Ok(result),
            Err(TrySendError::Full(_)) => {
                tracing::warn!(target: "security", "password hashing queue full: request shed");
                Err(AppError::Overloaded {
                    retry_after_secs: 1,
                })
            }
            Err(TrySendError::Disconnected(_)) => Err(AppError::Internal(
                "password hashing threads stopped".into(),
            )),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        self.submit(work)?
            .await
            .map_err(|_| AppError::Internal("password hashing failed".into()))
    }

    /// Argon2id with the crate's default (OWASP-recommended) parameters and a fresh salt.
    pub async fn hash(&self, password: String) -> AppResult<String> {
        self.run(move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
        })
        .await?
    }

    /// Whether `password` matches `hash`. Without a hash a dummy one is checked, so the work
    /// and the time are the same whether or not the account exists.
    pub async fn verify(&self, hash: Option<String>, password: String) -> AppResult<bool> {
        static DUMMY: OnceLock<String> = OnceLock::new();
        self.run(move || {
            let dummy = DUMMY.get_or_init(|| {
                Argon2::default()
                    .hash_password(b"salesflow-dummy-password")
                    .map(|h| h.to_string())
                    .unwrap_or_default()
            });
            let (hash, real) = match &hash {
                Some(h) => (h.as_str(), true),
                None => (dummy.as_str(), false),
            };
            let ok = Argon2::default()
                .verify_password(password.as_bytes(), hash)
                .is_ok();
            ok && real
        })
        .await
    }
}

pub fn check_password_strength(password: &str) -> AppResult<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(AppError::invalid(
            "password",
            "password_too_short",
            format!("must be at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(AppError::invalid(
            "password",
            "too_long",
            format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_verify_and_a_full_queue_refuses_at_once() {
        let pool = PasswordPool::new(1, 1);
        let hash = pool.hash("a long enough password".into()).await.unwrap();
        assert!(
            pool.verify(Some(hash.clone()), "a long enough password".into())
                .await
                .unwrap()
        );
        assert!(
            !pool
                .verify(Some(hash), "another password!".into())
                .await
                .unwrap()
        );
        assert!(
            !pool
                .verify(None, "salesflow-dummy-password".into())
                .await
                .unwrap()
        );

        // One running, one queued: the third is refused without waiting.
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        let running = pool
            .submit(move || {
                started_tx.send(()).ok();
                gate.recv().ok()
            })
            .unwrap();
        started.recv().unwrap();
        let queued = pool.submit(|| ()).unwrap();
        let refused = pool.submit(|| ());
        assert!(
            matches!(refused, Err(AppError::Overloaded { .. })),
            "{:?}",
            refused.err()
        );
        release.send(()).unwrap();
        running.await.unwrap();
        queued.await.unwrap();
    }
}
