//! Fuzz target `import_package`: see `fuzz/harness/readers.rs`.
#![no_main]

#[path = "../harness/readers.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::import_package(data));
