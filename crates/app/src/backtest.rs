//! The forecast backtest: a job copies the open pipeline every week; for each past month the
//! report takes the last copy made before the month began and sets what each forecast method
//! predicted from it (weighted, historical win rates, Monte Carlo range) beside what was won.

use jiff::civil::Date;
use jiff::{Span, Timestamp};
use salesflow_domain::analytics::forecast::{Chance, Range};
use serde::Serialize;

use crate::analytics::AnalyticsParams;
use crate::error::AppResult;
use crate::forecast::share;
use crate::ports::AnalyticsFilter;
use crate::{Actor, App};

/// Takes the weekly snapshots (each week once, whichever instance runs it first).
pub const FORECAST_SNAPSHOT: &str = "forecast_snapshot";
/// How far back the backtest looks, in months before the current one.
const MONTHS_BACK: i32 = 12;

#[derive(Debug, Clone, Serialize)]
pub struct BacktestMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// The Monday of the snapshot the predictions come from.
    pub snapshot_week: String,
    /// Deals of the snapshot expected to close in the month.
    pub deals: i64,
    pub weighted_minor: i128,
    pub historical_minor: i128,
    pub range: Range,
    pub won_deals: i64,
    pub won_minor: i128,
    /// The month has not ended yet: won so far.
    pub in_progress: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct BacktestReport {
    pub pipeline_id: String,
    pub currency: String,
    /// Snapshots taken of the pipeline so far.
    pub snapshots: usize,
    pub months: Vec<BacktestMonth>,
}

/// The Monday of the week `day` is in.
pub fn week_of(day: Date) -> Date {
    let back = i64::from(day.weekday().to_monday_zero_offset());
    day.checked_sub(Span::new().days(back)).unwrap_or(day)
}

fn midnight(day: Date) -> Timestamp {
    day.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

impl App {
    /// Snapshots every pipeline for the current week; how many were taken now.
    pub async fn take_forecast_snapshots(&self) -> AppResult<usize> {
        let week = week_of(self.today());
        let mut taken = 0;
        for pipeline in self.store.list_pipelines().await? {
            let (_, rates) = self
                .stage_win_rates(
                    &pipeline,
                    &AnalyticsFilter::default(),
                    crate::ports::Scope::All,
                )
                .await?;
            let rates: Vec<(String, i64)> = rates.into_iter().collect();
            if self
                .store
                .take_forecast_snapshot(pipeline.id, week, self.now(), &rates)
                .await?
            {
                taken += 1;
            }
        }
        Ok(taken)
    }

    pub async fn backtest_report(
        &self,
        actor: &Actor,
        params: &AnalyticsParams,
    ) -> AppResult<BacktestReport> {
        let scope = self.analytics_scope(actor)?;
        let parsed = params.parse()?;
        let pipeline = self.analytics_pipeline(parsed.pipeline).await?;
        // Months are the periods compared; the period filter does not apply.
        let filter = parsed.filter.whole_history();
        let currency = self.config.default_currency.code().to_string();
        let weeks = self.store.snapshot_weeks(pipeline.id).await?;
        let today = self.today();
        let this_month = today.first_of_month();
        let mut months = Vec::new();
        for back in (0..=MONTHS_BACK).rev() {
            let Ok(first) = this_month.checked_sub(Span::new().months(back)) else {
                continue;
            };
            let Some(week) = weeks.iter().rev().find(|w| **w <= first).copied() else {
                continue;
            };
            let last = first.last_of_month();
            let deals: Vec<_> = self
                .store
                .snapshot_deals(pipeline.id, week, (first, last), &filter, scope)
                .await?
                .into_iter()
                .filter(|d| d.currency == currency)
                .collect();
            let chances: Vec<Chance> = deals
                .iter()
                .map(|d| Chance {
                    amount_minor: d.amount_minor,
                    per_mille: d.win_per_mille,
                })
                .collect();
            let next = last.tomorrow().unwrap_or(last);
            let won = self
                .store
                .won_between(
                    pipeline.id,
                    (midnight(first), midnight(next)),
                    &filter,
                    scope,
                )
                .await?
                .into_iter()
                .find(|w| w.currency == currency);
            let historical_minor = chances
                .iter()
                .map(|c| share(i128::from(c.amount_minor), c.per_mille))
                .sum();
            let range = self.simulate(chances).await?;
            months.push(BacktestMonth {
                month: first.strftime("%Y-%m").to_string(),
                snapshot_week: week.to_string(),
                deals: deals.len() as i64,
                weighted_minor: deals
                    .iter()
                    .map(|d| share(i128::from(d.amount_minor), d.probability * 10))
                    .sum(),
                historical_minor,
                range,
                won_deals: won.as_ref().map_or(0, |w| w.deals),
                won_minor: won.as_ref().map_or(0, |w| w.amount_minor),
                in_progress: back == 0,
            });
        }
        Ok(BacktestReport {
            pipeline_id: pipeline.id.to_string(),
            currency,
            snapshots: weeks.len(),
            months,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weeks_start_on_monday() {
        let day = |s: &str| s.parse::<Date>().unwrap();
        assert_eq!(week_of(day("2026-11-30")), day("2026-11-30"));
        assert_eq!(week_of(day("2026-12-06")), day("2026-11-30"));
        assert_eq!(week_of(day("2026-12-01")), day("2026-11-30"));
    }
}
