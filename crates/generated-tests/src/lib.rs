//! The record structs ccfgen generates for every bundled example and every edge-case spec of
//! `specs/`, compiled with warnings denied, and an index of them for the round-trip tests.
#![deny(warnings, missing_docs)]

use ccfgen_push::Record;
use serde_json::Value;

/// One generated record type, type-erased for the tests.
pub struct Entry {
    /// Example (or edge-case spec) directory name.
    pub example: &'static str,
    /// The folder holding its `ccfgen.toml`.
    pub spec: &'static str,
    /// Table name.
    pub table: &'static str,
    /// `Record::STREAM`.
    pub stream: &'static str,
    /// `Record::COLUMNS`.
    pub columns: &'static [ccfgen_push::Column],
    /// Deserializes a JSON record into the struct and serializes it back.
    pub roundtrip: fn(&Value) -> Result<Value, String>,
}

fn entry<R>(example: &'static str, spec: &'static str, table: &'static str) -> Entry
where
    R: Record + ccfgen_push::serde::de::DeserializeOwned,
{
    fn roundtrip<R: Record + ccfgen_push::serde::de::DeserializeOwned>(
        v: &Value,
    ) -> Result<Value, String> {
        let record: R = serde_json::from_value(v.clone()).map_err(|e| e.to_string())?;
        serde_json::to_value(&record).map_err(|e| e.to_string())
    }
    Entry {
        example,
        spec,
        table,
        stream: R::STREAM,
        columns: R::COLUMNS,
        roundtrip: roundtrip::<R>,
    }
}

include!(concat!(env!("OUT_DIR"), "/index.rs"));
