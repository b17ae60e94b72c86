//! A data flow end to end: a JSON record converted to the stream's columns, the
//! transformation, and the table's storage rules — what `ccfgen preview`, the emulator and
//! `ccfgen check --sample` all run — plus a [`Summary`] of what happened to many records.

use std::collections::BTreeMap;

use super::input::{InputIssue, input_row};
use super::store::{Change, TableWriter, TimeFix};
use super::value::Value;
use super::{CompileError, Ctx, Program};
use crate::Column;

/// A compiled data flow: stream columns → transformation → table.
#[derive(Debug, Clone)]
pub struct Flow {
    program: Program,
    writer: TableWriter,
}

/// What one record became.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// The row the table stores (table column order), `None` when the transformation
    /// dropped the record.
    pub row: Option<Vec<Value>>,
    /// What the stream's conversion changed.
    pub input: Vec<InputIssue>,
    /// What the table's storage rules changed.
    pub changes: Vec<Change>,
}

impl Flow {
    /// Compiles the transformation for the stream's columns and prepares the table's rules.
    pub fn new(query: &str, stream: &[Column], table: &[Column]) -> Result<Flow, CompileError> {
        let program = Program::compile(query, stream)?;
        let writer = TableWriter::new(program.output(), table);
        Ok(Flow { program, writer })
    }

    /// The transformation.
    pub fn program(&self) -> &Program {
        &self.program
    }

    /// The table's storage rules.
    pub fn writer(&self) -> &TableWriter {
        &self.writer
    }

    /// Runs one JSON record received at `ctx.now`.
    pub fn run_record(
        &self,
        record: &serde_json::Map<String, serde_json::Value>,
        ctx: &Ctx,
    ) -> Outcome {
        let input = input_row(record, self.program.input());
        let mut changes = Vec::new();
        let row = self.run_row(input.values, ctx, &mut changes);
        Outcome {
            row,
            input: input.issues,
            changes,
        }
    }

    /// Runs one typed stream row received at `ctx.now`; the storage changes go to `changes`.
    pub fn run_row(
        &self,
        row: Vec<Value>,
        ctx: &Ctx,
        changes: &mut Vec<Change>,
    ) -> Option<Vec<Value>> {
        let out = self.program.run_row(row, ctx)?;
        Some(self.writer.store(out, ctx.now, changes))
    }
}

/// Counts over many records, by table column where it applies.
#[derive(Debug, Clone, Default)]
pub struct Summary {
    /// Records run.
    pub records: u64,
    /// Records the transformation dropped (a `where`).
    pub filtered: u64,
    /// Rows stored.
    pub stored: u64,
    /// Per table column: rows where it is null.
    pub nulls: Vec<u64>,
    /// Per table column: values stored as null because of their type (and the first kind).
    pub mismatches: BTreeMap<usize, (u64, &'static str)>,
    /// Per table column: truncated values.
    pub truncated: BTreeMap<usize, u64>,
    /// `TimeGenerated` replaced by the received time, per reason (`missing`, `null`,
    /// `too old`, `too new`).
    pub time_fixes: BTreeMap<&'static str, u64>,
    /// Stream columns whose received values did not fit (count, first JSON kind).
    pub input_mismatches: BTreeMap<String, (u64, &'static str)>,
    /// Record properties the stream does not declare (count).
    pub undeclared: BTreeMap<String, u64>,
}

impl Summary {
    /// An empty summary for a table of `columns` columns.
    pub fn new(columns: usize) -> Summary {
        Summary {
            nulls: vec![0; columns],
            ..Summary::default()
        }
    }

    /// Adds one record's outcome.
    pub fn add(&mut self, outcome: &Outcome) {
        self.records += 1;
        for issue in &outcome.input {
            match issue {
                InputIssue::Undeclared(name) => {
                    *self.undeclared.entry(name.clone()).or_default() += 1
                }
                InputIssue::TypeMismatch {
                    column, received, ..
                } => {
                    self.input_mismatches
                        .entry(column.clone())
                        .or_insert((0, received))
                        .0 += 1;
                }
            }
        }
        let Some(row) = &outcome.row else {
            self.filtered += 1;
            return;
        };
        self.stored += 1;
        for (i, v) in row.iter().enumerate() {
            if v.is_null()
                && let Some(n) = self.nulls.get_mut(i)
            {
                *n += 1;
            }
        }
        for change in &outcome.changes {
            match change {
                Change::TypeMismatch { column, kind } => {
                    self.mismatches.entry(*column).or_insert((0, kind)).0 += 1;
                }
                Change::Truncated { column, .. } => {
                    *self.truncated.entry(*column).or_default() += 1
                }
                Change::TimeGenerated(fix) => {
                    let reason = match fix {
                        TimeFix::Missing => "missing",
                        TimeFix::Null => "null",
                        TimeFix::TooOld(_) => "too old",
                        TimeFix::TooNew(_) => "too new",
                    };
                    *self.time_fixes.entry(reason).or_default() += 1;
                }
            }
        }
    }
}
