//! Per-DCR sliding-window limits on requests and wire bytes.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

use crate::config::RateLimit;

/// One window per DCR.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: RateLimit,
    windows: HashMap<String, VecDeque<Entry>>,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    at: Instant,
    requests: u64,
    bytes: u64,
}

impl RateLimiter {
    pub(crate) fn new(limit: RateLimit) -> RateLimiter {
        RateLimiter {
            limit,
            windows: HashMap::new(),
        }
    }

    pub(crate) fn clear(&mut self) {
        self.windows.clear();
    }

    /// Admits one request for `dcr` at `now`, or returns how long to wait.
    pub(crate) fn admit(&mut self, dcr: &str, now: Instant) -> Result<(), Duration> {
        let window = self.limit.window;
        let entries = self.windows.entry(dcr.to_owned()).or_default();
        while entries
            .front()
            .is_some_and(|e| now.duration_since(e.at) >= window)
        {
            entries.pop_front();
        }
        let requests: u64 = entries.iter().map(|e| e.requests).sum();
        let bytes: u64 = entries.iter().map(|e| e.bytes).sum();
        let wait_until_below = |total: u64, limit: u64, amount: fn(&Entry) -> u64| {
            let mut remaining = total;
            for entry in entries.iter() {
                remaining -= amount(entry);
                if remaining < limit {
                    return (entry.at + window).saturating_duration_since(now);
                }
            }
            window
        };
        if requests >= self.limit.requests {
            return Err(wait_until_below(requests, self.limit.requests, |e| {
                e.requests
            }));
        }
        if bytes >= self.limit.bytes {
            return Err(wait_until_below(bytes, self.limit.bytes, |e| e.bytes));
        }
        entries.push_back(Entry {
            at: now,
            requests: 1,
            bytes: 0,
        });
        Ok(())
    }

    /// Charges `bytes` received for `dcr` at `now`.
    pub(crate) fn charge_bytes(&mut self, dcr: &str, now: Instant, bytes: u64) {
        self.windows
            .entry(dcr.to_owned())
            .or_default()
            .push_back(Entry {
                at: now,
                requests: 0,
                bytes,
            });
    }
}

/// Whole seconds for `Retry-After`, rounded up, at least 1.
pub(crate) fn retry_after_secs(wait: Duration) -> u64 {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    secs.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_and_bytes_are_limited_per_dcr_within_the_window() {
        let limit = RateLimit {
            requests: 2,
            bytes: 100,
            window: Duration::from_secs(10),
        };
        let mut limiter = RateLimiter::new(limit);
        let t0 = Instant::now();
        assert!(limiter.admit("a", t0).is_ok());
        assert!(limiter.admit("a", t0 + Duration::from_secs(4)).is_ok());
        let wait = limiter.admit("a", t0 + Duration::from_secs(5)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(5));
        assert!(limiter.admit("b", t0).is_ok());
        assert!(limiter.admit("a", t0 + Duration::from_secs(10)).is_ok());

        limiter.charge_bytes("b", t0 + Duration::from_secs(1), 150);
        let wait = limiter.admit("b", t0 + Duration::from_secs(2)).unwrap_err();
        assert_eq!(wait, Duration::from_secs(9));
        assert_eq!(retry_after_secs(Duration::from_millis(1)), 1);
        assert_eq!(retry_after_secs(Duration::from_millis(2001)), 3);
    }
}
