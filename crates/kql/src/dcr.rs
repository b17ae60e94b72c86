//! The DCR-transformation subset rules (the documented whitelist of *Supported KQL features in
//! Azure Monitor transformations*), applied to the syntax tree exactly like the oracle's `dcr`
//! section: same rule kinds (`tabular-operator`, `parse-columns`, `length`, `let-function`,
//! `data-source` errors; `function`, `scalar-operator`, `dynamic-literal` warnings) and names.

use serde::Serialize;

use crate::ast::{
    Expr, ExprKind, LetValue, OpKind, Operator, ParamType, ParsePart, Query, Span, Stmt,
};
use crate::check::CallTarget;
use crate::diag::LineIndex;
use crate::fxhash::WordSet;

/// Longest accepted transformation (Azure Monitor service limits).
pub const MAX_TRANSFORM_CHARS: usize = 15_360;
/// Most columns one `parse` may extract.
pub const MAX_PARSE_COLUMNS: usize = 10;

const DOC_TABULAR: &[&str] = &[
    "extend",
    "project",
    "print",
    "where",
    "parse",
    "project-away",
    "project-rename",
    "datatable",
];

const DOC_SCALAR_OPS: &[&str] = &[
    "==",
    "!=",
    "=~",
    "!~",
    "contains",
    "!contains",
    "contains_cs",
    "!contains_cs",
    "has",
    "!has",
    "has_cs",
    "!has_cs",
    "startswith",
    "!startswith",
    "startswith_cs",
    "!startswith_cs",
    "endswith",
    "!endswith",
    "endswith_cs",
    "!endswith_cs",
    "matches regex",
    "in",
    "!in",
    "+",
    "-",
    "*",
    "/",
    "%",
    "<",
    "<=",
    ">",
    ">=",
    "and",
    "or",
];

const DOC_FUNCTIONS: &[&str] = &[
    "binary_and",
    "binary_or",
    "binary_not",
    "binary_shift_left",
    "binary_shift_right",
    "binary_xor",
    "tobool",
    "todatetime",
    "todouble",
    "toreal",
    "toguid",
    "toint",
    "tolong",
    "tostring",
    "totimespan",
    "ago",
    "datetime_add",
    "datetime_diff",
    "datetime_part",
    "dayofmonth",
    "dayofweek",
    "dayofyear",
    "endofday",
    "endofmonth",
    "endofweek",
    "endofyear",
    "getmonth",
    "getyear",
    "hourofday",
    "make_datetime",
    "make_timespan",
    "now",
    "startofday",
    "startofmonth",
    "startofweek",
    "startofyear",
    "weekofyear",
    "array_concat",
    "array_length",
    "pack_array",
    "pack",
    "parse_json",
    "parse_xml",
    "zip",
    "abs",
    "bin",
    "floor",
    "ceiling",
    "exp",
    "exp10",
    "exp2",
    "isfinite",
    "isinf",
    "isnan",
    "log",
    "log10",
    "log2",
    "pow",
    "round",
    "sign",
    "case",
    "iif",
    "max_of",
    "min_of",
    "base64_encodestring",
    "base64_decodestring",
    "countof",
    "extract",
    "extract_all",
    "indexof",
    "isempty",
    "isnotempty",
    "split",
    "strcat",
    "strcat_delim",
    "strlen",
    "substring",
    "tolower",
    "toupper",
    "hash_sha256",
    "gettype",
    "isnotnull",
    "isnull",
    "columnifexists",
    "parse_cef_dictionary",
    "geo_location",
    "iff",
    "replace",
];

fn documented_function(name: &str) -> bool {
    static SET: WordSet = WordSet::new(DOC_FUNCTIONS);
    SET.contains(name)
}

fn documented_scalar_operator(op: &str) -> bool {
    static SET: WordSet = WordSet::new(DOC_SCALAR_OPS);
    SET.contains(op)
}

fn doc_note(name: &str) -> Option<&'static str> {
    Some(match name {
        "column_ifexists" => "docs: use columnifexists instead of column_ifexists",
        "base64_encode_tostring" => {
            "docs: use base64_encodestring instead of base64_encode_tostring"
        }
        "base64_decode_tostring" => {
            "docs: use base64_decodestring instead of base64_decode_tostring"
        }
        "todynamic" => "not listed; alias of parse_json, which is listed",
        "filter" => "not listed; synonym of where, which is listed",
        _ => return None,
    })
}

