//! What the `push_reader` fuzz target does with one input, shared by the cargo-fuzz target
//! (`fuzz/fuzz_targets/push_reader.rs`, nightly) and `tests/fuzz_seeds.rs` (stable, CI).
//!
//! The input is a file `ccfgen push` reads: a JSON array or NDJSON. Asserted:
//! - reading never panics, and gives the same items and the same error whatever the read
//!   buffer's size (1 byte, 7 bytes, 64 KiB: element and line boundaries split anywhere);
//! - ordinals count up from 0 without gaps;
//! - a JSON array that serde_json reads whole yields exactly its elements, each element's text
//!   parsing to the same value; NDJSON yields exactly the non-blank trimmed lines;
//! - the fast validator (`is_valid_text`) never accepts a record the full validator rejects,
//!   for a stream with a column of every type, rejecting and allowing unknown fields.
#![allow(dead_code)]

use ccfgen_push::reader::{Format, Item, ReadError, for_each_record, trim};
use ccfgen_push::validate::{UnknownFields, ValidationOptions, is_valid_text, validate};
use ccfgen_push::{Column, StreamType};
use serde_json::Value;

/// A stream with a column of every type (the names are the seeds' field names).
const COLUMNS: &[Column] = &[
    Column::new("TimeGenerated", StreamType::DateTime, true),
    Column::new("Id", StreamType::Long, false),
    Column::new("Count", StreamType::Int, false),
    Column::new("Score", StreamType::Real, false),
    Column::new("Ok", StreamType::Boolean, false),
    Column::new("Name", StreamType::String, false),
    Column::new("Key", StreamType::Guid, false),
    Column::new("Extra", StreamType::Dynamic, false),
];

/// What one read produced: the items (ordinal, text or unparseable text) and the outcome.
#[derive(Debug, PartialEq)]
struct Read {
    items: Vec<(u64, bool, Vec<u8>)>,
    outcome: Result<Format, String>,
}

fn read(data: &[u8], capacity: usize) -> Read {
    let mut items = Vec::new();
    let reader = std::io::BufReader::with_capacity(capacity, data);
    let outcome = for_each_record(reader, |item| {
        match item {
            Item::Line { ordinal, text } => items.push((ordinal, true, text.to_vec())),
            Item::Unparseable { ordinal, text, .. } => items.push((ordinal, false, text)),
        }
        Ok::<(), ()>(())
    })
    .map_err(|e| match e {
        ReadError::Syntax {
            ordinal,
            line,
            column,
            ..
        } => format!("syntax after {ordinal} at {line}:{column}"),
        ReadError::Io(e) => format!("io {e}"),
        ReadError::Stopped(()) => "stopped".into(),
    });
    Read { items, outcome }
}

/// The push reader and validator on one input.
pub fn push_reader(data: &[u8]) {
    let whole = read(data, 64 * 1024);
    for capacity in [1, 7] {
        assert_eq!(
            read(data, capacity),
            whole,
            "buffer size {capacity} changes the reading"
        );
    }
    for (i, (ordinal, _, _)) in whole.items.iter().enumerate() {
        assert_eq!(*ordinal, i as u64, "ordinals count up without gaps");
    }
    let body = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    match whole.outcome {
        Ok(Format::JsonArray) | Err(_) => {
            if let Ok(values) = serde_json::from_slice::<Vec<Value>>(body) {
                assert_eq!(
                    whole.outcome,
                    Ok(Format::JsonArray),
                    "a valid array reads whole"
                );
                assert_eq!(whole.items.len(), values.len(), "one item per element");
                for ((_, line, text), value) in whole.items.iter().zip(&values) {
                    assert!(*line, "a valid element is a record");
                    let parsed: Value = serde_json::from_slice(text).expect("element text is JSON");
                    assert_eq!(&parsed, value, "element text is the element");
                }
            }
        }
        Ok(Format::Ndjson) => {
            let lines: Vec<&[u8]> = body
                .split(|&b| b == b'\n')
                .map(trim)
                .filter(|l| !l.is_empty())
                .collect();
            assert_eq!(
                whole.items.len(),
                lines.len(),
                "one item per non-blank line"
            );
            for ((_, _, text), line) in whole.items.iter().zip(lines) {
                assert_eq!(text.as_slice(), line, "the line, trimmed");
            }
        }
        Ok(Format::Empty) => {
            assert!(trim(body).is_empty(), "only whitespace is empty");
            assert!(whole.items.is_empty());
        }
    }
    for unknown_fields in [UnknownFields::Reject, UnknownFields::Allow] {
        let options = ValidationOptions { unknown_fields };
        for (_, line, text) in &whole.items {
            if *line && is_valid_text(text, COLUMNS, options) {
                let value: Value =
                    serde_json::from_slice(text).expect("the fast check accepted non-JSON");
                let problems = validate(&value, COLUMNS, options);
                assert!(
                    problems.is_empty(),
                    "the fast check accepted what validate rejects: {problems:?}"
                );
            }
        }
    }
}
