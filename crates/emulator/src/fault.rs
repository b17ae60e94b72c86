//! Fault injection: what the next requests to an endpoint suffer, and the queue that
//! hands faults out in the order they were injected.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// Which requests a fault applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultTarget {
    /// Ingestion requests.
    #[default]
    Ingest,
    /// Token requests (token endpoint and IMDS).
    Token,
    /// Both.
    Any,
}

impl FaultTarget {
    fn covers(self, endpoint: FaultTarget) -> bool {
        self == FaultTarget::Any || self == endpoint
    }
}

/// What happens to an affected request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum FaultAction {
    /// Answer `status` (with `Retry-After` when given) without processing.
    Fail {
        /// HTTP status.
        status: u16,
        /// `Retry-After` in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_secs: Option<u64>,
    },
    /// Wait this long before processing normally.
    Latency {
        /// Delay in milliseconds.
        ms: u64,
    },
    /// Process and commit normally, then close the connection without answering
    /// (the ambiguous acknowledgement that produces duplicates on retry).
    StoreThenDrop,
    /// Read part of the body, then reset the connection; nothing is stored.
    ResetMidBody,
    /// Read nothing and answer nothing for this long, then close the connection.
    Stall {
        /// Stall in milliseconds.
        ms: u64,
    },
}

impl FaultAction {
    /// Stable name used in logs and counters.
    pub fn name(self) -> &'static str {
        match self {
            FaultAction::Fail { .. } => "fail",
            FaultAction::Latency { .. } => "latency",
            FaultAction::StoreThenDrop => "store_then_drop",
            FaultAction::ResetMidBody => "reset_mid_body",
            FaultAction::Stall { .. } => "stall",
        }
    }
}

/// A fault applied to the next `count` matching requests.
///
/// JSON form (for `POST /_emulator/faults`):
/// `{"target":"ingest","count":2,"action":"fail","status":503,"retry_after_secs":1}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Requests affected.
    #[serde(default)]
    pub target: FaultTarget,
    /// How many requests it applies to.
    #[serde(default = "one")]
    pub count: u32,
    /// What happens to them.
    #[serde(flatten)]
    pub action: FaultAction,
}

fn one() -> u32 {
    1
}

impl Fault {
    fn new(action: FaultAction) -> Fault {
        Fault {
            target: FaultTarget::Ingest,
            count: 1,
            action,
        }
    }

    /// Answer the next ingestion request with `status`.
    pub fn fail(status: u16) -> Fault {
        Fault::new(FaultAction::Fail {
            status,
            retry_after_secs: None,
        })
    }

    /// Delay the next ingestion request by `delay`.
    pub fn latency(delay: Duration) -> Fault {
        Fault::new(FaultAction::Latency { ms: millis(delay) })
    }

    /// Store the next ingestion request, then drop its connection unanswered.
    pub fn store_then_drop() -> Fault {
        Fault::new(FaultAction::StoreThenDrop)
    }

    /// Reset the next ingestion request's connection while its body is being read.
    pub fn reset_mid_body() -> Fault {
        Fault::new(FaultAction::ResetMidBody)
    }

    /// Leave the next ingestion request unanswered for `duration`, then close.
    pub fn stall(duration: Duration) -> Fault {
        Fault::new(FaultAction::Stall {
            ms: millis(duration),
        })
    }

    /// Apply to the next `count` requests instead of one.
    pub fn times(mut self, count: u32) -> Fault {
        self.count = count;
        self
    }

    /// Apply to `target`'s requests instead of ingestion.
    pub fn on(mut self, target: FaultTarget) -> Fault {
        self.target = target;
        self
    }

