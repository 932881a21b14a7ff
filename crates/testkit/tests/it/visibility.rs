//! Record visibility: restricted users see only their rows in every kind of read, and
//! visibility follows the owner and the owner's team.

use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn restricted_reps_see_only_their_own_rows_everywhere() {
    let t = TestApp::spawn().await;
    let team = t.team("North").await;
    let (a, b) = (
        t.user(Role::SalesRep, Some(team)).await,
        t.user(Role::SalesRep, Some(team)).await,
    );
    let manager = t.user(Role::SalesManager, Some(team)).await;
    let (api_a, api_b) = (t.api_as(&a).await, t.api_as(&b).await);
    for i in 0..3 {
        api_a
            .post(
                "/api/v1/leads",
                &json!({ "last_name": format!("Alpha{i}") }),
            )
            .await;
    }
    let b_lead = api_b
        .post("/api/v1/leads", &json!({ "last_name": "Alphabet" }))
        .await
        .json["lead"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    assert_eq!(
        api_a.get("/api/v1/leads").await.json["leads"]
            .as_array()
            .unwrap()
            .len(),
        3
    );
    assert_eq!(
        api_a.get("/api/v1/leads?q=alpha").await.json["leads"]
            .as_array()
            .unwrap()
            .len(),
        3,
        "search"
    );
    assert_eq!(
        api_a
            .get(&format!("/api/v1/leads?owner={}", b.id))
            .await
            .json["leads"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "owner filter"
    );
    assert_eq!(
        api_a.get("/api/v1/leads/counts").await.json["counts"][0]["count"],
        3,
        "counts"
    );
    assert_eq!(
        api_a.get(&format!("/api/v1/leads/{b_lead}")).await.status,
        404
    );
    assert_eq!(
        api_a
            .get(&format!("/api/v1/leads/{b_lead}/events"))
            .await
            .status,
        404,
        "timeline"
    );
    let csv = reqwest::Client::new()
        .get(t.url("/api/v1/leads/export"))
        .bearer_auth(
            t.app
                .create_token(&TestApp::actor(&a), a.id, "x", None)
                .await
                .unwrap()
                .1,
        )
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(csv.lines().count(), 1 + 3, "export");
    assert!(!csv.contains("Alphabet"));
    // The manager sees the whole team.
    assert_eq!(
        t.api_as(&manager).await.get("/api/v1/leads").await.json["leads"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    t.shutdown().await;
}

#[tokio::test]
async fn visibility_follows_the_owner_and_the_owners_team() {
    let t = TestApp::spawn().await;
    let (north, south) = (t.team("North").await, t.team("South").await);
    let admin = t.user(Role::Admin, None).await;
    let (rep_north, rep_south) = (
        t.user(Role::SalesRep, Some(north)).await,
        t.user(Role::SalesRep, Some(south)).await,
    );
    let (boss_north, boss_south) = (
        t.api_as(&t.user(Role::SalesManager, Some(north)).await)
            .await,
        t.api_as(&t.user(Role::SalesManager, Some(south)).await)
            .await,
    );
    let api = t.api_as(&admin).await;
    let lead = api
        .post(
            "/api/v1/leads",
            &json!({ "last_name": "Moving", "owner_id": rep_north.id.to_string() }),
        )
        .await;
    let id = lead.json["lead"]["id"].as_str().unwrap().to_string();
    assert_eq!(
        boss_north.get(&format!("/api/v1/leads/{id}")).await.status,
        200
    );
    assert_eq!(
        boss_south.get(&format!("/api/v1/leads/{id}")).await.status,
        404
    );

    // Reassigned to the other team: the record moves with its owner.
    let moved = api
        .patch(
            &format!("/api/v1/leads/{id}"),
            &json!({ "owner_id": rep_south.id.to_string(), "version": 1 }),
        )
        .await;
    assert_eq!(moved.json["lead"]["team_id"], south.to_string().as_str());
    assert_eq!(
        boss_north.get(&format!("/api/v1/leads/{id}")).await.status,
        404
    );
    assert_eq!(
        boss_south.get(&format!("/api/v1/leads/{id}")).await.status,
        200
    );

    // The owner changes team: their records follow.
    let user = t.app.store.user_by_id(rep_south.id).await.unwrap().unwrap();
    t.app
        .update_user(
            None,
            rep_south.id,
            salesflow_app::users::UserChange {
                team_id: Some(Some(north)),
                version: user.version,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        boss_north.get(&format!("/api/v1/leads/{id}")).await.status,
        200
    );
    assert_eq!(
        boss_south.get(&format!("/api/v1/leads/{id}")).await.status,
        404
    );
    t.shutdown().await;
}

#[tokio::test]
async fn editors_cannot_take_records_over() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let finance = t.user(Role::Finance, None).await;
    let account = t
        .api_as(&rep)
        .await
        .post("/api/v1/accounts", &json!({ "name": "Owned Inc" }))
        .await;
    let id = account.json["account"]["id"].as_str().unwrap().to_string();
    let fin = t.api_as(&finance).await;
    let grab = fin
        .patch(
            &format!("/api/v1/accounts/{id}"),
            &json!({ "owner_id": finance.id.to_string(), "version": 1 }),
        )
        .await;
    assert_eq!(
        (grab.status.as_u16(), grab.code()),
        (422, "owner_not_assignable")
    );
    let keep = fin
        .patch(
            &format!("/api/v1/accounts/{id}"),
            &json!({ "owner_id": rep.id.to_string(), "city": "Oslo", "version": 1 }),
        )
        .await;
    assert_eq!(
        keep.status, 200,
        "naming the current owner is no change: {}",
        keep.text
    );
    assert_eq!(
        keep.json["account"]["owner_id"],
        rep.id.to_string().as_str()
    );
    t.shutdown().await;
}
