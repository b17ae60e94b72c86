//! Scalar operators: arithmetic on numbers, datetimes and timespans, comparisons and equality
//! with Kusto's null rules, and the string operators.

use std::cmp::Ordering;

use super::text::{self, Term};
use super::time;
use super::value::Value;
use crate::ast::BinOp;

/// A number as long when both are integral, else as real.
enum Num {
    Long(i64),
    Real(f64),
}

fn num(v: &Value) -> Option<Num> {
    match *v {
        Value::Int(i) => Some(Num::Long(i64::from(i))),
        Value::Long(l) => Some(Num::Long(l)),
        Value::Real(r) => Some(Num::Real(r)),
        _ => None,
    }
}

fn real(v: &Value) -> Option<f64> {
    match *v {
        Value::Int(i) => Some(f64::from(i)),
        Value::Long(l) => Some(l as f64),
        Value::Real(r) => Some(r),
        _ => None,
    }
}

fn datetime(t: Option<i64>) -> Value {
    t.and_then(time::checked)
        .map_or(Value::Null, Value::DateTime)
}

fn span(t: Option<i64>) -> Value {
    t.map_or(Value::Null, Value::TimeSpan)
}

/// `a op b` for `+ - * / %`. Integers give `long` (wrapping on overflow, null on division by
/// zero), any real operand gives `real`; `%` is never negative (`-14 % 12 == 10`).
pub fn arith(op: BinOp, a: &Value, b: &Value) -> Value {
    use Value::*;
    if a.is_null() || b.is_null() {
        return Null;
    }
    match (num(a), num(b)) {
        (Some(Num::Long(x)), Some(Num::Long(y))) => {
            return match op {
                BinOp::Add => Long(x.wrapping_add(y)),
                BinOp::Sub => Long(x.wrapping_sub(y)),
                BinOp::Mul => Long(x.wrapping_mul(y)),
                BinOp::Div => x.checked_div(y).map_or(Null, Long),
                BinOp::Mod => x.checked_rem_euclid(y).map_or(Null, Long),
                _ => Null,
            };
        }
        (Some(_), Some(_)) => {
            let (x, y) = (real(a).unwrap_or(0.0), real(b).unwrap_or(0.0));
            return Real(match op {
                BinOp::Add => x + y,
                BinOp::Sub => x - y,
                BinOp::Mul => x * y,
                BinOp::Div => x / y,
                BinOp::Mod => x.rem_euclid(y),
                _ => return Null,
            });
        }
        _ => {}
    }
    match (op, a, b) {
        (BinOp::Add, DateTime(d), TimeSpan(t)) | (BinOp::Add, TimeSpan(t), DateTime(d)) => {
            datetime(d.checked_add(*t))
        }
        (BinOp::Sub, DateTime(d), TimeSpan(t)) => datetime(d.checked_sub(*t)),
        (BinOp::Sub, TimeSpan(t), DateTime(d)) => datetime(t.checked_sub(*d)),
        (BinOp::Sub, DateTime(x), DateTime(y)) => span(x.checked_sub(*y)),
        (BinOp::Add, TimeSpan(x), TimeSpan(y)) => span(x.checked_add(*y)),
        (BinOp::Sub, TimeSpan(x), TimeSpan(y)) => span(x.checked_sub(*y)),
        (BinOp::Mul, TimeSpan(x), TimeSpan(y)) => span(x.checked_mul(*y)),
        (BinOp::Mul, TimeSpan(t), n) | (BinOp::Mul, n, TimeSpan(t)) => scale(*t, n, false),
        (BinOp::Div, TimeSpan(x), TimeSpan(y)) => {
            if *y == 0 {
                Null
            } else {
                Real(*x as f64 / *y as f64)
            }
        }
        (BinOp::Div, TimeSpan(t), n) => scale(*t, n, true),
        (BinOp::Div, DateTime(x), TimeSpan(y)) => {
            if *y == 0 {
                Null
            } else {
                Real(*x as f64 / *y as f64)
            }
        }
        (BinOp::Mod, TimeSpan(x), TimeSpan(y)) | (BinOp::Mod, DateTime(x), TimeSpan(y)) => {
            span(x.checked_rem_euclid(*y))
        }
        (BinOp::Mod, DateTime(x), DateTime(y)) => span(x.checked_rem_euclid(*y)),
        (BinOp::Mod, TimeSpan(t), n) => match num(n) {
            Some(Num::Long(y)) => span(t.checked_rem_euclid(y)),
            _ => Null,
        },
        _ => Null,
    }
}

/// A timespan times (or divided by) a number.
fn scale(t: i64, n: &Value, divide: bool) -> Value {
    match num(n) {
        Some(Num::Long(y)) if !divide => span(t.checked_mul(y)),
        Some(Num::Long(y)) => span(t.checked_div(y)),
        Some(Num::Real(y)) => {
            let r = if divide { t as f64 / y } else { t as f64 * y };
            if r.is_finite() && r.abs() < 9.2e18 {
                Value::TimeSpan(r.round() as i64)
            } else {
                Value::Null
            }
        }
        None => Value::Null,
    }
}

/// Unary minus.
pub fn negate(v: &Value) -> Value {
    match *v {
        Value::Int(i) => Value::Int(i.wrapping_neg()),
        Value::Long(l) => Value::Long(l.wrapping_neg()),
        Value::Real(r) => Value::Real(-r),
        Value::TimeSpan(t) => Value::TimeSpan(t.wrapping_neg()),
        _ => Value::Null,
    }
}

