//! The data flows: every stream's `transformKql` compiled at start by the `ccfgen-kql`
//! evaluator, run on each accepted batch, and the rows it gives each destination table.
//!
//! What happens between the stream and the table is [`ccfgen_kql::eval::Flow`], the code
//! `ccfgen preview` and `ccfgen check --sample` run: the transformation, then the service's
//! storage rules (output columns the table does not have dropped, values whose type does not
//! fit their column nulled, values over 64 KB truncated, `TimeGenerated` missing, null or
//! outside its window replaced by the received time). The transformation receives the stream
//! row as the emulator stores it (the stream's own conversion already applied).
//!
//! A flow whose stored row depends on no stream value other than the cells it stores as they
//! are (`source | extend TimeGenerated = now()`) is run once per batch, on an all-null row:
//! each row whose cells are stored as they are takes that template (the evaluator is
//! stateless and `now()` is the batch's, so it is the row the evaluator would give).
//!
//! A transformation the evaluator cannot run is not run approximately: it is reported at
//! start ([`TransformError`]) and its data flow stores nothing (the stream's rows are still
//! stored).

use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

use ccfgen_base::ColumnType;
use ccfgen_kql::eval::store::MAX_VALUE_BYTES;
use ccfgen_kql::eval::{Ctx, Flow, Program, Value, parse_json, time};
use ccfgen_kql::{Column, ScalarType};
use ccfgen_push::StreamType;
use rusqlite::types::ValueRef;

use crate::config::{Config, StreamColumn};
use crate::schema::{Cell, Coerced, Schema, is_stored_utc_form};

/// A data flow whose transformation the evaluator cannot run: the emulator starts, stores
/// the stream's rows, and stores nothing in the table for this flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransformError {
    /// The input stream.
    pub stream: String,
    /// The destination table.
    pub table: String,
    /// Why, with the line:column in the transformation.
    pub message: String,
}

impl fmt::Display for TransformError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the transformKql of {} → {} cannot be run by the evaluator, so the table gets no rows from it: {}",
            self.stream, self.table, self.message
        )
    }
}

/// A destination table as stored.
#[derive(Debug, Clone)]
pub(crate) struct TableSchema {
    /// The table name (`MyTable_CL`, `Syslog`).
    pub(crate) name: String,
    /// Its columns: the table definition's, or the first runnable transformation's output
    /// when the definition is not known.
    pub(crate) columns: Vec<Column>,
    /// Whether the columns come from the table's definition.
    pub(crate) defined: bool,
}

/// A compiled data flow.
#[derive(Debug)]
struct CompiledFlow {
    /// Index in [`Transforms::tables`].
    table: usize,
    flow: Flow,
    /// Whether the stored row depends on no input value other than through the copied
    /// columns ([`Flow::needed_columns`] all false): every row whose copied cells are stored
    /// as they are then gives the same row (but for those cells), computed once per batch.
    constant: bool,
}

/// One data flow as configured, for the control API and the state file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FlowInfo {
    pub(crate) stream: String,
    pub(crate) table: String,
    pub(crate) transform_kql: String,
    pub(crate) error: Option<String>,
}

/// Every data flow of the configuration, compiled.
#[derive(Debug, Default)]
pub(crate) struct Transforms {
    pub(crate) tables: Vec<TableSchema>,
    by_stream: HashMap<String, Vec<CompiledFlow>>,
    pub(crate) errors: Vec<TransformError>,
    pub(crate) flows: Vec<FlowInfo>,
}

/// The rows a batch gives the tables, one entry per data flow that stored something.
#[derive(Debug, Default)]
pub(crate) struct TableRows {
    pub(crate) batches: Vec<FlowRows>,
    /// Records a transformation dropped (counted per data flow).
    pub(crate) filtered: u64,
}

impl TableRows {
    /// Rows stored in all tables.
    pub(crate) fn len(&self) -> usize {
        self.batches.iter().map(|flow| flow.rows.len()).sum()
    }
}

/// The rows one data flow gives its table.
#[derive(Debug)]
pub(crate) struct FlowRows {
    /// Index in [`Transforms::tables`].
    pub(crate) table: usize,
    /// The input stream.
    pub(crate) stream: Arc<str>,
    /// Per table column: the stream column whose stored cell the table stores as it is, in the
    /// rows whose `copied` is set ([`Flow::copied_columns`]).
    copied: Arc<[Option<usize>]>,
    /// The values of the rows that have none of their own (a flow whose row depends on no
    /// input value but its copied cells: [`CompiledFlow::constant`]), in table column order,
    /// null in the copied columns.
    template: Option<Vec<Value>>,
    pub(crate) rows: Vec<TableRow>,
}

