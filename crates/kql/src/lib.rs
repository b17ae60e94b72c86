//! A KQL analyser for Azure Monitor DCR transformations (`transformKql`).
//!
//! [`analyze`] lexes, parses and type-checks a transformation against the input stream's
//! columns (a virtual table named `source`), computes the output schema the way Microsoft's
//! Kusto.Language does (column names, order and types), and applies the documented
//! transformation subset rules ([`DcrReport`]). [`compare_with_table`] compares the output with
//! the destination table. [`analyze_case`] speaks the JSON format of the project's Kusto.Language
//! oracle (`shared/tools/kql-oracle`) so the two can be diffed directly. [`eval`] runs a
//! transformation on records with Kusto's semantics.
//!
//! ```
//! use ccfgen_kql::{analyze, Column, Options, ScalarType};
//! let input = [Column::new("ts", ScalarType::String), Column::new("msg", ScalarType::Dynamic)];
//! let a = analyze("source | project TimeGenerated = todatetime(ts), Msg = tostring(msg.text)", &input, &Options::default());
//! assert!(a.is_ok());
//! let out = a.output.unwrap();
//! assert_eq!(out[0], Column::new("TimeGenerated", ScalarType::DateTime));
//! assert_eq!(out[1], Column::new("Msg", ScalarType::String));
//! ```
#![deny(missing_docs)]

mod ast;
pub mod catalog;
mod check;
mod compare;
mod database;
mod dcr;
mod diag;
pub mod eval;
mod functions;
mod fxhash;
mod keywords;
pub mod lexer;
pub mod names;
mod oracle_format;
mod parser;
mod stored_function;
pub mod token;
mod types;

pub use compare::{
    ColumnMismatch, DestinationTable, IndexedComparison, Mismatch, TableComparison, TableProblem,
    compare_with_table,
};
pub use database::Database;
pub use dcr::{DcrFinding, DcrReport, MAX_PARSE_COLUMNS, MAX_TRANSFORM_CHARS};
pub use diag::{Diagnostic, Severity, codes};
pub use oracle_format::{
    Case, CaseColumn, CaseDatabase, CaseFunction, CaseOptions, CaseTableColumn, analyze_case,
};
pub use stored_function::StoredFunction;
pub use types::{ScalarType, StreamType};

use std::cell::RefCell;

use bumpalo::Bump;
use serde::{Deserialize, Serialize};

/// A named, typed column (input stream column or output column).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Column {
    /// Column name (case-sensitive).
    pub name: String,
    /// Kusto scalar type.
    #[serde(rename = "type")]
    pub ty: ScalarType,
}

impl Column {
    /// A column.
    pub fn new(name: impl Into<String>, ty: ScalarType) -> Column {
        Column {
            name: name.into(),
            ty,
        }
    }
}

/// Analysis options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Declare the transformation-only functions `parse_cef_dictionary(string)` and
    /// `geo_location(string)` (both return `dynamic`).
    pub dcr_functions: bool,
    /// Apply the DCR subset rules (fills [`Analysis::dcr`]).
    pub dcr_check: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            dcr_functions: true,
            dcr_check: true,
        }
    }
}

impl Options {
    /// For queries that are not transformations (rules, hunting queries, workbooks, parsers,
    /// connector pages): no transformation-only functions, no DCR rules.
    pub fn query() -> Options {
        Options {
            dcr_functions: false,
            dcr_check: false,
        }
    }
}

/// The result of [`analyze`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Analysis {
    /// Syntax and semantic diagnostics, in source order.
    pub diagnostics: Vec<Diagnostic>,
    /// Output columns in order, when the query's result is a table whose shape is known (also
    /// when there are errors: a best-effort schema with `unknown` types where unresolved).
    pub output: Option<Vec<Column>>,
    /// DCR subset verdict (empty and `ok` when `Options::dcr_check` is off).
    pub dcr: DcrReport,
    /// What the result is when it is not a table (`none`, `PrimitiveSymbol bool` ...).
    pub result_kind: String,
}

impl Analysis {
    /// No diagnostic of severity error.
    pub fn is_ok(&self) -> bool {
        !self
            .diagnostics
            .iter()
            .any(|d| d.severity == Severity::Error)
    }
}

/// Analyses a transformation against the input stream columns.
pub fn analyze(query: &str, input: &[Column], options: &Options) -> Analysis {
    run(query, Some(input), None, options)
}

/// Analyses a full query (analytic rule, hunting query, workbook query, parser body, connector
/// page query) against the tables and stored functions of `database` (and the bundled
/// catalogue when the database uses it). Unknown tables and functions are errors (KS204,
/// KS142 ...); constructs this analyser does not model are `CCF001` errors that name them.
///
/// ```
/// use ccfgen_kql::{analyze_query, Column, Database, Options, ScalarType};
/// let mut db = Database::new();
/// db.add_table("Logins_CL", vec![Column::new("TimeGenerated", ScalarType::DateTime), Column::new("User", ScalarType::String)]);
/// let a = analyze_query("Logins_CL | summarize n = count() by User", &db, &Options::query());
/// assert!(a.is_ok());
/// assert_eq!(a.output.unwrap(), vec![Column::new("User", ScalarType::String), Column::new("n", ScalarType::Long)]);
/// ```
pub fn analyze_query(query: &str, database: &Database, options: &Options) -> Analysis {
    run(query, None, Some(database), options)
}

fn run(
    query: &str,
    input: Option<&[Column]>,
    database: Option<&Database>,
    options: &Options,
) -> Analysis {
    thread_local! {
        /// The arena of the syntax tree and the checker's side tables, kept per thread so that
        /// its memory is reused from one analysis to the next.
        static ARENA: RefCell<Bump> = RefCell::new(Bump::new());
    }
    ARENA.with(|arena| match arena.try_borrow_mut() {
        Ok(mut arena) => {
            arena.reset();
            analyze_in(&arena, query, input, database, options)
        }
        // not reached (an analysis does not start another), but never wrong
        Err(_) => analyze_in(&Bump::new(), query, input, database, options),
    })
}

fn analyze_in(
    arena: &Bump,
    query: &str,
    input: Option<&[Column]>,
    database: Option<&Database>,
    options: &Options,
) -> Analysis {
    let mut diags = diag::Diagnostics::default();
    let parsed = parser::parse(query, arena, &mut diags);
    if parsed.too_deep {
        // like Kusto: past its depth limit the query is not analysed
        let dcr = if options.dcr_check {
            dcr::check(query, &parsed, &[])
        } else {
            DcrReport {
                ok: true,
                ..DcrReport::default()
            }
        };
        return Analysis {
            diagnostics: diags.finish(query),
            output: None,
            dcr,
            result_kind: "none".to_string(),
        };
    }
    let env = check::Env {
        source: input,
        db: database,
        dcr_functions: options.dcr_functions,
    };
    let checked = check::check(query, &parsed, env, arena);
    diags.items.extend(checked.diagnostics);
    diags.items.sort_by_key(|d| d.span.start);
    let dcr = if options.dcr_check {
        dcr::check(query, &parsed, checked.calls)
    } else {
        DcrReport {
            ok: true,
            ..DcrReport::default()
        }
    };
    Analysis {
        diagnostics: diags.finish(query),
        output: checked.output,
        dcr,
        result_kind: checked.result_kind,
    }
}
