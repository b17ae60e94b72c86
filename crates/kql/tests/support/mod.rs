//! Helpers shared by the integration tests and the benchmark.

// each test binary uses some of the helpers
#[allow(dead_code)]
pub mod corpus;
#[allow(dead_code)]
pub mod generate;
#[allow(dead_code)]
pub mod queries;
