//! Conversions between runtime values: the `to*()` functions, the implicit conversion of a
//! dynamic value where a typed value is expected, and the normalisation of a value to the
//! static type the analyser gave its expression.

use std::sync::Arc;

use super::json;
use super::number;
use super::time;
use super::value::{Value, parse_guid};
use crate::types::Ty;

/// `tobool`: booleans, numbers (non-zero is true), the strings `true`/`false` (any case).
pub fn to_bool(v: &Value) -> Value {
    match v {
        Value::Bool(b) => Value::Bool(*b),
        Value::Int(i) => Value::Bool(*i != 0),
        Value::Long(l) => Value::Bool(*l != 0),
        Value::Real(r) if !r.is_nan() => Value::Bool(*r != 0.0),
        Value::String(s) => {
            let t = s.trim();
            if t.eq_ignore_ascii_case("true") {
                Value::Bool(true)
            } else if t.eq_ignore_ascii_case("false") {
                Value::Bool(false)
            } else {
                match number::parse_long(t) {
                    Some(n) => Value::Bool(n != 0),
                    None => Value::Null,
                }
            }
        }
        _ => Value::Null,
    }
}

/// `tolong`: numbers (reals truncated toward zero), booleans, numeric strings, and the ticks of
/// datetimes and timespans.
pub fn to_long(v: &Value) -> Value {
    match long_of(v) {
        Some(l) => Value::Long(l),
        None => Value::Null,
    }
}

/// The long of a value, when it has one.
pub fn long_of(v: &Value) -> Option<i64> {
    match v {
        Value::Bool(b) => Some(i64::from(*b)),
        Value::Int(i) => Some(i64::from(*i)),
        Value::Long(l) => Some(*l),
        Value::Real(r) => number::real_to_long(*r),
        Value::String(s) => number::parse_long(s).or_else(|| {
            number::parse_real(s)
                .filter(|r| r.is_finite())
                .and_then(number::real_to_long)
        }),
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t),
        _ => None,
    }
}

/// `toint`: like `tolong`, null when the value does not fit 32 bits.
pub fn to_int(v: &Value) -> Value {
    match long_of(v).and_then(|l| i32::try_from(l).ok()) {
        Some(i) => Value::Int(i),
        None => Value::Null,
    }
}

/// The real of a value, when it has one.
pub fn real_of(v: &Value) -> Option<f64> {
    match v {
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        Value::Int(i) => Some(f64::from(*i)),
        Value::Long(l) => Some(*l as f64),
        Value::Real(r) => Some(*r),
        Value::String(s) => number::parse_real(s),
        Value::DateTime(t) | Value::TimeSpan(t) => Some(*t as f64),
        _ => None,
    }
}

/// `toreal` / `todouble`.
pub fn to_real(v: &Value) -> Value {
    match real_of(v) {
        Some(r) => Value::Real(r),
        None => Value::Null,
    }
}

/// `tostring`.
pub fn to_string(v: &Value) -> Value {
    match v {
        Value::String(_) => v.clone(),
        _ => Value::String(Arc::from(v.to_kusto_string())),
    }
}

/// `todatetime`: datetimes, and strings in one of the accepted formats.
pub fn to_datetime(v: &Value) -> Value {
    match v {
        Value::DateTime(t) => Value::DateTime(*t),
        Value::String(s) => match time::parse_datetime(s) {
            Some(t) => Value::DateTime(t),
            None => Value::Null,
        },
        _ => Value::Null,
    }
}

/// `totimespan`: timespans, strings in the `[d.]hh:mm:ss` or literal forms, and numbers (ticks).
pub fn to_timespan(v: &Value) -> Value {
    match v {
        Value::TimeSpan(t) => Value::TimeSpan(*t),
        Value::String(s) => match time::parse_timespan(s) {
            Some(t) => Value::TimeSpan(t),
            None => Value::Null,
        },
        Value::Int(_) | Value::Long(_) | Value::Real(_) => match long_of(v) {
            Some(t) => Value::TimeSpan(t),
            None => Value::Null,
        },
        _ => Value::Null,
    }
}

/// `toguid`: guids and strings of 32 hexadecimal digits (hyphens optional, the rest ignored).
pub fn to_guid(v: &Value) -> Value {
    match v {
        Value::Guid(g) => Value::Guid(*g),
        Value::String(s) => match parse_guid(s, true) {
            Some(g) => Value::Guid(g),
            None => Value::Null,
        },
        _ => Value::Null,
    }
}

/// `todynamic` / `parse_json`: a string is parsed as JSON (kept as a string when it is not
/// JSON, null when it is empty); other values are already dynamic.
pub fn to_dynamic(v: &Value) -> Value {
    match v {
        Value::String(s) if s.trim().is_empty() => Value::Null,
        Value::String(s) => json::parse(s).unwrap_or_else(|| v.clone()),
        other => other.clone(),
    }
}

/// Converts `v` to the type `ty` (Kusto's implicit conversion of dynamic values, numeric
/// promotion, and the normalisation of a value to its expression's static type).
pub fn conform(v: Value, ty: Ty) -> Value {
    if v.is_null() {
        return v;
    }
    match (ty, &v) {
        (Ty::BOOL, Value::Bool(_))
        | (Ty::INT, Value::Int(_))
        | (Ty::LONG, Value::Long(_))
        | (Ty::REAL | Ty::DECIMAL, Value::Real(_))
        | (Ty::STRING, Value::String(_))
        | (Ty::DATETIME, Value::DateTime(_))
        | (Ty::TIMESPAN, Value::TimeSpan(_))
        | (Ty::GUID, Value::Guid(_)) => v,
        (Ty::BOOL, _) => to_bool(&v),
        (Ty::INT, _) => to_int(&v),
        (Ty::LONG, _) => to_long(&v),
        (Ty::REAL | Ty::DECIMAL, _) => to_real(&v),
        (Ty::STRING, _) => to_string(&v),
        (Ty::DATETIME, Value::String(_)) => to_datetime(&v),
        (Ty::TIMESPAN, Value::String(_)) => to_timespan(&v),
        (Ty::GUID, Value::String(_)) => to_guid(&v),
        (Ty::DATETIME | Ty::TIMESPAN | Ty::GUID, _) => Value::Null,
        _ => v,
    }
}

/// True when `conform(_, ty)` may change a value of static type `from`.
pub fn needs_conform(from: Ty, to: Ty) -> bool {
    let base = |t: Ty| if t.is_dynamic() { Ty::DYNAMIC } else { t };
    let (from, to) = (base(from), base(to));
    from != to && !matches!(to, Ty::DYNAMIC | Ty::UNKNOWN | Ty::Error)
}
