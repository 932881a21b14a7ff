//! Goal 29: 60 s at 64 connections on read pages without a single 5xx; then 4× that: the
//! server sheds what it cannot take with 503 + Retry-After at once instead of queueing, answers
//! stay quick and memory stays bounded. Load from `wrk` (Debian). `.ci/long`.

use std::collections::BTreeMap;
use std::process::Command;

use crate::server::{Database, Launch, Server};
use crate::workload::prepare;

/// Counts answers per status across wrk's threads and prints them with the p99 latency.
const COUNTER: &str = r#"
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) statuses = {} end
function response(status, headers, body) statuses[status] = (statuses[status] or 0) + 1 end
function done(summary, latency, requests)
  local total = {}
  for _, t in ipairs(threads) do
    for k, v in pairs(t:get("statuses")) do total[k] = (total[k] or 0) + v end
  end
  for k, v in pairs(total) do io.write(string.format("status %d %d\n", k, v)) end
  io.write(string.format("p99_ms %.1f\n", latency:percentile(99) / 1000))
  io.write(string.format("socket_errors %d\n", summary.errors.connect + summary.errors.read
    + summary.errors.write + summary.errors.timeout))
end
"#;

struct Run {
    statuses: BTreeMap<u16, u64>,
    p99_ms: f64,
    socket_errors: u64,
}

impl Run {
    fn count(&self, pick: impl Fn(u16) -> bool) -> u64 {
        self.statuses
            .iter()
            .filter(|(s, _)| pick(**s))
            .map(|(_, n)| n)
            .sum()
    }
}

fn wrk(url: &str, token: &str, connections: u32, seconds: u32, script: &std::path::Path) -> Run {
    let output = Command::new("wrk")
        .args(["-t", "2", "-c", &connections.to_string()])
        .args(["-d", &format!("{seconds}s"), "--timeout", "10s"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(["-s", &script.display().to_string(), url])
        .output()
        .expect("wrk (apt install wrk)");
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    let mut run = Run {
        statuses: BTreeMap::new(),
        p99_ms: 0.0,
        socket_errors: 0,
    };
    for line in text.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["status", s, n] => {
                run.statuses
                    .insert(s.parse().unwrap_or(0), n.parse().unwrap_or(0));
            }
            ["p99_ms", v] => run.p99_ms = v.parse().unwrap_or(0.0),
            ["socket_errors", v] => run.socket_errors = v.parse().unwrap_or(0),
            _ => {}
        }
    }
    assert!(!run.statuses.is_empty(), "wrk said: {text}");
    run
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long: 80 s of load with wrk; run by .ci/long"]
async fn overload_is_shed_quickly_and_memory_stays_bounded() {
    let db = Database::fresh("overload").await;
    let server = Server::start(&db, &Launch::default()).await;
    let company = prepare(&db, &server, 20).await;
    let script = db.dir.join("count.lua");
    std::fs::write(&script, COUNTER).expect("script");
    let url = format!("{}/api/v1/accounts?limit=20&sort=name&dir=asc", server.base);
    let token = company.api.token();

    let steady = wrk(&url, token, 64, 60, &script);
    let steady_memory = server.peak_memory_kib();
    let flood = wrk(&url, token, 256, 20, &script);
    let flood_memory = server.peak_memory_kib();
    println!(
        "overload: 64 connections 60 s: {:?}, p99 {:.1} ms, peak memory {} MiB; 256 connections 20 s: {:?}, p99 {:.1} ms, {} socket errors, peak memory {} MiB",
        steady.statuses,
        steady.p99_ms,
        steady_memory / 1024,
        flood.statuses,
        flood.p99_ms,
        flood.socket_errors,
        flood_memory / 1024
    );
    assert_eq!(steady.count(|s| s >= 500), 0, "no 5xx at 64 connections");
    assert_eq!(steady.count(|s| s != 200), 0, "every read answered");
    assert!(flood.count(|s| s == 200) > 0, "the flood is served in part");
    assert_eq!(
        flood.count(|s| s != 200 && s != 503 && s != 429),
        0,
        "overload answered with 503/429 only"
    );
    assert!(flood.p99_ms < 2_000.0, "shed at once, not queued");
    assert!(flood_memory < 1024 * 1024, "memory stays under 1 GiB");
    assert!(server.log_text().matches("panicked").count() == 0);
    drop(server);
    db.drop_database().await;
}
