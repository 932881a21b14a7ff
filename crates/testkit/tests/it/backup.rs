//! An online backup taken while the server writes is a consistent database: SQLite's integrity
//! check passes, every stock balance equals its ledger, and no record is there without the
//! event written with it (RELIABILITY.md goal 17, the CI-sized version).

use salesflow_domain::role::Role;
use salesflow_store::Backend;
use salesflow_testkit::TestApp;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_online_backup_during_writes_is_consistent() {
    let t = TestApp::spawn().await;
    let target = std::env::temp_dir().join(format!("salesflow-backup-{}.db", uuid::Uuid::now_v7()));
    if t.store.backend_kind() == Backend::Postgres {
        let refused = t.store.backup_to(&target).await.unwrap_err();
        assert!(refused.to_string().contains("pg_dump"), "{refused}");
        t.shutdown().await;
        return;
    }
    let admin_user = t.user(Role::Admin, None).await;
    let admin = TestApp::actor(&admin_user);
    let office = t.api_as(&admin_user).await;
    salesflow_testkit::orders::stocked_product(&t, &admin, "BOX", "10.00", "50").await;
    let order = salesflow_testkit::orders::accepted_order(&t, &admin, "Backup Oy", "5 x BOX").await;
    office
        .ok(
            &format!("/api/v1/orders/{}/confirm", order.id),
            &json!({ "version": 1 }),
            "order",
        )
        .await;
    // Writes go on while the copy is taken.
    let writer = {
        let api = t.api_as(&admin_user).await;
        tokio::spawn(async move {
            let mut created = 0;
            for i in 0..150 {
                let r = api
                    .post(
                        "/api/v1/leads",
                        &json!({ "last_name": format!("Lead {i}") }),
                    )
                    .await;
                assert_eq!(r.status, 201, "{}", r.text);
                created += 1;
            }
            created
        })
    };
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    salesflow::backup::run(&t.store, &target)
        .await
        .expect("backup");
    assert_eq!(writer.await.unwrap(), 150, "writers were not held up");
    assert!(
        salesflow::backup::run(&t.store, &target).await.is_err(),
        "never overwrites"
    );

    let copy = salesflow::server::open_store(&format!("sqlite://{}", target.display()), 1)
        .await
        .unwrap();
    assert!(copy.integrity_problems().await.unwrap().is_empty());
    use salesflow_app::ports::StockStore;
    assert_eq!(copy.ledger_mismatches().await.unwrap(), 0);
    let count = |sql: &'static str| {
        let pool = copy.pool().clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let leads = count("SELECT COUNT(*) FROM leads").await;
    assert!((0..=150).contains(&leads));
    let without_event = count(
        "SELECT COUNT(*) FROM leads l WHERE NOT EXISTS \
         (SELECT 1 FROM events e WHERE e.entity_id = l.id AND e.activity = 'created')",
    )
    .await;
    assert_eq!(
        without_event, 0,
        "no record without the event written with it"
    );
    assert_eq!(count("SELECT COUNT(*) FROM sales_orders").await, 1);
    copy.close().await;
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", target.display()));
    }
    t.shutdown().await;
}
