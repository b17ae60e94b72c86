//! The transformation evaluator: runs a DCR `transformKql` on records, with Kusto's semantics.
//!
//! [`Program::compile`] analyses the query with the crate's analyser (same parser, same types:
//! a query the analyser rejects is not run) and compiles it into a plan of row-by-row stages
//! (`extend`, `project`, `where`, `parse`, `project-away`/`-keep`/`-rename`/`-reorder`) over
//! a source (`source`, `print`, `datatable`, `let` tables). [`Program::run_row`] transforms one
//! input row; [`Program::run`] a whole input table. Everything the evaluator cannot run
//! exactly (an operator outside the transformation subset, a function it does not implement)
//! is a [`CompileError`] that names it and where it is; it never runs a query approximately.
//! The few documented approximations (`geo_location`, which needs Microsoft's geolocation data)
//! are listed by [`Program::warnings`].
//!
//! Values are [`Value`]s; nulls are typed by their column. [`input_row`] turns a JSON record
//! into the typed row a stream declaration gives the transformation; [`store::TableWriter`]
//! applies what the service does after the transformation; [`Flow`] runs all three.
//!
//! ```
//! use ccfgen_kql::{Column, ScalarType};
//! use ccfgen_kql::eval::{Ctx, Program, Value, input_row};
//! let input = [Column::new("ts", ScalarType::String), Column::new("msg", ScalarType::Dynamic)];
//! let p = Program::compile(
//!     "source | project TimeGenerated = todatetime(ts), Msg = tostring(msg.text)",
//!     &input,
//! ).unwrap();
//! let record = serde_json::json!({"ts": "2024-05-01 10:00:00", "msg": {"text": "hello"}});
//! let row = input_row(record.as_object().unwrap(), &input).values;
//! let out = p.run_row(row, &Ctx { now: 0 }).unwrap();
//! assert_eq!(out[0].to_kusto_string(), "2024-05-01T10:00:00.0000000Z");
//! assert_eq!(out[1], Value::string("hello"));
//! ```

mod compile;
mod conv;
mod flow;
mod funcs;
mod input;
mod json;
mod number;
mod ops;
mod parse_op;
mod plan;
mod regex;
pub mod store;
mod text;
pub mod time;
mod value;

use std::fmt;
use std::ops::Range;

pub use flow::{Flow, Outcome, Summary};
pub use input::{InputIssue, InputRow, input_row, stream_value};
pub use plan::Ctx;
pub use value::{Bag, Value};

#[cfg(test)]
use crate::ScalarType;
use crate::diag::{LineIndex, Severity};
use crate::types::Ty;
use crate::{Column, Options};
use plan::TablePlan;

/// Why a query cannot be run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompileError {
    /// What is wrong, in one sentence.
    pub message: String,
    /// The analyser's diagnostic code (`KS142` ...) when the query is invalid KQL; `None`
    /// when the query is valid but uses something the evaluator does not run.
    pub code: Option<String>,
    /// Byte range in the query.
    pub span: Range<usize>,
    /// 1-based line.
    pub line: u32,
    /// 1-based column (UTF-16 code units, like the analyser's diagnostics).
    pub column: u32,
}

impl fmt::Display for CompileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: ", self.line, self.column)?;
        if let Some(code) = &self.code {
            write!(f, "{code}: ")?;
        }
        f.write_str(&self.message)
    }
}

impl std::error::Error for CompileError {}

/// A compiled query, ready to run on rows (it is `Send + Sync`: compile once, run anywhere).
#[derive(Debug, Clone)]
pub struct Program {
    plan: TablePlan,
    input: Vec<Column>,
    output: Vec<Column>,
    warnings: Vec<String>,
    /// Stack the evaluation of the deepest expression may need (bytes).
    stack: usize,
}

/// Stack an expression level may use while evaluating (generous: debug builds).
const STACK_PER_LEVEL: usize = 8 * 1024;

