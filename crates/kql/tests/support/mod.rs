//! Helpers shared by the integration tests and the benchmark.

pub mod corpus;
pub mod generate;
pub mod queries;
