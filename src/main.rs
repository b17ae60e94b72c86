//! The `ccfgen` command line.
fn main() {}
