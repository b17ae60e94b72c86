//! Rust code generation: one record struct per stream.

pub mod naming;
