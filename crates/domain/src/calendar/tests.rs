use jiff::{SignedDuration, Timestamp};
use proptest::prelude::*;

use super::{Calendar, CalendarSpec, DayHours};

/// Mon–Fri 09–12 and 13–17 in Berlin, Christmas Day off.
fn berlin() -> Calendar {
    let mut spec = CalendarSpec::office_hours("Europe/Berlin");
    for day in &mut spec.days {
        day.hours = "09:00-12:00, 13:00-17:00".into();
    }
    spec.holidays = vec!["2026-12-25".into()];
    spec.parse().expect("calendar")
}

/// A local Berlin time as an instant.
fn at(local: &str) -> Timestamp {
    format!("{local}[Europe/Berlin]")
        .parse::<jiff::Zoned>()
        .expect("time")
        .timestamp()
}

fn hours(h: f64) -> SignedDuration {
    SignedDuration::from_secs_f64(h * 3600.0)
}

#[test]
fn four_business_hours_before_christmas_end_on_monday() {
    let c = berlin();
    let due = c.add_business(at("2026-12-24T16:30"), hours(4.0));
    assert_eq!(due, Some(at("2026-12-28T13:30")));
    assert_eq!(
        c.business_elapsed(at("2026-12-24T16:30"), at("2026-12-28T13:30")),
        hours(4.0)
    );
}

#[test]
fn counting_starts_with_the_next_working_moment() {
    let c = berlin();
    // Saturday night: Monday 09:00 plus one hour.
    assert_eq!(
        c.add_business(at("2026-12-05T23:00"), hours(1.0)),
        Some(at("2026-12-07T10:00"))
    );
    // In the lunch break: 13:00 plus 30 minutes.
    assert_eq!(
        c.add_business(at("2026-12-07T12:10"), hours(0.5)),
        Some(at("2026-12-07T13:30"))
    );
    // Ending exactly when the morning ends stays in the morning.
    assert_eq!(
        c.add_business(at("2026-12-07T09:00"), hours(3.0)),
        Some(at("2026-12-07T12:00"))
    );
    assert!(c.is_working(at("2026-12-07T11:59")));
    assert!(!c.is_working(at("2026-12-07T12:00")));
    assert!(!c.is_working(at("2026-12-25T10:00")));
    assert_eq!(
        c.add_business(at("2026-12-07T10:00"), SignedDuration::ZERO),
        Some(at("2026-12-07T10:00"))
    );
}

#[test]
fn elapsed_time_counts_only_working_hours() {
    let c = berlin();
    // A full working week: 5 × 7 h.
    assert_eq!(
        c.business_elapsed(at("2026-12-07T00:00"), at("2026-12-14T00:00")),
        hours(35.0)
    );
    assert_eq!(
        c.business_elapsed(at("2026-12-14T00:00"), at("2026-12-07T00:00")),
        SignedDuration::ZERO
    );
}

#[test]
fn daylight_saving_changes_the_length_of_a_day_as_on_the_wall() {
    let spec = CalendarSpec {
        time_zone: "Europe/Berlin".into(),
        days: ["saturday", "sunday"]
            .iter()
            .map(|d| DayHours {
                day: (*d).into(),
                hours: "00:00-24:00".into(),
            })
            .collect(),
        holidays: Vec::new(),
    };
    let c = spec.parse().unwrap();
    // 2026-03-29 has 23 hours in Berlin, 2026-10-25 has 25.
    assert_eq!(
        c.business_elapsed(at("2026-03-29T00:00"), at("2026-03-30T00:00")),
        hours(23.0)
    );
    assert_eq!(
        c.business_elapsed(at("2026-10-25T00:00"), at("2026-10-26T00:00")),
        hours(25.0)
    );
}

#[test]
fn bad_calendars_name_every_field() {
    let spec = CalendarSpec {
        time_zone: "Mars/Olympus".into(),
        days: vec![
            DayHours {
                day: "funday".into(),
                hours: "09:00-17:00".into(),
            },
            DayHours {
                day: "monday".into(),
                hours: "09:00-12:00, 11:00-15:00".into(),
            },
            DayHours {
                day: "Tuesday".into(),
                hours: "17:00-09:00".into(),
            },
            DayHours {
                day: "tuesday".into(),
                hours: "".into(),
            },
            DayHours {
                day: "friday".into(),
                hours: "9-5".into(),
            },
        ],
        holidays: vec!["2026-02-30".into()],
    };
    let errors = spec.parse().unwrap_err();
    let got: Vec<(&str, &str)> = errors
        .0
        .iter()
        .map(|e| (e.field.as_str(), e.code))
        .collect();
    assert_eq!(
        got,
        [
            ("time_zone", "invalid_time_zone"),
            ("days[0].day", "invalid_choice"),
            ("days[1].hours", "invalid_hours"),
            ("days[2].hours", "invalid_hours"),
            ("days[3].day", "duplicate"),
            ("days[4].hours", "invalid_hours"),
            ("holidays[0]", "invalid_date"),
        ]
    );
    let idle = CalendarSpec {
        days: Vec::new(),
        ..CalendarSpec::office_hours("UTC")
    };
    assert_eq!(idle.parse().unwrap_err().0[0].code, "no_working_time");
}

#[test]
fn a_calendar_without_working_days_ahead_gives_up() {
    let mut spec = CalendarSpec::office_hours("UTC");
    spec.days.truncate(1);
    // Every Monday for eleven years is a holiday.
    let mut day: jiff::civil::Date = "2026-12-07".parse().unwrap();
    for _ in 0..600 {
        spec.holidays.push(day.to_string());
        day = day.checked_add(jiff::Span::new().days(7)).unwrap();
    }
    let c = spec.parse().unwrap();
    assert_eq!(c.add_business(at("2026-12-06T10:00"), hours(1.0)), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    /// Adding business time and measuring it back agree to the second, whatever the start.
    #[test]
    fn adding_and_measuring_agree(start in 1_767_225_600i64..1_830_297_600, minutes in 0i64..20_000) {
        let c = berlin();
        let start = Timestamp::from_second(start).unwrap();
        let d = SignedDuration::from_mins(minutes);
        let due = c.add_business(start, d).unwrap();
        prop_assert!(due >= start);
        prop_assert_eq!(c.business_elapsed(start, due), d);
        if minutes > 0 {
            // A deadline falls inside working time, or exactly where an interval ends.
            let just_before = due.checked_sub(SignedDuration::from_secs(1)).unwrap();
            prop_assert!(c.is_working(just_before));
        }
    }

    /// Elapsed business time adds up over consecutive spans and never exceeds wall time.
    #[test]
    fn elapsed_time_adds_up(a in 1_767_225_600i64..1_830_297_600, x in 0i64..2_000_000, y in 0i64..2_000_000) {
        let c = berlin();
        let a = Timestamp::from_second(a).unwrap();
        let b = a.checked_add(SignedDuration::from_secs(x)).unwrap();
        let d = b.checked_add(SignedDuration::from_secs(y)).unwrap();
        let whole = c.business_elapsed(a, d);
        prop_assert_eq!(c.business_elapsed(a, b) + c.business_elapsed(b, d), whole);
        prop_assert!(whole <= d.duration_since(a));
    }
}
