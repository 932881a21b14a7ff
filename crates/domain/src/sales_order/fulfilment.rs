//! An order's way out of the warehouse: quality inspection (when its products' category asks
//! for it), release of quantities for picking, and shipping them — partially or in full.

use super::{OrderStatus, Reservation, SalesOrder};
use crate::changes::{self, FieldChange};
use crate::event::Change;
use crate::ids::UserId;
use crate::quote::lines::quantity_text;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// How far one order line has come, in thousandths of a unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct LineProgress {
    pub released_milli: i64,
    pub shipped_milli: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Inspection {
    pub passed: bool,
    pub notes: Option<String>,
    #[schema(value_type = String, format = Uuid)]
    pub by: UserId,
    #[schema(value_type = String, format = DateTime)]
    pub at: Timestamp,
}

/// What a release took: (order line, quantity) pairs.
pub type Released = Vec<(usize, i64)>;

/// A quantity of one line to release for picking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct ReleaseRequest {
    pub line: usize,
    pub quantity_milli: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FulfilmentError {
    #[error("a {0} order cannot be picked or shipped")]
    WrongStatus(&'static str),
    #[error("this order's products need a passed quality inspection before picking")]
    InspectionRequired,
    #[error("the last quality inspection failed; a new one must pass before picking")]
    InspectionFailed,
    #[error("line {line}: only {open} left to release")]
    TooMuch { line: usize, open: String },
    #[error("line {0} does not exist")]
    UnknownLine(usize),
    #[error("nothing is left to release")]
    NothingToRelease,
}

impl SalesOrder {
    fn in_fulfilment(&self) -> Result<(), FulfilmentError> {
        match self.status {
            OrderStatus::Confirmed | OrderStatus::PartiallyShipped => Ok(()),
            other => Err(FulfilmentError::WrongStatus(other.as_str())),
        }
    }

    pub fn progress_of(&self, line: usize) -> LineProgress {
        self.progress.get(line).copied().unwrap_or_default()
    }

    /// Ordered minus released so far.
    pub fn open_to_release(&self, line: usize) -> i64 {
        let ordered = self.lines.get(line).map_or(0, |l| l.quantity_milli);
        ordered - self.progress_of(line).released_milli
    }

    /// Records an inspection; a failed one blocks picking until a new one passes.
    pub fn inspect(
        &self,
        passed: bool,
        notes: Option<String>,
        by: UserId,
        now: Timestamp,
    ) -> Result<(Self, Change), FulfilmentError> {
        self.in_fulfilment()?;
        let mut next = self.clone();
        next.inspections.push(Inspection {
            passed,
            notes: notes.clone(),
            by,
            at: now,
        });
        next.meta = self.meta.next(now);
        let fields = vec![
            FieldChange {
                field: "inspection".into(),
                old: None,
                new: Some(if passed { "passed" } else { "failed" }.into()),
            },
            FieldChange {
                field: "notes".into(),
                old: None,
                new: notes,
            },
        ];
        let activity = if passed {
            "inspection_passed"
        } else {
            "inspection_failed"
        };
        Ok((next, Change::new(activity, fields)))
    }

    /// Releases quantities for picking (all that is open when `requests` is empty); returns
    /// the order and the released (line, quantity) pairs.
    pub fn release(
        &self,
        requests: &[ReleaseRequest],
        needs_inspection: bool,
        now: Timestamp,
    ) -> Result<(Self, Change, Released), FulfilmentError> {
        self.in_fulfilment()?;
        if needs_inspection {
            match self.inspections.last() {
                None => return Err(FulfilmentError::InspectionRequired),
                Some(i) if !i.passed => return Err(FulfilmentError::InspectionFailed),
                Some(_) => {}
            }
        }
        let wanted: Vec<(usize, i64)> = if requests.is_empty() {
            (0..self.lines.len())
                .map(|l| (l, self.open_to_release(l)))
                .filter(|(_, q)| *q > 0)
                .collect()
        } else {
            requests
                .iter()
                .map(|r| (r.line, r.quantity_milli))
                .collect()
        };
        let mut next = self.clone();
        next.progress
            .resize(self.lines.len(), LineProgress::default());
        for (line, quantity) in &wanted {
            if *line >= self.lines.len() {
                return Err(FulfilmentError::UnknownLine(*line));
            }
            let open = next.open_to_release(*line);
            if *quantity <= 0 || *quantity > open {
                return Err(FulfilmentError::TooMuch {
                    line: *line,
                    open: quantity_text(open),
                });
            }
            next.progress[*line].released_milli += quantity;
        }
        if wanted.is_empty() {
            return Err(FulfilmentError::NothingToRelease);
        }
        next.meta = self.meta.next(now);
        let released: Vec<String> = wanted
            .iter()
            .map(|(l, q)| format!("{} x {}", quantity_text(*q), self.lines[*l].description))
            .collect();
        let change = Change::new(
            "released",
            vec![FieldChange {
                field: "released".into(),
                old: None,
                new: Some(released.join("; ")),
            }],
        );
        Ok((next, change, wanted))
    }

    /// Stock reserved later for released lines (backorders whose stock came in).
    pub fn with_more_reserved(
        mut self,
        reserved: Vec<Reservation>,
        mut change: Change,
    ) -> (Self, Change) {
        let mut notes = Vec::new();
        for r in reserved {
            notes.push(format!(
                "{} for line {}",
                quantity_text(r.reserved_milli),
                r.line + 1
            ));
            match self.reservations.iter_mut().find(|x| x.line == r.line) {
                Some(x) => {
                    x.reserved_milli += r.reserved_milli;
                    x.backorder_milli = (x.backorder_milli - r.reserved_milli).max(0);
                }
                None => self.reservations.push(r),
            }
        }
        if !notes.is_empty() {
            change.fields.push(FieldChange {
                field: "reserved".into(),
                old: None,
                new: Some(notes.join("; ")),
            });
        }
        (self, change)
    }

    /// Goods of a delivery left: shipped quantities grow and the status follows.
    pub fn shipped(&self, lines: &[(usize, i64)], now: Timestamp) -> (Self, Change) {
        let mut next = self.clone();
        next.progress
            .resize(self.lines.len(), LineProgress::default());
        for (line, quantity) in lines {
            if let Some(p) = next.progress.get_mut(*line) {
                p.shipped_milli += quantity;
            }
        }
        let all = self
            .lines
            .iter()
            .enumerate()
            .all(|(i, l)| next.progress[i].shipped_milli >= l.quantity_milli);
        next.status = if all {
            OrderStatus::Shipped
        } else {
            OrderStatus::PartiallyShipped
        };
        next.meta = self.meta.next(now);
        let fields = changes::diff(self, &next);
        let change = Change::transition(
            "shipped",
            self.status.as_str(),
            next.status.as_str(),
            fields,
        );
        (next, change)
    }
}
