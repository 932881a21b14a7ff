//! Opportunities through pipelines: stage gates, moves, hand-off, time in stage, the board's
//! totals and pages, pipeline configuration, and bad input.

use jiff::SignedDuration;
use salesflow_domain::role::Role;
use salesflow_testkit::{Api, TestApp};
use serde_json::{Value, json};

/// The default pipeline's stages (created by the schema migration).
const PROSPECTING: &str = "0190a000-0000-7000-8000-000000000101";
const QUALIFICATION: &str = "0190a000-0000-7000-8000-000000000102";
const PROPOSAL: &str = "0190a000-0000-7000-8000-000000000104";
const NEGOTIATION: &str = "0190a000-0000-7000-8000-000000000105";
const WON: &str = "0190a000-0000-7000-8000-000000000106";
const LOST: &str = "0190a000-0000-7000-8000-000000000107";

async fn created(api: &Api, path: &str, body: Value, key: &str) -> Value {
    let reply = api.post(path, &body).await;
    assert_eq!(reply.status, 201, "{path}: {}", reply.text);
    reply.json[key].clone()
}

async fn move_to(api: &Api, id: &str, stage: &str, version: i64) -> salesflow_testkit::http::Reply {
    api.post(
        &format!("/api/v1/opportunities/{id}/move"),
        &json!({ "stage_id": stage, "version": version }),
    )
    .await
}

#[tokio::test]
async fn opportunity_moves_through_gates_and_hand_off() {
    let t = TestApp::spawn().await;
    let team = t.team("North").await;
    let rep = t.user(Role::SalesRep, Some(team)).await;
    let second = t.user(Role::SalesRep, Some(team)).await;
    let api = t.api_as(&rep).await;
    let api2 = t.api_as(&second).await;

    let account = created(
        &api,
        "/api/v1/accounts",
        json!({ "name": "Globex" }),
        "account",
    )
    .await;
    let account_id = account["id"].as_str().unwrap();
    let contact = created(
        &api,
        "/api/v1/contacts",
        json!({ "last_name": "Simpson", "account_id": account_id }),
        "contact",
    )
    .await;
    let opp = created(
        &api,
        "/api/v1/opportunities",
        json!({ "name": "Globex rollout", "account_id": account_id }),
        "opportunity",
    )
    .await;
    let id = opp["id"].as_str().unwrap().to_string();
    assert_eq!(
        (
            opp["stage_id"].as_str(),
            opp["stage_key"].as_str(),
            opp["status"].as_str(),
            opp["probability"].as_i64(),
            opp["currency"].as_str(),
            opp["amount"].as_str()
        ),
        (
            Some(PROSPECTING),
            Some("prospecting"),
            Some("open"),
            Some(10),
            Some("EUR"),
            Some("0.00")
        )
    );

    t.clock.advance(SignedDuration::from_hours(2));
    let moved = move_to(&api, &id, QUALIFICATION, 1).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.json["opportunity"]["probability"], 20);

    // The Proposal gate needs an amount and a close date; the refusal names both and
    // changes nothing.
    t.clock.advance(SignedDuration::from_hours(22));
    let refused = move_to(&api, &id, PROPOSAL, 2).await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    assert_eq!(refused.code(), "stage_gate");
    assert_eq!(
        refused.json["errors"][0]["detail"],
        "the Proposal stage needs amount and expected close date"
    );
    let unchanged = api.get(&format!("/api/v1/opportunities/{id}")).await;
    assert_eq!(unchanged.json["opportunity"]["version"], 2);
    assert_eq!(unchanged.json["opportunity"]["stage_key"], "qualification");

    let patched = api
        .patch(
            &format!("/api/v1/opportunities/{id}"),
            &json!({ "amount": "12500.50", "close_date": "2027-03-31", "version": 2 }),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json["opportunity"]["amount_minor"], 1_250_050);
    let moved = move_to(&api, &id, PROPOSAL, 3).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    assert_eq!(moved.json["opportunity"]["probability"], 60);

    // Negotiation needs a contact too.
    t.clock.advance(SignedDuration::from_hours(24));
    let refused = move_to(&api, &id, NEGOTIATION, 4).await;
    assert_eq!(
        refused.json["errors"][0]["detail"],
        "the Negotiation stage needs contact"
    );
    let patched = api
        .patch(
            &format!("/api/v1/opportunities/{id}"),
            &json!({ "contact_id": contact["id"], "version": 4 }),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);

    // Hand-off: the first rep no longer sees it, the second one does and works on.
    let handed = api
        .post(
            &format!("/api/v1/opportunities/{id}/handoff"),
            &json!({ "owner_id": second.id.to_string(), "reason": "Key account team takes over", "version": 5 }),
        )
        .await;
    assert_eq!(handed.status, 200, "{}", handed.text);
    assert_eq!(
        handed.json["opportunity"]["owner_id"],
        second.id.to_string().as_str()
    );
    assert_eq!(
        api.get(&format!("/api/v1/opportunities/{id}")).await.status,
        404
    );
    assert_eq!(
        api2.get(&format!("/api/v1/opportunities/{id}"))
            .await
            .status,
        200
    );
    assert_eq!(move_to(&api2, &id, NEGOTIATION, 6).await.status, 200);
    t.clock.advance(SignedDuration::from_hours(48));
    let won = move_to(&api2, &id, WON, 7).await;
    assert_eq!(won.status, 200, "{}", won.text);
    assert_eq!(
        (
            won.json["opportunity"]["status"].as_str(),
            won.json["opportunity"]["probability"].as_i64()
        ),
        (Some("won"), Some(100))
    );

    let events = api2
        .get(&format!("/api/v1/opportunities/{id}/events"))
        .await;
    let mut log: Vec<(String, String, String)> = events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
            (s("activity"), s("from_state"), s("to_state"))
        })
        .collect();
    log.reverse();
    let expected = [
        ("created", "none", "prospecting"),
        ("stage_changed", "prospecting", "qualification"),
        ("updated", "", ""),
        ("stage_changed", "qualification", "proposal"),
        ("updated", "", ""),
        ("handed_off", "", ""),
        ("stage_changed", "proposal", "negotiation"),
        ("stage_changed", "negotiation", "won"),
    ];
    let expected: Vec<(String, String, String)> = expected
        .iter()
        .map(|(a, f, to)| (a.to_string(), f.to_string(), to.to_string()))
        .collect();
    assert_eq!(log, expected);
    let handoff = events.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["activity"] == "handed_off")
        .unwrap();
    let reason = handoff["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "reason")
        .unwrap();
    assert_eq!(reason["new"], "Key account team takes over");

    // Time in stage, in seconds, from the event log.
    let history = api2
        .get(&format!("/api/v1/opportunities/{id}/stage-history"))
        .await;
    let stays: Vec<(String, i64)> = history.json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().unwrap().to_string(),
                s["seconds"].as_i64().unwrap(),
            )
        })
        .collect();
    let hour = 3600;
    assert_eq!(
        stays,
        vec![
            ("prospecting".to_string(), 2 * hour),
            ("qualification".to_string(), 22 * hour),
            ("proposal".to_string(), 24 * hour),
            ("negotiation".to_string(), 48 * hour),
            ("won".to_string(), 0),
        ]
    );
    t.shutdown().await;
}

