//! Exact nearest-rank median and p90 per group and stage without sorting the values: one
//! grouped query counts the values of each group and stage, then one statement reads the value
//! at each rank along an index (`ORDER BY value LIMIT 1 OFFSET rank - 1`). On a million rows a
//! window sort takes seconds; walking an index that already holds the values in order does not.
//! A rank in the upper half is read from the top of the index (the p90 is the tenth-largest
//! percent), so a seek never walks more than half of its values. The values are never NULL.

use salesflow_app::ports::{StageTime, StoreResult};
use salesflow_domain::analytics::percentile::rank;

use crate::db::SqlStore;
use crate::records::Conditions;
use crate::rows::{Val, int, text};

/// Groups and stages per seek statement.
const PER_STATEMENT: usize = 50;

/// Where the values of a spread live: the table, its value column, and the columns naming the
/// group (`None`: one total) and the stage.
pub(crate) struct Spread<'a> {
    pub table: &'a str,
    pub value: &'a str,
    pub group: Option<&'a str>,
    pub stage: &'a str,
    /// Only the stages with the most values, this many (the others are not read).
    pub top: Option<u32>,
}

/// The direction and offset that reach the nearest-rank `percent` of `count` values with the
/// shorter walk: the r-th smallest is the (count − r + 1)-th largest.
fn from_nearer_end(percent: u32, count: u64) -> (&'static str, u64) {
    let r = rank(percent, count).max(1);
    if 2 * r > count {
        ("DESC", count.saturating_sub(r))
    } else {
        ("ASC", r - 1)
    }
}

impl SqlStore {
    /// Count, median and p90 of `spread.value` per group and stage over the rows `conditions`
    /// selects; `conditions` continues the placeholder numbering of the values it is given.
    pub(crate) async fn seek_spreads(
        &self,
        spread: &Spread<'_>,
        conditions: impl Fn(Vec<Val>) -> Conditions,
    ) -> StoreResult<Vec<StageTime>> {
        let Spread {
            table,
            group,
            stage,
            top,
            ..
        } = spread;
        let c = conditions(Vec::new());
        let (group_sql, group_by) = match group {
            Some(g) => (g.to_string(), format!("{g}, ")),
            None => ("''".to_string(), String::new()),
        };
        let order = match top {
            Some(top) => format!("n DESC, stage LIMIT {top}"),
            None => "grp, stage".into(),
        };
        let sql = format!(
            "SELECT {group_sql} AS grp, {stage} AS stage, COUNT(*) AS n FROM {table}{} \
             GROUP BY {group_by}{stage} ORDER BY {order}",
            c.where_clause()
        );
        let mut counts = Vec::new();
        for r in self.rows(sql, c).await? {
            counts.push(StageTime {
                group: text(&r, "grp")?,
                stage: text(&r, "stage")?,
                count: int(&r, "n")?,
                median_micros: 0,
                p90_micros: 0,
            });
        }
        // The seeks walk index ranges of their own, so two connections run them side by side:
        // on two cores the report waits for the longer half instead of the sum.
        let [left, right] = lanes_by_work(&counts);
        let (left, right) = tokio::try_join!(
            self.seek_lane(spread, &conditions, &counts, &left),
            self.seek_lane(spread, &conditions, &counts, &right),
        )?;
        for (i, median, p90) in left.into_iter().chain(right) {
            counts[i].median_micros = median;
            counts[i].p90_micros = p90;
        }
        Ok(counts)
    }

    /// The median and p90 of the groups `lane` names (indexes into `counts`), as
    /// (index, median, p90), a statement per `PER_STATEMENT` of them.
    async fn seek_lane(
        &self,
        spread: &Spread<'_>,
        conditions: &impl Fn(Vec<Val>) -> Conditions,
        counts: &[StageTime],
        lane: &[usize],
    ) -> StoreResult<Vec<(usize, i64, i64)>> {
        let Spread {
            table,
            value,
            group,
            stage,
            ..
        } = spread;
        let mut found = Vec::with_capacity(lane.len());
        for chunk in lane.chunks(PER_STATEMENT) {
            let mut values = Vec::new();
            let mut selects = Vec::new();
            for &i in chunk {
                let time = &counts[i];
                let mut seeks = Vec::new();
                for percent in [50, 90] {
                    let mut c = conditions(std::mem::take(&mut values));
                    let s = c.param(time.stage.clone());
                    c.push(format!("{stage} = {s}"));
                    if let Some(g) = group {
                        let p = c.param(time.group.clone());
                        c.push(format!("{g} = {p}"));
                    }
                    let (direction, offset) = from_nearer_end(percent, time.count as u64);
                    seeks.push(format!(
                        "(SELECT {value} FROM {table}{} ORDER BY {value} {direction} \
                         LIMIT 1 OFFSET {offset})",
                        c.where_clause()
                    ));
                    values = c.values;
                }
                selects.push(format!(
                    "SELECT {i} AS i, {} AS median, {} AS p90",
                    seeks[0], seeks[1]
                ));
            }
            let mut c = Conditions::default();
            c.values = values;
            for r in self.rows(selects.join(" UNION ALL "), c).await? {
                found.push((int(&r, "i")? as usize, int(&r, "median")?, int(&r, "p90")?));
            }
        }
        Ok(found)
    }
}

/// The groups split in two lanes of about equal work (a seek walks a share of its group's
/// values), the largest first, each to the lighter lane.
fn lanes_by_work(counts: &[StageTime]) -> [Vec<usize>; 2] {
    let mut order: Vec<usize> = (0..counts.len()).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(counts[i].count));
    let mut lanes: [Vec<usize>; 2] = Default::default();
    let mut work = [0i64; 2];
    for i in order {
        let lighter = usize::from(work[1] < work[0]);
        lanes[lighter].push(i);
        work[lighter] += counts[i].count;
    }
    lanes
}

#[cfg(test)]
mod tests {
    use salesflow_app::ports::StageTime;

    use super::{from_nearer_end, lanes_by_work};

    #[test]
    fn the_seeks_are_shared_out_by_their_work() {
        let counts: Vec<StageTime> = [400, 100, 300, 250, 50]
            .iter()
            .map(|&count| StageTime {
                group: String::new(),
                stage: count.to_string(),
                count,
                median_micros: 0,
                p90_micros: 0,
            })
            .collect();
        let [left, right] = lanes_by_work(&counts);
        assert_eq!(left, [0, 1, 4]);
        assert_eq!(right, [2, 3]);
        let [none, also_none] = lanes_by_work(&[]);
        assert!(none.is_empty() && also_none.is_empty());
    }

    #[test]
    fn upper_ranks_are_read_from_the_top() {
        // 10 values: the median is the 5th smallest, the p90 the 9th smallest = 2nd largest.
        assert_eq!(from_nearer_end(50, 10), ("ASC", 4));
        assert_eq!(from_nearer_end(90, 10), ("DESC", 1));
        // 11 values: the median is the 6th of 11, one walk as long as the other.
        assert_eq!(from_nearer_end(50, 11), ("DESC", 5));
        assert_eq!(from_nearer_end(90, 1), ("DESC", 0));
    }
}
