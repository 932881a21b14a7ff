//! Goal 15: write and fsync errors injected into the running SQLite server with `fiu-run -x`
//! (Debian fiu-utils): failed operations are not acknowledged (503, never a 2xx for a lost
//! write), the process stays up and writes again once the disk behaves, and after a restart
//! every acknowledged write is there and the ledgers agree. `.ci/long`.

use std::process::Command;
use std::time::Duration;

use serde_json::json;

use crate::server::{Database, Launch, Server};
use crate::verify;
use crate::workload::{Load, prepare, retry_all};

const FAULTS: [(&str, &str); 2] = [
    ("posix/io/rw/pwrite", "0.02"),
    ("posix/io/sync/fsync", "0.2"),
];

fn control(pid: u32, commands: &[String]) {
    let mut c = Command::new("fiu-ctrl");
    for command in commands {
        c.args(["-c", command]);
    }
    let status = c.arg(pid.to_string()).status();
    assert!(status.is_ok_and(|s| s.success()), "fiu-ctrl {commands:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "long: needs fiu-run (Debian fiu-utils); run by .ci/long"]
async fn disk_errors_lose_nothing_acknowledged_and_the_server_stays_up() {
    let db = Database::fresh("io").await;
    assert!(!db.is_postgres(), "injects faults into SQLite's file I/O");
    let launch = Launch {
        wrapper: vec!["fiu-run".into(), "-x".into()],
        ..Launch::default()
    };
    let mut server = Server::start(&db, &launch).await;
    let company = prepare(&db, &server, 4).await;
    let pool = db.pool().await;
    let load = Load::start(&company, &company.api, &pool);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let enable: Vec<String> = FAULTS
        .iter()
        .map(|(name, p)| format!("enable_random name={name},probability={p}"))
        .collect();
    control(server.pid(), &enable);
    tokio::time::sleep(Duration::from_secs(8)).await;
    let disable: Vec<String> = FAULTS
        .iter()
        .map(|(name, _)| format!("disable name={name}"))
        .collect();
    control(server.pid(), &disable);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let outcome = load.stop().await;
    assert!(server.is_running(), "the process survived the disk errors");
    let failed_log = server.log_text().matches("database disk error").count();
    // The disk behaves again: the one writer is not stuck.
    let paid = company
        .api
        .post(
            "/api/v1/payments",
            &json!({ "account_id": company.customers[0], "amount": "1.00", "reference": "AFTER" }),
            Some("after-the-faults"),
        )
        .await;
    assert!(paid.acknowledged(), "{paid:?}");
    println!(
        "io faults: {} writes acknowledged, {failed_log} disk errors logged, {} unanswered payments",
        outcome.facts.len(),
        outcome.retries.len()
    );
    assert!(
        failed_log > 0,
        "no fault was injected: the test proves nothing"
    );
    assert!(
        outcome.server_errors.is_empty(),
        "{:?}",
        outcome.server_errors
    );
    server.kill();
    let server = Server::start(&db, &Launch::default()).await;
    let api = company.api.at(&server.base);
    let mut facts = outcome.facts;
    facts.extend(retry_all(&api, outcome.retries).await);
    let found = verify::findings(&api, &pool, &db.url, &facts).await;
    assert!(found.is_empty(), "{found:#?}");
    drop(server);
    pool.close().await;
    db.drop_database().await;
}
