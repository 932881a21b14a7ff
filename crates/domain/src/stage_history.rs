//! Time in stage: the stays of one record in its stages, read from its state-change events.

use jiff::{SignedDuration, Timestamp};

/// One stay in a stage: entered, left (None while still there) and how long.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageStay {
    pub stage: String,
    pub entered: Timestamp,
    pub left: Option<Timestamp>,
    pub duration: SignedDuration,
}

/// The stays described by state-change events `(at, to_state)` in any order; the last stay
/// runs until `now`. Events without a target state are ignored.
pub fn stage_stays(events: &[(Timestamp, Option<&str>)], now: Timestamp) -> Vec<StageStay> {
    let mut entries: Vec<(Timestamp, &str)> = events
        .iter()
        .filter_map(|(at, to)| to.map(|to| (*at, to)))
        .collect();
    entries.sort_by_key(|(at, _)| *at);
    let mut stays: Vec<StageStay> = Vec::with_capacity(entries.len());
    for (i, (entered, stage)) in entries.iter().enumerate() {
        let left = entries.get(i + 1).map(|(at, _)| *at);
        let end = left.unwrap_or(now);
        stays.push(StageStay {
            stage: stage.to_string(),
            entered: *entered,
            left,
            duration: end.duration_since(*entered),
        });
    }
    stays
}

/// "3 d 4 h", "2 h 5 min", "40 s": a duration as people read it.
pub fn describe(duration: SignedDuration) -> String {
    let secs = duration.as_secs().max(0);
    let (d, h, m) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    match (d, h, m) {
        (0, 0, 0) => format!("{secs} s"),
        (0, 0, m) => format!("{m} min"),
        (0, h, m) => format!("{h} h {m} min"),
        (d, h, _) => format!("{d} d {h} h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(hours: i64) -> Timestamp {
        Timestamp::UNIX_EPOCH + SignedDuration::from_hours(hours)
    }

    #[test]
    fn stays_follow_the_events_in_time_order() {
        let events = [
            (at(30), Some("proposal")),
            (at(0), Some("qualification")),
            (at(10), None),
            (at(50), Some("won")),
        ];
        let stays = stage_stays(&events, at(60));
        let got: Vec<_> = stays
            .iter()
            .map(|s| (s.stage.as_str(), s.duration.as_hours(), s.left.is_some()))
            .collect();
        assert_eq!(
            got,
            [
                ("qualification", 30, true),
                ("proposal", 20, true),
                ("won", 10, false)
            ]
        );
        assert_eq!(describe(SignedDuration::from_hours(28)), "1 d 4 h");
        assert_eq!(describe(SignedDuration::from_mins(125)), "2 h 5 min");
    }
}