/// One table row.
#[derive(Debug)]
pub(crate) struct TableRow {
    /// The record (stream row) of the batch it comes from.
    record: usize,
    /// Whether the copied columns take the stream row's stored cells (their values here are
    /// null): every such cell is stored as it is.
    copied: bool,
    /// The values, in table column order; `None`: the flow's template (and `copied` is set).
    values: Option<Vec<Value>>,
}

/// Text formatted for binding or writing, reused across rows: the last datetime's text is kept
/// while the next row's is the same instant (`now()`, a batch's `TimeGenerated`).
#[derive(Debug, Default)]
pub(crate) struct Formatted {
    /// Other formatted values (dynamic, timespan, guid…), rewritten for each.
    text: String,
    /// The datetime text of `ticks`.
    datetime: String,
    ticks: Option<i64>,
}

impl FlowRows {
    /// The record (stream row of the batch) table row `row` comes from.
    pub(crate) fn record(&self, row: usize) -> usize {
        self.rows[row].record
    }

    /// The values the rows without their own share ([`FlowRows::template`]), when there are
    /// such rows.
    pub(crate) fn template(&self) -> Option<&[Value]> {
        self.template.as_deref()
    }

    /// Whether table row `row` takes the flow's template: its copied columns are its stream
    /// row's stored cells, every other value is the template's.
    pub(crate) fn is_templated(&self, row: usize) -> bool {
        self.rows[row].values.is_none()
    }

    /// Per table column: the stream column whose stored cell the table stores as it is, in
    /// the rows whose copied cells are stored as they are (every templated row).
    pub(crate) fn copied(&self) -> &[Option<usize>] {
        &self.copied
    }

