//! Every CSV the product writes guards formula cells, and what it exports imports again
//! unchanged; the event log's exports name who did each step the same way (a user, the
//! customer on the portal, or the system).

use salesflow_domain::role::Role;
use salesflow_testkit::orders::accepted_order;
use salesflow_testkit::{Api, TestApp};
use serde_json::json;

fn rows(csv: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(csv.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

async fn import(api: &Api, kind: &str, csv: &str) -> salesflow_testkit::http::Reply {
    api.post_raw(
        &format!("/api/v1/imports?kind={kind}"),
        "text/csv",
        csv.as_bytes(),
    )
    .await
}

#[tokio::test]
async fn formula_cells_are_guarded_in_every_csv_and_exports_import_again() {
    let t = TestApp::spawn().await;
    let admin = t.api_as(&t.user(Role::Admin, None).await).await;
    let lead = admin
        .ok(
            "/api/v1/leads",
            &json!({ "first_name": "-Minus", "last_name": "@Sum", "phone": "+49 30 1234567",
                     "company": "=HYPERLINK(\"http://evil.example\")" }),
            "lead",
        )
        .await;
    let export = admin.get("/api/v1/leads/export").await;
    assert_eq!(export.status, 200, "{}", export.text);
    assert!(export.text.contains("'+49 30 1234567"), "{}", export.text);
    assert!(export.text.contains("'@Sum") && export.text.contains("'-Minus"));
    assert!(!export.text.contains(",=HYPERLINK"), "{}", export.text);

    // The exported file imports into another company unchanged.
    let other = TestApp::spawn().await;
    let other_admin = other.api_as(&other.user(Role::Admin, None).await).await;
    let run = import(&other_admin, "leads", &export.text).await;
    assert_eq!(run.status, 200, "{}", run.text);
    assert_eq!(run.json["imported"], 1, "{}", run.text);
    let copied = &other_admin.get("/api/v1/leads").await.json["leads"][0];
    for field in ["first_name", "last_name", "phone", "company"] {
        assert_eq!(copied[field], lead[field], "{field}");
    }
    other.shutdown().await;

    // Rejected rows come back guarded too.
    let bad = "First Name,Last Name,Email\n=cmd|' /C calc'!A0,,x@example.org\n";
    let run = import(&admin, "leads", bad).await;
    assert_eq!(run.json["rejected"], 1, "{}", run.text);
    let rejected = admin
        .get(&format!(
            "/api/v1/imports/{}/rejected",
            run.json["run_id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(rows(&rejected.text)[1][0], "'=cmd|' /C calc'!A0");
    t.shutdown().await;
}

#[tokio::test]
async fn the_event_log_names_users_the_customer_and_the_system_alike_and_guards_cells() {
    let t = TestApp::spawn().await;
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    // A user whose name a spreadsheet would run.
    let evil = t
        .app
        .create_user(
            None,
            salesflow_app::users::NewUser {
                email: "formula@test.example".into(),
                name: "=1+1 Rep".into(),
                role: Role::SalesRep,
                team_id: None,
                password: salesflow_testkit::PASSWORD.into(),
            },
        )
        .await
        .unwrap();
    t.api_as(&evil)
        .await
        .ok("/api/v1/leads", &json!({ "last_name": "Logged" }), "lead")
        .await;
    // Accepted on the portal (customer), which creates the order (system).
    salesflow_testkit::orders::product(&t, &admin, "GEAR", "80.00", false).await;
    let order = accepted_order(&t, &admin, "Portal Oy", "1 x GEAR").await;

    let csv = office.get("/api/v1/analytics/event-log.csv").await;
    assert_eq!(csv.status, 200, "{}", csv.text);
    let table = rows(&csv.text);
    let column = |name: &str| table[0].iter().position(|c| c == name).unwrap();
    let (activity, resource, object) =
        (column("activity"), column("resource"), column("object_id"));
    let by = |pick: &dyn Fn(&Vec<String>) -> bool| {
        table[1..]
            .iter()
            .find(|r| pick(r))
            .map(|r| r[resource].clone())
    };
    assert_eq!(
        by(&|r: &Vec<String>| r[activity] == "quote:accepted"),
        Some("customer".into())
    );
    assert_eq!(
        by(&|r: &Vec<String>| r[object] == order.id.to_string()),
        Some("system".into())
    );
    assert!(
        table.iter().any(|r| r[resource] == "'=1+1 Rep"),
        "{}",
        csv.text
    );
    assert!(!csv.text.contains(",=1+1"), "guarded");

    let ocel = office.get("/api/v1/analytics/event-log.ocel.json").await;
    assert_eq!(ocel.status, 200, "{}", ocel.text);
    let resource_of = |event: &serde_json::Value| {
        event["attributes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["name"] == "resource")
            .map(|a| a["value"].as_str().unwrap().to_string())
    };
    let events = ocel.json["events"].as_array().unwrap();
    assert_eq!(
        events.len(),
        table.len() - 1,
        "the same steps in both exports"
    );
    let accepted = events
        .iter()
        .find(|e| e["type"] == "quote:accepted")
        .unwrap();
    assert_eq!(resource_of(accepted).as_deref(), Some("customer"));
    assert!(
        events
            .iter()
            .all(|e| resource_of(e).is_some_and(|r| !r.is_empty()))
    );
    for key in ["objects", "objectTypes", "eventTypes"] {
        assert!(ocel.json[key].is_array(), "{key}");
    }
    t.shutdown().await;
}
