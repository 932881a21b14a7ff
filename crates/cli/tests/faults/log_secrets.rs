//! Canary secrets never reach the log (RELIABILITY goal 28): the real server runs at `debug`, the
//! most an operator turns on to investigate, while an admin signs in (and mistypes the password
//! once), uses an API token, and a customer opens, downloads and accepts a quote through its
//! portal link. The log shows those requests but none of the passwords, the session cookie, the
//! API token or the portal token. The failed sign-in and a refused request (403) are there.

use serde_json::json;

use crate::client::Api;
use crate::server::{Database, Launch, Server, cli};
use crate::workload::{ADMIN_EMAIL, ADMIN_PASSWORD, PRODUCTS, prepare};

const WRONG_PASSWORD: &str = "canary-wrong-password-4417";

/// The value of `name="csrf"` on a page.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a CSRF field") + 19;
    html[at..].split('"').next().unwrap_or_default().to_string()
}

/// Signs in through the login form with `password`; the session cookie when it worked.
async fn sign_in(base: &str, password: &str) -> Option<String> {
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let page = client.get(format!("{base}/login")).send().await.ok()?;
    let csrf = csrf_of(&page.text().await.ok()?);
    let form = [
        ("csrf", csrf.as_str()),
        ("email", ADMIN_EMAIL),
        ("password", password),
        ("next", "/"),
    ];
    let answer = client
        .post(format!("{base}/login"))
        .form(&form)
        .send()
        .await
        .ok()?;
    let cookie = answer
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.contains("session"))?
        .split(';')
        .next()?
        .split_once('=')?
        .1
        .to_string();
    let home = client.get(format!("{base}/")).send().await.ok()?;
    home.status().is_success().then_some(cookie)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_never_reach_the_log_even_at_debug() {
    let db = Database::fresh("log").await;
    let launch = Launch {
        log_filter: Some("debug"),
        ..Launch::default()
    };
    let server = Server::start(&db, &launch).await;
    let company = prepare(&db, &server, 1).await;
    let api = &company.api;

    assert!(sign_in(&server.base, WRONG_PASSWORD).await.is_none());
    let session = sign_in(&server.base, ADMIN_PASSWORD)
        .await
        .expect("signed in");

    let rep = [
        "--email",
        "rep@faults.example",
        "--name",
        "Rep",
        "--role",
        "sales_rep",
    ];
    let made = cli(
        &db.url,
        &[&["admin", "create-user"], &rep[..]].concat(),
        "a rep's password\n",
    );
    assert!(made.status.success(), "{made:?}");
    let token = cli(
        &db.url,
        &["admin", "create-token", "--email", "rep@faults.example"],
        "",
    );
    let rep_api = Api::new(&server.base, String::from_utf8_lossy(&token.stdout).trim());
    assert_eq!(rep_api.get("/api/v1/audit").await.status, Some(403));

    let lines = format!("1 x {}", PRODUCTS[0]);
    let body = json!({ "title": "Canary", "account_id": company.customers[0], "lines": lines });
    let quote = api.post("/api/v1/quotes", &body, None).await.body["quote"].clone();
    let path = format!("/api/v1/quotes/{}/send", quote["id"].as_str().unwrap());
    let sent = api
        .post(&path, &json!({ "version": quote["version"] }), None)
        .await;
    let portal = sent.body["portal_url"]
        .as_str()
        .expect("portal link")
        .to_string();
    let token = portal.rsplit('/').next().unwrap().to_string();
    let http = reqwest::Client::new();
    for url in [portal.clone(), format!("{portal}/pdf")] {
        let page = http.get(&url).send().await.expect("portal page");
        assert!(page.status().is_success(), "{url}: {}", page.status());
    }
    let accepted = api
        .portal_form(
            &format!("{portal}/accept"),
            &[("signed_name", "Canary Buyer")],
        )
        .await;
    assert_eq!(accepted.status, Some(303), "{:?}", accepted.body);

    let log = server.log_text();
    server.kill();
    db.drop_database().await;
    assert!(
        log.contains("/portal/quotes/") && log.contains("/login"),
        "the log shows the requests, or this test proves nothing:\n{log}"
    );
    let security: Vec<&str> = log.lines().filter(|l| l.contains("security")).collect();
    assert!(
        security.iter().any(|l| l.contains("failed login")),
        "the failed sign-in is logged: {security:?}"
    );
    assert!(
        security
            .iter()
            .any(|l| l.contains("403") && l.contains("/api/v1/audit")),
        "the refused request is logged: {security:?}"
    );
    let canaries = [
        ("the admin's password", ADMIN_PASSWORD),
        ("a mistyped password", WRONG_PASSWORD),
        ("the session cookie", session.as_str()),
        ("the API token", api.token()),
        ("the rep's API token", rep_api.token()),
        ("the portal token", token.as_str()),
    ];
    for (what, secret) in canaries {
        assert!(secret.len() >= 16, "{what} is a real secret: {secret:?}");
        assert!(!log.contains(secret), "{what} is in the log");
    }
}
