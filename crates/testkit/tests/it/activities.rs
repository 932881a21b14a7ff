//! Activities: scheduling follow-ups on records, the record's list and timeline, My day,
//! due reminders and notifications, visibility and bad input.

use jiff::{SignedDuration, Timestamp};
use salesflow_domain::role::Role;
use salesflow_testkit::{Api, TestApp};
use serde_json::{Value, json};

async fn post_ok(api: &Api, path: &str, body: Value, key: &str) -> Value {
    let reply = api.post(path, &body).await;
    assert!(reply.status.is_success(), "{path}: {}", reply.text);
    reply.json[key].clone()
}

fn subjects(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|a| a["subject"].as_str().unwrap().to_string())
        .collect()
}

/// Moves the test clock to 09:00 UTC of the next day, so "today" is fixed.
fn next_morning(t: &TestApp) -> Timestamp {
    use salesflow_app::clock::Clock;
    let now = t.clock.now();
    let day = now
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
        .tomorrow()
        .unwrap();
    let morning = day
        .at(9, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::UTC)
        .unwrap()
        .timestamp();
    t.clock.advance(morning.duration_since(now));
    morning
}

fn at(base: Timestamp, hours: i64) -> String {
    (base + SignedDuration::from_hours(hours)).to_string()
}

#[tokio::test]
async fn follow_ups_my_day_reminders_and_notifications() {
    let t = TestApp::spawn().await;
    let team = t.team("North").await;
    let rep = t.user(Role::SalesRep, Some(team)).await;
    let manager = t.user(Role::SalesManager, Some(team)).await;
    let stranger = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    let morning = next_morning(&t);

    let lead = post_ok(
        &api,
        "/api/v1/leads",
        json!({ "last_name": "Hopper", "company": "Navy" }),
        "lead",
    )
    .await;
    let lead_id = lead["id"].as_str().unwrap();
    let quiet = post_ok(
        &api,
        "/api/v1/leads",
        json!({ "last_name": "Quiet" }),
        "lead",
    )
    .await;
    for (kind, subject, due) in [
        ("call", "Call back", Some(at(morning, 7))),
        ("task", "Send the deck", Some(at(morning, -18))),
        ("meeting", "Demo", Some(at(morning, 25))),
        ("note", "Prefers e-mail", None),
    ] {
        let body = json!({ "kind": kind, "subject": subject, "due_at": due, "related_type": "lead", "related_id": lead_id });
        let created = post_ok(&api, "/api/v1/activities", body, "activity").await;
        assert_eq!(
            created["case_id"], lead_id,
            "activities join the lead's case"
        );
    }
    let listed = api
        .get(&format!("/api/v1/leads/{lead_id}/activities"))
        .await;
    assert_eq!(
        subjects(&listed.json["activities"]),
        ["Send the deck", "Call back", "Demo", "Prefers e-mail"]
    );
    assert_eq!(
        listed.json["activities"][3]["status"], "done",
        "a note is done when written"
    );

    // The lead's timeline shows its activities' events too.
    let timeline = api.get(&format!("/api/v1/leads/{lead_id}/events")).await;
    let activity_events = timeline.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["entity_type"] == "activity")
        .count();
    assert_eq!(activity_events, 4);

    let day = api.get("/api/v1/my-day").await;
    assert_eq!(day.status, 200, "{}", day.text);
    assert_eq!(subjects(&day.json["overdue"]), ["Send the deck"]);
    assert_eq!(subjects(&day.json["today"]), ["Call back"]);
    assert_eq!(
        day.json["untouched_leads"],
        json!([]),
        "both leads are new today"
    );
    let other = t.api_as(&stranger).await;
    let theirs = other.get("/api/v1/my-day").await;
    assert_eq!(theirs.json["overdue"], json!([]));
    let task_id = listed.json["activities"][0]["id"].as_str().unwrap();
    assert_eq!(
        other
            .get(&format!("/api/v1/activities/{task_id}"))
            .await
            .status,
        404
    );
    assert_eq!(
        other
            .get(&format!("/api/v1/leads/{lead_id}/activities"))
            .await
            .status,
        404
    );

    // The reminder job tells the owner once about what is due.
    t.app.ensure_recurring_jobs().await.unwrap();
    t.app.drain_jobs("test").await.unwrap();
    t.settle().await;
    let notes = api.get("/api/v1/notifications").await;
    let kinds: Vec<&str> = notes.json["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["event"]["activity"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["reminder_due"]);
    t.clock.advance(SignedDuration::from_mins(2));
    t.app.drain_jobs("test").await.unwrap();
    t.settle().await;
    assert_eq!(
        api.get("/api/v1/notifications").await.json["notifications"]
            .as_array()
            .unwrap()
            .len(),
        1,
        "no second reminder for the same activity"
    );

    // A hand-off by the manager notifies the new owner.
    let mgr = t.api_as(&manager).await;
    let mine = post_ok(
        &mgr,
        "/api/v1/leads",
        json!({ "last_name": "Handed" }),
        "lead",
    )
    .await;
    let handed = mgr
        .post(
            &format!("/api/v1/leads/{}/handoff", mine["id"].as_str().unwrap()),
            &json!({ "owner_id": rep.id.to_string(), "reason": "Your territory", "version": 1 }),
        )
        .await;
    assert_eq!(handed.status, 200, "{}", handed.text);
    t.settle().await;
    let notes = api.get("/api/v1/notifications").await;
    assert_eq!(
        notes.json["notifications"][0]["event"]["activity"],
        "handed_off"
    );
    assert_eq!(notes.json["notifications"][0]["unread"], true);
    assert_eq!(
        api.post("/api/v1/notifications/seen", &json!({}))
            .await
            .status,
        204
    );
    t.settle().await;
    let notes = api.get("/api/v1/notifications").await;
    assert_eq!(notes.json["notifications"][0]["unread"], false);

    // A week later: completing the task touches the first lead; the quiet one shows up.
    t.clock.advance(SignedDuration::from_hours(24 * 8));
    let done = api
        .post(
            &format!("/api/v1/activities/{task_id}/complete"),
            &json!({ "outcome": "Deck sent", "version": 1 }),
        )
        .await;
    assert_eq!(done.status, 200, "{}", done.text);
    assert_eq!(done.json["activity"]["outcome"], "Deck sent");
    let again = api
        .post(
            &format!("/api/v1/activities/{task_id}/complete"),
            &json!({ "version": 2 }),
        )
        .await;
    assert_eq!((again.status.as_u16(), again.code()), (409, "already_done"));
    let day = api.get("/api/v1/my-day?stale_days=7").await;
    let untouched: Vec<&str> = day.json["untouched_leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        untouched,
        [quiet["id"].as_str().unwrap(), mine["id"].as_str().unwrap()]
    );
    t.shutdown().await;
}

