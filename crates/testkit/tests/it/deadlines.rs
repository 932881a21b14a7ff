//! Step deadlines: started and stopped by their feed consumer as cases reach steps, warned at
//! 80 % and breached at 100 % by jobs (each once), shown as running and overdue, with the
//! breach rate per step; the stop is read from the log itself when the consumer lags.

use jiff::SignedDuration;
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use salesflow_testkit::http::Api;
use serde_json::{Value, json};

/// Every day, all day, in UTC: business hours are wall-clock hours.
fn settings(hours: u32) -> Value {
    let days: Vec<Value> = [
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
    ]
    .iter()
    .map(|d| json!({ "day": d, "hours": "00:00-24:00" }))
    .collect();
    json!({
        "calendar": { "time_zone": "UTC", "days": days, "holidays": [] },
        "rules": [{
            "key": "qualify",
            "name": "Qualify the lead",
            "start": "lead:working",
            "stop": ["lead:qualified", "lead:disqualified"],
            "business_hours": hours,
        }],
    })
}

async fn working_lead(api: &Api, name: &str) -> String {
    let lead = api
        .post("/api/v1/leads", &json!({ "last_name": name }))
        .await;
    assert_eq!(lead.status, 201, "{}", lead.text);
    let id = lead.json["lead"]["id"].as_str().unwrap().to_string();
    transition(api, &id, "work", 1).await;
    id
}

