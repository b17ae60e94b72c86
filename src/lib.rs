//! ccfgen: one spec (`ccfgen.toml`) to every Microsoft Sentinel CCF Push connector artifact.
#![deny(missing_docs)]