    /// Gives `bind(i, value, copied)` the SQLite value of each column `i` of row `row` in order
    /// (`columns`: the table's), with `copied` the stream column whose stored cell it is when
    /// the value is that cell as it is; formatted text is written to `text` and borrowed from
    /// it.
    pub(crate) fn for_each_value<E>(
        &self,
        row: usize,
        batch: &Coerced,
        columns: &[Column],
        text: &mut Formatted,
        mut bind: impl FnMut(usize, ValueRef<'_>, Option<usize>) -> Result<(), E>,
    ) -> Result<(), E> {
        let row = &self.rows[row];
        let cells = batch.cells(row.record);
        let values = row
            .values
            .as_deref()
            .or(self.template.as_deref())
            .unwrap_or_default();
        for (i, (value, column)) in values.iter().zip(columns).enumerate() {
            match self.copied.get(i).copied().flatten() {
                Some(j) if row.copied => bind(i, batch.value(&cells[j]), Some(j))?,
                _ => bind(i, text.sql(value, column.ty), None)?,
            }
        }
        Ok(())
    }
}

impl Formatted {
    /// The SQLite value of a table value in a column of type `ty` ([`to_sql`]), the text of a
    /// datetime kept for the next value of the same instant.
    pub(crate) fn sql<'a>(&'a mut self, value: &'a Value, ty: ScalarType) -> ValueRef<'a> {
        match value {
            Value::DateTime(t) if !matches!(ty, ScalarType::Dynamic | ScalarType::Unknown) => {
                if self.ticks != Some(*t) {
                    self.datetime.clear();
                    time::write_datetime_short(*t, &mut self.datetime);
                    self.ticks = Some(*t);
                }
                ValueRef::Text(self.datetime.as_bytes())
            }
            _ => to_sql(value, ty, &mut self.text),
        }
    }
}

/// The table columns of a configured definition.
fn table_columns(table: &str, columns: &[StreamColumn]) -> Result<Vec<Column>, String> {
    columns
        .iter()
        .map(|c| {
            let ty = ColumnType::parse_table(&c.type_name).ok_or_else(|| {
                format!(
                    "table {table}: column {} has unknown type {:?}",
                    c.name, c.type_name
                )
            })?;
            Ok(Column::new(c.name.clone(), ty.scalar()))
        })
        .collect()
}

/// The evaluator's columns of a stream.
fn stream_columns(schema: &Schema) -> Vec<Column> {
    schema
        .columns
        .iter()
        .map(|(name, ty)| Column::new(name.clone(), ty.scalar()))
        .collect()
}

impl Transforms {
    /// Compiles every data flow of `config` (`schemas`: the resolved streams, one per name).
    /// A configuration error (a table defined twice with different columns, an unknown column
    /// type) is `Err`; a transformation the evaluator cannot run is a [`TransformError`].
    pub(crate) fn compile(config: &Config, schemas: &[Schema]) -> Result<Transforms, String> {
        let mut out = Transforms::default();
        let mut index: HashMap<String, usize> = HashMap::new();
        // Pass 1: the tables whose definition is given.
        for stream in config.dcrs.iter().flat_map(|d| &d.streams) {
            for flow in &stream.flows {
                let Some(defined) = &flow.table_columns else {
                    continue;
                };
                let name = flow.table();
                let columns = table_columns(name, defined)?;
                match index.get(name) {
                    Some(&i) if out.tables[i].columns != columns => {
                        return Err(format!(
                            "table {name} is defined with different columns by two data flows"
                        ));
                    }
                    Some(_) => {}
                    None => {
                        index.insert(name.to_owned(), out.tables.len());
                        out.tables.push(TableSchema {
                            name: name.to_owned(),
                            columns,
                            defined: true,
                        });
                    }
                }
            }
        }
        // Pass 2: compile each flow of each stream once (a stream declared by two DCRs with
        // the same columns is one stream; its flows are those of its first declaration).
        let mut seen: HashMap<&str, ()> = HashMap::new();
        for stream in config.dcrs.iter().flat_map(|d| &d.streams) {
            if seen.insert(stream.name.as_str(), ()).is_some() {
                continue;
            }
            let Some(schema) = schemas.iter().find(|s| s.name == stream.name) else {
                continue;
            };
            let input = stream_columns(schema);
            let mut compiled = Vec::new();
            for flow in &stream.flows {
                let name = flow.table();
                let mut info = FlowInfo {
                    stream: stream.name.clone(),
                    table: name.to_owned(),
                    transform_kql: flow.transform_kql.clone(),
                    error: None,
                };
                let table = match index.get(name) {
                    Some(&i) => Ok(i),
                    None => Program::compile(&flow.transform_kql, &input).map(|program| {
                        index.insert(name.to_owned(), out.tables.len());
                        out.tables.push(TableSchema {
                            name: name.to_owned(),
                            columns: program.output().to_vec(),
                            defined: false,
                        });
                        out.tables.len() - 1
                    }),
                };
                let result = table.and_then(|table| {
                    let columns = &out.tables[table].columns;
                    Flow::new(&flow.transform_kql, &input, columns).map(|flow| {
                        let constant = !flow.needed_columns().iter().any(|&n| n);
                        CompiledFlow {
                            table,
                            flow,
                            constant,
                        }
                    })
                });
                match result {
                    Ok(c) => compiled.push(c),
                    Err(e) => {
                        let error = TransformError {
                            stream: stream.name.clone(),
                            table: name.to_owned(),
                            message: e.to_string(),
                        };
                        info.error = Some(error.message.clone());
                        out.errors.push(error);
                    }
                }
                out.flows.push(info);
            }
            out.by_stream.insert(stream.name.clone(), compiled);
        }
        Ok(out)
    }

    /// Whether any runnable data flow reads `stream`.
    #[cfg(test)]
    fn has_flows(&self, stream: &str) -> bool {
        self.by_stream.get(stream).is_some_and(|f| !f.is_empty())
    }

    /// Runs the data flows of `stream` on a typed batch received at `received` (ticks).
    pub(crate) fn run(&self, stream: &Schema, batch: &Coerced, received: i64) -> TableRows {
        self.run_rows(stream, batch, received, true)
    }

    /// Runs the data flows of `stream` as [`Transforms::run`] does, but every row through the
    /// evaluator (no stored cell copied, no template): what the copies and templates must give.
    #[cfg(test)]
    pub(crate) fn run_evaluated(
        &self,
        stream: &Schema,
        batch: &Coerced,
        received: i64,
    ) -> TableRows {
        self.run_rows(stream, batch, received, false)
    }

