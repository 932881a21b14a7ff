//! The demo company's opportunities: a year of deals moving through the default pipeline,
//! with realistic stage durations, a slow proposal stage, some rework (back from proposal to
//! needs analysis), losses with reasons and a few hand-offs — replayed in time order through
//! the same use cases the UI calls, so the board, timelines and time in stage are real, and
//! the weekly forecast snapshots are taken as the replay passes through each week.

use std::sync::Arc;

use anyhow::Result;
use jiff::{SignedDuration, Timestamp};
use salesflow_app::clock::FixedClock;
use salesflow_app::entity::Origin;
use salesflow_app::opportunities::StageMove;
use salesflow_app::records::HandOff;
use salesflow_app::{Actor, App};
use salesflow_domain::account::Account;
use salesflow_domain::ids::ContactId;
use salesflow_domain::opportunity::{Opportunity, OpportunityInput};

use crate::admin::describe;
use crate::demo::Rng;

const LOST_REASONS: &[&str] = &[
    "Price too high",
    "Chose a competitor",
    "No budget this year",
    "Project cancelled",
    "No decision",
];
const COMPETITORS: &[&str] = &["Salesforce", "HubSpot", "Odoo", "In-house tool"];
const PRODUCTS: &[&str] = &[
    "Platform licence",
    "Rollout",
    "Support plan",
    "Expansion",
    "Pilot",
];

/// Days spent in each open stage (min, max): proposals are the bottleneck.
const DWELL_DAYS: [(u64, u64); 5] = [(1, 6), (2, 10), (4, 16), (8, 35), (3, 14)];
const WON: usize = 5;
const LOST: usize = 6;

