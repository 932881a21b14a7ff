//! The funnel of a pipeline: how many opportunities (and how much) got as far as each stage,
//! the conversion from each stage to the next and to won, win rate and average won deal.
//!
//! An opportunity *reached* a stage when it entered that stage or any later one, so a deal that
//! skipped a stage still counts for it and every stage's count includes the next one's. The
//! funnel's stages are the pipeline's open stages by position, then the won stage; a lost
//! deal got as far as the furthest stage it entered before.

use std::collections::BTreeMap;

use super::percent;

/// The order the store gives the won stage, past every open stage's position.
pub const WON_ORDER: i64 = 1_000_000;

/// One step of the funnel, in funnel order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageDef {
    pub key: String,
    pub name: String,
    /// The stage's position; `WON_ORDER` for the won stage.
    pub order: i64,
}

/// Opportunities of one group whose furthest stage has order `furthest`, by status and
/// currency: what the store's query returns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    pub group: String,
    pub furthest: i64,
    /// `open`, `won` or `lost`.
    pub status: String,
    pub currency: String,
    pub count: i64,
    pub amount_minor: i128,
}

/// An amount in minor units of one currency.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Amount {
    pub currency: String,
    /// A sum over many deals: 128 bits, never overflowing.
    pub minor: i128,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FunnelStage {
    pub key: String,
    pub name: String,
    pub reached: i64,
    pub amounts: Vec<Amount>,
    /// Percent of this stage's deals that reached the next stage.
    pub to_next: Option<String>,
    /// Percent of this stage's deals that were won.
    pub to_won: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Funnel {
    /// The breakdown value (a user or team id, a lead source); empty for the whole funnel.
    pub group: String,
    pub stages: Vec<FunnelStage>,
    pub opportunities: i64,
    pub open: i64,
    pub won: i64,
    pub lost: i64,
    /// Won of closed (won + lost), percent.
    pub win_rate: Option<String>,
    /// Average amount of a won deal, per currency (rounded half up).
    pub average_won: Vec<Amount>,
}

fn add(amounts: &mut BTreeMap<String, i128>, currency: &str, minor: i128) {
    *amounts.entry(currency.to_string()).or_default() += minor;
}

fn listed(amounts: BTreeMap<String, i128>) -> Vec<Amount> {
    amounts
        .into_iter()
        .map(|(currency, minor)| Amount { currency, minor })
        .collect()
}

/// One funnel per group of `reaches` (groups in ascending order), over `stages` in funnel order.
pub fn funnels(stages: &[StageDef], reaches: &[Reach]) -> Vec<Funnel> {
    let mut groups: BTreeMap<&str, Vec<&Reach>> = BTreeMap::new();
    for reach in reaches {
        groups.entry(&reach.group).or_default().push(reach);
    }
    groups
        .into_iter()
        .map(|(group, rows)| funnel(group, stages, &rows))
        .collect()
}

fn funnel(group: &str, stages: &[StageDef], rows: &[&Reach]) -> Funnel {
    let mut reached = vec![0_i64; stages.len()];
    let mut amounts = vec![BTreeMap::new(); stages.len()];
    let (mut open, mut won, mut lost) = (0, 0, 0);
    let mut won_amounts = BTreeMap::new();
    for row in rows {
        for (i, stage) in stages.iter().enumerate() {
            if row.furthest >= stage.order {
                reached[i] += row.count;
                add(&mut amounts[i], &row.currency, row.amount_minor);
            }
        }
        match row.status.as_str() {
            "won" => {
                won += row.count;
                add(&mut won_amounts, &row.currency, row.amount_minor);
            }
            "lost" => lost += row.count,
            _ => open += row.count,
        }
    }
    let won_stage = stages.iter().rposition(|s| s.order == WON_ORDER);
    let funnel_stages = stages
        .iter()
        .enumerate()
        .map(|(i, stage)| FunnelStage {
            key: stage.key.clone(),
            name: stage.name.clone(),
            reached: reached[i],
            amounts: listed(std::mem::take(&mut amounts[i])),
            to_next: reached
                .get(i + 1)
                .and_then(|next| percent(*next, reached[i])),
            to_won: won_stage.and_then(|w| percent(reached[w], reached[i])),
        })
        .collect();
    let average_won = won_amounts
        .into_iter()
        .map(|(currency, total)| Amount {
            currency,
            minor: (2 * total + i128::from(won)) / (2 * i128::from(won.max(1))),
        })
        .collect();
    Funnel {
        group: group.to_string(),
        stages: funnel_stages,
        opportunities: open + won + lost,
        open,
        won,
        lost,
        win_rate: percent(won, won + lost),
        average_won,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stage(key: &str, order: i64) -> StageDef {
        StageDef {
            key: key.into(),
            name: key.to_uppercase(),
            order,
        }
    }

    fn reach(furthest: i64, status: &str, count: i64, amount: i64) -> Reach {
        Reach {
            group: String::new(),
            furthest,
            status: status.into(),
            currency: "EUR".into(),
            count,
            amount_minor: i128::from(amount),
        }
    }

    #[test]
    fn deals_count_for_every_stage_up_to_their_furthest() {
        let stages = [
            stage("a", 0),
            stage("b", 1),
            stage("c", 2),
            stage("won", WON_ORDER),
        ];
        let rows = [
            reach(0, "open", 4, 400),
            reach(1, "lost", 2, 200),
            reach(2, "open", 1, 100),
            reach(WON_ORDER, "won", 3, 900),
        ];
        let f = &funnels(&stages, &rows)[0];
        let counts: Vec<i64> = f.stages.iter().map(|s| s.reached).collect();
        assert_eq!(counts, [10, 6, 4, 3]);
        assert_eq!(f.stages[0].amounts[0].minor, 1600);
        assert_eq!(f.stages[3].amounts[0].minor, 900);
        assert_eq!(f.stages[0].to_next.as_deref(), Some("60.0"));
        assert_eq!(f.stages[1].to_next.as_deref(), Some("66.7"));
        assert_eq!(f.stages[0].to_won.as_deref(), Some("30.0"));
        assert_eq!(f.stages[3].to_next, None);
        assert_eq!((f.opportunities, f.open, f.won, f.lost), (10, 5, 3, 2));
        assert_eq!(f.win_rate.as_deref(), Some("60.0"));
        assert_eq!(f.average_won[0].minor, 300);
    }

    #[test]
    fn groups_make_separate_funnels_in_order() {
        let stages = [stage("a", 0), stage("won", WON_ORDER)];
        let mut b = reach(0, "open", 1, 10);
        b.group = "b".into();
        let mut a = reach(WON_ORDER, "won", 2, 30);
        a.group = "a".into();
        let all = funnels(&stages, &[b, a]);
        assert_eq!(all.len(), 2);
        assert_eq!(all[0].group, "a");
        assert_eq!(all[0].stages[1].reached, 2);
        assert_eq!(all[0].average_won[0].minor, 15);
        assert_eq!(all[1].stages[1].reached, 0);
        assert_eq!(all[1].win_rate, None);
    }
}