    /// [`Transforms::run`]; with `copy`, the table columns that store a stream value as it
    /// is take the stream row's stored cell ([`Flow::copied_columns`]) and the stream values
    /// no transformation needs are not converted for the evaluator.
    fn run_rows(&self, stream: &Schema, batch: &Coerced, received: i64, copy: bool) -> TableRows {
        let mut out = TableRows::default();
        let Some(flows) = self.by_stream.get(&stream.name).filter(|f| !f.is_empty()) else {
            return out;
        };
        let ctx = Ctx { now: received };
        let name: Arc<str> = Arc::from(stream.name.as_str());
        let width = stream.columns.len();
        // per stream column: read by some flow; stored as it is by some flow
        let mut needed = vec![!copy; width];
        let mut copied = vec![false; width];
        for flow in flows {
            for (n, &needs) in needed.iter_mut().zip(flow.flow.needed_columns()) {
                *n |= needs;
            }
            for &j in flow.flow.copied_columns().iter().flatten() {
                copied[j] = true;
            }
        }
        let mut changes = Vec::new();
        // A flow whose rows depend on no input value but their copied cells gives every row
        // stored as it is the same values: those of an all-null row (what such a row is given
        // below), computed once into its template. Per flow, what a row stored as it is gets:
        // `None` the evaluator, `Some(true)` the template, `Some(false)` dropped.
        let mut templated: Vec<Option<bool>> = Vec::with_capacity(flows.len());
        let mut per_flow: Vec<FlowRows> = Vec::with_capacity(flows.len());
        for flow in flows {
            let template = (copy && flow.constant).then(|| {
                changes.clear();
                flow.flow
                    .run_row(vec![Value::Null; width], &ctx, &mut changes)
            });
            templated.push(template.as_ref().map(Option::is_some));
            per_flow.push(FlowRows {
                table: flow.table,
                stream: Arc::clone(&name),
                copied: Arc::from(flow.flow.copied_columns()),
                template: template.flatten(),
                rows: Vec::with_capacity(batch.len()),
            });
        }
        // Whether a row stored as it is needs the evaluator at all.
        let all_templated = templated.iter().all(Option::is_some);
        let last = flows.len() - 1;
        // Room for the columns a transformation adds (`extend`) without growing the row.
        let capacity = width
            + flows
                .iter()
                .map(|f| self.tables[f.table].columns.len())
                .max()
                .unwrap_or(0);
        for (record, cells) in batch.rows().enumerate() {
            // a cell that would not be stored as it is (a long text, a datetime in another
            // form) sends the whole row through the evaluator
            let as_is = copy
                && cells
                    .iter()
                    .zip(&stream.columns)
                    .zip(&copied)
                    .all(|((cell, (_, ty)), &c)| !c || stored_as_is(batch.value(cell), *ty));
            let mut input: Vec<Value> = Vec::new();
            if !(as_is && all_templated) {
                input.reserve_exact(capacity);
                input.extend(cells.iter().zip(&stream.columns).zip(&needed).map(
                    |((cell, (_, ty)), &needed)| {
                        if needed || !as_is {
                            stream_value(batch, cell, *ty)
                        } else {
                            Value::Null
                        }
                    },
                ));
            }
            for (i, ((flow, rows), &kept)) in flows
                .iter()
                .zip(per_flow.iter_mut())
                .zip(&templated)
                .enumerate()
            {
                if let (true, Some(kept)) = (as_is, kept) {
                    if kept {
                        rows.rows.push(TableRow {
                            record,
                            copied: true,
                            values: None,
                        });
                    } else {
                        out.filtered += 1;
                    }
                    continue;
                }
                changes.clear();
                // the last flow takes the row; the others a copy
                let row = if i == last {
                    std::mem::take(&mut input)
                } else {
                    input.clone()
                };
                match flow.flow.run_row(row, &ctx, &mut changes) {
                    Some(values) => rows.rows.push(TableRow {
                        record,
                        copied: as_is,
                        values: Some(values),
                    }),
                    None => out.filtered += 1,
                }
            }
        }
        out.batches = per_flow
            .into_iter()
            .filter(|flow| !flow.rows.is_empty())
            .collect();
        out
    }
}

/// Whether a table column of the stream column's type stores this stored stream cell as it
/// is: what the evaluator reads from it ([`stream_value`]) and [`to_sql`] writes back is the
/// same SQLite value — integers in `int`, `long` and `bool` (0 or 1) columns, reals in `real`
/// columns, text up to the table's 64 KB in `string` and `guid` columns, datetimes in the
/// stored form with at most 7 fraction digits (a datetime's ticks) from year 1 on.
fn stored_as_is(value: ValueRef<'_>, ty: StreamType) -> bool {
    match (value, ty) {
        (ValueRef::Null, _) => true,
        (ValueRef::Integer(i), StreamType::Boolean) => i == 0 || i == 1,
        (ValueRef::Integer(i), StreamType::Int) => i32::try_from(i).is_ok(),
        (ValueRef::Integer(_), StreamType::Long) => true,
        (ValueRef::Real(_), StreamType::Real) => true,
        // A batch's text is UTF-8 (it was parsed from JSON or written by the emulator).
        (ValueRef::Text(text), StreamType::String | StreamType::Guid) => {
            text.len() <= MAX_VALUE_BYTES
        }
        (ValueRef::Text(text), StreamType::DateTime) => {
            text.len() <= 28
                && !text.starts_with(b"0000")
                && std::str::from_utf8(text).is_ok_and(is_stored_utc_form)
        }
        _ => false,
    }
}

/// The evaluator's value of a stored stream cell.
fn stream_value(batch: &Coerced, cell: &Cell, ty: StreamType) -> Value {
    match (batch.value(cell), ty) {
        (ValueRef::Null, _) => Value::Null,
        (ValueRef::Integer(i), StreamType::Boolean) => Value::Bool(i != 0),
        (ValueRef::Integer(i), StreamType::Int) => Value::Int(i as i32),
        (ValueRef::Integer(i), _) => Value::Long(i),
        (ValueRef::Real(f), _) => Value::Real(f),
        (ValueRef::Text(bytes) | ValueRef::Blob(bytes), ty) => {
            let text = String::from_utf8_lossy(bytes);
            match ty {
                StreamType::DateTime => {
                    time::parse_datetime(&text).map_or(Value::Null, Value::DateTime)
                }
                // A truncated dynamic value is no longer JSON: its text.
                StreamType::Dynamic => parse_json(&text).unwrap_or_else(|| Value::string(&text)),
                _ => Value::string(&text),
            }
        }
    }
}

/// The SQLite column type storing a table column of type `ty`.
pub(crate) fn sql_affinity(ty: ScalarType) -> &'static str {
    match ty {
        ScalarType::Bool | ScalarType::Int | ScalarType::Long => "INTEGER",
        ScalarType::Real | ScalarType::Decimal => "REAL",
        _ => "TEXT",
    }
}

