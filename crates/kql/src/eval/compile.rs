//! From the analysed syntax tree to a plan. The analyser has already resolved names, calls and
//! types (its per-node types drive every implicit conversion here); the compiler resolves
//! column references to row slots, reads literal values from the query text, inlines `let`
//! scalars and user functions, builds each call's function from the function library, and
//! tracks the row schema through the operators. Anything it cannot run is an error that
//! names the construct and where it is: a query is never run approximately.

use std::sync::Arc;

use super::conv;
use super::funcs::{self, Arg, Site};
use super::json;
use super::ops;
use super::parse_op::{self, ParseKind, Piece};
use super::plan::{Ctx, Node, ParsePlan, Source, Stage, TablePlan};
use super::time;
use super::value::{Value, parse_guid};
use crate::ast::{
    BinOp, Expr, ExprKind, FunctionDecl, LetValue, ListOp, Literal, Name, OpKind, ParamType,
    ParsePart, Span, Stmt, UnaryOp,
};
use crate::check::CallTarget;
use crate::functions::ResultName;
use crate::lexer;
use crate::token::TokenKind;
use crate::types::Ty;

/// Why a query cannot be compiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Failure {
    pub message: String,
    pub span: Span,
}

type Result<T> = std::result::Result<T, Failure>;

fn fail<T>(message: impl Into<String>, span: &Span) -> Result<T> {
    Err(Failure {
        message: message.into(),
        span: span.clone(),
    })
}

/// A schema: column names and types in order.
pub(crate) type Schema = Vec<(String, Ty)>;

#[derive(Clone)]
enum Binding<'q> {
    Scalar(Node, Ty),
    Table(Arc<TablePlan>, Schema),
    Function(&'q FunctionDecl<'q>, usize),
}

/// The compiler's state.
pub(crate) struct Compiler<'q> {
    src: &'q str,
    types: &'q [Ty],
    calls: &'q [CallTarget],
    input: Schema,
    lets: Vec<(&'q str, Binding<'q>)>,
    row: Option<Schema>,
    default_suffix: u32,
    depth: u32,
    /// Notes about approximations (`geo_location` offline ...).
    pub warnings: Vec<String>,
}

