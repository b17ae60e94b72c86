//! Local Entra + Logs Ingestion emulator (work in progress).
