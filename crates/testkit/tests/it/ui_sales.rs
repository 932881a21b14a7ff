//! The sales pages as a signed-in browser sees them (HTML over HTTP): CSV import through
//! upload, column mapping, dry run and import; and which roles reach which new pages.

use reqwest::StatusCode;
use reqwest::multipart::{Form, Part};
use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;
use scraper::{Html, Selector};

fn texts(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let selector = Selector::parse(css).unwrap();
    doc.select(&selector)
        .map(|e| e.text().collect::<String>().trim().to_string())
        .collect()
}

fn selected(html: &str, css: &str) -> Vec<String> {
    let doc = Html::parse_document(html);
    let selector = Selector::parse(css).unwrap();
    doc.select(&selector)
        .map(|e| e.value().attr("value").unwrap_or("").to_string())
        .collect()
}

#[tokio::test]
async fn import_through_the_browser_pages() {
    let t = TestApp::spawn().await;
    let marketing = t.user(Role::Marketing, None).await;
    let s = t.session_as(&marketing).await;
    let (status, page) = s.get("/imports").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(selected(&page, "#f-kind option[selected]"), ["leads"]);

    let csv = "Vorname,Nachname,E-Mail\nAda,Lovelace,ada@x.example\nGrace,,grace@x.example\n";
    let form = Form::new()
        .text("csrf", s.csrf.clone())
        .text("kind", "leads")
        .text("preset", "auto")
        .part(
            "file",
            Part::bytes(csv.as_bytes().to_vec()).file_name("german.csv"),
        );
    let uploaded = s
        .client
        .post(t.url("/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(uploaded.status(), StatusCode::SEE_OTHER);
    let location = uploaded.headers()["location"].to_str().unwrap().to_string();

    // German headers are not recognised: the page says so and offers every column.
    let (status, mapping) = s.get(&location).await;
    assert_eq!(status, StatusCode::OK);
    assert!(texts(&mapping, "[role=alert]")[0].contains("no column goes to 'last_name'"));
    assert_eq!(
        texts(&mapping, "table.mapping tbody td:first-child"),
        ["Vorname", "Nachname", "E-Mail"]
    );
    let id = location
        .trim_start_matches("/imports/")
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let choose = [
        ("kind", "leads"),
        ("preset", "auto"),
        ("map_0", "first_name"),
        ("map_1", "last_name"),
        ("map_2", "email"),
    ];
    let mut dry: Vec<(&str, &str)> = choose.to_vec();
    dry.push(("dry_run", "1"));
    let response = s.post(&format!("/imports/{id}/run"), &dry).await;
    assert_eq!(response.status(), StatusCode::OK);
    let result = response.text().await.unwrap();
    assert_eq!(
        texts(&result, "#total, #imported, #rejected"),
        ["2", "1", "1"]
    );
    assert_eq!(texts(&result, "h1"), ["Dry run"]);
    let link = Html::parse_document(&result)
        .select(&Selector::parse("#rejected-csv").unwrap())
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_string();
    let (status, rejected) = s.get(&link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        rejected.lines().nth(1),
        Some("Grace,,grace@x.example,last_name: is required")
    );
    // "Import the good rows" carries the chosen mapping along.
    assert_eq!(selected(&result, "form input[name=map_1]"), ["last_name"]);

    let mut real: Vec<(&str, &str)> = choose.to_vec();
    real.push(("dry_run", "0"));
    let done = s
        .post(&format!("/imports/{id}/run"), &real)
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(texts(&done, "h1"), ["Imported"]);
    let (_, leads) = s.get("/leads").await;
    assert_eq!(
        texts(&leads, "table.records tbody tr td:first-child"),
        ["Ada Lovelace"]
    );

    // Someone else cannot reach the upload.
    let other = t.session_as(&t.user(Role::Marketing, None).await).await;
    assert_eq!(other.get(&location).await.0, StatusCode::NOT_FOUND);
    let stolen = other.post(&format!("/imports/{id}/run"), &real).await;
    assert_eq!(stolen.status(), StatusCode::NOT_FOUND);
    // Roles that import nothing cannot upload either.
    let warehouse = t.session_as(&t.user(Role::Warehouse, None).await).await;
    let form = Form::new()
        .text("csrf", warehouse.csrf.clone())
        .text("kind", "leads")
        .part(
            "file",
            Part::bytes(csv.as_bytes().to_vec()).file_name("x.csv"),
        );
    let refused = warehouse
        .client
        .post(t.url("/imports"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    t.shutdown().await;
}

#[tokio::test]
async fn new_pages_follow_the_role() {
    let t = TestApp::spawn().await;
    let pages = [
        "/pipeline",
        "/opportunities",
        "/my-day",
        "/notifications",
        "/imports",
        "/campaigns",
        "/web-forms",
        "/activities",
    ];
    let expect = [
        (Role::Admin, [200, 200, 200, 200, 200, 200, 200, 200]),
        (Role::SalesManager, [200, 200, 200, 200, 200, 200, 200, 200]),
        (Role::SalesRep, [200, 200, 200, 200, 200, 200, 403, 200]),
        (Role::Marketing, [200, 200, 200, 200, 200, 200, 200, 200]),
        (Role::Warehouse, [403, 403, 200, 200, 403, 403, 403, 200]),
        (Role::Finance, [200, 200, 200, 200, 403, 403, 403, 200]),
        (Role::Support, [403, 403, 200, 200, 403, 403, 403, 200]),
    ];
    let mut failures = Vec::new();
    for (role, codes) in expect {
        let s = t.session_as(&t.user(role, None).await).await;
        for (page, code) in pages.iter().zip(codes) {
            let (status, _) = s.get(page).await;
            if status.as_u16() != code {
                failures.push(format!("{page} as {role}: expected {code}, got {status}"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    t.shutdown().await;
}
