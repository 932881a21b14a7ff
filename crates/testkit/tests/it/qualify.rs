//! Qualifying and converting leads: criteria answers, the explained score, conversion into
//! account + contact + opportunity (reusing duplicates), concurrency, settings, bad input.

use salesflow_domain::role::Role;
use salesflow_testkit::{Api, TestApp};
use serde_json::{Value, json};

async fn post_ok(api: &Api, path: &str, body: Value, key: &str) -> Value {
    let reply = api.post(path, &body).await;
    assert!(reply.status.is_success(), "{path}: {}", reply.text);
    reply.json[key].clone()
}

async fn put(api: &Api, path: &str, body: &Value) -> salesflow_testkit::http::Reply {
    api.call(reqwest::Method::PUT, path, Some(body)).await
}

async fn qualified_lead(api: &Api, body: Value) -> (String, i64) {
    let lead = post_ok(api, "/api/v1/leads", body, "lead").await;
    let id = lead["id"].as_str().unwrap().to_string();
    let q = post_ok(
        api,
        &format!("/api/v1/leads/{id}/transitions"),
        json!({ "action": "qualify", "version": 1 }),
        "lead",
    )
    .await;
    (id, q["version"].as_i64().unwrap())
}

#[tokio::test]
async fn criteria_score_and_conversion() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    let lead = post_ok(
        &api,
        "/api/v1/leads",
        json!({ "first_name": "Bill", "last_name": "Lumbergh", "company": "Initech", "title": "Head of IT",
                "email": "bill@initech.example", "source": "referral" }),
        "lead",
    )
    .await;
    let id = lead["id"].as_str().unwrap();

    let answered = put(
        &api,
        &format!("/api/v1/leads/{id}/criteria"),
        &json!({ "answers": { "budget": true, "authority": true, "need": false }, "version": 1 }),
    )
    .await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    assert_eq!(
        answered.json["lead"]["criteria"],
        json!({ "authority": true, "budget": true, "need": false })
    );
    let events = api.get(&format!("/api/v1/leads/{id}/events")).await;
    assert_eq!(events.json["events"][0]["activity"], "criteria_answered");
    let bad = put(
        &api,
        &format!("/api/v1/leads/{id}/criteria"),
        &json!({ "answers": { "mood": true }, "version": 2 }),
    )
    .await;
    assert_eq!(
        (bad.status.as_u16(), bad.code()),
        (422, "unknown_criterion")
    );

    // One completed call counts as engagement.
    let call = post_ok(
        &api,
        "/api/v1/activities",
        json!({ "kind": "call", "subject": "Intro", "related_type": "lead", "related_id": id }),
        "activity",
    )
    .await;
    post_ok(
        &api,
        &format!(
            "/api/v1/activities/{}/complete",
            call["id"].as_str().unwrap()
        ),
        json!({ "version": 1 }),
        "activity",
    )
    .await;
    let score = api.get(&format!("/api/v1/leads/{id}/score")).await;
    let lines: Vec<(String, i64)> = score.json["score"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["rule"].as_str().unwrap().to_string(),
                l["points"].as_i64().unwrap(),
            )
        })
        .collect();
    let expected = [
        ("Criterion met: Budget: money is set aside", 15),
        ("Criterion met: Authority: we talk to who decides", 15),
        ("Source: referral", 15),
        ("Has an e-mail address", 5),
        ("Company known", 5),
        ("Senior title (head)", 10),
        ("Engagement: 1 completed activities", 5),
    ];
    let expected: Vec<(String, i64)> = expected.iter().map(|(r, p)| (r.to_string(), *p)).collect();
    assert_eq!(lines, expected);
    assert_eq!(score.json["score"]["total"], 70);

    // Not qualified yet: no conversion; the status action cannot convert either.
    let early = api
        .post(
            &format!("/api/v1/leads/{id}/convert"),
            &json!({ "version": 2 }),
        )
        .await;
    assert_eq!(
        (early.status.as_u16(), early.code()),
        (409, "transition_not_allowed")
    );
    let sneaky = api
        .post(
            &format!("/api/v1/leads/{id}/transitions"),
            &json!({ "action": "convert", "version": 2 }),
        )
        .await;
    assert_eq!(
        (sneaky.status.as_u16(), sneaky.code()),
        (422, "use_convert")
    );
    post_ok(
        &api,
        &format!("/api/v1/leads/{id}/transitions"),
        json!({ "action": "qualify", "version": 2 }),
        "lead",
    )
    .await;
    let converted = api
        .post(
            &format!("/api/v1/leads/{id}/convert"),
            &json!({ "version": 3, "amount": "48000", "close_date": "2027-06-30" }),
        )
        .await;
    assert_eq!(converted.status, 200, "{}", converted.text);
    let c = &converted.json;
    assert_eq!(
        (
            c["account_created"].as_bool(),
            c["contact_created"].as_bool()
        ),
        (Some(true), Some(true))
    );
    assert_eq!(c["account"]["name"], "Initech");
    assert_eq!(c["account"]["domain"], "initech.example");
    assert_eq!(c["contact"]["email"], "bill@initech.example");
    assert_eq!(c["contact"]["account_id"], c["account"]["id"]);
    let opp = &c["opportunity"];
    assert_eq!(opp["name"], "Initech — new business");
    assert_eq!(opp["amount"], "48000.00");
    assert_eq!(
        opp["case_id"], id,
        "the opportunity continues the lead's case"
    );
    assert_eq!(opp["lead_id"], id);
    assert_eq!(opp["contact_id"], c["contact"]["id"]);
    assert_eq!(c["lead"]["status"], "converted");
    assert_eq!(c["lead"]["conversion"]["opportunity_id"], opp["id"]);
    assert_eq!(c["lead"]["owner_id"], opp["owner_id"]);
    let again = api
        .post(
            &format!("/api/v1/leads/{id}/convert"),
            &json!({ "version": 4 }),
        )
        .await;
    assert_eq!(
        (again.status.as_u16(), again.code()),
        (409, "transition_not_allowed")
    );

    // A second lead from the same company reuses the account; a known e-mail the contact.
    let (second, version) = qualified_lead(
        &api,
        json!({ "first_name": "Peter", "last_name": "Gibbons", "company": "Initech Inc.", "email": "peter@initech.example" }),
    )
    .await;
    let known = post_ok(
        &api,
        "/api/v1/contacts",
        json!({ "last_name": "Gibbons", "email": "peter@initech.example", "account_id": c["account"]["id"] }),
        "contact",
    )
    .await;
    let reused = api
        .post(
            &format!("/api/v1/leads/{second}/convert"),
            &json!({ "version": version, "create_opportunity": false }),
        )
        .await;
    assert_eq!(reused.status, 200, "{}", reused.text);
    assert_eq!(reused.json["account_created"], false);
    assert_eq!(reused.json["account"]["id"], c["account"]["id"]);
    assert_eq!(reused.json["contact"]["id"], known["id"]);
    assert_eq!(reused.json["opportunity"], Value::Null);
    let accounts = api.get("/api/v1/accounts").await;
    assert_eq!(accounts.json["accounts"].as_array().unwrap().len(), 1);

    // A known e-mail at another account is not reused: the opportunity's contact works there.
    let globex = post_ok(
        &api,
        "/api/v1/accounts",
        json!({ "name": "Globex", "domain": "globex.example" }),
        "account",
    )
    .await;
    let (third, version) = qualified_lead(
        &api,
        json!({ "last_name": "Smykowski", "company": "Globex", "email": "peter@initech.example" }),
    )
    .await;
    let wrong = api
        .post(
            &format!("/api/v1/leads/{third}/convert"),
            &json!({ "version": version, "contact_id": known["id"], "account_id": globex["id"] }),
        )
        .await;
    assert_eq!(
        (wrong.status.as_u16(), wrong.code()),
        (422, "contact_not_at_account")
    );
    let own = api
        .post(
            &format!("/api/v1/leads/{third}/convert"),
            &json!({ "version": version, "account_id": globex["id"] }),
        )
        .await;
    assert_eq!(own.status, 200, "{}", own.text);
    assert_eq!(own.json["account"]["id"], globex["id"]);
    assert_eq!(own.json["contact_created"], true);
    assert_eq!(own.json["contact"]["account_id"], globex["id"]);
    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_conversions_create_one_set_of_records() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = std::sync::Arc::new(t.api_as(&rep).await);
    let (id, version) =
        qualified_lead(&api, json!({ "last_name": "Race", "company": "Twice Ltd" })).await;
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let api = api.clone();
        let id = id.clone();
        tasks.push(tokio::spawn(async move {
            api.post(
                &format!("/api/v1/leads/{id}/convert"),
                &json!({ "version": version }),
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
    statuses.sort();
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    for (path, key) in [
        ("/api/v1/accounts", "accounts"),
        ("/api/v1/contacts", "contacts"),
        ("/api/v1/opportunities", "opportunities"),
    ] {
        let list = api.get(path).await;
        assert_eq!(list.json[key].as_array().unwrap().len(), 1, "{path}");
    }
    t.shutdown().await;
}

#[tokio::test]
async fn qualification_settings_are_configurable() {
    let t = TestApp::spawn().await;
    let manager = t.user(Role::SalesManager, None).await;
    let api = t.api_as(&manager).await;
    let current = api.get("/api/v1/settings/qualification").await;
    assert_eq!(current.json["version"], 0);
    let mut settings = current.json["settings"].clone();
    settings["criteria"]
        .as_array_mut()
        .unwrap()
        .push(json!({ "key": "champion", "label": "Has an internal champion", "points": 20 }));
    let saved = put(
        &api,
        "/api/v1/settings/qualification",
        &json!({ "settings": settings, "version": 0 }),
    )
    .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert_eq!(saved.json["version"], 1);
    let stale = put(
        &api,
        "/api/v1/settings/qualification",
        &json!({ "settings": settings, "version": 0 }),
    )
    .await;
    assert_eq!(stale.status, 409);
    let mut broken = settings.clone();
    broken["criteria"][0]["key"] = json!("Budget!");
    let bad = put(
        &api,
        "/api/v1/settings/qualification",
        &json!({ "settings": broken, "version": 1 }),
    )
    .await;
    assert_eq!((bad.status.as_u16(), bad.code()), (422, "invalid_key"));

    let lead = post_ok(
        &api,
        "/api/v1/leads",
        json!({ "last_name": "Champ" }),
        "lead",
    )
    .await;
    let id = lead["id"].as_str().unwrap();
    let answered = put(
        &api,
        &format!("/api/v1/leads/{id}/criteria"),
        &json!({ "answers": { "champion": true }, "version": 1 }),
    )
    .await;
    assert_eq!(answered.status, 200, "{}", answered.text);
    let score = api.get(&format!("/api/v1/leads/{id}/score")).await;
    assert_eq!(
        score.json["score"]["lines"][0]["rule"],
        "Criterion met: Has an internal champion"
    );
    assert_eq!(score.json["score"]["criteria_total"], 5);
    t.shutdown().await;
}
