//! The faults injected on a request's arrival (latency, an injected failure, a stall, a reset
//! in the middle of the body), applied the same way by the token and ingestion endpoints.

use std::time::Duration;

use crate::fault::{FaultAction, FaultTarget};
use crate::http::RequestBody;
use crate::state::Shared;

/// What a request does after its arrival faults.
pub(crate) enum Arrival {
    /// Process normally.
    Proceed,
    /// Answer with this injected failure.
    Fail {
        status: u16,
        retry_after_secs: Option<u64>,
    },
    /// Close or reset the connection without answering (the body handling is done).
    Abandon { reset: bool },
}

/// Applies the faults injected for `target` to an arriving request: waits out injected
/// latency, stalls, or reads part of the body before a reset. Records what was applied.
pub(crate) async fn arrival_faults(
    shared: &Shared,
    target: FaultTarget,
    body: &mut RequestBody,
    declared_length: Option<u64>,
    applied: &mut Option<String>,
) -> Arrival {
    let faults = shared.faults().on_arrival(target);
    if !faults.latency.is_zero() {
        shared.note_fault(applied, "latency");
        tokio::time::sleep(faults.latency).await;
    }
    let Some(action) = faults.action else {
        return Arrival::Proceed;
    };
    shared.note_fault(applied, action.name());
    match action {
        FaultAction::Fail {
            status,
            retry_after_secs,
        } => Arrival::Fail {
            status,
            retry_after_secs,
        },
        FaultAction::ResetMidBody => {
            body.read_some(declared_length.map_or(1, |n| (n / 2).max(1)))
                .await;
            Arrival::Abandon { reset: true }
        }
        FaultAction::Stall { ms } => {
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Arrival::Abandon { reset: false }
        }
        FaultAction::Latency { .. } | FaultAction::StoreThenDrop => Arrival::Proceed,
    }
}
