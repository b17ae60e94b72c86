//! The durable checkpoint store (embedded SQLite), in the spirit of the Wazuh Azure module's
//! state database: per-source progress, the batches in flight with their client request ids,
//! and an integrity check on open. A damaged or foreign store is reported, never reset.
//!
//! Progress is committed only after a batch is resolved (delivered or dead-lettered, with the
//! dead-letter file synced first), so a process killed at any point loses nothing; the records
//! of batches in flight at the kill may be delivered twice, and that count is reported.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use crate::ranges::RangeSet;

/// The schema version this code writes.
pub const SCHEMA_VERSION: i64 = 1;

/// Store failures.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file is not a usable checkpoint store.
    #[error(
        "checkpoint store {path} is damaged ({detail}); it was left untouched — move it aside to start over (records may then be sent again)"
    )]
    Corrupt {
        /// The database file.
        path: PathBuf,
        /// What the check said.
        detail: String,
    },
    /// The store was written by a newer version.
    #[error(
        "checkpoint store {path} has schema version {found}, this ccfgen understands {SCHEMA_VERSION}; use a newer ccfgen"
    )]
    Version {
        /// The database file.
        path: PathBuf,
        /// The version found.
        found: i64,
    },
    /// Another push holds the store.
    #[error("checkpoint store {path} is in use by another push")]
    Locked {
        /// The database file.
        path: PathBuf,
    },
    /// Any other SQLite error.
    #[error("checkpoint store {path}: {source}")]
    Sqlite {
        /// The database file.
        path: PathBuf,
        /// The error.
        source: rusqlite::Error,
    },
}

/// What opening the store found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OpenReport {
    /// Whether the store was created now.
    pub created: bool,
    /// Batches left in flight by an interrupted run.
    pub interrupted_batches: u64,
    /// Records in those batches: each may now be delivered twice.
    pub duplicates_possible: u64,
}

/// A source's saved state.
#[derive(Debug, Clone)]
pub struct SourceState {
    /// Row id.
    pub id: i64,
    /// Ordinals already resolved.
    pub done: RangeSet,
    /// Record count, once the whole source has been read.
    pub total: Option<u64>,
}

impl SourceState {
    /// Whether every record of the source is resolved.
    pub fn complete(&self) -> bool {
        self.total.is_some_and(|t| self.done.covers_prefix(t))
    }
}

/// The checkpoint database.
#[derive(Debug)]
pub struct CheckpointStore {
    conn: Connection,
    path: PathBuf,
}

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,
    description TEXT NOT NULL,
    total INTEGER,
    updated_at TEXT NOT NULL
);
CREATE TABLE done (
    source_id INTEGER NOT NULL REFERENCES sources(id),
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    PRIMARY KEY (source_id, start)
);
CREATE TABLE inflight (
    client_request_id TEXT PRIMARY KEY,
    record_count INTEGER NOT NULL,
    ranges TEXT NOT NULL,
    first_sent_at TEXT NOT NULL
);
";

