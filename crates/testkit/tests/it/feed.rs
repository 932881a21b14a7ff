//! The ordered event feed: positions in commit order without holes, even when PostgreSQL
//! transactions commit in the other order than they wrote; consumers' checkpoints; the read
//! models applied by their consumer instead of by the request.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use salesflow_app::App;
use salesflow_app::clock::Clock;
use salesflow_app::feed::{ATTEMPTS, Consumer};
use salesflow_app::ports::{FeedEvent, FeedStore};
use salesflow_domain::role::Role;
use salesflow_store::Backend;
use salesflow_store::feed::READ_MODELS;
use salesflow_store::feed::positions::number_pending_events;
use salesflow_testkit::TestApp;
use serde_json::json;
use sqlx::{Any, AnyPool, Transaction};
use uuid::Uuid;

/// A follower that reads the feed after its checkpoint, as a consumer does.
struct Follower {
    checkpoint: i64,
    seen: Vec<FeedEvent>,
}

impl Follower {
    fn new() -> Self {
        Self {
            checkpoint: 0,
            seen: Vec::new(),
        }
    }

    async fn poll(&mut self, t: &TestApp) -> usize {
        let batch = t.store.feed_after(self.checkpoint, 50).await.unwrap();
        if let Some(last) = batch.last() {
            self.checkpoint = last.position;
        }
        let n = batch.len();
        self.seen.extend(batch);
        n
    }

    fn ids(&self) -> BTreeSet<String> {
        self.seen.iter().map(|e| e.event.id.to_string()).collect()
    }
}

async fn all_event_ids(pool: &AnyPool) -> BTreeSet<String> {
    sqlx::query_scalar::<_, String>("SELECT id FROM events")
        .fetch_all(pool)
        .await
        .unwrap()
        .into_iter()
        .collect()
}

#[tokio::test]
async fn a_follower_sees_every_event_once_in_commit_order_under_concurrent_writes() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = Arc::new(t.api_as(&rep).await);
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let api = api.clone();
            tokio::spawn(async move {
                for i in 0..12 {
                    let body = json!({ "last_name": format!("Feed{w}x{i}") });
                    assert_eq!(api.post("/api/v1/leads", &body).await.status, 201);
                }
            })
        })
        .collect();
    let mut follower = Follower::new();
    while !writers.iter().all(|w| w.is_finished()) {
        if follower.poll(&t).await == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
    for w in writers {
        w.await.unwrap();
    }
    while follower.poll(&t).await > 0 {}

    let positions: Vec<i64> = follower.seen.iter().map(|e| e.position).collect();
    let head = t.store.feed_head().await.unwrap();
    assert_eq!(
        positions,
        (1..=head).collect::<Vec<_>>(),
        "1..head, no hole, no repeat"
    );
    assert_eq!(follower.ids(), all_event_ids(t.store.pool()).await);
    assert!(
        follower.seen.len() >= 96,
        "every lead's creation is in the feed"
    );
}

/// An event of its own, written as the store writes them, in `tx`.
async fn write_event(tx: &mut Transaction<'static, Any>, name: &str) -> String {
    let id = Uuid::now_v7().to_string();
    sqlx::query(
        "INSERT INTO events (id, at, entity_type, entity_id, case_id, activity, changes) \
         VALUES ($1, $2, 'lead', $3, $3, $4, '[]')",
    )
    .bind(&id)
    .bind(jiff::Timestamp::now().as_microsecond())
    .bind(Uuid::now_v7().to_string())
    .bind(name)
    .execute(&mut **tx)
    .await
    .unwrap();
    id
}

