//! The store conformance story: the same steps on SQLite always, and on PostgreSQL whenever
//! `SALESFLOW_TEST_POSTGRES_URL` is set.

use std::sync::Arc;

use salesflow_app::AppError;
use salesflow_app::clock::FixedClock;
use salesflow_app::entity::Origin;
use salesflow_app::list::ListParams;
use salesflow_app::ports::{NewJob, RecordStore, Scope, StoreError};
use salesflow_app::users::NewUser;
use salesflow_domain::lead::{Lead, LeadInput};
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::db::{TestDb, postgres_url};

async fn story(db: TestDb) {
    let store = salesflow::server::open_store(&db.url, 4)
        .await
        .expect("open");
    assert_eq!(
        store.migrate().await.unwrap(),
        0,
        "migrations are applied once"
    );
    let clock = Arc::new(FixedClock::new(
        jiff::Timestamp::from_second(1_800_000_000).unwrap(),
    ));
    let app = salesflow::server::app(store.clone(), clock.clone());
    let user = app
        .create_user(
            None,
            NewUser {
                email: "Story@Example.com".into(),
                name: "Story".into(),
                role: Role::Admin,
                team_id: None,
                password: "long enough password".into(),
            },
        )
        .await
        .unwrap();
    assert_eq!(user.email, "story@example.com");
    let duplicate = app
        .create_user(
            None,
            NewUser {
                email: "story@example.com".into(),
                name: "Again".into(),
                role: Role::Admin,
                team_id: None,
                password: "long enough password".into(),
            },
        )
        .await;
    assert!(
        matches!(
            duplicate,
            Err(AppError::Conflict {
                code: "already_exists",
                ..
            })
        ),
        "{duplicate:?}"
    );
    let actor = TestApp::actor(&user);

    // Records: insert with event, read, versioned update, stale update refused.
    let mut ids = Vec::new();
    for i in 0..7 {
        clock.advance(jiff::SignedDuration::from_secs(60));
        let input = LeadInput {
            last_name: Some(format!("Zed{i}")),
            company: Some(if i % 2 == 0 { "Acme" } else { "Beta" }.into()),
            ..Default::default()
        };
        ids.push(
            app.create::<Lead>(&actor, &input, Origin::Api)
                .await
                .unwrap()
                .id
                .0,
        );
    }
    let lead: Lead = app.get(&actor, ids[0]).await.unwrap();
    assert_eq!(
        (lead.meta.version, lead.details.last_name.as_str()),
        (1, "Zed0")
    );
    let edited: Lead = app
        .update(
            &actor,
            ids[0],
            &LeadInput {
                phone: Some("+1 555 0100".into()),
                version: Some(1),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(edited.meta.version, 2);
    let store_port: &dyn RecordStore<Lead> = &store;
    let stale = store_port
        .update(
            &lead,
            1,
            &app.event_for(
                &actor,
                &lead,
                salesflow_domain::event::Change::new("updated", vec![]),
            ),
        )
        .await;
    assert!(
        matches!(stale, Err(StoreError::VersionConflict { current: 2 })),
        "{stale:?}"
    );

    // Keyset pagination walks every row exactly once, in order, with filters applied.
    let mut seen = Vec::new();
    let mut params = ListParams {
        sort: Some("last_name".into()),
        dir: Some("asc".into()),
        limit: Some(2),
        ..Default::default()
    };
    loop {
        let page = app.list::<Lead>(&actor, &params).await.unwrap();
        seen.extend(page.items.iter().map(|l| l.details.last_name.to_string()));
        match page.next_cursor {
            Some(c) => params.cursor = Some(c),
            None => break,
        }
    }
    assert_eq!(seen, (0..7).map(|i| format!("Zed{i}")).collect::<Vec<_>>());
    let search = app
        .list::<Lead>(
            &actor,
            &ListParams {
                q: Some("ZED3".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(search.items.len(), 1);
    let acme = app
        .list::<Lead>(
            &actor,
            &ListParams {
                q: Some("acm".into()),
                limit: Some(50),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(acme.items.len(), 4);
    assert_eq!(
        store_port
            .list(
                &salesflow_app::list::ListQuery {
                    sort: "created_at",
                    limit: 50,
                    ..Default::default()
                },
                Scope::Own(salesflow_domain::ids::UserId(uuid::Uuid::nil()))
            )
            .await
            .unwrap()
            .len(),
        0
    );

    // The timeline has the creation and the edit with old → new.
    let timeline = app.timeline::<Lead>(&actor, ids[0]).await.unwrap();
    assert_eq!(
        timeline
            .iter()
            .map(|e| e.activity.as_str())
            .collect::<Vec<_>>(),
        ["updated", "created"]
    );
    assert_eq!(timeline[0].changes[0].field, "phone");
    assert_eq!(timeline[0].changes[0].new.as_deref(), Some("+1 555 0100"));

    // The event log rejects UPDATE and DELETE at the database level.
    assert!(
        sqlx::query("UPDATE events SET activity = 'x'")
            .execute(store.pool())
            .await
            .is_err()
    );
    assert!(
        sqlx::query("DELETE FROM events")
            .execute(store.pool())
            .await
            .is_err()
    );

    // Jobs: unique keys, leases, completion.
    let now = clock.now_ts();
    let job = NewJob {
        id: uuid::Uuid::now_v7(),
        kind: "purge_expired".into(),
        payload: "{}".into(),
        run_at: now,
        unique_key: "purge_expired".into(),
        max_attempts: 3,
    };
    assert!(app.store.enqueue(&job).await.unwrap());
    assert!(
        !app.store
            .enqueue(&NewJob {
                id: uuid::Uuid::now_v7(),
                ..job.clone()
            })
            .await
            .unwrap()
    );
    let lease = now.checked_add(jiff::SignedDuration::from_mins(5)).unwrap();
    let claimed = app
        .store
        .claim_job("w1", now, lease)
        .await
        .unwrap()
        .expect("due job");
    assert!(
        app.store
            .claim_job("w2", now, lease)
            .await
            .unwrap()
            .is_none(),
        "a leased job is not claimed twice"
    );
    app.store.finish_job(claimed.id, "w1", None).await.unwrap();
    assert!(
        app.store
            .claim_job("w2", lease, lease)
            .await
            .unwrap()
            .is_none()
    );

    store.close().await;
    db.drop().await;
}

trait NowTs {
    fn now_ts(&self) -> jiff::Timestamp;
}
impl NowTs for FixedClock {
    fn now_ts(&self) -> jiff::Timestamp {
        use salesflow_app::clock::Clock;
        self.now()
    }
}

#[tokio::test]
async fn store_story_on_sqlite() {
    story(TestDb::sqlite()).await;
}

#[tokio::test]
async fn store_story_on_postgres() {
    match postgres_url() {
        Some(url) => story(TestDb::postgres(&url).await).await,
        None => {
            eprintln!("NOTICE: SALESFLOW_TEST_POSTGRES_URL not set; PostgreSQL store story skipped")
        }
    }
}
