//! Dynamic arrays and property bags: construction (`pack_array`, `bag_pack`, `zip`), access
//! and the `array_*`, `bag_*` and `set_*` functions, and `parse_xml`.

use std::cmp::Ordering;
use std::sync::Arc;

use super::{Builder, Node, Site, arity, call, map_n, map1, text};
use crate::eval::conv;
use crate::eval::ops;
use crate::eval::plan::Ctx;
use crate::eval::value::{Bag, Value};
use crate::types::Ty;

pub(super) fn builder(name: &str) -> Option<Builder> {
    Some(match name {
        "pack_array" => |s| {
            arity(s, 1, 64)?;
            let nodes = s.nodes();
            Ok(call(
                Arc::new(|a: &[Value], _: &Ctx| Value::Array(Arc::new(a.to_vec()))),
                nodes,
            ))
        },
        "pack" | "bag_pack" | "pack_dictionary" => |s| {
            if s.args.len() % 2 != 0 {
                return Err(format!("{}() takes pairs of key and value", s.name));
            }
            let nodes = s.nodes();
            Ok(call(
                Arc::new(|a: &[Value], _: &Ctx| {
                    let mut bag = Bag::new();
                    for pair in a.chunks(2) {
                        bag.insert(Arc::from(text(&pair[0]).as_ref()), pair[1].clone());
                    }
                    Value::Bag(Arc::new(bag))
                }),
                nodes,
            ))
        },
        "range" => |s| {
            arity(s, 2, 3)?;
            Ok(map_n(s, &[Ty::UNKNOWN], range_array))
        },
        "bag_zip" => |s| {
            arity(s, 2, 2)?;
            Ok(map_n(s, &[Ty::DYNAMIC], |a| {
                let Value::Array(keys) = &a[0] else {
                    return Value::Null;
                };
                let values = match &a[1] {
                    Value::Array(v) => Some(v.clone()),
                    _ => None,
                };
                let mut bag = Bag::new();
                for (i, k) in keys.iter().enumerate() {
                    if let Value::String(k) = k {
                        let v = values
                            .as_ref()
                            .and_then(|v| v.get(i).cloned())
                            .unwrap_or_default();
                        bag.insert(k.clone(), v);
                    }
                }
                Value::Bag(Arc::new(bag))
            }))
        },
        "jaccard_index" => |s| {
            arity(s, 2, 2)?;
            Ok(map_n(s, &[Ty::DYNAMIC], |a| {
                let (Value::Array(x), Value::Array(y)) = (&a[0], &a[1]) else {
                    return Value::Null;
                };
                let mut union: Vec<&Value> = Vec::new();
                for v in x.iter().chain(y.iter()) {
                    if !union.contains(&v) {
                        union.push(v);
                    }
                }
                if union.is_empty() {
                    return Value::Real(f64::NAN);
                }
                let both = union
                    .iter()
                    .filter(|v| x.contains(v) && y.contains(v))
                    .count();
                Value::Real(both as f64 / union.len() as f64)
            }))
        },
        "parse_csv" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |v| {
                Value::Array(Arc::new(
                    parse_csv(&text(&v)).into_iter().map(Value::from).collect(),
                ))
            }))
        },
        "parse_url" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |v| parse_url(&text(&v))))
        },
        "parse_urlquery" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |v| {
                let mut bag = Bag::new();
                bag.insert(Arc::from("Query Parameters"), query_bag(&text(&v)));
                Value::Bag(Arc::new(bag))
            }))
        },
        "array_length" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::DYNAMIC, |v| match v {
                Value::Array(items) => Value::Long(items.len() as i64),
                _ => Value::Null,
            }))
        },
        "array_concat" => |s| {
            arity(s, 1, 64)?;
            Ok(map_n(s, &[Ty::DYNAMIC], |a| {
                let mut out = Vec::new();
                for v in a {
                    match v {
                        Value::Array(items) => out.extend(items.iter().cloned()),
                        _ => return Value::Null,
                    }
                }
                Value::Array(Arc::new(out))
            }))
        },
        "zip" => |s| {
            arity(s, 2, 16)?;
            Ok(map_n(s, &[Ty::DYNAMIC], |a| {
                let mut arrays = Vec::new();
                for v in a {
                    match v {
                        Value::Array(items) => arrays.push(items.clone()),
                        _ => return Value::Null,
                    }
                }
                let n = arrays.iter().map(|x| x.len()).max().unwrap_or(0);
                let rows = (0..n)
                    .map(|i| {
                        Value::Array(Arc::new(
                            arrays
                                .iter()
                                .map(|x| x.get(i).cloned().unwrap_or_default())
                                .collect(),
                        ))
                    })
                    .collect();
                Value::Array(Arc::new(rows))
            }))
        },
        "array_index_of" => |s| {
            arity(s, 2, 5)?;
            Ok(map_n(s, &[Ty::DYNAMIC, Ty::UNKNOWN, Ty::LONG], |a| {
                let Value::Array(items) = &a[0] else {
                    return Value::Null;
                };
                let arg = |i: usize, d: i64| match a.get(i) {
                    Some(v) if !v.is_null() => conv::long_of(v),
                    Some(_) => None,
                    None => Some(d),
                };
                let (Some(start), Some(length), Some(occurrence)) =
                    (arg(2, 0), arg(3, -1), arg(4, 1))
                else {
                    return Value::Null;
                };
                if length < -1 || occurrence < 0 {
                    return Value::Null;
                }
                let len = items.len() as i64;
                let start = if start < 0 {
                    (len + start).max(0)
                } else {
                    start.min(len)
                };
                let end = if length == -1 {
                    len
                } else {
                    (start + length).min(len)
                };
                let pos = (start..end)
                    .filter(|&i| {
                        let v = &items[i as usize];
                        !v.is_null() && ops::equal(v, &a[1])
                    })
                    .nth(occurrence.max(1) as usize - 1)
                    .unwrap_or(-1);
                Value::Long(pos)
            }))
        },
        "array_slice" => |s| {
            arity(s, 3, 3)?;
            Ok(map_n(s, &[Ty::DYNAMIC, Ty::LONG], |a| {
                let Value::Array(items) = &a[0] else {
                    return Value::Null;
                };
                let len = items.len() as i64;
                let norm = |v: &Value| {
                    let i = conv::long_of(v).unwrap_or(0);
                    if i < 0 { (len + i).max(0) } else { i.min(len) }
                };
                let (from, to) = (norm(&a[1]), norm(&a[2]));
                if from > to || from >= len {
                    return Value::Array(Arc::new(Vec::new()));
                }
                let to = (to + 1).min(len);
                Value::Array(Arc::new(items[from as usize..to as usize].to_vec()))
            }))
        },
        "array_reverse" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::DYNAMIC, |v| match v {
                Value::Array(items) => {
                    Value::Array(Arc::new(items.iter().rev().cloned().collect()))
                }
                _ => Value::Null,
            }))
        },
        "array_sort_asc" => |s| sort(s, true),
        "array_sort_desc" => |s| sort(s, false),
        "array_sum" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::DYNAMIC, |v| match v {
                Value::Array(items) => {
                    let mut sum = 0.0;
                    for item in items.iter() {
                        match item {
                            Value::Int(_) | Value::Long(_) | Value::Real(_) => {
                                sum += conv::real_of(item).unwrap_or(0.0);
                            }
                            _ => return Value::Null,
                        }
                    }
                    Value::Real(sum)
                }
                _ => Value::Null,
            }))
        },
        "array_iff" | "array_iif" => |s| {
            arity(s, 3, 3)?;
            Ok(map_n(s, &[Ty::DYNAMIC], |a| {
                let Value::Array(cond) = &a[0] else {
                    return Value::Null;
                };
                // an array gives one value per position, a scalar the same value everywhere
                let pick = |v: &Value, i: usize| match v {
                    Value::Array(items) => items.get(i).cloned().unwrap_or_default(),
                    other => other.clone(),
                };
                let out = cond
                    .iter()
                    .enumerate()
                    .map(|(i, c)| match c {
                        Value::Bool(true) => pick(&a[1], i),
                        Value::Bool(false) => pick(&a[2], i),
                        v @ (Value::Int(_) | Value::Long(_) | Value::Real(_)) => {
                            if conv::real_of(v).is_some_and(|r| r != 0.0) {
                                pick(&a[1], i)
                            } else {
                                pick(&a[2], i)
                            }
                        }
                        _ => Value::Null,
                    })
                    .collect();
                Value::Array(Arc::new(out))
            }))
        },
        "array_shift_left" => |s| shift(s, false, true),
        "array_shift_right" => |s| shift(s, false, false),
        "array_rotate_left" => |s| shift(s, true, true),
        "array_rotate_right" => |s| shift(s, true, false),
        "array_split" => |s| {
            arity(s, 2, 2)?;
            Ok(map_n(s, &[Ty::DYNAMIC], |a| {
                let Value::Array(items) = &a[0] else {
                    return Value::Null;
                };
                let mut cuts: Vec<usize> = match &a[1] {
                    Value::Array(c) => c
                        .iter()
                        .filter_map(conv::long_of)
                        .map(|i| norm_index(i, items.len()))
                        .collect(),
                    other => conv::long_of(other)
                        .map(|i| vec![norm_index(i, items.len())])
                        .unwrap_or_default(),
                };
                cuts.sort_unstable();
                let mut parts = Vec::new();
                let mut prev = 0;
                for c in cuts {
                    let c = c.max(prev);
                    parts.push(Value::Array(Arc::new(items[prev..c].to_vec())));
                    prev = c;
                }
                parts.push(Value::Array(Arc::new(items[prev..].to_vec())));
                Value::Array(Arc::new(parts))
            }))
        },
        "bag_keys" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::DYNAMIC, |v| match v {
                Value::Bag(bag) => Value::Array(Arc::new(
                    bag.iter().map(|(k, _)| Value::String(k.clone())).collect(),
                )),
                _ => Value::Null,
            }))
        },
        "bag_has_key" => |s| {
            arity(s, 2, 2)?;
            Ok(map_n(s, &[Ty::DYNAMIC, Ty::STRING], |a| match &a[0] {
                Value::Bag(bag) => match json_path(&text(&a[1])) {
                    Some(path) => Value::Bool(path_get(bag, &path).is_some()),
                    None => Value::Null,
                },
                _ => Value::Null,
            }))
        },
        "bag_merge" => |s| {
            arity(s, 2, 64)?;
            Ok(map_n(s, &[Ty::DYNAMIC], |a| {
                let mut out = Bag::new();
                for v in a {
                    let Value::Bag(bag) = v else {
                        return Value::Null;
                    };
                    for (k, v) in bag.iter() {
                        if out.get(k).is_none() {
                            out.insert(k.clone(), v.clone());
                        }
                    }
                }
                Value::Bag(Arc::new(out))
            }))
        },
        "bag_remove_keys" => |s| {
            arity(s, 2, 2)?;
            Ok(map_n(s, &[Ty::DYNAMIC], |a| {
                let (Value::Bag(bag), Value::Array(keys)) = (&a[0], &a[1]) else {
                    return Value::Null;
                };
                let mut out = (**bag).clone();
                for k in keys.iter() {
                    if let Some(path) = json_path(&text(k)) {
                        path_remove(&mut out, &path);
                    }
                }
                Value::Bag(Arc::new(out))
            }))
        },
        "bag_set_key" => |s| {
            arity(s, 3, 3)?;
            Ok(map_n(s, &[Ty::DYNAMIC, Ty::STRING, Ty::DYNAMIC], |a| {
                let Value::Bag(bag) = &a[0] else {
                    return Value::Null;
                };
                let Some(path) = json_path(&text(&a[1])) else {
                    return Value::Null;
                };
                let mut out = (**bag).clone();
                path_set(&mut out, &path, a[2].clone());
                Value::Bag(Arc::new(out))
            }))
        },
        "set_has_element" => |s| {
            arity(s, 2, 2)?;
            Ok(map_n(s, &[Ty::DYNAMIC, Ty::UNKNOWN], |a| match &a[0] {
                Value::Array(items) => {
                    Value::Bool(items.iter().any(|v| !v.is_null() && ops::equal(v, &a[1])))
                }
                _ => Value::Null,
            }))
        },
        "set_union" => |s| set(s, SetOp::Union),
        "set_intersect" => |s| set(s, SetOp::Intersect),
        "set_difference" => |s| set(s, SetOp::Difference),
        "dynamic_to_json" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::DYNAMIC, |v| Value::from(sorted_json(&v))))
        },
        "parse_xml" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |v| {
                super::xml::parse(&text(&v)).unwrap_or_default()
            }))
        },
        _ => return None,
    })
}

