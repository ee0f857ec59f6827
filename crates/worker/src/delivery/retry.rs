//! When to try again: the backoff schedule within a time budget, `Retry-After`, and the delays a sender or a queue message gets.

/// How long to keep trying, how long one attempt may take, and how long to wait in between.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Everything, waits included, must end within this (a sender waits ~5 s).
    pub budget_ms: u64,
    /// One request may take at most this long before it counts as "no response".
    pub attempt_timeout_ms: u64,
    /// The first backoff; it doubles on each retry, up to `max_delay_ms`.
    pub base_delay_ms: u64,
    pub max_delay_ms: u64,
    /// No attempt is started with less time than this left.
    pub min_attempt_ms: u64,
    /// An attempt's answer is awaited this long in all: past `attempt_timeout_ms` the run goes
    /// on without it (the commands stay pending, not sent again) and the answer is awaited in
    /// the background, so a slow answer still tells the ledger what Bloomreach saved.
    pub late_answer_ms: u64,
}

/// A lease outlasts everything its run may still do with the key by this much (the settle
/// that records the last answer, clocks that differ a little).
pub const LEASE_MARGIN_MS: u64 = 5_000;

/// When and for how long to try once more.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct NextAttempt {
    pub wait_ms: u64,
    pub timeout_ms: u64,
}

impl RetryPolicy {
    /// Direct mode: answer within ~4 s so Segment's 5 s timeout is never hit.
    pub const DIRECT: RetryPolicy = RetryPolicy {
        budget_ms: 4_000,
        attempt_timeout_ms: 2_500,
        base_delay_ms: 100,
        max_delay_ms: 1_000,
        min_attempt_ms: 300,
        late_answer_ms: 20_000,
    };

    /// Queue mode: one pass per batch; what fails waits on the queue, not here. No sender waits
    /// on a consumer, so an attempt may take 15 s (its answer is awaited 25 s in all).
    pub const QUEUE: RetryPolicy = RetryPolicy {
        budget_ms: 15_000,
        attempt_timeout_ms: 15_000,
        base_delay_ms: 0,
        max_delay_ms: 0,
        min_attempt_ms: 0,
        late_answer_ms: 25_000,
    };

    /// An operator's replay of dead letters: nobody times it out but the runtime, so it may
    /// wait longer than a sender.
    pub const REPLAY: RetryPolicy = RetryPolicy {
        budget_ms: 12_000,
        attempt_timeout_ms: 5_000,
        base_delay_ms: 200,
        max_delay_ms: 2_000,
        min_attempt_ms: 500,
        late_answer_ms: 20_000,
    };

    /// How long a run's lease on a key lasts: from the claim (before the budget's first attempt)
    /// to the last attempt's last possible answer, plus a margin.
    pub fn lease_ms(&self) -> u64 {
        self.budget_ms + self.late_answer_ms.max(self.attempt_timeout_ms) + LEASE_MARGIN_MS
    }

    /// Timeout of the first attempt, `elapsed_ms` into the budget (the ledger's claim came
    /// first): what is left of the budget, at most one attempt's, at least the shortest one.
    pub fn first_attempt_timeout_ms(&self, elapsed_ms: u64) -> u64 {
        let left = self.budget_ms.saturating_sub(elapsed_ms);
        self.attempt_timeout_ms
            .min(left)
            .max(self.min_attempt_ms)
            .max(1)
    }

    /// Exponential backoff with "equal jitter": half the delay fixed, half random.
    /// `retry` counts from 0 (the wait before the second attempt); `jitter` is in [0, 1).
    pub fn backoff_ms(&self, retry: u32, jitter: f64) -> u64 {
        let full = self
            .base_delay_ms
            .saturating_mul(1u64 << retry.min(20))
            .min(self.max_delay_ms);
        let jitter = jitter.clamp(0.0, 1.0);
        full / 2 + ((full - full / 2) as f64 * jitter) as u64
    }

    /// The next attempt after `elapsed_ms`, honouring the upstream's `Retry-After` when it fits;
    /// `None` when no useful attempt fits in what is left of the budget.
    pub fn next_attempt(
        &self,
        elapsed_ms: u64,
        retry: u32,
        jitter: f64,
        retry_after_ms: Option<u64>,
    ) -> Option<NextAttempt> {
        let wait_ms = self
            .backoff_ms(retry, jitter)
            .max(retry_after_ms.unwrap_or(0));
        let left = self.budget_ms.checked_sub(elapsed_ms + wait_ms)?;
        if left < self.min_attempt_ms {
            return None;
        }
        Some(NextAttempt {
            wait_ms,
            timeout_ms: self.attempt_timeout_ms.min(left),
        })
    }
}

/// `Retry-After` in delta-seconds (the form Bloomreach and most APIs send), as milliseconds.
/// An HTTP date or anything else unreadable is `None`.
pub fn parse_retry_after(value: &str) -> Option<u64> {
    let value = value.trim();
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) || value.len() > 9 {
        return None;
    }
    value.parse::<u64>().ok().map(|s| s * 1000)
}