impl<'q> Compiler<'q> {
    /// A compiler for one analysed query.
    pub(crate) fn new(
        src: &'q str,
        types: &'q [Ty],
        calls: &'q [CallTarget],
        input: Schema,
    ) -> Compiler<'q> {
        Compiler {
            src,
            types,
            calls,
            input,
            lets: Vec::new(),
            row: None,
            default_suffix: 1,
            depth: 0,
            warnings: Vec::new(),
        }
    }

    fn ty(&self, e: &Expr) -> Ty {
        self.types
            .get(e.id as usize)
            .copied()
            .unwrap_or(Ty::UNKNOWN)
    }

    /// Compiles the statements; the last one must be tabular.
    pub(crate) fn query(&mut self, stmts: &'q [Stmt<'q>]) -> Result<(TablePlan, Schema)> {
        let mut last = None;
        for stmt in stmts {
            match stmt {
                Stmt::Let { name, value, .. } => {
                    let binding = self.let_value(value)?;
                    self.lets.push((name.text, binding));
                }
                Stmt::Expr(e) => last = Some(e),
            }
        }
        match last {
            Some(e) => self.tabular(e),
            None => fail("the query has no result expression", &(0..0)),
        }
    }

    fn let_value(&mut self, value: &'q LetValue<'q>) -> Result<Binding<'q>> {
        Ok(match value {
            LetValue::Function(decl) => Binding::Function(decl, self.lets.len()),
            LetValue::Expr(e) if self.ty(e) == Ty::Table || is_tabular_syntax(e) => {
                let (plan, schema) = self.tabular(e)?;
                Binding::Table(Arc::new(plan), schema)
            }
            LetValue::Expr(e) => {
                let saved = self.row.take();
                let r = self.expr(e);
                self.row = saved;
                let (node, ty) = r?;
                Binding::Scalar(node, ty)
            }
        })
    }

    fn lookup(&self, name: &str) -> Option<&Binding<'q>> {
        self.lets
            .iter()
            .rev()
            .find(|(n, _)| *n == name)
            .map(|(_, b)| b)
    }

    // ----- tabular expressions ----------------------------------------------------------

    fn tabular(&mut self, e: &'q Expr<'q>) -> Result<(TablePlan, Schema)> {
        match &e.kind {
            ExprKind::Paren(inner) => self.tabular(inner),
            ExprKind::Name(n) => match self.lookup(n.text) {
                Some(Binding::Table(plan, schema)) => Ok((
                    TablePlan {
                        source: Source::Plan(plan.clone()),
                        stages: Vec::new(),
                    },
                    schema.clone(),
                )),
                Some(_) => fail(format!("'{}' is not a table", n.text), &n.span),
                None if n.text == "source" => Ok((
                    TablePlan {
                        source: Source::Input,
                        stages: Vec::new(),
                    },
                    self.input.clone(),
                )),
                None => fail(format!("unknown table '{}'", n.text), &n.span),
            },
            ExprKind::Pipe { source, op } => {
                let (mut plan, schema) = self.tabular(source)?;
                let schema = self.operator(op, &mut plan, schema)?;
                Ok((plan, schema))
            }
            ExprKind::Source(op) => match &op.kind {
                OpKind::Print(items) => {
                    let saved = self.row.replace(Vec::new());
                    let r = self.print(items);
                    self.row = saved;
                    r
                }
                _ => fail(
                    format!(
                        "the '{}' operator is not supported by the evaluator",
                        op.keyword
                    ),
                    &op.kw_span,
                ),
            },
            ExprKind::DataTable {
                columns, values, ..
            } => self.datatable(columns, values, &e.span),
            _ => fail(
                "a tabular expression the evaluator does not support",
                &e.span,
            ),
        }
    }

    fn print(&mut self, items: &'q [Expr<'q>]) -> Result<(TablePlan, Schema)> {
        let mut nodes = Vec::new();
        let mut schema: Schema = Vec::new();
        for (i, item) in items.iter().enumerate() {
            let (node, ty) = self.expr(item)?;
            let name = self
                .result_name(item)
                .unwrap_or_else(|| format!("print_{i}"));
            schema.push((name, ty));
            nodes.push(node);
        }
        let source = if nodes.iter().all(|n| n.constant().is_some()) {
            let row = nodes.iter().filter_map(|n| n.constant().cloned()).collect();
            Source::Rows(Arc::new(vec![row]))
        } else {
            Source::Print(nodes)
        };
        Ok((
            TablePlan {
                source,
                stages: Vec::new(),
            },
            schema,
        ))
    }

    fn datatable(
        &mut self,
        columns: &'q [crate::ast::ColumnDecl<'q>],
        values: &'q [Expr<'q>],
        span: &Span,
    ) -> Result<(TablePlan, Schema)> {
        let schema: Schema = columns
            .iter()
            .map(|c| (c.name.text.to_string(), c.ty.ty))
            .collect();
        if schema.is_empty() {
            return fail("a datatable needs columns", span);
        }
        if !values.len().is_multiple_of(schema.len()) {
            return fail(
                "the datatable's value count is not a multiple of its column count",
                span,
            );
        }
        let saved = self.row.replace(Vec::new());
        let mut rows = Vec::new();
        let mut row = Vec::new();
        for (i, v) in values.iter().enumerate() {
            let (node, _) = self.expr(v)?;
            let Some(value) = node.constant() else {
                self.row = saved;
                return fail("datatable values must be constants", &v.span);
            };
            row.push(conv::conform(value.clone(), schema[i % schema.len()].1));
            if row.len() == schema.len() {
                rows.push(std::mem::take(&mut row));
            }
        }
        self.row = saved;
        Ok((
            TablePlan {
                source: Source::Rows(Arc::new(rows)),
                stages: Vec::new(),
            },
            schema,
        ))
    }

    fn operator(
        &mut self,
        op: &'q crate::ast::Operator<'q>,
        plan: &mut TablePlan,
        mut schema: Schema,
    ) -> Result<Schema> {
        let saved = self.row.replace(schema.clone());
        let result = (|| -> Result<Schema> {
            match &op.kind {
                OpKind::Extend(items) => {
                    let mut out = Vec::new();
                    for item in items.iter() {
                        self.row = Some(schema.clone());
                        let (node, ty) = self.expr(item)?;
                        let name = match self.result_name(item) {
                            Some(n) => n,
                            None => self.default_name(&schema),
                        };
                        let slot = match schema.iter().position(|(n, _)| *n == name) {
                            Some(i) => {
                                schema[i].1 = ty;
                                i
                            }
                            None => {
                                schema.push((name, ty));
                                schema.len() - 1
                            }
                        };
                        out.push((slot, node));
                    }
                    plan.stages.push(Stage::Extend(out));
                    Ok(schema)
                }
                OpKind::Project(items) => {
                    let mut nodes = Vec::new();
                    let mut out: Schema = Vec::new();
                    for item in items.iter() {
                        let (node, ty) = self.expr(item)?;
                        let name = match self.result_name(item) {
                            Some(n) => n,
                            None => self.default_name(&out),
                        };
                        out.push((name, ty));
                        nodes.push(node);
                    }
                    plan.stages.push(Stage::Project(nodes));
                    Ok(out)
                }
                OpKind::Where(cond) => {
                    let (node, ty) = self.expr(cond)?;
                    plan.stages
                        .push(Stage::Where(self.conform(node, ty, Ty::BOOL)));
                    Ok(schema)
                }
                OpKind::ProjectAway(items) | OpKind::ProjectKeep(items) => {
                    let named = self.column_list(items, &schema)?;
                    let keep = matches!(op.kind, OpKind::ProjectKeep(_));
                    let positions: Vec<usize> = (0..schema.len())
                        .filter(|i| named.contains(i) == keep)
                        .collect();
                    let out = positions.iter().map(|&i| schema[i].clone()).collect();
                    plan.stages.push(Stage::Select(positions));
                    Ok(out)
                }
                OpKind::ProjectReorder(items) => {
                    let mut positions = self.column_list(items, &schema)?;
                    for i in 0..schema.len() {
                        if !positions.contains(&i) {
                            positions.push(i);
                        }
                    }
                    let out = positions.iter().map(|&i| schema[i].clone()).collect();
                    plan.stages.push(Stage::Select(positions));
                    Ok(out)
                }
                OpKind::ProjectRename(items) => {
                    let mut out = schema.clone();
                    for item in items.iter() {
                        let ExprKind::Named { name, value } = &item.kind else {
                            return fail("expected new = old", &item.span);
                        };
                        let ExprKind::Name(old) = &value.underlying().kind else {
                            return fail("expected a column name", &value.span);
                        };
                        let Some(i) = schema.iter().position(|(n, _)| n == old.text) else {
                            return fail(format!("unknown column '{}'", old.text), &old.span);
                        };
                        out[i].0 = name.text.to_string();
                    }
                    // a rename onto an existing name replaces that column
                    let mut positions = Vec::new();
                    let mut names: Vec<String> = Vec::new();
                    for i in (0..out.len()).rev() {
                        if !names.contains(&out[i].0) {
                            names.push(out[i].0.clone());
                            positions.push(i);
                        }
                    }
                    positions.reverse();
                    let out: Schema = positions.iter().map(|&i| out[i].clone()).collect();
                    if positions.len() != schema.len() {
                        plan.stages.push(Stage::Select(positions));
                    }
                    Ok(out)
                }
                OpKind::Parse {
                    parameters,
                    source,
                    parts,
                } => self.parse(parameters, source, parts, plan, schema.clone(), op),
                _ => fail(
                    format!(
                        "the '{}' operator is not supported by the evaluator (a transformation \
                         runs once per record: only extend, project, where, parse, parse-where, \
                         project-away, project-keep, project-rename and project-reorder run)",
                        op.keyword
                    ),
                    &op.kw_span,
                ),
            }
        })();
        self.row = saved;
        result
    }

    fn column_list(&self, items: &'q [Expr<'q>], schema: &Schema) -> Result<Vec<usize>> {
        let mut out = Vec::new();
        for item in items {
            let ExprKind::Name(n) = &item.kind else {
                return fail("expected a column name", &item.span);
            };
            if n.text.contains('*') {
                for (i, (name, _)) in schema.iter().enumerate() {
                    if crate::check::wildcard_match(n.text, name) && !out.contains(&i) {
                        out.push(i);
                    }
                }
            } else {
                match schema.iter().position(|(name, _)| name == n.text) {
                    Some(i) => {
                        if !out.contains(&i) {
                            out.push(i);
                        }
                    }
                    None => return fail(format!("unknown column '{}'", n.text), &n.span),
                }
            }
        }
        Ok(out)
    }

    fn parse(
        &mut self,
        parameters: &'q [(&'q str, &'q str)],
        source: &'q Expr<'q>,
        parts: &'q [ParsePart<'q>],
        plan: &mut TablePlan,
        mut schema: Schema,
        op: &'q crate::ast::Operator<'q>,
    ) -> Result<Schema> {
        let kw_span = &op.kw_span;
        let mut kind = ParseKind::Simple;
        let mut flags = String::new();
        for (k, v) in parameters {
            match (
                k.to_ascii_lowercase().as_str(),
                v.to_ascii_lowercase().as_str(),
            ) {
                ("kind", "simple") => kind = ParseKind::Simple,
                ("kind", "regex") => kind = ParseKind::Regex,
                ("kind", "relaxed") => kind = ParseKind::Relaxed,
                ("flags", _) => flags = v.to_string(),
                _ => return fail(format!("unsupported parse parameter {k}={v}"), kw_span),
            }
        }
        let (source_node, _) = self.expr(source)?;
        let mut texts: Vec<String> = Vec::new();
        for part in parts {
            if let ParsePart::Text(span) = part {
                texts.push(self.string_literals(span));
            }
        }
        let mut pieces = Vec::new();
        let mut cols = Vec::new();
        let mut text_i = 0;
        for part in parts {
            match part {
                ParsePart::Text(_) => {
                    pieces.push(Piece::Text(&texts[text_i]));
                    text_i += 1;
                }
                ParsePart::Star(_) => pieces.push(Piece::Star),
                ParsePart::Column { name, ty, .. } => {
                    let t = ty.as_ref().map_or(Ty::STRING, |t| t.ty);
                    pieces.push(Piece::Column(t));
                    cols.push((name, t));
                }
            }
        }
        let regex = parse_op::pattern(kind, &flags, &pieces).map_err(|e| Failure {
            message: format!("the parse pattern is not a valid regular expression: {e}"),
            span: kw_span.clone(),
        })?;
        let mut columns = Vec::new();
        for (i, (name, ty)) in cols.into_iter().enumerate() {
            let slot = match schema.iter().position(|(n, _)| n == name.text) {
                Some(s) => {
                    schema[s].1 = ty;
                    s
                }
                None => {
                    schema.push((name.text.to_string(), ty));
                    schema.len() - 1
                }
            };
            let group = parse_op::group_of(&regex, i).unwrap_or(0);
            columns.push((slot, ty, group));
        }
        plan.stages.push(Stage::Parse(Box::new(ParsePlan {
            source: source_node,
            regex,
            columns,
            relaxed: kind == ParseKind::Relaxed,
            filter: op.keyword == "parse-where",
        })));
        Ok(schema)
    }

    /// The decoded value of the (adjacent) string literals in `span`.
    fn string_literals(&self, span: &Span) -> String {
        let text = &self.src[span.clone()];
        lexer::lex(text)
            .iter()
            .filter(|t| t.kind == TokenKind::StringLit)
            .map(|t| lexer::string_value(t.text(text)))
            .collect()
    }

    // ----- naming -----------------------------------------------------------------------

    /// `Column1`, `Column2` ... skipping names already in the schema.
    fn default_name(&mut self, schema: &Schema) -> String {
        loop {
            let name = format!("Column{}", self.default_suffix);
            self.default_suffix += 1;
            let in_row = self
                .row
                .as_ref()
                .is_some_and(|r| r.iter().any(|(n, _)| *n == name));
            if !in_row && !schema.iter().any(|(n, _)| *n == name) {
                return name;
            }
        }
    }

    /// The name Kusto gives an unnamed projection item (a mirror of the analyser's
    /// `expression_result_name` for the forms a transformation uses; the final schema is
    /// reconciled with the analyser's).
    fn result_name(&self, e: &'q Expr<'q>) -> Option<String> {
        match &e.kind {
            ExprKind::Paren(inner) => self.result_name(inner),
            ExprKind::Named { name, .. } => Some(name.text.to_string()),
            ExprKind::Name(n) => Some(n.text.to_string()),
            ExprKind::Path { target, member } => {
                let right = match &member.kind {
                    ExprKind::Name(n) => Some(n.text.to_string()),
                    _ => selector_name(member),
                };
                self.joined_name(target, right)
            }
            ExprKind::Element { target, index } => {
                let right = selector_name(index);
                self.joined_name(target, right)
            }
            ExprKind::Call { args, .. } => {
                let Some(CallTarget::Builtin(def)) = self.calls.get(e.id as usize) else {
                    return None;
                };
                let arg_name = |i: usize| args.get(i).and_then(|a| self.result_name(a));
                match def.result_name {
                    ResultName::NameAndFirstArgument => {
                        Some(format!("{}_{}", def.name, arg_name(0).unwrap_or_default()))
                    }
                    ResultName::NameAndOnlyArgument if args.len() == 1 => {
                        Some(format!("{}_{}", def.name, arg_name(0).unwrap_or_default()))
                    }
                    ResultName::PrefixAndFirstArgument => Some(format!(
                        "{}_{}",
                        def.prefix.as_deref().unwrap_or_default(),
                        arg_name(0).unwrap_or_default()
                    )),
                    ResultName::PrefixAndOnlyArgument if args.len() == 1 => Some(format!(
                        "{}_{}",
                        def.prefix.as_deref().unwrap_or_default(),
                        arg_name(0).unwrap_or_default()
                    )),
                    ResultName::PrefixOnly => def.prefix.clone(),
                    ResultName::FirstArgument => arg_name(0),
                    ResultName::OnlyArgument if args.len() == 1 => arg_name(0),
                    ResultName::FirstArgumentValueIfColumn => {
                        let v = match &args.first()?.underlying().kind {
                            ExprKind::Literal(Literal::String(s)) => *s,
                            _ => return None,
                        };
                        self.row
                            .as_ref()
                            .is_some_and(|r| r.iter().any(|(n, _)| n == v))
                            .then(|| v.to_string())
                    }
                    _ => None,
                }
            }
            _ => None,
        }
    }

    fn joined_name(&self, target: &'q Expr<'q>, right: Option<String>) -> Option<String> {
        let t = self.ty(target);
        if t.is_dynamic() || t == Ty::UNKNOWN {
            match self.result_name(target) {
                Some(l) if !l.trim().is_empty() => {
                    Some(format!("{l}_{}", right.unwrap_or_default()))
                }
                _ => right,
            }
        } else {
            right
        }
    }

    // ----- scalar expressions -----------------------------------------------------------

    /// Compiles a scalar expression; its static type is the analyser's.
    pub(crate) fn expr(&mut self, e: &'q Expr<'q>) -> Result<(Node, Ty)> {
        self.depth += 1;
        if self.depth > 400 {
            self.depth -= 1;
            return fail("the expression is nested too deeply", &e.span);
        }
        let r = stacker::maybe_grow(
            crate::parser::STACK_RED_ZONE,
            crate::parser::STACK_SEGMENT,
            || self.expr_inner(e),
        );
        self.depth -= 1;
        r
    }

    fn expr_inner(&mut self, e: &'q Expr<'q>) -> Result<(Node, Ty)> {
        let ty = self.ty(e);
        let node = match &e.kind {
            ExprKind::Missing => return fail("missing expression", &e.span),
            ExprKind::Name(n) => return self.name(n, ty),
            ExprKind::Literal(l) => Node::Const(self.literal(l, e)?),
            ExprKind::Dynamic(_) => {
                let text = &self.src[e.span.clone()];
                let inner = text
                    .find('(')
                    .and_then(|i| text.rfind(')').map(|j| &text[i + 1..j]))
                    .unwrap_or("");
                match json::parse_literal(inner) {
                    Some(v) => Node::Const(v),
                    None => return fail("a dynamic literal the evaluator cannot read", &e.span),
                }
            }
            ExprKind::TypeOf(_) => Node::Const(Value::Null),
            ExprKind::Paren(inner) => return self.expr(inner),
            ExprKind::Named { value, .. } => return self.expr(value),
            ExprKind::Unary { op, operand, .. } => {
                let (node, _) = self.expr(operand)?;
                match op {
                    UnaryOp::Plus => node,
                    UnaryOp::Minus => {
                        let n = funcs::unary(node, |v, _| ops::negate(&v));
                        self.conform(n, Ty::UNKNOWN, ty)
                    }
                }
            }
            ExprKind::Binary {
                op,
                op_text,
                left,
                right,
                ..
            } => self.binary(*op, op_text, left, right, ty, &e.span)?,
            ExprKind::List {
                op, left, values, ..
            } => self.list(*op, left, values)?,
            ExprKind::Between {
                negated,
                left,
                low,
                high,
                ..
            } => self.between(*negated, left, low, high)?,
            ExprKind::Call { name, args } => return self.call(e, name, args, ty),
            ExprKind::Path { target, member } => {
                let (t, _) = self.expr(target)?;
                // `x.[expr]` is an element access; `x.name` and `x.['name']` are properties
                let indexed = self.src[..member.span.start].trim_end().ends_with('[')
                    && !matches!(&member.kind, ExprKind::Name(n) if n.kind == crate::ast::NameKind::Bracketed);
                match &member.kind {
                    ExprKind::Name(n) if !indexed => {
                        let key: Arc<str> = Arc::from(n.text);
                        funcs::unary(t, move |v, _| funcs::property(&v, &key))
                    }
                    _ => {
                        let (i, _) = self.expr(member)?;
                        funcs::binary(t, i, |v, i, _| funcs::element(&v, &i))
                    }
                }
            }
            ExprKind::Element { target, index } => {
                let (t, _) = self.expr(target)?;
                let (i, _) = self.expr(index)?;
                funcs::binary(t, i, |v, i, _| funcs::element(&v, &i))
            }
            _ => {
                return fail("an expression the evaluator does not support", &e.span);
            }
        };
        Ok((node, ty))
    }

    /// Converts a node of static type `from` to `to` where Kusto would.
    fn conform(&self, node: Node, from: Ty, to: Ty) -> Node {
        if from != Ty::UNKNOWN && !conv::needs_conform(from, to) {
            return node;
        }
        if matches!(to, Ty::UNKNOWN | Ty::Error) || to.is_dynamic() {
            return node;
        }
        funcs::unary(node, move |v, _| conv::conform(v, to))
    }

    fn name(&mut self, n: &'q Name<'q>, ty: Ty) -> Result<(Node, Ty)> {
        if let Some(row) = &self.row
            && let Some(i) = row.iter().position(|(c, _)| c == n.text)
        {
            return Ok((Node::Col(i), row[i].1));
        }
        match self.lookup(n.text).cloned() {
            Some(Binding::Scalar(node, t)) => Ok((node, t)),
            Some(Binding::Function(decl, scope)) => {
                if decl.params.iter().all(|p| p.default.is_some()) {
                    let node = self.inline(decl, scope, Vec::new(), &n.span)?;
                    Ok((node, ty))
                } else {
                    fail(
                        format!("the function '{}' needs arguments", n.text),
                        &n.span,
                    )
                }
            }
            Some(Binding::Table(..)) => fail(format!("'{}' is a table", n.text), &n.span),
            None => fail(
                format!(
                    "the name '{}' does not refer to a column or variable",
                    n.text
                ),
                &n.span,
            ),
        }
    }

    fn literal(&self, l: &Literal, e: &Expr) -> Result<Value> {
        let text = self.src[e.span.clone()].trim();
        let inner = || {
            text.find('(')
                .and_then(|i| text.rfind(')').map(|j| text[i + 1..j].trim()))
        };
        let is_null = || inner().is_some_and(|s| s == "null");
        let bad = || fail::<Value>(format!("cannot read the literal {text}"), &e.span);
        if is_null() {
            return Ok(Value::Null);
        }
        Ok(match l {
            Literal::String(s) => Value::string(s),
            Literal::Bool => {
                let t = inner().unwrap_or(text);
                Value::Bool(t.eq_ignore_ascii_case("true"))
            }
            Literal::Long(Some(v)) => Value::Long(*v),
            Literal::Long(None) | Literal::Int => {
                let t = inner().unwrap_or(text);
                let v = parse_int_literal(t);
                match (l, v) {
                    (Literal::Int, Some(v)) => match i32::try_from(v) {
                        Ok(i) => Value::Int(i),
                        Err(_) => return bad(),
                    },
                    (_, Some(v)) => Value::Long(v),
                    _ => return bad(),
                }
            }
            Literal::Real | Literal::Decimal => {
                let t = inner().unwrap_or(text);
                let v = match t.to_ascii_lowercase().as_str() {
                    "nan" => f64::NAN,
                    "+inf" | "inf" => f64::INFINITY,
                    "-inf" => f64::NEG_INFINITY,
                    s => match s.parse::<f64>() {
                        Ok(v) => v,
                        Err(_) => return bad(),
                    },
                };
                Value::Real(v)
            }
            Literal::DateTime => match inner() {
                Some(s) if s.contains(',') => {
                    // datetime(2025, 6, 14[, h, m, s])
                    let parts: Option<Vec<i64>> =
                        s.split(',').map(|p| p.trim().parse().ok()).collect();
                    let p = parts.unwrap_or_default();
                    let at = |i: usize| p.get(i).copied().unwrap_or(0);
                    match (p.len() >= 3)
                        .then(|| {
                            time::from_civil(time::Civil {
                                year: at(0),
                                month: at(1),
                                day: at(2),
                                hour: at(3),
                                minute: at(4),
                                second: at(5),
                                fraction: 0,
                            })
                        })
                        .flatten()
                    {
                        Some(t) => Value::DateTime(t),
                        None => return bad(),
                    }
                }
                Some(s) => match time::parse_datetime(s.trim_matches(['\'', '"'])) {
                    Some(t) => Value::DateTime(t),
                    None => return bad(),
                },
                None => return bad(),
            },
            Literal::TimeSpan => {
                let body = match inner() {
                    Some(s) => s,
                    None => text,
                };
                match time::parse_timespan(body) {
                    Some(t) => Value::TimeSpan(t),
                    None => return bad(),
                }
            }
            Literal::Guid => {
                let body = inner().unwrap_or(text);
                match parse_guid(body, false) {
                    Some(g) => Value::Guid(g),
                    None => return bad(),
                }
            }
        })
    }

    fn binary(
        &mut self,
        op: BinOp,
        op_text: &str,
        left: &'q Expr<'q>,
        right: &'q Expr<'q>,
        ty: Ty,
        span: &Span,
    ) -> Result<Node> {
        let (l, lt) = self.expr(left)?;
        let (r, rt) = self.expr(right)?;
        Ok(match op {
            BinOp::And | BinOp::Or => {
                let l = self.conform(l, lt, Ty::BOOL);
                let r = self.conform(r, rt, Ty::BOOL);
                if op == BinOp::And {
                    Node::And(Box::new([l, r]))
                } else {
                    Node::Or(Box::new([l, r]))
                }
            }
            BinOp::Add | BinOp::Sub | BinOp::Mul | BinOp::Div | BinOp::Mod => {
                // a dynamic operand takes the other operand's type
                let l = if lt.is_dynamic() && !rt.is_dynamic() && rt.is_numeric() {
                    self.conform(l, lt, widest_number(rt))
                } else {
                    l
                };
                let r = if rt.is_dynamic() && !lt.is_dynamic() && lt.is_numeric() {
                    self.conform(r, rt, widest_number(lt))
                } else {
                    r
                };
                let n = funcs::binary(l, r, move |a, b, _| ops::arith(op, &a, &b));
                self.conform(n, Ty::UNKNOWN, ty)
            }
            BinOp::Eq | BinOp::Ne => {
                let (l, r) = self.unify(l, lt, r, rt);
                let negate = op == BinOp::Ne;
                funcs::binary(l, r, move |a, b, _| ops::eq_op(&a, &b, negate))
            }
            BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge => {
                let (l, r) = self.unify(l, lt, r, rt);
                funcs::binary(l, r, move |a, b, _| ops::cmp_op(op, &a, &b))
            }
            BinOp::Str(_) => self.string_op(op_text, l, r, span)?,
        })
    }

    /// Converts a dynamic operand to the other operand's type (Kusto's implicit conversion).
    fn unify(&self, l: Node, lt: Ty, r: Node, rt: Ty) -> (Node, Node) {
        if lt.is_dynamic() && !rt.is_dynamic() {
            (self.conform(l, lt, rt), r)
        } else if rt.is_dynamic() && !lt.is_dynamic() {
            (l, self.conform(r, rt, lt))
        } else {
            (l, r)
        }
    }

    fn string_op(&mut self, op_text: &str, l: Node, r: Node, span: &Span) -> Result<Node> {
        if op_text == "matches regex" {
            if let Some(p) = r.constant() {
                let re = super::regex::compile(&p.to_kusto_string(), "").map_err(|m| Failure {
                    message: format!("invalid regular expression: {m}"),
                    span: span.clone(),
                })?;
                return Ok(funcs::unary(l, move |v, _| {
                    Value::Bool(re.is_match(&funcs::text(&v)))
                }));
            }
            return Ok(funcs::binary(l, r, |v, p, _| {
                match super::regex::compile(&funcs::text(&p), "") {
                    Ok(re) => Value::Bool(re.is_match(&funcs::text(&v))),
                    Err(_) => Value::Null,
                }
            }));
        }
        let Some((kind, cs, negated)) = ops::string_operator(op_text) else {
            return fail(
                format!("the operator '{op_text}' is not supported by the evaluator"),
                span,
            );
        };
        if let Some(needle) = r.constant() {
            let needle = funcs::text(needle);
            let needle: Arc<str> = if cs {
                Arc::from(&*needle)
            } else {
                Arc::from(&*super::text::fold(&needle))
            };
            return Ok(funcs::unary(l, move |v, _| {
                Value::Bool(ops::string_match(kind, cs, &funcs::text(&v), &needle) != negated)
            }));
        }
        Ok(funcs::binary(l, r, move |v, n, _| {
            let n = funcs::text(&n);
            let n = if cs {
                n
            } else {
                super::text::fold(&n).into_owned().into()
            };
            Value::Bool(ops::string_match(kind, cs, &funcs::text(&v), &n) != negated)
        }))
    }

    fn list(&mut self, op: ListOp, left: &'q Expr<'q>, values: &'q [Expr<'q>]) -> Result<Node> {
        let (l, lt) = self.expr(left)?;
        let mut nodes = Vec::with_capacity(values.len() + 1);
        let mut value_types = Vec::new();
        for v in values {
            let (n, t) = self.expr(v)?;
            // a dynamic value of a typed left operand is converted (arrays are expanded)
            nodes.push(n);
            value_types.push(t);
        }
        let l = if lt.is_dynamic()
            && matches!(op, ListOp::In | ListOp::NotIn)
            && let Some(t) = value_types.iter().find(|t| !t.is_dynamic())
        {
            self.conform(l, lt, *t)
        } else {
            l
        };
        let left_ty = lt;
        nodes.insert(0, l);
        let f: funcs::FnN = match op {
            ListOp::In | ListOp::NotIn => {
                let negate = op == ListOp::NotIn;
                Arc::new(move |args: &[Value], _: &Ctx| {
                    let (x, rest) = args.split_first().expect("left operand");
                    let found = flatten(rest).any(|v| {
                        let v = if left_ty.is_dynamic() {
                            v.clone()
                        } else {
                            conv::conform(v.clone(), left_ty)
                        };
                        !x.is_null() && !v.is_null() && ops::equal(x, &v)
                    });
                    Value::Bool(found != negate)
                })
            }
            ListOp::InCi | ListOp::NotInCi => {
                let negate = op == ListOp::NotInCi;
                Arc::new(move |args: &[Value], _: &Ctx| {
                    let (x, rest) = args.split_first().expect("left operand");
                    let x = funcs::text(x);
                    let found = flatten(rest).any(|v| super::text::eq_ci(&x, &funcs::text(v)));
                    Value::Bool(found != negate)
                })
            }
            ListOp::HasAny | ListOp::HasAll => {
                let all = op == ListOp::HasAll;
                Arc::new(move |args: &[Value], _: &Ctx| {
                    let (x, rest) = args.split_first().expect("left operand");
                    let hay = super::text::fold(&funcs::text(x)).into_owned();
                    let mut terms = flatten(rest).map(|v| {
                        let t = funcs::text(v);
                        let needle = super::text::fold(&t).into_owned();
                        super::text::has_term(&hay, &needle, super::text::Term::Whole)
                    });
                    Value::Bool(if all {
                        terms.all(|b| b)
                    } else {
                        terms.any(|b| b)
                    })
                })
            }
        };
        Ok(funcs::call(f, nodes))
    }

    fn between(
        &mut self,
        negated: bool,
        left: &'q Expr<'q>,
        low: &'q Expr<'q>,
        high: &'q Expr<'q>,
    ) -> Result<Node> {
        let (x, xt) = self.expr(left)?;
        let (lo, lot) = self.expr(low)?;
        let (hi, hit) = self.expr(high)?;
        let (x, lo) = self.unify(x, xt, lo, lot);
        let hi = if xt == Ty::DATETIME && hit == Ty::TIMESPAN {
            hi
        } else {
            self.conform(hi, hit, if xt.is_dynamic() { lot } else { xt })
        };
        let f: funcs::FnN = Arc::new(move |args: &[Value], _: &Ctx| {
            let (x, lo, hi) = (&args[0], &args[1], &args[2]);
            let hi = match (lo, hi) {
                (Value::DateTime(_), Value::TimeSpan(_)) => ops::arith(BinOp::Add, lo, hi),
                _ => hi.clone(),
            };
            match (
                ops::cmp_op(BinOp::Ge, x, lo),
                ops::cmp_op(BinOp::Le, x, &hi),
            ) {
                (Value::Bool(a), Value::Bool(b)) => Value::Bool((a && b) != negated),
                _ => Value::Null,
            }
        });
        Ok(funcs::call(f, vec![x, lo, hi]))
    }

    fn call(
        &mut self,
        e: &'q Expr<'q>,
        name: &'q Name<'q>,
        args: &'q [Expr<'q>],
        ty: Ty,
    ) -> Result<(Node, Ty)> {
        match self.calls.get(e.id as usize).copied().unwrap_or_default() {
            CallTarget::User => {
                let Some(Binding::Function(decl, scope)) = self.lookup(name.text).cloned() else {
                    return fail(format!("unknown function '{}'", name.text), &name.span);
                };
                let mut compiled = Vec::new();
                for a in args {
                    compiled.push(self.expr(a)?);
                }
                let node = self.inline(decl, scope, compiled, &name.span)?;
                Ok((node, ty))
            }
            CallTarget::Builtin(def) => {
                let fname = def.name.as_str();
                if matches!(fname, "columnifexists" | "column_ifexists") {
                    return self.column_if_exists(args, ty, &e.span);
                }
                let mut compiled = Vec::with_capacity(args.len());
                for a in args {
                    let type_of = match &a.underlying().kind {
                        ExprKind::TypeOf(t) => Some(*t),
                        _ => None,
                    };
                    let (node, t) = self.expr(a)?;
                    compiled.push(Arg {
                        node,
                        ty: t,
                        type_of,
                    });
                }
                let site = Site {
                    name: fname,
                    args: compiled,
                    ret: ty,
                };
                match funcs::build(site, &mut self.warnings) {
                    Ok(node) => Ok((node, ty)),
                    Err(message) => fail(message, &e.span),
                }
            }
            CallTarget::Unresolved | CallTarget::None => {
                fail(format!("unknown function '{}'", name.text), &name.span)
            }
        }
    }

    /// `columnifexists(name, default)`: the column when the row has it, else the default.
    fn column_if_exists(
        &mut self,
        args: &'q [Expr<'q>],
        ty: Ty,
        span: &Span,
    ) -> Result<(Node, Ty)> {
        let (Some(name), Some(default)) = (args.first(), args.get(1)) else {
            return fail("columnifexists needs a column name and a default", span);
        };
        let ExprKind::Literal(Literal::String(col)) = &name.underlying().kind else {
            return fail("columnifexists needs a constant column name", &name.span);
        };
        if let Some(row) = &self.row
            && let Some(i) = row.iter().position(|(n, _)| n == col)
        {
            let from = row[i].1;
            return Ok((self.conform(Node::Col(i), from, ty), ty));
        }
        let (node, t) = self.expr(default)?;
        Ok((self.conform(node, t, ty), ty))
    }

    /// Inlines a user function: its parameters are bound to the arguments (or defaults), its
    /// body compiled in the scope where it was declared.
    fn inline(
        &mut self,
        decl: &'q FunctionDecl<'q>,
        scope: usize,
        args: Vec<(Node, Ty)>,
        span: &Span,
    ) -> Result<Node> {
        if self.depth > 200 {
            return fail("user functions nest too deeply", span);
        }
        let mut bound = Vec::new();
        let mut args = args.into_iter();
        for p in decl.params {
            let ParamType::Scalar(t) = &p.ty else {
                return fail("tabular function parameters are not supported", &p.span);
            };
            let (node, from) = match args.next() {
                Some(a) => a,
                None => match &p.default {
                    Some(d) => self.expr(d)?,
                    None => return fail("missing argument", span),
                },
            };
            bound.push((
                p.name.text,
                Binding::Scalar(self.conform(node, from, t.ty), t.ty),
            ));
        }
        let saved_lets = std::mem::take(&mut self.lets);
        self.lets = saved_lets[..scope.min(saved_lets.len())].to_vec();
        self.lets.extend(bound);
        let saved_row = self.row.take();
        let mut result = fail("the function has no result", &decl.span);
        for stmt in decl.body {
            match stmt {
                Stmt::Let { name, value, .. } => match self.let_value(value) {
                    Ok(b) => self.lets.push((name.text, b)),
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                },
                Stmt::Expr(e) => result = self.expr(e).map(|(n, _)| n),
            }
        }
        self.row = saved_row;
        self.lets = saved_lets;
        result
    }
}

