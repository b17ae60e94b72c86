//! Conversions, null tests, conditionals, `gettype`, `max_of`/`min_of` and the bitwise
//! functions.

use std::sync::Arc;

use super::{Builder, Node, Site, arity, map_n, map1, type_name, unary};
use crate::eval::conv;
use crate::eval::ops;
use crate::eval::value::{Bag, Value};
use crate::types::Ty;

pub(super) fn builder(name: &str) -> Option<Builder> {
    Some(match name {
        "tobool" | "toboolean" => |s| one(s, conv::to_bool),
        "toint" => |s| one(s, conv::to_int),
        "tolong" => |s| one(s, conv::to_long),
        "toreal" | "todouble" | "todecimal" => |s| one(s, conv::to_real),
        "tostring" => |s| one(s, conv::to_string),
        "todatetime" => |s| one(s, conv::to_datetime),
        "totimespan" | "totime" => |s| one(s, conv::to_timespan),
        "toguid" => |s| one(s, conv::to_guid),
        "todynamic" | "parse_json" | "parsejson" | "toobject" => |s| one(s, conv::to_dynamic),
        "gettype" => gettype,
        "isnull" => |s| null_test(s, false),
        "isnotnull" => |s| null_test(s, true),
        "isempty" => |s| empty_test(s, false),
        "isnotempty" => |s| empty_test(s, true),
        "iff" | "iif" => iff,
        "case" => case,
        "coalesce" => coalesce,
        "not" => not,
        "max_of" => |s| extreme(s, true),
        "min_of" => |s| extreme(s, false),
        "binary_and" => |s| bits(s, |a, b| Some(a & b)),
        "binary_or" => |s| bits(s, |a, b| Some(a | b)),
        "binary_xor" => |s| bits(s, |a, b| Some(a ^ b)),
        "binary_shift_left" => |s| bits(s, |a, b| shift(a, b, true)),
        "binary_shift_right" => |s| bits(s, |a, b| shift(a, b, false)),
        "binary_not" => binary_not,
        "geo_location" => geo_location,
        "parse_cef_dictionary" => parse_cef_dictionary,
        _ => return None,
    })
}

fn one(site: &mut Site, f: fn(&Value) -> Value) -> Result<Node, String> {
    arity(site, 1, 1)?;
    let a = site.args.remove(0);
    Ok(unary(a.node, move |v, _| f(&v)))
}

fn gettype(site: &mut Site) -> Result<Node, String> {
    arity(site, 1, 1)?;
    let a = site.args.remove(0);
    let null_name = type_name(a.ty);
    Ok(unary(a.node, move |v, _| {
        Value::string(v.type_name().unwrap_or(null_name))
    }))
}

fn null_test(site: &mut Site, negate: bool) -> Result<Node, String> {
    arity(site, 1, 1)?;
    let a = site.args.remove(0);
    Ok(unary(a.node, move |v, _| {
        Value::Bool(v.is_null() != negate)
    }))
}

fn empty_test(site: &mut Site, negate: bool) -> Result<Node, String> {
    arity(site, 1, 1)?;
    let a = site.args.remove(0);
    Ok(unary(a.node, move |v, _| {
        let empty = match &v {
            Value::Null => true,
            Value::String(s) => s.is_empty(),
            _ => false,
        };
        Value::Bool(empty != negate)
    }))
}

fn iff(site: &mut Site) -> Result<Node, String> {
    arity(site, 3, 3)?;
    let ret = site.ret;
    let c = site.take_as(0, Ty::BOOL);
    let a = site.take_as(1, ret);
    let b = site.take_as(2, ret);
    if let Some(cv) = c.constant() {
        return Ok(if matches!(cv, Value::Bool(true)) {
            a
        } else {
            b
        });
    }
    Ok(Node::Iff(Box::new([c, a, b])))
}

fn case(site: &mut Site) -> Result<Node, String> {
    let n = site.args.len();
    if n < 3 || n.is_multiple_of(2) {
        return Err("case() takes pairs of predicate and value, then an else value".into());
    }
    let ret = site.ret;
    let mut arms = Vec::new();
    for i in (0..n - 1).step_by(2) {
        arms.push((site.take_as(i, Ty::BOOL), site.take_as(i + 1, ret)));
    }
    let otherwise = site.take_as(n - 1, ret);
    Ok(Node::Case(arms.into_boxed_slice(), Box::new(otherwise)))
}

fn coalesce(site: &mut Site) -> Result<Node, String> {
    arity(site, 1, 64)?;
    let ret = site.ret;
    let nodes: Vec<Node> = (0..site.args.len()).map(|i| site.take_as(i, ret)).collect();
    Ok(Node::Coalesce(nodes.into_boxed_slice()))
}

fn not(site: &mut Site) -> Result<Node, String> {
    arity(site, 1, 1)?;
    Ok(map1(site, Ty::BOOL, |v| match v {
        Value::Bool(b) => Value::Bool(!b),
        _ => Value::Null,
    }))
}

