use jiff::Timestamp;

use super::*;
use crate::calendar::DayHours;

fn berlin() -> CalendarSpec {
    CalendarSpec {
        time_zone: "Europe/Berlin".into(),
        days: ["monday", "tuesday", "wednesday", "thursday", "friday"]
            .iter()
            .map(|d| DayHours {
                day: (*d).into(),
                hours: "09:00-12:00, 13:00-17:00".into(),
            })
            .collect(),
        holidays: vec!["2026-12-25".into()],
    }
}

fn rule(start: &str, stop: &[&str], hours: u32) -> DeadlineRule {
    DeadlineRule {
        key: "ship".into(),
        name: "Ship the order".into(),
        start: start.into(),
        stop: stop.iter().map(|s| s.to_string()).collect(),
        business_hours: hours,
        enabled: true,
    }
}

fn at(text: &str) -> Timestamp {
    text.parse().unwrap()
}

#[test]
fn a_deadline_counts_business_hours_and_warns_at_eighty_percent() {
    let settings = DeadlineSettings {
        calendar: berlin(),
        rules: vec![rule("sales_order:confirmed", &["delivery:shipped"], 4)],
    };
    let calendar = settings.validate().unwrap();
    // Thursday 24 December 16:30 in Berlin; Friday is a holiday, then the weekend.
    let schedule = settings.rules[0]
        .schedule(&calendar, at("2026-12-24T15:30:00Z"))
        .unwrap();
    assert_eq!(schedule.due_at, at("2026-12-28T12:30:00Z"));
    // 3 h 12 min of work: 30 min on Thursday, 2 h 42 min on Monday morning.
    assert_eq!(schedule.warn_at, at("2026-12-28T10:42:00Z"));
}

#[test]
fn a_timer_is_running_due_soon_overdue_met_or_missed() {
    let s = Schedule {
        warn_at: at("2026-12-07T10:00:00Z"),
        due_at: at("2026-12-07T12:00:00Z"),
    };
    let state = |now: &str, stop: Option<&str>| TimerState::at(at(now), s, stop.map(at));
    assert_eq!(state("2026-12-07T09:59:59Z", None), TimerState::Running);
    assert_eq!(state("2026-12-07T10:00:00Z", None), TimerState::DueSoon);
    assert_eq!(state("2026-12-07T12:00:00Z", None), TimerState::Overdue);
    assert_eq!(
        state("2026-12-09T00:00:00Z", Some("2026-12-07T12:00:00Z")),
        TimerState::Met
    );
    assert_eq!(
        state("2026-12-09T00:00:00Z", Some("2026-12-07T12:00:01Z")),
        TimerState::Missed
    );
}

#[test]
fn bad_rules_name_each_field() {
    let mut bad = rule("order:confirmed", &[], 0);
    bad.key = "Ship It".into();
    bad.name = " ".into();
    let mut same = rule("quote:sent", &["quote:sent"], 2001);
    same.key = "ship".into();
    let settings = DeadlineSettings {
        calendar: CalendarSpec {
            time_zone: "Mars/Olympus".into(),
            ..berlin()
        },
        rules: vec![bad, same.clone(), same],
    };
    let errors = settings.validate().unwrap_err();
    let fields: Vec<_> = errors
        .0
        .iter()
        .map(|e| (e.field.as_str(), e.code))
        .collect();
    for expected in [
        ("calendar.time_zone", "invalid_time_zone"),
        ("rules[0].key", "invalid_key"),
        ("rules[0].name", "invalid_length"),
        ("rules[0].start", "invalid_step"),
        ("rules[0].stop", "required"),
        ("rules[0].business_hours", "out_of_range"),
        ("rules[1].stop[0]", "same_step"),
        ("rules[1].business_hours", "out_of_range"),
        ("rules[2].key", "duplicate"),
    ] {
        assert!(
            fields.contains(&expected),
            "{expected:?} missing in {fields:?}"
        );
    }
}

#[test]
fn only_enabled_rules_start_on_their_step() {
    let mut off = rule("quote:sent", &["quote:accepted"], 8);
    off.key = "off".into();
    off.enabled = false;
    let settings = DeadlineSettings {
        calendar: berlin(),
        rules: vec![rule("quote:sent", &["quote:accepted"], 8), off],
    };
    let keys: Vec<_> = settings.started_by("quote:sent").map(|r| &r.key).collect();
    assert_eq!(keys, ["ship"]);
    assert_eq!(settings.started_by("quote:accepted").count(), 0);
}

#[test]
fn steps_are_documents_of_the_process_with_a_state() {
    assert!(is_step("delivery:shipped"));
    assert!(is_step("opportunity:proposal_2"));
    assert!(!is_step("delivery"));
    assert!(!is_step("ticket:open"));
    assert!(!is_step("quote:Sent"));
    assert!(!is_step("quote:"));
}