fn norm_index(i: i64, len: usize) -> usize {
    let len = len as i64;
    (if i < 0 { len + i } else { i }).clamp(0, len) as usize
}

/// The keys of a JSONPath (`$.a.b`, `$['a']['b']`) or a plain root key; `None` for array
/// indexes and the root itself (not supported by the `bag_*` functions).
fn json_path(key: &str) -> Option<Vec<String>> {
    let Some(rest) = key.strip_prefix('$') else {
        return Some(vec![key.to_string()]);
    };
    let mut keys = Vec::new();
    let mut r = rest;
    while !r.is_empty() {
        if let Some(after) = r.strip_prefix('.') {
            let end = after.find(['.', '[']).unwrap_or(after.len());
            keys.push(after[..end].to_string());
            r = &after[end..];
        } else if let Some(after) = r.strip_prefix('[') {
            let end = after.find(']')?;
            let inner = after[..end].trim();
            let quoted = inner
                .strip_prefix('\'')
                .and_then(|s| s.strip_suffix('\''))
                .or_else(|| inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')))?;
            keys.push(quoted.to_string());
            r = &after[end + 1..];
        } else {
            return None;
        }
    }
    (!keys.is_empty()).then_some(keys)
}

fn path_get<'a>(bag: &'a Bag, path: &[String]) -> Option<&'a Value> {
    let (first, rest) = path.split_first()?;
    let v = bag.get(first)?;
    if rest.is_empty() {
        return Some(v);
    }
    match v {
        Value::Bag(b) => path_get(b, rest),
        _ => None,
    }
}

