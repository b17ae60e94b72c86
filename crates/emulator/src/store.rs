//! The SQLite state file: one table per stream (typed columns plus `_ccfgen_*`
//! ingestion metadata), the request log and the silent-behaviour diagnostics.
//!
//! Durability: WAL journal with `synchronous=NORMAL`. Every accepted batch is one
//! transaction committed before the 204 is sent; in WAL mode a commit has been written
//! (`write(2)`) to the `-wal` file when `COMMIT` returns, so it survives the emulator
//! process being killed. Only an operating-system crash or power loss can lose the last
//! commits (`NORMAL` skips the fsync per commit), which is outside what the emulator
//! promises.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, params};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::introspect::{DiagnosticKind, RequestKind, RequestLog, SilentDiagnostic};
use crate::schema::{Finding, Schema, sql_affinity, stored_to_json};

/// Metadata columns appended to every stream table, in order.
const META_COLUMNS: [(&str, &str); 6] = [
    ("_ccfgen_dcr_id", "TEXT"),
    ("_ccfgen_request_id", "TEXT"),
    ("_ccfgen_client_request_id", "TEXT"),
    ("_ccfgen_attempt", "INTEGER"),
    ("_ccfgen_received_at", "TEXT"),
    ("_ccfgen_seq", "INTEGER"),
];

/// Prefix reserved for the emulator's own tables and columns.
pub(crate) const RESERVED_PREFIX: &str = "_ccfgen_";

