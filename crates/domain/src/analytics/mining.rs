//! Process mining over the event log: which events are steps of the sales process and what they
//! are called, and the directly-follows graph and variants of per-case step sequences. The store
//! computes the same with set-based queries for large logs; these functions define the rules
//! and check exported logs.

use std::collections::BTreeMap;

use super::percentile::nearest_rank;

/// The documents whose events are steps of the sales process (one case runs through them).
pub const PROCESS_ENTITIES: &[&str] = &[
    "lead",
    "opportunity",
    "quote",
    "sales_order",
    "delivery",
    "invoice",
    "payment",
];

/// Activities named by the state they lead to ("opportunity:proposal"); the others are named by
/// themselves ("quote:sent").
pub const STATE_ACTIVITIES: &[&str] = &["created", "stage_changed", "status_changed"];

/// Bookkeeping events that are not steps of the process.
pub const NOT_STEPS: &[&str] = &[
    "updated",
    "merged_into",
    "criteria_answered",
    "portal_link_renewed",
    "portal_links_revoked",
    "reminder_due",
    "cost_changed",
    "emailed",
    "email_failed",
    "email_not_sent",
    "sla_warning",
    "sla_breached",
];

/// The lead's steps before the pipeline, in the order the process expects them.
pub const LEAD_STEPS: &[&str] = &["lead:new", "lead:working", "lead:qualified"];

/// The quote's steps: made while the deal is open, its acceptance wins the deal.
pub const QUOTE_STEPS: &[&str] = &["quote:draft", "quote:sent", "quote:accepted"];

/// The documents' steps after the deal is won, in the order the process expects them.
pub const ORDER_STEPS: &[&str] = &[
    "sales_order:new",
    "sales_order:confirmed",
    "delivery:released",
    "delivery:shipped",
    "invoice:posted",
    "invoice:partially_paid",
    "invoice:paid",
];

/// The steps of the configured process in order: the lead's, the pipeline's open stages, the
/// quote's, the pipeline's won stage, then the order's, delivery's and invoice's.
pub fn configured_steps(open_stages: &[&str], won_stages: &[&str]) -> Vec<String> {
    let stage = |k: &&str| format!("opportunity:{k}");
    let steps = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let mut all = steps(LEAD_STEPS);
    all.extend(open_stages.iter().map(stage));
    all.extend(steps(QUOTE_STEPS));
    all.extend(won_stages.iter().map(stage));
    all.extend(steps(ORDER_STEPS));
    all
}

/// The pseudo-steps every case starts at and ends in.
pub const START: &str = "start";
pub const END: &str = "end";

/// The step an event stands for, or none when it is not a step of the process.
pub fn step_label(entity_type: &str, activity: &str, to_state: Option<&str>) -> Option<String> {
    if !PROCESS_ENTITIES.contains(&entity_type) || NOT_STEPS.contains(&activity) {
        return None;
    }
    let state = to_state.filter(|s| !s.is_empty() && *s != "none");
    Some(match state {
        Some(state) if STATE_ACTIVITIES.contains(&activity) => format!("{entity_type}:{state}"),
        _ => format!("{entity_type}:{activity}"),
    })
}

/// One step of one case: its label and when it happened (microseconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub label: String,
    pub at: i64,
}

/// "b directly follows a" `count` times (including `START` → first and last → `END`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub count: i64,
}

/// A distinct path through the process: how many cases took it and their median duration.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Variant {
    pub steps: Vec<String>,
    pub cases: i64,
    pub median_micros: i64,
}