/// One finding of the DCR subset rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DcrFinding {
    /// Rule: `tabular-operator`, `parse-columns`, `length`, `let-function`, `data-source`,
    /// `function`, `scalar-operator`, `dynamic-literal`.
    pub kind: String,
    /// What was found (operator keyword, function name, operator text ...).
    pub name: String,
    /// Byte span in the query.
    #[serde(skip)]
    pub span: Span,
    /// Explanation.
    pub message: String,
    /// For `parse-columns`: the number of columns the `parse` really extracts (the names of
    /// its `with` pattern). The rule counts, like the oracle, every name the operator
    /// declares, the `kind=`/`flags=` parameter names included (the count in `message`);
    /// the service limit is about extracted columns.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extracted: Option<usize>,
}

/// The DCR subset verdict.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DcrReport {
    /// No errors.
    pub ok: bool,
    /// Violations of documented restrictions.
    pub errors: Vec<DcrFinding>,
    /// Uses of features the documentation does not list.
    pub warnings: Vec<DcrFinding>,
}

impl DcrReport {
    /// Findings as JSON objects in the oracle's format (UTF-16 `start`/`length`).
    pub(crate) fn to_json(&self, text: &str) -> serde_json::Value {
        let index = LineIndex::new(text);
        let list = |items: &[DcrFinding]| -> Vec<serde_json::Value> {
            items
                .iter()
                .map(|f| {
                    let start = index.utf16_offset(f.span.start);
                    let end = index.utf16_offset(f.span.end);
                    serde_json::json!({
                        "kind": f.kind, "name": f.name, "start": start, "length": end - start, "message": f.message,
                    })
                })
                .collect()
        };
        serde_json::json!({ "ok": self.ok, "errors": list(&self.errors), "warnings": list(&self.warnings) })
    }
}

fn finding(kind: &str, name: &str, span: Span, message: &str) -> DcrFinding {
    DcrFinding {
        kind: kind.into(),
        name: name.into(),
        span,
        message: message.into(),
        extracted: None,
    }
}

struct Walker<'a> {
    calls: &'a [CallTarget],
    src: &'a str,
    report: DcrReport,
}

/// Applies the subset rules.
pub(crate) fn check(src: &str, query: &Query, calls: &[CallTarget]) -> DcrReport {
    let mut w = Walker {
        calls,
        src,
        report: DcrReport::default(),
    };
    // UTF-16 code units never outnumber UTF-8 bytes: count only texts that may be too long
    let chars = if src.len() > MAX_TRANSFORM_CHARS {
        src.encode_utf16().count()
    } else {
        0
    };
    if chars > MAX_TRANSFORM_CHARS {
        w.report.errors.push(DcrFinding {
            kind: "length".into(),
            name: "transformKql".into(),
            span: 0..src.len(),
            message: format!(
                "transformation has {chars} characters; the limit is {MAX_TRANSFORM_CHARS}"
            ),
            extracted: None,
        });
    }
    w.statements(query.statements);
    w.report.ok = w.report.errors.is_empty();
    w.report
}

