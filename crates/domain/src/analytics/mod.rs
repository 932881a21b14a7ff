//! Process analytics math: percentiles, the funnel and process mining. The store gathers the
//! rows with set-based queries; what is computed from them here is pure.

pub mod forecast;
pub mod funnel;
pub mod mining;
pub mod percentile;

/// `part` of `whole` in percent with one decimal, rounded half up ("45.5"); none of nothing.
pub fn percent(part: i64, whole: i64) -> Option<String> {
    if whole <= 0 {
        return None;
    }
    let tenths = (i128::from(part) * 2000 + i128::from(whole)) / (2 * i128::from(whole));
    Some(format!("{}.{}", tenths / 10, tenths % 10))
}

#[cfg(test)]
mod tests {
    use super::percent;

    #[test]
    fn percent_rounds_half_up_to_one_decimal() {
        assert_eq!(percent(1, 3).as_deref(), Some("33.3"));
        assert_eq!(percent(2, 3).as_deref(), Some("66.7"));
        assert_eq!(percent(1, 8).as_deref(), Some("12.5"));
        assert_eq!(percent(1, 16).as_deref(), Some("6.3"));
        assert_eq!(percent(5, 5).as_deref(), Some("100.0"));
        assert_eq!(percent(0, 5).as_deref(), Some("0.0"));
        assert_eq!(percent(1, 0), None);
    }
}
