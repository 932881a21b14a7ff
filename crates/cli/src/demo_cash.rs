//! The demo company's order-to-cash work: stock in the warehouse, and its sales orders walked on
//! through confirmation, picking, shipping, invoicing and payment — some left at each step, so
//! every warehouse and finance page has something to show. Made through the same use cases as
//! the pages and the API.

use anyhow::Result;
use salesflow_app::fulfilment::ReleaseOrder;
use salesflow_app::invoices::PostInvoice;
use salesflow_app::list::ListParams;
use salesflow_app::stock::ConfirmOrder;
use salesflow_app::{Actor, App};
use salesflow_domain::delivery::ShipInput;
use salesflow_domain::payment::{AllocationInput, PaymentInput};
use salesflow_domain::sales_order::SalesOrder;
use salesflow_domain::stock::{MoveKind, StockEntry};

use crate::admin::describe;

/// Who does the work: sales manager (confirms), warehouse (picks, ships), finance (invoices).
pub struct Staff<'a> {
    pub manager: &'a Actor,
    pub warehouse: &'a Actor,
    pub finance: &'a Actor,
}

/// How far each order goes, in the order the orders were made.
#[derive(Clone, Copy, PartialEq, PartialOrd)]
enum Reach {
    New,
    Confirmed,
    Released,
    Shipped,
    Posted,
    PartlyPaid,
    Paid,
}

const PLAN: [Reach; 10] = [
    Reach::Paid,
    Reach::Paid,
    Reach::PartlyPaid,
    Reach::Posted,
    Reach::Posted,
    Reach::Shipped,
    Reach::Released,
    Reach::Confirmed,
    Reach::Confirmed,
    Reach::New,
];

async fn receive_stock(app: &App, warehouse: &Actor) -> Result<()> {
    let skus = vec!["SENSOR".to_string(), "HANDBOOK".to_string()];
    for product in app.store.products_by_refs(&[], &skus).await? {
        let entry = StockEntry {
            product_id: product.id.to_string(),
            warehouse_id: None,
            quantity: "400".into(),
            note: Some("Opening stock".into()),
        };
        app.stock_entry(warehouse, MoveKind::Receipt, &entry)
            .await
            .map_err(describe)?;
    }
    Ok(())
}

/// Walks one order as far as `reach`; returns the invoices it posted.
async fn walk(app: &App, staff: &Staff<'_>, order: &SalesOrder, reach: Reach) -> Result<usize> {
    if reach == Reach::New {
        return Ok(0);
    }
    let confirm = ConfirmOrder {
        version: order.meta.version,
        warehouse_id: None,
        invoice_policy: None,
    };
    let (confirmed, draft) = app
        .confirm_order(staff.manager, order.id.0, &confirm)
        .await
        .map_err(describe)?;
    if reach == Reach::Confirmed {
        return Ok(0);
    }
    let release = ReleaseOrder {
        version: confirmed.meta.version,
        lines: None,
    };
    let delivery = app
        .release_order(staff.warehouse, order.id.0, &release)
        .await
        .map_err(describe)?;
    if reach == Reach::Released {
        return Ok(0);
    }
    let ship = ShipInput {
        version: delivery.meta.version,
        carrier: Some("DHL Express".into()),
        tracking: Some(format!("JD01460000{}", &order.number[3..])),
    };
    app.ship_delivery(staff.warehouse, delivery.id.0, &ship)
        .await
        .map_err(describe)?;
    let Some(draft) = draft.filter(|_| reach >= Reach::Posted) else {
        return Ok(0);
    };
    let posted = app
        .post_invoice(
            staff.finance,
            draft.id.0,
            &PostInvoice {
                version: draft.meta.version,
            },
        )
        .await
        .map_err(describe)?
        .invoice;
    let amount = match reach {
        Reach::Paid => Some(posted.total.clone()),
        // About a third, in whole currency units.
        Reach::PartlyPaid => Some(format!("{}.00", posted.totals.payable_minor / 300)),
        _ => None,
    };
    if let Some(amount) = amount {
        let payment = PaymentInput {
            account_id: posted.account_id.to_string(),
            amount,
            reference: Some(format!(
                "Bank transfer {}",
                posted.number.clone().unwrap_or_default()
            )),
            invoices: Some(vec![AllocationInput {
                invoice_id: posted.id.to_string(),
                amount: None,
            }]),
            ..Default::default()
        };
        app.record_payment(staff.finance, &payment)
            .await
            .map_err(describe)?;
    }
    Ok(1)
}

/// Stock, then the demo's orders (oldest first) walked on by `PLAN`; returns invoices posted.
pub async fn fill(app: &App, admin: &Actor, staff: &Staff<'_>) -> Result<usize> {
    receive_stock(app, staff.warehouse).await?;
    let params = ListParams {
        sort: Some("created_at".into()),
        dir: Some("asc".into()),
        limit: Some(PLAN.len() as u32),
        ..Default::default()
    };
    let orders = app
        .list::<SalesOrder>(admin, &params)
        .await
        .map_err(describe)?
        .items;
    let mut invoices = 0;
    for (order, reach) in orders.iter().zip(PLAN) {
        invoices += walk(app, staff, order, reach).await?;
    }
    Ok(invoices)
}