#[tokio::test]
async fn board_totals_pages_and_visibility() {
    let t = TestApp::spawn().await;
    let north = t.team("North").await;
    let south = t.team("South").await;
    let rep = t.user(Role::SalesRep, Some(north)).await;
    let colleague = t.user(Role::SalesRep, Some(north)).await;
    let stranger = t.user(Role::SalesRep, Some(south)).await;
    let manager = t.user(Role::SalesManager, Some(north)).await;
    let (a, b, c) = (
        t.api_as(&rep).await,
        t.api_as(&colleague).await,
        t.api_as(&stranger).await,
    );
    for (api, name, amount, close) in [
        (&a, "A1", "100.00", "2027-01-10"),
        (&a, "A2", "200.00", "2027-02-10"),
        (&a, "A3", "300.00", "2027-03-10"),
        (&b, "B1", "1000.00", "2027-01-20"),
        (&c, "C1", "5000.00", "2027-01-30"),
    ] {
        created(
            api,
            "/api/v1/opportunities",
            json!({ "name": name, "amount": amount, "close_date": close, "stage_id": QUALIFICATION }),
            "opportunity",
        )
        .await;
    }
    let column = |board: &Value, stage: &str| -> Value {
        board["columns"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["stage"]["id"] == stage)
            .cloned()
            .unwrap()
    };
    // A rep sees only their own cards and totals; weighted = amount × 20 %.
    let board = a.get("/api/v1/board").await;
    assert_eq!(board.status, 200, "{}", board.text);
    let q = column(&board.json, QUALIFICATION);
    assert_eq!(q["totals"][0]["count"], 3);
    assert_eq!(q["totals"][0]["amount"], "600.00");
    assert_eq!(q["totals"][0]["weighted"], "120.00");
    assert_eq!(q["opportunities"].as_array().unwrap().len(), 3);
    assert_eq!(column(&board.json, PROSPECTING)["totals"], json!([]));

    // The manager sees the team (rep + colleague), not the other team.
    let mgr = t.api_as(&manager).await;
    let board = mgr.get("/api/v1/board").await;
    assert_eq!(column(&board.json, QUALIFICATION)["totals"][0]["count"], 4);
    let owner_filtered = mgr
        .get(&format!("/api/v1/board?owner={}", colleague.id))
        .await;
    assert_eq!(
        column(&owner_filtered.json, QUALIFICATION)["totals"][0]["amount"],
        "1000.00"
    );
    let closing = mgr
        .get("/api/v1/board?close_from=2027-01-01&close_to=2027-01-31")
        .await;
    assert_eq!(
        column(&closing.json, QUALIFICATION)["totals"][0]["amount"],
        "1100.00"
    );

    // Columns load in pages: 2 + 1, most recently changed first, no repeats.
    let first = a
        .get(&format!("/api/v1/board?stage={QUALIFICATION}&limit=2"))
        .await;
    assert_eq!(first.json["columns"].as_array().unwrap().len(), 1);
    let page1 = &first.json["columns"][0];
    let names1: Vec<&str> = page1["opportunities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["name"].as_str().unwrap())
        .collect();
    assert_eq!(names1, ["A3", "A2"]);
    let cursor = page1["next_cursor"].as_str().unwrap();
    let second = a
        .get(&format!(
            "/api/v1/board?stage={QUALIFICATION}&limit=2&cursor={cursor}"
        ))
        .await;
    let page2 = &second.json["columns"][0];
    assert_eq!(page2["opportunities"][0]["name"], "A1");
    assert_eq!(page2["next_cursor"], Value::Null);

    // Moving a card changes the totals of both columns.
    let a1 = page2["opportunities"][0]["id"].as_str().unwrap();
    let moved = move_to(&a, a1, PROSPECTING, 1).await;
    assert_eq!(moved.status, 200, "{}", moved.text);
    let board = a.get("/api/v1/board").await;
    assert_eq!(
        column(&board.json, QUALIFICATION)["totals"][0]["amount"],
        "500.00"
    );
    assert_eq!(
        column(&board.json, PROSPECTING)["totals"][0]["weighted"],
        "10.00"
    );

    for bad in [
        "/api/v1/board?close_from=soon",
        "/api/v1/board?limit=0",
        "/api/v1/board?cursor=nope",
        "/api/v1/board?owner=1%20OR%201=1",
    ] {
        let reply = a.get(bad).await;
        assert_eq!(reply.status, 422, "{bad}: {}", reply.text);
    }
    assert_eq!(a.get("/api/v1/board?pipeline=not-an-id").await.status, 404);
    t.shutdown().await;
}

#[tokio::test]
async fn bad_opportunity_input_is_refused_and_nothing_changes() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    let other_account = created(
        &api,
        "/api/v1/accounts",
        json!({ "name": "Other" }),
        "account",
    )
    .await;
    let account = created(
        &api,
        "/api/v1/accounts",
        json!({ "name": "Initech" }),
        "account",
    )
    .await;
    let contact = created(
        &api,
        "/api/v1/contacts",
        json!({ "last_name": "Lumbergh", "account_id": other_account["id"] }),
        "contact",
    )
    .await;
    for (body, code) in [
        (json!({ "name": "" }), "required"),
        (json!({ "name": "X", "amount": "12.345" }), "invalid_amount"),
        (json!({ "name": "X", "amount": "-1" }), "negative_amount"),
        (
            json!({ "name": "X", "amount": "20000000000000" }),
            "out_of_range",
        ),
        (
            json!({ "name": "X", "currency": "euro" }),
            "invalid_currency",
        ),
        (json!({ "name": "X", "probability": "120" }), "out_of_range"),
        (
            json!({ "name": "X", "close_date": "tomorrow" }),
            "invalid_date",
        ),
        (json!({ "name": "X", "stage_id": WON }), "closed_stage"),
        (
            json!({ "name": "X", "stage_id": PROPOSAL }),
            "required_by_stage",
        ),
        (
            json!({ "name": "X", "pipeline_id": "0190a000-0000-7000-8000-00000000dead" }),
            "unknown_pipeline",
        ),
        (
            json!({ "name": "X", "account_id": account["id"], "contact_id": contact["id"] }),
            "contact_not_at_account",
        ),
    ] {
        let reply = api.post("/api/v1/opportunities", &body).await;
        assert_eq!(reply.status, 422, "{body}: {}", reply.text);
        assert_eq!(reply.code(), code, "{body}: {}", reply.text);
    }
    assert_eq!(
        api.post(
            "/api/v1/opportunities",
            &json!({ "name": "X", "status": "won" })
        )
        .await
        .status,
        422,
        "unknown fields such as status are refused"
    );
    let listed = api.get("/api/v1/opportunities").await;
    assert_eq!(listed.json["opportunities"], json!([]));

    let opp = created(
        &api,
        "/api/v1/opportunities",
        json!({ "name": "Deal" }),
        "opportunity",
    )
    .await;
    let id = opp["id"].as_str().unwrap();
    let reply = api
        .patch(
            &format!("/api/v1/opportunities/{id}"),
            &json!({ "stage_id": WON, "version": 1 }),
        )
        .await;
    assert_eq!((reply.status.as_u16(), reply.code()), (422, "use_move"));
    let reply = api
        .post(
            &format!("/api/v1/opportunities/{id}/move"),
            &json!({ "stage_id": LOST, "version": 1 }),
        )
        .await;
    assert_eq!(
        (reply.status.as_u16(), reply.code()),
        (422, "reason_required")
    );
    let reply = move_to(&api, id, "0190a000-0000-7000-8000-00000000beef", 1).await;
    assert_eq!(
        (reply.status.as_u16(), reply.code()),
        (422, "unknown_stage")
    );
    let reply = move_to(&api, id, PROSPECTING, 1).await;
    assert_eq!((reply.status.as_u16(), reply.code()), (409, "same_stage"));
    let reply = move_to(&api, id, QUALIFICATION, 7).await;
    assert_eq!(
        (reply.status.as_u16(), reply.code()),
        (409, "stale_version")
    );
    let reply = api
        .post(
            &format!("/api/v1/opportunities/{id}/handoff"),
            &json!({ "owner_id": rep.id.to_string(), "reason": " ", "version": 1 }),
        )
        .await;
    assert_eq!(
        (reply.status.as_u16(), reply.code()),
        (422, "reason_required")
    );
    let finance = t.user(Role::Finance, None).await;
    let reply = api
        .post(
            &format!("/api/v1/opportunities/{id}/handoff"),
            &json!({ "owner_id": finance.id.to_string(), "reason": "why not", "version": 1 }),
        )
        .await;
    assert_eq!(
        (reply.status.as_u16(), reply.code()),
        (422, "owner_not_assignable")
    );
    let after = api.get(&format!("/api/v1/opportunities/{id}")).await;
    assert_eq!(after.json["opportunity"]["version"], 1);
    let lost = api
        .post(
            &format!("/api/v1/opportunities/{id}/move"),
            &json!({ "stage_id": LOST, "lost_reason": "Went with a competitor", "version": 1 }),
        )
        .await;
    assert_eq!(lost.status, 200);
    assert_eq!(
        lost.json["opportunity"]["lost_reason"],
        "Went with a competitor"
    );
    t.shutdown().await;
}

