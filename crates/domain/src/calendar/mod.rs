//! Business calendars: the working hours of a week in a time zone, minus holidays. Deadlines and
//! service levels count business time, so "4 business hours" from Thursday 16:30 before a
//! Christmas Friday ends on Monday (SPEC: timers and deadlines).
//!
//! Pure: the caller passes every instant; days are walked in the calendar's zone, so daylight
//! saving changes lengthen or shorten a working day as the clock on the wall does.

mod spec;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

pub use spec::{CalendarSpec, DayHours};

/// Minutes since local midnight: a working interval is `[start, end)`, `end` ≤ 24:00.
pub type Interval = (u16, u16);

/// How far `add_business` looks ahead for working time before it gives up (ten years).
const HORIZON_DAYS: usize = 3660;

#[derive(Debug, Clone)]
pub struct Calendar {
    zone: TimeZone,
    /// Working intervals per weekday, Monday first; sorted, not overlapping.
    week: [Vec<Interval>; 7],
    holidays: BTreeSet<Date>,
}

impl Calendar {
    /// A calendar from checked parts; see `CalendarSpec::parse` for the validated way in.
    fn new(zone: TimeZone, week: [Vec<Interval>; 7], holidays: BTreeSet<Date>) -> Self {
        Self {
            zone,
            week,
            holidays,
        }
    }

    /// The instant `duration` of working time after `start` (which may lie outside working
    /// hours: counting begins with the next working moment). `None` only when no working time
    /// is left within ten years, e.g. every day a holiday.
    pub fn add_business(&self, start: Timestamp, duration: SignedDuration) -> Option<Timestamp> {
        if duration <= SignedDuration::ZERO {
            return Some(start);
        }
        let mut left = duration;
        let mut day = start.to_zoned(self.zone.clone()).date();
        for _ in 0..HORIZON_DAYS {
            for (from, to) in self.working_spans(day) {
                let from = from.max(start);
                if from >= to {
                    continue;
                }
                let available = to.duration_since(from);
                if left <= available {
                    return from.checked_add(left).ok();
                }
                left -= available;
            }
            day = day.tomorrow().ok()?;
        }
        None
    }

    /// Working time between `a` and `b` (zero when `b` is not after `a`).
    pub fn business_elapsed(&self, a: Timestamp, b: Timestamp) -> SignedDuration {
        let mut total = SignedDuration::ZERO;
        if b <= a {
            return total;
        }
        let mut day = a.to_zoned(self.zone.clone()).date();
        let last = b.to_zoned(self.zone.clone()).date();
        while day <= last {
            for (from, to) in self.working_spans(day) {
                let (from, to) = (from.max(a), to.min(b));
                if from < to {
                    total += to.duration_since(from);
                }
            }
            let Ok(next) = day.tomorrow() else { break };
            day = next;
        }
        total
    }

    /// Whether `at` falls in working time.
    pub fn is_working(&self, at: Timestamp) -> bool {
        let day = at.to_zoned(self.zone.clone()).date();
        self.working_spans(day)
            .into_iter()
            .any(|(from, to)| from <= at && at < to)
    }

    /// The working intervals of one local day as instants; none on holidays.
    fn working_spans(&self, day: Date) -> Vec<(Timestamp, Timestamp)> {
        if self.holidays.contains(&day) {
            return Vec::new();
        }
        let weekday = usize::try_from(day.weekday().to_monday_zero_offset()).unwrap_or(0);
        self.week[weekday]
            .iter()
            .filter_map(|&(from, to)| Some((self.instant(day, from)?, self.instant(day, to)?)))
            .collect()
    }

    /// `minutes` after local midnight of `day` (24:00 is the next midnight). Wall-clock times a
    /// daylight saving change skips are read as the instant after the gap.
    fn instant(&self, day: Date, minutes: u16) -> Option<Timestamp> {
        let (day, minutes) = match minutes {
            1440 => (day.tomorrow().ok()?, 0),
            m => (day, m),
        };
        let hour = i8::try_from(minutes / 60).ok()?;
        let minute = i8::try_from(minutes % 60).ok()?;
        let local = day.at(hour, minute, 0, 0);
        Some(local.to_zoned(self.zone.clone()).ok()?.timestamp())
    }
}
