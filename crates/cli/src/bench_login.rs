//! `salesflow bench --suite login`: a flood of sign-ins with random e-mails from many client
//! addresses against the real server, with one legitimate sign-in from another address in the
//! middle. Prints how the flood was answered, the process's peak memory (resident set, from
//! /proc) and how long the legitimate sign-in took.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use salesflow_app::clock::SystemClock;
use salesflow_app::users::NewUser;
use salesflow_domain::role::Role;

use crate::bench::{Served, remove_database};

const LEGIT_PASSWORD: &str = "a legitimate password";

/// The process's resident set (VmRSS) or its peak (VmHWM), in KiB.
fn memory_kib(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// One browser-like sign-in from `from`: the form (for its CSRF token), then the post.
async fn sign_in(base: &str, from: IpAddr, email: &str, password: &str) -> Result<u16> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .local_address(from)
        .build()?;
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await?
        .text()
        .await?;
    let csrf = page
        .split("name=\"csrf\" value=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .context("the sign-in form has a CSRF token")?
        .to_string();
    let response = client
        .post(format!("{base}/login"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", email),
            ("password", password),
        ])
        .send()
        .await?;
    Ok(response.status().as_u16())
}

pub async fn run(attempts: usize, addresses: u8) -> Result<()> {
    let path =
        std::env::temp_dir().join(format!("salesflow-bench-login-{}.db", std::process::id()));
    let store = crate::server::open_store(&format!("sqlite://{}", path.display()), 16).await?;
    let app = crate::server::app(store.clone(), Arc::new(SystemClock));
    app.create_user(
        None,
        NewUser {
            email: "owner@bench.salesflow.test".into(),
            name: "Owner".into(),
            role: Role::Admin,
            team_id: None,
            password: LEGIT_PASSWORD.into(),
        },
    )
    .await
    .map_err(crate::admin::describe)?;
    let served = Served::start(&app).await?;
    let base = served.base.clone();
    // Warm up: one sign-in, so the measured peak is the flood's, not the first hash's.
    sign_in(
        &base,
        "127.0.0.2".parse()?,
        "owner@bench.salesflow.test",
        LEGIT_PASSWORD,
    )
    .await?;
    let before = memory_kib("VmRSS");

    let peak = Arc::new(AtomicU64::new(before));
    let sampling = Arc::new(AtomicBool::new(true));
    let sampler = {
        let (peak, sampling) = (peak.clone(), sampling.clone());
        tokio::spawn(async move {
            while sampling.load(Ordering::Relaxed) {
                peak.fetch_max(memory_kib("VmRSS"), Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
    };
    let started = Instant::now();
    let flood: Vec<_> = (0..attempts)
        .map(|i| {
            let base = base.clone();
            let from: IpAddr = format!("127.0.1.{}", 1 + i % usize::from(addresses.max(1)))
                .parse()
                .expect("a loopback address");
            tokio::spawn(async move {
                let email = format!("nobody-{i}-{}@bench.example", uuid::Uuid::now_v7().simple());
                sign_in(&base, from, &email, "a wrong password!").await
            })
        })
        .collect();
    // The owner signs in from elsewhere while the flood is under way.
    tokio::time::sleep(Duration::from_millis(50)).await;
    // Like a person on the sign-in page: on 503 (with Retry-After: 1) try again a second later.
    let legit_started = Instant::now();
    let mut tries = Vec::new();
    loop {
        let from: IpAddr = "127.0.0.2".parse()?;
        let status = sign_in(&base, from, "owner@bench.salesflow.test", LEGIT_PASSWORD).await?;
        tries.push((status, legit_started.elapsed()));
        if status != 503 || tries.len() >= 5 {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let legit_took = legit_started.elapsed();
    let mut answers = std::collections::BTreeMap::<String, usize>::new();
    for task in flood {
        let answer = match task.await? {
            Ok(status) => status.to_string(),
            Err(e) => format!("error: {e}"),
        };
        *answers.entry(answer).or_default() += 1;
    }
    let flood_took = started.elapsed();
    sampling.store(false, Ordering::Relaxed);
    let _ = sampler.await;
    served.stop().await;
    store.close().await;
    remove_database(&path);

    println!(
        "sign-in flood: {attempts} parallel attempts with random e-mails from {addresses} client addresses"
    );
    println!(
        "  answers: {answers:?} in {:.2} s",
        flood_took.as_secs_f64()
    );
    let first = tries.first().map_or(0, |t| t.0);
    let last = tries.last().map_or(0, |t| t.0);
    println!(
        "  legitimate sign-in from another address during the flood: first answer HTTP {first} \
         after {} ms; HTTP {last} after {} attempt(s), {} ms in all",
        tries.first().map_or(0, |t| t.1.as_millis()),
        tries.len(),
        legit_took.as_millis()
    );
    println!(
        "  resident memory: {} MiB before, peak {} MiB during the flood (whole process: server and clients)",
        before / 1024,
        peak.load(Ordering::Relaxed) / 1024
    );
    Ok(())
}