/// The SQLite value of a stored table value in a column of type `ty`: datetimes in RFC 3339
/// (fraction trimmed, as the Log Analytics APIs return them), dynamic values as JSON text,
/// timespans and guids in Kusto's text form, each written to `text` (cleared first) and
/// borrowed from it; strings borrowed from the value.
pub(crate) fn to_sql<'a>(value: &'a Value, ty: ScalarType, text: &'a mut String) -> ValueRef<'a> {
    match value {
        Value::Null => return ValueRef::Null,
        _ if matches!(ty, ScalarType::Dynamic | ScalarType::Unknown) => {
            *text = value.to_json_text();
        }
        Value::String(s) => return ValueRef::Text(s.as_bytes()),
        Value::Bool(b) => return ValueRef::Integer((*b).into()),
        Value::Int(i) => return ValueRef::Integer((*i).into()),
        Value::Long(l) => return ValueRef::Integer(*l),
        Value::Real(r) => return ValueRef::Real(*r),
        Value::DateTime(t) => {
            text.clear();
            time::write_datetime_short(*t, text);
        }
        other => *text = other.to_kusto_string(),
    }
    ValueRef::Text(text.as_bytes())
}

/// The JSON of a stored table value in a column of type `ty` (the inverse of [`to_sql`]).
pub(crate) fn stored_to_json(ty: ScalarType, value: rusqlite::types::Value) -> serde_json::Value {
    use rusqlite::types::Value as Sql;
    use serde_json::Value as J;
    match (ty, value) {
        (_, Sql::Null) => J::Null,
        (ScalarType::Bool, Sql::Integer(i)) => J::Bool(i != 0),
        (_, Sql::Integer(i)) => J::from(i),
        (_, Sql::Real(f)) => serde_json::Number::from_f64(f).map_or(J::Null, J::Number),
        (ScalarType::Dynamic | ScalarType::Unknown, Sql::Text(text)) => {
            serde_json::from_str(&text).unwrap_or(J::String(text))
        }
        (_, Sql::Text(text)) => J::String(text),
        (_, Sql::Blob(bytes)) => J::String(String::from_utf8_lossy(&bytes).into()),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::config::{DataFlow, DcrConfig, StreamDecl};
    use crate::schema::coerce;
    use rusqlite::types::Value as SqlValue;

    /// A configuration of one DCR holding `stream`, and the stream's schema.
    pub(crate) fn config(stream: StreamDecl) -> (Config, Vec<Schema>) {
        let schema = Schema::new(&stream).expect("schema");
        let config = Config {
            dcrs: vec![DcrConfig {
                immutable_id: "dcr-00000000000000000000000000000000".into(),
                streams: vec![stream],
                publishers: Vec::new(),
                auxiliary: false,
            }],
            ..Config::default()
        };
        (config, vec![schema])
    }

    fn decl() -> StreamDecl {
        StreamDecl::new(
            "Custom-T",
            vec![
                StreamColumn::new("ts", "string"),
                StreamColumn::new("n", "int"),
                StreamColumn::new("d", "dynamic"),
            ],
        )
    }

    #[test]
    fn flows_run_with_the_table_rules() {
        let table = vec![
            StreamColumn::new("TimeGenerated", "dateTime"),
            StreamColumn::new("N", "long"),
            StreamColumn::new("Who", "string"),
            StreamColumn::new("Bad", "int"),
        ];
        let stream = decl()
            .with_flow(DataFlow::new(
                "source | where n > 1 | extend TimeGenerated = todatetime(ts), N = n * 2, \
                 Who = tostring(d.who), Bad = 'x', Extra = 1",
                "Custom-T_CL",
                Some(table),
            ))
            .with_flow(DataFlow::new("source", "Microsoft-Raw", None));
        let (config, schemas) = config(stream);
        let t = Transforms::compile(&config, &schemas).expect("compiles");
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        assert_eq!(t.tables.len(), 2);
        assert_eq!(t.tables[1].name, "Raw");
        assert!(!t.tables[1].defined);
        let body = br#"[{"ts": "2026-01-01T00:00:00Z", "n": 2, "d": {"who": "me"}},
                        {"ts": "x", "n": 1}]"#;
        let batch = coerce(&schemas[0], body.to_vec(), false, 100).expect("typed");
        let received = time::parse_datetime("2026-01-02T00:00:00Z").expect("time");
        let rows = t.run(&schemas[0], &batch, received);
        assert_eq!(rows.filtered, 1);
        assert_eq!(rows.len(), 3);
        assert_eq!(rows.batches[0].table, 0);
        let first = sql_rows(&t, &rows, 0, &batch);
        assert_eq!(
            first[0],
            vec![
                SqlValue::Text("2026-01-01T00:00:00Z".into()),
                SqlValue::Integer(4),
                SqlValue::Text("me".into()),
                SqlValue::Null,
            ]
        );
        // `source` stores the stream's values as they are
        assert_eq!(&*rows.batches[1].copied, &[Some(0), Some(1), None]);
        let raw = sql_rows(&t, &rows, 1, &batch);
        assert_eq!(raw.len(), 2);
        assert_eq!(raw[1][0], SqlValue::Text("x".into()));
        assert_eq!(raw[1][1], SqlValue::Integer(1));
    }

    /// The SQLite values of the rows of data flow `flow`.
    fn sql_rows(
        t: &Transforms,
        rows: &TableRows,
        flow: usize,
        batch: &Coerced,
    ) -> Vec<Vec<SqlValue>> {
        let flow = &rows.batches[flow];
        let columns = &t.tables[flow.table].columns;
        let mut text = Formatted::default();
        (0..flow.rows.len())
            .map(|row| {
                let mut values = Vec::new();
                flow.for_each_value(row, batch, columns, &mut text, |_, value, _| {
                    values.push(SqlValue::try_from(value).expect("UTF-8"));
                    Ok::<_, ()>(())
                })
                .expect("values");
                values
            })
            .collect()
    }

    #[test]
    fn stored_stream_cells_are_what_the_evaluator_would_store() {
        let columns = [
            ("S", "string"),
            ("I", "int"),
            ("L", "long"),
            ("R", "real"),
            ("B", "boolean"),
            ("At", "datetime"),
            ("D", "dynamic"),
        ];
        let stream = columns
            .iter()
            .map(|(name, ty)| StreamColumn::new(*name, *ty))
            .collect();
        let table: Vec<StreamColumn> =
            std::iter::once(StreamColumn::new("TimeGenerated", "datetime"))
                .chain(
                    columns
                        .iter()
                        .map(|(name, ty)| StreamColumn::new(*name, *ty)),
                )
                .chain(std::iter::once(StreamColumn::new("Upper", "string")))
                .collect();
        let stream = StreamDecl::new("Custom-T", stream)
            .with_flow(DataFlow::new(
                "source | extend TimeGenerated = now(), Upper = toupper(S)",
                "Custom-T_CL",
                Some(table.clone()),
            ))
            .with_flow(DataFlow::new(
                "source | where I != 3 | project-rename L2 = L | extend L = L2 | extend TimeGenerated = At",
                "Custom-U_CL",
                Some(table),
            ));
        let (config, schemas) = config(stream);
        let t = Transforms::compile(&config, &schemas).expect("compiles");
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        // stored as they are: every column of the first flow but TimeGenerated, D (dynamic:
        // its JSON text is written again) and Upper
        assert_eq!(
            t.by_stream["Custom-T"][0].flow.copied_columns(),
            &[
                None,
                Some(0),
                Some(1),
                Some(2),
                Some(3),
                Some(4),
                Some(5),
                None,
                None
            ]
        );
        let long = "é".repeat(40_000);
        let datetimes = [
            "2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00.5Z",
            "2026-01-01T00:00:00.1234567Z",
            "2026-01-01T00:00:00.12345678Z",
            "2026-01-01T00:00:00.123456789Z",
            "2026-02-29T00:00:00Z",
            "2024-02-29T23:59:59.9999999Z",
            "0000-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.9999999Z",
            "2026-01-01T10:00:00+02:00",
            "2026-01-01",
        ];
        let records: Vec<String> = datetimes
            .iter()
            .enumerate()
            .map(|(n, at)| {
                let text = match n % 4 {
                    0 => format!("\"s{n}\""),
                    1 => format!("\"{long}\""),
                    2 => "\"tab\\there \\u00e9\"".to_owned(),
                    _ => "null".to_owned(),
                };
                format!(
                    r#"{{"S": {text}, "I": {n}, "L": {}, "R": {}, "B": {}, "At": "{at}",
                        "D": {{"n": [{n}, 1.50]}}}}"#,
                    i64::MAX - n as i64,
                    n as f64 / 3.0,
                    n % 2 == 0
                )
            })
            .collect();
        let body = format!("[{}]", records.join(","));
        // a small field limit truncates a datetime: no longer in the stored form
        for max_field in [100_000, 12] {
            let batch =
                coerce(&schemas[0], body.clone().into_bytes(), false, max_field).expect("typed");
            let received = time::parse_datetime("2026-01-01T00:00:00Z").expect("time");
            let copied = t.run_rows(&schemas[0], &batch, received, true);
            let evaluated = t.run_rows(&schemas[0], &batch, received, false);
            assert_eq!(copied.len(), evaluated.len());
            assert_eq!(copied.filtered, 1);
            let stored_as_is: usize = copied.batches[0].rows.iter().filter(|r| r.copied).count();
            assert!(
                stored_as_is > 0 && stored_as_is < datetimes.len(),
                "{stored_as_is}"
            );
            for flow in 0..2 {
                assert_eq!(
                    sql_rows(&t, &copied, flow, &batch),
                    sql_rows(&t, &evaluated, flow, &batch),
                    "flow {flow}, max_field {max_field}"
                );
            }
        }
    }

    /// Flows whose rows depend on no stream value but the cells they copy take one template
    /// per batch; what they store is what the evaluator stores for every row.
    #[test]
    fn templated_rows_are_what_the_evaluator_would_store() {
        let stream: Vec<StreamColumn> = [("S", "string"), ("N", "long"), ("At", "datetime")]
            .iter()
            .map(|(name, ty)| StreamColumn::new(*name, *ty))
            .collect();
        let table = |extra: &[(&str, &str)]| -> Vec<StreamColumn> {
            extra
                .iter()
                .chain(&[("N", "long"), ("S", "string"), ("At", "datetime")])
                .map(|(name, ty)| StreamColumn::new(*name, *ty))
                .collect()
        };
        let flows = [
            "source | extend TimeGenerated = now()",
            "source | where now() > datetime(2000-01-01) | extend TimeGenerated = now(), Tag = strcat('c', 'q')",
            "source | where 1 == 2",
            "source | extend Tag = toupper(S)",
        ];
        let mut decl = StreamDecl::new("Custom-T", stream);
        for (n, kql) in flows.iter().enumerate() {
            decl = decl.with_flow(DataFlow::new(
                *kql,
                format!("Custom-T{n}_CL"),
                Some(table(&[("TimeGenerated", "datetime"), ("Tag", "string")])),
            ));
        }
        let (config, schemas) = config(decl);
        let t = Transforms::compile(&config, &schemas).expect("compiles");
        assert!(t.errors.is_empty(), "{:?}", t.errors);
        let constant: Vec<bool> = t.by_stream["Custom-T"].iter().map(|f| f.constant).collect();
        assert_eq!(constant, [true, true, true, false]);
        let long = "é".repeat(40_000);
        let records: Vec<String> = (0..40)
            .map(|n| {
                let at = match n % 5 {
                    0 => "2026-01-01T00:00:00.123456789Z",
                    1 => "2026-01-01T10:00:00+02:00",
                    _ => "2026-01-01T00:00:00.5Z",
                };
                let s = match n % 7 {
                    0 => format!("\"{long}\""),
                    1 => "null".to_owned(),
                    _ => format!("\"s{n} \\\" \\u00e9\""),
                };
                format!(r#"{{"S": {s}, "N": {n}, "At": "{at}"}}"#)
            })
            .collect();
        let body = format!("[{}]", records.join(","));
        let batch = coerce(&schemas[0], body.into_bytes(), false, 100_000).expect("typed");
        let received = time::parse_datetime("2026-01-01T00:00:00Z").expect("time");
        let copied = t.run(&schemas[0], &batch, received);
        let evaluated = t.run_evaluated(&schemas[0], &batch, received);
        assert_eq!(copied.filtered, 40);
        assert_eq!(evaluated.filtered, 40);
        assert_eq!(copied.batches.len(), 3);
        for (flow, rows) in copied.batches.iter().enumerate() {
            let templated = (0..rows.rows.len())
                .filter(|&r| rows.is_templated(r))
                .count();
            // rows with a long text or a datetime of 9 fraction digits are not stored as
            // they are: evaluated
            if flow < 2 {
                assert!(templated > 0 && templated < rows.rows.len(), "{templated}");
            } else {
                assert_eq!(templated, 0);
            }
            assert_eq!(
                sql_rows(&t, &copied, flow, &batch),
                sql_rows(&t, &evaluated, flow, &batch),
                "flow {flow}"
            );
        }
    }

    #[test]
    fn a_transformation_the_evaluator_cannot_run_is_reported() {
        let stream = decl().with_flow(DataFlow::new(
            "source | summarize count()",
            "Custom-T_CL",
            Some(vec![StreamColumn::new("TimeGenerated", "datetime")]),
        ));
        let (config, schemas) = config(stream);
        let t = Transforms::compile(&config, &schemas).expect("compiles");
        assert_eq!(t.errors.len(), 1);
        assert_eq!(t.errors[0].table, "T_CL");
        assert!(t.errors[0].to_string().contains("cannot be run"));
        assert!(!t.has_flows("Custom-T"));
    }

    #[test]
    fn values_round_trip_through_sqlite_text() {
        let cases = [
            (Value::Bool(true), ScalarType::Bool, serde_json::json!(true)),
            (
                Value::DateTime(time::parse_datetime("2026-01-01T00:00:01.5Z").unwrap()),
                ScalarType::DateTime,
                serde_json::json!("2026-01-01T00:00:01.5Z"),
            ),
            (
                parse_json(r#"{"a":[1,"2"]}"#).unwrap(),
                ScalarType::Dynamic,
                serde_json::json!({"a": [1, "2"]}),
            ),
            (
                Value::string("12"),
                ScalarType::Dynamic,
                serde_json::json!("12"),
            ),
            (Value::Long(7), ScalarType::Long, serde_json::json!(7)),
        ];
        let mut text = "left from the value before".to_owned();
        for (value, ty, json) in cases {
            let sql =
                rusqlite::types::Value::try_from(to_sql(&value, ty, &mut text)).expect("UTF-8");
            assert_eq!(stored_to_json(ty, sql), json, "{value:?}");
        }
    }
}
