//! Duplicates and merging: found by e-mail, phone or web domain; a merge fills empty fields,
//! moves activities, contacts and opportunities, keeps both timelines, archives the other.

use salesflow_domain::role::Role;
use salesflow_testkit::{Api, TestApp};
use serde_json::{Value, json};

async fn created(api: &Api, path: &str, body: Value, key: &str) -> Value {
    let reply = api.post(path, &body).await;
    assert_eq!(reply.status, 201, "{path}: {}", reply.text);
    reply.json[key].clone()
}

#[tokio::test]
async fn merging_leads_keeps_everything() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    let a = created(
        &api,
        "/api/v1/leads",
        json!({ "last_name": "Hopper", "email": "grace@navy.example" }),
        "lead",
    )
    .await;
    let b = created(
        &api,
        "/api/v1/leads",
        json!({ "first_name": "Grace", "last_name": "Hopper", "email": "GRACE@navy.example", "company": "US Navy" }),
        "lead",
    )
    .await;
    let c = created(
        &api,
        "/api/v1/leads",
        json!({ "last_name": "Other", "phone": "+1 555 0100" }),
        "lead",
    )
    .await;
    let (a_id, b_id) = (a["id"].as_str().unwrap(), b["id"].as_str().unwrap());
    created(
        &api,
        "/api/v1/activities",
        json!({ "kind": "call", "subject": "Call Grace", "related_type": "lead", "related_id": b_id }),
        "activity",
    )
    .await;

    let dups = api.get(&format!("/api/v1/leads/{a_id}/duplicates")).await;
    let ids: Vec<&str> = dups.json["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, [b_id]);
    let none = api
        .get(&format!(
            "/api/v1/leads/{}/duplicates",
            c["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(none.json["leads"], json!([]));

    for (body, status, code) in [
        (
            json!({ "other_id": a_id, "version": 1, "other_version": 1 }),
            422,
            "same_record",
        ),
        (
            json!({ "other_id": b_id, "version": 1, "other_version": 9 }),
            409,
            "stale_version",
        ),
        (
            json!({ "other_id": "0190a000-0000-7000-8000-00000000dead", "version": 1, "other_version": 1 }),
            422,
            "unknown_record",
        ),
    ] {
        let reply = api
            .post(&format!("/api/v1/leads/{a_id}/merge"), &body)
            .await;
        assert_eq!(
            (reply.status.as_u16(), reply.code()),
            (status, code),
            "{body}"
        );
    }
    let merged = api
        .post(
            &format!("/api/v1/leads/{a_id}/merge"),
            &json!({ "other_id": b_id, "version": 1, "other_version": 1 }),
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.text);
    let kept = &merged.json["lead"];
    assert_eq!(
        (
            kept["first_name"].as_str(),
            kept["company"].as_str(),
            kept["email"].as_str()
        ),
        (Some("Grace"), Some("US Navy"), Some("grace@navy.example"))
    );
    let gone = api.get(&format!("/api/v1/leads/{b_id}")).await;
    assert_eq!(
        (
            gone.json["lead"]["archived"].as_bool(),
            gone.json["lead"]["merged_into"].as_str()
        ),
        (Some(true), Some(a_id))
    );
    let activities = api.get(&format!("/api/v1/leads/{a_id}/activities")).await;
    assert_eq!(activities.json["activities"][0]["subject"], "Call Grace");
    let timeline = api.get(&format!("/api/v1/leads/{a_id}/events")).await;
    let mut seen: Vec<(String, String)> = timeline.json["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["entity_id"].as_str().unwrap().to_string(),
                e["activity"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    for (id, activity) in [
        (a_id, "created"),
        (a_id, "merged"),
        (b_id, "created"),
        (b_id, "merged_into"),
    ] {
        assert!(
            seen.contains(&(id.to_string(), activity.to_string())),
            "{id} {activity} in {seen:?}"
        );
    }
    let again = api
        .post(
            &format!("/api/v1/leads/{a_id}/merge"),
            &json!({ "other_id": b_id, "version": 2, "other_version": 2 }),
        )
        .await;
    assert_eq!((again.status.as_u16(), again.code()), (409, "archived"));
    t.shutdown().await;
}

#[tokio::test]
async fn merging_accounts_moves_contacts_and_opportunities() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    let keep = created(
        &api,
        "/api/v1/accounts",
        json!({ "name": "Initech", "domain": "initech.example" }),
        "account",
    )
    .await;
    let dup = created(
        &api,
        "/api/v1/accounts",
        json!({ "name": "Initech Inc.", "domain": "initech.example", "city": "Austin" }),
        "account",
    )
    .await;
    let (keep_id, dup_id) = (keep["id"].as_str().unwrap(), dup["id"].as_str().unwrap());
    let contact = created(
        &api,
        "/api/v1/contacts",
        json!({ "last_name": "Gibbons", "account_id": dup_id }),
        "contact",
    )
    .await;
    let opp = created(
        &api,
        "/api/v1/opportunities",
        json!({ "name": "Licences", "account_id": dup_id }),
        "opportunity",
    )
    .await;
    let dups = api
        .get(&format!("/api/v1/accounts/{keep_id}/duplicates"))
        .await;
    assert_eq!(dups.json["accounts"][0]["id"], dup_id);
    let merged = api
        .post(
            &format!("/api/v1/accounts/{keep_id}/merge"),
            &json!({ "other_id": dup_id, "version": 1, "other_version": 1 }),
        )
        .await;
    assert_eq!(merged.status, 200, "{}", merged.text);
    assert_eq!(merged.json["account"]["city"], "Austin");
    assert_eq!(merged.json["account"]["name"], "Initech");
    let c = api
        .get(&format!(
            "/api/v1/contacts/{}",
            contact["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(c.json["contact"]["account_id"], keep_id);
    let o = api
        .get(&format!(
            "/api/v1/opportunities/{}",
            opp["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(o.json["opportunity"]["account_id"], keep_id);
    t.shutdown().await;
}