enum Step {
    Move(usize),
    Lose(&'static str),
    HandOff(usize),
}

/// A deal in the making: who owns it now and what it is.
struct Deal {
    actor: Actor,
    opportunity: Opportunity,
}

/// Creates about `count` opportunities spread over the year before `now`, on the reps'
/// accounts; returns how many.
#[allow(clippy::too_many_arguments)]
pub async fn fill(
    base: &App,
    rng: &mut Rng,
    reps: &[Actor],
    accounts: &[(Account, usize, Vec<ContactId>)],
    count: usize,
    start: Timestamp,
    now: Timestamp,
) -> Result<usize> {
    let clock = Arc::new(FixedClock::new(start));
    let app = App::new(base.store.clone(), clock.clone(), base.config.clone());
    let pipeline = app.pipeline_for_new(None).await.map_err(describe)?;
    let span = now.duration_since(start).as_secs() as u64;
    // Plan every deal: its creation and its later steps, then replay all in time order.
    let mut creations: Vec<(Timestamp, usize)> = Vec::new();
    let mut plan: Vec<(Timestamp, usize, Step)> = Vec::new();
    for deal in 0..count {
        let created = start.checked_add(SignedDuration::from_secs(
            (span / 12 + rng.below(span * 11 / 12 - 86_400)) as i64,
        ))?;
        creations.push((created, deal));
        let mut at = created;
        let mut stage = 0;
        let mut reworked = false;
        if rng.chance(6) {
            let to = rng.below(reps.len() as u64) as usize;
            plan.push((
                at.checked_add(SignedDuration::from_hours(30))?,
                deal,
                Step::HandOff(to),
            ));
        }
        loop {
            let (lo, hi) = DWELL_DAYS[stage];
            at = at.checked_add(SignedDuration::from_secs(
                ((lo + rng.below(hi - lo + 1)) * 86_400 + rng.below(36_000)) as i64,
            ))?;
            if at >= now {
                break;
            }
            if rng.chance(10) {
                plan.push((
                    at,
                    deal,
                    Step::Lose(LOST_REASONS[rng.below(LOST_REASONS.len() as u64) as usize]),
                ));
                break;
            }
            stage = match stage {
                3 if !reworked && rng.chance(18) => {
                    reworked = true;
                    2
                }
                4 if rng.chance(65) => WON,
                4 => {
                    plan.push((
                        at,
                        deal,
                        Step::Lose(LOST_REASONS[rng.below(LOST_REASONS.len() as u64) as usize]),
                    ));
                    break;
                }
                s => s + 1,
            };
            plan.push((at, deal, Step::Move(stage)));
            if stage == WON {
                break;
            }
        }
    }
    creations.sort_by_key(|(at, _)| *at);
    plan.sort_by_key(|(at, deal, _)| (*at, *deal));

    let mut deals: Vec<Option<Deal>> = (0..count).map(|_| None).collect();
    let mut steps = plan.into_iter().peekable();
    let mut weekly = WeeklySnapshots::default();
    for (at, deal) in creations {
        while let Some((step_at, _, _)) = steps.peek() {
            if *step_at > at {
                break;
            }
            let (step_at, index, step) = steps.next().expect("peeked");
            weekly.reach(&app, &clock, step_at).await?;
            apply(
                &app,
                &clock,
                &pipeline,
                &mut deals[index],
                reps,
                step_at,
                step,
            )
            .await?;
        }
        weekly.reach(&app, &clock, at).await?;
        let (account, rep, contacts) = &accounts[rng.below(accounts.len() as u64) as usize];
        let actor = reps[*rep].clone();
        let amount = (20 + rng.below(1_980)) * 100;
        let close = at.checked_add(SignedDuration::from_hours(24 * (30 + rng.below(90) as i64)))?;
        let input = OpportunityInput {
            name: Some(format!("{} — {}", account.details.name, rng.pick(PRODUCTS))),
            account_id: Some(account.id.to_string()),
            contact_id: contacts.first().map(ToString::to_string),
            amount: Some(format!("{amount}.00")),
            close_date: Some(close.to_zoned(jiff::tz::TimeZone::UTC).date().to_string()),
            competitor: rng.chance(40).then(|| rng.pick(COMPETITORS).to_string()),
            ..Default::default()
        };
        let opportunity = app
            .create::<Opportunity>(&actor, &input, Origin::Ui)
            .await
            .map_err(describe)?;
        deals[deal] = Some(Deal { actor, opportunity });
    }
    for (step_at, index, step) in steps {
        weekly.reach(&app, &clock, step_at).await?;
        apply(
            &app,
            &clock,
            &pipeline,
            &mut deals[index],
            reps,
            step_at,
            step,
        )
        .await?;
    }
    Ok(count)
}

/// The weekly forecast snapshots the recurring job would have taken during the replayed year,
/// each when the replay's clock first enters a week, so the backtest has a past to compare.
#[derive(Default)]
struct WeeklySnapshots {
    week: Option<jiff::civil::Date>,
}

impl WeeklySnapshots {
    async fn reach(&mut self, app: &App, clock: &FixedClock, at: Timestamp) -> Result<()> {
        super::demo::set_clock(clock, at);
        let week = salesflow_app::backtest::week_of(app.today());
        if self.week != Some(week) {
            self.week = Some(week);
            app.take_forecast_snapshots().await.map_err(describe)?;
        }
        Ok(())
    }
}

async fn apply(
    app: &App,
    clock: &FixedClock,
    pipeline: &salesflow_domain::pipeline::Pipeline,
    deal: &mut Option<Deal>,
    reps: &[Actor],
    at: Timestamp,
    step: Step,
) -> Result<()> {
    let Some(Deal { actor, opportunity }) = deal.as_mut() else {
        return Ok(());
    };
    super::demo::set_clock(clock, at);
    let id = opportunity.id.0;
    let version = opportunity.meta.version;
    let (next, owner) = match step {
        Step::Move(_) | Step::Lose(_) if opportunity.status.as_str() != "open" => return Ok(()),
        Step::Move(stage) => {
            let request = StageMove {
                stage_id: pipeline.stages[stage].id.to_string(),
                lost_reason: None,
                version,
            };
            (app.move_opportunity(actor, id, &request).await, None)
        }
        Step::Lose(reason) => {
            let request = StageMove {
                stage_id: pipeline.stages[LOST].id.to_string(),
                lost_reason: Some(reason.into()),
                version,
            };
            (app.move_opportunity(actor, id, &request).await, None)
        }
        Step::HandOff(to) if reps[to].user_id == opportunity.meta.owner_id => return Ok(()),
        Step::HandOff(to) => {
            let request = HandOff {
                owner_id: reps[to].user_id.to_string(),
                reason: "Territory change".into(),
                version,
            };
            (
                app.hand_off::<Opportunity>(actor, id, &request).await,
                Some(reps[to].clone()),
            )
        }
    };
    *opportunity = next.map_err(describe)?;
    if let Some(owner) = owner {
        *actor = owner;
    }
    Ok(())
}
