//! Goal 13 (SQLite) and 14 (PostgreSQL, the app killed): SIGKILL at a random moment under the
//! write load, restart, and nothing acknowledged is missing. 3 cycles by default;
//! `SALESFLOW_CRASH_CYCLES=20` in the long run.

use std::time::Duration;

use crate::server::{Database, Launch, Server};
use crate::workload::{Load, prepare, retry_all};
use crate::{env_number, random_below, verify};

const WORKERS: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_server_loses_no_acknowledged_write() {
    let cycles = env_number("SALESFLOW_CRASH_CYCLES", 3);
    let db = Database::fresh("crash").await;
    let mut server = Server::start(&db, &Launch::default()).await;
    let company = prepare(&db, &server, WORKERS).await;
    let pool = db.pool().await;
    let mut facts = Vec::new();
    for cycle in 1..=cycles {
        let load = Load::start(&company, &company.api.at(&server.base), &pool);
        tokio::time::sleep(Duration::from_millis(700 + random_below(2500))).await;
        server.kill();
        let outcome = load.stop().await;
        assert!(
            outcome.server_errors.is_empty(),
            "{:?}",
            outcome.server_errors
        );
        server = Server::start(&db, &Launch::default()).await;
        let api = company.api.at(&server.base);
        let acknowledged = outcome.facts.len();
        let retried = outcome.retries.len();
        facts.extend(outcome.facts);
        facts.extend(retry_all(&api, outcome.retries).await);
        let found = verify::findings(&api, &pool, &db.url, &facts).await;
        assert!(found.is_empty(), "cycle {cycle}: {found:#?}");
        println!(
            "crash cycle {cycle}/{cycles}: {acknowledged} writes acknowledged, {retried} unanswered payments retried, {} facts hold",
            facts.len()
        );
    }
    assert!(
        facts.len() > cycles,
        "the load wrote too little to prove anything"
    );
    server.kill();
    pool.close().await;
    db.drop_database().await;
}