fn path_set(bag: &mut Bag, path: &[String], value: Value) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        bag.insert(Arc::from(first.as_str()), value);
        return;
    }
    let mut inner = match bag.get(first) {
        Some(Value::Bag(b)) => (**b).clone(),
        _ => Bag::new(),
    };
    path_set(&mut inner, rest, value);
    bag.insert(Arc::from(first.as_str()), Value::Bag(Arc::new(inner)));
}

fn path_remove(bag: &mut Bag, path: &[String]) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    if rest.is_empty() {
        bag.remove(first);
        return;
    }
    if let Some(Value::Bag(b)) = bag.get(first) {
        let mut inner = (**b).clone();
        path_remove(&mut inner, rest);
        bag.insert(Arc::from(first.as_str()), Value::Bag(Arc::new(inner)));
    }
}

/// Ordering for sorting dynamic values: numbers, then strings, then booleans, datetimes,
/// timespans; nulls last.
fn sort_key_cmp(a: &Value, b: &Value) -> Ordering {
    fn rank(v: &Value) -> u8 {
        match v {
            Value::Int(_) | Value::Long(_) | Value::Real(_) => 0,
            Value::String(_) => 1,
            Value::Bool(_) => 2,
            Value::DateTime(_) => 3,
            Value::TimeSpan(_) => 4,
            Value::Guid(_) => 5,
            Value::Array(_) | Value::Bag(_) => 6,
            Value::Null => 7,
        }
    }
    rank(a)
        .cmp(&rank(b))
        .then_with(|| ops::compare(a, b).unwrap_or(Ordering::Equal))
}

