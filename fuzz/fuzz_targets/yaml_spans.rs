//! Fuzz target `yaml_spans`: see `fuzz/harness/readers.rs`.
#![no_main]

#[path = "../harness/readers.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::yaml_spans(data));