impl Walker<'_> {
    fn error(&mut self, kind: &str, name: &str, span: Span, message: &str) {
        self.report.errors.push(finding(kind, name, span, message));
    }

    fn warning(&mut self, kind: &str, name: &str, span: Span, message: &str) {
        self.report
            .warnings
            .push(finding(kind, name, span, message));
    }

    fn statements(&mut self, stmts: &[Stmt]) {
        use crate::parser::{STACK_RED_ZONE, STACK_SEGMENT};
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || {
            self.statements_inner(stmts)
        });
    }

    fn statements_inner(&mut self, stmts: &[Stmt]) {
        for s in stmts {
            match s {
                Stmt::Let {
                    value: LetValue::Expr(e),
                    ..
                }
                | Stmt::Expr(e) => self.expr(e),
                Stmt::Let {
                    value: LetValue::Function(f),
                    ..
                } => {
                    for p in f.params {
                        if matches!(p.ty, ParamType::Tabular(_)) {
                            self.error(
                                "let-function",
                                "tabular parameter",
                                p.span.clone(),
                                "only user-defined functions with scalar arguments are supported",
                            );
                        }
                        if let Some(d) = &p.default {
                            self.expr(d);
                        }
                    }
                    self.statements(f.body);
                }
            }
        }
    }

    fn operator(&mut self, op: &Operator) {
        let kw = if op.keyword.is_empty() {
            "BadQueryOperator"
        } else {
            op.keyword
        };
        if !DOC_TABULAR.contains(&kw) {
            let msg = doc_note(kw)
                .unwrap_or("tabular operator not in the documented list for transformations");
            self.error("tabular-operator", kw, op.span.clone(), msg);
        }
        match &op.kind {
            OpKind::Parse {
                parameters,
                source,
                parts,
            } => {
                // like the oracle, count every name declaration in the operator, the names of
                // `kind=`/`flags=` parameters included
                let extracted = parts
                    .iter()
                    .filter(|p| matches!(p, ParsePart::Column { .. }))
                    .count();
                let n = extracted + parameters.len();
                if n > MAX_PARSE_COLUMNS {
                    let msg = format!(
                        "parse extracts {n} columns; the limit is {MAX_PARSE_COLUMNS} per statement"
                    );
                    self.report.errors.push(DcrFinding {
                        extracted: Some(extracted),
                        ..finding("parse-columns", kw, op.span.clone(), &msg)
                    });
                }
                self.expr(source);
            }
            other => other.for_each_expr(&mut |e| self.expr(e)),
        }
    }

    fn expr(&mut self, e: &Expr) {
        use crate::parser::{STACK_RED_ZONE, STACK_SEGMENT};
        stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || self.expr_inner(e));
    }

    fn expr_inner(&mut self, e: &Expr) {
        match &e.kind {
            ExprKind::Missing
            | ExprKind::Name(_)
            | ExprKind::Literal(_)
            | ExprKind::TypeOf(_)
            | ExprKind::Star => {}
            ExprKind::Dynamic(_) => self.warning(
                "dynamic-literal",
                "dynamic",
                e.span.clone(),
                "docs: use parse_json(...) to handle dynamic literals",
            ),
            ExprKind::Paren(inner)
            | ExprKind::Named { value: inner, .. }
            | ExprKind::NamedTuple { value: inner, .. } => self.expr(inner),
            ExprKind::Unary {
                op_span, operand, ..
            } => {
                let op = self.src[op_span.clone()].to_string();
                self.scalar_operator(&op, e.span.clone());
                self.expr(operand);
            }
            ExprKind::Binary {
                op_text,
                left,
                right,
                ..
            } => {
                self.scalar_operator(op_text, e.span.clone());
                self.expr(left);
                self.expr(right);
            }
            ExprKind::List {
                op_text,
                left,
                values,
                ..
            } => {
                self.scalar_operator(op_text, e.span.clone());
                self.expr(left);
                values.iter().for_each(|v| self.expr(v));
            }
            ExprKind::Between {
                op_text,
                left,
                low,
                high,
                ..
            } => {
                self.scalar_operator(op_text, e.span.clone());
                self.expr(left);
                self.expr(low);
                self.expr(high);
            }
            ExprKind::Call { name, args } => {
                let (builtin, fname) =
                    match self.calls.get(e.id as usize).copied().unwrap_or_default() {
                        CallTarget::Builtin(def) => (true, def.name.as_str()),
                        CallTarget::Unresolved | CallTarget::None => (true, name.text),
                        CallTarget::User => (false, name.text),
                    };
                if builtin && !documented_function(fname) {
                    let msg = doc_note(fname)
                        .unwrap_or("function not in the documented list for transformations");
                    let fname = fname.to_string();
                    self.warning("function", &fname, e.span.clone(), msg);
                }
                args.iter().for_each(|a| self.expr(a));
            }
            ExprKind::Path { target, member }
            | ExprKind::Element {
                target,
                index: member,
            } => {
                self.expr(target);
                self.expr(member);
            }
            ExprKind::ToScalar(inner) | ExprKind::ToTable(inner) | ExprKind::Materialize(inner) => {
                let kw = self.src[e.span.clone()]
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
                    .unwrap_or("")
                    .to_lowercase();
                self.warning(
                    "function",
                    &kw,
                    e.span.clone(),
                    "function not in the documented list for transformations",
                );
                self.expr(inner);
            }
            ExprKind::Pipe { source, op } => {
                self.expr(source);
                self.operator(op);
            }
            ExprKind::Source(op) => self.operator(op),
            ExprKind::DataTable { values, .. } => values.iter().for_each(|v| self.expr(v)),
            ExprKind::ExternalData { .. } => {
                let kw = self.src[e.span.clone()]
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .next()
                    .unwrap_or("externaldata")
                    .to_lowercase();
                self.error(
                    "tabular-operator",
                    &kw,
                    e.span.clone(),
                    "tabular operator not in the documented list for transformations",
                );
            }
            ExprKind::Implicit => {}
        }
    }

    fn scalar_operator(&mut self, op: &str, span: Span) {
        if !documented_scalar_operator(op) {
            self.warning(
                "scalar-operator",
                op,
                span,
                "scalar operator not in the documented list for transformations",
            );
        }
    }
}
