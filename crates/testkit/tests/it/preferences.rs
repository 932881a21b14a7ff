//! Each user's time zone: pages show times on their clock and read the times they enter on it;
//! the API tells and changes it.

use salesflow_domain::role::Role;
use salesflow_testkit::http::Session;
use salesflow_testkit::{PASSWORD, TestApp};
use serde_json::json;

#[tokio::test]
async fn pages_show_and_read_times_in_the_users_time_zone() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    assert_eq!(api.get("/api/v1/me").await.json["user"]["time_zone"], "UTC");
    let bad = api
        .put(
            "/api/v1/me/preferences",
            &json!({ "time_zone": "Mars/Olympus" }),
        )
        .await;
    assert_eq!(
        (bad.status.as_u16(), bad.code()),
        (422, "invalid_time_zone")
    );
    let unknown = api
        .put(
            "/api/v1/me/preferences",
            &json!({ "zone": "Europe/Berlin" }),
        )
        .await;
    assert_eq!(unknown.status, 422);
    assert_eq!(api.get("/api/v1/me").await.json["user"]["time_zone"], "UTC");

    // In the browser: a bad zone is refused beside the field, the typed name kept.
    let web = Session::login(&t.base_url, &rep.email, PASSWORD)
        .await
        .unwrap();
    let reply = web
        .post("/settings/preferences", &[("time_zone", "Europe/Atlantis")])
        .await;
    assert_eq!(reply.status(), 422);
    let html = reply.text().await.unwrap();
    assert!(html.contains("value=\"Europe/Atlantis\"") && html.contains("field-error"));
    let reply = web
        .post("/settings/preferences", &[("time_zone", "Europe/Berlin")])
        .await;
    assert_eq!(reply.status(), 303);
    assert!(
        reply.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("sf_tz=Europe/Berlin")
    );
    assert_eq!(
        api.get("/api/v1/me").await.json["user"]["time_zone"],
        "Europe/Berlin"
    );

    // A follow-up due at 10:00 on the Berlin clock (winter: UTC+1) is due at 09:00 UTC.
    let lead = api
        .post("/api/v1/leads", &json!({ "last_name": "Clockwise" }))
        .await;
    let lead = lead.json["lead"]["id"].as_str().unwrap().to_string();
    let reply = web
        .post(
            "/activities",
            &[
                ("kind", "call"),
                ("subject", "Call on Berlin time"),
                ("due_at", "2027-01-15T10:00"),
                ("related_type", "lead"),
                ("related_id", lead.as_str()),
            ],
        )
        .await;
    assert!(reply.status().is_redirection(), "{}", reply.status());
    let activities = api.get(&format!("/api/v1/leads/{lead}/activities")).await;
    let due = activities.json["activities"][0]["due_at"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(due, "2027-01-15T09:00:00Z");
    let (_, page) = web.get(&format!("/leads/{lead}")).await;
    assert!(page.contains("2027-01-15 10:00 CET"), "{page}");

    // A new sign-in brings the zone along.
    let again = Session::login(&t.base_url, &rep.email, PASSWORD)
        .await
        .unwrap();
    let (_, page) = again.get(&format!("/leads/{lead}")).await;
    assert!(page.contains("2027-01-15 10:00 CET"));
    t.shutdown().await;
}
