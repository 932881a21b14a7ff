//! The warehouse's work queue: orders waiting for a quality inspection, orders with quantities
//! still to pick, and delivery notes waiting to ship — oldest first, in three queries (the
//! orders, their products, the deliveries), never one per order.

use salesflow_domain::authz::{Action, Resource};
use salesflow_domain::delivery::Delivery;
use salesflow_domain::ids::ProductId;
use salesflow_domain::sales_order::SalesOrder;

use crate::error::AppResult;
use crate::fulfilment::inspected;
use crate::{Actor, App};

/// At most this many of each, oldest first: a day's work, not an archive.
const QUEUE: u32 = 200;

#[derive(Debug, Default)]
pub struct WarehouseWork {
    pub to_inspect: Vec<SalesOrder>,
    pub to_pick: Vec<SalesOrder>,
    pub to_ship: Vec<Delivery>,
}

impl App {
    pub async fn warehouse_work(&self, actor: &Actor) -> AppResult<WarehouseWork> {
        actor.require(Resource::Delivery, Action::Update)?;
        let orders = self.store.orders_in_fulfilment(QUEUE).await?;
        let mut ids: Vec<ProductId> = orders
            .iter()
            .flat_map(|o| o.lines.iter().filter_map(|l| l.product_id))
            .collect();
        ids.sort_by_key(|p| p.0);
        ids.dedup();
        let products = self.store.products_by_refs(&ids, &[]).await?;
        let (settings, _) = self.fulfilment_settings().await?;
        let mut work = WarehouseWork::default();
        for order in orders {
            let mine = products
                .iter()
                .filter(|p| order.lines.iter().any(|l| l.product_id == Some(p.id)));
            let waits_for_inspection = inspected(mine, &settings.inspect_categories)
                && !order.inspections.last().is_some_and(|i| i.passed);
            let open = (0..order.lines.len()).any(|l| order.open_to_release(l) > 0);
            if waits_for_inspection {
                work.to_inspect.push(order);
            } else if open {
                work.to_pick.push(order);
            }
        }
        work.to_ship = self.store.released_deliveries(QUEUE).await?;
        Ok(work)
    }
}