#[tokio::test]
async fn bad_activity_input_is_refused() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let stranger = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    let theirs = post_ok(
        &t.api_as(&stranger).await,
        "/api/v1/leads",
        json!({ "last_name": "Theirs" }),
        "lead",
    )
    .await;
    let mine = post_ok(
        &api,
        "/api/v1/leads",
        json!({ "last_name": "Mine" }),
        "lead",
    )
    .await;
    let about = |id: &Value| json!({ "related_type": "lead", "related_id": id });
    let with = |extra: Value, related: Value| {
        let mut body = related;
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    for (body, code) in [
        (
            with(
                json!({ "kind": "lunch", "subject": "x" }),
                about(&mine["id"]),
            ),
            "invalid_choice",
        ),
        (
            with(json!({ "kind": "call", "subject": "" }), about(&mine["id"])),
            "required",
        ),
        (
            with(
                json!({ "kind": "call", "subject": "x", "due_at": "soon" }),
                about(&mine["id"]),
            ),
            "invalid_datetime",
        ),
        (
            with(
                json!({ "kind": "call", "subject": "x" }),
                about(&theirs["id"]),
            ),
            "unknown_record",
        ),
        (
            json!({ "kind": "call", "subject": "x", "related_type": "user", "related_id": rep.id.to_string() }),
            "invalid_choice",
        ),
        (json!({ "kind": "call", "subject": "x" }), "invalid_choice"),
    ] {
        let reply = api.post("/api/v1/activities", &body).await;
        assert_eq!(
            (reply.status.as_u16(), reply.code()),
            (422, code),
            "{body}: {}",
            reply.text
        );
    }
    assert_eq!(
        api.get("/api/v1/activities").await.json["activities"],
        json!([])
    );
    let created = post_ok(
        &api,
        "/api/v1/activities",
        with(
            json!({ "kind": "call", "subject": "x" }),
            about(&mine["id"]),
        ),
        "activity",
    )
    .await;
    let reply = api
        .patch(
            &format!("/api/v1/activities/{}", created["id"].as_str().unwrap()),
            &json!({ "related_id": theirs["id"], "version": 1 }),
        )
        .await;
    assert_eq!(
        (reply.status.as_u16(), reply.code()),
        (422, "related_fixed")
    );
    assert_eq!(api.get("/api/v1/my-day?stale_days=0").await.status, 422);
    t.shutdown().await;
}

#[tokio::test]
async fn reminders_are_e_mailed_when_smtp_is_configured() {
    let sink = salesflow_testkit::smtp::SmtpSink::start().await;
    let t = TestApp::spawn_with_mail(&sink).await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    let lead = post_ok(
        &api,
        "/api/v1/leads",
        json!({ "last_name": "Babbage" }),
        "lead",
    )
    .await;
    let due = (t.app.now() - SignedDuration::from_hours(1)).to_string();
    post_ok(
        &api,
        "/api/v1/activities",
        json!({ "kind": "call", "subject": "Call about the engine", "due_at": due, "notes": "Bring the drawings",
                "related_type": "lead", "related_id": lead["id"] }),
        "activity",
    )
    .await;
    t.app.ensure_recurring_jobs().await.unwrap();
    t.app.drain_jobs("test").await.unwrap();
    let messages = sink.messages();
    assert_eq!(messages.len(), 1, "{messages:?}");
    let m = &messages[0];
    assert_eq!(m.to, [format!("<{}>", rep.email)]);
    assert!(
        m.data.contains("Subject: Due: Call about the engine"),
        "{}",
        m.data
    );
    assert!(m.data.contains("Bring the drawings"), "{}", m.data);
    assert!(
        m.data.contains("Open it in salesflow: /activities/"),
        "{}",
        m.data
    );
    // The in-app notification is there as well, and a second run sends nothing new.
    t.settle().await;
    assert_eq!(
        api.get("/api/v1/notifications").await.json["notifications"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    t.clock.advance(SignedDuration::from_mins(2));
    t.app.drain_jobs("test").await.unwrap();
    t.settle().await;
    assert_eq!(sink.messages().len(), 1);
    t.shutdown().await;
}
