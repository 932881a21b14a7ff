//! RELIABILITY.md goal 2: 8 workers run 2,000 random receipts, returns, adjustments,
//! confirmations (reservations), releases with shipments and cancellations (releases of
//! reservations) against the same few products and orders; afterwards every stored balance
//! equals the sum of its moves, nothing is negative, and no request failed with a server error.

use std::sync::Arc;

use salesflow_app::cancellation::CancelOrder;
use salesflow_app::error::AppError;
use salesflow_app::fulfilment::{ReleaseLine, ReleaseOrder};
use salesflow_app::stock::ConfirmOrder;
use salesflow_app::{Actor, App};
use salesflow_domain::delivery::ShipInput;
use salesflow_domain::ids::ProductId;
use salesflow_domain::role::Role;
use salesflow_domain::sales_order::{OrderStatus, SalesOrder};
use salesflow_domain::stock::{MoveKind, StockEntry};
use salesflow_testkit::TestApp;
use salesflow_testkit::orders::{accepted_order, stocked_product};
use uuid::Uuid;

const WORKERS: usize = 8;
/// 2,000 operations in CI; the long run sets `SALESFLOW_STOCK_OPS=100000`.
fn ops_per_worker() -> usize {
    let total = std::env::var("SALESFLOW_STOCK_OPS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(2_000);
    total.div_ceil(WORKERS)
}
const ORDERS: usize = 96;
const SKUS: [&str; 3] = ["BOLT", "NUT", "WASHER"];

/// A small deterministic generator (xorshift64*), so a failing run can be replayed.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) % n
    }
}

/// Expected refusals (stock short, a stale version, a wrong state) are fine; anything else is
/// a failure of the run.
fn refused_or_ok<T>(result: Result<T, AppError>) -> Result<Option<T>, String> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(
            AppError::Conflict { .. }
            | AppError::StaleVersion { .. }
            | AppError::Invalid(_)
            | AppError::NotFound,
        ) => Ok(None),
        Err(other) => Err(other.to_string()),
    }
}

async fn step(
    app: &App,
    actor: &Actor,
    rng: &mut Rng,
    products: &[ProductId],
    orders: &[Uuid],
) -> Result<(), String> {
    let product = products[rng.below(products.len() as u64) as usize].to_string();
    let entry = |quantity: String, note: Option<&str>| StockEntry {
        product_id: product.clone(),
        warehouse_id: None,
        quantity,
        note: note.map(Into::into),
    };
    match rng.below(10) {
        0 | 1 => {
            let quantity = (1 + rng.below(6)).to_string();
            refused_or_ok(
                app.stock_entry(actor, MoveKind::Receipt, &entry(quantity, None))
                    .await,
            )?;
        }
        2 => {
            let quantity = (1 + rng.below(2)).to_string();
            refused_or_ok(
                app.stock_entry(actor, MoveKind::Return, &entry(quantity, None))
                    .await,
            )?;
        }
        3 => {
            let quantity = format!("-{}", 1 + rng.below(3));
            let e = entry(quantity, Some("recount"));
            refused_or_ok(app.stock_entry(actor, MoveKind::Adjustment, &e).await)?;
        }
        n => {
            let id = orders[rng.below(orders.len() as u64) as usize];
            let order: SalesOrder = app.get(actor, id).await.map_err(|e| e.to_string())?;
            let version = order.meta.version;
            match (order.status, n) {
                (OrderStatus::New, 4..=7) => {
                    let confirm = ConfirmOrder {
                        version,
                        warehouse_id: None,
                        invoice_policy: None,
                    };
                    refused_or_ok(app.confirm_order(actor, id, &confirm).await)?;
                }
                (OrderStatus::New | OrderStatus::Confirmed, 8) => {
                    let cancel = CancelOrder {
                        version,
                        reason: "random".into(),
                    };
                    refused_or_ok(app.cancel_order(actor, id, &cancel).await)?;
                }
                (OrderStatus::Confirmed | OrderStatus::PartiallyShipped, _) => {
                    // Half the time one unit of the first line, else everything open.
                    let lines = (rng.below(2) == 0).then(|| {
                        vec![ReleaseLine {
                            line: 0,
                            quantity: "1".into(),
                        }]
                    });
                    let release = ReleaseOrder { version, lines };
                    if let Some(delivery) =
                        refused_or_ok(app.release_order(actor, id, &release).await)?
                    {
                        let ship = ShipInput {
                            version: delivery.meta.version,
                            carrier: None,
                            tracking: None,
                        };
                        refused_or_ok(app.ship_delivery(actor, delivery.id.0, &ship).await)?;
                    }
                }
                _ => {}
            }
        }
    }
    Ok(())
}

#[tokio::test]
async fn random_stock_work_by_eight_workers_keeps_every_balance_equal_to_its_moves() {
    let t = TestApp::spawn().await;
    let actor = TestApp::actor(&t.user(Role::Admin, None).await);
    let mut products = Vec::new();
    for sku in SKUS {
        products.push(stocked_product(&t, &actor, sku, "1.00", "20").await.id);
    }
    let mut orders = Vec::new();
    for i in 0..ORDERS {
        let lines = format!(
            "{} x {}\n{} x {}",
            1 + i % 4,
            SKUS[i % 3],
            1 + i % 2,
            SKUS[(i + 1) % 3]
        );
        orders.push(
            accepted_order(&t, &actor, &format!("Customer {i}"), &lines)
                .await
                .id
                .0,
        );
    }
    let (products, orders) = (Arc::new(products), Arc::new(orders));
    let mut workers = Vec::new();
    let ops = ops_per_worker();
    for w in 0..WORKERS {
        let (app, actor, products, orders) = (
            t.app.clone(),
            actor.clone(),
            products.clone(),
            orders.clone(),
        );
        workers.push(tokio::spawn(async move {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ (w as u64 + 1));
            for _ in 0..ops {
                step(&app, &actor, &mut rng, &products, &orders).await?;
            }
            Ok::<(), String>(())
        }));
    }
    for worker in workers {
        worker
            .await
            .unwrap()
            .expect("no request failed with a server error");
    }
    assert_eq!(t.app.store.ledger_mismatches().await.unwrap(), 0);
    println!(
        "stock: {} operations by {WORKERS} workers, 0 balances off their moves",
        ops * WORKERS
    );
    let pool = t.store.pool();
    let negative: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM stock_balances WHERE on_hand_milli < 0 OR reserved_milli < 0 \
         OR reserved_milli > on_hand_milli",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(negative, 0);
    // The run really exercised every kind of move.
    let mut kinds: Vec<String> = sqlx::query_scalar("SELECT DISTINCT kind FROM stock_moves")
        .fetch_all(pool)
        .await
        .unwrap();
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "adjustment",
            "receipt",
            "release",
            "reservation",
            "return",
            "shipment"
        ]
    );
    // Reserved stock is exactly what open orders still hold.
    let reserved: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(reserved_milli), 0) AS BIGINT) FROM stock_balances",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let mut held = 0;
    for id in orders.iter() {
        let order: SalesOrder = t.app.get(&actor, *id).await.unwrap();
        if order.status != OrderStatus::Cancelled {
            let reserved: i64 = order.reservations.iter().map(|r| r.reserved_milli).sum();
            let stocked_shipped: i64 = order
                .reservations
                .iter()
                .map(|r| {
                    order
                        .progress_of(r.line)
                        .shipped_milli
                        .min(r.reserved_milli)
                })
                .sum();
            held += reserved - stocked_shipped;
        }
    }
    assert_eq!(reserved, held, "balances' reserved = what open orders hold");
    t.shutdown().await;
}