fn now() -> String {
    time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

impl CheckpointStore {
    /// Opens or creates the store at `path`: checks integrity and schema version, takes an
    /// exclusive lock, and collects what an interrupted run left in flight (then clears it:
    /// those records are not marked done, so this run sends them again).
    pub fn open(path: &Path) -> Result<(CheckpointStore, OpenReport), StoreError> {
        let sq = |source| StoreError::Sqlite {
            path: path.to_owned(),
            source,
        };
        let corrupt = |detail: String| StoreError::Corrupt {
            path: path.to_owned(),
            detail,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| corrupt(format!("cannot create directory: {e}")))?;
        }
        let existed = path.exists()
            && std::fs::metadata(path)
                .map(|m| m.len() > 0)
                .unwrap_or(false);
        let conn = Connection::open(path).map_err(sq)?;
        let classify = |e: rusqlite::Error| match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                StoreError::Locked {
                    path: path.to_owned(),
                }
            }
            Some(rusqlite::ErrorCode::NotADatabase | rusqlite::ErrorCode::DatabaseCorrupt) => {
                corrupt(e.to_string())
            }
            _ => sq(e),
        };
        conn.execute_batch(
            "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;",
        )
        .map_err(classify)?;
        let check: String = conn
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .map_err(classify)?;
        if check != "ok" {
            return Err(corrupt(check));
        }
        let has_meta: bool = conn
            .query_row(
                "SELECT count(*) > 0 FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
                [],
                |r| r.get(0),
            )
            .map_err(classify)?;
        let mut report = OpenReport::default();
        if !has_meta {
            let tables: i64 = conn
                .query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0))
                .map_err(classify)?;
            if existed && tables > 0 {
                return Err(corrupt(
                    "not a ccfgen checkpoint store (no meta table)".into(),
                ));
            }
            // BEGIN EXCLUSIVE takes the lock now, so a second process fails here, not later.
            let tx = conn.unchecked_transaction().map_err(classify)?;
            tx.execute_batch(SCHEMA).map_err(classify)?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('schema_version', ?1), ('created_at', ?2)",
                params![SCHEMA_VERSION.to_string(), now()],
            )
            .map_err(classify)?;
            tx.commit().map_err(classify)?;
            report.created = true;
        } else {
            let version: Option<String> = conn
                .query_row(
                    "SELECT value FROM meta WHERE key = 'schema_version'",
                    [],
                    |r| r.get(0),
                )
                .optional()
                .map_err(classify)?;
            let found = version
                .as_deref()
                .and_then(|v| v.parse::<i64>().ok())
                .ok_or_else(|| corrupt("schema_version missing".into()))?;
            if found != SCHEMA_VERSION {
                return Err(StoreError::Version {
                    path: path.to_owned(),
                    found,
                });
            }
            let (batches, records): (i64, Option<i64>) = conn
                .query_row(
                    "SELECT count(*), sum(record_count) FROM inflight",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .map_err(classify)?;
            report.interrupted_batches = batches as u64;
            report.duplicates_possible = records.unwrap_or(0) as u64;
            if batches > 0 {
                let mut stmt = conn
                    .prepare("SELECT client_request_id, record_count FROM inflight ORDER BY first_sent_at, client_request_id")
                    .map_err(classify)?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                    .map_err(classify)?;
                for row in rows {
                    let (id, n) = row.map_err(classify)?;
                    tracing::warn!(client_request_id = %id, records = n, "batch was in flight when the previous run stopped; its records are sent again and may be duplicated");
                }
                drop(stmt);
                conn.execute("DELETE FROM inflight", []).map_err(classify)?;
            }
        }
        // Take the exclusive lock now even when nothing was written.
        conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('opened_at', ?1)",
            params![now()],
        )
        .map_err(classify)?;
        Ok((
            CheckpointStore {
                conn,
                path: path.to_owned(),
            },
            report,
        ))
    }

    fn err(&self, source: rusqlite::Error) -> StoreError {
        StoreError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// The file path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Loads (or registers) the source identified by `key`.
    pub fn source(&self, key: &str, description: &str) -> Result<SourceState, StoreError> {
        self.conn
            .execute(
                "INSERT INTO sources (key, description, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(key) DO NOTHING",
                params![key, description, now()],
            )
            .map_err(|e| self.err(e))?;
        let (id, total): (i64, Option<i64>) = self
            .conn
            .query_row(
                "SELECT id, total FROM sources WHERE key = ?1",
                params![key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))?;
        let mut done = RangeSet::new();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT start, end FROM done WHERE source_id = ?1")
            .map_err(|e| self.err(e))?;
        let rows = stmt
            .query_map(params![id], |r| {
                Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
            })
            .map_err(|e| self.err(e))?;
        for row in rows {
            let (s, e) = row.map_err(|e| self.err(e))?;
            done.insert(s as u64, e as u64);
        }
        Ok(SourceState {
            id,
            done,
            total: total.map(|t| t as u64),
        })
    }

    /// Records that a batch is about to be sent.
    pub fn begin_batch(
        &self,
        client_request_id: Uuid,
        ranges: &[(i64, u64, u64)],
        record_count: u64,
    ) -> Result<(), StoreError> {
        let text = serde_json::to_string(ranges).expect("plain data");
        self.conn
            .execute(
                "INSERT OR REPLACE INTO inflight (client_request_id, record_count, ranges, first_sent_at) VALUES (?1, ?2, ?3, ?4)",
                params![client_request_id.to_string(), record_count as i64, text, now()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// In one transaction: forgets the finished batch `finished` (if any), stores the done
    /// ranges of the given sources, and their totals when known.
    pub fn commit(
        &mut self,
        finished: Option<Uuid>,
        sources: &[(i64, &RangeSet, Option<u64>)],
    ) -> Result<(), StoreError> {
        let path = self.path.clone();
        let err = |source| StoreError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(err)?;
        if let Some(id) = finished {
            tx.execute(
                "DELETE FROM inflight WHERE client_request_id = ?1",
                params![id.to_string()],
            )
            .map_err(err)?;
        }
        for (source_id, done, total) in sources {
            tx.execute("DELETE FROM done WHERE source_id = ?1", params![source_id])
                .map_err(err)?;
            {
                let mut ins = tx
                    .prepare_cached("INSERT INTO done (source_id, start, end) VALUES (?1, ?2, ?3)")
                    .map_err(err)?;
                for (s, e) in done.iter() {
                    ins.execute(params![source_id, s as i64, e as i64])
                        .map_err(err)?;
                }
            }
            tx.execute(
                "UPDATE sources SET total = coalesce(?2, total), updated_at = ?3 WHERE id = ?1",
                params![source_id, total.map(|t| t as i64), now()],
            )
            .map_err(err)?;
        }
        tx.commit().map_err(err)
    }

    /// Forgets a batch that was never sent (the run stopped before it).
    pub fn forget_batch(&self, client_request_id: Uuid) -> Result<(), StoreError> {
        self.conn
            .execute(
                "DELETE FROM inflight WHERE client_request_id = ?1",
                params![client_request_id.to_string()],
            )
            .map_err(|e| self.err(e))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_survives_reopen_and_inflight_counts_as_duplicates() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/checkpoint.sqlite");
        let id = Uuid::new_v4();
        {
            let (mut s, report) = CheckpointStore::open(&path).unwrap();
            assert!(report.created);
            let src = s.source("file:a|1|2", "a.ndjson").unwrap();
            assert!(src.done.iter().next().is_none());
            s.begin_batch(id, &[(src.id, 0, 10)], 10).unwrap();
            s.begin_batch(Uuid::new_v4(), &[(src.id, 10, 15)], 5)
                .unwrap();
            let done = RangeSet::from_ordinals(0..10);
            s.commit(Some(id), &[(src.id, &done, None)]).unwrap();
            // A second opener is refused while the first holds the store.
            assert!(matches!(
                CheckpointStore::open(&path),
                Err(StoreError::Locked { .. })
            ));
        }
        let (s, report) = CheckpointStore::open(&path).unwrap();
        assert!(!report.created);
        assert_eq!(report.interrupted_batches, 1);
        assert_eq!(report.duplicates_possible, 5);
        let src = s.source("file:a|1|2", "a.ndjson").unwrap();
        assert!(src.done.contains(9) && !src.done.contains(10));
        assert!(!src.complete());
        drop(s);
        let (_, report) = CheckpointStore::open(&path).unwrap();
        assert_eq!(report.duplicates_possible, 0, "reported once, then cleared");
    }

    #[test]
    fn damaged_or_foreign_files_are_reported_not_reset() {
        let dir = tempfile::tempdir().unwrap();
        let garbage = dir.path().join("garbage.sqlite");
        std::fs::write(&garbage, vec![0x42u8; 8192]).unwrap();
        let err = CheckpointStore::open(&garbage).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
        assert_eq!(std::fs::read(&garbage).unwrap(), vec![0x42u8; 8192]);

        let foreign = dir.path().join("foreign.sqlite");
        Connection::open(&foreign)
            .unwrap()
            .execute_batch("CREATE TABLE t (x);")
            .unwrap();
        let err = CheckpointStore::open(&foreign).unwrap_err();
        assert!(
            err.to_string().contains("not a ccfgen checkpoint store"),
            "{err}"
        );

        let newer = dir.path().join("newer.sqlite");
        drop(CheckpointStore::open(&newer).unwrap());
        Connection::open(&newer)
            .unwrap()
            .execute(
                "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
                [],
            )
            .unwrap();
        assert!(matches!(
            CheckpointStore::open(&newer),
            Err(StoreError::Version { found: 99, .. })
        ));
    }

    #[test]
    fn corrupted_pages_fail_the_integrity_check() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.sqlite");
        {
            let (mut s, _) = CheckpointStore::open(&path).unwrap();
            for i in 0..200 {
                let src = s.source(&format!("k{i}"), &"x".repeat(200)).unwrap();
                let done = RangeSet::from_ordinals([1, 3, 5, 7]);
                s.commit(None, &[(src.id, &done, Some(8))]).unwrap();
            }
            s.conn
                .execute_batch("PRAGMA wal_checkpoint(TRUNCATE);")
                .unwrap();
        }
        let mut bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 3 * 4096);
        // Scribble over the middle of the second and third pages (b-tree pages).
        for b in &mut bytes[4096 + 100..3 * 4096 - 100] {
            *b = 0xA5;
        }
        std::fs::write(&path, &bytes).unwrap();
        let err = CheckpointStore::open(&path).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err}");
    }
}
