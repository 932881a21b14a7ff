//! Accounts, contacts and leads through the JSON API: CRUD, filters, pagination, versions,
//! bad input and the timeline.

use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use serde_json::json;

#[tokio::test]
async fn lead_lifecycle_through_the_api() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;

    let created = api.post("/api/v1/leads", &json!({ "first_name": "Ada", "last_name": "Lovelace", "email": "ADA@Engines.example", "company": "Analytical Engines" })).await;
    assert_eq!(created.status, 201, "{}", created.text);
    let lead = &created.json["lead"];
    let id = lead["id"].as_str().unwrap().to_string();
    assert_eq!(
        created.headers["location"],
        format!("/api/v1/leads/{id}").as_str()
    );
    assert_eq!(
        (
            lead["email"].as_str(),
            lead["status"].as_str(),
            lead["source"].as_str(),
            lead["version"].as_i64()
        ),
        (
            Some("ada@engines.example"),
            Some("new"),
            Some("api"),
            Some(1)
        )
    );
    assert_eq!(lead["owner_id"], rep.id.to_string().as_str());

    let got = api.get(&format!("/api/v1/leads/{id}")).await;
    assert_eq!(got.json["lead"], created.json["lead"]);

    let patched = api
        .patch(
            &format!("/api/v1/leads/{id}"),
            &json!({ "phone": "+44 20 7946 0000", "company": "", "version": 1 }),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(patched.json["lead"]["version"], 2);
    assert_eq!(patched.json["lead"]["company"], serde_json::Value::Null);
    assert_eq!(
        patched.json["lead"]["first_name"], "Ada",
        "missing fields keep their value"
    );

    // A second writer with the old version is refused and changes nothing.
    let stale = api
        .patch(
            &format!("/api/v1/leads/{id}"),
            &json!({ "phone": "+1 555", "version": 1 }),
        )
        .await;
    assert_eq!(
        (stale.status.as_u16(), stale.code()),
        (409, "stale_version")
    );
    assert_eq!(
        api.get(&format!("/api/v1/leads/{id}")).await.json["lead"]["phone"],
        "+44 20 7946 0000"
    );

    // Status machine: disqualify needs a reason; illegal moves are 409.
    let no_reason = api
        .post(
            &format!("/api/v1/leads/{id}/transitions"),
            &json!({ "action": "disqualify", "version": 2 }),
        )
        .await;
    assert_eq!(
        (no_reason.status.as_u16(), no_reason.code()),
        (422, "reason_required")
    );
    let worked = api
        .post(
            &format!("/api/v1/leads/{id}/transitions"),
            &json!({ "action": "work", "version": 2 }),
        )
        .await;
    assert_eq!(worked.json["lead"]["status"], "working");
    let again = api
        .post(
            &format!("/api/v1/leads/{id}/transitions"),
            &json!({ "action": "work", "version": 3 }),
        )
        .await;
    assert_eq!(
        (again.status.as_u16(), again.code()),
        (409, "transition_not_allowed")
    );
    let dq = api
        .post(
            &format!("/api/v1/leads/{id}/transitions"),
            &json!({ "action": "disqualify", "reason": "No budget", "version": 3 }),
        )
        .await;
    assert_eq!(
        (
            dq.json["lead"]["status"].as_str(),
            dq.json["lead"]["disqualify_reason"].as_str()
        ),
        (Some("disqualified"), Some("No budget"))
    );

    // Archive and restore.
    let archived = api
        .post(
            &format!("/api/v1/leads/{id}/archive"),
            &json!({ "version": 4 }),
        )
        .await;
    assert_eq!(archived.json["lead"]["archived"], true);
    assert_eq!(
        api.get("/api/v1/leads").await.json["leads"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "archived leads leave the default list"
    );
    assert_eq!(
        api.get("/api/v1/leads?archived=archived").await.json["leads"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let restored = api
        .post(
            &format!("/api/v1/leads/{id}/restore"),
            &json!({ "version": 5 }),
        )
        .await;
    assert_eq!(restored.json["lead"]["archived"], false);

    // The timeline: every change with who and old → new, newest first.
    let events = api.get(&format!("/api/v1/leads/{id}/events")).await.json["events"]
        .as_array()
        .unwrap()
        .clone();
    let activities: Vec<&str> = events
        .iter()
        .map(|e| e["activity"].as_str().unwrap())
        .collect();
    assert_eq!(
        activities,
        [
            "restored",
            "archived",
            "status_changed",
            "status_changed",
            "updated",
            "created"
        ]
    );
    assert_eq!(events[2]["from_state"], "working");
    assert_eq!(events[2]["to_state"], "disqualified");
    assert_eq!(events[4]["actor_name"], rep.name.as_str());
    let update = &events[4]["changes"];
    assert!(
        update
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "company"
                && c["old"] == "Analytical Engines"
                && c["new"].is_null()),
        "{update}"
    );
    t.shutdown().await;
}

#[tokio::test]
async fn bad_input_is_a_clear_4xx_and_changes_nothing() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    let created = api
        .post("/api/v1/leads", &json!({ "last_name": "Hopper" }))
        .await;
    let id = created.json["lead"]["id"].as_str().unwrap().to_string();

    let bad = api
        .post(
            "/api/v1/leads",
            &json!({ "last_name": "", "email": "not-an-email", "source": "tv" }),
        )
        .await;
    assert_eq!(bad.status, 422);
    let codes: Vec<(&str, &str)> = bad.json["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["field"].as_str().unwrap(), e["code"].as_str().unwrap()))
        .collect();
    assert_eq!(
        codes,
        [
            ("last_name", "required"),
            ("email", "invalid_email"),
            ("source", "invalid_choice")
        ]
    );

    // Mass assignment: fields outside the input are refused.
    let sneaky = api
        .patch(
            &format!("/api/v1/leads/{id}"),
            &json!({ "status": "qualified", "version": 1 }),
        )
        .await;
    assert_eq!(
        (sneaky.status.as_u16(), sneaky.code()),
        (422, "invalid_body")
    );
    let owner = api
        .patch(
            &format!("/api/v1/leads/{id}"),
            &json!({ "owner_id": uuid::Uuid::now_v7().to_string(), "version": 1 }),
        )
        .await;
    assert_eq!(
        (owner.status.as_u16(), owner.code()),
        (422, "owner_not_assignable")
    );
    let no_version = api
        .patch(
            &format!("/api/v1/leads/{id}"),
            &json!({ "phone": "+1 555 0101" }),
        )
        .await;
    assert_eq!(
        (no_version.status.as_u16(), no_version.code()),
        (422, "version_required")
    );
    let raw = reqwest::Client::new()
        .post(t.url("/api/v1/leads"))
        .bearer_auth(api_token(&t, &rep).await)
        .header("content-type", "application/json")
        .body("{ not json")
        .send()
        .await
        .unwrap();
    assert_eq!(raw.status(), 400);
    let body: serde_json::Value = raw.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "invalid_json");

    for (path, code) in [
        ("/api/v1/leads?sort=password_hash", "invalid_sort"),
        ("/api/v1/leads?limit=0", "out_of_range"),
        ("/api/v1/leads?cursor=zz", "invalid_cursor"),
        ("/api/v1/leads?created_from=yesterday", "invalid_date"),
    ] {
        let r = api.get(path).await;
        assert_eq!((r.status.as_u16(), r.code()), (422, code), "{path}");
    }
    assert_eq!(api.get("/api/v1/leads/not-a-uuid").await.status, 404);
    assert_eq!(
        api.get(&format!("/api/v1/leads/{}", uuid::Uuid::now_v7()))
            .await
            .status,
        404
    );
    assert_eq!(api.get("/api/v1/nothing-here").await.code(), "not_found");

    let after = api.get(&format!("/api/v1/leads/{id}")).await.json["lead"].clone();
    assert_eq!(
        (
            after["version"].as_i64(),
            after["status"].as_str(),
            after["phone"].as_str()
        ),
        (Some(1), Some("new"), None),
        "stored data unchanged"
    );
    let events = api.get(&format!("/api/v1/leads/{id}/events")).await.json["events"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(events, 1, "no event for refused writes");
    t.shutdown().await;
}

async fn api_token(t: &TestApp, user: &salesflow_app::ports::UserRecord) -> String {
    t.app
        .create_token(&TestApp::actor(user), user.id, "raw", None)
        .await
        .unwrap()
        .1
}

#[tokio::test]
async fn filters_sorting_and_pagination() {
    let t = TestApp::spawn().await;
    let admin = t.user(Role::Admin, None).await;
    let api = t.api_as(&admin).await;
    for (i, (name, source)) in [
        ("Baker", "referral"),
        ("adams", "event"),
        ("Clark", "referral"),
        ("Davis", "event"),
        ("Evans", "web_form"),
    ]
    .iter()
    .enumerate()
    {
        t.clock.advance(jiff::SignedDuration::from_hours(24));
        let r = api
            .post(
                "/api/v1/leads",
                &json!({ "last_name": name, "source": source, "company": format!("Co {i}") }),
            )
            .await;
        assert_eq!(r.status, 201);
    }
    let names = |r: &salesflow_testkit::http::Reply| {
        r.json["leads"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["last_name"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(&api.get("/api/v1/leads?sort=last_name&dir=asc").await),
        ["adams", "Baker", "Clark", "Davis", "Evans"]
    );
    assert_eq!(
        names(&api.get("/api/v1/leads").await),
        ["Evans", "Davis", "Clark", "adams", "Baker"],
        "newest first by default"
    );
    assert_eq!(
        names(
            &api.get("/api/v1/leads?source=referral&sort=last_name&dir=asc")
                .await
        ),
        ["Baker", "Clark"]
    );
    assert_eq!(
        names(&api.get("/api/v1/leads?q=da").await),
        ["Davis"],
        "prefix search"
    );
    assert_eq!(
        names(&api.get("/api/v1/leads?q=AD").await),
        ["adams"],
        "case-insensitive"
    );
    assert_eq!(
        names(&api.get("/api/v1/leads?q=co%204").await),
        ["Evans"],
        "company prefix"
    );
    assert_eq!(
        names(
            &api.get(&format!(
                "/api/v1/leads?owner={}&source=event&sort=last_name&dir=desc",
                admin.id
            ))
            .await
        ),
        ["Davis", "adams"]
    );

    let first = api
        .get("/api/v1/leads?sort=last_name&dir=desc&limit=2")
        .await;
    assert_eq!(names(&first), ["Evans", "Davis"]);
    let cursor = first.json["meta"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_string();
    let second = api
        .get(&format!(
            "/api/v1/leads?sort=last_name&dir=desc&limit=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(names(&second), ["Clark", "Baker"]);
    let cursor = second.json["meta"]["next_cursor"]
        .as_str()
        .unwrap()
        .to_string();
    let last = api
        .get(&format!(
            "/api/v1/leads?sort=last_name&dir=desc&limit=2&cursor={cursor}"
        ))
        .await;
    assert_eq!(names(&last), ["adams"]);
    assert!(last.json["meta"]["next_cursor"].is_null());

    let today = jiff::Zoned::now()
        .with_time_zone(jiff::tz::TimeZone::UTC)
        .date();
    let created_range = api
        .get(&format!(
            "/api/v1/leads?created_from={}&sort=last_name&dir=asc",
            today.checked_add(jiff::Span::new().days(4)).unwrap()
        ))
        .await;
    assert_eq!(names(&created_range), ["Davis", "Evans"]);

    let csv = reqwest::Client::new()
        .get(t.url("/api/v1/leads/export?source=event"))
        .bearer_auth(api_token(&t, &admin).await)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    let text = csv.text().await.unwrap();
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let headers = reader.headers().unwrap().clone();
    assert_eq!(&headers[0], "id");
    assert!(headers.iter().any(|h| h == "status"));
    assert_eq!(reader.records().count(), 2);
    t.shutdown().await;
}

#[tokio::test]
async fn accounts_and_contacts() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    let account = api.post("/api/v1/accounts", &json!({ "name": "Acme GmbH", "domain": "https://www.ACME.example/", "city": "Berlin" })).await;
    assert_eq!(account.status, 201, "{}", account.text);
    assert_eq!(account.json["account"]["domain"], "acme.example");
    let account_id = account.json["account"]["id"].as_str().unwrap().to_string();
    let contact = api.post("/api/v1/contacts", &json!({ "first_name": "Grace", "last_name": "Hopper", "account_id": account_id, "email": "grace@acme.example" })).await;
    assert_eq!(contact.status, 201, "{}", contact.text);
    let unknown = api
        .post(
            "/api/v1/contacts",
            &json!({ "last_name": "Nobody", "account_id": uuid::Uuid::now_v7().to_string() }),
        )
        .await;
    assert_eq!(
        (unknown.status.as_u16(), unknown.code()),
        (422, "unknown_account")
    );
    let list = api.get("/api/v1/contacts?q=hop").await;
    assert_eq!(list.json["contacts"].as_array().unwrap().len(), 1);
    let accounts = api.get("/api/v1/accounts?sort=name&dir=asc").await;
    assert_eq!(accounts.json["accounts"][0]["name"], "Acme GmbH");
    assert_eq!(
        api.get("/api/v1/accounts/counts").await.json["counts"][0]["count"],
        1
    );
    assert_eq!(
        api.get("/api/v1/accounts?status=new").await.code(),
        "unsupported_filter"
    );
    t.shutdown().await;
}

#[tokio::test]
async fn every_change_is_audited_with_actor_role_and_request_id() {
    let t = TestApp::spawn().await;
    let admin = t.user(Role::Admin, None).await;
    let token = api_token(&t, &admin).await;
    let created = reqwest::Client::new()
        .post(t.url("/api/v1/accounts"))
        .bearer_auth(&token)
        .header("x-request-id", "req-audit-42")
        .json(&json!({ "name": "Audited AG" }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.headers()["x-request-id"], "req-audit-42");
    let body: serde_json::Value = created.json().await.unwrap();
    let id = body["account"]["id"].as_str().unwrap().to_string();
    let audit = t
        .api_as(&admin)
        .await
        .get("/api/v1/audit?entity_type=account")
        .await;
    let event = &audit.json["events"][0];
    assert_eq!(event["entity_id"], id.as_str());
    assert_eq!(event["activity"], "created");
    assert_eq!(event["actor_id"], admin.id.to_string().as_str());
    assert_eq!(event["actor_role"], "admin");
    assert_eq!(event["request_id"], "req-audit-42");
    assert!(
        event["changes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["field"] == "name" && c["new"] == "Audited AG")
    );
    // A request id the server did not make and cannot trust as plain text is not stored.
    let odd = reqwest::Client::new()
        .post(t.url("/api/v1/accounts"))
        .bearer_auth(&token)
        .header("x-request-id", "x".repeat(300))
        .json(&json!({ "name": "Odd AG" }))
        .send()
        .await
        .unwrap();
    assert_eq!(odd.status(), 201);
    let audit = t
        .api_as(&admin)
        .await
        .get("/api/v1/audit?entity_type=account")
        .await;
    assert!(audit.json["events"][0]["request_id"].is_null());
    t.shutdown().await;
}
