//! A calendar as people write it (settings, API): a time zone, hours per weekday as text
//! ("09:00-12:00, 13:00-17:00") and holidays as dates; checked into a `Calendar`.

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

use super::{Calendar, Interval};
use crate::ValidationErrors;

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CalendarSpec {
    /// IANA time zone name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    /// Working hours per weekday; a day not listed is a day off.
    pub days: Vec<DayHours>,
    /// Days off, `YYYY-MM-DD`.
    #[serde(default)]
    pub holidays: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DayHours {
    /// `monday` … `sunday`.
    pub day: String,
    /// Working intervals, comma-separated: `09:00-12:00, 13:00-17:00`; `24:00` ends the day.
    pub hours: String,
}

impl CalendarSpec {
    /// Monday to Friday, 09:00 to 17:00, no holidays.
    pub fn office_hours(time_zone: &str) -> Self {
        Self {
            time_zone: time_zone.into(),
            days: WEEKDAYS[..5]
                .iter()
                .map(|day| DayHours {
                    day: (*day).into(),
                    hours: "09:00-17:00".into(),
                })
                .collect(),
            holidays: Vec::new(),
        }
    }

    /// The calendar, or every problem with its field: `time_zone`, `days[i].day`,
    /// `days[i].hours`, `holidays[i]`.
    pub fn parse(&self) -> Result<Calendar, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let zone = TimeZone::get(self.time_zone.trim()).ok();
        if zone.is_none() {
            errors.add(
                "time_zone",
                "invalid_time_zone",
                "must be a time zone name such as Europe/Berlin",
            );
        }
        let mut week: [Vec<Interval>; 7] = Default::default();
        let mut seen = [false; 7];
        for (i, day) in self.days.iter().enumerate() {
            let name = day.day.trim().to_ascii_lowercase();
            let Some(index) = WEEKDAYS.iter().position(|d| *d == name) else {
                errors.add(
                    &format!("days[{i}].day"),
                    "invalid_choice",
                    "must be a weekday: monday … sunday",
                );
                continue;
            };
            if std::mem::replace(&mut seen[index], true) {
                errors.add(&format!("days[{i}].day"), "duplicate", "is listed twice");
                continue;
            }
            match intervals(&day.hours) {
                Ok(list) => week[index] = list,
                Err(detail) => errors.add(&format!("days[{i}].hours"), "invalid_hours", detail),
            }
        }
        let mut holidays = BTreeSet::new();
        for (i, raw) in self.holidays.iter().enumerate() {
            match raw.trim().parse::<Date>() {
                Ok(date) => {
                    holidays.insert(date);
                }
                Err(_) => errors.add(
                    &format!("holidays[{i}]"),
                    "invalid_date",
                    "must be a date: YYYY-MM-DD",
                ),
            }
        }
        if errors.0.is_empty() && week.iter().all(Vec::is_empty) {
            errors.add(
                "days",
                "no_working_time",
                "needs working hours on at least one day",
            );
        }
        errors.into_result()?;
        let zone = zone.unwrap_or(TimeZone::UTC);
        Ok(Calendar::new(zone, week, holidays))
    }
}

/// `09:00-12:00, 13:00-17:00` → sorted, non-overlapping minute intervals; empty text: none.
fn intervals(text: &str) -> Result<Vec<Interval>, String> {
    let mut list = Vec::new();
    for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let bad = || format!("{part:?} is not an interval like 09:00-17:00");
        let (from, to) = part.split_once('-').ok_or_else(bad)?;
        let (from, to) = (minutes(from).ok_or_else(bad)?, minutes(to).ok_or_else(bad)?);
        if from >= to || from == 1440 {
            return Err(format!("{part:?} must end after it starts"));
        }
        list.push((from, to));
    }
    list.sort_unstable();
    if list.windows(2).any(|w| w[1].0 < w[0].1) {
        return Err("the intervals overlap".into());
    }
    Ok(list)
}

/// `HH:MM` as minutes after midnight, up to `24:00`.
fn minutes(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    let total = h * 60 + m;
    (m < 60 && total <= 1440).then_some(total)
}