/// Ordering of two non-null values of comparable kinds.
pub fn compare(a: &Value, b: &Value) -> Option<Ordering> {
    use Value::*;
    match (a, b) {
        (String(x), String(y)) => Some(x.cmp(y)),
        (DateTime(x), DateTime(y)) | (TimeSpan(x), TimeSpan(y)) => Some(x.cmp(y)),
        (Bool(x), Bool(y)) => Some(x.cmp(y)),
        (Guid(x), Guid(y)) => Some(x.cmp(y)),
        _ => match (num(a)?, num(b)?) {
            (Num::Long(x), Num::Long(y)) => Some(x.cmp(&y)),
            _ => real(a)?.partial_cmp(&real(b)?),
        },
    }
}

/// Equality of two non-null values (numbers by value, dynamic values structurally).
pub fn equal(a: &Value, b: &Value) -> bool {
    match compare(a, b) {
        Some(o) => o == Ordering::Equal,
        None => match (a, b) {
            (Value::Array(_), Value::Array(_)) | (Value::Bag(_), Value::Bag(_)) => a == b,
            _ => false,
        },
    }
}

/// `a == b` (`negate` for `!=`): null when both are null, false (true) when one is.
pub fn eq_op(a: &Value, b: &Value, negate: bool) -> Value {
    match (a.is_null(), b.is_null()) {
        (true, true) => Value::Null,
        (true, false) | (false, true) => Value::Bool(negate),
        _ => Value::Bool(equal(a, b) != negate),
    }
}

/// `a < b` and the other orderings; null when either is null or they do not compare.
pub fn cmp_op(op: BinOp, a: &Value, b: &Value) -> Value {
    let Some(o) = compare(a, b) else {
        return Value::Null;
    };
    Value::Bool(match op {
        BinOp::Lt => o == Ordering::Less,
        BinOp::Le => o != Ordering::Greater,
        BinOp::Gt => o == Ordering::Greater,
        BinOp::Ge => o != Ordering::Less,
        _ => return Value::Null,
    })
}

/// The kinds of string operator (before negation and case).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StrKind {
    /// `=~`
    Equals,
    /// `contains`
    Contains,
    /// `startswith`
    StartsWith,
    /// `endswith`
    EndsWith,
    /// `has`, `hasprefix`, `hassuffix`
    Has(Term),
}

/// A string operator resolved from its text: kind, case-sensitive, negated.
pub fn string_operator(op: &str) -> Option<(StrKind, bool, bool)> {
    let (negated, rest) = match op.strip_prefix('!') {
        Some(r) => (true, r),
        None => (false, op),
    };
    if op == "=~" {
        return Some((StrKind::Equals, false, false));
    }
    if op == "!~" {
        return Some((StrKind::Equals, false, true));
    }
    let (base, cs) = match rest.strip_suffix("_cs") {
        Some(b) => (b, true),
        None => (rest, false),
    };
    let kind = match base {
        "contains" => StrKind::Contains,
        "startswith" => StrKind::StartsWith,
        "endswith" => StrKind::EndsWith,
        "has" => StrKind::Has(Term::Whole),
        "hasprefix" => StrKind::Has(Term::Prefix),
        "hassuffix" => StrKind::Has(Term::Suffix),
        _ => return None,
    };
    Some((kind, cs, negated))
}

/// Applies a string operator to two strings; `needle` is already folded when the operator is
/// case-insensitive.
pub fn string_match(kind: StrKind, case_sensitive: bool, hay: &str, needle: &str) -> bool {
    if case_sensitive {
        match kind {
            StrKind::Equals => hay == needle,
            StrKind::Contains => hay.contains(needle),
            StrKind::StartsWith => hay.starts_with(needle),
            StrKind::EndsWith => hay.ends_with(needle),
            StrKind::Has(t) => text::has_term(hay, needle, t),
        }
    } else {
        let hay = text::fold(hay);
        match kind {
            StrKind::Equals => *hay == *needle,
            StrKind::Contains => hay.contains(needle),
            StrKind::StartsWith => hay.starts_with(needle),
            StrKind::EndsWith => hay.ends_with(needle),
            StrKind::Has(t) => text::has_term(&hay, needle, t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arithmetic() {
        let l = Value::Long;
        assert_eq!(arith(BinOp::Mod, &l(-14), &l(12)), l(10));
        assert_eq!(arith(BinOp::Mod, &l(14), &l(-12)), l(2));
        assert_eq!(arith(BinOp::Div, &l(1), &l(2)), l(0));
        assert_eq!(arith(BinOp::Div, &l(1), &l(0)), Value::Null);
        assert_eq!(
            arith(BinOp::Div, &Value::Real(1.0), &l(2)),
            Value::Real(0.5)
        );
        let day = Value::TimeSpan(time::TICKS_PER_DAY);
        let hour5 = Value::TimeSpan(5 * time::TICKS_PER_HOUR);
        assert_eq!(arith(BinOp::Div, &day, &hour5), Value::Real(4.8));
    }

    #[test]
    fn null_rules() {
        assert_eq!(
            eq_op(&Value::Null, &Value::Long(5), false),
            Value::Bool(false)
        );
        assert_eq!(
            eq_op(&Value::Null, &Value::Long(5), true),
            Value::Bool(true)
        );
        assert_eq!(eq_op(&Value::Null, &Value::Null, false), Value::Null);
        assert_eq!(
            cmp_op(BinOp::Gt, &Value::Null, &Value::Long(3)),
            Value::Null
        );
    }
}
