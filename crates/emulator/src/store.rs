//! The SQLite state file: the rows of each stream, the rows of each destination table (what
//! the data flows' transformations made of them), the request log and the silent-behaviour
//! diagnostics.
//!
//! Each accepted batch's ingestion metadata is stored once, in `_ccfgen_batches`. Its stream
//! rows are stored **packed**: one row of `_ccfgen_packed_rows_<stream>` holding them all as
//! one JSON array of row arrays, with their number and the sequence number of the first (one
//! SQLite record per batch instead of one per row). A view named after the stream expands them
//! (`json_each`, each cell `CAST` back to its column's type) and joins the batch's metadata, so
//! `SELECT * FROM "Custom-…"` shows every row, typed, with its `_ccfgen_*` metadata columns.
//! Rows of files written before (and a batch holding a value packing would not give back as it
//! is, such as text with a NUL) are in `_ccfgen_rows_<stream>`, one typed row per row; the view
//! lists both in sequence order. (Files older still had a table named after the stream with
//! the metadata on every row; they are converted when opened.) Likewise each destination
//! table's rows, per batch and data flow, are in `_ccfgen_packed_table_<table>` (typed:
//! `_ccfgen_table_<table>`) with the stream they came from, behind a view named after the
//! table; a table cell that is its stream row's stored cell is written as that cell's JSON.
//! `_ccfgen_flows` lists the data flows of the running configuration.
//! Files are created with 64 KiB pages: fewer page writes per stored byte.
//!
//! Durability: WAL journal with `synchronous=NORMAL`. Every accepted batch (its stream rows and
//! its table rows) is one transaction committed before the 204 is sent; in WAL mode a commit has been written
//! (`write(2)`) to the `-wal` file when `COMMIT` returns, so it survives the emulator
//! process being killed. Only an operating-system crash or power loss can lose the last
//! commits (`NORMAL` skips the fsync per commit), which is outside what the emulator
//! promises.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::types::{ToSqlOutput, Value as SqlValue, ValueRef};
use rusqlite::{Connection, OptionalExtension as _, Statement, params};
use serde_json::{Map, Value};

use crate::error::Error;
use crate::introspect::{DiagnosticKind, RequestKind, RequestLog, SilentDiagnostic};
use crate::schema::{Coerced, Finding, Schema, sql_affinity, stored_to_json};
use crate::swar;
use crate::transform::{self, FlowInfo, Formatted, TableRows, TableSchema, Transforms};
use ccfgen_kql::Column;

