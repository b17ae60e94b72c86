//! A data flow end to end: a JSON record converted to the stream's columns, the
//! transformation, and the table's storage rules — what `ccfgen preview`, the emulator and
//! `ccfgen check --sample` all run — plus a [`Summary`] of what happened to many records.

use std::collections::BTreeMap;

use super::input::{InputIssue, input_row};
use super::store::{Change, TableWriter, TimeFix};
use super::value::Value;
use super::{CompileError, Ctx, Program};
use crate::{Column, ScalarType};

/// A compiled data flow: stream columns → transformation → table.
#[derive(Debug, Clone)]
pub struct Flow {
    program: Program,
    writer: TableWriter,
    /// Per table column: the input column stored in it as it is.
    copied: Vec<Option<usize>>,
    /// Per input column: whether the row depends on it other than through `copied`.
    needed: Vec<bool>,
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
        let (copied, needed) = copies(&program, &writer);
        Ok(Flow {
            program,
            writer,
            copied,
            needed,
        })
    }

    /// Per table column: the input column whose value the table stores as it is, or `None`.
    /// Such a column receives the input value unchanged by the transformation (moved by
    /// `project`, `project-rename`, `extend X = Y` …, never computed), the input column and
    /// the table column have the same type, one of `string`, `guid`, `int`, `long`, `real`,
    /// `bool` and `datetime` (so the storage rules keep the value), and it is not
    /// `TimeGenerated` (whose window rule looks at the value). The stored value is the input
    /// value, except that text over [`MAX_VALUE_BYTES`](super::store::MAX_VALUE_BYTES) is
    /// truncated.
    ///
    /// A caller that stores these values itself may pass null for every input column
    /// [`Flow::needed_columns`] marks as not needed: [`Flow::run_row`] then gives the same row
    /// and the same changes, except null in the copied columns (and no truncation of them).
    pub fn copied_columns(&self) -> &[Option<usize>] {
        &self.copied
    }

    /// Per input column: whether the stored row depends on its value other than through
    /// [`Flow::copied_columns`] (an expression reads it, or it reaches a table column that
    /// is not a copy of it).
    pub fn needed_columns(&self) -> &[bool] {
        &self.needed
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

/// The table columns that store an input value as it is, and the input columns the row
/// needs otherwise (see [`Flow::copied_columns`]). Without a lineage, nothing is copied and
/// every input column is needed.
fn copies(program: &Program, writer: &TableWriter) -> (Vec<Option<usize>>, Vec<bool>) {
    let table = writer.table_columns();
    let input = program.input();
    let Some(lineage) = program.lineage() else {
        return (vec![None; table.len()], vec![true; input.len()]);
    };
    let mut needed = lineage.read;
    let copied = table
        .iter()
        .zip(writer.sources())
        .enumerate()
        .map(|(k, (column, source))| {
            let from = source.and_then(|s| lineage.output.get(s).copied().flatten())?;
            let kept = matches!(
                column.ty,
                ScalarType::String
                    | ScalarType::Guid
                    | ScalarType::Int
                    | ScalarType::Long
                    | ScalarType::Real
                    | ScalarType::Bool
                    | ScalarType::DateTime
            ) && input.get(from).is_some_and(|c| c.ty == column.ty)
                && writer.time_generated() != Some(k);
            if kept {
                Some(from)
            } else {
                needed[from] = true;
                None
            }
        })
        .collect();
    (copied, needed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::time::parse_datetime;

    fn stream() -> Vec<Column> {
        vec![
            Column::new("Id", ScalarType::String),
            Column::new("N", ScalarType::Int),
            Column::new("Seen", ScalarType::DateTime),
            Column::new("Extra", ScalarType::Dynamic),
            Column::new("Score", ScalarType::Real),
        ]
    }

    fn table() -> Vec<Column> {
        vec![
            Column::new("TimeGenerated", ScalarType::DateTime),
            Column::new("Id", ScalarType::String),
            Column::new("N", ScalarType::Long),
            Column::new("Seen", ScalarType::DateTime),
            Column::new("Extra", ScalarType::Dynamic),
            Column::new("Score", ScalarType::Real),
            Column::new("Host", ScalarType::String),
        ]
    }

    fn input() -> Vec<Value> {
        vec![
            Value::string("a-1"),
            Value::Int(7),
            Value::DateTime(parse_datetime("2026-01-01T10:00:00Z").expect("time")),
            super::super::parse_json(r#"{"host": "h1"}"#).expect("json"),
            Value::Real(2.5),
        ]
    }

    /// A transformation, the copied columns of the table above, the needed stream columns.
    type Case = (&'static str, [Option<usize>; 7], [bool; 5]);

    /// The cases, for the stream and table above.
    const CASES: &[Case] = &[
        // every column moves as it is; N is an int in the stream and a long in the table
        (
            "source | extend TimeGenerated = now()",
            [None, Some(0), None, Some(2), None, Some(4), None],
            [false, true, false, true, false],
        ),
        // read by a where, still copied
        (
            "source | where Score > 1 | extend TimeGenerated = Seen",
            [None, Some(0), None, Some(2), None, Some(4), None],
            [false, true, true, true, true],
        ),
        // renamed and reordered, Host computed from Extra, Id replaced
        (
            "source | project-rename Host = Id | extend Id = strcat('x', Host) \
             | project TimeGenerated = now(), Id, Host, Score",
            [None, None, None, None, None, Some(4), Some(0)],
            [true, false, false, false, false],
        ),
        // extend X = Y copies; a parse reads its source and writes its columns
        (
            "source | extend Host = Id | parse Id with Prefix '-' * | extend Host = Host",
            [None, Some(0), None, Some(2), None, Some(4), Some(0)],
            [true, true, false, true, false],
        ),
        // rows from a let table: nothing is known
        (
            "let T = source | where N > 0; T | extend TimeGenerated = now()",
            [None; 7],
            [true; 5],
        ),
    ];

    #[test]
    fn copied_columns_follow_the_values_through_the_stages() {
        for (query, copied, needed) in CASES {
            let flow = Flow::new(query, &stream(), &table()).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(flow.copied_columns(), copied, "{query}");
            assert_eq!(flow.needed_columns(), needed, "{query}");
        }
    }

    #[test]
    fn a_row_without_its_unneeded_inputs_differs_only_in_the_copied_columns() {
        let ctx = Ctx {
            now: parse_datetime("2026-01-01T12:00:00Z").expect("time"),
        };
        for (query, _, _) in CASES {
            let flow = Flow::new(query, &stream(), &table()).unwrap_or_else(|e| panic!("{e}"));
            let mut full_changes = Vec::new();
            let full = flow
                .run_row(input(), &ctx, &mut full_changes)
                .expect("a row");
            let partial_input: Vec<Value> = input()
                .into_iter()
                .zip(flow.needed_columns())
                .map(|(v, needed)| if *needed { v } else { Value::Null })
                .collect();
            let mut changes = Vec::new();
            let partial = flow
                .run_row(partial_input, &ctx, &mut changes)
                .expect("a row");
            assert_eq!(changes, full_changes, "{query}");
            for (k, copied) in flow.copied_columns().iter().enumerate() {
                match copied {
                    Some(j) => {
                        let given = if flow.needed_columns()[*j] {
                            input()[*j].clone()
                        } else {
                            Value::Null
                        };
                        assert_eq!(partial[k], given, "{query}: column {k}");
                        assert_eq!(full[k], input()[*j], "{query}: column {k}");
                    }
                    None => assert_eq!(partial[k], full[k], "{query}: column {k}"),
                }
            }
        }
    }
}
