//! Sign-in, sessions, CSRF, throttling, the first-run page and API tokens.

use reqwest::StatusCode;
use salesflow_app::users::UserChange;
use salesflow_domain::role::Role;
use salesflow_testkit::http::{Session, csrf_of, new_browser_client, new_browser_client_from};
use salesflow_testkit::{PASSWORD, TestApp};
use serde_json::json;

async fn post_login(base: &str, email: &str, password: &str) -> reqwest::Response {
    post_login_with(new_browser_client(), base, email, password).await
}

/// Signs in from another address of the loopback range: another client.
async fn post_login_from(from: &str, base: &str, email: &str, password: &str) -> reqwest::Response {
    let client = new_browser_client_from(from.parse().unwrap());
    post_login_with(client, base, email, password).await
}

async fn post_login_with(
    client: reqwest::Client,
    base: &str,
    email: &str,
    password: &str,
) -> reqwest::Response {
    let page = client
        .get(format!("{base}/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page).unwrap();
    let form = [
        ("csrf", csrf.as_str()),
        ("email", email),
        ("password", password),
    ];
    client
        .post(format!("{base}/login"))
        .form(&form)
        .send()
        .await
        .unwrap()
}

fn session_cookie(response: &reqwest::Response) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("sf_session=") && !v.starts_with("sf_session=;"))
        .map(str::to_string)
}

