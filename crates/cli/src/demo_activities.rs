//! The demo company's activities: every rep has calls, e-mails, meetings and tasks on their
//! working leads and open deals — some done with an outcome, some overdue, some due today and
//! later — so "My day", record pages and reminders show real work.

use std::sync::Arc;

use anyhow::Result;
use jiff::{SignedDuration, Timestamp};
use salesflow_app::activities::Completion;
use salesflow_app::clock::FixedClock;
use salesflow_app::entity::Origin;
use salesflow_app::list::ListParams;
use salesflow_app::{Actor, App};
use salesflow_domain::activity::{Activity, ActivityInput};
use salesflow_domain::lead::Lead;
use salesflow_domain::opportunity::Opportunity;

use crate::admin::describe;
use crate::demo::Rng;

const SUBJECTS: &[(&str, &str)] = &[
    ("call", "Discovery call"),
    ("call", "Follow-up call"),
    ("email", "Send the product overview"),
    ("email", "Share the case study"),
    ("meeting", "On-site demo"),
    ("meeting", "Pricing discussion"),
    ("task", "Prepare the proposal"),
    ("task", "Check the budget with finance"),
];
const OUTCOMES: &[&str] = &[
    "Interested, wants a demo",
    "Left a voicemail",
    "Sent, no reply yet",
    "Agreed on next steps",
];

/// Adds activities for each rep over the ten days before `now` and the week after; returns
/// how many.
pub async fn fill(base: &App, rng: &mut Rng, reps: &[Actor], now: Timestamp) -> Result<usize> {
    let start = now.checked_sub(SignedDuration::from_hours(24 * 10))?;
    let clock = Arc::new(FixedClock::new(start));
    let app = App::new(base.store.clone(), clock.clone(), base.config.clone());
    let mut created = 0;
    for rep in reps {
        let page = ListParams {
            status: Some("working".into()),
            limit: Some(12),
            ..Default::default()
        };
        let leads = app.list::<Lead>(rep, &page).await.map_err(describe)?.items;
        let open = ListParams {
            status: Some("open".into()),
            limit: Some(6),
            ..Default::default()
        };
        let deals = app
            .list::<Opportunity>(rep, &open)
            .await
            .map_err(describe)?
            .items;
        let targets = leads
            .iter()
            .map(|l| ("lead", l.id.to_string()))
            .chain(deals.iter().map(|o| ("opportunity", o.id.to_string())));
        for (related_type, related_id) in targets {
            let (kind, subject) = *rng.pick(SUBJECTS);
            // Due from four days ago to a week ahead, in office hours.
            let due = start
                .checked_add(SignedDuration::from_hours(24 * (6 + rng.below(12) as i64)))?
                .checked_add(SignedDuration::from_mins(rng.below(8 * 60) as i64))?;
            let input = ActivityInput {
                kind: Some(kind.into()),
                subject: Some(subject.into()),
                due_at: Some(due.to_string()),
                related_type: Some(related_type.into()),
                related_id: Some(related_id),
                ..Default::default()
            };
            let activity = app
                .create::<Activity>(rep, &input, Origin::Ui)
                .await
                .map_err(describe)?;
            created += 1;
            if due < now && rng.chance(60) {
                let request = Completion {
                    outcome: Some(rng.pick(OUTCOMES).to_string()),
                    version: activity.meta.version,
                };
                app.complete_activity(rep, activity.id.0, &request)
                    .await
                    .map_err(describe)?;
            }
        }
    }
    Ok(created)
}