fn extreme(site: &mut Site, max: bool) -> Result<Node, String> {
    arity(site, 1, 64)?;
    let ret = site.ret;
    Ok(map_n(site, &[ret], move |args| {
        let mut best: Option<&Value> = None;
        for v in args.iter().filter(|v| !v.is_null()) {
            best = match best {
                None => Some(v),
                Some(b) => {
                    let better =
                        ops::compare(v, b).is_some_and(|o| if max { o.is_gt() } else { o.is_lt() });
                    Some(if better { v } else { b })
                }
            };
        }
        best.cloned().unwrap_or_default()
    }))
}

fn bits(site: &mut Site, f: fn(i64, i64) -> Option<i64>) -> Result<Node, String> {
    arity(site, 2, 2)?;
    Ok(map_n(site, &[Ty::LONG], move |args| {
        match (conv::long_of(&args[0]), conv::long_of(&args[1])) {
            (Some(a), Some(b)) if !args[0].is_null() && !args[1].is_null() => {
                f(a, b).map_or(Value::Null, Value::Long)
            }
            _ => Value::Null,
        }
    }))
}

fn shift(a: i64, b: i64, left: bool) -> Option<i64> {
    if !(0..64).contains(&b) {
        return None;
    }
    Some(if left {
        a.wrapping_shl(b as u32)
    } else {
        a >> b
    })
}

fn binary_not(site: &mut Site) -> Result<Node, String> {
    arity(site, 1, 1)?;
    Ok(map1(site, Ty::LONG, |v| match v {
        Value::Long(l) => Value::Long(!l),
        _ => Value::Null,
    }))
}

fn geo_location(site: &mut Site) -> Result<Node, String> {
    arity(site, 1, 1)?;
    Ok(map1(site, Ty::STRING, |_| Value::Bag(Arc::new(Bag::new()))))
}

/// `parse_cef_dictionary(message)`: `{"Extension": {key: value, ...}}`. The documentation
/// describes only the `Extension` property (its example reads `["Extension"]`; the rest of the
/// result is shown as a screenshot), so that is all the evaluator returns.
fn parse_cef_dictionary(site: &mut Site) -> Result<Node, String> {
    arity(site, 1, 1)?;
    Ok(map1(site, Ty::STRING, |v| match v {
        Value::String(s) => {
            let mut bag = Bag::new();
            bag.insert(Arc::from("Extension"), cef_extension(&s));
            Value::Bag(Arc::new(bag))
        }
        _ => Value::Null,
    }))
}

/// Parses the key=value pairs of a CEF extension (`src=10.0.0.1 msg=a b c`): a value runs
/// to the space before the next `key=`; `\=` and `\\` are escapes, `\n`/`\r` are newlines.
pub(crate) fn cef_extension(text: &str) -> Value {
    // a CEF header is dropped: the extension follows the 7th unescaped '|'
    let body = match cef_header_end(text) {
        Some(i) => &text[i..],
        None => text,
    };
    let mut bag = Bag::new();
    let bytes = body.as_bytes();
    // positions of unescaped '=' that end a key
    let mut keys: Vec<(usize, usize)> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'=' => {
                let mut start = i;
                while start > 0 && is_key_byte(bytes[start - 1]) {
                    start -= 1;
                }
                if start < i && (start == 0 || bytes[start - 1] == b' ') {
                    keys.push((start, i));
                }
                i += 1;
            }
            _ => i += 1,
        }
    }
    for (k, &(start, eq)) in keys.iter().enumerate() {
        let end = keys.get(k + 1).map_or(body.len(), |next| next.0);
        let raw = body[eq + 1..end].trim_end_matches(' ');
        bag.insert(
            Arc::from(&body[start..eq]),
            Value::string(&cef_unescape(raw)),
        );
    }
    Value::Bag(Arc::new(bag))
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-' || b == b'[' || b == b']'
}

fn cef_header_end(text: &str) -> Option<usize> {
    if !text.trim_start().starts_with("CEF:") {
        return None;
    }
    let mut pipes = 0;
    let mut escaped = false;
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
            continue;
        }
        match c {
            '\\' => escaped = true,
            '|' => {
                pipes += 1;
                if pipes == 7 {
                    return Some(i + 1);
                }
            }
            _ => {}
        }
    }
    None
}

fn cef_unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cef_pairs() {
        let v =
            cef_extension("CEF:0|V|P|1|100|name|5|src=10.0.0.1 msg=hello world act=blocked a\\=b");
        assert_eq!(
            v.to_json_text(),
            r#"{"src":"10.0.0.1","msg":"hello world","act":"blocked a=b"}"#
        );
        let v = cef_extension("cs1Label=x y cs1=z");
        assert_eq!(v.to_json_text(), r#"{"cs1Label":"x y","cs1":"z"}"#);
    }
}
