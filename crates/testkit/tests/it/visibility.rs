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

/// Tables with both `owner_id` and `team_id`, from the live schema of the database under test.
async fn owned_tables(t: &TestApp) -> Vec<String> {
    let sql = match t.store.backend_kind() {
        salesflow_store::Backend::Sqlite => {
            "SELECT m.name FROM sqlite_master m JOIN pragma_table_info(m.name) p \
             WHERE m.type = 'table' AND p.name IN ('owner_id', 'team_id') \
             GROUP BY m.name HAVING COUNT(*) = 2 ORDER BY m.name"
        }
        salesflow_store::Backend::Postgres => {
            "SELECT table_name::text FROM information_schema.columns \
             WHERE table_schema = current_schema() AND column_name IN ('owner_id', 'team_id') \
             GROUP BY table_name HAVING COUNT(*) = 2 ORDER BY table_name"
        }
    };
    sqlx::query_scalar(sql)
        .fetch_all(t.store.pool())
        .await
        .unwrap()
}

#[tokio::test]
async fn every_owned_table_is_known_to_the_team_move() {
    let t = TestApp::spawn().await;
    let mut known: Vec<String> = salesflow_store::ownership::TEAM_FOLLOWS_OWNER
        .iter()
        .chain(salesflow_store::ownership::TEAM_KEPT_AS_HISTORY)
        .map(|s| s.to_string())
        .collect();
    known.sort();
    assert_eq!(
        owned_tables(&t).await,
        known,
        "a table with owner_id and team_id must be listed in store/src/ownership.rs"
    );
    t.shutdown().await;
}

#[tokio::test]
async fn every_document_follows_its_owner_to_another_team() {
    let t = TestApp::spawn().await;
    let (north, south) = (t.team("North").await, t.team("South").await);
    let owner = t.user(Role::Admin, Some(north)).await;
    let actor = TestApp::actor(&owner);
    let office = t.api_as(&owner).await;
    let (boss_north, boss_south) = (
        t.api_as(&t.user(Role::SalesManager, Some(north)).await)
            .await,
        t.api_as(&t.user(Role::SalesManager, Some(south)).await)
            .await,
    );
    // The whole chain, owned by one user: account, quote, order, delivery, invoice, payment.
    let done = salesflow_testkit::orders::finished_order(&t, &actor, &office).await;
    let paths = [done.order, done.delivery, done.invoice, done.payment];
    for path in &paths {
        assert_eq!(boss_north.get(path).await.status, 200, "{path}");
        assert_eq!(boss_south.get(path).await.status, 404, "{path}");
    }

    let now = t.app.store.user_by_id(owner.id).await.unwrap().unwrap();
    t.app
        .update_user(
            None,
            owner.id,
            salesflow_app::users::UserChange {
                team_id: Some(Some(south)),
                version: now.version,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    for path in &paths {
        assert_eq!(
            boss_south.get(path).await.status,
            200,
            "{path} follows its owner"
        );
        assert_eq!(
            boss_north.get(path).await.status,
            404,
            "{path} left the old team"
        );
    }
    let mut owned_somewhere = Vec::new();
    for table in salesflow_store::ownership::TEAM_FOLLOWS_OWNER {
        let rows: Vec<Option<String>> = sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT team_id FROM {table} WHERE owner_id = $1"
        )))
        .bind(owner.id.to_string())
        .fetch_all(t.store.pool())
        .await
        .unwrap();
        if !rows.is_empty() {
            owned_somewhere.push(*table);
        }
        assert!(
            rows.iter()
                .all(|team| team.as_deref() == Some(south.to_string().as_str())),
            "{table}: {rows:?}"
        );
    }
    for table in [
        "accounts",
        "quotes",
        "sales_orders",
        "deliveries",
        "invoices",
        "payments",
    ] {
        assert!(
            owned_somewhere.contains(&table),
            "{table} had rows: {owned_somewhere:?}"
        );
    }
    t.shutdown().await;
}

#[tokio::test]
async fn an_orders_page_lists_only_the_deliveries_the_reader_may_see() {
    let t = TestApp::spawn().await;
    let north = t.team("North").await;
    let rep = t.user(Role::SalesRep, Some(north)).await;
    let admin = t.user(Role::Admin, None).await;
    let office = t.api_as(&admin).await;
    let rep_actor = TestApp::actor(&rep);
    salesflow_testkit::orders::stocked_product(&t, &TestApp::actor(&admin), "GEAR", "80.00", "5")
        .await;
    let order =
        salesflow_testkit::orders::accepted_order(&t, &rep_actor, "Seen Oy", "1 x GEAR").await;
    let confirmed = office
        .ok(
            &format!("/api/v1/orders/{}/confirm", order.id),
            &json!({ "version": 1 }),
            "order",
        )
        .await;
    let delivery = office
        .ok(
            &format!("/api/v1/orders/{}/releases", order.id),
            &json!({ "version": confirmed["version"] }),
            "delivery",
        )
        .await;
    let delivery_id = delivery["id"].as_str().unwrap().to_string();
    let session = t.session_as(&rep).await;
    let listed = |html: &str| html.contains(&format!("/deliveries/{delivery_id}"));
    let (status, page) = session.get(&format!("/orders/{}", order.id)).await;
    assert_eq!(status, 200);
    assert!(listed(&page), "the rep's own delivery is listed");
    // The delivery now belongs to someone the rep may not see (another team's user).
    sqlx::query("UPDATE deliveries SET owner_id = $1, team_id = NULL WHERE id = $2")
        .bind(admin.id.to_string())
        .bind(&delivery_id)
        .execute(t.store.pool())
        .await
        .unwrap();
    let api = t.api_as(&rep).await;
    assert_eq!(
        api.get(&format!("/api/v1/deliveries/{delivery_id}"))
            .await
            .status,
        404
    );
    let (_, page) = session.get(&format!("/orders/{}", order.id)).await;
    assert!(!listed(&page), "not listed on the order page either");
    t.shutdown().await;
}

#[tokio::test]
async fn a_user_with_stage_history_can_leave_their_team() {
    let t = TestApp::spawn().await;
    let north = t.team("North").await;
    let rep = t.user(Role::SalesRep, Some(north)).await;
    let api = t.api_as(&rep).await;
    let opp = api
        .ok(
            "/api/v1/opportunities",
            &json!({ "name": "Stays" }),
            "opportunity",
        )
        .await;
    let moved = api
        .post(
            &format!("/api/v1/opportunities/{}/move", opp["id"].as_str().unwrap()),
            &json!({ "stage_id": "0190a000-0000-7000-8000-000000000102", "version": 1 }),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    // The stays exist when the rep leaves, and after anything still pending is applied too.
    t.store.read_models_current().await.unwrap();
    let now = t.app.store.user_by_id(rep.id).await.unwrap().unwrap();
    let left = t
        .app
        .update_user(
            None,
            rep.id,
            salesflow_app::users::UserChange {
                team_id: Some(None),
                version: now.version,
                ..Default::default()
            },
        )
        .await;
    assert!(left.is_ok(), "{left:?}");
    t.store.read_models_current().await.unwrap();
    let teams: Vec<String> =
        sqlx::query_scalar("SELECT team_id FROM stage_stays WHERE owner_id = $1")
            .bind(rep.id.to_string())
            .fetch_all(t.store.pool())
            .await
            .unwrap();
    assert!(
        !teams.is_empty() && teams.iter().all(String::is_empty),
        "{teams:?}"
    );
    t.shutdown().await;
}