#[tokio::test]
async fn pipelines_are_configurable() {
    let t = TestApp::spawn().await;
    let manager = t.user(Role::SalesManager, None).await;
    let api = t.api_as(&manager).await;
    let listed = api.get("/api/v1/pipelines").await;
    assert_eq!(listed.json["pipelines"][0]["name"], "New business");
    assert_eq!(
        listed.json["pipelines"][0]["stages"]
            .as_array()
            .unwrap()
            .len(),
        7
    );

    let renewals = created(
        &api,
        "/api/v1/pipelines",
        json!({
            "name": "Renewals",
            "stages": [
                { "name": "Due", "probability": 50 },
                { "name": "Quoted", "probability": 70, "required_fields": ["amount"] },
                { "name": "Renewed", "kind": "won" },
                { "name": "Churned", "kind": "lost" }
            ]
        }),
        "pipeline",
    )
    .await;
    let pid = renewals["id"].as_str().unwrap();
    let stages = renewals["stages"].as_array().unwrap();
    assert_eq!(stages[1]["key"], "quoted");
    assert_eq!(stages[1]["required_fields"], json!(["amount"]));

    let opp = created(
        &api,
        "/api/v1/opportunities",
        json!({ "name": "Renewal 2027", "pipeline_id": pid }),
        "opportunity",
    )
    .await;
    assert_eq!(opp["probability"], 50);
    assert_eq!(opp["stage_key"], "due");

    // Removing the stage that holds the opportunity is refused; renaming keeps it.
    let without_due = json!({
        "name": "Renewals",
        "version": 1,
        "stages": [
            { "id": stages[1]["id"], "name": "Quoted" },
            { "id": stages[2]["id"], "name": "Renewed", "kind": "won" },
            { "id": stages[3]["id"], "name": "Churned", "kind": "lost" }
        ]
    });
    let reply = api
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/pipelines/{pid}"),
            Some(&without_due),
        )
        .await;
    assert_eq!(
        (reply.status.as_u16(), reply.code()),
        (409, "in_use"),
        "{}",
        reply.text
    );
    let renamed = json!({
        "name": "Renewals 2027",
        "version": 1,
        "stages": [
            { "id": stages[0]["id"], "name": "Renewal due", "probability": 40 },
            { "id": stages[1]["id"], "name": "Quoted", "probability": 70, "required_fields": ["amount"] },
            { "id": stages[2]["id"], "name": "Renewed", "kind": "won" },
            { "id": stages[3]["id"], "name": "Churned", "kind": "lost" }
        ]
    });
    let reply = api
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/pipelines/{pid}"),
            Some(&renamed),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.json["pipeline"]["stages"][0]["key"], "due");
    assert_eq!(reply.json["pipeline"]["version"], 2);
    let stale = api
        .call(
            reqwest::Method::PUT,
            &format!("/api/v1/pipelines/{pid}"),
            Some(&renamed),
        )
        .await;
    assert_eq!(stale.code(), "stale_version");
    let bad = api
        .post(
            "/api/v1/pipelines",
            &json!({ "name": "Broken", "stages": [{ "name": "Only open" }] }),
        )
        .await;
    assert_eq!((bad.status.as_u16(), bad.code()), (422, "invalid_stages"));
    t.shutdown().await;
}