#[tokio::test]
async fn sessions_are_secure_rotated_and_ended() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let first = post_login(&t.base_url, &rep.email, PASSWORD).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie(&first).expect("session cookie");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let value = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("sf_session=")
        .to_string();
    assert!(value.len() >= 4 + 64, "at least 256 random bits");
    let second = session_cookie(&post_login(&t.base_url, &rep.email, PASSWORD).await).unwrap();
    assert_ne!(cookie, second, "every sign-in gets a new session id");

    // Logout ends the session on the server, not only in the browser.
    let session = t.session_as(&rep).await;
    assert_eq!(session.get("/leads").await.0, StatusCode::OK);
    let out = session.post("/logout", &[]).await;
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(session.get("/leads").await.0, StatusCode::SEE_OTHER);

    // Deactivating a user ends their sessions and tokens at once.
    let session = t.session_as(&rep).await;
    let api = t.api_as(&rep).await;
    let rep_now = t.app.store.user_by_id(rep.id).await.unwrap().unwrap();
    t.app
        .update_user(
            None,
            rep.id,
            UserChange {
                active: Some(false),
                version: rep_now.version,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(session.get("/leads").await.0, StatusCode::SEE_OTHER);
    assert_eq!(api.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(
        post_login(&t.base_url, &rep.email, PASSWORD).await.status(),
        StatusCode::UNAUTHORIZED
    );

    // Idle timeout.
    let manager = t.user(Role::SalesManager, None).await;
    let session = t.session_as(&manager).await;
    t.clock.advance(jiff::SignedDuration::from_hours(9));
    assert_eq!(session.get("/leads").await.0, StatusCode::SEE_OTHER);

    // Absolute timeout: used every 7 hours (inside the idle limit), a session still ends when
    // it is 7 days old.
    let finance = t.user(Role::Finance, None).await;
    let session = t.session_as(&finance).await;
    for _ in 0..23 {
        t.clock.advance(jiff::SignedDuration::from_hours(7));
        assert_eq!(session.get("/").await.0, StatusCode::OK);
    }
    t.clock.advance(jiff::SignedDuration::from_hours(7));
    assert_eq!(session.get("/").await.0, StatusCode::SEE_OTHER);
    t.shutdown().await;
}

#[tokio::test]
async fn login_is_throttled_per_account_and_reveals_nothing() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let unknown = post_login(&t.base_url, "nobody@test.example", "whatever password").await;
    let wrong = post_login(&t.base_url, &rep.email, "wrong password!").await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let (a, b) = (unknown.text().await.unwrap(), wrong.text().await.unwrap());
    let strip = |s: &str| {
        s.lines()
            .filter(|l| !l.contains("csrf") && !l.contains("name=\"email\""))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(
        strip(&a),
        strip(&b),
        "unknown user and wrong password look the same"
    );

    for _ in 0..9 {
        assert_eq!(
            post_login(&t.base_url, &rep.email, "wrong password!")
                .await
                .status(),
            StatusCode::UNAUTHORIZED
        );
    }
    let limited = post_login(&t.base_url, &rep.email, PASSWORD).await;
    assert_eq!(
        limited.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the 11th attempt is not even evaluated"
    );
    let retry: u64 = limited.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=900).contains(&retry));
    // Another account is not affected; after the window the right password works again.
    let other = t.user(Role::SalesRep, None).await;
    assert_eq!(
        post_login(&t.base_url, &other.email, PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    t.clock.advance(jiff::SignedDuration::from_mins(16));
    assert_eq!(
        post_login(&t.base_url, &rep.email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn parallel_guesses_cannot_pass_the_limit() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let base = t.base_url.clone();
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let (base, email) = (base.clone(), rep.email.clone());
        tasks.push(tokio::spawn(async move {
            post_login(&base, &email, "wrong password!").await.status()
        }));
    }
    let mut evaluated = 0;
    for task in tasks {
        match task.await.unwrap() {
            StatusCode::UNAUTHORIZED => evaluated += 1,
            StatusCode::TOO_MANY_REQUESTS => {}
            other => panic!("unexpected {other}"),
        }
    }
    assert!(
        evaluated <= 10,
        "at most the allowed number of guesses is checked, got {evaluated}"
    );
    t.shutdown().await;
}

#[tokio::test]
async fn state_changing_forms_need_the_csrf_token_and_same_origin() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let session = t.session_as(&rep).await;
    let no_token = session
        .client
        .post(t.url("/leads"))
        .form(&[("last_name", "Forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(no_token.status(), StatusCode::FORBIDDEN);
    let wrong = session
        .client
        .post(t.url("/leads"))
        .form(&[("csrf", "0000"), ("last_name", "Forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::FORBIDDEN);
    let cross_site = session
        .client
        .post(t.url("/leads"))
        .header("origin", "https://evil.example")
        .form(&[("csrf", session.csrf.as_str()), ("last_name", "Forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), StatusCode::FORBIDDEN);
    let login_without_token = new_browser_client()
        .post(t.url("/login"))
        .form(&[("email", rep.email.as_str()), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(login_without_token.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        t.api_as(&rep).await.get("/api/v1/leads").await.json["leads"]
            .as_array()
            .unwrap()
            .len(),
        0,
        "nothing was created"
    );
    let ok = session.post("/leads", &[("last_name", "Real")]).await;
    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    t.shutdown().await;
}

#[tokio::test]
async fn first_run_page_only_without_users() {
    let t = TestApp::spawn().await;
    let client = new_browser_client();
    let home = client.get(t.url("/")).send().await.unwrap();
    assert_eq!(home.headers()["location"], "/setup");
    let page = client
        .get(t.url("/setup"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = csrf_of(&page).unwrap();
    let short = client
        .post(t.url("/setup"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Root"),
            ("email", "root@test.example"),
            ("password", "short"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = short.text().await.unwrap();
    assert!(page.contains("at least 12 characters"));
    let csrf = csrf_of(&page).unwrap();
    let done = client
        .post(t.url("/setup"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("name", "Root"),
            ("email", "root@test.example"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    let users = t.app.store.list_users().await.unwrap();
    assert_eq!((users.len(), users[0].role), (1, Role::Admin));
    assert!(
        users[0]
            .password_hash
            .as_deref()
            .unwrap()
            .starts_with("$argon2id$")
    );
    // Once a user exists, the page is gone.
    let again = new_browser_client()
        .get(t.url("/setup"))
        .send()
        .await
        .unwrap();
    assert_eq!(again.headers()["location"], "/login");
    t.shutdown().await;
}

#[tokio::test]
async fn api_tokens_can_be_created_listed_and_revoked() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let api = t.api_as(&rep).await;
    // A token cannot mint tokens: there is no API route for it, and the use case refuses.
    let minted = api
        .post("/api/v1/tokens", &json!({ "name": "integration" }))
        .await;
    assert_eq!(
        minted.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        minted.text
    );
    let token_actor = t
        .app
        .token_actor(&api.token().unwrap(), None)
        .await
        .unwrap()
        .unwrap();
    let refused = t
        .app
        .create_token(&token_actor, rep.id, "from a token", None)
        .await;
    assert!(
        matches!(
            refused,
            Err(salesflow_app::AppError::Refused {
                code: "token_cannot_mint",
                ..
            })
        ),
        "{refused:?}"
    );
    let (created, secret) = t
        .app
        .create_token(&TestApp::actor(&rep), rep.id, "integration", None)
        .await
        .unwrap();
    let id = created.id.to_string();
    let second = salesflow_testkit::Api::new(&t.base_url, Some(secret));
    assert_eq!(
        second.get("/api/v1/me").await.json["user"]["email"],
        rep.email.as_str()
    );
    let listed = api.get("/api/v1/tokens").await;
    assert!(
        listed.json["tokens"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t.get("secret").is_none()),
        "secrets are never listed"
    );
    assert_eq!(
        api.post(&format!("/api/v1/tokens/{id}/revoke"), &json!({}))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        second.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        api.post(&format!("/api/v1/tokens/{id}/revoke"), &json!({}))
            .await
            .code(),
        "already_revoked"
    );
    // The UI shows a new token once.
    let session = Session::login(&t.base_url, &rep.email, PASSWORD)
        .await
        .unwrap();
    let page = session
        .post("/settings/tokens", &[("name", "from the UI")])
        .await
        .text()
        .await
        .unwrap();
    let doc = scraper::Html::parse_document(&page);
    let secret = doc
        .select(&scraper::Selector::parse("#new-token").unwrap())
        .next()
        .unwrap()
        .text()
        .collect::<String>();
    assert!(secret.starts_with("sf_"));
    assert_eq!(
        salesflow_testkit::Api::new(&t.base_url, Some(secret))
            .get("/api/v1/me")
            .await
            .status,
        StatusCode::OK
    );
    t.shutdown().await;
}

#[tokio::test]
async fn a_guessing_client_cannot_lock_the_owner_out_nor_prolong_its_own_lock() {
    let t = TestApp::spawn().await;
    let admin = t.user(Role::Admin, None).await;
    let base = t.base_url.clone();
    for _ in 0..10 {
        let r = post_login_from("127.0.0.2", &base, &admin.email, "wrong password!").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = post_login_from("127.0.0.2", &base, &admin.email, PASSWORD).await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    // The owner, from elsewhere, signs in at once.
    assert_eq!(
        post_login(&base, &admin.email, PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
    // Refused attempts do not count: hammering at minute 10 does not push the end out.
    t.clock.advance(jiff::SignedDuration::from_mins(10));
    for _ in 0..5 {
        let r = post_login_from("127.0.0.2", &base, &admin.email, "wrong password!").await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    t.clock
        .advance(jiff::SignedDuration::from_mins(5) + jiff::SignedDuration::from_secs(1));
    let again = post_login_from("127.0.0.2", &base, &admin.email, "wrong password!").await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED, "evaluated again");
    t.shutdown().await;
}

#[tokio::test]
async fn one_address_guessing_many_accounts_is_cut_off() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let base = t.base_url.clone();
    for i in 0..30 {
        let email = format!("guess{i}@test.example");
        let r = post_login_from("127.0.0.3", &base, &email, "wrong password!").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    let cut = post_login_from("127.0.0.3", &base, &rep.email, PASSWORD).await;
    assert_eq!(cut.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(cut.headers().contains_key("retry-after"));
    assert_eq!(
        post_login_from("127.0.0.4", &base, &rep.email, PASSWORD)
            .await
            .status(),
        StatusCode::SEE_OTHER,
        "other addresses are not affected"
    );
    t.shutdown().await;
}

#[tokio::test]
async fn oversized_sign_in_input_is_neither_stored_nor_echoed() {
    let t = TestApp::spawn().await;
    t.user(Role::SalesRep, None).await;
    let huge = format!("{}@test.example", "a".repeat(300_000));
    let r = post_login(&t.base_url, &huge, "whatever password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body = r.text().await.unwrap();
    assert!(body.len() < 30_000, "echoed {} bytes", body.len());
    let epoch = jiff::Timestamp::UNIX_EPOCH;
    let stored = t
        .app
        .store
        .login_failures_since(&huge, "127.0.0.1", epoch)
        .await
        .unwrap();
    assert_eq!(stored.all_clients, 0, "nothing stored for it");
    let long_password = "p".repeat(5_000);
    let r = post_login(&t.base_url, "someone@test.example", &long_password).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let stored = t
        .app
        .store
        .login_failures_since("someone@test.example", "127.0.0.1", epoch)
        .await
        .unwrap();
    assert_eq!(
        stored.all_clients, 0,
        "refused before it is counted or hashed"
    );
    t.shutdown().await;
}

#[tokio::test]
async fn tokens_expire_and_stay_revoked_after_the_user_returns() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let actor = TestApp::actor(&rep);
    let (short, secret) = t
        .app
        .create_token(&actor, rep.id, "short", Some(1))
        .await
        .unwrap();
    assert!(short.expires_at.is_some());
    let expiring = salesflow_testkit::Api::new(&t.base_url, Some(secret));
    assert_eq!(expiring.get("/api/v1/me").await.status, StatusCode::OK);
    let listed = expiring.get("/api/v1/tokens").await;
    assert!(
        listed.json["tokens"][0]["expires_at"].is_string(),
        "{}",
        listed.text
    );
    t.clock.advance(jiff::SignedDuration::from_hours(25));
    assert_eq!(
        expiring.get("/api/v1/me").await.status,
        StatusCode::UNAUTHORIZED,
        "expired, also while a lookup is cached"
    );
    let too_long = t
        .app
        .create_token(&actor, rep.id, "forever", Some(4000))
        .await;
    assert!(matches!(too_long, Err(salesflow_app::AppError::Invalid(_))));

    // Deactivation revokes for good: reactivating the user does not bring tokens back.
    let (_, secret) = t
        .app
        .create_token(&actor, rep.id, "kept", None)
        .await
        .unwrap();
    let api = salesflow_testkit::Api::new(&t.base_url, Some(secret));
    assert_eq!(api.get("/api/v1/me").await.status, StatusCode::OK);
    for active in [false, true] {
        let now = t.app.store.user_by_id(rep.id).await.unwrap().unwrap();
        t.app
            .update_user(
                None,
                rep.id,
                UserChange {
                    active: Some(active),
                    version: now.version,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
    }
    assert_eq!(api.get("/api/v1/me").await.status, StatusCode::UNAUTHORIZED);
    let tokens = t.app.list_tokens(&actor).await.unwrap();
    assert!(
        tokens
            .iter()
            .all(|t| t.revoked_at.is_some() || t.name == "short")
    );
    t.shutdown().await;
}

#[tokio::test]
async fn secrets_are_not_cached_and_https_gets_host_only_secure_cookies() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let session = t.session_as(&rep).await;
    let page = session
        .post(
            "/settings/tokens",
            &[("name", "cached?"), ("expires_in_days", "30")],
        )
        .await;
    assert_eq!(page.status(), StatusCode::CREATED);
    assert_eq!(
        page.headers()["cache-control"],
        "no-store",
        "the new token's page"
    );
    let api = t.api_as(&rep).await;
    assert_eq!(
        api.get("/api/v1/leads").await.headers["cache-control"],
        "no-store"
    );
    let asset = reqwest::get(t.url("/assets/app.css")).await.unwrap();
    assert_ne!(
        asset.headers()["cache-control"],
        "no-store",
        "assets may be cached"
    );
    t.shutdown().await;

    // Behind HTTPS (public_url), cookies are Secure and `__Host-` prefixed, and a proxy that
    // rewrites Host does not break forms: the Origin is checked against public_url.
    let web = salesflow_web::WebConfig {
        public_url: "https://crm.example.com".into(),
        ..Default::default()
    };
    let t = TestApp::spawn_with_web(web).await;
    let rep = t.user(Role::SalesRep, None).await;
    let client = new_browser_client();
    let login = client.get(t.url("/login")).send().await.unwrap();
    let pre = login.headers()["set-cookie"].to_str().unwrap().to_string();
    assert!(
        pre.starts_with("__Host-sf_csrf=") && pre.contains("Secure"),
        "{pre}"
    );
    let token = pre
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("__Host-sf_csrf=")
        .to_string();
    let csrf = csrf_of(&login.text().await.unwrap()).unwrap();
    let signed_in = client
        .post(t.url("/login"))
        .header("origin", "https://crm.example.com")
        .header("cookie", format!("__Host-sf_csrf={token}"))
        .form(&[
            ("csrf", csrf.as_str()),
            ("email", rep.email.as_str()),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), StatusCode::SEE_OTHER);
    let cookie = session_cookie_named(&signed_in, "__Host-sf_session").expect("prefixed cookie");
    assert!(
        cookie.contains("Secure") && cookie.contains("Path=/"),
        "{cookie}"
    );
    assert!(!cookie.contains("Domain"), "{cookie}");
    t.shutdown().await;
}

fn session_cookie_named(response: &reqwest::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")) && !v.starts_with(&format!("{name}=;")))
        .map(str::to_string)
}
