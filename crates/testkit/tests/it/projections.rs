//! The process read models equal a rebuild from the whole log after every kind of change:
//! stage moves, reassignment, archiving, reordered stages and a late, out-of-order event.

use jiff::SignedDuration;
use salesflow_app::ports::EventRecord;
use salesflow_domain::event::EntityType;
use salesflow_domain::ids::EventId;
use salesflow_domain::opportunity::Opportunity;
use salesflow_testkit::TestApp;
use serde_json::{Value, json};
use sqlx::Row;
use uuid::Uuid;

use super::analytics::world;

/// Every row of the read models, one line each.
pub(super) async fn snapshot(t: &TestApp) -> Vec<String> {
    let queries = [
        "SELECT event_id || '|' || opportunity_id || '|' || case_id || '|' || pipeline_id \
           || '|' || stage_key || '|' || COALESCE(prev_stage, '-') \
           || '|' || entered_at || '|' || COALESCE(duration, -1) || '|' || owner_id || '|' \
           || team_id || '|' || source || '|' || archived AS line \
         FROM stage_stays ORDER BY event_id",
        "SELECT event_id || '|' || case_id || '|' || at || '|' || label || '|' || prev || '|' \
           || COALESCE(prev_at, -1) || '|' || COALESCE(next_at, -1) || '|' \
           || COALESCE(wait, -1) AS line FROM process_steps ORDER BY event_id",
        "SELECT id || '|' || furthest AS line FROM opportunities ORDER BY id",
        "SELECT case_id || '|' || path || '|' || first_at || '|' || last_at || '|' \
           || COALESCE(lead, -1) || '|' || COALESCE(opportunity, -1) || '|' \
           || COALESCE(quote, -1) || '|' || COALESCE(sales_order, -1) || '|' \
           || COALESCE(cash, -1) || '|' || duration AS line FROM process_cases ORDER BY case_id",
        "SELECT case_id || '|' || span || '|' || first_at || '|' || duration AS line \
         FROM case_spans ORDER BY case_id, span",
        "SELECT quote_id || '|' || opportunity_id || '|' || product_id AS line \
         FROM quote_products ORDER BY quote_id, product_id",
    ];
    t.store.read_models_current().await.unwrap();
    let mut lines = Vec::new();
    for sql in queries {
        for row in sqlx::query(sql).fetch_all(t.store.pool()).await.unwrap() {
            lines.push(row.get::<String, _>("line"));
        }
    }
    lines
}

async fn one_text(t: &TestApp, sql: &'static str, id: &str) -> String {
    t.store.read_models_current().await.unwrap();
    sqlx::query(sql)
        .bind(id.to_string())
        .fetch_one(t.store.pool())
        .await
        .unwrap()
        .get::<String, _>(0)
}

async fn one_int(t: &TestApp, sql: &'static str, id: &str) -> i64 {
    t.store.read_models_current().await.unwrap();
    sqlx::query(sql)
        .bind(id.to_string())
        .fetch_one(t.store.pool())
        .await
        .unwrap()
        .get::<i64, _>(0)
}

async fn version(api: &salesflow_testkit::Api, id: &str) -> Value {
    api.get(&format!("/api/v1/opportunities/{id}")).await.json["opportunity"]["version"].clone()
}

