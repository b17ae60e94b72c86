//! Fuzz target `import_zip`: see `fuzz/harness/zip.rs`.
#![no_main]

#[path = "../harness/zip.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::import_zip(data));