const SCHEMA_SQL: &str = "
CREATE TABLE IF NOT EXISTS _ccfgen_requests (
    seq INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL,
    kind TEXT NOT NULL,
    request_id TEXT NOT NULL,
    client_request_id TEXT,
    attempt INTEGER NOT NULL,
    client_id TEXT,
    dcr_id TEXT,
    stream TEXT,
    content_encoding TEXT,
    wire_bytes INTEGER NOT NULL,
    inflated_bytes INTEGER NOT NULL,
    records INTEGER NOT NULL,
    status INTEGER,
    error_code TEXT,
    fault TEXT
);
CREATE TABLE IF NOT EXISTS _ccfgen_diagnostics (
    seq INTEGER PRIMARY KEY,
    request_id TEXT NOT NULL,
    client_request_id TEXT,
    dcr_id TEXT NOT NULL,
    stream TEXT NOT NULL,
    column_name TEXT NOT NULL,
    kind TEXT NOT NULL,
    count INTEGER NOT NULL,
    first_record INTEGER NOT NULL,
    detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS _ccfgen_streams (
    name TEXT PRIMARY KEY,
    columns TEXT NOT NULL,
    transform_kql TEXT,
    output_table TEXT
);
";

/// A stream declaration as recorded in `_ccfgen_streams` (for applying transforms later).
#[derive(Debug, Clone)]
pub(crate) struct StreamRecord {
    pub(crate) schema: Schema,
    pub(crate) transform_kql: Option<String>,
    pub(crate) output_table: Option<String>,
}

/// Ingestion metadata stored with each row of a batch.
#[derive(Debug, Clone)]
pub(crate) struct RowMeta {
    pub(crate) dcr_id: String,
    pub(crate) request_id: String,
    pub(crate) client_request_id: Option<String>,
    pub(crate) attempt: u32,
    pub(crate) received_at: String,
}

struct Table {
    schema: Schema,
    insert_sql: String,
    select_sql: String,
}

/// The open state file.
pub(crate) struct Store {
    conn: Mutex<Connection>,
    tables: HashMap<String, Table>,
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

impl Store {
    /// Opens (creating when needed) the state file with one table per stream. An existing
    /// table must have exactly the declared columns.
    pub(crate) fn open(path: &Path, streams: &[StreamRecord]) -> Result<Store, Error> {
        let state_error = |source| Error::State {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(state_error)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(state_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(state_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(state_error)?;
        conn.execute_batch(SCHEMA_SQL).map_err(state_error)?;

        let mut tables = HashMap::new();
        for stream in streams {
            let table = prepare_table(&conn, stream).map_err(|e| match e {
                TableError::Sql(source) => state_error(source),
                TableError::Mismatch(message) => Error::Config(format!(
                    "{message} in {}; use a fresh state file",
                    path.display()
                )),
            })?;
            tables.insert(stream.schema.name.clone(), table);
        }
        Ok(Store {
            conn: Mutex::new(conn),
            tables,
        })
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent (transactions
        // roll back on drop), so a poisoned lock is still usable.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The resolved declaration of `stream`.
    pub(crate) fn schema(&self, stream: &str) -> Option<&Schema> {
        self.tables.get(stream).map(|table| &table.schema)
    }

    /// How often each client request id has been seen by ingestion so far.
    pub(crate) fn attempt_counts(&self) -> rusqlite::Result<HashMap<String, u32>> {
        let conn = self.conn();
        let mut statement = conn.prepare(
            "SELECT client_request_id, COUNT(*) FROM _ccfgen_requests
             WHERE kind = 'ingest' AND client_request_id IS NOT NULL GROUP BY client_request_id",
        )?;
        let rows = statement.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?;
        rows.collect()
    }

    /// Stores an accepted batch, its diagnostics and its log entry in one committed
    /// transaction; returns the log entry's sequence number.
    pub(crate) fn commit_batch(
        &self,
        stream: &str,
        rows: &[Vec<SqlValue>],
        meta: &RowMeta,
        findings: &[Finding],
        log: &RequestLog,
    ) -> rusqlite::Result<u64> {
        let table = self
            .tables
            .get(stream)
            .ok_or_else(|| rusqlite::Error::InvalidParameterName(stream.to_owned()))?;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        {
            let meta_values = [
                SqlValue::Text(meta.dcr_id.clone()),
                SqlValue::Text(meta.request_id.clone()),
                meta.client_request_id
                    .clone()
                    .map_or(SqlValue::Null, SqlValue::Text),
                SqlValue::Integer(meta.attempt.into()),
                SqlValue::Text(meta.received_at.clone()),
            ];
            let mut insert = tx.prepare_cached(&table.insert_sql)?;
            for row in rows {
                insert.execute(rusqlite::params_from_iter(row.iter().chain(&meta_values)))?;
            }
            let mut diagnostic = tx.prepare_cached(
                "INSERT INTO _ccfgen_diagnostics (request_id, client_request_id, dcr_id, stream,
                 column_name, kind, count, first_record, detail) VALUES (?,?,?,?,?,?,?,?,?)",
            )?;
            for finding in findings {
                diagnostic.execute(params![
                    meta.request_id,
                    meta.client_request_id,
                    meta.dcr_id,
                    stream,
                    finding.column,
                    finding.kind.as_str(),
                    finding.count,
                    finding.first_record,
                    finding.detail,
                ])?;
            }
        }
        let seq = insert_log(&tx, log)?;
        tx.commit()?;
        Ok(seq)
    }

    /// Appends a request log entry; returns its sequence number.
    pub(crate) fn log(&self, log: &RequestLog) -> rusqlite::Result<u64> {
        insert_log(&self.conn(), log)
    }

    /// Stored rows of `stream` in acceptance order, as JSON objects holding the declared
    /// columns and the `_ccfgen_*` metadata. Unknown streams have no rows.
    pub(crate) fn rows(&self, stream: &str) -> rusqlite::Result<Vec<Value>> {
        let Some(table) = self.tables.get(stream) else {
            return Ok(Vec::new());
        };
        let conn = self.conn();
        let mut statement = conn.prepare_cached(&table.select_sql)?;
        let declared = table.schema.columns.len();
        let rows = statement.query_map([], |row| {
            let mut object = Map::new();
            for (i, (name, ty)) in table.schema.columns.iter().enumerate() {
                object.insert(name.clone(), stored_to_json(*ty, row.get(i)?));
            }
            for (j, (name, _)) in META_COLUMNS.iter().enumerate() {
                let value: SqlValue = row.get(declared + j)?;
                let json = match value {
                    SqlValue::Integer(i) => Value::from(i),
                    SqlValue::Text(t) => Value::String(t),
                    _ => Value::Null,
                };
                object.insert((*name).to_owned(), json);
            }
            Ok(Value::Object(object))
        })?;
        rows.collect()
    }

    /// Number of stored rows of `stream` (0 for unknown streams).
    pub(crate) fn count(&self, stream: &str) -> rusqlite::Result<u64> {
        if !self.tables.contains_key(stream) {
            return Ok(0);
        }
        let sql = format!("SELECT COUNT(*) FROM {}", quote(stream));
        self.conn().query_row(&sql, [], |row| row.get(0))
    }

    /// The request log in arrival order.
    pub(crate) fn requests(&self) -> rusqlite::Result<Vec<RequestLog>> {
        let conn = self.conn();
        let mut statement = conn.prepare_cached(
            "SELECT seq, received_at, kind, request_id, client_request_id, attempt, client_id,
             dcr_id, stream, content_encoding, wire_bytes, inflated_bytes, records, status,
             error_code, fault FROM _ccfgen_requests ORDER BY seq",
        )?;
        let rows = statement.query_map([], |row| {
            let kind: String = row.get(2)?;
            Ok(RequestLog {
                seq: row.get(0)?,
                received_at: row.get(1)?,
                kind: RequestKind::parse(&kind).ok_or_else(|| bad_text(2, &kind))?,
                request_id: row.get(3)?,
                client_request_id: row.get(4)?,
                attempt: row.get(5)?,
                client_id: row.get(6)?,
                dcr_id: row.get(7)?,
                stream: row.get(8)?,
                content_encoding: row.get(9)?,
                wire_bytes: row.get(10)?,
                inflated_bytes: row.get(11)?,
                records: row.get(12)?,
                status: row.get(13)?,
                error_code: row.get(14)?,
                fault: row.get(15)?,
            })
        })?;
        rows.collect()
    }

    /// Silent-behaviour diagnostics in the order they were recorded.
    pub(crate) fn diagnostics(&self) -> rusqlite::Result<Vec<SilentDiagnostic>> {
        let conn = self.conn();
        let mut statement = conn.prepare_cached(
            "SELECT request_id, client_request_id, dcr_id, stream, column_name, kind, count,
             first_record, detail FROM _ccfgen_diagnostics ORDER BY seq",
        )?;
        let rows = statement.query_map([], |row| {
            let kind: String = row.get(5)?;
            Ok(SilentDiagnostic {
                request_id: row.get(0)?,
                client_request_id: row.get(1)?,
                dcr_id: row.get(2)?,
                stream: row.get(3)?,
                column: row.get(4)?,
                kind: DiagnosticKind::parse(&kind).ok_or_else(|| bad_text(5, &kind))?,
                count: row.get(6)?,
                first_record: row.get(7)?,
                detail: row.get(8)?,
            })
        })?;
        rows.collect()
    }

    /// Deletes every stored row, log entry and diagnostic.
    pub(crate) fn reset(&self) -> rusqlite::Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for name in self.tables.keys() {
            tx.execute(&format!("DELETE FROM {}", quote(name)), [])?;
        }
        tx.execute("DELETE FROM _ccfgen_requests", [])?;
        tx.execute("DELETE FROM _ccfgen_diagnostics", [])?;
        tx.commit()
    }
}

fn bad_text(column: usize, text: &str) -> rusqlite::Error {
    rusqlite::Error::InvalidColumnType(column, text.to_owned(), rusqlite::types::Type::Text)
}

fn insert_log(conn: &Connection, log: &RequestLog) -> rusqlite::Result<u64> {
    let mut statement = conn.prepare_cached(
        "INSERT INTO _ccfgen_requests (received_at, kind, request_id, client_request_id, attempt,
         client_id, dcr_id, stream, content_encoding, wire_bytes, inflated_bytes, records, status,
         error_code, fault) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
    )?;
    statement.execute(params![
        log.received_at,
        log.kind.as_str(),
        log.request_id,
        log.client_request_id,
        log.attempt,
        log.client_id,
        log.dcr_id,
        log.stream,
        log.content_encoding,
        log.wire_bytes,
        log.inflated_bytes,
        log.records,
        log.status,
        log.error_code,
        log.fault,
    ])?;
    Ok(conn.last_insert_rowid() as u64)
}

enum TableError {
    Sql(rusqlite::Error),
    Mismatch(String),
}

impl From<rusqlite::Error> for TableError {
    fn from(e: rusqlite::Error) -> TableError {
        TableError::Sql(e)
    }
}

/// Creates the stream's table if missing, checks an existing one, records the declaration.
fn prepare_table(conn: &Connection, stream: &StreamRecord) -> Result<Table, TableError> {
    let schema = &stream.schema;
    let expected: Vec<(String, String)> = schema
        .columns
        .iter()
        .map(|(name, ty)| (name.clone(), sql_affinity(*ty).to_owned()))
        .chain(
            META_COLUMNS
                .iter()
                .map(|(n, t)| ((*n).to_owned(), (*t).to_owned())),
        )
        .collect();
    let definitions: Vec<String> = expected
        .iter()
        .map(|(name, ty)| {
            let constraint = if name == "_ccfgen_seq" {
                " PRIMARY KEY"
            } else {
                ""
            };
            format!("{} {ty}{constraint}", quote(name))
        })
        .collect();
    let table = quote(&schema.name);
    conn.execute(
        &format!(
            "CREATE TABLE IF NOT EXISTS {table} ({})",
            definitions.join(", ")
        ),
        [],
    )?;
    let mut info = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    let actual: Vec<(String, String)> = info
        .query_map([], |row| Ok((row.get(1)?, row.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    if actual != expected {
        return Err(TableError::Mismatch(format!(
            "table {table} has columns {actual:?}, the stream declares {expected:?}"
        )));
    }
    let columns_json = Value::Array(
        schema
            .columns
            .iter()
            .map(|(name, ty)| serde_json::json!({"name": name, "type": ty.as_str()}))
            .collect(),
    );
    conn.execute(
        "INSERT INTO _ccfgen_streams (name, columns, transform_kql, output_table) VALUES (?,?,?,?)
         ON CONFLICT(name) DO UPDATE SET columns = excluded.columns,
         transform_kql = excluded.transform_kql, output_table = excluded.output_table",
        params![
            schema.name,
            columns_json.to_string(),
            stream.transform_kql,
            stream.output_table
        ],
    )?;
    let names: Vec<String> = expected.iter().map(|(name, _)| quote(name)).collect();
    let insert_columns = &names[..names.len() - 1];
    let insert_sql = format!(
        "INSERT INTO {table} ({}) VALUES ({})",
        insert_columns.join(", "),
        vec!["?"; insert_columns.len()].join(", ")
    );
    let select_sql = format!(
        "SELECT {} FROM {table} ORDER BY _ccfgen_seq",
        names.join(", ")
    );
    Ok(Table {
        schema: schema.clone(),
        insert_sql,
        select_sql,
    })
}

/// The state file used when the configuration names none.
pub(crate) fn temp_state() -> Result<(tempfile::TempDir, PathBuf), Error> {
    let dir = tempfile::Builder::new()
        .prefix("ccfgen-emulator-")
        .tempdir()
        .map_err(|source| Error::Io {
            path: std::env::temp_dir(),
            source,
        })?;
    let path = dir.path().join("state.sqlite");
    Ok((dir, path))
}

/// Reads one optional text value (used by tests of the state file).
#[cfg(test)]
fn scalar(conn: &Connection, sql: &str) -> Option<String> {
    use rusqlite::OptionalExtension as _;
    conn.query_row(sql, [], |row| row.get(0))
        .optional()
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{StreamColumn, StreamDecl};

    fn record(columns: Vec<StreamColumn>) -> StreamRecord {
        let decl = StreamDecl::new("Custom-T", columns);
        StreamRecord {
            schema: Schema::new(&decl).expect("schema"),
            transform_kql: Some("source".into()),
            output_table: None,
        }
    }

    #[test]
    fn state_file_is_wal_and_tables_are_typed() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.sqlite");
        let stream = record(vec![StreamColumn::new("A", "long")]);
        Store::open(&path, std::slice::from_ref(&stream)).expect("opens");
        let conn = Connection::open(&path).expect("reopen");
        assert_eq!(scalar(&conn, "PRAGMA journal_mode").as_deref(), Some("wal"));
        assert_eq!(
            scalar(
                &conn,
                "SELECT type FROM pragma_table_info('Custom-T') WHERE name = 'A'"
            )
            .as_deref(),
            Some("INTEGER")
        );
        assert_eq!(
            scalar(&conn, "SELECT transform_kql FROM _ccfgen_streams").as_deref(),
            Some("source")
        );
    }

    #[test]
    fn changed_declaration_is_refused_on_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.sqlite");
        Store::open(&path, &[record(vec![StreamColumn::new("A", "long")])]).expect("opens");
        let err = Store::open(&path, &[record(vec![StreamColumn::new("A", "string")])])
            .err()
            .expect("mismatch refused");
        assert!(matches!(err, Error::Config(_)), "{err}");
    }
}
