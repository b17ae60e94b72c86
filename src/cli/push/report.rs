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
    let secs = summary.elapsed.as_secs_f64();
    let mut out = format!("ccfgen push → {} ({})\n", target.stream, target.dcr);
    let mut row = |label: &str, value: String| {
        let _ = writeln!(out, "  {label:<20} {value}");
    };
    row("delivered", summary.delivered.to_string());
    let dead = summary.dead_lettered();
    let mut dead_text = format!(
        "{dead} (invalid {}, too large {}, refused {}, out of retry time {})",
        summary.invalid, summary.too_large, summary.rejected, summary.retries_exhausted
    );
    if let (true, Some(file)) = (dead > 0, &summary.dead_letter_file) {
        let _ = write!(dead_text, " → {}", file.display());
    }
    row("dead-lettered", dead_text);
    if summary.skipped > 0 {
        row(
            "skipped",
            format!("{} (resolved by an earlier run)", summary.skipped),
        );
    }
    if error.is_some() {
        row(
            "pending",
            format!(
                "{} (not sent: fix the cause and run again to resume)",
                summary.pending()
            ),
        );
    }
    row(
        "requests",
        format!(
            "{} ({} retried, {} splits); {:.2} MB sent for {:.2} MB of JSON",
            summary.requests,
            summary.retried_requests,
            summary.splits,
            summary.bytes_wire as f64 / 1e6,
            summary.bytes_raw as f64 / 1e6
        ),
    );
    row(
        "duplicates possible",
        if summary.duplicates_possible == 0 {
            "0".into()
        } else {
            format!(
                "{} (records of requests whose outcome was unknown — interrupted run, lost answer — sent again)",
                summary.duplicates_possible
            )
        },
    );
    row(
        "time",
        format!(
            "{secs:.1} s, {:.0} records/s",
            (summary.delivered + dead) as f64 / secs.max(0.001)
        ),
    );
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
        "retries_exhausted": summary.retries_exhausted,
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
