//! Stock: an immutable ledger of moves per product and warehouse, from which every balance
//! (on hand, reserved, available) can be re-derived. Balances never go negative: a move that
//! would make them so is refused.

use crate::error::{FieldError, ValidationErrors};
use crate::ids::{ProductId, SalesOrderId, StockMoveId, UserId, WarehouseId};
use crate::line_item::quantity_milli;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MoveKind {
    /// Goods arrive: on hand up.
    Receipt,
    /// An order holds goods: reserved up.
    Reservation,
    /// An order lets go of held goods: reserved down.
    Release,
    /// Goods leave for a customer: on hand and reserved down.
    Shipment,
    /// Goods come back from a customer: on hand up.
    Return,
    /// A count corrected: on hand up or down.
    Adjustment,
}

string_enum!(MoveKind {
    Receipt => "receipt", Reservation => "reservation", Release => "release",
    Shipment => "shipment", Return => "return", Adjustment => "adjustment",
});

/// Quantities in thousandths of a unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Balance {
    pub on_hand_milli: i64,
    pub reserved_milli: i64,
}

impl Balance {
    pub fn available_milli(&self) -> i64 {
        self.on_hand_milli - self.reserved_milli
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    #[error("only {available} available, {wanted} needed")]
    Insufficient { available: i64, wanted: i64 },
    #[error("more would be released or shipped than is reserved")]
    NotReserved,
    #[error("the stock on hand cannot go below zero")]
    Negative,
}

impl MoveKind {
    /// How a move of `quantity` changes (on hand, reserved).
    pub fn effect(self, quantity: i64) -> (i64, i64) {
        match self {
            MoveKind::Receipt | MoveKind::Return | MoveKind::Adjustment => (quantity, 0),
            MoveKind::Reservation => (0, quantity),
            MoveKind::Release => (0, -quantity),
            MoveKind::Shipment => (-quantity, -quantity),
        }
    }
}

impl Balance {
    /// The balance after a move, or why the move is refused.
    pub fn after(self, kind: MoveKind, quantity: i64) -> Result<Balance, StockError> {
        let (hand, reserved) = kind.effect(quantity);
        let next = Balance {
            on_hand_milli: self.on_hand_milli + hand,
            reserved_milli: self.reserved_milli + reserved,
        };
        if kind == MoveKind::Reservation && next.available_milli() < 0 {
            return Err(StockError::Insufficient {
                available: self.available_milli(),
                wanted: quantity,
            });
        }
        if next.reserved_milli < 0 {
            return Err(StockError::NotReserved);
        }
        if next.on_hand_milli < 0 || next.available_milli() < 0 {
            return Err(StockError::Negative);
        }
        Ok(next)
    }

    /// The balance a list of moves adds up to (the ledger re-derived).
    pub fn of_moves<'a>(moves: impl IntoIterator<Item = &'a StockMove>) -> Balance {
        moves.into_iter().fold(Balance::default(), |b, m| {
            let (hand, reserved) = m.kind.effect(m.quantity_milli);
            Balance {
                on_hand_milli: b.on_hand_milli + hand,
                reserved_milli: b.reserved_milli + reserved,
            }
        })
    }
}

/// One row of the ledger; never changed once written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StockMove {
    #[schema(value_type = String, format = Uuid)]
    pub id: StockMoveId,
    #[schema(value_type = String, format = Uuid)]
    pub product_id: ProductId,
    #[schema(value_type = String, format = Uuid)]
    pub warehouse_id: WarehouseId,
    pub kind: MoveKind,
    /// Thousandths of a unit; negative only for adjustments that lower the count.
    pub quantity_milli: i64,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub order_id: Option<SalesOrderId>,
    pub note: Option<String>,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
    #[schema(value_type = Option<String>, format = Uuid)]
    pub actor_id: Option<UserId>,
}

/// A receipt or adjustment as entered.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockEntry {
    pub product_id: String,
    /// The default warehouse when omitted.
    pub warehouse_id: Option<String>,
    /// Decimal with up to three places; an adjustment may be negative.
    pub quantity: String,
    /// Why (required for adjustments).
    pub note: Option<String>,
}

/// Parses an entry's quantity: positive for receipts, non-zero for adjustments.
pub fn entry_quantity(raw: &str, signed: bool) -> Result<i64, ValidationErrors> {
    let raw = raw.trim();
    let (negative, digits) = match raw.strip_prefix('-') {
        Some(rest) if signed => (true, rest),
        _ => (false, raw),
    };
    let bad = || {
        ValidationErrors(vec![FieldError::new(
            "quantity",
            "invalid_quantity",
            if signed {
                "a non-zero number with up to three decimals"
            } else {
                "a positive number with up to three decimals"
            },
        )])
    };
    let q = quantity_milli(digits)
        .filter(|q| *q <= 1_000_000_000_000)
        .ok_or_else(bad)?;
    Ok(if negative { -q } else { q })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn balances_never_go_negative() {
        let b = Balance::default().after(MoveKind::Receipt, 2000).unwrap();
        let b = b.after(MoveKind::Reservation, 1500).unwrap();
        assert_eq!(b.available_milli(), 500);
        assert_eq!(
            b.after(MoveKind::Reservation, 501),
            Err(StockError::Insufficient {
                available: 500,
                wanted: 501
            })
        );
        assert_eq!(
            b.after(MoveKind::Adjustment, -600),
            Err(StockError::Negative)
        );
        assert_eq!(
            b.after(MoveKind::Release, 1501),
            Err(StockError::NotReserved)
        );
        let shipped = b.after(MoveKind::Shipment, 1500).unwrap();
        assert_eq!((shipped.on_hand_milli, shipped.reserved_milli), (500, 0));
    }

    #[test]
    fn entry_quantities_are_checked() {
        assert_eq!(entry_quantity("2.5", false), Ok(2500));
        assert_eq!(entry_quantity("-1", true), Ok(-1000));
        assert!(entry_quantity("-1", false).is_err());
        assert!(entry_quantity("0", true).is_err());
        assert!(entry_quantity("abc", true).is_err());
    }
}