async fn transition(api: &Api, lead: &str, action: &str, version: i64) {
    let reply = api
        .post(
            &format!("/api/v1/leads/{lead}/transitions"),
            &json!({ "action": action, "version": version }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

async fn sla_events(t: &TestApp, activity: &str) -> i64 {
    sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM events WHERE activity = $1")
        .bind(activity)
        .fetch_one(t.store.pool())
        .await
        .unwrap()
}

/// A browser session of `user`.
async fn signed_in(
    t: &TestApp,
    user: &salesflow_app::ports::UserRecord,
) -> salesflow_testkit::http::Session {
    salesflow_testkit::http::Session::login(&t.base_url, &user.email, salesflow_testkit::PASSWORD)
        .await
        .unwrap()
}

/// Saves the first version of the deadline settings.
async fn save_settings(api: &Api, settings: Value) {
    let reply = api
        .put(
            "/api/v1/settings/deadlines",
            &json!({ "settings": settings, "version": 0 }),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
}

/// How many running deadlines `api`'s user sees.
async fn running(api: &Api) -> usize {
    items(&api.get("/api/v1/deadlines?overdue=false").await.json).len()
}

fn items(reply: &Value) -> Vec<(String, String)> {
    reply["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["record"]["id"].as_str().unwrap().to_string(),
                i["state"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn a_deadline_warns_and_breaches_once_and_stops_at_its_step() {
    let t = TestApp::spawn().await;
    let admin = t.api_as(&t.user(Role::Admin, None).await).await;
    let east = t.team("East").await;
    let rep = t.api_as(&t.user(Role::SalesRep, Some(east)).await).await;
    let manager = t
        .api_as(&t.user(Role::SalesManager, Some(east)).await)
        .await;
    let other_rep = t.api_as(&t.user(Role::SalesRep, None).await).await;

    // Bad settings are refused field by field and change nothing.
    let mut bad = settings(0);
    bad["calendar"]["time_zone"] = json!("Mars/Olympus");
    let reply = admin
        .put(
            "/api/v1/settings/deadlines",
            &json!({ "settings": bad, "version": 0 }),
        )
        .await;
    assert_eq!(reply.status, 422, "{}", reply.text);
    let fields: Vec<&str> = reply.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"calendar.time_zone"), "{fields:?}");
    assert!(fields.contains(&"rules[0].business_hours"), "{fields:?}");
    let reply = rep
        .put(
            "/api/v1/settings/deadlines",
            &json!({ "settings": settings(10), "version": 0 }),
        )
        .await;
    assert_eq!(reply.status, 403);
    assert_eq!(
        admin.get("/api/v1/settings/deadlines").await.json["version"],
        0
    );
    save_settings(&admin, settings(10)).await;

    let late = working_lead(&rep, "Late").await;
    let prompt = working_lead(&rep, "Prompt").await;
    t.settle().await;
    let running = rep.get("/api/v1/deadlines?overdue=false").await;
    assert_eq!(running.status, 200, "{}", running.text);
    let mut states = items(&running.json);
    states.sort();
    let mut expected = vec![
        (late.clone(), "running".to_string()),
        (prompt.clone(), "running".to_string()),
    ];
    expected.sort();
    assert_eq!(states, expected);
    // Another rep sees neither lead, so neither deadline.
    assert!(items(&other_rep.get("/api/v1/deadlines?overdue=false").await.json).is_empty());

    // One lead is qualified in time: its deadline stops, met.
    t.clock.advance(SignedDuration::from_hours(2));
    transition(&rep, &prompt, "qualify", 2).await;
    t.settle().await;

    // 80 % of 10 hours: the warning, once, to the owner.
    t.clock.advance(SignedDuration::from_mins(361));
    t.app.drain_jobs("test").await.unwrap();
    t.app.drain_jobs("test").await.unwrap();
    assert_eq!(sla_events(&t, "sla_warning").await, 1);
    assert_eq!(sla_events(&t, "sla_breached").await, 0);
    t.settle().await;
    let says: Vec<String> = rep.get("/api/v1/notifications").await.json["notifications"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["says"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(says, ["Deadline soon"]);
    assert_eq!(
        items(&rep.get("/api/v1/deadlines?overdue=false").await.json),
        [(late.clone(), "due_soon".to_string())]
    );
    assert!(items(&rep.get("/api/v1/deadlines").await.json).is_empty());

    // Past 10 hours: breached, once; the owner and the managers are told.
    t.clock.advance(SignedDuration::from_hours(2));
    t.app.drain_jobs("test").await.unwrap();
    t.app.drain_jobs("test").await.unwrap();
    assert_eq!(sla_events(&t, "sla_breached").await, 1);
    t.settle().await;
    let overdue = items(&manager.get("/api/v1/deadlines").await.json);
    assert_eq!(overdue, [(late.clone(), "overdue".to_string())]);
    let listed = manager.get("/api/v1/deadlines").await.json;
    assert_eq!(listed["items"][0]["record"]["title"], "Late");
    assert_eq!(listed["items"][0]["name"], "Qualify the lead");
    let manager_told = manager.get("/api/v1/notifications").await.json;
    assert_eq!(manager_told["notifications"][0]["says"], "Deadline missed");
    let timeline = rep.get(&format!("/api/v1/leads/{late}/events")).await;
    let activities: Vec<&str> = timeline.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["activity"].as_str().unwrap())
        .collect();
    assert!(activities.contains(&"sla_breached"), "{activities:?}");

    // Qualified late: the deadline stops, missed; half the deadlines ending there were missed.
    transition(&rep, &late, "qualify", 2).await;
    t.settle().await;
    assert!(items(&manager.get("/api/v1/deadlines?overdue=false").await.json).is_empty());
    let outcomes = manager.get("/api/v1/deadlines/outcomes").await;
    assert_eq!(outcomes.status, 200, "{}", outcomes.text);
    assert_eq!(
        outcomes.json["steps"],
        json!([{ "step": "lead:qualified", "stopped": 2, "missed": 1, "breach_rate": 0.5 }])
    );
    let bad_cursor = manager.get("/api/v1/deadlines?after=yesterday").await;
    assert_eq!(bad_cursor.status, 422);
    assert_eq!(bad_cursor.json["errors"][0]["code"], "invalid_cursor");
    t.shutdown().await;
}

#[tokio::test]
async fn a_step_the_consumer_has_not_seen_yet_still_stops_the_deadline() {
    let t = TestApp::spawn_without_feed_follower().await;
    let admin = t.api_as(&t.user(Role::Admin, None).await).await;
    let rep = t.api_as(&t.user(Role::SalesRep, None).await).await;
    save_settings(&admin, settings(4)).await;
    let lead = working_lead(&rep, "Quick").await;
    t.app.follow_feed("test").await.unwrap();
    // Qualified in time, but the consumer is behind when the breach job runs.
    t.clock.advance(SignedDuration::from_hours(1));
    transition(&rep, &lead, "qualify", 2).await;
    t.clock.advance(SignedDuration::from_hours(5));
    t.app.drain_jobs("test").await.unwrap();
    t.app.drain_jobs("test").await.unwrap();
    assert_eq!(sla_events(&t, "sla_warning").await, 0);
    assert_eq!(sla_events(&t, "sla_breached").await, 0);
    let all = admin.get("/api/v1/deadlines?overdue=false").await;
    assert!(items(&all.json).is_empty(), "{}", all.text);
    t.app.follow_feed("test").await.unwrap();
    let outcomes = admin.get("/api/v1/deadlines/outcomes").await;
    assert_eq!(outcomes.json["steps"][0]["missed"], 0, "{}", outcomes.text);
    t.shutdown().await;
}

#[tokio::test]
async fn the_deadlines_pages_keep_what_was_typed_and_show_deadlines_on_records() {
    let t = TestApp::spawn().await;
    let admin = t.user(Role::Admin, None).await;
    let web = signed_in(&t, &admin).await;
    let (status, html) = web.get("/settings/deadlines").await;
    assert_eq!(status, 200);
    assert!(html.contains("Business calendar") && html.contains("lead:qualified"));

    // Bad input: errors beside their fields, the typed values kept, nothing saved.
    let bad = [
        ("version", "0"),
        ("time_zone", "Mars/Olympus"),
        ("hours_monday", "09:00-17:00"),
        ("hours_tuesday", "17:00-09:00"),
        ("rule_0_name", "Work the lead"),
        ("rule_0_start", "lead:working"),
        ("rule_0_stop", "lead:qualified"),
        ("rule_0_hours", "eight"),
        ("rule_0_enabled", "on"),
    ];
    let reply = web.post("/settings/deadlines", &bad).await;
    assert_eq!(reply.status(), 422);
    let html = reply.text().await.unwrap();
    assert!(html.contains("must be a whole number of hours"), "{html}");
    assert!(html.contains("value=\"Mars/Olympus\""));
    assert!(html.contains("value=\"eight\""));
    let mut typed = bad.to_vec();
    typed[7] = ("rule_0_hours", "8");
    let reply = web.post("/settings/deadlines", &typed).await;
    assert_eq!(reply.status(), 422);
    let html = reply.text().await.unwrap();
    assert!(html.contains("must be a time zone name"), "{html}");
    assert!(html.contains("must end after it starts"), "{html}");
    assert_eq!(t.app.deadline_settings().await.unwrap().1, 0);

    // Saved: the key comes from the name; the lead's page shows its running deadline.
    typed[1] = ("time_zone", "Europe/Berlin");
    typed[3] = ("hours_tuesday", "09:00-12:00, 13:00-17:00");
    let reply = web.post("/settings/deadlines", &typed).await;
    assert_eq!(reply.status(), 303);
    let (settings, version) = t.app.deadline_settings().await.unwrap();
    assert_eq!(version, 1);
    assert_eq!(settings.rules[0].key, "work_the_lead");
    assert_eq!(settings.rules[0].business_hours, 8);
    let api = t.api_as(&admin).await;
    let lead = working_lead(&api, "Badge").await;
    t.settle().await;
    let (status, html) = web.get(&format!("/leads/{lead}")).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("record-deadlines") && html.contains("Work the lead"),
        "{html}"
    );
    let (_, html) = web.get("/deadlines?all=1").await;
    assert!(html.contains(&format!("/leads/{lead}")), "{html}");
    let (_, html) = web.get("/deadlines").await;
    assert!(html.contains("Nothing is overdue."));

    // A step the process has no name for is saved, with a hint to check its spelling.
    let mut typo = typed.clone();
    typo[0] = ("version", "1");
    typo[6] = ("rule_0_stop", "lead:qualifyed");
    assert_eq!(web.post("/settings/deadlines", &typo).await.status(), 303);
    let (_, html) = web.get("/settings/deadlines").await;
    assert!(html.contains("Not a step seen") && html.contains("<code>lead:qualifyed</code>"));
    t.shutdown().await;
}

#[tokio::test]
async fn the_board_and_the_process_map_show_deadlines() {
    let t = TestApp::spawn().await;
    let admin = t.user(Role::Admin, None).await;
    let api = t.api_as(&admin).await;
    let mut both = settings(2);
    both["rules"].as_array_mut().unwrap().push(json!({
        "key": "quote",
        "name": "Send a quote",
        "start": "lead:qualified",
        "stop": ["quote:sent"],
        "business_hours": 1,
    }));
    save_settings(&api, both).await;
    let lead = api
        .post(
            "/api/v1/leads",
            &json!({ "last_name": "Walker", "company": "Boardwalk Ltd" }),
        )
        .await;
    let lead = lead.json["lead"]["id"].as_str().unwrap().to_string();
    transition(&api, &lead, "work", 1).await;
    let due = t
        .app
        .now()
        .checked_add(SignedDuration::from_hours(1))
        .unwrap();
    let task = api
        .post(
            "/api/v1/activities",
            &json!({ "kind": "task", "subject": "Call about the quote", "due_at": due.to_string(),
                     "related_type": "lead", "related_id": lead }),
        )
        .await;
    assert_eq!(task.status, 201, "{}", task.text);
    // Qualified an hour late: the first deadline is missed; the quote's starts.
    t.clock.advance(SignedDuration::from_hours(3));
    transition(&api, &lead, "qualify", 2).await;
    let converted = api
        .post(
            &format!("/api/v1/leads/{lead}/convert"),
            &json!({ "version": 3, "amount": "1000", "close_date": "2027-06-30" }),
        )
        .await;
    assert_eq!(converted.status, 200, "{}", converted.text);
    t.settle().await;
    t.clock.advance(SignedDuration::from_hours(2));
    t.app.drain_jobs("test").await.unwrap();
    t.app.drain_jobs("test").await.unwrap();
    t.settle().await;

    let web = signed_in(&t, &admin).await;
    let (status, board) = web.get("/pipeline").await;
    assert_eq!(status, 200);
    assert!(board.contains("badge deadline-overdue"), "{board}");
    let (status, analytics) = web.get("/analytics").await;
    assert_eq!(status, 200);
    assert!(analytics.contains("100 % late"), "{analytics}");
    assert!(analytics.contains("1 of 1 deadlines missed"));
    // My day: the overdue task names its record; the owner's pressing deadline is listed.
    let (_, my_day) = web.get("/my-day").await;
    assert!(
        my_day.contains(&format!("href=\"/leads/{lead}\"")),
        "{my_day}"
    );
    assert!(my_day.contains("Lead Walker"));
    assert!(my_day.contains("id=\"my-deadlines\"") && my_day.contains("Send a quote"));
    t.shutdown().await;
}

#[tokio::test]
async fn a_handed_off_records_deadlines_go_with_it() {
    let t = TestApp::spawn().await;
    let admin = t.api_as(&t.user(Role::Admin, None).await).await;
    let first = t.api_as(&t.user(Role::SalesRep, None).await).await;
    let second_user = t.user(Role::SalesRep, None).await;
    let second = t.api_as(&second_user).await;
    save_settings(&admin, settings(10)).await;
    let lead = working_lead(&first, "Passed On").await;
    t.settle().await;
    assert_eq!((running(&first).await, running(&second).await), (1, 0));
    let handed = first
        .post(
            &format!("/api/v1/leads/{lead}/handoff"),
            &json!({ "owner_id": second_user.id.to_string(), "reason": "Territory", "version": 2 }),
        )
        .await;
    assert_eq!(handed.status, 200, "{}", handed.text);
    t.settle().await;
    assert_eq!((running(&first).await, running(&second).await), (0, 1));
    t.shutdown().await;
}