#[tokio::test]
async fn read_models_follow_every_change_like_a_rebuild() {
    let w = world().await;
    let (t, admin) = (&w.t, &w.admin);
    let [o1, _, o3, o4] = &w.ids;
    let rep_a = w.rep_a_user.id.to_string();

    // O3 goes to rep A: its stays follow the new owner.
    let reply = admin
        .patch(
            &format!("/api/v1/opportunities/{o3}"),
            &json!({ "owner_id": rep_a, "version": version(admin, o3).await }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let owners = "SELECT MIN(owner_id) FROM stage_stays WHERE opportunity_id = $1";
    assert_eq!(one_text(t, owners, o3).await, rep_a);

    // O4 is archived: its stays leave the figures.
    let reply = admin
        .post(
            &format!("/api/v1/opportunities/{o4}/archive"),
            &json!({ "version": version(admin, o4).await }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    let archived = "SELECT MIN(archived) FROM stage_stays WHERE opportunity_id = $1";
    assert_eq!(one_int(t, archived, o4).await, 1);

    // Proposal moves before qualification: O4, which reached proposal, is now furthest at 1.
    let furthest = "SELECT furthest FROM opportunities WHERE id = $1";
    assert_eq!(one_int(t, furthest, o4).await, 3);
    let pipelines = admin.get("/api/v1/pipelines").await;
    let pipeline = pipelines.json["pipelines"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["is_default"] == true)
        .unwrap()
        .clone();
    let mut stages: Vec<Value> = pipeline["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            json!({ "id": s["id"], "name": s["name"], "probability": s["probability"],
                    "kind": s["kind"], "required_fields": s["required_fields"] })
        })
        .collect();
    let proposal = stages.remove(3);
    stages.insert(1, proposal);
    let reply = admin
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/pipelines/{}", pipeline["id"].as_str().unwrap()),
            Some(
                &json!({ "name": pipeline["name"], "version": pipeline["version"],
                          "stages": stages }),
            ),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(one_int(t, furthest, o4).await, 1);

    // A quote sent half an hour after O1 was made, recorded late: it lands between O1's first
    // two steps.
    let case_id = one_text(t, "SELECT case_id FROM opportunities WHERE id = $1", o1).await;
    let created = one_int(
        t,
        "SELECT MIN(at) FROM events WHERE entity_id = $1",
        o1.as_str(),
    )
    .await;
    let at = jiff::Timestamp::from_microsecond(created).unwrap() + SignedDuration::from_mins(30);
    let late = EventRecord {
        id: EventId(Uuid::now_v7()),
        at,
        entity_type: EntityType::Quote,
        entity_id: Uuid::now_v7(),
        case_id: case_id.parse().unwrap(),
        activity: "sent".into(),
        from_state: Some("draft".into()),
        to_state: Some("sent".into()),
        actor_id: None,
        actor_role: None,
        actor_kind: None,
        actor_name: None,
        request_id: None,
        changes: Vec::new(),
        owner_id: None,
        team_id: None,
    };
    t.store
        .insert_batch::<Opportunity>(&[], std::slice::from_ref(&late))
        .await
        .unwrap();
    let prev = "SELECT prev FROM process_steps WHERE event_id = $1";
    assert_eq!(
        one_text(t, prev, &late.id.0.to_string()).await,
        "opportunity:prospecting"
    );
    let after = "SELECT COUNT(*) FROM process_steps WHERE case_id = $1 AND prev = 'quote:sent'";
    assert_eq!(one_int(t, after, &case_id).await, 1);
    let quoted = "SELECT quote FROM process_cases WHERE case_id = $1";
    assert_eq!(one_int(t, quoted, &case_id).await, at.as_microsecond());

    let kept = snapshot(t).await;
    t.store.rebuild_projections().await.unwrap();
    assert_eq!(kept, snapshot(t).await);
}

/// A step of `case` at `at`.
fn step(case: Uuid, at: jiff::Timestamp) -> EventRecord {
    EventRecord {
        id: EventId(Uuid::now_v7()),
        at,
        entity_type: EntityType::Invoice,
        entity_id: Uuid::now_v7(),
        case_id: case,
        activity: "reminded".into(),
        from_state: None,
        to_state: None,
        actor_id: None,
        actor_role: None,
        actor_kind: None,
        actor_name: None,
        request_id: None,
        changes: Vec::new(),
        owner_id: None,
        team_id: None,
    }
}

#[tokio::test]
async fn concurrent_steps_of_one_case_all_land() {
    let t = TestApp::spawn().await;
    let case = Uuid::now_v7();
    let start = t.app.now();
    let writes: Vec<_> = (0..16_i64)
        .map(|i| {
            let store = t.store.clone();
            let event = step(case, start + SignedDuration::from_mins(i));
            tokio::spawn(async move {
                store
                    .insert_batch::<Opportunity>(&[], std::slice::from_ref(&event))
                    .await
            })
        })
        .collect();
    for write in writes {
        write.await.unwrap().unwrap();
    }
    let steps = "SELECT COUNT(*) FROM process_steps WHERE case_id = $1 AND next_at IS NULL";
    assert_eq!(one_int(&t, steps, &case.to_string()).await, 1);
    let kept = snapshot(&t).await;
    t.store.rebuild_projections().await.unwrap();
    assert_eq!(kept, snapshot(&t).await);
}
