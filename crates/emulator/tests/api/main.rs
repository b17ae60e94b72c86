//! End-to-end tests: the emulator started in-process on 127.0.0.1, driven over real
//! HTTPS (or plain HTTP where stated) with reqwest.

mod common;
mod faults;
mod happy;
mod ingest;
mod storage;
mod tables;
mod token;
