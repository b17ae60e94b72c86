//! `analyze_case` on arbitrary JSON cases (`harness::case`): type-name parsing, the analysis
//! and the table comparison. Nothing may panic.
#![no_main]

#[path = "../harness/kql.rs"]
#[allow(dead_code)] // each target uses one entry point
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::case(data));