async fn commit(mut tx: Transaction<'static, Any>) {
    number_pending_events(&mut tx, Backend::Postgres)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn an_event_that_commits_late_is_not_skipped() {
    if !salesflow_testkit::db::use_postgres() {
        // SQLite has one writer: transactions cannot overlap there.
        return;
    }
    let t = TestApp::spawn().await;
    let pool = t.store.pool();
    let mut follower = Follower::new();
    while follower.poll(&t).await > 0 {}

    // A writes first, B second; B commits first.
    let mut a = pool.begin().await.unwrap();
    let first = write_event(&mut a, "written_first").await;
    let mut b = pool.begin().await.unwrap();
    let second = write_event(&mut b, "written_second").await;
    commit(b).await;
    follower.poll(&t).await;
    assert!(follower.ids().contains(&second));
    assert!(!follower.ids().contains(&first), "A is not committed yet");

    // The follower's checkpoint is past B now; A, committed after, still comes after it.
    commit(a).await;
    follower.poll(&t).await;
    assert!(
        follower.ids().contains(&first),
        "the late commit was not skipped"
    );
    assert!(
        position_of_in(&follower, &first) > position_of_in(&follower, &second),
        "commit order"
    );

    // While C holds the numbering (numbered, not yet committed), D waits for it.
    let mut c = pool.begin().await.unwrap();
    let third = write_event(&mut c, "third").await;
    number_pending_events(&mut c, Backend::Postgres)
        .await
        .unwrap();
    let pool_d = pool.clone();
    let d = tokio::spawn(async move {
        let mut d = pool_d.begin().await.unwrap();
        let fourth = write_event(&mut d, "fourth").await;
        commit(d).await;
        fourth
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        !d.is_finished(),
        "D cannot number its events while C may still commit"
    );
    assert_eq!(follower.poll(&t).await, 0, "nothing uncommitted is visible");
    c.commit().await.unwrap();
    let fourth = d.await.unwrap();
    while follower.poll(&t).await > 0 {}
    assert_eq!(
        position_of_in(&follower, &fourth),
        position_of_in(&follower, &third) + 1
    );
    let head = t.store.feed_head().await.unwrap();
    let positions: Vec<i64> = follower.seen.iter().map(|e| e.position).collect();
    assert_eq!(positions, (1..=head).collect::<Vec<_>>());
}

fn position_of_in(follower: &Follower, id: &str) -> i64 {
    follower
        .seen
        .iter()
        .find(|e| e.event.id.to_string() == id)
        .unwrap()
        .position
}

#[tokio::test]
async fn requests_leave_the_read_models_to_their_consumer_and_reports_catch_up() {
    let t = TestApp::spawn_without_feed_follower().await;
    let admin = t.api_as(&t.user(Role::Admin, None).await).await;
    let read_models = || async {
        let all = t.store.consumers().await.unwrap();
        all.into_iter().find(|c| c.name == READ_MODELS).unwrap()
    };
    let steps = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM process_steps")
            .fetch_one(t.store.pool())
            .await
            .unwrap()
    };
    t.store.read_models_current().await.unwrap();
    let before = steps().await;
    for name in ["Ames", "Bell", "Cole"] {
        let created = admin
            .post("/api/v1/leads", &json!({ "last_name": name }))
            .await;
        assert_eq!(created.status, 201);
    }
    assert!(
        read_models().await.lag() >= 3,
        "the writes did not apply them"
    );
    assert_eq!(steps().await, before);

    let process = admin.get("/api/v1/analytics/process").await;
    assert_eq!(process.status, 200);
    assert_eq!(read_models().await.lag(), 0, "the report caught up first");
    assert_eq!(steps().await, before + 3);

    // Replaying from the start recomputes everything to the same rows.
    let kept = super::projections::snapshot(&t).await;
    assert!(
        t.store
            .replay_consumer(READ_MODELS, 0, jiff::Timestamp::now())
            .await
            .unwrap()
    );
    assert_eq!(read_models().await.position, 0);
    assert_eq!(super::projections::snapshot(&t).await, kept);
    assert_eq!(read_models().await.lag(), 0);
    assert!(
        !t.store
            .replay_consumer("nobody", 0, jiff::Timestamp::now())
            .await
            .unwrap()
    );
}

/// A consumer that records the positions it handles and fails on one of them while `failing`.
struct Recorder {
    handled: std::sync::Mutex<Vec<i64>>,
    poison: std::sync::atomic::AtomicI64,
    failing: std::sync::atomic::AtomicBool,
}

#[async_trait::async_trait]
impl Consumer for Recorder {
    fn name(&self) -> &'static str {
        "recorder"
    }

    async fn handle(&self, _app: &App, event: &FeedEvent) -> Result<(), String> {
        self.handled.lock().unwrap().push(event.position);
        let poisoned = event.position == self.poison.load(Ordering::SeqCst);
        if poisoned && self.failing.load(Ordering::SeqCst) {
            return Err(format!("cannot handle {}", event.position));
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_consumer_is_held_by_one_instance_and_parks_what_keeps_failing() {
    let t = TestApp::spawn().await;
    let admin = t.api_as(&t.user(Role::Admin, None).await).await;
    for name in ["Ames", "Bell", "Cole", "Dunn", "Eddy"] {
        let created = admin
            .post("/api/v1/leads", &json!({ "last_name": name }))
            .await;
        assert_eq!(created.status, 201);
    }
    let head = t.store.feed_head().await.unwrap();
    let recorder = Arc::new(Recorder {
        handled: Default::default(),
        poison: (head - 2).into(),
        failing: true.into(),
    });
    let app = t.app.clone().with_consumer(recorder.clone());

    assert_eq!(
        app.run_consumer(recorder.as_ref(), "one").await.unwrap(),
        head as u64
    );
    assert_eq!(
        app.run_consumer(recorder.as_ref(), "two").await.unwrap(),
        0,
        "instance one holds the lease"
    );
    let mut expected: Vec<i64> = (1..=head).collect();
    for _ in 1..ATTEMPTS {
        expected.insert((head - 2) as usize, head - 2);
    }
    assert_eq!(
        *recorder.handled.lock().unwrap(),
        expected,
        "in order, the poison tried 3 times"
    );

    let status = app.consumers().await.unwrap();
    let mine = status.iter().find(|c| c.name == "recorder").unwrap();
    assert_eq!((mine.position, mine.lag(), mine.parked), (head, 0, 1));
    assert_eq!(mine.lease_owner.as_deref(), Some("one"));
    let parked = t.store.parked_events(Some("recorder"), 10).await.unwrap();
    assert_eq!(parked.len(), 1);
    assert_eq!(parked[0].position, head - 2);
    assert_eq!(parked[0].error, format!("cannot handle {}", head - 2));

    // Administrators see the consumer and what it parked; nobody else does. This server does
    // not run the test's consumer, so a retry from its page finds nothing to run.
    let admin_user = t.user(Role::Admin, None).await;
    let page = t.session_as(&admin_user).await;
    let (status, html) = page.get("/settings/feed").await;
    assert_eq!(status, 200);
    assert!(html.contains("consumer-recorder") && html.contains("consumer-read_models"));
    assert!(
        html.contains(&format!("cannot handle {}", head - 2)),
        "{html}"
    );
    let retry = format!("/settings/feed/recorder/{}/retry", head - 2);
    assert_eq!(page.post(&retry, &[]).await.status(), 404);
    let rep = t.session_as(&t.user(Role::SalesRep, None).await).await;
    assert_eq!(rep.get("/settings/feed").await.0, 403);
    assert_eq!(rep.post(&retry, &[]).await.status(), 403);

    // Fixed, the parked event is handled again and leaves the list.
    recorder.failing.store(false, Ordering::SeqCst);
    assert!(app.retry_parked("recorder", head - 2).await.unwrap());
    assert!(
        t.store
            .parked_events(Some("recorder"), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(!app.retry_parked("recorder", head - 2).await.unwrap());

    // Instance one goes silent: after its lease ran out, two takes over; one's late checkpoint
    // is refused.
    let later = t.clock.now() + jiff::SignedDuration::from_secs(31);
    let until = later + jiff::SignedDuration::from_secs(30);
    let taken = t
        .store
        .claim_consumer("recorder", "two", later, until)
        .await
        .unwrap();
    assert_eq!(taken, Some(head));
    assert!(
        !t.store
            .advance_consumer("recorder", "one", head, 0, later)
            .await
            .unwrap()
    );
    assert!(
        t.store
            .advance_consumer("recorder", "two", head, 0, later)
            .await
            .unwrap()
    );
}
