//! What follows one delivery attempt: delivered, retried later (backoff with jitter over about
//! three days, or when the receiver's `Retry-After` says), or given up; and when a failing
//! endpoint is switched off.

use jiff::SignedDuration;

/// Waits before the 2nd, 3rd, … attempt: about 3 days in all (71 h 35 m 5 s before jitter).
pub const BACKOFF: [SignedDuration; 9] = [
    SignedDuration::from_secs(5),
    SignedDuration::from_mins(5),
    SignedDuration::from_mins(30),
    SignedDuration::from_hours(2),
    SignedDuration::from_hours(5),
    SignedDuration::from_hours(10),
    SignedDuration::from_hours(14),
    SignedDuration::from_hours(20),
    SignedDuration::from_hours(20),
];
/// Attempts of one delivery, the first included.
pub const MAX_ATTEMPTS: u32 = BACKOFF.len() as u32 + 1;
/// An endpoint failing without a single success for this long is switched off.
pub const DISABLE_AFTER: SignedDuration = SignedDuration::from_hours(5 * 24);
/// The longest `Retry-After` honoured; a longer one waits this long.
pub const MAX_RETRY_AFTER: SignedDuration = SignedDuration::from_hours(24);
/// Jitter spreads retries by up to ±20 % so failed endpoints are not hit in waves.
const JITTER: f64 = 0.2;

/// What the receiver answered, or that no answer came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Status {
        code: u16,
        retry_after: Option<SignedDuration>,
    },
    /// Refused by the SSRF guard, no connection, timeout, TLS failure.
    NoAnswer,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Next {
    Delivered,
    RetryIn(SignedDuration),
    /// Attempts used up: the delivery failed (an admin may replay it).
    GiveUp,
    /// 410 Gone: the receiver asks never to be called again; the endpoint is switched off.
    DisableEndpoint,
}

/// What follows attempt number `attempt` (1-based) that got `answer`; `jitter` is a number in
/// -1..=1 the caller drew.
pub fn next(attempt: u32, answer: Answer, jitter: f64) -> Next {
    let retry_after = match answer {
        Answer::Status {
            code: 200..=299, ..
        } => return Next::Delivered,
        Answer::Status { code: 410, .. } => return Next::DisableEndpoint,
        Answer::Status {
            code: 429 | 503,
            retry_after,
        } => retry_after,
        _ => None,
    };
    let Some(wait) = BACKOFF.get(attempt.saturating_sub(1) as usize) else {
        return Next::GiveUp;
    };
    Next::RetryIn(match retry_after {
        Some(asked) => asked.clamp(SignedDuration::ZERO, MAX_RETRY_AFTER),
        None => jittered(*wait, jitter),
    })
}

fn jittered(wait: SignedDuration, jitter: f64) -> SignedDuration {
    let factor = 1.0 + JITTER * jitter.clamp(-1.0, 1.0);
    SignedDuration::from_millis((wait.as_millis() as f64 * factor).round() as i64)
}

/// `Retry-After` as seconds (`120`) or an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`),
/// relative to `now`; a date in the past means now.
pub fn parse_retry_after(value: &str, now: jiff::Timestamp) -> Option<SignedDuration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u32>() {
        return Some(SignedDuration::from_secs(i64::from(secs)));
    }
    let at = jiff::fmt::rfc2822::parse(value).ok()?.timestamp();
    Some(at.duration_since(now).max(SignedDuration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: u16) -> Answer {
        Answer::Status {
            code,
            retry_after: None,
        }
    }

    #[test]
    fn success_gone_and_failure_lead_to_different_things() {
        assert_eq!(next(1, status(200), 0.0), Next::Delivered);
        assert_eq!(next(3, status(204), 0.0), Next::Delivered);
        assert_eq!(next(1, status(410), 0.0), Next::DisableEndpoint);
        assert_eq!(next(1, status(500), 0.0), Next::RetryIn(BACKOFF[0]));
        assert_eq!(next(2, Answer::NoAnswer, 0.0), Next::RetryIn(BACKOFF[1]));
        // A redirect is not followed: it counts as a failure.
        assert_eq!(next(1, status(302), 0.0), Next::RetryIn(BACKOFF[0]));
    }

    #[test]
    fn the_schedule_spans_about_three_days_and_then_gives_up() {
        let total = BACKOFF.iter().fold(SignedDuration::ZERO, |a, b| a + *b);
        assert!(total > SignedDuration::from_hours(70) && total < SignedDuration::from_hours(74));
        assert_eq!(
            next(MAX_ATTEMPTS - 1, status(500), 0.0),
            Next::RetryIn(BACKOFF[8])
        );
        assert_eq!(next(MAX_ATTEMPTS, status(500), 0.0), Next::GiveUp);
    }

    #[test]
    fn jitter_spreads_by_at_most_a_fifth() {
        let wait = BACKOFF[3];
        assert_eq!(
            next(4, status(500), 1.0),
            Next::RetryIn(SignedDuration::from_mins(144))
        );
        assert_eq!(
            next(4, status(500), -1.0),
            Next::RetryIn(SignedDuration::from_mins(96))
        );
        assert_eq!(next(4, status(500), 7.0), next(4, status(500), 1.0));
        assert_ne!(next(4, status(500), 0.5), Next::RetryIn(wait));
    }

    #[test]
    fn retry_after_is_honoured_on_429_and_503_only_and_capped() {
        let asked = |code, secs| Answer::Status {
            code,
            retry_after: Some(SignedDuration::from_secs(secs)),
        };
        assert_eq!(
            next(1, asked(429, 120), 0.9),
            Next::RetryIn(SignedDuration::from_secs(120))
        );
        assert_eq!(
            next(2, asked(503, 30), 0.0),
            Next::RetryIn(SignedDuration::from_secs(30))
        );
        assert_eq!(next(1, asked(500, 120), 0.0), Next::RetryIn(BACKOFF[0]));
        assert_eq!(
            next(1, asked(429, 9_999_999), 0.0),
            Next::RetryIn(MAX_RETRY_AFTER)
        );
        assert_eq!(next(MAX_ATTEMPTS, asked(429, 5), 0.0), Next::GiveUp);
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now: jiff::Timestamp = "2026-10-21T07:27:00Z".parse().unwrap();
        assert_eq!(
            parse_retry_after("120", now),
            Some(SignedDuration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT", now),
            Some(SignedDuration::from_secs(60))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2026 07:00:00 GMT", now),
            Some(SignedDuration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
