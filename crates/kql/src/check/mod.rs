//! The type checker ("binder"): resolves names against the input stream, `let` bindings and the
//! built-in functions, types every expression with Kusto's rules, and computes the schema each
//! tabular operator produces. It records what each call resolved to for the DCR rules.

mod expr;
mod full_ops;
mod names;
mod ops;
mod overload;
mod plugins;
mod projection;

use std::borrow::Cow;
use std::rc::Rc;

use bumpalo::Bump;
use bumpalo::collections::Vec as ArenaVec;

use crate::Column;
use crate::ast::{Expr, ExprKind, FunctionDecl, LetValue, ParamType, Query, Span, Stmt};
use crate::database::Database;
use crate::diag::{RawDiagnostic, Severity, codes};
use crate::functions::FunctionDef;
use crate::types::Ty;
use names::{Names, Sym};
pub(crate) use ops::wildcard_match;

/// A column of a table being computed, with an identity (Kusto compares column symbols by
/// identity when deciding what a projection may add again).
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Col {
    pub name: Sym,
    pub ty: Ty,
    pub id: u32,
}

/// A tabular value: its columns, whether it is "open" (unknown column names are accepted, as
/// for an unresolved table name) and whether its shape is only partly known (after an operator
/// this analyser does not model: no output schema is reported then).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Table {
    pub cols: Vec<Col>,
    pub open: bool,
    pub partial: bool,
}

impl Table {
    fn find(&self, name: Sym) -> Option<Col> {
        self.cols.iter().find(|c| c.name == name).copied()
    }
}

/// What the checker knows about an expression.
#[derive(Debug, Clone, Default)]
pub(crate) struct Info {
    /// The scalar type (`Table` for tabular values).
    pub ty: Ty,
    /// The value when the expression is tabular.
    pub table: Option<Rc<Table>>,
    /// Kusto's "constant" (literals, constant lets, foldable calls of constants).
    pub constant: bool,
    /// A literal (`'a'`, `1`, `dynamic(...)`, `typeof(...)`).
    pub literal: bool,
    /// The argument is `*`.
    pub star: bool,
    /// The type named by a `typeof(...)` literal.
    pub type_of: Option<Ty>,
    /// A constant empty string (`''`).
    pub empty_string: bool,
    /// The value of a constant string (a literal, or a `let`/parameter bound to one).
    pub string_value: Option<Sym>,
    /// The column a plain name refers to.
    pub referenced_column: Option<Col>,
    /// The column the expression stands for (through parentheses and no-op conversions).
    pub result_column: Option<Col>,
    /// Multi-column results (`arg_max`, `take_any(a, b)`, `percentiles`).
    pub tuple: Option<Vec<Col>>,
}

impl Info {
    pub(crate) fn scalar(ty: Ty) -> Info {
        Info {
            ty,
            ..Info::default()
        }
    }

    fn table(t: Rc<Table>) -> Info {
        Info {
            ty: Ty::Table,
            table: Some(t),
            ..Info::default()
        }
    }

    /// The type used for signature matching.
    pub(crate) fn arg_type(&self) -> Ty {
        self.ty
    }
}

/// What a call expression resolved to (for the DCR rules).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) enum CallTarget {
    /// Not a call, or not resolved yet.
    #[default]
    None,
    /// A built-in scalar function, aggregate or transformation-only function.
    Builtin(&'static FunctionDef),
    /// A user function declared with `let`.
    User,
    /// An unknown function name.
    Unresolved,
}

/// A `let` binding.
#[derive(Debug, Clone)]
enum Symbol<'q> {
    Scalar {
        ty: Ty,
        constant: bool,
        empty_string: bool,
        /// The value of a constant string.
        value: Option<Sym>,
    },
    Table(Rc<Table>),
    Function(Rc<UserFunction<'q>>),
}

#[derive(Debug)]
struct UserFunction<'q> {
    decl: &'q FunctionDecl<'q>,
    /// Number of bindings visible where the function was declared.
    scope_len: usize,
    /// The text the declaration's spans point into (the query, or a stored function's).
    src: &'q str,
}

/// What names a query can reference besides its own `let`s.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Env<'q> {
    /// The DCR input stream (the table `source`).
    pub source: Option<&'q [Column]>,
    /// Tables and stored functions.
    pub db: Option<&'q Database>,
    /// Declare the transformation-only functions.
    pub dcr_functions: bool,
}