    /// Add `Retry-After: secs` to a [`FaultAction::Fail`] answer (no effect otherwise).
    pub fn retry_after(mut self, secs: u64) -> Fault {
        if let FaultAction::Fail {
            retry_after_secs, ..
        } = &mut self.action
        {
            *retry_after_secs = Some(secs);
        }
        self
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// What arrives with a request before it is processed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct ArrivalFaults {
    /// Total injected latency.
    pub(crate) latency: Duration,
    /// The first matching fail/reset/stall fault.
    pub(crate) action: Option<FaultAction>,
}

/// Injected faults still to apply, in injection order.
#[derive(Debug, Default)]
pub(crate) struct FaultQueue {
    pending: Vec<Fault>,
}

impl FaultQueue {
    pub(crate) fn push(&mut self, fault: Fault) {
        if fault.count > 0 {
            self.pending.push(fault);
        }
    }

    pub(crate) fn clear(&mut self) {
        self.pending.clear();
    }

    /// Faults a new request to `endpoint` suffers on arrival: every matching latency
    /// fault, plus the first matching fail, reset or stall fault. Each is used up once.
    pub(crate) fn on_arrival(&mut self, endpoint: FaultTarget) -> ArrivalFaults {
        let mut arrival = ArrivalFaults::default();
        for fault in self
            .pending
            .iter_mut()
            .filter(|f| f.target.covers(endpoint))
        {
            match fault.action {
                FaultAction::Latency { ms } => {
                    arrival.latency += Duration::from_millis(ms);
                    fault.count -= 1;
                }
                FaultAction::StoreThenDrop => {}
                action @ (FaultAction::Fail { .. }
                | FaultAction::ResetMidBody
                | FaultAction::Stall { .. }) => {
                    if arrival.action.is_none() {
                        arrival.action = Some(action);
                        fault.count -= 1;
                    }
                }
            }
        }
        self.pending.retain(|f| f.count > 0);
        arrival
    }

    /// Whether a request to `endpoint` that was just applied must lose its answer.
    pub(crate) fn drop_after_apply(&mut self, endpoint: FaultTarget) -> bool {
        let found = self
            .pending
            .iter_mut()
            .find(|f| f.target.covers(endpoint) && f.action == FaultAction::StoreThenDrop);
        let Some(fault) = found else {
            return false;
        };
        fault.count -= 1;
        self.pending.retain(|f| f.count > 0);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_form_round_trips() {
        let fault = Fault::fail(503).times(2).retry_after(1);
        let json = serde_json::to_value(fault).expect("serializes");
        assert_eq!(
            json,
            serde_json::json!({"target":"ingest","count":2,"action":"fail","status":503,"retry_after_secs":1})
        );
        let parsed: Fault =
            serde_json::from_value(serde_json::json!({"action":"stall","ms":50})).expect("parses");
        assert_eq!(parsed, Fault::stall(Duration::from_millis(50)));
    }

    #[test]
    fn queue_applies_in_order_and_counts_down() {
        let mut queue = FaultQueue::default();
        queue.push(Fault::latency(Duration::from_millis(5)).times(2));
        queue.push(Fault::fail(500).on(FaultTarget::Any));
        queue.push(Fault::fail(503));
        queue.push(Fault::store_then_drop());

        assert_eq!(
            queue.on_arrival(FaultTarget::Token).action,
            Some(FaultAction::Fail {
                status: 500,
                retry_after_secs: None
            })
        );
        let first = queue.on_arrival(FaultTarget::Ingest);
        assert_eq!(first.latency, Duration::from_millis(5));
        assert_eq!(
            first.action,
            Some(FaultAction::Fail {
                status: 503,
                retry_after_secs: None
            })
        );
        let second = queue.on_arrival(FaultTarget::Ingest);
        assert_eq!(
            second,
            ArrivalFaults {
                latency: Duration::from_millis(5),
                action: None
            }
        );
        assert_eq!(
            queue.on_arrival(FaultTarget::Ingest),
            ArrivalFaults::default()
        );
        assert!(!queue.drop_after_apply(FaultTarget::Token));
        assert!(queue.drop_after_apply(FaultTarget::Ingest));
        assert!(!queue.drop_after_apply(FaultTarget::Ingest));
    }
}
