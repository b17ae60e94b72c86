//! The `parse` operator. The pattern becomes one anchored regular expression with one named
//! group per column: `*` → `.*?`, a `string` column → `(.*?)`, an `int`/`long` column →
//! `(-?\d+)`, a `real` column → a decimal number, other types → `(.*?)` then a conversion.
//! `kind=simple` (the default) escapes the string constants and is strict: when a column's text
//! does not convert to its type, every column of the row is null (empty for strings).
//! `kind=relaxed` lets a typed column fall back to any text, nulling only that column.
//! `kind=regex` takes the string constants as regular expressions (with `flags=`) and is
//! greedy: `*` → `.*`, a `string` column → `(.*)` (`flags=U` makes them lazy). The page
//! `parse-operator.md` says `.*?` for regex mode, but its own examples (and its sentence "the
//! default mode is greedy") show greedy matching; the evaluator follows the examples.

use std::sync::Arc;

use regex::Regex;

use super::conv;
use super::plan::{Ctx, ParsePlan};
use super::value::Value;
use crate::types::Ty;

/// How a `parse` matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ParseKind {
    /// `kind=simple`
    Simple,
    /// `kind=regex`
    Regex,
    /// `kind=relaxed`
    Relaxed,
}

/// One piece of a pattern.
pub(crate) enum Piece<'a> {
    /// A string constant.
    Text(&'a str),
    /// `*`
    Star,
    /// A column of this type.
    Column(Ty),
}

/// The capture group index of column `i` of a pattern.
pub(crate) fn group_of(regex: &Regex, i: usize) -> Option<usize> {
    let name = format!("__ccfgen{i}");
    regex.capture_names().position(|n| n == Some(name.as_str()))
}

/// The regular expression of a pattern; the error says why it does not compile.
pub(crate) fn pattern(
    kind: ParseKind,
    flags: &str,
    pieces: &[Piece],
) -> Result<Arc<Regex>, String> {
    let mut re = String::from("^(?:");
    let mut col = 0;
    for piece in pieces {
        match piece {
            Piece::Text(t) if kind == ParseKind::Regex => {
                re.push_str("(?:");
                re.push_str(t);
                re.push(')');
            }
            Piece::Text(t) => re.push_str(&regex::escape(t)),
            // regex mode is greedy (`flags=U` makes it lazy); simple and relaxed are lazy
            Piece::Star if kind == ParseKind::Regex => re.push_str(".*"),
            Piece::Star => re.push_str(".*?"),
            Piece::Column(ty) => {
                let typed = match *ty {
                    Ty::INT | Ty::LONG => Some("-?[0-9]+"),
                    Ty::REAL | Ty::DECIMAL => Some(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"),
                    Ty::BOOL => Some("(?i:true|false)"),
                    _ => None,
                };
                let any = if kind == ParseKind::Regex {
                    ".*"
                } else {
                    ".*?"
                };
                let body = match (kind, typed) {
                    (ParseKind::Relaxed, Some(t)) => format!("{t}|{any}"),
                    (_, Some(t)) => t.to_string(),
                    (_, None) => any.to_string(),
                };
                re.push_str(&format!("(?P<__ccfgen{col}>{body})"));
                col += 1;
            }
        }
    }
    re.push_str(")$");
    let flags = if kind == ParseKind::Regex { flags } else { "s" };
    super::regex::compile(&re, flags)
}

impl ParsePlan {
    /// Parses the row's source text into the column slots; false when the row does not match
    /// and the operator is `parse-where` (the row is dropped).
    pub(crate) fn apply(&self, row: &mut Vec<Value>, ctx: &Ctx) -> bool {
        let text = match self.source.eval(row, ctx) {
            Value::String(s) => s,
            Value::Null => Arc::from(""),
            other => Arc::from(other.to_kusto_string()),
        };
        let mut values: Vec<Value> = Vec::with_capacity(self.columns.len());
        let mut ok = false;
        if let Some(caps) = self.regex.captures(&text) {
            ok = true;
            for (_, ty, group) in &self.columns {
                let raw = caps.get(*group).map_or("", |m| m.as_str());
                let v = conv::conform(Value::string(raw), *ty);
                if v.is_null() && *ty != Ty::STRING && !self.relaxed {
                    ok = false;
                    break;
                }
                values.push(v);
            }
        }
        if !ok && self.filter {
            return false;
        }
        if !ok {
            values = self.columns.iter().map(|(_, ty, _)| null_of(*ty)).collect();
        }
        for ((slot, _, _), v) in self.columns.iter().zip(values) {
            if *slot < row.len() {
                row[*slot] = v;
            } else {
                row.push(v);
            }
        }
        true
    }
}

/// The null of a type (the empty string for `string`).
pub(crate) fn null_of(ty: Ty) -> Value {
    if ty == Ty::STRING {
        Value::string("")
    } else {
        Value::Null
    }
}