/// Result of checking a query.
pub(crate) struct Checked<'q> {
    pub diagnostics: Vec<RawDiagnostic>,
    /// Output schema when the result is a (fully known) table.
    pub output: Option<Vec<Column>>,
    /// Kusto-style description of a non-tabular result.
    pub result_kind: String,
    /// Per expression id: what calls resolved to.
    pub calls: &'q [CallTarget],
    /// Per expression id: the type the expression was given (read by the evaluator).
    pub types: &'q [Ty],
}

pub(crate) struct Checker<'q> {
    dcr_functions: bool,
    db: Option<&'q Database>,
    /// Database tables used so far, with their columns (one identity per analysis).
    globals: Vec<(&'q str, Rc<Table>)>,
    /// Stored functions parsed so far (`None`: the declaration does not parse).
    stored: Vec<(&'q str, Option<Rc<UserFunction<'q>>>)>,
    /// The input of a contextual subquery (`mv-apply ... on (...)`, `partition ... (...)`).
    implicit: Option<Rc<Table>>,
    /// The right side's columns while a `join`/`lookup` condition is bound.
    right_row: Option<Rc<Table>>,
    /// Columns inferred on an open right side of a join.
    right_inferred: Vec<Col>,
    /// The steps of the `scan` being bound (`step.column` names the step's row).
    scan_steps: Vec<(&'q str, Rc<Table>)>,
    diags: Vec<RawDiagnostic>,
    error_count: usize,
    /// While > 0, diagnostics are dropped (re-binding function bodies at call sites).
    silent: u32,
    next_col: u32,
    default_suffix: u32,
    names: Names<'q>,
    locals: Vec<(&'q str, Symbol<'q>)>,
    row: Option<Rc<Table>>,
    source: Rc<Table>,
    /// Inside the top level of a `summarize` aggregate (aggregates allowed, columns not).
    aggregate_scope: bool,
    /// Columns of the current `summarize ... by` clause.
    summarize_by: Vec<u32>,
    /// Columns inferred from unknown names used on an open row scope (current operator).
    inferred: Vec<Col>,
    depth: u32,
    types: ArenaVec<'q, Ty>,
    calls: ArenaVec<'q, CallTarget>,
    src: &'q str,
    /// The analysis arena (the checker's short-lived tables).
    arena: &'q Bump,
}

/// Checks a parsed query against its environment.
pub(crate) fn check<'q>(
    src: &'q str,
    query: &'q Query<'q>,
    env: Env<'q>,
    arena: &'q Bump,
) -> Checked<'q> {
    let n = query.node_count as usize;
    let input = env.source.unwrap_or(&[]);
    let mut types = ArenaVec::with_capacity_in(n, arena);
    types.resize(n, Ty::UNKNOWN);
    let mut calls = ArenaVec::with_capacity_in(n, arena);
    calls.resize(n, CallTarget::None);
    let mut c = Checker {
        dcr_functions: env.dcr_functions,
        db: env.db,
        globals: Vec::new(),
        stored: Vec::new(),
        implicit: None,
        right_row: None,
        right_inferred: Vec::new(),
        scan_steps: Vec::new(),
        diags: Vec::new(),
        error_count: 0,
        silent: 0,
        next_col: 0,
        default_suffix: 1,
        // the input's names and a few more; the table grows when a query names many more
        names: Names::with_capacity(input.len() + 32, arena),
        locals: Vec::new(),
        row: None,
        source: Rc::new(Table::default()),
        aggregate_scope: false,
        summarize_by: Vec::new(),
        inferred: Vec::new(),
        depth: 0,
        types,
        calls,
        src,
        arena,
    };
    let cols = input
        .iter()
        .map(|col| c.named_col(col.name.as_str(), Ty::Scalar(col.ty)))
        .collect();
    c.source = Rc::new(Table {
        cols,
        ..Table::default()
    });
    let has_source = env.source.is_some();
    let last = c.statements(query.statements);
    let (output, result_kind) = match last {
        None => (None, "none".to_string()),
        Some(info) => match &info.table {
            Some(t) if !t.partial => {
                let cols = t
                    .cols
                    .iter()
                    .map(|col| Column {
                        name: c.names.text(col.name).to_string(),
                        ty: col.ty.public(),
                    })
                    .collect();
                (Some(cols), String::new())
            }
            Some(_) => (
                None,
                "TableSymbol (not fully known: unsupported operator)".to_string(),
            ),
            None => (
                None,
                match info.ty {
                    Ty::Error => "ErrorSymbol error".to_string(),
                    t if t.is_dynamic() => "DynamicSymbol dynamic".to_string(),
                    t => format!("PrimitiveSymbol {}", t.name()),
                },
            ),
        },
    };
    let _ = has_source;
    Checked {
        diagnostics: c.diags,
        output,
        result_kind,
        calls: c.calls.into_bump_slice(),
        types: c.types.into_bump_slice(),
    }
}

