//! Posted money and stock records are never edited (RELIABILITY.md goal 7): every mutating
//! action on a posted, shipped or finished document is refused with 409 and changes nothing,
//! and raw SQL cannot rewrite the ledgers — events, stock moves, payments and posted invoices
//! refuse UPDATE and DELETE in the database itself.

use salesflow_domain::role::Role;
use salesflow_testkit::{Api, TestApp};
use serde_json::{Value, json};

/// A shipped order with its posted invoice and a payment: (order, delivery, invoice) paths.
async fn finished_order(t: &TestApp, office: &Api) -> (String, String, String) {
    let admin = TestApp::actor(&t.user(Role::Admin, None).await);
    let done = salesflow_testkit::orders::finished_order(t, &admin, office).await;
    (done.order, done.delivery, done.invoice)
}

async fn document(api: &Api, path: &str) -> Value {
    api.get(path).await.json
}

#[tokio::test]
async fn actions_on_posted_and_shipped_documents_are_refused() {
    let t = TestApp::spawn().await;
    let office = t.api_as(&t.user(Role::Admin, None).await).await;
    let (order, delivery, invoice) = finished_order(&t, &office).await;
    let version = |doc: &Value, key: &str| doc[key]["version"].clone();
    let before = (
        document(&office, &order).await,
        document(&office, &delivery).await,
        document(&office, &invoice).await,
    );
    let o = version(&before.0, "order");
    let d = version(&before.1, "delivery");
    let i = version(&before.2, "invoice");
    let refused = [
        (format!("{order}/confirm"), json!({ "version": o })),
        (format!("{order}/releases"), json!({ "version": o })),
        (
            format!("{order}/inspections"),
            json!({ "passed": true, "version": o }),
        ),
        (format!("{delivery}/ship"), json!({ "version": d })),
        (format!("{invoice}/post"), json!({ "version": i })),
    ];
    for (path, body) in &refused {
        let r = office.post(path, body).await;
        assert_eq!(r.status, 409, "{path}: {}", r.text);
        assert!(!r.code().is_empty(), "{path}: a stable error code");
    }
    // Lines, totals and numbers are not fields of a posted invoice or an order.
    for (path, body) in [
        (&invoice, json!({ "version": i, "total_minor": 1 })),
        (&invoice, json!({ "version": i, "number": "INV-99999" })),
        (&order, json!({ "version": o, "status": "new" })),
    ] {
        let r = office.patch(path, &body).await;
        assert_eq!(r.status, 422, "{path}: {}", r.text);
    }
    let after = (
        document(&office, &order).await,
        document(&office, &delivery).await,
        document(&office, &invoice).await,
    );
    assert_eq!(before, after, "nothing changed");
    t.shutdown().await;
}

#[tokio::test]
async fn raw_sql_cannot_rewrite_the_ledgers() {
    let t = TestApp::spawn().await;
    let office = t.api_as(&t.user(Role::Admin, None).await).await;
    finished_order(&t, &office).await;
    let pool = t.store.pool();
    let snapshot = || async {
        let mut sums = Vec::new();
        for sql in [
            "SELECT COUNT(*) FROM events",
            "SELECT CAST(COALESCE(SUM(position), 0) AS BIGINT) FROM events",
            "SELECT CAST(COALESCE(SUM(quantity_milli), 0) AS BIGINT) FROM stock_moves",
            "SELECT CAST(COALESCE(SUM(amount_minor), 0) AS BIGINT) FROM payments",
            "SELECT CAST(COALESCE(SUM(total_minor + paid_minor), 0) AS BIGINT) FROM invoices",
            "SELECT CAST(COALESCE(SUM(on_hand_milli + reserved_milli), 0) AS BIGINT) FROM stock_balances",
        ] {
            let v: i64 = sqlx::query_scalar(sql).fetch_one(pool).await.unwrap();
            sums.push(v);
        }
        sums
    };
    let before = snapshot().await;
    for sql in [
        "UPDATE events SET activity = 'rewritten'",
        "UPDATE events SET position = position + 1000000",
        "UPDATE events SET position = NULL",
        "DELETE FROM events",
        "UPDATE stock_moves SET quantity_milli = 1",
        "DELETE FROM stock_moves",
        "UPDATE payments SET amount_minor = 1",
        "DELETE FROM payments",
        "UPDATE invoices SET total_minor = 1 WHERE number IS NOT NULL",
        "UPDATE invoices SET lines = '[]' WHERE number IS NOT NULL",
        "UPDATE invoices SET number = 'INV-77777' WHERE number IS NOT NULL",
        "DELETE FROM invoices WHERE number IS NOT NULL",
        "UPDATE invoices SET paid_minor = total_minor + 1",
        "UPDATE invoices SET paid_minor = -1",
        "UPDATE stock_balances SET on_hand_milli = -1",
    ] {
        let result = sqlx::query(sql).execute(pool).await;
        assert!(result.is_err(), "{sql} was allowed");
    }
    assert_eq!(snapshot().await, before, "nothing changed");
    // What may change on a posted invoice still can: the triggers are not blanket refusals.
    let allowed =
        sqlx::query("UPDATE invoices SET reminded_on = '2026-01-05' WHERE number IS NOT NULL")
            .execute(pool)
            .await
            .unwrap();
    assert_eq!(allowed.rows_affected(), 1);
    t.shutdown().await;
}