#[tokio::test]
async fn opportunities_carry_free_text_line_items() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    let opp = created(
        &api,
        "/api/v1/opportunities",
        json!({ "name": "Rollout", "line_items": "10 x Licence @ 1200.00\nSetup @ 2500" }),
        "opportunity",
    )
    .await;
    assert_eq!(
        opp["line_items"],
        json!([
            { "description": "Licence", "quantity_milli": 10000, "unit_price_minor": 120000 },
            { "description": "Setup", "quantity_milli": 1000, "unit_price_minor": 250000 }
        ])
    );
    let id = opp["id"].as_str().unwrap();
    let bad = api
        .patch(
            &format!("/api/v1/opportunities/{id}"),
            &json!({ "line_items": "2 x Licence @ lots", "version": 1 }),
        )
        .await;
    assert_eq!(
        (bad.status.as_u16(), bad.code()),
        (422, "invalid_line_item")
    );
    let cleared = api
        .patch(
            &format!("/api/v1/opportunities/{id}"),
            &json!({ "line_items": "", "version": 1 }),
        )
        .await;
    assert_eq!(cleared.json["opportunity"]["line_items"], json!([]));
    let events = api.get(&format!("/api/v1/opportunities/{id}/events")).await;
    let change = events.json["events"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["field"] == "line_items")
        .cloned()
        .unwrap();
    assert_eq!(change["old"], "10 x Licence @ 1200.00\n1 x Setup @ 2500.00");
    t.shutdown().await;
}

