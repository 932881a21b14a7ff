//! The front half of the sales process as one story, with exact events and times: a visitor
//! fills the web form → the lead gets activities → criteria answered → score → converted →
//! the opportunity moves through the stages (one move refused by a stage gate) → handed over
//! to a colleague → won.

use jiff::SignedDuration;
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use serde_json::{Value, json};

fn activities(events: &Value) -> Vec<String> {
    let mut list: Vec<String> = events["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
            match (s("from_state").as_str(), s("to_state").as_str()) {
                ("", "") => format!("{}:{}", s("entity_type"), s("activity")),
                (from, to) => format!("{}:{} {from}→{to}", s("entity_type"), s("activity")),
            }
        })
        .collect();
    list.reverse();
    list
}

#[tokio::test]
async fn web_form_to_won_opportunity() {
    let t = TestApp::spawn().await;
    let team = t.team("North").await;
    let marketing = t.user(Role::Marketing, None).await;
    let rep = t.user(Role::SalesRep, Some(team)).await;
    let colleague = t.user(Role::SalesRep, Some(team)).await;
    let mkt = t.api_as(&marketing).await;
    let api = t.api_as(&rep).await;
    let hour = SignedDuration::from_hours(1);

    // Marketing publishes a form whose leads go to the rep.
    let form = mkt
        .post(
            "/api/v1/web-forms",
            &json!({ "name": "Contact sales", "fields": "first_name, last_name*, company, title, email*",
                     "owner_id": rep.id.to_string() }),
        )
        .await;
    let token = form.json["web_form"]["token"].as_str().unwrap().to_string();
    let submitted = reqwest::Client::new()
        .post(t.url(&format!("/f/{token}")))
        .form(&[
            ("first_name", "Hedy"),
            ("last_name", "Lamarr"),
            ("company", "Frequency Hopping Inc"),
            ("title", "Chief Inventor"),
            ("email", "hedy@fhi.example"),
            ("utm_source", "podcast"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(submitted.status(), 200);
    let lead = &api.get("/api/v1/leads").await.json["leads"][0];
    let lead_id = lead["id"].as_str().unwrap().to_string();
    assert_eq!(
        (lead["source"].as_str(), lead["owner_id"].as_str()),
        (Some("web_form"), Some(rep.id.to_string().as_str()))
    );

    // Nurture: a call done, a meeting scheduled; the lead is worked and qualified.
    t.clock.advance(hour);
    let call = api
        .post("/api/v1/activities", &json!({ "kind": "call", "subject": "First call", "related_type": "lead", "related_id": lead_id }))
        .await;
    let call_id = call.json["activity"]["id"].as_str().unwrap().to_string();
    api.post(
        &format!("/api/v1/activities/{call_id}/complete"),
        &json!({ "outcome": "Wants a demo", "version": 1 }),
    )
    .await;
    api.post(
        "/api/v1/activities",
        &json!({ "kind": "meeting", "subject": "Demo", "related_type": "lead", "related_id": lead_id,
                 "due_at": (t.app.now() + SignedDuration::from_hours(48)).to_string() }),
    )
    .await;
    let worked = api
        .post(
            &format!("/api/v1/leads/{lead_id}/transitions"),
            &json!({ "action": "work", "version": 1 }),
        )
        .await;
    assert_eq!(worked.status, 200, "{}", worked.text);
    let answered = api
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/leads/{lead_id}/criteria"),
            Some(&json!({ "answers": { "budget": true, "authority": true, "need": true, "timeline": false }, "version": 2 })),
        )
        .await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    let score = api.get(&format!("/api/v1/leads/{lead_id}/score")).await;
    // 3 criteria × 15, web form 10, e-mail 5, company 5, chief 10, one done activity 5.
    assert_eq!(score.json["score"]["total"], 80);
    assert_eq!(score.json["score"]["criteria_met"], 3);
    api.post(
        &format!("/api/v1/leads/{lead_id}/transitions"),
        &json!({ "action": "qualify", "version": 3 }),
    )
    .await;

    // Convert: account, contact and opportunity in one step.
    t.clock.advance(hour);
    let converted = api
        .post(
            &format!("/api/v1/leads/{lead_id}/convert"),
            &json!({ "version": 4, "amount": "90000", "opportunity_name": "FHI radio licence" }),
        )
        .await;
    assert_eq!(converted.status, 200, "{}", converted.text);
    let opp_id = converted.json["opportunity"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let opp_path = format!("/api/v1/opportunities/{opp_id}");
    let stage = |key: &str| -> String {
        let ids = [
            ("qualification", "0190a000-0000-7000-8000-000000000102"),
            ("needs_analysis", "0190a000-0000-7000-8000-000000000103"),
            ("proposal", "0190a000-0000-7000-8000-000000000104"),
            ("negotiation", "0190a000-0000-7000-8000-000000000105"),
            ("won", "0190a000-0000-7000-8000-000000000106"),
        ];
        ids.iter().find(|(k, _)| *k == key).unwrap().1.to_string()
    };
    let mv = |key: &str, version: i64| json!({ "stage_id": stage(key), "version": version });
    let moved = |reply: salesflow_testkit::http::Reply| {
        assert_eq!(reply.status, 200, "{}", reply.text);
    };
    t.clock.advance(SignedDuration::from_hours(24));
    moved(
        api.post(&format!("{opp_path}/move"), &mv("qualification", 1))
            .await,
    );
    t.clock.advance(SignedDuration::from_hours(48));
    moved(
        api.post(&format!("{opp_path}/move"), &mv("needs_analysis", 2))
            .await,
    );
    t.clock.advance(SignedDuration::from_hours(72));
    // The proposal gate wants an expected close date.
    let refused = api
        .post(&format!("{opp_path}/move"), &mv("proposal", 3))
        .await;
    assert_eq!(
        (refused.status.as_u16(), refused.code()),
        (409, "stage_gate")
    );
    assert_eq!(
        refused.json["errors"][0]["detail"],
        "the Proposal stage needs expected close date"
    );
    moved(
        api.patch(
            &opp_path,
            &json!({ "close_date": "2027-04-30", "version": 3 }),
        )
        .await,
    );
    moved(
        api.post(&format!("{opp_path}/move"), &mv("proposal", 4))
            .await,
    );

    // Hand-off to the colleague, who negotiates and wins.
    t.clock.advance(SignedDuration::from_hours(24));
    let handoff =
        json!({ "owner_id": colleague.id.to_string(), "reason": "Holiday cover", "version": 5 });
    moved(api.post(&format!("{opp_path}/handoff"), &handoff).await);
    let api2 = t.api_as(&colleague).await;
    t.clock.advance(SignedDuration::from_hours(12));
    moved(
        api2.post(&format!("{opp_path}/move"), &mv("negotiation", 6))
            .await,
    );
    t.clock.advance(SignedDuration::from_hours(96));
    let won = api2.post(&format!("{opp_path}/move"), &mv("won", 7)).await;
    assert_eq!(won.status, 200, "{}", won.text);
    assert_eq!(
        (
            won.json["opportunity"]["status"].as_str(),
            won.json["opportunity"]["probability"].as_i64()
        ),
        (Some("won"), Some(100))
    );

    // The lead's story, then the opportunity's, exactly.
    let lead_events = api.get(&format!("/api/v1/leads/{lead_id}/events")).await;
    assert_eq!(
        activities(&lead_events.json),
        [
            "lead:created none→new",
            "activity:created none→open",
            "activity:completed open→done",
            "activity:created none→open",
            "lead:status_changed new→working",
            "lead:criteria_answered",
            "lead:status_changed working→qualified",
            "lead:converted qualified→converted",
        ]
    );
    let opp_events = api2.get(&format!("{opp_path}/events")).await;
    assert_eq!(
        activities(&opp_events.json),
        [
            "opportunity:created none→prospecting",
            "opportunity:stage_changed prospecting→qualification",
            "opportunity:stage_changed qualification→needs_analysis",
            "opportunity:updated",
            "opportunity:stage_changed needs_analysis→proposal",
            "opportunity:handed_off",
            "opportunity:stage_changed proposal→negotiation",
            "opportunity:stage_changed negotiation→won",
        ]
    );
    assert!(
        opp_events.json["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["case_id"] == lead_id.as_str()),
        "one case from lead to won"
    );
    let history = api2.get(&format!("{opp_path}/stage-history")).await;
    let stays: Vec<(String, i64)> = history.json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().unwrap().to_string(),
                s["seconds"].as_i64().unwrap() / 3600,
            )
        })
        .collect();
    let hours: Vec<(String, i64)> = [
        ("prospecting", 24),
        ("qualification", 48),
        ("needs_analysis", 72),
        ("proposal", 36),
        ("negotiation", 96),
        ("won", 0),
    ]
    .iter()
    .map(|(s, h)| (s.to_string(), *h))
    .collect();
    assert_eq!(stays, hours);
    t.shutdown().await;
}
