//! Deliveries (the sales receipt / delivery note): what a pick release takes out of an order
//! for the warehouse to pick, numbered and printable, then shipped with carrier and tracking.

use crate::changes::{self, Fields};
use crate::event::Change;
use crate::ids::{AccountId, ContactId, DeliveryId, ProductId, SalesOrderId, WarehouseId};
use crate::quote::lines::quantity_text;
use crate::record::RecordMeta;
use crate::sales_order::SalesOrder;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Released for picking.
    Released,
    Shipped,
}

string_enum!(DeliveryStatus { Released => "released", Shipped => "shipped" });

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DeliveryLine {
    /// Index of the order line.
    pub line: usize,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub product_id: Option<ProductId>,
    pub sku: Option<String>,
    pub description: String,
    pub unit: String,
    pub quantity_milli: i64,
    /// Kept in stock: shipping takes it out of the warehouse.
    pub stocked: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    #[schema(value_type = String, format = Uuid)]
    pub id: DeliveryId,
    pub number: String,
    pub status: DeliveryStatus,
    #[schema(value_type = String, format = Uuid)]
    pub order_id: SalesOrderId,
    pub order_number: String,
    #[schema(value_type = String, format = Uuid)]
    pub account_id: AccountId,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub contact_id: Option<ContactId>,
    #[schema(value_type = String, format = Uuid)]
    pub case_id: Uuid,
    #[schema(value_type = String, format = Uuid)]
    pub warehouse_id: WarehouseId,
    pub lines: Vec<DeliveryLine>,
    pub carrier: Option<String>,
    pub tracking: Option<String>,
    #[schema(value_type = Option<String>, format = DateTime)]
    pub shipped_at: Option<Timestamp>,
    #[serde(flatten)]
    pub meta: RecordMeta,
}

/// Shipping a released delivery.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipInput {
    pub version: i64,
    pub carrier: Option<String>,
    pub tracking: Option<String>,
}

/// Deliveries change only by shipping; their owner can be changed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DeliveryInput {
    pub owner_id: Option<String>,
    pub version: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShipError {
    #[error("this delivery has already shipped")]
    AlreadyShipped,
    #[error("{0} is too long (at most 100 characters)")]
    TooLong(&'static str),
}

impl Fields for Delivery {
    fn fields(&self) -> Vec<(&'static str, Option<String>)> {
        let lines: Vec<String> = self
            .lines
            .iter()
            .map(|l| format!("{} x {}", quantity_text(l.quantity_milli), l.description))
            .collect();
        vec![
            ("number", Some(self.number.clone())),
            ("status", Some(self.status.to_string())),
            ("order", Some(self.order_number.clone())),
            ("lines", Some(lines.join("; "))),
            ("carrier", self.carrier.clone()),
            ("tracking", self.tracking.clone()),
            ("owner_id", Some(self.meta.owner_id.to_string())),
            ("archived", Some(self.meta.archived.to_string())),
        ]
    }
}

impl Delivery {
    /// The delivery a pick release makes of an order's released quantities.
    pub fn released(
        id: DeliveryId,
        number: String,
        order: &SalesOrder,
        warehouse_id: WarehouseId,
        released: &[(usize, i64)],
        stocked: &[ProductId],
        now: Timestamp,
    ) -> (Self, Change) {
        let lines = released
            .iter()
            .filter_map(|(i, quantity)| {
                let l = order.lines.get(*i)?;
                Some(DeliveryLine {
                    line: *i,
                    product_id: l.product_id,
                    sku: l.sku.clone(),
                    description: l.description.clone(),
                    unit: l.unit.clone(),
                    quantity_milli: *quantity,
                    stocked: l.product_id.is_some_and(|p| stocked.contains(&p)),
                })
            })
            .collect();
        let delivery = Self {
            id,
            number,
            status: DeliveryStatus::Released,
            order_id: order.id,
            order_number: order.number.clone(),
            account_id: order.account_id,
            contact_id: order.contact_id,
            case_id: order.case_id,
            warehouse_id,
            lines,
            carrier: None,
            tracking: None,
            shipped_at: None,
            meta: RecordMeta::new(order.meta.owner_id, order.meta.team_id, now),
        };
        let change = Change::transition(
            "released",
            "",
            DeliveryStatus::Released.as_str(),
            changes::created(&delivery),
        );
        (delivery, change)
    }

    pub fn ship(&self, input: &ShipInput, now: Timestamp) -> Result<(Self, Change), ShipError> {
        if self.status == DeliveryStatus::Shipped {
            return Err(ShipError::AlreadyShipped);
        }
        let text = |field: &'static str, raw: &Option<String>| match raw
            .as_deref()
            .map(str::trim)
            .filter(|v| !v.is_empty())
        {
            Some(v) if v.chars().count() > 100 => Err(ShipError::TooLong(field)),
            v => Ok(v.map(str::to_string)),
        };
        let mut next = self.clone();
        next.carrier = text("carrier", &input.carrier)?;
        next.tracking = text("tracking", &input.tracking)?;
        next.status = DeliveryStatus::Shipped;
        next.shipped_at = Some(now);
        next.meta = self.meta.next(now);
        let fields = changes::diff(self, &next);
        Ok((
            next,
            Change::transition("shipped", "released", "shipped", fields),
        ))
    }

    /// (order line, quantity) pairs this delivery carries.
    pub fn quantities(&self) -> Vec<(usize, i64)> {
        self.lines
            .iter()
            .map(|l| (l.line, l.quantity_milli))
            .collect()
    }
}

impl crate::record::Owned for Delivery {
    type Details = ();

    fn meta_mut(&mut self) -> &mut RecordMeta {
        &mut self.meta
    }

    fn with_details(&self, _: ()) -> Self {
        self.clone()
    }
}
