//! Concurrent writers: one wins, the rest get 409; contention never surfaces as a 500.

use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_edits_of_one_version_have_one_winner() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = std::sync::Arc::new(t.api_as(&rep).await);
    let id = api
        .post("/api/v1/leads", &json!({ "last_name": "Contended" }))
        .await
        .json["lead"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut tasks = Vec::new();
    for i in 0..20 {
        let (api, id) = (api.clone(), id.clone());
        tasks.push(tokio::spawn(async move {
            api.patch(
                &format!("/api/v1/leads/{id}"),
                &json!({ "title": format!("Writer {i}"), "version": 1 }),
            )
            .await
            .status
            .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for task in tasks {
        statuses.push(task.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        19,
        "{statuses:?}"
    );
    let events = api.get(&format!("/api/v1/leads/{id}/events")).await.json["events"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(events, 2, "one creation, one accepted edit");
    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn mixed_load_never_answers_500() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = std::sync::Arc::new(t.api_as(&rep).await);
    let mut tasks = Vec::new();
    for worker in 0..16 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            let mut statuses = Vec::new();
            for i in 0..15 {
                let created = api
                    .post(
                        "/api/v1/leads",
                        &json!({ "last_name": format!("Load{worker}x{i}") }),
                    )
                    .await;
                statuses.push(created.status.as_u16());
                if let Some(id) = created.json["lead"]["id"].as_str() {
                    statuses.push(
                        api.patch(
                            &format!("/api/v1/leads/{id}"),
                            &json!({ "title": "CEO", "version": 1 }),
                        )
                        .await
                        .status
                        .as_u16(),
                    );
                    statuses.push(
                        api.post(
                            &format!("/api/v1/leads/{id}/transitions"),
                            &json!({ "action": "work", "version": 2 }),
                        )
                        .await
                        .status
                        .as_u16(),
                    );
                }
                statuses.push(
                    api.get("/api/v1/leads?q=load&limit=20")
                        .await
                        .status
                        .as_u16(),
                );
            }
            statuses
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    assert!(
        all.iter().all(|s| *s < 500),
        "server errors under load: {:?}",
        all.iter().filter(|s| **s >= 500).collect::<Vec<_>>()
    );
    assert_eq!(all.iter().filter(|s| **s == 201).count(), 16 * 15);
    let counts = api.get("/api/v1/leads/counts").await.json;
    assert_eq!(counts["counts"][0]["group"], "working");
    assert_eq!(counts["counts"][0]["count"], 16 * 15);
    t.shutdown().await;
}
