//! Password hashing on a small fixed pool of threads with a bounded, fair queue.
//!
//! Argon2id takes ~19 MiB and tens of milliseconds per evaluation on purpose. Run on the
//! general blocking pool, a burst of sign-ins would run hundreds at once (memory) and make
//! every sign-in wait behind them (CPU). A few dedicated threads bound both: memory to
//! `threads × 19 MiB` (each thread keeps its own allocator arena), waiting to the queue's
//! length. The queue is fair between client addresses: they are served in turn, and when it is
//! full a newcomer takes the place of the newest request of the address with the most waiting
//! (which is told 503 at once), so a flood from some addresses cannot keep everybody else out.

use std::collections::{HashMap, VecDeque};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use tokio::sync::oneshot;

use crate::error::{AppError, AppResult};

pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longer passwords are refused before they are hashed.
pub const MAX_PASSWORD_BYTES: usize = 1024;

type Job = Box<dyn FnOnce() + Send>;

/// Waiting evaluations per client address, and the addresses in the order they are served.
#[derive(Default)]
struct Waiting {
    jobs: HashMap<IpAddr, VecDeque<Job>>,
    turns: VecDeque<IpAddr>,
    len: usize,
    closed: bool,
}

impl Waiting {
    /// The next evaluation: the first address's oldest; the address goes to the back.
    fn next(&mut self) -> Option<Job> {
        let client = self.turns.pop_front()?;
        let queue = self.jobs.get_mut(&client)?;
        let job = queue.pop_front();
        if queue.is_empty() {
            self.jobs.remove(&client);
        } else {
            self.turns.push_back(client);
        }
        self.len -= usize::from(job.is_some());
        job
    }

    fn push(&mut self, client: IpAddr, job: Job) {
        let queue = self.jobs.entry(client).or_default();
        if queue.is_empty() {
            self.turns.push_back(client);
        }
        queue.push_back(job);
        self.len += 1;
    }

    /// Makes room for `client` when full: the newest request of the address with the most
    /// waiting gives way, if it has at least two and more than `client` would have with this
    /// one. `false`: no room.
    fn make_room(&mut self, client: IpAddr) -> bool {
        let own = self.jobs.get(&client).map_or(0, VecDeque::len);
        let heaviest = self
            .jobs
            .iter()
            .filter(|(c, q)| **c != client && q.len() >= 2 && q.len() > own + 1)
            .max_by_key(|(_, q)| q.len())
            .map(|(c, _)| *c);
        let Some(heaviest) = heaviest else {
            return false;
        };
        // Dropping the job drops its answer channel: its caller hears "overloaded".
        let shed = self.jobs.get_mut(&heaviest).and_then(VecDeque::pop_back);
        self.len -= usize::from(shed.is_some());
        shed.is_some()
    }
}

struct Shared {
    waiting: Mutex<Waiting>,
    ready: Condvar,
}

/// The hashing threads and the fair queue in front of them.
pub struct PasswordPool {
    shared: Arc<Shared>,
    capacity: usize,
    threads: usize,
}

impl Drop for PasswordPool {
    fn drop(&mut self) {
        if let Ok(mut waiting) = self.shared.waiting.lock() {
            waiting.closed = true;
        }
        self.shared.ready.notify_all();
    }
}

fn work(shared: &Shared) {
    loop {
        let job = {
            let Ok(mut waiting) = shared.waiting.lock() else {
                return;
            };
            loop {
                if waiting.closed {
                    return;
                }
                if let Some(job) = waiting.next() {
                    break job;
                }
                waiting = match shared.ready.wait(waiting) {
                    Ok(w) => w,
                    Err(_) => return,
                };
            }
        };
        job();
    }
}

