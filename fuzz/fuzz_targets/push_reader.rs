//! Fuzz target `push_reader`: see `fuzz/harness/push.rs`.
#![no_main]

#[path = "../harness/push.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::push_reader(data));