impl<'q> Checker<'q> {
    // ----- bookkeeping ----------------------------------------------------------------------

    pub(crate) fn error(&mut self, code: &'static str, message: impl Into<String>, span: Span) {
        self.error_count += 1;
        if self.silent == 0 {
            self.diags.push(RawDiagnostic {
                severity: Severity::Error,
                code,
                message: message.into(),
                span,
            });
        }
    }

    /// KS142: a name that resolves to nothing.
    pub(crate) fn unknown_name(&mut self, name: &str, span: Span) {
        self.error(
            codes::UNKNOWN_NAME,
            format!(
                "The name '{name}' does not refer to any known column, table, variable or function."
            ),
            span,
        );
    }

    /// KS109 + KS142: a name that should be a column of the input but is not.
    pub(crate) fn unknown_column(&mut self, name: &str, span: Span) {
        self.error(
            codes::COLUMN_EXPECTED,
            "Column name expected.",
            span.clone(),
        );
        self.unknown_name(name, span);
    }

    /// Number of errors raised so far (including dropped ones while silent).
    pub(crate) fn diag_count(&self) -> usize {
        self.error_count
    }

    /// The symbol of a name (borrowed from the query or the input, or built by the checker).
    pub(crate) fn sym(&mut self, name: impl Into<Cow<'q, str>>) -> Sym {
        self.names.intern(name.into())
    }

    /// A new column with the given name.
    pub(crate) fn named_col(&mut self, name: impl Into<Cow<'q, str>>, ty: Ty) -> Col {
        let name = self.sym(name);
        self.new_col(name, ty)
    }

    /// The column of `table` named `name`.
    pub(crate) fn find_in(&self, table: &Table, name: &str) -> Option<Col> {
        table.find(self.names.get(name)?)
    }

    /// A new column (a new identity).
    pub(crate) fn new_col(&mut self, name: Sym, ty: Ty) -> Col {
        // like Kusto's ColumnSymbol: a column never has the error type
        let ty = if matches!(ty, Ty::Error | Ty::Table) {
            Ty::UNKNOWN
        } else {
            ty
        };
        self.next_col += 1;
        Col {
            name,
            ty,
            id: self.next_col,
        }
    }

    fn record(&mut self, e: &Expr, info: &Info) {
        if let Some(slot) = self.types.get_mut(e.id as usize) {
            *slot = info.ty;
        }
    }

    pub(crate) fn type_of(&self, e: &Expr) -> Ty {
        self.types
            .get(e.id as usize)
            .copied()
            .unwrap_or(Ty::UNKNOWN)
    }

    fn set_call(&mut self, e: &Expr, target: CallTarget) {
        if self.silent == 0
            && let Some(slot) = self.calls.get_mut(e.id as usize)
        {
            *slot = target;
        }
    }

