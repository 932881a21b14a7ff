//! The HTML UI, checked with CSS selectors.

use reqwest::StatusCode;
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use scraper::{Html, Selector};

fn select(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let selector = Selector::parse(css).unwrap();
    doc.select(&selector)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

fn attr(html: &str, css: &str, name: &str) -> Option<String> {
    let doc = Html::parse_document(html);
    let selector = Selector::parse(css).unwrap();
    doc.select(&selector)
        .next()
        .and_then(|e| e.value().attr(name).map(str::to_string))
}

#[tokio::test]
async fn list_form_detail_and_timeline() {
    let t = TestApp::spawn().await;
    let rep = t.user(Role::SalesRep, None).await;
    let s = t.session_as(&rep).await;

    let (_, page) = s.get("/leads").await;
    assert_eq!(
        select(&page, ".process-nav a, .process-nav span"),
        [
            "My day",
            "Leads",
            "Pipeline",
            "Quotes",
            "Orders",
            "Invoices",
            "Support",
            "Analytics",
            "Settings"
        ]
    );
    assert_eq!(select(&page, "table.records tbody tr").len(), 0);

    // A bad form keeps what was typed and names the problems.
    let bad = s
        .post(
            "/leads",
            &[("first_name", "Ada"), ("last_name", ""), ("email", "nope")],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let html = bad.text().await.unwrap();
    assert_eq!(
        attr(&html, "input[name=first_name]", "value").as_deref(),
        Some("Ada")
    );
    assert_eq!(select(&html, ".field.invalid label").len(), 2);
    assert_eq!(
        select(&html, ".field-error"),
        [
            "is required",
            "must be an e-mail address like name@example.com"
        ]
    );

    let created = s
        .post(
            "/leads",
            &[
                ("first_name", "Ada"),
                ("last_name", "Lovelace"),
                ("company", "Engines <b>Ltd</b>"),
                ("source", "referral"),
            ],
        )
        .await;
    assert_eq!(created.status(), StatusCode::SEE_OTHER);
    let location = created.headers()["location"].to_str().unwrap().to_string();
    let (_, detail) = s.get(&location).await;
    assert_eq!(select(&detail, "h1"), ["Ada Lovelace New"]);
    assert!(
        select(&detail, "dl.fields dd")
            .iter()
            .any(|d| d == "Engines <b>Ltd</b>"),
        "markup shows as text"
    );
    assert!(
        select(&detail, "dl.fields dd b").is_empty(),
        "text is escaped, never rendered as markup"
    );
    assert_eq!(select(&detail, ".timeline .event-head strong"), ["Created"]);

    // Search finds it; the htmx fragment has just the rows.
    let (_, list) = s.get("/leads?q=love").await;
    assert_eq!(
        select(&list, "table.records tbody tr td:first-child a"),
        ["Ada Lovelace"]
    );
    let fragment = s
        .client
        .get(t.url("/leads?q=zzz"))
        .header("hx-request", "true")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!fragment.contains("<html"));
    assert_eq!(
        select(&fragment, ".empty"),
        ["Nothing matches these filters."]
    );

    // Edit, then a stale second edit gets a clear conflict message.
    let (_, edit) = s.get(&format!("{location}/edit")).await;
    let version = attr(&edit, "input[name=version]", "value").unwrap();
    let saved = s
        .post(
            &location,
            &[
                ("version", &version),
                ("first_name", "Ada"),
                ("last_name", "Lovelace"),
                ("title", "Countess"),
            ],
        )
        .await;
    assert_eq!(saved.status(), StatusCode::SEE_OTHER);
    let stale = s
        .post(
            &location,
            &[
                ("version", &version),
                ("first_name", "Ada"),
                ("last_name", "Byron"),
            ],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    let html = stale.text().await.unwrap();
    assert!(
        select(&html, "div.error")
            .concat()
            .contains("Someone else changed this lead")
    );
    assert_eq!(
        attr(&html, "input[name=last_name]", "value").as_deref(),
        Some("Byron"),
        "the user's edits are kept"
    );
    let (_, detail) = s.get(&location).await;
    assert_eq!(
        select(&detail, ".timeline .event-head strong"),
        ["Updated", "Created"]
    );
    assert!(
        select(&detail, ".timeline .changes li")
            .iter()
            .any(|c| c.contains("Title") && c.contains("Countess"))
    );

    // Status actions from the detail page.
    let version = (version.parse::<i64>().unwrap() + 1).to_string();
    let moved = s
        .post(
            &format!("{location}/status"),
            &[("version", &version), ("action", "work")],
        )
        .await;
    assert_eq!(moved.status(), StatusCode::SEE_OTHER);
    let (_, detail) = s.get(&location).await;
    assert_eq!(select(&detail, "h1 .badge"), ["Working"]);
    t.shutdown().await;
}

#[tokio::test]
async fn pages_follow_the_role() {
    let t = TestApp::spawn().await;
    let warehouse = t.user(Role::Warehouse, None).await;
    let s = t.session_as(&warehouse).await;
    assert_eq!(s.get("/leads").await.0, StatusCode::FORBIDDEN);
    let (status, accounts) = s.get("/accounts").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        select(&accounts, ".page-head .button.primary").len(),
        0,
        "no New button without the right to create"
    );
    assert_eq!(s.get("/settings/users").await.0, StatusCode::FORBIDDEN);
    assert_eq!(s.get("/settings/audit").await.0, StatusCode::FORBIDDEN);

    let admin = t.user(Role::Admin, None).await;
    let a = t.session_as(&admin).await;
    let (_, audit) = a.get("/settings/audit").await;
    assert!(
        select(&audit, "table.audit tbody tr").len() >= 2,
        "user creations are audited"
    );
    let (_, users) = a.get("/settings/users").await;
    assert_eq!(select(&users, "table.records tbody tr").len(), 2);

    // The admin promotes the warehouse user; the change is audited.
    let version = t
        .app
        .store
        .user_by_id(warehouse.id)
        .await
        .unwrap()
        .unwrap()
        .version
        .to_string();
    let changed = a
        .post(
            &format!("/settings/users/{}/role", warehouse.id),
            &[("version", &version), ("role", "finance"), ("team_id", "")],
        )
        .await;
    assert_eq!(changed.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        t.app
            .store
            .user_by_id(warehouse.id)
            .await
            .unwrap()
            .unwrap()
            .role,
        Role::Finance
    );
    let stale = a
        .post(
            &format!("/settings/users/{}/role", warehouse.id),
            &[("version", &version), ("role", "admin"), ("team_id", "")],
        )
        .await;
    assert_eq!(stale.status(), StatusCode::CONFLICT);
    assert_eq!(
        s.get("/leads").await.0,
        StatusCode::FORBIDDEN,
        "finance sees no leads either"
    );
    assert_eq!(
        a.get(&format!("/leads/{}", uuid::Uuid::now_v7())).await.0,
        StatusCode::NOT_FOUND
    );
    assert_eq!(a.get("/no/such/page").await.0, StatusCode::NOT_FOUND);
    t.shutdown().await;
}
