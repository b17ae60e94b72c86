//! Full queries (`harness::full`): the operators of the whole language against a database of
//! tables, stored functions and the bundled catalogue. Nothing may panic, hang or overflow the
//! stack.
#![no_main]

#[path = "../harness/kql.rs"]
#[allow(dead_code)] // each target uses one entry point
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::full(data));
