//! The final summary of `ccfgen push` on stdout: aligned text, or one JSON object with
//! `--log-format json`.

use std::fmt::Write as _;

use ccfgen_push::Summary;
use serde_json::json;

/// What was pushed where, for the summary's first line.
pub struct Target<'a> {
    /// Stream name.
    pub stream: &'a str,
    /// DCR immutable id.
    pub dcr: &'a str,
}

/// The summary as text.
pub fn text(summary: &Summary, target: &Target<'_>, error: Option<&str>) -> String {
    let mut out = format!("ccfgen push → {} ({})\n", target.stream, target.dcr);
    for (label, value) in summary.rows(error.is_some()) {
        let _ = writeln!(out, "  {label:<20} {value}");
    }
    out
}

/// The summary as one JSON line.
pub fn json(summary: &Summary, target: &Target<'_>, error: Option<&str>) -> String {
    json!({
        "stream": target.stream,
        "dcr_immutable_id": target.dcr,
        "complete": error.is_none(),
        "error": error,
        "records_read": summary.records_read,
        "skipped": summary.skipped,
        "delivered": summary.delivered,
        "dead_lettered": summary.dead_lettered(),
        "invalid": summary.invalid,
        "too_large": summary.too_large,
        "rejected": summary.rejected,
        "unparseable": summary.unparseable,
        "earlier_dead_letters": summary.earlier_dead_letters,
        "oversized_values": summary.oversized_values,
        "pending": summary.pending(),
        "requests": summary.requests,
        "retried_requests": summary.retried_requests,
        "splits": summary.splits,
        "duplicates_possible": summary.duplicates_possible,
        "bytes_wire": summary.bytes_wire,
        "bytes_raw": summary.bytes_raw,
        "token_requests": summary.token_requests,
        "elapsed_secs": summary.elapsed.as_secs_f64(),
        "dead_letter_file": summary.dead_letter_file.as_ref().map(|p| p.display().to_string()),
    })
    .to_string()
        + "\n"
}
