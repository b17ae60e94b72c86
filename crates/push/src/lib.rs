//! Push runtime for the Logs Ingestion API (work in progress).
