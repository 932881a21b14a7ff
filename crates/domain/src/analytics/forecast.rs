//! Forecasting what the open pipeline will bring: win rates learned per stage from closed deals,
//! and a Monte Carlo range of the revenue a set of open deals closes with.

use std::collections::BTreeMap;

use super::funnel::{Reach, StageDef};
use super::percentile::nearest_rank;

/// Per stage key: the share of closed deals that reached the stage and were won, in per mille.
/// A stage no closed deal reached has none.
pub fn win_rates(stages: &[StageDef], reaches: &[Reach]) -> BTreeMap<String, i64> {
    let mut rates = BTreeMap::new();
    for stage in stages {
        let (mut closed, mut won) = (0_i64, 0_i64);
        for r in reaches.iter().filter(|r| r.furthest >= stage.order) {
            match r.status.as_str() {
                "won" => {
                    won += r.count;
                    closed += r.count;
                }
                "lost" => closed += r.count,
                _ => {}
            }
        }
        if closed > 0 {
            rates.insert(stage.key.clone(), (won * 2000 + closed) / (2 * closed));
        }
    }
    rates
}

/// An open deal for the simulation: its amount and its chance to be won (per mille).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Chance {
    pub amount_minor: i64,
    pub per_mille: i64,
}

/// The 10th, 50th and 90th percentile of the revenue won in `trials` simulated outcomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Range {
    pub p10: i128,
    pub p50: i128,
    pub p90: i128,
}

/// SplitMix64: a small, well-mixed generator, so a seed gives the same range every time.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in 0..1000.
    fn per_mille(&mut self) -> i64 {
        (self.next() % 1000) as i64
    }
}

/// Simulated quarters when the deals are few.
pub const MAX_TRIALS: usize = 10_000;
/// The fewest simulated quarters: enough for steady 10th and 90th percentiles.
pub const MIN_TRIALS: usize = 1_000;
/// Deal draws one simulation may cost (trials × deals): 10^8 is a few tenths of a second.
const DRAW_BUDGET: usize = 100_000_000;

/// How many quarters to simulate for `deals` deals: fewer when they are many, where the range
/// of the total is narrow and settles with fewer trials, so the cost stays bounded.
pub fn trials_for(deals: usize) -> usize {
    (DRAW_BUDGET / deals.max(1)).clamp(MIN_TRIALS, MAX_TRIALS)
}

/// Simulates `trials` outcomes, each deal won with its chance; the range of the totals.
pub fn monte_carlo(deals: &[Chance], trials: usize, seed: u64) -> Range {
    monte_carlo_while(deals, trials, seed, || true).unwrap_or(Range {
        p10: 0,
        p50: 0,
        p90: 0,
    })
}

/// [`monte_carlo`], asking `go_on` before each trial: `None` once it says stop (the request
/// that wanted the range is gone).
pub fn monte_carlo_while(
    deals: &[Chance],
    trials: usize,
    seed: u64,
    go_on: impl Fn() -> bool,
) -> Option<Range> {
    let mut rng = SplitMix(seed);
    // Sums of many deals: 128 bits, so no number of large deals overflows them.
    let mut totals: Vec<i128> = Vec::with_capacity(trials.max(1));
    for _ in 0..trials.max(1) {
        if !go_on() {
            return None;
        }
        totals.push(
            deals
                .iter()
                .filter(|d| rng.per_mille() < d.per_mille)
                .map(|d| i128::from(d.amount_minor))
                .sum(),
        );
    }
    totals.sort_unstable();
    let at = |p| nearest_rank(&totals, p).unwrap_or(0);
    Some(Range {
        p10: at(10),
        p50: at(50),
        p90: at(90),
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_stopped_simulation_gives_no_range() {
        let deals = [super::Chance {
            amount_minor: 100,
            per_mille: 500,
        }];
        let asked = std::cell::Cell::new(0);
        let stopped = super::monte_carlo_while(&deals, 1_000, 7, || {
            asked.set(asked.get() + 1);
            asked.get() < 10
        });
        assert_eq!(stopped, None);
        assert_eq!(asked.get(), 10, "stops at the first trial after being told");
        let whole = super::monte_carlo_while(&deals, 1_000, 7, || true);
        assert_eq!(whole, Some(super::monte_carlo(&deals, 1_000, 7)));
    }

    use super::super::funnel::WON_ORDER;
    use super::*;

    fn stage(key: &str, order: i64) -> StageDef {
        StageDef {
            key: key.into(),
            name: key.into(),
            order,
        }
    }

    fn reach(furthest: i64, status: &str, count: i64) -> Reach {
        Reach {
            group: String::new(),
            furthest,
            status: status.into(),
            currency: "EUR".into(),
            count,
            amount_minor: 0,
        }
    }

    #[test]
    fn simulations_stay_bounded_as_deals_grow() {
        assert_eq!(trials_for(0), MAX_TRIALS);
        assert_eq!(trials_for(500), MAX_TRIALS);
        assert_eq!(trials_for(20_000), 5_000);
        assert_eq!(trials_for(100_000), MIN_TRIALS);
        assert_eq!(trials_for(10_000_000), MIN_TRIALS);
    }

    #[test]
    fn win_rates_come_from_closed_deals_that_reached_each_stage() {
        let stages = [stage("a", 0), stage("b", 1), stage("won", WON_ORDER)];
        let rates = win_rates(
            &stages,
            &[
                reach(0, "lost", 2),
                reach(1, "lost", 1),
                reach(WON_ORDER, "won", 1),
                reach(1, "open", 5),
            ],
        );
        assert_eq!(rates["a"], 250);
        assert_eq!(rates["b"], 500);
        assert_eq!(rates["won"], 1000);
        let none = win_rates(&stages, &[reach(0, "open", 3)]);
        assert!(none.is_empty());
    }

    #[test]
    fn certain_deals_give_a_point_and_chances_a_spread() {
        let sure = [
            Chance {
                amount_minor: 300,
                per_mille: 1000,
            },
            Chance {
                amount_minor: 700,
                per_mille: 0,
            },
        ];
        assert_eq!(
            monte_carlo(&sure, 1000, 7),
            Range {
                p10: 300,
                p50: 300,
                p90: 300
            }
        );
        let coins: Vec<Chance> = (0..100)
            .map(|_| Chance {
                amount_minor: 100,
                per_mille: 500,
            })
            .collect();
        let range = monte_carlo(&coins, 10_000, 42);
        assert!(range.p10 < range.p50 && range.p50 < range.p90, "{range:?}");
        // 100 fair coins of 100: mean 5,000, standard deviation 500.
        assert!((4_200..=4_500).contains(&range.p10), "{range:?}");
        assert!((4_900..=5_100).contains(&range.p50), "{range:?}");
        assert!((5_500..=5_800).contains(&range.p90), "{range:?}");
        assert_eq!(
            range,
            monte_carlo(&coins, 10_000, 42),
            "same seed, same range"
        );
    }
}