/// Metadata columns the stream's view appends to the declared columns, in order.
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
CREATE TABLE IF NOT EXISTS _ccfgen_batches (
    seq INTEGER PRIMARY KEY,
    dcr_id TEXT NOT NULL,
    request_id TEXT NOT NULL,
    client_request_id TEXT,
    attempt INTEGER NOT NULL,
    received_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS _ccfgen_streams (
    name TEXT PRIMARY KEY,
    columns TEXT NOT NULL,
    transform_kql TEXT,
    output_table TEXT
);
CREATE TABLE IF NOT EXISTS _ccfgen_flows (
    seq INTEGER PRIMARY KEY,
    stream TEXT NOT NULL,
    output_table TEXT NOT NULL,
    transform_kql TEXT NOT NULL,
    error TEXT
);
";

/// A stream declaration as recorded in `_ccfgen_streams` (with its first data flow's
/// transformation and output stream).
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

/// A stream's storage.
struct Table {
    schema: Schema,
    /// `_ccfgen_rows_<stream>`.
    rows: RowTable,
    select_sql: String,
}

/// A destination table's storage.
struct OutTable {
    schema: TableSchema,
    /// `_ccfgen_table_<table>`.
    rows: RowTable,
    select_sql: String,
}

/// Most values bound by one multi-row `INSERT` (rows × values per row).
const VALUES_PER_INSERT: usize = 1024;
/// Most rows inserted by one multi-row `INSERT`.
const ROWS_PER_INSERT: usize = 64;

/// The rows of a stream (`_ccfgen_rows_<stream>`, `_ccfgen_packed_rows_<stream>`) or of a
/// destination table (`_ccfgen_table_<table>`, `_ccfgen_packed_table_<table>`), stored two
/// ways behind one view:
///
/// - **packed** (every batch written by this version, unless it holds a value JSON cannot
///   give back as it is or one its column's type would convert): one row per batch (per batch and data flow for a table) holding the
///   batch's rows as one JSON array of arrays (`_ccfgen_rows`), their number
///   (`_ccfgen_count`), the metadata columns and `_ccfgen_seq`, the sequence number of the
///   batch's first row. SQLite stores one record per batch instead of one per row.
/// - **typed**: one row per row, the data columns typed, then the metadata columns
///   (`_ccfgen_stream` for table rows, `_ccfgen_batch`), then `_ccfgen_seq`, the rowid. Rows of
///   files written before the packed layout are here; so is a batch holding text with a NUL
///   character (which SQLite's JSON functions would cut).
///
/// The view lists the typed rows, then the packed ones expanded by `json_each` (each cell
/// read back by `json_extract` and `CAST` to its column's type: the same SQLite value, see
/// [`write_json`] and [`fits`]); the view's columns have the typed table's declared types. Sequence numbers continue across
/// both: a batch's rows take the numbers after the highest stored one.
struct RowTable {
    /// The typed table's name, quoted.
    name: String,
    /// The packed table's name, quoted.
    packed: String,
    /// The SQLite type of each data column (`INTEGER`, `REAL`, `TEXT`).
    types: Vec<String>,
    /// Data columns per row.
    data: usize,
    /// Values bound per typed row: the data columns, the metadata columns and `_ccfgen_seq`.
    width: usize,
    /// `INSERT` of one typed row.
    insert_one: String,
    /// `INSERT` of `chunk` typed rows: SQLite runs one statement per `chunk` rows rather than
    /// one per row.
    insert_chunk: String,
    chunk: usize,
    /// `INSERT` of one packed batch: `_ccfgen_seq`, `_ccfgen_count`, the metadata columns,
    /// `_ccfgen_rows`.
    insert_packed: String,
    /// The sequence number the next row takes.
    next_seq: String,
    /// The number of stored rows.
    count: String,
}

/// A `json_extract` path naming element `i` of an array.
fn element(i: usize) -> String {
    format!("'$[{i}]'")
}

impl RowTable {
    /// Creates the typed table `name` and the packed table `packed` when missing, with
    /// `columns` (name, SQLite type) and then `metadata` (name, SQLite type; `NOT NULL`) stored
    /// with each row (each packed batch), and `_ccfgen_seq`; an existing typed table must have
    /// exactly these columns (`declared`: what the mismatch message says declares them, as in
    /// "the stream declares").
    fn create(
        conn: &Connection,
        name: String,
        packed: String,
        columns: &[(String, String)],
        metadata: &[(&str, &str)],
        declared: &str,
    ) -> Result<RowTable, TableError> {
        let mut expected: Vec<(String, String)> = columns.to_vec();
        expected.extend(
            metadata
                .iter()
                .map(|(n, t)| ((*n).to_owned(), (*t).to_owned())),
        );
        let definitions: Vec<String> = expected
            .iter()
            .enumerate()
            .map(|(i, (column, ty))| {
                let constraint = if i < columns.len() { "" } else { " NOT NULL" };
                format!("{} {ty}{constraint}", quote(column))
            })
            .chain(std::iter::once(
                "\"_ccfgen_seq\" INTEGER PRIMARY KEY".to_owned(),
            ))
            .collect();
        expected.push(("_ccfgen_seq".into(), "INTEGER".into()));
        conn.execute(
            &format!(
                "CREATE TABLE IF NOT EXISTS {name} ({})",
                definitions.join(", ")
            ),
            [],
        )?;
        let actual = table_columns(conn, &name)?;
        if actual != expected {
            return Err(TableError::Mismatch(format!(
                "table {name} has columns {actual:?}, {declared} {expected:?}"
            )));
        }
        let meta_definitions: String = metadata
            .iter()
            .map(|(n, t)| format!("{} {t} NOT NULL, ", quote(n)))
            .collect();
        conn.execute(
            &format!(
                "CREATE TABLE IF NOT EXISTS {packed} (\"_ccfgen_seq\" INTEGER PRIMARY KEY, \
                 \"_ccfgen_count\" INTEGER NOT NULL, {meta_definitions}\"_ccfgen_rows\" TEXT NOT NULL)"
            ),
            [],
        )?;
        let insert_columns: Vec<String> =
            expected.iter().map(|(column, _)| quote(column)).collect();
        let width = insert_columns.len();
        let chunk = (VALUES_PER_INSERT / width.max(1)).clamp(1, ROWS_PER_INSERT);
        let row = format!("({})", vec!["?"; width].join(","));
        let insert = |rows: usize| {
            format!(
                "INSERT INTO {name} ({}) VALUES {}",
                insert_columns.join(", "),
                vec![row.as_str(); rows].join(",")
            )
        };
        let meta_names: String = metadata
            .iter()
            .map(|(n, _)| format!("{}, ", quote(n)))
            .collect();
        Ok(RowTable {
            insert_one: insert(1),
            insert_chunk: insert(chunk),
            chunk,
            width,
            data: columns.len(),
            types: columns.iter().map(|(_, ty)| ty.clone()).collect(),
            insert_packed: format!(
                "INSERT INTO {packed} (\"_ccfgen_seq\", \"_ccfgen_count\", {meta_names}\"_ccfgen_rows\") \
                 VALUES ({})",
                vec!["?"; metadata.len() + 3].join(",")
            ),
            next_seq: format!(
                "SELECT MAX((SELECT COALESCE(MAX(\"_ccfgen_seq\"), 0) + 1 FROM {name}), \
                 COALESCE((SELECT \"_ccfgen_seq\" + \"_ccfgen_count\" FROM {packed} \
                 ORDER BY \"_ccfgen_seq\" DESC LIMIT 1), 1))"
            ),
            count: format!(
                "SELECT (SELECT COUNT(*) FROM {name}) + \
                 (SELECT COALESCE(SUM(\"_ccfgen_count\"), 0) FROM {packed})"
            ),
            name,
            packed,
        })
    }

    /// `CREATE VIEW view` listing every row: `data` (the data columns, quoted), `row_meta`
    /// (metadata columns of the row table shown as they are), the batch's metadata from
    /// `_ccfgen_batches`, `_ccfgen_seq`.
    fn create_view(
        &self,
        conn: &Connection,
        view: &str,
        data: &[String],
        row_meta: &[&str],
    ) -> rusqlite::Result<()> {
        let batch_meta = "b.dcr_id AS _ccfgen_dcr_id, b.request_id AS _ccfgen_request_id, \
             b.client_request_id AS _ccfgen_client_request_id, b.attempt AS _ccfgen_attempt, \
             b.received_at AS _ccfgen_received_at";
        let typed: String = data
            .iter()
            .map(|n| format!("t.{n}, "))
            .chain(row_meta.iter().map(|n| format!("t.{n} AS {n}, ")))
            .collect();
        let packed: String = self
            .types
            .iter()
            .enumerate()
            .map(|(i, ty)| format!("CAST(json_extract(j.value, {}) AS {ty}), ", element(i)))
            .chain(row_meta.iter().map(|n| format!("p.{n}, ")))
            .collect();
        let (rows, packed_rows) = (&self.name, &self.packed);
        conn.execute_batch(&format!(
            "DROP VIEW IF EXISTS {view};
             CREATE VIEW {view} AS
             SELECT {typed}{batch_meta}, t._ccfgen_seq AS _ccfgen_seq FROM {rows} t
               JOIN _ccfgen_batches b ON b.seq = t._ccfgen_batch
             UNION ALL
             SELECT {packed}{batch_meta}, p._ccfgen_seq + j.key FROM {packed_rows} p
               JOIN _ccfgen_batches b ON b.seq = p._ccfgen_batch, json_each(p._ccfgen_rows) j"
        ))
    }

    /// The sequence number the next stored row takes.
    fn next_seq(&self, tx: &Connection) -> rusqlite::Result<i64> {
        tx.prepare_cached(&self.next_seq)?
            .query_row([], |row| row.get(0))
    }

    /// Stores the `rows` rows written to `json` (by a [`Packer`]) as one packed batch whose
    /// first row is number `first`, with the metadata values `meta` (one per metadata column).
    fn store_packed(
        &self,
        tx: &Connection,
        first: i64,
        rows: usize,
        meta: &[ValueRef<'_>],
        json: &[u8],
    ) -> rusqlite::Result<()> {
        let mut insert = tx.prepare_cached(&self.insert_packed)?;
        insert.raw_bind_parameter(1, first)?;
        insert.raw_bind_parameter(2, rows as i64)?;
        for (k, value) in meta.iter().enumerate() {
            insert.raw_bind_parameter(3 + k, ToSqlOutput::Borrowed(*value))?;
        }
        insert.raw_bind_parameter(3 + meta.len(), ToSqlOutput::Borrowed(ValueRef::Text(json)))?;
        insert.raw_execute()?;
        Ok(())
    }

    /// Stores `rows` typed rows numbered from `first`, with the metadata values `meta`.
    /// `bind(statement, first, row)` binds the data columns of row number `row` to the
    /// parameters from `first` (1-based).
    fn store_typed(
        &self,
        tx: &Connection,
        first: i64,
        rows: usize,
        meta: &[ValueRef<'_>],
        mut bind: impl FnMut(&mut Statement<'_>, usize, usize) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<()> {
        let data = self.data;
        self.insert(tx, rows, |insert, p, row| {
            bind(insert, p, row)?;
            for (k, value) in meta.iter().enumerate() {
                insert.raw_bind_parameter(p + data + k, ToSqlOutput::Borrowed(*value))?;
            }
            insert.raw_bind_parameter(p + self.width - 1, first + row as i64)
        })
    }

    /// Inserts `rows` typed rows in order; `bind(statement, first, row)` binds the `width`
    /// values of row number `row` to the parameters `first..first + width` (1-based).
    fn insert(
        &self,
        tx: &Connection,
        rows: usize,
        mut bind: impl FnMut(&mut Statement<'_>, usize, usize) -> rusqlite::Result<()>,
    ) -> rusqlite::Result<()> {
        let mut row = 0;
        if rows >= self.chunk {
            let mut insert = tx.prepare_cached(&self.insert_chunk)?;
            while rows - row >= self.chunk {
                for k in 0..self.chunk {
                    bind(&mut insert, 1 + k * self.width, row + k)?;
                }
                insert.raw_execute()?;
                row += self.chunk;
            }
        }
        if row < rows {
            let mut insert = tx.prepare_cached(&self.insert_one)?;
            for row in row..rows {
                bind(&mut insert, 1, row)?;
                insert.raw_execute()?;
            }
        }
        Ok(())
    }

    /// The number of stored rows.
    fn count(&self, conn: &Connection) -> rusqlite::Result<u64> {
        conn.prepare_cached(&self.count)?
            .query_row([], |row| row.get(0))
    }

    /// Deletes every stored row.
    fn clear(&self, tx: &Connection) -> rusqlite::Result<()> {
        tx.execute(&format!("DELETE FROM {}", self.name), [])?;
        tx.execute(&format!("DELETE FROM {}", self.packed), [])?;
        Ok(())
    }
}

/// Writes a batch's rows as the JSON of a packed batch (`[[cell, …], …]`): each value with
/// [`write_json`] after checking it [`fits`] its column, or, for a table cell that is a stream
/// row's stored cell, that cell's JSON from the stream's packed batch. `packable` turns false
/// (and the JSON is to be discarded) when a value cannot be packed.
#[derive(Default)]
struct Packer {
    json: Vec<u8>,
    /// Where each cell's JSON is in `json` (start, end), row after row, when kept.
    cells: Vec<(usize, usize)>,
    packable: bool,
    /// The JSON of reals written lately ([`Packer::real`]).
    reals: Reals,
}

/// Slots of [`Reals`].
const REAL_SLOTS: usize = 256;

/// The JSON of recently written reals, by their bits (one per slot, the last one wins): a
/// column of reals usually repeats a few values (scores, ratios), each formatted once.
#[derive(Default)]
struct Reals(Vec<(u64, u8, [u8; 24])>);

impl Reals {
    /// The slot of the real of these bits.
    fn slot(bits: u64) -> usize {
        (bits.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56) as usize % REAL_SLOTS
    }

    /// Appends the JSON of the finite, non-zero `f` (what [`write_json`] writes for it) to
    /// `json`.
    fn write(&mut self, json: &mut Vec<u8>, f: f64) {
        if self.0.is_empty() {
            // no finite real has these bits
            self.0 = vec![(f64::NAN.to_bits(), 0, [0; 24]); REAL_SLOTS];
        }
        let bits = f.to_bits();
        let (key, len, text) = &mut self.0[Reals::slot(bits)];
        if *key != bits {
            let mut formatted = ryu::Buffer::new();
            let s = formatted.format_finite(f).as_bytes();
            text[..s.len()].copy_from_slice(s);
            *len = s.len() as u8;
            *key = bits;
        }
        json.extend_from_slice(&text[..usize::from(*len)]);
    }
}

impl Packer {
    fn begin(&mut self) {
        self.json.clear();
        self.cells.clear();
        self.json.push(b'[');
        self.packable = true;
    }

    fn row(&mut self, row: usize) {
        if row > 0 {
            self.json.push(b',');
        }
        self.json.push(b'[');
    }

    /// Writes cell `i` of the current row; `keep`: record where it is.
    fn cell(&mut self, i: usize, ty: &str, value: ValueRef<'_>, keep: bool) {
        if i > 0 {
            self.json.push(b',');
        }
        let start = self.json.len();
        self.packable &= fits(ty, value)
            && match value {
                ValueRef::Real(f) if f.is_finite() && f != 0.0 => {
                    self.reals.write(&mut self.json, f);
                    true
                }
                _ => write_json(&mut self.json, value),
            };
        if keep {
            self.cells.push((start, self.json.len()));
        }
    }

    /// Writes cell `i` of the current row, text that is its own JSON string content
    /// ([`Coerced::json_string`]), without escaping it; `keep`: record where it is.
    fn string(&mut self, i: usize, text: &[u8], keep: bool) {
        if i > 0 {
            self.json.push(b',');
        }
        let start = self.json.len();
        self.json.push(b'"');
        self.json.extend_from_slice(text);
        self.json.push(b'"');
        if keep {
            self.cells.push((start, self.json.len()));
        }
    }

    /// Writes the cells of a table row that takes its flow's template ([`Template`]): the
    /// template's values, and the copied cells of stream row `base / width` from `stream`
    /// (the packed stream rows, with their cells' places).
    fn templated(&mut self, template: &Template, stream: &Packer, base: usize) {
        for (k, segment) in template.segments.iter().enumerate() {
            if k > 0 {
                self.json.push(b',');
            }
            let range = match *segment {
                Segment::Json(start, end) => {
                    self.json.extend_from_slice(&template.json[start..end]);
                    continue;
                }
                Segment::Cells(from, to) => stream.cells[base + from].0..stream.cells[base + to].1,
            };
            self.json.extend_from_slice(&stream.json[range]);
        }
    }

    /// Writes cell `i` of the current row as the JSON `json` of the same value (of a type
    /// that fits its column).
    fn copy(&mut self, i: usize, json: &[u8]) {
        if i > 0 {
            self.json.push(b',');
        }
        self.json.extend_from_slice(json);
    }

    fn end_row(&mut self) {
        self.json.push(b']');
    }

    fn end(&mut self) {
        self.json.push(b']');
    }
}

/// A data flow's template row ([`transform::FlowRows::template`]) as packed JSON pieces: the
/// JSON of its values, and runs of copied stream cells.
#[derive(Default)]
struct Template {
    /// The JSON of the template's values, one after the other.
    json: Vec<u8>,
    /// The table row's cells in order, one or more per segment.
    segments: Vec<Segment>,
}

/// Part of a table row written from a [`Template`].
enum Segment {
    /// One value's JSON at `json[start..end]` of the template.
    Json(usize, usize),
    /// The stream row's cells `from..=to` (consecutive in the table row too), copied with
    /// their separators as one slice of the packed stream row.
    Cells(usize, usize),
}

impl Template {
    /// Prepares the template of `flow` for table columns `columns` (of SQLite types
    /// `types`) from a stream whose columns have SQLite types `stream_types`; false when a
    /// templated row could not be written this way (a value packing cannot keep as it is, a
    /// copied cell of another storage class than its table column's): those rows are then
    /// written cell by cell.
    fn prepare(
        &mut self,
        flow: &transform::FlowRows,
        columns: &[Column],
        types: &[String],
        stream_types: &[String],
        text: &mut Formatted,
    ) -> bool {
        self.json.clear();
        self.segments.clear();
        let Some(values) = flow.template() else {
            return false;
        };
        for (i, (value, column)) in values.iter().zip(columns).enumerate() {
            match flow.copied().get(i).copied().flatten() {
                Some(j) if stream_types.get(j) == types.get(i) => match self.segments.last_mut() {
                    Some(Segment::Cells(_, to)) if *to + 1 == j => *to = j,
                    _ => self.segments.push(Segment::Cells(j, j)),
                },
                Some(_) => return false,
                None => {
                    let start = self.json.len();
                    let value = text.sql(value, column.ty);
                    if !(fits(&types[i], value) && write_json(&mut self.json, value)) {
                        return false;
                    }
                    self.segments.push(Segment::Json(start, self.json.len()));
                }
            }
        }
        values.len() == columns.len()
    }
}

/// Whether `value` is of the storage class a column of SQLite type `ty` keeps it in (so the
/// column's affinity would not convert it, and the view's `CAST` to `ty` leaves it as it is).
fn fits(ty: &str, value: ValueRef<'_>) -> bool {
    matches!(
        (ty, value),
        (_, ValueRef::Null)
            | ("INTEGER", ValueRef::Integer(_))
            | ("REAL", ValueRef::Real(_))
            | ("TEXT", ValueRef::Text(_))
    )
}

/// Appends `value` to `json` as the JSON value from which `json_extract` gives back the same
/// SQLite value: integers as integers, reals with a fraction or an exponent (so they stay
/// reals; ±0 as `0.0`, which is what SQLite reads back for a stored -0.0 too; infinities as
/// ±9e999, as SQLite writes them; NaN, which SQLite stores as NULL, as `null`), text as a
/// string. Returns false (leaving `json` to be discarded) for what the JSON functions would
/// not give back as it is: text with a NUL character or that is not UTF-8, and blobs.
fn write_json(json: &mut Vec<u8>, value: ValueRef<'_>) -> bool {
    match value {
        ValueRef::Null => json.extend_from_slice(b"null"),
        ValueRef::Integer(i) => json.extend_from_slice(itoa::Buffer::new().format(i).as_bytes()),
        ValueRef::Real(f) if f.is_nan() => json.extend_from_slice(b"null"),
        // matches -0.0 too (a float pattern compares with ==)
        ValueRef::Real(0.0) => json.extend_from_slice(b"0.0"),
        ValueRef::Real(f) if f.is_infinite() => {
            json.extend_from_slice(if f > 0.0 { b"9e999" } else { b"-9e999" })
        }
        ValueRef::Real(f) => json.extend_from_slice(ryu::Buffer::new().format_finite(f).as_bytes()),
        ValueRef::Text(text) => return write_json_string(json, text),
        ValueRef::Blob(_) => return false,
    }
    true
}

/// Appends `text` as a JSON string; false when it holds a NUL or is not UTF-8. Runs of
/// bytes needing no escape (checked 8 at a time) are copied as they are.
fn write_json_string(json: &mut Vec<u8>, text: &[u8]) -> bool {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    json.push(b'"');
    let mut bits = 0u64;
    let mut start = 0;
    let mut i = 0;
    while i < text.len() {
        if let Some(chunk) = text.get(i..i + 8) {
            let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
            if swar::json_special(word) == 0 {
                bits |= word;
                i += 8;
                continue;
            }
        }
        let b = text[i];
        i += 1;
        if b >= 0x20 && b != b'"' && b != b'\\' {
            bits |= u64::from(b);
            continue;
        }
        if b == 0 {
            return false;
        }
        json.extend_from_slice(&text[start..i - 1]);
        match b {
            b'"' => json.extend_from_slice(b"\\\""),
            b'\\' => json.extend_from_slice(b"\\\\"),
            b'\n' => json.extend_from_slice(b"\\n"),
            b'\t' => json.extend_from_slice(b"\\t"),
            b'\r' => json.extend_from_slice(b"\\r"),
            _ => json.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 15)],
            ]),
        }
        start = i;
    }
    json.extend_from_slice(&text[start..]);
    json.push(b'"');
    bits & swar::HIGH == 0 || std::str::from_utf8(text).is_ok()
}

/// The open state file.
pub(crate) struct Store {
    conn: Mutex<Connection>,
    packers: Mutex<(Packer, Packer)>,
    tables: HashMap<String, Table>,
    /// The destination tables, in the order of the data flows' table indexes.
    out_tables: Vec<OutTable>,
}

fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

impl Store {
    /// Opens (creating when needed) the state file with one table per stream and one per
    /// destination table of `transforms`. An existing table must have exactly the declared
    /// columns.
    pub(crate) fn open(
        path: &Path,
        streams: &[StreamRecord],
        transforms: &Transforms,
    ) -> Result<Store, Error> {
        let state_error = |source| Error::State {
            path: path.to_owned(),
            source,
        };
        let conn = Connection::open(path).map_err(state_error)?;
        // Takes effect only when the file is new.
        conn.pragma_update(None, "page_size", 65536)
            .map_err(state_error)?;
        conn.pragma_update(None, "cache_size", -16384)
            .map_err(state_error)?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(state_error)?;
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(state_error)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(state_error)?;
        conn.execute_batch(SCHEMA_SQL).map_err(state_error)?;

        let table_error = |e| match e {
            TableError::Sql(source) => state_error(source),
            TableError::Mismatch(message) => Error::Config(format!(
                "{message} in {}; use a fresh state file",
                path.display()
            )),
        };
        let mut tables = HashMap::new();
        for stream in streams {
            let table = prepare_table(&conn, stream).map_err(table_error)?;
            tables.insert(stream.schema.name.clone(), table);
        }
        let mut out_tables = Vec::with_capacity(transforms.tables.len());
        for schema in &transforms.tables {
            out_tables.push(prepare_out_table(&conn, schema).map_err(table_error)?);
        }
        record_flows(&conn, &transforms.flows).map_err(state_error)?;
        // Room for every row table's three INSERTs and two queries besides the other statements.
        conn.set_prepared_statement_cache_capacity(16 + 5 * (tables.len() + out_tables.len()));
        Ok(Store {
            conn: Mutex::new(conn),
            packers: Mutex::default(),
            tables,
            out_tables,
        })
    }

    /// The buffers a batch's stream rows and table rows are packed in, kept across batches
    /// (taken while holding the connection).
    fn packers(&self) -> MutexGuard<'_, (Packer, Packer)> {
        self.packers
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
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

    /// Stores an accepted batch (its stream rows and the rows its data flows gave the
    /// tables), its diagnostics and its log entry in one committed transaction; returns the
    /// log entry's sequence number.
    pub(crate) fn commit_batch(
        &self,
        stream: &str,
        rows: &Coerced,
        table_rows: &TableRows,
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
            tx.prepare_cached(
                "INSERT INTO _ccfgen_batches (dcr_id, request_id, client_request_id, attempt,
                 received_at) VALUES (?,?,?,?,?)",
            )?
            .execute(params![
                meta.dcr_id,
                meta.request_id,
                meta.client_request_id,
                meta.attempt,
                meta.received_at
            ])?;
            let batch = tx.last_insert_rowid();
            let mut packers = self.packers();
            let (stream_json, table_json) = &mut *packers;
            let width = table.schema.columns.len();
            let types = &table.rows.types;
            if !rows.is_empty() {
                // the stream's rows, each cell's place kept for the table rows that copy it
                stream_json.begin();
                for row in 0..rows.len() {
                    stream_json.row(row);
                    for (i, cell) in rows.cells(row).iter().enumerate() {
                        match rows.json_string(cell, table.schema.columns[i].1) {
                            Some(text) => stream_json.string(i, text, true),
                            None => stream_json.cell(i, &types[i], rows.value(cell), true),
                        }
                    }
                    stream_json.end_row();
                    if !stream_json.packable {
                        break;
                    }
                }
                stream_json.end();
                let first = table.rows.next_seq(&tx)?;
                let meta = [ValueRef::Integer(batch)];
                if stream_json.packable {
                    table
                        .rows
                        .store_packed(&tx, first, rows.len(), &meta, &stream_json.json)?;
                } else {
                    table
                        .rows
                        .store_typed(&tx, first, rows.len(), &meta, |insert, p, row| {
                            for (i, cell) in rows.cells(row).iter().enumerate() {
                                insert.raw_bind_parameter(
                                    p + i,
                                    ToSqlOutput::Borrowed(rows.value(cell)),
                                )?;
                            }
                            Ok(())
                        })?;
                }
            }
            // Text of datetimes and other formatted values, written and reused.
            let mut text = Formatted::default();
            let mut template = Template::default();
            let stream_types = types;
            for flow in &table_rows.batches {
                let index = flow.table;
                let out = self.out_tables.get(index).ok_or_else(|| {
                    rusqlite::Error::InvalidParameterName(format!("table {index}"))
                })?;
                if flow.rows.is_empty() {
                    continue;
                }
                let columns = &out.schema.columns;
                let types = &out.rows.types;
                let copy = stream_json.packable;
                let templated =
                    copy && template.prepare(flow, columns, types, stream_types, &mut text);
                table_json.begin();
                for row in 0..flow.rows.len() {
                    table_json.row(row);
                    let cells = flow.record(row) * width;
                    if templated && flow.is_templated(row) {
                        table_json.templated(&template, stream_json, cells);
                        table_json.end_row();
                        continue;
                    }
                    let Ok(()) = flow.for_each_value(
                        row,
                        rows,
                        columns,
                        &mut text,
                        |i, value, copied| -> Result<(), std::convert::Infallible> {
                            match copied {
                                Some(j) if copy && fits(&types[i], value) => {
                                    let (start, end) = stream_json.cells[cells + j];
                                    table_json.copy(i, &stream_json.json[start..end]);
                                }
                                _ => table_json.cell(i, &types[i], value, false),
                            }
                            Ok(())
                        },
                    );
                    table_json.end_row();
                    if !table_json.packable {
                        break;
                    }
                }
                table_json.end();
                let first = out.rows.next_seq(&tx)?;
                let meta = [
                    ValueRef::Text(flow.stream.as_bytes()),
                    ValueRef::Integer(batch),
                ];
                if table_json.packable {
                    out.rows
                        .store_packed(&tx, first, flow.rows.len(), &meta, &table_json.json)?;
                } else {
                    out.rows.store_typed(
                        &tx,
                        first,
                        flow.rows.len(),
                        &meta,
                        |insert, p, row| {
                            flow.for_each_value(row, rows, columns, &mut text, |i, value, _| {
                                insert.raw_bind_parameter(p + i, ToSqlOutput::Borrowed(value))
                            })
                        },
                    )?;
                }
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

    /// Whether `table` is a destination table of a data flow.
    pub(crate) fn has_table(&self, table: &str) -> bool {
        self.out_table(table).is_some()
    }

    fn out_table(&self, table: &str) -> Option<&OutTable> {
        self.out_tables.iter().find(|t| t.schema.name == table)
    }

    /// Stored rows of destination table `table` in acceptance order, as JSON objects holding
    /// the table's columns and the `_ccfgen_*` metadata (`_ccfgen_stream` first). Unknown
    /// tables have no rows.
    pub(crate) fn table_rows(&self, table: &str) -> rusqlite::Result<Vec<Value>> {
        let Some(table) = self.out_table(table) else {
            return Ok(Vec::new());
        };
        let conn = self.conn();
        let mut statement = conn.prepare_cached(&table.select_sql)?;
        let columns = &table.schema.columns;
        let rows = statement.query_map([], |row| {
            let mut object = Map::new();
            for (i, column) in columns.iter().enumerate() {
                let value = transform::stored_to_json(column.ty, row.get(i)?);
                object.insert(column.name.clone(), value);
            }
            let names = std::iter::once("_ccfgen_stream").chain(META_COLUMNS.map(|(n, _)| n));
            for (j, name) in names.enumerate() {
                let value: SqlValue = row.get(columns.len() + j)?;
                let json = match value {
                    SqlValue::Integer(i) => Value::from(i),
                    SqlValue::Text(t) => Value::String(t),
                    _ => Value::Null,
                };
                object.insert(name.to_owned(), json);
            }
            Ok(Value::Object(object))
        })?;
        rows.collect()
    }

    /// Number of stored rows of destination table `table` (0 for unknown tables).
    pub(crate) fn table_count(&self, table: &str) -> rusqlite::Result<u64> {
        let Some(table) = self.out_table(table) else {
            return Ok(0);
        };
        table.rows.count(&self.conn())
    }

    /// Number of stored rows of `stream` (0 for unknown streams).
    pub(crate) fn count(&self, stream: &str) -> rusqlite::Result<u64> {
        let Some(table) = self.tables.get(stream) else {
            return Ok(0);
        };
        table.rows.count(&self.conn())
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
        for table in self.tables.values() {
            table.rows.clear(&tx)?;
        }
        for table in &self.out_tables {
            table.rows.clear(&tx)?;
        }
        tx.execute("DELETE FROM _ccfgen_batches", [])?;
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

/// Creates the stream's row table if missing (converting a table of the earlier layout),
/// checks an existing one, (re)creates its view and records the declaration.
fn prepare_table(conn: &Connection, stream: &StreamRecord) -> Result<Table, TableError> {
    let schema = &stream.schema;
    let declared: Vec<(String, String)> = schema
        .columns
        .iter()
        .map(|(name, ty)| (name.clone(), sql_affinity(*ty).to_owned()))
        .collect();
    let view = quote(&schema.name);
    let rows_table = quote(&format!("{RESERVED_PREFIX}rows_{}", schema.name));
    let declared_names: Vec<String> = declared.iter().map(|(name, _)| quote(name)).collect();
    let existing: Option<String> = conn
        .query_row(
            "SELECT type FROM sqlite_master WHERE name = ?",
            [&schema.name],
            |row| row.get(0),
        )
        .optional()?;
    let rows = RowTable::create(
        conn,
        rows_table,
        quote(&format!("{RESERVED_PREFIX}packed_rows_{}", schema.name)),
        &declared,
        &[("_ccfgen_batch", "INTEGER")],
        "the stream declares",
    )?;
    if existing.as_deref() == Some("table") {
        convert_earlier_layout(conn, &view, &rows.name, &declared, &declared_names)?;
    }
    rows.create_view(conn, &view, &declared_names, &[])?;
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
    let mut names = declared_names;
    names.extend(META_COLUMNS.iter().map(|(name, _)| (*name).to_owned()));
    let select_sql = format!(
        "SELECT {} FROM {view} ORDER BY _ccfgen_seq",
        names.join(", ")
    );
    Ok(Table {
        schema: schema.clone(),
        rows,
        select_sql,
    })
}

/// Creates a destination table's row table if missing, checks an existing one and
/// (re)creates its view.
fn prepare_out_table(conn: &Connection, schema: &TableSchema) -> Result<OutTable, TableError> {
    let columns: Vec<(String, String)> = schema
        .columns
        .iter()
        .map(|c| (c.name.clone(), transform::sql_affinity(c.ty).to_owned()))
        .collect();
    let declared_names: Vec<String> = columns.iter().map(|(name, _)| quote(name)).collect();
    let view = quote(&schema.name);
    let rows = RowTable::create(
        conn,
        quote(&format!("{RESERVED_PREFIX}table_{}", schema.name)),
        quote(&format!("{RESERVED_PREFIX}packed_table_{}", schema.name)),
        &columns,
        &[("_ccfgen_stream", "TEXT"), ("_ccfgen_batch", "INTEGER")],
        &format!("the table {} has", schema.name),
    )?;
    rows.create_view(conn, &view, &declared_names, &["_ccfgen_stream"])?;
    let mut names = declared_names;
    names.push("_ccfgen_stream".into());
    names.extend(META_COLUMNS.iter().map(|(name, _)| (*name).to_owned()));
    let select_sql = format!(
        "SELECT {} FROM {view} ORDER BY _ccfgen_seq",
        names.join(", ")
    );
    Ok(OutTable {
        schema: schema.clone(),
        rows,
        select_sql,
    })
}

/// Replaces `_ccfgen_flows` with the running configuration's data flows.
fn record_flows(conn: &Connection, flows: &[FlowInfo]) -> rusqlite::Result<()> {
    let tx = conn.unchecked_transaction()?;
    tx.execute("DELETE FROM _ccfgen_flows", [])?;
    for flow in flows {
        tx.execute(
            "INSERT INTO _ccfgen_flows (stream, output_table, transform_kql, error)
             VALUES (?,?,?,?)",
            params![flow.stream, flow.table, flow.transform_kql, flow.error],
        )?;
    }
    tx.commit()
}

/// Names and declared types of a table's (or view's) columns.
fn table_columns(conn: &Connection, table: &str) -> rusqlite::Result<Vec<(String, String)>> {
    let mut info = conn.prepare(&format!("PRAGMA table_info({table})"))?;
    info.query_map([], |row| Ok((row.get(1)?, row.get(2)?)))?
        .collect()
}

/// Moves the rows of `old`, a stream table of the earlier layout (declared columns plus every
/// `_ccfgen_*` metadata column on each row), into the row table and `_ccfgen_batches`, then
/// drops it, in one transaction.
fn convert_earlier_layout(
    conn: &Connection,
    old: &str,
    rows_table: &str,
    declared: &[(String, String)],
    declared_names: &[String],
) -> Result<(), TableError> {
    let mut expected: Vec<(String, String)> = declared.to_vec();
    expected.extend(
        META_COLUMNS
            .iter()
            .map(|(n, t)| ((*n).to_owned(), (*t).to_owned())),
    );
    let actual = table_columns(conn, old)?;
    if actual != expected {
        return Err(TableError::Mismatch(format!(
            "table {old} has columns {actual:?}, the stream declares {expected:?}"
        )));
    }
    let columns: String = declared_names.iter().map(|n| format!("o.{n}, ")).collect();
    let insert_columns: String = declared_names.iter().map(|n| format!("{n}, ")).collect();
    let tx = conn.unchecked_transaction()?;
    tx.execute_batch(&format!(
        "INSERT INTO _ccfgen_batches (dcr_id, request_id, client_request_id, attempt, received_at)
           SELECT _ccfgen_dcr_id, _ccfgen_request_id, _ccfgen_client_request_id,
                  _ccfgen_attempt, _ccfgen_received_at
           FROM {old} GROUP BY _ccfgen_request_id ORDER BY MIN(_ccfgen_seq);
         INSERT INTO {rows_table} ({insert_columns}_ccfgen_batch, _ccfgen_seq)
           SELECT {columns}b.seq, o._ccfgen_seq FROM {old} o
           JOIN _ccfgen_batches b ON b.request_id = o._ccfgen_request_id ORDER BY o._ccfgen_seq;
         DROP TABLE {old};"
    ))?;
    tx.commit()?;
    Ok(())
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
    conn.query_row(sql, [], |row| row.get(0))
        .optional()
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{StreamColumn, StreamDecl};

    /// The row metadata of accepted ingestion request `request` (DCR `dcr-1`, first attempt).
    fn row_meta(request: &str) -> RowMeta {
        RowMeta {
            dcr_id: "dcr-1".into(),
            request_id: request.into(),
            client_request_id: None,
            attempt: 1,
            received_at: "2026-01-01T00:01:00Z".into(),
        }
    }

    /// The request log entry of an accepted ingestion request `request` of `records` records.
    fn ingest_log(request: &str, records: u64) -> RequestLog {
        RequestLog {
            seq: 0,
            received_at: "2026-01-01T00:01:00Z".into(),
            kind: RequestKind::Ingest,
            request_id: request.into(),
            client_request_id: None,
            attempt: 1,
            client_id: None,
            dcr_id: Some("dcr-1".into()),
            stream: Some("Custom-T".into()),
            content_encoding: None,
            wire_bytes: 0,
            inflated_bytes: 0,
            records,
            status: Some(204),
            error_code: None,
            fault: None,
        }
    }

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
        Store::open(&path, std::slice::from_ref(&stream), &Transforms::default()).expect("opens");
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

    /// Packed (every value fits JSON) and typed (text with a NUL: one typed row per row,
    /// inserted by multi-row `INSERT`s of `chunk` rows and a remainder of single rows).
    #[test]
    fn stream_rows_and_table_rows_of_a_batch_are_stored_in_order_across_insert_chunks() {
        for (suffix, json_suffix) in [("", ""), ("\u{0}", "\\u0000")] {
            rows_of_a_batch_are_stored_in_order(suffix, json_suffix);
        }
    }

    /// Stores one batch whose text values end with `suffix` (written `json_suffix` in JSON)
    /// through a data flow and reads the stream's and the table's rows back.
    fn rows_of_a_batch_are_stored_in_order(suffix: &str, json_suffix: &str) {
        use crate::config::DataFlow;
        use crate::schema::coerce;

        let decl = StreamDecl::new(
            "Custom-T",
            vec![
                StreamColumn::new("N", "long"),
                StreamColumn::new("S", "string"),
                StreamColumn::new("At", "datetime"),
            ],
        )
        .with_flow(DataFlow::new(
            "source | where N % 3 != 0 | extend Twice = N * 2",
            "Custom-T_CL",
            None,
        ));
        let (config, schemas) = crate::transform::tests::config(decl);
        let stream = StreamRecord {
            schema: schemas[0].clone(),
            transform_kql: None,
            output_table: None,
        };
        let transforms =
            Transforms::compile(&config, std::slice::from_ref(&stream.schema)).expect("compiles");
        let dir = tempfile::tempdir().expect("tempdir");
        let store = Store::open(
            &dir.path().join("s.sqlite"),
            std::slice::from_ref(&stream),
            &transforms,
        )
        .expect("opens");
        let chunk = store.tables["Custom-T"].rows.chunk;
        assert!(chunk > 1, "{chunk}");
        // two full chunks and a remainder of single-row inserts when stored typed
        let records = 2 * chunk + 5;
        let body: Vec<String> = (0..records)
            .map(|n| {
                format!(
                    r#"{{"N": {n}, "S": "s{n}{json_suffix}", "At": "2026-01-01T00:00:{:02}Z"}}"#,
                    n % 60
                )
            })
            .collect();
        let body = format!("[{}]", body.join(","));
        let batch = coerce(&stream.schema, body.into_bytes(), false, 1000).expect("typed");
        let received =
            ccfgen_kql::eval::time::parse_datetime("2026-01-01T00:01:00Z").expect("time");
        let tables = transforms.run(&stream.schema, &batch, received);
        let meta = row_meta("r1");
        let log = ingest_log("r1", records as u64);
        store
            .commit_batch("Custom-T", &batch, &tables, &meta, &[], &log)
            .expect("commits");
        let rows = store.rows("Custom-T").expect("reads");
        assert_eq!(rows.len(), records);
        for (n, row) in rows.iter().enumerate() {
            assert_eq!(row["N"], n as u64, "{row}");
            assert_eq!(row["S"], format!("s{n}{suffix}"));
            assert_eq!(row["At"], format!("2026-01-01T00:00:{:02}Z", n % 60));
            assert_eq!(row["_ccfgen_seq"], n as u64 + 1);
        }
        let kept: Vec<usize> = (0..records).filter(|n| n % 3 != 0).collect();
        let table = store.table_rows("T_CL").expect("reads");
        assert_eq!(
            store.table_count("T_CL").expect("counts"),
            kept.len() as u64
        );
        assert_eq!(table.len(), kept.len());
        for (n, row) in kept.iter().zip(&table) {
            assert_eq!(row["N"], *n as u64, "{row}");
            assert_eq!(row["Twice"], 2 * *n as u64);
            assert_eq!(row["S"], format!("s{n}{suffix}"));
            assert_eq!(row["At"], format!("2026-01-01T00:00:{:02}Z", n % 60));
            assert_eq!(row["_ccfgen_stream"], "Custom-T");
            assert_eq!(row["_ccfgen_request_id"], "r1");
        }
        // the way the rows were stored: typed rows only for the batch with a NUL
        let typed: [i64; 2] = ["_ccfgen_rows_Custom-T", "_ccfgen_table_T_CL"].map(|t| {
            store
                .conn()
                .query_row(&format!("SELECT COUNT(*) FROM \"{t}\""), [], |r| r.get(0))
                .expect("counts")
        });
        let expected = if suffix.is_empty() {
            [0, 0]
        } else {
            [records as i64, kept.len() as i64]
        };
        assert_eq!(typed, expected, "typed rows (stream, table)");
    }

    /// Table rows written from their flow's template (the stream row's cells copied in runs,
    /// the template's values) read back as the rows the evaluator gives, packed or typed, and
    /// a stream text taken from the body as it is reads back as the typed column stores it.
    #[test]
    fn templated_table_rows_read_back_as_evaluated_ones() {
        use crate::config::DataFlow;
        use crate::schema::coerce;

        let columns = |names: &[(&str, &str)]| -> Vec<StreamColumn> {
            names
                .iter()
                .map(|(name, ty)| StreamColumn::new(*name, *ty))
                .collect()
        };
        let stream = [
            ("S", "string"),
            ("N", "long"),
            ("R", "real"),
            ("B", "boolean"),
            ("At", "datetime"),
        ];
        let decl = StreamDecl::new("Custom-T", columns(&stream))
            .with_flow(DataFlow::new(
                "source | extend TimeGenerated = now()",
                "Custom-A_CL",
                Some(columns(&[
                    ("TimeGenerated", "datetime"),
                    ("S", "string"),
                    ("N", "long"),
                    ("R", "real"),
                    ("B", "boolean"),
                    ("At", "datetime"),
                ])),
            ))
            .with_flow(DataFlow::new(
                "source | extend TimeGenerated = now(), Tag = strcat('a\"', '\\\\')",
                "Custom-B_CL",
                Some(columns(&[
                    ("N", "long"),
                    ("Tag", "string"),
                    ("TimeGenerated", "datetime"),
                    ("S", "string"),
                    ("At", "datetime"),
                    ("R", "real"),
                    ("B", "boolean"),
                ])),
            ));
        let (config, schemas) = crate::transform::tests::config(decl);
        let schema = &schemas[0];
        let transforms = Transforms::compile(&config, &schemas).expect("compiles");
        assert!(transforms.errors.is_empty(), "{:?}", transforms.errors);
        let received =
            ccfgen_kql::eval::time::parse_datetime("2026-01-01T00:01:00Z").expect("time");
        // the second batch holds a NUL: stored typed
        for nul in ["", "\\u0000"] {
            let body: Vec<String> = (0..50)
                .map(|n| {
                    let at = match n % 4 {
                        0 => "2026-01-01T00:00:00.123456789Z",
                        1 => "2026-01-01T02:00:00+02:00",
                        _ => "2026-01-01T00:00:01.25Z",
                    };
                    let s = match n % 5 {
                        0 => "null".to_owned(),
                        1 => format!("\"tab\\t é \\\"{n}{nul}\""),
                        _ => format!("\"plain {n} é 💥\""),
                    };
                    format!(
                        r#"{{"S": {s}, "N": {n}, "R": {}, "B": {}, "At": "{at}"}}"#,
                        f64::from(n) / 3.0,
                        n % 2 == 0
                    )
                })
                .collect();
            let body = format!("[{}]", body.join(","));
            let batch = coerce(schema, body.into_bytes(), false, 1000).expect("typed");
            let mut read = Vec::new();
            for evaluated in [false, true] {
                let tables = if evaluated {
                    transforms.run_evaluated(schema, &batch, received)
                } else {
                    transforms.run(schema, &batch, received)
                };
                let templated: usize = tables
                    .batches
                    .iter()
                    .map(|f| (0..f.rows.len()).filter(|&r| f.is_templated(r)).count())
                    .sum();
                assert_eq!(templated > 0, !evaluated, "{templated}");
                let dir = tempfile::tempdir().expect("tempdir");
                let stream = StreamRecord {
                    schema: schema.clone(),
                    transform_kql: None,
                    output_table: None,
                };
                let store = Store::open(
                    &dir.path().join("s.sqlite"),
                    std::slice::from_ref(&stream),
                    &transforms,
                )
                .expect("opens");
                let meta = row_meta("r1");
                store
                    .commit_batch(
                        "Custom-T",
                        &batch,
                        &tables,
                        &meta,
                        &[],
                        &ingest_log("r1", 50),
                    )
                    .expect("commits");
                let packed: i64 = store
                    .conn()
                    .query_row(
                        "SELECT COUNT(*) FROM \"_ccfgen_packed_table_B_CL\"",
                        [],
                        |r| r.get(0),
                    )
                    .expect("counts");
                assert_eq!(packed, i64::from(nul.is_empty()));
                read.push((
                    store.rows("Custom-T").expect("reads"),
                    store.table_rows("A_CL").expect("reads"),
                    store.table_rows("B_CL").expect("reads"),
                ));
            }
            assert_eq!(read[0].1.len(), 50);
            assert_eq!(read[0].2[1]["Tag"], "a\"\\");
            // each stream cell reads back as it was typed
            for (n, row) in read[0].0.iter().enumerate() {
                let typed = batch.row(n);
                for (i, (name, ty)) in schema.columns.iter().enumerate() {
                    assert_eq!(row[name], stored_to_json(*ty, typed[i].clone()), "{row}");
                }
            }
            assert_eq!(read[0], read[1], "nul {nul:?}");
        }
    }

    /// Reals written through the cache of recent ones are what `write_json` writes, slots
    /// shared by several values included.
    #[test]
    fn reals_of_the_cache_are_written_as_write_json_writes_them() {
        let mut reals = Reals::default();
        let mut values: Vec<f64> = (1..=100).map(|n| f64::from(n) / 10.0).collect();
        values.extend([
            1e300,
            -2.5e-300,
            5e-324,
            f64::MAX,
            -f64::MIN_POSITIVE,
            1.0 / 3.0,
        ]);
        for round in 0..3 {
            for (k, &f) in values.iter().enumerate() {
                let f = if round == 1 { -f } else { f };
                let (mut cached, mut direct) = (Vec::new(), Vec::new());
                reals.write(&mut cached, f);
                assert!(write_json(&mut direct, ValueRef::Real(f)));
                assert_eq!(cached, direct, "{f} ({k})");
            }
        }
        // some of these values share a slot (each write replaced the other's text)
        let slots: std::collections::HashSet<usize> = values
            .iter()
            .flat_map(|f| [f.to_bits(), (-f).to_bits()])
            .map(Reals::slot)
            .collect();
        assert!(slots.len() < 2 * values.len(), "{}", slots.len());
    }

    /// Every value `write_json` accepts comes back from `json_extract` as the same SQLite
    /// value (type and bytes) as a value bound and stored in a typed column.
    #[test]
    fn packed_values_read_back_as_the_typed_columns_store_them() {
        let conn = Connection::open_in_memory().expect("opens");
        conn.execute_batch("CREATE TABLE r (i INTEGER, f REAL, t TEXT)")
            .expect("creates");
        let mut values: Vec<SqlValue> = vec![
            SqlValue::Null,
            SqlValue::Integer(0),
            SqlValue::Integer(i64::MIN),
            SqlValue::Integer(i64::MAX),
            SqlValue::Integer(-1),
            SqlValue::Real(0.0),
            SqlValue::Real(-0.0),
            SqlValue::Real(5.0),
            SqlValue::Real(-2.5e-300),
            SqlValue::Real(f64::MAX),
            SqlValue::Real(f64::MIN_POSITIVE),
            SqlValue::Real(5e-324),
            SqlValue::Real(f64::INFINITY),
            SqlValue::Real(f64::NEG_INFINITY),
            SqlValue::Real(f64::NAN),
            SqlValue::Real(0.1),
            SqlValue::Real(1e22),
            SqlValue::Real(123456789012345680.0),
            SqlValue::Text(String::new()),
            SqlValue::Text("plain".into()),
            SqlValue::Text("quote \" backslash \\ slash / \u{1} \n\r\t\u{1f} \u{7f}".into()),
            SqlValue::Text("ünïcødé ✓ 𝄞 \u{2028}".into()),
            SqlValue::Text(r#"{"a": [1, 2.5, "x"], "b": null}"#.into()),
            SqlValue::Text("9e999".into()),
            SqlValue::Text("2026-01-01T00:00:00.1234567Z".into()),
        ];
        // pseudo-random bit patterns: every kind of double
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..20_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(SqlValue::Real(f64::from_bits(x)));
            values.push(SqlValue::Real((x >> 11) as f64 / (1u64 << 40) as f64));
            values.push(SqlValue::Integer(x as i64));
        }
        // each value as the view reads a cell: a row's array, json_each, json_extract, CAST to
        // the column's type
        let mut packed: Vec<SqlValue> = Vec::with_capacity(values.len());
        for value in &values {
            let mut json = b"[[".to_vec();
            assert!(write_json(&mut json, ValueRef::from(value)), "{value:?}");
            json.extend_from_slice(b"]]");
            let affinity = match value {
                SqlValue::Integer(_) => "INTEGER",
                SqlValue::Real(_) => "REAL",
                _ => "TEXT",
            };
            let json = String::from_utf8(json).expect("UTF-8");
            let read: SqlValue = conn
                .prepare_cached(&format!(
                    "SELECT CAST(json_extract(j.value, '$[0]') AS {affinity}) FROM json_each(?) j"
                ))
                .expect("prepares")
                .query_row([&json], |row| row.get(0))
                .unwrap_or_else(|e| panic!("{value:?}: {json}: {e}"));
            packed.push(read);
        }
        let mut insert = conn
            .prepare("INSERT INTO r VALUES (?, ?, ?)")
            .expect("prepares");
        for value in &values {
            let (i, f, t) = match value {
                SqlValue::Integer(_) => (value, &SqlValue::Null, &SqlValue::Null),
                SqlValue::Real(_) => (&SqlValue::Null, value, &SqlValue::Null),
                _ => (&SqlValue::Null, &SqlValue::Null, value),
            };
            insert.execute(params![i, f, t]).expect("inserts");
        }
        let typed: Vec<SqlValue> = conn
            .prepare("SELECT coalesce(i, f, t) FROM r ORDER BY rowid")
            .expect("prepares")
            .query_map([], |row| row.get(0))
            .expect("queries")
            .collect::<Result<_, _>>()
            .expect("reads");
        assert_eq!(typed.len(), packed.len());
        for ((typed, packed), value) in typed.iter().zip(&packed).zip(&values) {
            let same = match (typed, packed) {
                (SqlValue::Real(a), SqlValue::Real(b)) => a.to_bits() == b.to_bits(),
                (a, b) => a == b,
            };
            assert!(same, "{value:?}: typed {typed:?}, packed {packed:?}");
        }
        // What JSON would not give back is refused (the batch is stored typed).
        assert!(!write_json(&mut Vec::new(), ValueRef::Text(b"a\0b")));
        assert!(!write_json(&mut Vec::new(), ValueRef::Text(b"\xff")));
        assert!(!write_json(&mut Vec::new(), ValueRef::Blob(b"x")));
    }

    /// A batch holding text with a NUL is stored typed, between packed batches; sequence
    /// numbers, counts and reads go across both.
    #[test]
    fn typed_and_packed_batches_read_back_in_order() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.sqlite");
        let stream = record(vec![StreamColumn::new("S", "string")]);
        let store = Store::open(&path, std::slice::from_ref(&stream), &Transforms::default())
            .expect("opens");
        let log = |request: &str| ingest_log(request, 2);
        let bodies = [
            r#"[{"S": "a"}, {"S": "b\"c"}]"#,
            r#"[{"S": "nul\u0000here"}, {"S": null}]"#,
            r#"[{"S": "d"}]"#,
        ];
        for (n, body) in bodies.iter().enumerate() {
            let request = format!("r{n}");
            let batch =
                crate::schema::coerce(&stream.schema, body.as_bytes().to_vec(), false, 1000)
                    .expect("typed");
            let meta = row_meta(&request);
            store
                .commit_batch(
                    "Custom-T",
                    &batch,
                    &TableRows::default(),
                    &meta,
                    &[],
                    &log(&request),
                )
                .expect("commits");
        }
        let conn = Connection::open(&path).expect("reopen");
        let typed: i64 = conn
            .query_row("SELECT COUNT(*) FROM \"_ccfgen_rows_Custom-T\"", [], |r| {
                r.get(0)
            })
            .expect("counts");
        assert_eq!(typed, 2, "the batch with a NUL is stored typed");
        assert_eq!(store.count("Custom-T").expect("counts"), 5);
        let rows = store.rows("Custom-T").expect("reads");
        let got: Vec<(Value, Value, Value)> = rows
            .iter()
            .map(|r| {
                (
                    r["S"].clone(),
                    r["_ccfgen_seq"].clone(),
                    r["_ccfgen_request_id"].clone(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("a".into(), 1.into(), "r0".into()),
                ("b\"c".into(), 2.into(), "r0".into()),
                ("nul\u{0}here".into(), 3.into(), "r1".into()),
                (Value::Null, 4.into(), "r1".into()),
                ("d".into(), 5.into(), "r2".into()),
            ]
        );
        store.reset().expect("resets");
        assert_eq!(store.count("Custom-T").expect("counts"), 0);
        assert!(store.rows("Custom-T").expect("reads").is_empty());
    }

    #[test]
    fn changed_declaration_is_refused_on_reopen() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.sqlite");
        Store::open(
            &path,
            &[record(vec![StreamColumn::new("A", "long")])],
            &Transforms::default(),
        )
        .expect("opens");
        let err = Store::open(
            &path,
            &[record(vec![StreamColumn::new("A", "string")])],
            &Transforms::default(),
        )
        .err()
        .expect("mismatch refused");
        assert!(matches!(err, Error::Config(_)), "{err}");
    }

    #[test]
    fn a_file_of_the_earlier_layout_is_converted_with_its_rows() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.sqlite");
        let conn = Connection::open(&path).expect("creates");
        conn.execute_batch(
            r#"CREATE TABLE "Custom-T" ("A" INTEGER, "_ccfgen_dcr_id" TEXT,
                 "_ccfgen_request_id" TEXT, "_ccfgen_client_request_id" TEXT,
                 "_ccfgen_attempt" INTEGER, "_ccfgen_received_at" TEXT,
                 "_ccfgen_seq" INTEGER PRIMARY KEY);
               INSERT INTO "Custom-T" VALUES
                 (1, 'dcr-1', 'r1', 'c1', 1, '2026-01-01T00:00:00Z', 1),
                 (2, 'dcr-1', 'r1', 'c1', 1, '2026-01-01T00:00:00Z', 2),
                 (3, 'dcr-1', 'r2', NULL, 2, '2026-01-01T00:00:01Z', 3);"#,
        )
        .expect("earlier layout");
        drop(conn);
        let stream = record(vec![StreamColumn::new("A", "long")]);
        let store = Store::open(&path, std::slice::from_ref(&stream), &Transforms::default())
            .expect("converts");
        assert_eq!(store.count("Custom-T").expect("counts"), 3);
        let rows = store.rows("Custom-T").expect("reads");
        assert_eq!(
            rows[2],
            serde_json::json!({"A": 3, "_ccfgen_dcr_id": "dcr-1", "_ccfgen_request_id": "r2",
                "_ccfgen_client_request_id": null, "_ccfgen_attempt": 2,
                "_ccfgen_received_at": "2026-01-01T00:00:01Z", "_ccfgen_seq": 3})
        );
        assert_eq!(rows[1]["_ccfgen_request_id"], "r1");
        drop(store);
        // Opening again finds the new layout and keeps the rows.
        let store = Store::open(&path, std::slice::from_ref(&stream), &Transforms::default())
            .expect("reopens");
        assert_eq!(store.count("Custom-T").expect("counts"), 3);
        let conn = Connection::open(&path).expect("reopen");
        assert_eq!(
            scalar(
                &conn,
                "SELECT type FROM sqlite_master WHERE name = 'Custom-T'"
            )
            .as_deref(),
            Some("view")
        );
        let batches: i64 = conn
            .query_row("SELECT COUNT(*) FROM _ccfgen_batches", [], |row| row.get(0))
            .expect("counts");
        assert_eq!(batches, 2);
    }
}