fn sort(site: &mut Site, asc: bool) -> Result<Node, String> {
    arity(site, 1, 64)?;
    Ok(map_n(site, &[Ty::DYNAMIC], move |a| {
        let mut nulls_last = true;
        let mut arrays = Vec::new();
        for v in a {
            match v {
                Value::Array(items) => arrays.push(items.clone()),
                Value::Bool(b) => nulls_last = *b,
                _ => return Value::Null,
            }
        }
        let Some(first) = arrays.first() else {
            return Value::Null;
        };
        let mut order: Vec<usize> = (0..first.len()).collect();
        order.sort_by(|&i, &j| {
            let (x, y) = (&first[i], &first[j]);
            match (x.is_null(), y.is_null()) {
                (true, false) => {
                    return if nulls_last {
                        Ordering::Greater
                    } else {
                        Ordering::Less
                    };
                }
                (false, true) => {
                    return if nulls_last {
                        Ordering::Less
                    } else {
                        Ordering::Greater
                    };
                }
                _ => {}
            }
            let o = sort_key_cmp(x, y);
            if asc { o } else { o.reverse() }
        });
        if arrays.len() == 1 {
            return Value::Array(Arc::new(order.iter().map(|&i| first[i].clone()).collect()));
        }
        Value::Array(Arc::new(
            arrays
                .iter()
                .map(|arr| {
                    Value::Array(Arc::new(
                        order
                            .iter()
                            .map(|&i| arr.get(i).cloned().unwrap_or_default())
                            .collect(),
                    ))
                })
                .collect(),
        ))
    }))
}