/// The directly-follows edges of `cases` (each ordered by time), sorted by from and to.
pub fn directly_follows(cases: &[Vec<Step>]) -> Vec<Edge> {
    let mut counts: BTreeMap<(String, String), i64> = BTreeMap::new();
    for steps in cases.iter().filter(|s| !s.is_empty()) {
        let labels: Vec<&str> = std::iter::once(START)
            .chain(steps.iter().map(|s| s.label.as_str()))
            .chain(std::iter::once(END))
            .collect();
        for pair in labels.windows(2) {
            *counts
                .entry((pair[0].to_string(), pair[1].to_string()))
                .or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|((from, to), count)| Edge { from, to, count })
        .collect()
}

/// The variants of `cases`, most frequent first (ties by path).
pub fn variants(cases: &[Vec<Step>]) -> Vec<Variant> {
    let mut paths: BTreeMap<Vec<String>, Vec<i64>> = BTreeMap::new();
    for steps in cases.iter().filter(|s| !s.is_empty()) {
        let path = steps.iter().map(|s| s.label.clone()).collect();
        let duration = steps.last().map_or(0, |l| l.at) - steps[0].at;
        paths.entry(path).or_default().push(duration);
    }
    let mut found: Vec<Variant> = paths
        .into_iter()
        .map(|(steps, mut durations)| {
            durations.sort_unstable();
            Variant {
                steps,
                cases: durations.len() as i64,
                median_micros: nearest_rank(&durations, 50).unwrap_or(0),
            }
        })
        .collect();
    found.sort_by(|a, b| b.cases.cmp(&a.cases).then_with(|| a.steps.cmp(&b.steps)));
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case(steps: &[(&str, i64)]) -> Vec<Step> {
        steps
            .iter()
            .map(|(label, at)| Step {
                label: label.to_string(),
                at: *at,
            })
            .collect()
    }

    #[test]
    fn labels_name_states_or_activities_and_skip_bookkeeping() {
        assert_eq!(
            step_label("opportunity", "stage_changed", Some("proposal")).as_deref(),
            Some("opportunity:proposal")
        );
        assert_eq!(
            step_label("quote", "sent", Some("sent")).as_deref(),
            Some("quote:sent")
        );
        assert_eq!(
            step_label("quote", "revised", Some("draft")).as_deref(),
            Some("quote:revised")
        );
        assert_eq!(
            step_label("payment", "received", None).as_deref(),
            Some("payment:received")
        );
        assert_eq!(step_label("lead", "updated", None), None);
        assert_eq!(step_label("account", "created", None), None);
    }

    #[test]
    fn the_configured_process_runs_from_lead_to_cash() {
        let steps = configured_steps(&["talk", "offer"], &["won"]);
        assert_eq!(steps.len(), 3 + 2 + 3 + 1 + 7);
        assert_eq!(steps[3], "opportunity:talk");
        assert_eq!(steps[4], "opportunity:offer");
        assert_eq!(steps[7], "quote:accepted");
        assert_eq!(steps[8], "opportunity:won");
        assert_eq!(steps.last().map(String::as_str), Some("invoice:paid"));
    }

    #[test]
    fn edges_and_variants_of_known_cases() {
        let cases = [
            case(&[("a", 0), ("b", 10), ("c", 30)]),
            case(&[("a", 0), ("b", 20), ("c", 50)]),
            case(&[("a", 0), ("c", 5)]),
            case(&[("a", 0), ("b", 1), ("b", 2), ("c", 7)]),
        ];
        let edges = directly_follows(&cases);
        let count = |from: &str, to: &str| {
            edges
                .iter()
                .find(|e| e.from == from && e.to == to)
                .map_or(0, |e| e.count)
        };
        assert_eq!(count(START, "a"), 4);
        assert_eq!(count("a", "b"), 3);
        assert_eq!(count("b", "b"), 1);
        assert_eq!(count("b", "c"), 3);
        assert_eq!(count("a", "c"), 1);
        assert_eq!(count("c", END), 4);
        assert_eq!(edges.len(), 6);
        let v = variants(&cases);
        assert_eq!(v[0].steps, ["a", "b", "c"]);
        assert_eq!((v[0].cases, v[0].median_micros), (2, 30));
        assert_eq!(v.len(), 3);
    }
}
