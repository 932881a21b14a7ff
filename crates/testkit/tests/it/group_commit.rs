//! Concurrent writes on one database: on SQLite they share commits (group commit). Whatever
//! shares a commit, each write succeeds or fails on its own, is visible to readers as soon as it
//! is acknowledged, and a cancelled request never holds up the others.

use std::sync::Arc;

use salesflow_app::entity::Origin;
use salesflow_app::error::AppError;
use salesflow_app::{Actor, App};
use salesflow_domain::lead::{Lead, LeadInput};
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;

fn named(last_name: &str) -> LeadInput {
    LeadInput {
        last_name: Some(last_name.into()),
        ..Default::default()
    }
}

/// Creates a lead and reads it back through the readers: `Some` once acknowledged and visible.
async fn create_and_read(app: &App, actor: &Actor, name: String) -> Option<Lead> {
    let lead: Lead = app.create(actor, &named(&name), Origin::Api).await.ok()?;
    let read: Lead = app
        .get(actor, lead.id.0)
        .await
        .expect("acknowledged write is visible");
    assert_eq!(read.details.last_name.as_str(), name);
    Some(read)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn writes_sharing_a_commit_succeed_and_fail_on_their_own() {
    // The writes and commits are counted: no background consumer may add its own.
    let t = TestApp::spawn_without_feed_follower().await;
    let user = t.user(Role::SalesRep, None).await;
    let actor = Actor::of(&user);
    let contended: Lead = t
        .app
        .create(&actor, &named("Contended"), Origin::Api)
        .await
        .unwrap();
    let (writes, commits) = (t.store.write_transactions(), t.store.commits());
    let app = Arc::new(t.app.clone());
    let mut edits = Vec::new();
    let mut creations = Vec::new();
    for i in 0..20 {
        let (editor_app, editor) = (app.clone(), actor.clone());
        let id = contended.id.0;
        edits.push(tokio::spawn(async move {
            let input = LeadInput {
                title: Some(format!("Writer {i}")),
                version: Some(1),
                ..Default::default()
            };
            editor_app.update::<Lead>(&editor, id, &input).await
        }));
        let (app, actor) = (app.clone(), actor.clone());
        creations.push(tokio::spawn(async move {
            create_and_read(&app, &actor, format!("Batch {i}")).await
        }));
    }
    let mut winners = Vec::new();
    for edit in edits {
        match edit.await.unwrap() {
            Ok(lead) => winners.push(lead),
            Err(AppError::StaleVersion { .. }) => {}
            Err(other) => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "one edit of version 1 wins");
    for creation in creations {
        assert!(creation.await.unwrap().is_some(), "every creation succeeds");
    }
    let now: Lead = t.app.get(&actor, contended.id.0).await.unwrap();
    assert_eq!(now.details.title, winners[0].details.title);
    assert_eq!(now.meta.version, 2);
    let events = t
        .app
        .timeline::<Lead>(&actor, contended.id.0)
        .await
        .unwrap();
    assert_eq!(events.len(), 2, "the creation and the one accepted edit");
    let writes = t.store.write_transactions() - writes;
    let commits = t.store.commits() - commits;
    assert_eq!(writes, 21, "20 creations and one edit");
    if t.store.backend_kind() == salesflow_store::Backend::Sqlite {
        assert!(commits < writes, "{commits} commits for {writes} writes");
    } else {
        assert_eq!(commits, writes);
    }
    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_cancelled_write_never_holds_up_the_others() {
    let t = TestApp::spawn().await;
    let user = t.user(Role::SalesRep, None).await;
    let actor = Actor::of(&user);
    let app = Arc::new(t.app.clone());
    let mut tasks = Vec::new();
    for i in 0..40 {
        let (app, actor) = (app.clone(), actor.clone());
        tasks.push(tokio::spawn(async move {
            create_and_read(&app, &actor, format!("Cancel {i}")).await
        }));
    }
    // Every third request goes away at some point of its write, as a dropped connection does.
    for (i, task) in tasks.iter().enumerate() {
        if i % 3 == 0 {
            tokio::time::sleep(std::time::Duration::from_micros(200 * i as u64)).await;
            task.abort();
        }
    }
    let mut acknowledged = Vec::new();
    for task in tasks {
        if let Ok(Some(lead)) = task.await {
            acknowledged.push(lead);
        }
    }
    assert!(acknowledged.len() >= 26, "{} finished", acknowledged.len());
    let after = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        create_and_read(&app, &actor, "After".into()),
    )
    .await
    .expect("the writer is free again");
    assert!(after.is_some());
    for lead in &acknowledged {
        let read: Lead = t.app.get(&actor, lead.id.0).await.unwrap();
        assert_eq!(read.details.last_name, lead.details.last_name);
    }
    t.shutdown().await;
}