fn shift(site: &mut Site, rotate: bool, left: bool) -> Result<Node, String> {
    arity(site, 2, 3)?;
    Ok(map_n(
        site,
        &[Ty::DYNAMIC, Ty::LONG, Ty::UNKNOWN],
        move |a| {
            let Value::Array(items) = &a[0] else {
                return Value::Null;
            };
            let len = items.len() as i64;
            if len == 0 {
                return Value::Array(items.clone());
            }
            let n = conv::long_of(&a[1]).unwrap_or(0);
            let n = if left { n } else { -n };
            let fill = a.get(2).cloned().unwrap_or_default();
            let out = (0..len)
                .map(|i| {
                    let j = i + n;
                    if rotate {
                        items[j.rem_euclid(len) as usize].clone()
                    } else if (0..len).contains(&j) {
                        items[j as usize].clone()
                    } else {
                        fill.clone()
                    }
                })
                .collect();
            Value::Array(Arc::new(out))
        },
    ))
}

#[derive(Clone, Copy)]
enum SetOp {
    Union,
    Intersect,
    Difference,
}

fn set(site: &mut Site, op: SetOp) -> Result<Node, String> {
    arity(site, 2, 64)?;
    Ok(map_n(site, &[Ty::DYNAMIC], move |a| {
        let mut arrays = Vec::new();
        for v in a {
            match v {
                Value::Array(items) => arrays.push(items.clone()),
                _ => return Value::Null,
            }
        }
        let contains = |set: &[Value], v: &Value| set.iter().any(|x| x == v);
        let mut out: Vec<Value> = Vec::new();
        match op {
            SetOp::Union => {
                for arr in &arrays {
                    for v in arr.iter() {
                        if !contains(&out, v) {
                            out.push(v.clone());
                        }
                    }
                }
            }
            SetOp::Intersect => {
                for v in arrays[0].iter() {
                    if !contains(&out, v) && arrays[1..].iter().all(|arr| contains(arr, v)) {
                        out.push(v.clone());
                    }
                }
            }
            SetOp::Difference => {
                for v in arrays[0].iter() {
                    if !contains(&out, v) && !arrays[1..].iter().any(|arr| contains(arr, v)) {
                        out.push(v.clone());
                    }
                }
            }
        }
        Value::Array(Arc::new(out))
    }))
}

/// JSON text with property bag keys sorted (`dynamic_to_json`'s deterministic form).
fn sorted_json(v: &Value) -> String {
    fn sorted(v: &Value) -> Value {
        match v {
            Value::Array(items) => Value::Array(Arc::new(items.iter().map(sorted).collect())),
            Value::Bag(bag) => {
                let mut entries: Vec<(&Arc<str>, &Value)> = bag.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                let mut out = Bag::new();
                for (k, v) in entries {
                    out.insert(k.clone(), sorted(v));
                }
                Value::Bag(Arc::new(out))
            }
            other => other.clone(),
        }
    }
    match v {
        Value::String(s) => s.to_string(),
        other => sorted(other).to_json_text(),
    }
}