impl PasswordPool {
    /// `threads` hashing threads (at least one) with room for `queued` waiting evaluations.
    pub fn new(threads: usize, queued: usize) -> Self {
        let threads = threads.max(1);
        let shared = Arc::new(Shared {
            waiting: Mutex::new(Waiting::default()),
            ready: Condvar::new(),
        });
        for n in 0..threads {
            let shared = shared.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("password-{n}"))
                .spawn(move || work(&shared));
            if let Err(error) = spawned {
                tracing::error!(%error, "cannot start a password hashing thread");
            }
        }
        Self {
            shared,
            capacity: queued.max(1),
            threads,
        }
    }

    /// One thread per core, with four waiting evaluations per thread.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        Self::new(cores, cores * 4)
    }

    pub fn threads(&self) -> usize {
        self.threads
    }

    /// Queues `work` for a hashing thread on behalf of `client`; `Overloaded` at once when the
    /// queue is full and nobody gives way.
    fn submit<T: Send + 'static>(
        &self,
        client: IpAddr,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<oneshot::Receiver<T>> {
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = done.send(work());
        });
        let Ok(mut waiting) = self.shared.waiting.lock() else {
            return Err(AppError::Internal("password hashing queue poisoned".into()));
        };
        if waiting.len >= self.capacity && !waiting.make_room(client) {
            tracing::warn!(target: "security", "password hashing queue full: request shed");
            return Err(overloaded());
        }
        waiting.push(client, job);
        drop(waiting);
        self.shared.ready.notify_one();
        Ok(result)
    }

    async fn run<T: Send + 'static>(
        &self,
        client: IpAddr,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> AppResult<T> {
        // A request that gave way to another address hears that the server is busy.
        self.submit(client, work)?.await.map_err(|_| overloaded())
    }

    /// Argon2id with the crate's default (OWASP-recommended) parameters and a fresh salt
    /// (new users and password changes: not on behalf of a client address).
    pub async fn hash(&self, password: String) -> AppResult<String> {
        self.run(IpAddr::V4(Ipv4Addr::UNSPECIFIED), move || {
            Argon2::default()
                .hash_password(password.as_bytes())
                .map(|h| h.to_string())
                .map_err(|e| AppError::Internal(format!("password hashing failed: {e}")))
        })
        .await?
    }

    /// Whether `password` matches `hash`, checked for `client`. Without a hash a dummy one is
    /// checked, so the work and the time are the same whether or not the account exists.
    pub async fn verify(
        &self,
        client: IpAddr,
        hash: Option<String>,
        password: String,
    ) -> AppResult<bool> {
        static DUMMY: OnceLock<String> = OnceLock::new();
        self.run(client, move || {
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

fn overloaded() -> AppError {
    AppError::Overloaded {
        retry_after_secs: 1,
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

    fn ip(n: u8) -> IpAddr {
        IpAddr::V4(Ipv4Addr::new(10, 0, 0, n))
    }

    /// Occupies the pool's only thread until the returned sender is used.
    fn block(pool: &PasswordPool) -> (std::sync::mpsc::Sender<()>, oneshot::Receiver<()>) {
        let (release, gate) = std::sync::mpsc::channel::<()>();
        let (started_tx, started) = std::sync::mpsc::channel::<()>();
        let running = pool
            .submit(ip(99), move || {
                started_tx.send(()).ok();
                gate.recv().ok();
            })
            .unwrap();
        started.recv().unwrap();
        (release, running)
    }

    #[tokio::test]
    async fn hashes_verify_and_a_full_queue_refuses_at_once() {
        let pool = PasswordPool::new(1, 1);
        let hash = pool.hash("a long enough password".into()).await.unwrap();
        let check = |p: &str| pool.verify(ip(1), Some(hash.clone()), p.into());
        assert!(check("a long enough password").await.unwrap());
        assert!(!check("another password!").await.unwrap());
        assert!(
            !pool
                .verify(ip(1), None, "salesflow-dummy-password".into())
                .await
                .unwrap()
        );

        // One running, one queued: the next of the same address is refused without waiting.
        let (release, running) = block(&pool);
        let queued = pool.submit(ip(1), || ()).unwrap();
        let refused = pool.submit(ip(1), || ());
        assert!(
            matches!(refused, Err(AppError::Overloaded { .. })),
            "{:?}",
            refused.err()
        );
        release.send(()).unwrap();
        running.await.unwrap();
        queued.await.unwrap();
    }

    #[tokio::test]
    async fn a_newcomer_takes_the_place_of_the_busiest_address() {
        let pool = PasswordPool::new(1, 2);
        let (release, running) = block(&pool);
        let kept = pool.submit(ip(1), || 1).unwrap();
        let shed = pool.submit(ip(1), || 2).unwrap();
        let newcomer = pool.submit(ip(2), || 3).unwrap();
        release.send(()).unwrap();
        running.await.unwrap();
        assert_eq!(kept.await.unwrap(), 1);
        assert!(shed.await.is_err(), "the busiest address's newest gave way");
        assert_eq!(newcomer.await.unwrap(), 3);
    }

    #[tokio::test]
    async fn addresses_are_served_in_turn() {
        let pool = PasswordPool::new(1, 10);
        let served = Arc::new(Mutex::new(Vec::new()));
        let (release, running) = block(&pool);
        let mut answers = Vec::new();
        for (client, name) in [(1, "a1"), (1, "a2"), (1, "a3"), (2, "b1")] {
            let served = served.clone();
            answers.push(
                pool.submit(ip(client), move || served.lock().unwrap().push(name))
                    .unwrap(),
            );
        }
        release.send(()).unwrap();
        running.await.unwrap();
        for answer in answers {
            answer.await.unwrap();
        }
        assert_eq!(*served.lock().unwrap(), ["a1", "b1", "a2", "a3"]);
    }
}
