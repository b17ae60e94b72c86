//! The KQL lexer, parser, analyser and DCR rules on arbitrary text (`harness::query`). Nothing
//! may panic, hang or overflow the stack; deep nesting is in the seeds (`fuzz/seeds/kql_query`).
#![no_main]

#[path = "../harness/kql.rs"]
#[allow(dead_code)] // each target uses one entry point
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| harness::query(data));