/// `range(start, stop [, step])` as an array (numbers, datetimes, timespans; at most 2^20
/// values, like Kusto).
fn range_array(a: &[Value]) -> Value {
    const MAX: usize = 1 << 20;
    let mut out = Vec::new();
    match (&a[0], &a[1]) {
        (Value::DateTime(x), Value::DateTime(y)) | (Value::TimeSpan(x), Value::TimeSpan(y)) => {
            let step = match a.get(2) {
                Some(Value::TimeSpan(s)) => *s,
                Some(_) => return Value::Null,
                None => crate::eval::time::TICKS_PER_HOUR,
            };
            if step <= 0 {
                return Value::Null;
            }
            let date = matches!(a[0], Value::DateTime(_));
            let mut t = *x;
            while t <= *y && out.len() < MAX {
                out.push(if date {
                    Value::DateTime(t)
                } else {
                    Value::TimeSpan(t)
                });
                t += step;
            }
        }
        (x, y) => {
            let step = a.get(2).cloned().unwrap_or(Value::Long(1));
            let integral = [x, y, &step]
                .iter()
                .all(|v| matches!(v, Value::Int(_) | Value::Long(_)));
            if integral {
                let (Some(x), Some(y), Some(st)) =
                    (conv::long_of(x), conv::long_of(y), conv::long_of(&step))
                else {
                    return Value::Null;
                };
                if st == 0 {
                    return Value::Null;
                }
                let mut v = x;
                while (st > 0 && v <= y || st < 0 && v >= y) && out.len() < MAX {
                    out.push(Value::Long(v));
                    v += st;
                }
            } else {
                let (Some(x), Some(y), Some(st)) =
                    (conv::real_of(x), conv::real_of(y), conv::real_of(&step))
                else {
                    return Value::Null;
                };
                if st == 0.0 || !st.is_finite() {
                    return Value::Null;
                }
                let mut i = 0.0;
                loop {
                    let v = x + i * st;
                    if !(st > 0.0 && v <= y || st < 0.0 && v >= y) || out.len() >= MAX {
                        break;
                    }
                    out.push(Value::Real(v));
                    i += 1.0;
                }
            }
        }
    }
    Value::Array(Arc::new(out))
}

/// The fields of the first CSV record (`""` escapes a quote inside a quoted field).
fn parse_csv(s: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut cur = String::new();
    let mut chars = s.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if quoted {
            if c == '"' {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                }
            } else {
                cur.push(c);
            }
            continue;
        }
        match c {
            '"' if cur.is_empty() => quoted = true,
            ',' => fields.push(std::mem::take(&mut cur)),
            '\n' | '\r' => break,
            c => cur.push(c),
        }
    }
    fields.push(cur);
    fields
}

/// `k1=v1&k2=v2` as a bag (percent-decoded).
fn query_bag(q: &str) -> Value {
    let mut bag = Bag::new();
    for pair in q.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        bag.insert(Arc::from(decode(k).as_str()), Value::from(decode(v)));
    }
    Value::Bag(Arc::new(bag))
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(if bytes[i] == b'+' { b' ' } else { bytes[i] });
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `parse_url`: Scheme, Host, Port, Path, Username, Password, Query Parameters, Fragment.
fn parse_url(url: &str) -> Value {
    let Some((scheme, rest)) = url.split_once("://") else {
        return Value::Null;
    };
    let (rest, fragment) = rest.split_once('#').unwrap_or((rest, ""));
    let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let (userinfo, hostport) = match authority.rfind('@') {
        Some(i) => (&authority[..i], &authority[i + 1..]),
        None => ("", authority),
    };
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let (host, port) = match hostport.rfind(':') {
        Some(i) if !hostport.ends_with(']') => (&hostport[..i], &hostport[i + 1..]),
        _ => (hostport, ""),
    };
    let mut bag = Bag::new();
    for (k, v) in [
        ("Scheme", scheme),
        ("Host", host),
        ("Port", port),
        ("Path", path),
        ("Username", user),
        ("Password", password),
    ] {
        bag.insert(Arc::from(k), Value::string(v));
    }
    bag.insert(Arc::from("Query Parameters"), query_bag(query));
    bag.insert(Arc::from("Fragment"), Value::string(fragment));
    Value::Bag(Arc::new(bag))
}
