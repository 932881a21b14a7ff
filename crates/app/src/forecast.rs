//! The forecast: the open pipeline by close month, weighted by each deal's probability and by
//! the win rate its stage has had (learned from closed deals), and a Monte Carlo range of what
//! the deals closing this quarter will bring.

use std::collections::BTreeMap;

use jiff::civil::Date;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use salesflow_domain::analytics::forecast::{
    Chance, Range, monte_carlo_while, trials_for, win_rates,
};
use salesflow_domain::analytics::funnel::Reach;
use serde::Serialize;

use crate::analytics::{AnalyticsParams, funnel_stages};
use crate::error::{AppError, AppResult};
use crate::ports::{AnalyticsFilter, Breakdown, Scope};
use crate::{Actor, App};
use salesflow_domain::pipeline::{Pipeline, StageKind};

/// The seed makes a report repeatable.
const SEED: u64 = 0x5A1E_5F10;

/// How long a request waits for a free simulation slot before it is turned away.
const SIMULATION_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Sets the flag when dropped: the request that wanted the simulation has gone (timed out,
/// or the client left), and the simulation stops at its next trial.
struct StopOnDrop(Arc<AtomicBool>);

impl Drop for StopOnDrop {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

impl App {
    /// The Monte Carlo range of `chances`, computed off the request threads (with tens of
    /// thousands of deals it takes a few tenths of a second): at most one per core at once
    /// (`Overloaded` when none is free in time), and abandoned with its request.
    pub(crate) async fn simulate(&self, chances: Vec<Chance>) -> AppResult<Range> {
        simulate_in(self.simulations.clone(), SIMULATION_WAIT, chances).await
    }
}

/// [`App::simulate`] with its slots and its wait for one.
async fn simulate_in(
    slots: Arc<tokio::sync::Semaphore>,
    wait: std::time::Duration,
    chances: Vec<Chance>,
) -> AppResult<Range> {
    let slot = tokio::time::timeout(wait, slots.acquire_owned())
        .await
        .map_err(|_| AppError::Overloaded {
            retry_after_secs: 2,
        })?
        .map_err(|e| AppError::Internal(format!("forecast simulation: {e}")))?;
    let stop = Arc::new(AtomicBool::new(false));
    let _guard = StopOnDrop(stop.clone());
    tokio::task::spawn_blocking(move || {
        // The slot is held until the computation really ends, cancelled or not.
        let _slot = slot;
        let trials = trials_for(chances.len());
        monte_carlo_while(&chances, trials, SEED, || !stop.load(Ordering::Relaxed))
    })
    .await
    .map_err(|e| AppError::Internal(format!("forecast simulation: {e}")))?
    .ok_or_else(|| AppError::Internal("forecast simulation stopped".into()))
}

#[derive(Debug, Clone, Serialize)]
pub struct ForecastMonth {
    /// `YYYY-MM`; empty for deals without a close date.
    pub month: String,
    pub currency: String,
    pub deals: i64,
    pub amount_minor: i128,
    /// Amount × the deal's probability.
    pub weighted_minor: i128,
    /// Amount × the win rate of the deal's stage.
    pub historical_minor: i128,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenStage {
    pub stage: String,
    pub deals: i64,
    pub amount_minor: i128,
    pub weighted_minor: i128,
}

#[derive(Debug, Clone, Serialize)]
pub struct StageRate {
    pub stage: String,
    /// Closed deals that reached the stage and were won, percent; none without closed deals.
    pub win_rate: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QuarterForecast {
    pub first_day: String,
    pub last_day: String,
    pub currency: String,
    pub deals: i64,
    pub weighted_minor: i128,
    pub historical_minor: i128,
    /// P10, P50 and P90 of the revenue won in simulated quarters.
    pub range: Range,
}

#[derive(Debug, Clone, Serialize)]
pub struct ForecastReport {
    pub pipeline_id: String,
    pub months: Vec<ForecastMonth>,
    /// The open pipeline per stage in the company currency, in board order.
    pub stages: Vec<OpenStage>,
    pub win_rates: Vec<StageRate>,
    pub quarter: QuarterForecast,
}

/// The first and last day of the quarter `day` is in.
pub(crate) fn quarter_of(day: Date) -> (Date, Date) {
    let first_month = (day.month() - 1) / 3 * 3 + 1;
    let first = Date::new(day.year(), first_month, 1).unwrap_or(day);
    let next = first
        .checked_add(jiff::Span::new().months(3))
        .unwrap_or(first);
    (first, next.yesterday().unwrap_or(next))
}

/// `amount` × `per_mille` / 1000, rounded half up.
pub(crate) fn share(amount: i128, per_mille: i64) -> i128 {
    let product = amount * i128::from(per_mille);
    (2 * product + 1000) / 2000
}

impl App {
    /// The win rate of each stage of `pipeline`, per mille, learned from the closed deals
    /// `filter` and `scope` select: the learned rates alone, and every stage's rate with the
    /// configured probability standing in where no closed deal has reached the stage yet.
    pub(crate) async fn stage_win_rates(
        &self,
        pipeline: &Pipeline,
        filter: &AnalyticsFilter,
        scope: Scope,
    ) -> AppResult<(BTreeMap<String, i64>, BTreeMap<String, i64>)> {
        let reaches: Vec<Reach> = self
            .store
            .funnel_reaches(pipeline.id, filter, Breakdown::Total, scope)
            .await?;
        let learned = win_rates(&funnel_stages(pipeline), &reaches);
        let every = pipeline
            .stages
            .iter()
            .map(|s| {
                let rate = learned
                    .get(&s.key)
                    .copied()
                    .unwrap_or(i64::from(s.probability) * 10);
                (s.key.clone(), rate)
            })
            .collect();
        Ok((learned, every))
    }

    pub async fn forecast_report(
        &self,
        actor: &Actor,
        params: &AnalyticsParams,
    ) -> AppResult<ForecastReport> {
        let scope = self.analytics_scope(actor)?;
        let parsed = params.parse()?;
        let pipeline = self.analytics_pipeline(parsed.pipeline).await?;
        // Win rates are learned from every closed deal the reader sees, whatever the period.
        let history = parsed.filter.whole_history();
        let stages = funnel_stages(&pipeline);
        let (rates, rate_of) = self.stage_win_rates(&pipeline, &history, scope).await?;
        let rate_of = |stage: &str| rate_of.get(stage).copied().unwrap_or(0);
        let slices = self
            .store
            .open_pipeline(pipeline.id, &history, scope)
            .await?;
        let currency = self.config.default_currency.code().to_string();
        let mut open_stages: Vec<OpenStage> = pipeline
            .stages
            .iter()
            .filter(|s| s.kind == StageKind::Open)
            .map(|s| OpenStage {
                stage: s.key.clone(),
                deals: 0,
                amount_minor: 0,
                weighted_minor: 0,
            })
            .collect();
        let mut months: BTreeMap<(String, String), ForecastMonth> = BTreeMap::new();
        for slice in slices {
            if let Some(open) = open_stages
                .iter_mut()
                .find(|o| o.stage == slice.stage && slice.currency == currency)
            {
                open.deals += slice.deals;
                open.amount_minor += slice.amount_minor;
                open.weighted_minor += (slice.weighted_hundredths * 2 + 100) / 200;
            }
            let month = months
                .entry((slice.month.clone(), slice.currency.clone()))
                .or_insert_with(|| ForecastMonth {
                    month: slice.month.clone(),
                    currency: slice.currency.clone(),
                    deals: 0,
                    amount_minor: 0,
                    weighted_minor: 0,
                    historical_minor: 0,
                });
            month.deals += slice.deals;
            month.amount_minor += slice.amount_minor;
            month.weighted_minor += (slice.weighted_hundredths * 2 + 100) / 200;
            month.historical_minor += share(slice.amount_minor, rate_of(&slice.stage));
        }
        let (first, last) = quarter_of(self.today());
        let closing: Vec<_> = self
            .store
            .closing_between(
                pipeline.id,
                &first.to_string(),
                &last.to_string(),
                &history,
                scope,
            )
            .await?
            .into_iter()
            .filter(|c| c.currency == currency)
            .collect();
        let chances: Vec<Chance> = closing
            .iter()
            .map(|c| Chance {
                amount_minor: c.amount_minor,
                per_mille: rate_of(&c.stage),
            })
            .collect();
        let quarter = QuarterForecast {
            first_day: first.to_string(),
            last_day: last.to_string(),
            deals: closing.len() as i64,
            weighted_minor: closing
                .iter()
                .map(|c| share(i128::from(c.amount_minor), c.probability * 10))
                .sum(),
            historical_minor: chances
                .iter()
                .map(|c| share(i128::from(c.amount_minor), c.per_mille))
                .sum(),
            range: self.simulate(chances).await?,
            currency,
        };
        Ok(ForecastReport {
            pipeline_id: pipeline.id.to_string(),
            months: months.into_values().collect(),
            stages: open_stages,
            win_rates: stages
                .iter()
                .map(|s| StageRate {
                    stage: s.key.clone(),
                    win_rate: rates.get(&s.key).map(|r| format!("{}.{}", r / 10, r % 10)),
                })
                .collect(),
            quarter,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarters_and_shares() {
        let day = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(
            quarter_of(day("2026-11-30")),
            (day("2026-10-01"), day("2026-12-31"))
        );
        assert_eq!(
            quarter_of(day("2026-02-14")),
            (day("2026-01-01"), day("2026-03-31"))
        );
        assert_eq!(share(100_000, 500), 50_000);
        assert_eq!(share(3, 500), 2);
    }
}

#[cfg(test)]
mod simulation_tests {
    use std::sync::Arc;
    use std::time::Duration;

    use salesflow_domain::analytics::forecast::Chance;
    use tokio::sync::Semaphore;

    use super::simulate_in;
    use crate::error::AppError;

    fn deals(n: usize) -> Vec<Chance> {
        vec![
            Chance {
                amount_minor: 100,
                per_mille: 500,
            };
            n
        ]
    }

    #[tokio::test]
    async fn no_free_slot_answers_overloaded_in_time() {
        let slots = Arc::new(Semaphore::new(1));
        let _busy = slots.clone().acquire_owned().await.unwrap();
        let answer = simulate_in(slots, Duration::from_millis(50), deals(10)).await;
        assert!(
            matches!(answer, Err(AppError::Overloaded { .. })),
            "{answer:?}"
        );
    }

    #[tokio::test]
    async fn an_abandoned_simulation_stops_and_frees_its_slot() {
        let slots = Arc::new(Semaphore::new(1));
        // 10^6 deals: the whole simulation takes many seconds; its request gives up at once.
        let request = simulate_in(slots.clone(), Duration::from_secs(1), deals(1_000_000));
        let gave_up = tokio::time::timeout(Duration::from_millis(20), request).await;
        assert!(gave_up.is_err(), "still running when the request went away");
        let freed = tokio::time::timeout(Duration::from_secs(2), async {
            while slots.available_permits() == 0 {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await;
        assert!(
            freed.is_ok(),
            "the simulation stopped and gave its slot back"
        );
    }
}