impl Program {
    /// Analyses and compiles a transformation whose `source` has the `input` columns.
    pub fn compile(query: &str, input: &[Column]) -> Result<Program, CompileError> {
        let arena = bumpalo::Bump::new();
        let mut diags = crate::diag::Diagnostics::default();
        let parsed = crate::parser::parse(query, &arena, &mut diags);
        if parsed.too_deep {
            // the parser stopped (KS245 reported): the tree is not complete
            let diagnostics = diags.finish(query);
            let d = diagnostics.first();
            return Err(CompileError {
                message: d.map_or("the query is nested too deeply".into(), |d| {
                    d.message.clone()
                }),
                code: d.map(|d| d.code.clone()),
                span: d.map_or(0..0, |d| d.span.clone()),
                line: d.map_or(1, |d| d.line),
                column: d.map_or(1, |d| d.column),
            });
        }
        let env = crate::check::Env {
            source: Some(input),
            db: None,
            dcr_functions: Options::default().dcr_functions,
        };
        let checked = crate::check::check(query, &parsed, env, &arena);
        diags.items.extend(checked.diagnostics.iter().cloned());
        diags.items.sort_by_key(|d| d.span.start);
        let diagnostics = diags.finish(query);
        if let Some(d) = diagnostics.iter().find(|d| d.severity == Severity::Error) {
            return Err(CompileError {
                message: d.message.clone(),
                code: Some(d.code.clone()),
                span: d.span.clone(),
                line: d.line,
                column: d.column,
            });
        }
        let schema = input
            .iter()
            .map(|c| (c.name.clone(), Ty::Scalar(c.ty)))
            .collect();
        let mut compiler = compile::Compiler::new(query, checked.types, checked.calls, schema);
        let located = |f: compile::Failure| {
            let (line, column) = LineIndex::new(query).line_col(f.span.start);
            CompileError {
                message: f.message,
                code: None,
                span: f.span,
                line,
                column,
            }
        };
        let (plan, schema) = compiler.query(parsed.statements).map_err(located)?;
        // the analyser names every column; ours must agree in number and type
        let output = match checked.output {
            Some(cols) if cols.len() == schema.len() => cols,
            Some(cols) => {
                return Err(located(compile::Failure {
                    message: format!(
                        "internal: the evaluator computes {} output columns where the \
                         analyser computes {} ({})",
                        schema.len(),
                        cols.len(),
                        cols.iter()
                            .map(|c| c.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    span: 0..query.len(),
                }));
            }
            None => schema
                .iter()
                .map(|(n, t)| Column::new(n.clone(), t.public()))
                .collect(),
        };
        let stack = 64 * 1024 + plan.depth() * STACK_PER_LEVEL;
        Ok(Program {
            plan,
            input: input.to_vec(),
            output,
            warnings: compiler.warnings,
            stack,
        })
    }

    /// The input columns (`source`).
    pub fn input(&self) -> &[Column] {
        &self.input
    }

    /// The output columns, named and typed as the analyser computes them.
    pub fn output(&self) -> &[Column] {
        &self.output
    }

    /// Approximations this program makes (empty for almost every transformation).
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Where the output values come from, when the rows come straight from the input.
    pub(crate) fn lineage(&self) -> Option<plan::Lineage> {
        self.plan.lineage(self.input.len())
    }

    /// True when the result depends on the input rows (false for a query that only `print`s
    /// or reads a `datatable`).
    pub fn reads_input(&self) -> bool {
        self.plan.reads_input()
    }

    /// Runs the query on one input row (one value per input column, in order); `None` when
    /// a `where` drops it. A query that does not read `source` ignores the row and returns
    /// its first result row.
    pub fn run_row(&self, row: Vec<Value>, ctx: &Ctx) -> Option<Vec<Value>> {
        // a deep expression runs on a new stack segment when the current one is short
        stacker::maybe_grow(self.stack, self.stack * 2, || self.run_row_here(row, ctx))
    }

    fn run_row_here(&self, row: Vec<Value>, ctx: &Ctx) -> Option<Vec<Value>> {
        if matches!(self.plan.source, plan::Source::Input) {
            return self.plan.apply(row, ctx);
        }
        let mut first = None;
        self.plan.run(&[row], ctx, &mut |r| {
            if first.is_none() {
                first = Some(r);
            }
        });
        first
    }

    /// Runs the query on a table of input rows; returns the result rows.
    pub fn run(&self, rows: &[Vec<Value>], ctx: &Ctx) -> Vec<Vec<Value>> {
        stacker::maybe_grow(self.stack, self.stack * 2, || {
            let mut out = Vec::new();
            self.plan.run(rows, ctx, &mut |r| out.push(r));
            out
        })
    }
}

/// Parses JSON text into a dynamic value the way `parse_json` does (single-quoted strings
/// accepted); `None` when the text is not JSON.
pub fn parse_json(text: &str) -> Option<Value> {
    json::parse(text)
}

/// True when the evaluator implements the built-in function `name`.
pub fn supports_function(name: &str) -> bool {
    funcs::supported(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(query: &str) -> Vec<Vec<Value>> {
        let p = Program::compile(query, &[]).unwrap_or_else(|e| panic!("{query}: {e}"));
        p.run(&[], &Ctx { now: 0 })
    }

    fn one(query: &str) -> String {
        run(query)[0][0].to_kusto_string()
    }

    #[test]
    fn scalar_semantics() {
        assert_eq!(one("print 1 + 2"), "3");
        assert_eq!(one("print -14 % 12"), "10");
        assert_eq!(one("print 1.0 / 2"), "0.5");
        assert_eq!(one("print 1d / 5h"), "4.8");
        assert_eq!(one("print tostring(1e20)"), "1E+20");
        assert_eq!(
            one("print datetime(2015-12-31 23:59:59.9) + 1d"),
            "2016-01-01T23:59:59.9000000Z"
        );
        assert_eq!(one("print iff(true, 1, 2.5)"), "1");
        assert_eq!(one("print case(1 > 2, 'a', 2 > 1, 'b', 'c')"), "b");
        assert_eq!(one("print strcat('a', 1, true)"), "a1true");
        assert_eq!(one("print parse_json('{\"a\":[1,2]}').a[1]"), "2");
        assert_eq!(one("print toint('12')"), "12");
        assert_eq!(one("print isnull(int(null))"), "true");
        assert_eq!(one("print 'North America' has 'america'"), "true");
        assert_eq!(one("print extract('x=([0-9]+)', 1, 'a x=42 b')"), "42");
        assert_eq!(one("print substring('123456', -2, 2)"), "56");
        assert_eq!(one("print gettype(parse_json('1'))"), "int");
    }

    #[test]
    fn tabular_operators() {
        let rows = run("datatable(a:long, s:string)[1, 'x=1', 2, 'x=2', 3, 'y']
             | where a > 1
             | parse s with 'x=' n:long
             | extend b = a * 10
             | project-away s
             | project-rename c = b");
        let text: Vec<String> = rows
            .iter()
            .map(|r| {
                r.iter()
                    .map(Value::to_kusto_string)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .collect();
        assert_eq!(text, ["2,2,20", "3,,30"]);
    }

    #[test]
    fn output_columns_match_the_analyser() {
        let input = [Column::new("x", ScalarType::String)];
        let p = Program::compile(
            "source | extend strlen(x), tostring(x) | project-away x",
            &input,
        )
        .unwrap();
        let names: Vec<&str> = p.output().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["strlen_x"]);
    }

    #[test]
    fn unsupported_constructs_are_errors() {
        let e = Program::compile("print x = 1 | summarize count()", &[]).unwrap_err();
        assert!(e.message.contains("summarize"), "{e}");
        let e = Program::compile("print nosuchfunction(1)", &[]).unwrap_err();
        assert!(e.code.is_some(), "{e}");
    }
}
