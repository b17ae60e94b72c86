//! Runtime values: one variant per Kusto scalar kind plus dynamic arrays and property bags,
//! their conversion to and from JSON, and Kusto's text forms (`tostring`).
//!
//! A value does not carry its static type: the compiler knows it for every node. `Null` is the
//! null of whatever type the node has (and the JSON `null` inside a dynamic value). Inside a
//! dynamic value, numbers keep Kusto's JSON parsing distinction: `Int` when the number fits 32
//! bits, `Long` when it fits 64, `Real` otherwise (`gettype(parse_json('1'))` is `int`).

use std::fmt::Write as _;
use std::sync::Arc;

use super::number;
use super::time;

/// A runtime value.
#[derive(Debug, Clone, Default)]
pub enum Value {
    /// The null value of the node's type (and JSON `null` inside dynamic values).
    #[default]
    Null,
    /// `bool`
    Bool(bool),
    /// `int`
    Int(i32),
    /// `long`
    Long(i64),
    /// `real` (also `decimal`, which the evaluator computes in double precision)
    Real(f64),
    /// `string`
    String(Arc<str>),
    /// `datetime`, in ticks (100 ns) since 0001-01-01T00:00:00Z.
    DateTime(i64),
    /// `timespan`, in ticks.
    TimeSpan(i64),
    /// `guid`, the 16 bytes in text order (`00112233-4455-...`).
    Guid([u8; 16]),
    /// A dynamic array.
    Array(Arc<Vec<Value>>),
    /// A dynamic property bag.
    Bag(Arc<Bag>),
}

/// A property bag: keys in insertion order, each key once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Bag {
    entries: Vec<(Arc<str>, Value)>,
}

impl Bag {
    /// An empty bag.
    pub fn new() -> Bag {
        Bag::default()
    }

    /// The value of `key` (case-sensitive, like Kusto's property access).
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| &**k == key)
            .map(|(_, v)| v)
    }

    /// Sets `key` (replacing its value in place when present).
    pub fn insert(&mut self, key: Arc<str>, value: Value) {
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = value,
            None => self.entries.push((key, value)),
        }
    }

    /// Removes `key`.
    pub fn remove(&mut self, key: &str) {
        self.entries.retain(|(k, _)| &**k != key);
    }

    /// Entries in order.
    pub fn iter(&self) -> impl Iterator<Item = (&Arc<str>, &Value)> {
        self.entries.iter().map(|(k, v)| (k, v))
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// No keys.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Value {
        Value::String(Arc::from(s))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Value {
        Value::String(Arc::from(s))
    }
}

impl PartialEq for Value {
    /// Structural equality with Kusto's numeric equivalence (`1 == 1.0`); NaN equals NaN
    /// (used for dynamic values and tests, not for the `==` operator, which handles nulls).
    fn eq(&self, other: &Value) -> bool {
        use Value::*;
        match (self, other) {
            (Null, Null) => true,
            (Bool(a), Bool(b)) => a == b,
            (String(a), String(b)) => a == b,
            (DateTime(a), DateTime(b)) | (TimeSpan(a), TimeSpan(b)) => a == b,
            (Guid(a), Guid(b)) => a == b,
            (Array(a), Array(b)) => a == b,
            (Bag(a), Bag(b)) => {
                a.len() == b.len() && a.iter().all(|(k, v)| b.get(k).is_some_and(|w| v == w))
            }
            (a, b) => match (a.as_f64_exact(), b.as_f64_exact()) {
                (Some(x), Some(y)) => x == y || (x.is_nan() && y.is_nan()),
                _ => false,
            },
        }
    }
}

impl Value {
    /// A string value.
    pub fn string(s: &str) -> Value {
        Value::String(Arc::from(s))
    }

