//! Health, metrics, the OpenAPI document and error hygiene.

use salesflow_domain::role::Role;
use salesflow_testkit::TestApp;

#[tokio::test]
async fn health_metrics_and_api_docs() {
    let t = TestApp::spawn().await;
    let health = t.anonymous().get("/healthz").await;
    assert_eq!(health.json["status"], "ok");
    let admin = t.user(Role::Admin, None).await;
    t.api_as(&admin).await.get("/api/v1/leads").await;
    let metrics = reqwest::get(t.url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(metrics.contains("http_requests_total"), "{metrics}");
    assert!(metrics.contains("route=\"/api/v1/leads\""));

    let doc = t.anonymous().get("/api/openapi.json").await.json;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/v1/leads",
        "/api/v1/leads/{id}",
        "/api/v1/accounts/{id}/events",
        "/api/v1/contacts/export",
        "/api/v1/audit",
    ] {
        assert!(doc["paths"].get(path).is_some(), "{path} documented");
    }
    assert!(doc["components"]["schemas"].get("LeadInput").is_some());
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 20);
    for r in refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .unwrap_or_else(|| panic!("unexpected $ref {r}"));
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "dangling $ref {r}"
        );
    }
    let docs_page = reqwest::get(t.url("/api/docs/")).await.unwrap();
    assert_eq!(docs_page.status(), 200);
    let html = docs_page.text().await.unwrap();
    assert!(
        !html.contains("https://"),
        "the docs page loads nothing from the internet"
    );
    t.shutdown().await;
}

#[tokio::test]
async fn errors_never_leak_internals() {
    let t = TestApp::spawn().await;
    let admin = t.user(Role::Admin, None).await;
    let api = t.api_as(&admin).await;
    let paths = [
        ("/api/v1/leads?cursor=%27%20OR%201%3D1--", 422),
        ("/api/v1/leads?q=%27%3B%20DROP%20TABLE%20leads%3B--", 200),
        ("/api/v1/leads?q=%25%25%25_", 200),
        ("/api/v1/leads?sort=id%3B%20DROP%20TABLE%20leads", 422),
        ("/api/v1/leads?limit=-1", 400),
        ("/api/v1/leads/%27%20OR%20%271%27%3D%271", 404),
        ("/api/v1/audit?entity_type=%27", 422),
        ("/nope", 404),
    ];
    for (path, expected) in paths {
        let r = api.get(path).await;
        assert_eq!(r.status.as_u16(), expected, "{path}: {}", r.text);
        for leak in [
            "sqlx",
            "SQLITE",
            "syntax error",
            "panicked",
            ".rs:",
            "SELECT",
        ] {
            assert!(!r.text.contains(leak), "{path} leaked {leak}: {}", r.text);
        }
    }
    assert_eq!(
        api.get("/api/v1/leads").await.status,
        200,
        "the table is still there"
    );
    t.shutdown().await;
}

fn collect_refs(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (k, v) in map {
                match (k.as_str(), v) {
                    ("$ref", serde_json::Value::String(r)) => out.push(r.clone()),
                    _ => collect_refs(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_refs(v, out)),
        _ => {}
    }
}

/// PostgreSQL connections run without the JIT: the reports' statements are costed high and would
/// be compiled on every run.
#[tokio::test]
async fn postgres_connections_run_without_the_jit() {
    let t = TestApp::spawn().await;
    if t.store.backend_kind() != salesflow_store::Backend::Postgres {
        return;
    }
    for _ in 0..3 {
        let jit: String = sqlx::query_scalar("SELECT current_setting('jit')")
            .fetch_one(t.store.pool())
            .await
            .unwrap();
        assert_eq!(jit, "off");
    }
}