/// The name of an element selector (`['a']` → `a`, `[0]` → `0`).
fn selector_name(index: &Expr) -> Option<String> {
    match &index.underlying().kind {
        ExprKind::Literal(Literal::String(s)) => Some(s.to_string()),
        ExprKind::Literal(Literal::Long(Some(v))) => Some(v.to_string()),
        ExprKind::Name(n) => Some(n.text.to_string()),
        _ => None,
    }
}

/// True when the expression is syntactically a table (a pipe, `datatable`, `print`).
fn is_tabular_syntax(e: &Expr) -> bool {
    matches!(
        e.underlying().kind,
        ExprKind::Pipe { .. } | ExprKind::DataTable { .. } | ExprKind::Source(_)
    )
}

/// A number type for a dynamic operand of arithmetic with `t`.
fn widest_number(t: Ty) -> Ty {
    match t {
        Ty::INT => Ty::LONG,
        other => other,
    }
}

fn parse_int_literal(t: &str) -> Option<i64> {
    let t = t.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16).ok();
    }
    t.parse().ok()
}

/// The values of an `in` list with dynamic arrays expanded.
fn flatten(values: &[Value]) -> impl Iterator<Item = &Value> {
    values.iter().flat_map(|v| match v {
        Value::Array(items) => items.as_slice(),
        other => std::slice::from_ref(other),
    })
}