    /// True for `Null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// The number, for the numeric variants.
    fn as_f64_exact(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(f64::from(i)),
            Value::Long(l) => Some(l as f64),
            Value::Real(r) => Some(r),
            _ => None,
        }
    }

    /// The string slice of a `String` value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Kusto's runtime type name (`gettype`): `dictionary` for bags, `array`, `null` for a
    /// dynamic null; `None` for a null of a scalar type (the caller knows that type).
    pub fn type_name(&self) -> Option<&'static str> {
        Some(match self {
            Value::Null => return None,
            Value::Bool(_) => "bool",
            Value::Int(_) => "int",
            Value::Long(_) => "long",
            Value::Real(_) => "real",
            Value::String(_) => "string",
            Value::DateTime(_) => "datetime",
            Value::TimeSpan(_) => "timespan",
            Value::Guid(_) => "guid",
            Value::Array(_) => "array",
            Value::Bag(_) => "dictionary",
        })
    }

    /// Kusto's `tostring`: the empty string for null, the text of scalars, JSON for arrays
    /// and bags.
    pub fn to_kusto_string(&self) -> String {
        let mut out = String::new();
        self.write_kusto_string(&mut out);
        out
    }

    /// [`Value::to_kusto_string`] into a buffer.
    pub fn write_kusto_string(&self, out: &mut String) {
        match self {
            Value::Null => {}
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Int(i) => {
                let _ = write!(out, "{i}");
            }
            Value::Long(l) => {
                let _ = write!(out, "{l}");
            }
            Value::Real(r) => number::write_real(*r, out),
            Value::String(s) => out.push_str(s),
            Value::DateTime(t) => time::write_datetime(*t, out),
            Value::TimeSpan(t) => time::write_timespan(*t, out),
            Value::Guid(g) => write_guid(g, out),
            Value::Array(_) | Value::Bag(_) => write_json(self, out),
        }
    }

    /// The value as JSON text (dynamic serialisation: strings quoted, datetimes and timespans
    /// as their string forms, reals that are whole with `.0`).
    pub fn to_json_text(&self) -> String {
        let mut out = String::new();
        write_json(self, &mut out);
        out
    }

    /// The value as a `serde_json` value for output (rows the table would store): datetimes
    /// as ISO 8601 strings, timespans and guids as their Kusto text, non-finite reals as the
    /// strings `NaN`, `Infinity`, `-Infinity`.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as J;
        match self {
            Value::Null => J::Null,
            Value::Bool(b) => J::Bool(*b),
            Value::Int(i) => J::from(*i),
            Value::Long(l) => J::from(*l),
            Value::Real(r) => match serde_json::Number::from_f64(*r) {
                Some(n) => J::Number(n),
                None => J::String(number::non_finite_name(*r).to_string()),
            },
            Value::String(s) => J::String(s.to_string()),
            Value::DateTime(_) | Value::TimeSpan(_) | Value::Guid(_) => {
                J::String(self.to_kusto_string())
            }
            Value::Array(items) => J::Array(items.iter().map(Value::to_json).collect()),
            Value::Bag(bag) => J::Object(
                bag.iter()
                    .map(|(k, v)| (k.to_string(), v.to_json()))
                    .collect(),
            ),
        }
    }

    /// A dynamic value from JSON (`Int`/`Long`/`Real` numbers as Kusto's JSON parser types them).
    pub fn from_json(json: &serde_json::Value) -> Value {
        use serde_json::Value as J;
        match json {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Number(n) => {
                if let Some(i) = n.as_i64() {
                    match i32::try_from(i) {
                        Ok(small) => Value::Int(small),
                        Err(_) => Value::Long(i),
                    }
                } else {
                    Value::Real(n.as_f64().unwrap_or(f64::NAN))
                }
            }
            J::String(s) => Value::string(s),
            J::Array(items) => Value::Array(Arc::new(items.iter().map(Value::from_json).collect())),
            J::Object(map) => {
                let mut bag = Bag::new();
                for (k, v) in map {
                    bag.insert(Arc::from(k.as_str()), Value::from_json(v));
                }
                Value::Bag(Arc::new(bag))
            }
        }
    }
}

/// Writes a guid in its lower-case hyphenated form.
pub(crate) fn write_guid(g: &[u8; 16], out: &mut String) {
    for (i, b) in g.iter().enumerate() {
        if matches!(i, 4 | 6 | 8 | 10) {
            out.push('-');
        }
        let _ = write!(out, "{b:02x}");
    }
}

/// Parses a guid: 32 hexadecimal digits with the hyphens optional (`toguid`'s rule: the rest of
/// the string after the 32 digits is ignored when `lenient`), optionally in braces.
pub(crate) fn parse_guid(text: &str, lenient: bool) -> Option<[u8; 16]> {
    let t = text.trim();
    let t = t
        .strip_prefix('{')
        .map(|s| s.strip_suffix('}').unwrap_or(s))
        .unwrap_or(t);
    let mut out = [0u8; 16];
    let mut n = 0;
    let bytes = t.as_bytes();
    let mut i = 0;
    while n < 32 {
        let c = *bytes.get(i)?;
        i += 1;
        if c == b'-' && matches!(n, 8 | 12 | 16 | 20) {
            continue;
        }
        let d = (c as char).to_digit(16)? as u8;
        out[n / 2] |= if n % 2 == 0 { d << 4 } else { d };
        n += 1;
    }
    if !lenient && i != bytes.len() {
        return None;
    }
    Some(out)
}

/// Writes the dynamic JSON form of a value.
pub(crate) fn write_json(v: &Value, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::Long(l) => {
            let _ = write!(out, "{l}");
        }
        Value::Real(r) => {
            if r.is_finite() {
                number::write_json_real(*r, out);
            } else {
                out.push('"');
                out.push_str(number::non_finite_name(*r));
                out.push('"');
            }
        }
        Value::String(s) => write_json_string(s, out),
        Value::DateTime(_) | Value::TimeSpan(_) | Value::Guid(_) => {
            out.push('"');
            v.write_kusto_string(out);
            out.push('"');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(item, out);
            }
            out.push(']');
        }
        Value::Bag(bag) => {
            out.push('{');
            for (i, (k, item)) in bag.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_string(k, out);
                out.push(':');
                write_json(item, out);
            }
            out.push('}');
        }
    }
}

/// Writes a JSON string literal.
pub(crate) fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn guids_round_trip() {
        let g = parse_guid("0123456789ab-cdef-0123-456789abcdef", false).unwrap();
        let mut s = String::new();
        write_guid(&g, &mut s);
        assert_eq!(s, "01234567-89ab-cdef-0123-456789abcdef");
        assert!(parse_guid("0123456789abcdef0123456789abcdefXYZ", false).is_none());
        assert!(parse_guid("0123456789abcdef0123456789abcdefXYZ", true).is_some());
        assert!(parse_guid("not a guid", true).is_none());
    }

    #[test]
    fn json_numbers_keep_kusto_kinds() {
        let v = Value::from_json(&serde_json::json!([1, 5000000000i64, 1.5]));
        let Value::Array(items) = v else { panic!() };
        assert!(matches!(items[0], Value::Int(1)));
        assert!(matches!(items[1], Value::Long(5000000000)));
        assert!(matches!(items[2], Value::Real(_)));
    }
}
