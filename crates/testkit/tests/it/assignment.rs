//! Lead assignment rules: territory by e-mail domain to a named user, round robin within a
//! team for web form and imported leads, and checked rule definitions.

use salesflow_domain::role::Role;
use salesflow_testkit::{Api, TestApp};
use serde_json::{Value, json};

async fn submit(t: &TestApp, token: &str, email: &str) {
    let response = reqwest::Client::new()
        .post(t.url(&format!("/f/{token}")))
        .form(&[("last_name", "Visitor"), ("email", email)])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn owners(api: &Api) -> Vec<(String, String)> {
    let leads = api
        .get("/api/v1/leads?sort=created_at&dir=asc&limit=200")
        .await;
    leads.json["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["email"].as_str().unwrap_or("").to_string(),
                l["owner_id"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[tokio::test]
async fn rules_route_new_leads() {
    let t = TestApp::spawn().await;
    let inside = t.team("Inside sales").await;
    let admin = t.user(Role::Admin, None).await;
    let marketing = t.user(Role::Marketing, None).await;
    let dach = t.user(Role::SalesRep, None).await;
    let first = t.user(Role::SalesRep, Some(inside)).await;
    let second = t.user(Role::SalesRep, Some(inside)).await;
    let api = t.api_as(&admin).await;
    let rules = |version: i64| {
        json!({ "version": version, "settings": { "rules": [
            { "name": "DACH", "email_domains": [".de", ".at"], "user_id": dach.id.to_string() },
            { "name": "Web to inside sales", "source": "web_form", "team_id": inside.to_string() },
            { "name": "Imports to inside sales", "source": "import", "team_id": inside.to_string() }
        ] } })
    };
    let saved = api
        .call(
            reqwest::Method::PUT,
            "/api/v1/settings/assignment",
            Some(&rules(0)),
        )
        .await;
    assert_eq!(saved.status, 200, "{}", saved.text);
    assert_eq!(saved.json["version"], 1);

    let form = t
        .api_as(&marketing)
        .await
        .post(
            "/api/v1/web-forms",
            &json!({ "name": "Contact", "fields": "last_name*, email*" }),
        )
        .await;
    let token = form.json["web_form"]["token"].as_str().unwrap().to_string();
    for email in [
        "a@firma.de",
        "b@corp.example",
        "c@corp.example",
        "d@corp.example",
    ] {
        submit(&t, &token, email).await;
    }
    // Round robin goes by user id order: the first rep created comes first.
    let expected: Vec<(String, String)> = [
        ("a@firma.de", &dach),
        ("b@corp.example", &first),
        ("c@corp.example", &second),
        ("d@corp.example", &first),
    ]
    .iter()
    .map(|(e, u)| (e.to_string(), u.id.to_string()))
    .collect();
    assert_eq!(owners(&api).await, expected);
    let lead = &api.get("/api/v1/leads?sort=created_at&dir=asc").await.json["leads"][1];
    let events = api
        .get(&format!(
            "/api/v1/leads/{}/events",
            lead["id"].as_str().unwrap()
        ))
        .await;
    let rule: Vec<&Value> = events.json["events"][0]["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["field"] == "assignment_rule")
        .collect();
    assert_eq!(rule[0]["new"], "Web to inside sales");

    // An import that asks for the rules continues the turns of its own rule.
    let csv = "Last Name,Email\nOne,one@x.example\nTwo,two@x.example\nThree,three@x.example\n";
    let imported = api
        .post_raw(
            "/api/v1/imports?kind=leads&assign=true",
            "text/csv",
            csv.as_bytes(),
        )
        .await;
    assert_eq!(imported.json["imported"], 3, "{}", imported.text);
    let all = owners(&api).await;
    let tail: Vec<String> = all[4..].iter().map(|(_, o)| o.clone()).collect();
    assert_eq!(
        tail,
        [
            first.id.to_string(),
            second.id.to_string(),
            first.id.to_string()
        ]
    );
    let mine = api
        .post_raw(
            "/api/v1/imports?kind=leads",
            "text/csv",
            b"Last Name\nMine\n",
        )
        .await;
    assert_eq!(mine.json["imported"], 1);
    assert_eq!(
        owners(&api).await.last().unwrap().1,
        admin.id.to_string(),
        "without assign the importer owns"
    );

    // Bad rule sets are refused.
    for (settings, code) in [
        (
            json!({ "rules": [{ "name": "Both", "user_id": dach.id.to_string(), "team_id": inside.to_string() }] }),
            "one_target",
        ),
        (
            json!({ "rules": [{ "name": "Ghost", "user_id": "0190a000-0000-7000-8000-00000000dead" }] }),
            "unknown_user",
        ),
        (
            json!({ "rules": [{ "name": "", "user_id": dach.id.to_string() }] }),
            "required",
        ),
    ] {
        let reply = api
            .call(
                reqwest::Method::PUT,
                "/api/v1/settings/assignment",
                Some(&json!({ "settings": settings, "version": 1 })),
            )
            .await;
        assert_eq!(
            (reply.status.as_u16(), reply.code()),
            (422, code),
            "{}",
            reply.text
        );
    }
    let stale = api
        .call(
            reqwest::Method::PUT,
            "/api/v1/settings/assignment",
            Some(&rules(0)),
        )
        .await;
    assert_eq!(stale.status, 409);
    t.shutdown().await;
}
