//! Lead capture: campaigns and public web-to-lead forms (submission, attribution, honeypot,
//! per-address limit, bad input, embedding) and a campaign's leads under visibility rules.

use jiff::SignedDuration;
use reqwest::StatusCode;
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use scraper::{Html, Selector};
use serde_json::{Value, json};

fn select_attr(html: &str, css: &str, attr: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let selector = Selector::parse(css).unwrap();
    doc.select(&selector)
        .filter_map(|e| e.value().attr(attr).map(str::to_string))
        .collect()
}

async fn submit(
    t: &TestApp,
    token: &str,
    pairs: &[(&str, &str)],
) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let response = reqwest::Client::new()
        .post(t.url(&format!("/f/{token}")))
        .header("origin", "https://www.customer-site.example")
        .form(pairs)
        .send()
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

#[tokio::test]
async fn public_form_creates_attributed_leads_and_keeps_robots_out() {
    let t = TestApp::spawn().await;
    let marketing = t.user(Role::Marketing, None).await;
    let rep = t.user(Role::SalesRep, None).await;
    let other_rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&marketing).await;
    let campaign = api
        .post(
            "/api/v1/campaigns",
            &json!({ "name": "Spring fair", "channel": "event", "budget": "5000" }),
        )
        .await;
    assert_eq!(campaign.status, 201, "{}", campaign.text);
    let campaign_id = campaign.json["campaign"]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let form = api
        .post(
            "/api/v1/web-forms",
            &json!({ "name": "Talk to sales", "campaign_id": campaign_id, "fields": "first_name, last_name*, company, email*",
                     "thank_you": "Thanks, we will call you.", "owner_id": rep.id.to_string() }),
        )
        .await;
    assert_eq!(form.status, 201, "{}", form.text);
    let token = form.json["web_form"]["token"].as_str().unwrap().to_string();
    assert_eq!(token.len(), 32, "128 random bits");
    assert_eq!(
        form.json["web_form"]["fields"],
        "first_name, last_name*, company, email*"
    );

    // The page carries the UTM parameters of its address along, and may be embedded.
    let page = reqwest::get(t.url(&format!(
        "/f/{token}?utm_source=newsletter&utm_campaign=spring"
    )))
    .await
    .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.headers().get("x-frame-options").is_none());
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(csp.contains("frame-ancestors *"), "{csp}");
    let html = page.text().await.unwrap();
    assert_eq!(
        select_attr(&html, "form input:not([type=hidden])", "name"),
        ["first_name", "last_name", "company", "email", "website"]
    );
    assert_eq!(
        select_attr(&html, "input[name=utm_source]", "value"),
        ["newsletter"]
    );

    let (status, _, text) = submit(
        &t,
        &token,
        &[
            ("first_name", "Grace"),
            ("last_name", "Hopper"),
            ("company", "Navy"),
            ("email", "grace@navy.example"),
            ("utm_source", "newsletter"),
            ("utm_campaign", "spring"),
            ("website", ""),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(text.contains("Thanks, we will call you."));
    let leads = t.api_as(&rep).await.get("/api/v1/leads").await;
    let lead = &leads.json["leads"][0];
    assert_eq!(lead["last_name"], "Hopper");
    assert_eq!(lead["source"], "web_form");
    assert_eq!(lead["campaign_id"], campaign_id.as_str());
    assert_eq!(lead["campaign"], "spring");
    assert_eq!(
        lead["attribution"],
        json!({ "utm_campaign": "spring", "utm_source": "newsletter" })
    );
    assert_eq!(lead["owner_id"], rep.id.to_string().as_str());
    let events = t
        .api_as(&rep)
        .await
        .get(&format!(
            "/api/v1/leads/{}/events",
            lead["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(
        events.json["events"][0]["actor_id"],
        Value::Null,
        "no user submitted it"
    );

    // Bad input: the page comes back with the message, nothing is stored.
    let (status, _, text) = submit(
        &t,
        &token,
        &[("last_name", "Lovelace"), ("email", "not-an-address")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(text.contains("Please check the marked fields."), "{text}");
    assert_eq!(
        select_attr(&text, "input[name=last_name]", "value"),
        ["Lovelace"]
    );
    let (status, _, _) = submit(&t, &token, &[("last_name", "Lovelace")]).await;
    assert_eq!(status, 422, "e-mail is required on this form");
    // A robot fills the hidden field: thanked, ignored.
    let (status, _, _) = submit(
        &t,
        &token,
        &[
            ("last_name", "Bot"),
            ("email", "bot@spam.example"),
            ("website", "http://spam"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    let count = |v: &Value| v["leads"].as_array().unwrap().len();
    let all = api.get("/api/v1/leads").await;
    assert_eq!(count(&all.json), 1);

    // Five submissions per address in ten minutes, then a pause.
    for i in 0..4 {
        let email = format!("person{i}@example.org");
        let (status, _, _) =
            submit(&t, &token, &[("last_name", "Person"), ("email", &email)]).await;
        assert_eq!(status, 200);
    }
    let (status, headers, _) = submit(
        &t,
        &token,
        &[("last_name", "Sixth"), ("email", "six@example.org")],
    )
    .await;
    assert_eq!(status, 429);
    assert_eq!(headers["retry-after"], "600");
    t.clock.advance(SignedDuration::from_mins(11));
    let (status, _, _) = submit(
        &t,
        &token,
        &[("last_name", "Later"), ("email", "later@example.org")],
    )
    .await;
    assert_eq!(status, 200);

    // The campaign's leads, as each reader may see them.
    let mine = t
        .api_as(&rep)
        .await
        .get(&format!("/api/v1/campaigns/{campaign_id}/leads"))
        .await;
    assert_eq!(
        mine.json["counts"],
        json!([{ "status": "new", "count": 6 }])
    );
    let theirs = t
        .api_as(&other_rep)
        .await
        .get(&format!("/api/v1/campaigns/{campaign_id}/leads"))
        .await;
    assert_eq!(theirs.json["counts"], json!([]));
    assert_eq!(theirs.json["leads"], json!([]));

    // Switched off: gone for the public.
    let form_id = form.json["web_form"]["id"].as_str().unwrap();
    let off = api
        .patch(
            &format!("/api/v1/web-forms/{form_id}"),
            &json!({ "active": "false", "version": 1 }),
        )
        .await;
    assert_eq!(off.status, 200, "{}", off.text);
    assert_eq!(
        reqwest::get(t.url(&format!("/f/{token}")))
            .await
            .unwrap()
            .status(),
        404
    );
    let (status, _, _) = submit(
        &t,
        &token,
        &[("last_name", "Late"), ("email", "late@example.org")],
    )
    .await;
    assert_eq!(status, 404);
    assert_eq!(
        reqwest::get(t.url("/f/0123456789abcdef0123456789abcdef"))
            .await
            .unwrap()
            .status(),
        404
    );
    t.shutdown().await;
}

#[tokio::test]
async fn campaign_and_form_definitions_are_checked() {
    let t = TestApp::spawn().await;
    let marketing = t.user(Role::Marketing, None).await;
    let api = t.api_as(&marketing).await;
    for (body, code) in [
        (json!({ "name": "X", "channel": "tv" }), "invalid_choice"),
        (
            json!({ "name": "X", "start_date": "2027-05-02", "end_date": "2027-05-01" }),
            "before_start",
        ),
        (json!({ "name": "X", "budget": "ten" }), "invalid_amount"),
    ] {
        let reply = api.post("/api/v1/campaigns", &body).await;
        assert_eq!((reply.status.as_u16(), reply.code()), (422, code), "{body}");
    }
    for (body, code) in [
        (
            json!({ "name": "X", "fields": "email, password" }),
            "unknown_field",
        ),
        (
            json!({ "name": "X", "campaign_id": "0190a000-0000-7000-8000-00000000dead" }),
            "unknown_campaign",
        ),
        (json!({ "name": "X", "active": "maybe" }), "invalid_choice"),
    ] {
        let reply = api.post("/api/v1/web-forms", &body).await;
        assert_eq!((reply.status.as_u16(), reply.code()), (422, code), "{body}");
    }
    assert_eq!(
        api.get("/api/v1/web-forms").await.json["web_forms"],
        json!([])
    );
    let reply = api
        .post(
            "/api/v1/leads",
            &json!({ "last_name": "X", "campaign_id": "0190a000-0000-7000-8000-00000000dead" }),
        )
        .await;
    assert_eq!(
        (reply.status.as_u16(), reply.code()),
        (422, "unknown_campaign")
    );
    t.shutdown().await;
}

/// Posts the form from `from`, optionally through a proxy naming `forwarded_for`.
async fn submit_from(
    base: &str,
    token: &str,
    from: &str,
    forwarded_for: Option<&str>,
    email: &str,
) -> StatusCode {
    let client = reqwest::Client::builder()
        .local_address(from.parse::<std::net::IpAddr>().unwrap())
        .build()
        .unwrap();
    let mut request = client
        .post(format!("{base}/f/{token}"))
        .form(&[("last_name", "Parallel"), ("email", email)]);
    if let Some(address) = forwarded_for {
        request = request.header("x-forwarded-for", address);
    }
    request.send().await.unwrap().status()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_submission_limit_holds_in_parallel_and_tells_proxied_clients_apart() {
    let web = salesflow_web::WebConfig {
        trusted_proxies: salesflow_web::client_addr::parse_trusted_proxies("127.0.0.1").unwrap(),
        ..Default::default()
    };
    let t = TestApp::spawn_with_web(web).await;
    let marketing = t.user(Role::Marketing, None).await;
    let api = t.api_as(&marketing).await;
    let form = api
        .post(
            "/api/v1/web-forms",
            &json!({ "name": "Contact", "fields": "last_name*, email*", "thank_you": "Thanks." }),
        )
        .await;
    assert_eq!(form.status, 201, "{}", form.text);
    let token = form.json["web_form"]["token"].as_str().unwrap().to_string();

    // 20 at once from one address (not a proxy: its forged header is ignored) → 5 leads.
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let (base, token) = (t.base_url.clone(), token.clone());
            tokio::spawn(async move {
                let email = format!("p{i}@example.org");
                submit_from(
                    &base,
                    &token,
                    "127.0.0.2",
                    Some(&format!("203.0.113.{i}")),
                    &email,
                )
                .await
            })
        })
        .collect();
    let mut accepted = 0;
    for task in tasks {
        match task.await.unwrap() {
            StatusCode::OK => accepted += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert_eq!(accepted, 5, "exactly the limit, also in parallel");

    // Behind the trusted proxy, every client has its own limit ...
    for i in 0..6 {
        let client = format!("198.51.100.{i}");
        let status = submit_from(
            &t.base_url,
            &token,
            "127.0.0.1",
            Some(&client),
            &format!("c{i}@example.org"),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "client {client}");
    }
    // ... and one client behind it is still limited.
    let mut statuses = Vec::new();
    for i in 0..6 {
        let email = format!("same{i}@example.org");
        statuses.push(
            submit_from(
                &t.base_url,
                &token,
                "127.0.0.1",
                Some("198.51.100.77"),
                &email,
            )
            .await,
        );
    }
    assert_eq!(statuses.iter().filter(|s| **s == StatusCode::OK).count(), 5);
    assert_eq!(statuses[5], StatusCode::TOO_MANY_REQUESTS);
    let leads = api.get("/api/v1/leads?limit=100").await;
    assert_eq!(leads.json["leads"].as_array().unwrap().len(), 5 + 6 + 5);
    t.shutdown().await;
}
