//! Percentiles by the nearest-rank method: the p-th percentile of n values is the value at rank
//! ⌈p·n / 100⌉ of them sorted ascending. It is always one of the values (a median duration is a
//! duration that happened), and the store computes the same rank in SQL.

/// The 1-based rank of the `percent`-th percentile among `n` values (`n` ≥ 1).
pub fn rank(percent: u32, n: u64) -> u64 {
    (u64::from(percent) * n).div_ceil(100).max(1)
}

/// The `percent`-th percentile of ascending `sorted` values.
pub fn nearest_rank<T: Copy>(sorted: &[T], percent: u32) -> Option<T> {
    if sorted.is_empty() {
        return None;
    }
    let at = rank(percent, sorted.len() as u64) as usize - 1;
    sorted.get(at).copied()
}

/// How many values, and their median and 90th percentile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Spread {
    pub count: u64,
    pub median: i64,
    pub p90: i64,
}

/// The spread of `values` in any order; none of no values.
pub fn spread(mut values: Vec<i64>) -> Option<Spread> {
    values.sort_unstable();
    Some(Spread {
        count: values.len() as u64,
        median: nearest_rank(&values, 50)?,
        p90: nearest_rank(&values, 90)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_the_nearest_rank_rule() {
        assert_eq!(rank(50, 1), 1);
        assert_eq!(rank(50, 4), 2);
        assert_eq!(rank(50, 5), 3);
        assert_eq!(rank(90, 10), 9);
        assert_eq!(rank(90, 11), 10);
        assert_eq!(rank(90, 1), 1);
    }

    #[test]
    fn spread_of_known_values() {
        let s = spread(vec![7, 1, 3, 10, 5, 2, 9, 4, 8, 6]).unwrap();
        assert_eq!(
            s,
            Spread {
                count: 10,
                median: 5,
                p90: 9
            }
        );
        assert_eq!(spread(vec![]), None);
        let one = spread(vec![42]).unwrap();
        assert_eq!((one.median, one.p90), (42, 42));
    }
}