    fn lookup_local(&self, name: &str) -> Option<&Symbol<'q>> {
        self.locals
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, s)| s)
    }

    /// Kusto's `CanBindName` for default column names: row scope (optionally), lets, tables.
    fn name_in_scope(&self, name: &str, include_row: bool) -> bool {
        include_row
            && self.row.as_ref().is_some_and(|r| {
                self.names
                    .get(name)
                    .is_some_and(|sym| r.find(sym).is_some())
            })
            || self.lookup_local(name).is_some()
            || self.is_global_name(name)
    }

    /// `Column1`, `Column2` ... skipping names already in scope.
    pub(crate) fn default_column_name(&mut self, include_row: bool) -> Cow<'q, str> {
        loop {
            let name = format!("Column{}", self.default_suffix);
            self.default_suffix += 1;
            if !self.name_in_scope(&name, include_row) {
                return Cow::Owned(name);
            }
        }
    }

    /// Reports "scalar expected" for tabular values; true if the value is usable as a scalar.
    pub(crate) fn check_scalar(&mut self, info: &Info, span: Span) -> bool {
        if info.ty.is_scalar() {
            return true;
        }
        if info.ty != Ty::Error {
            self.error(codes::SCALAR_EXPECTED, "Scalar value expected.", span);
        }
        false
    }

    // ----- statements -----------------------------------------------------------------------

    /// Checks statements in order; returns the info of the last expression statement (or
    /// `None` if the last statement is a `let`).
    fn statements(&mut self, stmts: &'q [Stmt<'q>]) -> Option<Info> {
        use crate::parser::{STACK_RED_ZONE, STACK_SEGMENT};
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
            self.statements_inner(stmts)
        })
    }

    fn statements_inner(&mut self, stmts: &'q [Stmt<'q>]) -> Option<Info> {
        let mut last = None;
        for stmt in stmts {
            match stmt {
                Stmt::Let { name, value, .. } => {
                    let symbol = match value {
                        LetValue::Expr(e) => {
                            let info = self.expr(e);
                            match info.table {
                                Some(t) => Symbol::Table(t),
                                None => Symbol::Scalar {
                                    ty: info.ty,
                                    constant: info.constant,
                                    empty_string: info.empty_string,
                                    value: info.string_value,
                                },
                            }
                        }
                        LetValue::Function(decl) => {
                            self.check_function_body(decl);
                            Symbol::Function(Rc::new(UserFunction {
                                decl,
                                scope_len: self.locals.len(),
                                src: self.src,
                            }))
                        }
                    };
                    self.locals.push((name.text, symbol));
                    last = None;
                }
                Stmt::Expr(e) => last = Some(self.expr(e)),
            }
        }
        last
    }

    /// Binds a function body once at its declaration (diagnostics reported), with the
    /// parameters typed as declared.
    fn check_function_body(&mut self, decl: &'q FunctionDecl<'q>) {
        let params: Vec<Symbol<'q>> = decl
            .params
            .iter()
            .map(|p| match &p.ty {
                ParamType::Scalar(t) => Symbol::Scalar {
                    ty: t.ty,
                    constant: false,
                    empty_string: false,
                    value: None,
                },
                ParamType::Tabular(cols) => {
                    let cols = cols
                        .iter()
                        .map(|c| self.named_col(c.name.text, c.ty.ty))
                        .collect();
                    Symbol::Table(Rc::new(Table {
                        cols,
                        ..Table::default()
                    }))
                }
            })
            .collect();
        for p in decl.params {
            if let Some(d) = &p.default {
                self.expr(d);
            }
        }
        let scope = self.locals.len();
        let src = self.src;
        self.bind_body(decl, scope, src, params);
    }

    /// Binds a body with the given parameter bindings; returns the result info.
    fn bind_body(
        &mut self,
        decl: &'q FunctionDecl<'q>,
        scope_len: usize,
        src: &'q str,
        params: Vec<Symbol<'q>>,
    ) -> Info {
        if self.depth > 10 {
            return Info::scalar(Ty::UNKNOWN);
        }
        self.depth += 1;
        let saved_src = std::mem::replace(&mut self.src, src);
        let saved_locals = std::mem::take(&mut self.locals);
        self.locals = saved_locals[..scope_len.min(saved_locals.len())].to_vec();
        for (p, s) in decl.params.iter().zip(params) {
            self.locals.push((p.name.text, s));
        }
        let saved_row = self.row.take();
        let saved_implicit = self.implicit.take();
        let saved_right = self.right_row.take();
        let saved_suffix = self.default_suffix;
        let saved_aggregate = std::mem::replace(&mut self.aggregate_scope, false);
        self.default_suffix = 1;
        let result = self
            .statements(decl.body)
            .unwrap_or_else(|| Info::scalar(Ty::Error));
        self.default_suffix = saved_suffix;
        self.aggregate_scope = saved_aggregate;
        self.row = saved_row;
        self.implicit = saved_implicit;
        self.right_row = saved_right;
        self.src = saved_src;
        self.locals = saved_locals;
        self.depth -= 1;
        result
    }

    /// Checks an expression that must be tabular (a pipe input).
    fn tabular(&mut self, e: &'q Expr<'q>) -> Rc<Table> {
        if let ExprKind::Name(n) = &e.kind
            && self.lookup_tabular_name(n.text).is_none()
            && self.row_lookup(n.text).is_none()
        {
            self.error(codes::UNKNOWN_TABLE, format!("The name '{}' does not refer to any known table, tabular variable or function.", n.text), n.span.clone());
            let t = Rc::new(Table {
                open: true,
                ..Table::default()
            });
            self.record(e, &Info::table(t.clone()));
            return t;
        }
        let info = self.expr(e);
        if info.table.is_none()
            && let ExprKind::Call { .. } = &e.kind
            && matches!(self.calls.get(e.id as usize), Some(CallTarget::Unresolved))
        {
            // an unknown function used as a table: any column may follow
            return Rc::new(Table {
                open: true,
                ..Table::default()
            });
        }
        match info.table {
            Some(t) => t,
            None => {
                if info.ty != Ty::Error {
                    self.error(
                        codes::TABULAR_EXPECTED,
                        "Tabular expression expected.",
                        e.span.clone(),
                    );
                }
                Rc::new(Table::default())
            }
        }
    }

    fn lookup_tabular_name(&self, name: &str) -> Option<()> {
        match self.lookup_local(name) {
            Some(_) => Some(()),
            None => self.is_global_name(name).then_some(()),
        }
    }

    /// A table or stored function of the environment (`source` for transformations).
    fn is_global_name(&self, name: &str) -> bool {
        match self.db {
            Some(db) => db.knows(name),
            None => name == "source",
        }
    }

    /// The table a database table name stands for (its columns get one identity per analysis).
    pub(crate) fn global_table(&mut self, name: &str) -> Option<Rc<Table>> {
        if self.db.is_none() {
            return (name == "source").then(|| self.source.clone());
        }
        if let Some((_, t)) = self.globals.iter().find(|(n, _)| *n == name) {
            return Some(t.clone());
        }
        let db = self.db?;
        let (name, cols) = match db.table(name) {
            Some(cols) => (db_name(db, name)?, cols),
            None => return None,
        };
        let cols = cols
            .iter()
            .map(|col| self.named_col(col.name.as_str(), Ty::Scalar(col.ty)))
            .collect();
        let t = Rc::new(Table {
            cols,
            ..Table::default()
        });
        self.globals.push((name, t.clone()));
        Some(t)
    }

    /// A stored function of the database, parsed on first use.
    fn stored_function(&mut self, name: &str) -> Option<Rc<UserFunction<'q>>> {
        let db = self.db?;
        let f = db.function(name)?;
        if let Some((_, parsed)) = self.stored.iter().find(|(n, _)| *n == f.name.as_str()) {
            return parsed.clone();
        }
        let text: &'q str = f.decl_text.as_str();
        let parsed = crate::parser::parse_function_text(text, self.arena, self.types.len() as u32)
            .map(|(decl, nodes)| {
                self.types.resize(nodes as usize, Ty::UNKNOWN);
                self.calls.resize(nodes as usize, CallTarget::None);
                Rc::new(UserFunction {
                    decl: self.arena.alloc(decl),
                    scope_len: 0,
                    src: text,
                })
            });
        self.stored.push((f.name.as_str(), parsed.clone()));
        parsed
    }

    fn row_lookup(&self, name: &str) -> Option<Col> {
        let sym = self.names.get(name)?;
        self.row
            .as_ref()
            .and_then(|r| r.find(sym))
            .or_else(|| self.inferred.iter().find(|c| c.name == sym).copied())
    }
}

/// The database's own copy of a table name (it lives as long as the analysis).
fn db_name<'q>(db: &'q Database, name: &str) -> Option<&'q str> {
    db.tables()
        .find(|(n, _)| *n == name)
        .map(|(n, _)| n)
        .or_else(|| {
            crate::catalog::builtin()
                .table_entry(name)
                .map(|t| t.name.as_str())
        })
}