#[tokio::test]
async fn activities_on_a_deal_do_not_cut_its_stays_short() {
    let t = TestApp::spawn().await;
    let api = t.api_as(&t.user(Role::SalesRep, None).await).await;
    let opp = api
        .ok(
            "/api/v1/opportunities",
            &json!({ "name": "Busy deal" }),
            "opportunity",
        )
        .await;
    let id = opp["id"].as_str().unwrap().to_string();
    t.clock.advance(SignedDuration::from_hours(2));
    let call = api
        .post(
            "/api/v1/activities",
            &json!({ "kind": "call", "subject": "Discovery call", "related_type": "opportunity", "related_id": id }),
        )
        .await;
    assert_eq!(call.status, 201, "{}", call.text);
    t.clock.advance(SignedDuration::from_hours(3));
    assert_eq!(move_to(&api, &id, QUALIFICATION, 1).await.status, 200);
    let history = api
        .get(&format!("/api/v1/opportunities/{id}/stage-history"))
        .await;
    let stages: Vec<(String, i64)> = history.json["stages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["stage"].as_str().unwrap().to_string(),
                s["seconds"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        stages,
        vec![
            ("prospecting".to_string(), 5 * 3600),
            ("qualification".to_string(), 0)
        ]
    );
    t.shutdown().await;
}