/// The `Retry-After` (seconds) to give a sender when delivery is left incomplete: the
/// upstream's own when it gave one, else a short default; between 1 s and 60 s.
pub fn sender_retry_after_secs(upstream_retry_after_ms: Option<u64>) -> u64 {
    const DEFAULT_SECS: u64 = 2;
    match upstream_retry_after_ms {
        Some(ms) => ms.div_ceil(1000).clamp(1, 60),
        None => DEFAULT_SECS,
    }
}

/// Queue mode: the delay before a message is offered again. It is as long as the message has
/// already waited (so it roughly doubles on each attempt), at least 1 s and at most 5 minutes,
/// and never shorter than the upstream's `Retry-After`.
pub fn queue_retry_delay_secs(message_age_ms: u64, retry_after_ms: Option<u64>) -> u32 {
    const MIN_SECS: u64 = 1;
    const MAX_SECS: u64 = 300;
    let secs = message_age_ms
        .div_ceil(1000)
        .max(retry_after_ms.unwrap_or(0).div_ceil(1000));
    secs.clamp(MIN_SECS, MAX_SECS) as u32
}

/// Queue mode: the delay before a message held by a lease is offered again: until the lease
/// ends (then its key is delivered, released or free), plus a second; at most 5 minutes.
pub fn held_retry_delay_secs(lease_end_ms: u64, now_ms: u64) -> u32 {
    (lease_end_ms.saturating_sub(now_ms).div_ceil(1000) + 1).min(300) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_with_equal_jitter_and_caps() {
        let p = RetryPolicy::DIRECT;
        assert_eq!(p.backoff_ms(0, 0.0), 50);
        assert_eq!(p.backoff_ms(0, 0.999), 99);
        assert_eq!(p.backoff_ms(1, 0.0), 100);
        assert_eq!(p.backoff_ms(3, 0.0), 400);
        assert_eq!(p.backoff_ms(10, 0.0), 500);
        assert_eq!(p.backoff_ms(63, 1.0), 1000);
    }

    #[test]
    fn next_attempt_fits_the_budget() {
        let p = RetryPolicy::DIRECT;
        assert_eq!(
            p.next_attempt(100, 0, 0.0, None),
            Some(NextAttempt {
                wait_ms: 50,
                timeout_ms: 2_500
            })
        );
        // Late in the budget the attempt gets what is left.
        assert_eq!(
            p.next_attempt(2_600, 0, 0.0, None),
            Some(NextAttempt {
                wait_ms: 50,
                timeout_ms: 1_350
            })
        );
        // Nothing useful fits.
        assert_eq!(p.next_attempt(3_700, 0, 0.0, None), None);
        assert_eq!(p.next_attempt(5_000, 0, 0.0, None), None);
        // Retry-After is honoured when it fits, and gives up when it does not.
        assert_eq!(
            p.next_attempt(100, 0, 0.0, Some(1_000)).unwrap().wait_ms,
            1_000
        );
        assert_eq!(p.next_attempt(100, 0, 0.0, Some(30_000)), None);
        assert_eq!(p.first_attempt_timeout_ms(0), 2_500);
        assert_eq!(p.first_attempt_timeout_ms(2_000), 2_000);
        assert_eq!(p.first_attempt_timeout_ms(3_900), 300);
        assert_eq!(RetryPolicy::QUEUE.first_attempt_timeout_ms(20_000), 1);
    }

    #[test]
    fn a_lease_outlasts_every_answer_its_run_may_still_hear() {
        for p in [RetryPolicy::DIRECT, RetryPolicy::QUEUE, RetryPolicy::REPLAY] {
            // The last attempt starts before the budget ends; its answer is awaited at most
            // late_answer_ms after that.
            assert!(p.lease_ms() >= p.budget_ms + p.late_answer_ms + LEASE_MARGIN_MS);
            assert!(p.late_answer_ms > p.attempt_timeout_ms);
        }
        assert_eq!(RetryPolicy::DIRECT.lease_ms(), 29_000);
    }

    #[test]
    fn retry_after_values() {
        assert_eq!(parse_retry_after("1"), Some(1_000));
        assert_eq!(parse_retry_after(" 30 "), Some(30_000));
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after(""), None);
        assert_eq!(sender_retry_after_secs(None), 2);
        assert_eq!(sender_retry_after_secs(Some(1)), 1);
        assert_eq!(sender_retry_after_secs(Some(3_500)), 4);
        assert_eq!(sender_retry_after_secs(Some(600_000)), 60);
    }

    #[test]
    fn queue_delay_grows_with_the_message_age() {
        assert_eq!(queue_retry_delay_secs(0, None), 1);
        assert_eq!(queue_retry_delay_secs(1_200, None), 2);
        assert_eq!(queue_retry_delay_secs(8_000, None), 8);
        assert_eq!(queue_retry_delay_secs(1_000, Some(20_000)), 20);
        assert_eq!(queue_retry_delay_secs(86_400_000, None), 300);
        assert_eq!(held_retry_delay_secs(45_000, 0), 46);
        assert_eq!(held_retry_delay_secs(1_000, 5_000), 1);
        assert_eq!(held_retry_delay_secs(u64::MAX, 0), 300);
    }
}
