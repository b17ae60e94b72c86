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
        "array_length" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::Dynamic, |v| match v {
                Value::Array(items) => Value::Long(items.len() as i64),
                _ => Value::Null,
            }))
        },
        "array_concat" => |s| {
            arity(s, 1, 64)?;
            Ok(map_n(s, &[Ty::Dynamic], |a| {
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
            Ok(map_n(s, &[Ty::Dynamic], |a| {
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
            Ok(map_n(s, &[Ty::Dynamic, Ty::Unknown, Ty::Long], |a| {
                let Value::Array(items) = &a[0] else {
                    return Value::Null;
                };
                let start = a.get(2).and_then(conv::long_of).unwrap_or(0).max(0) as usize;
                let pos = items
                    .iter()
                    .enumerate()
                    .skip(start)
                    .find(|(_, v)| !v.is_null() && ops::equal(v, &a[1]))
                    .map_or(-1, |(i, _)| i as i64);
                Value::Long(pos)
            }))
        },
        "array_slice" => |s| {
            arity(s, 3, 3)?;
            Ok(map_n(s, &[Ty::Dynamic, Ty::Long], |a| {
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
            Ok(map1(s, Ty::Dynamic, |v| match v {
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
            Ok(map1(s, Ty::Dynamic, |v| match v {
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
            Ok(map_n(s, &[Ty::Dynamic], |a| {
                let (Value::Array(c), Value::Array(x), Value::Array(y)) = (&a[0], &a[1], &a[2])
                else {
                    return Value::Null;
                };
                let n = c.len().min(x.len().max(y.len()));
                let out = (0..c.len().min(n.max(c.len())))
                    .map(|i| {
                        let pick = match &c[i] {
                            Value::Bool(b) => Some(*b),
                            v @ (Value::Int(_) | Value::Long(_) | Value::Real(_)) => {
                                conv::real_of(v).map(|r| r != 0.0)
                            }
                            _ => None,
                        };
                        match pick {
                            Some(true) => x.get(i).cloned().unwrap_or_default(),
                            Some(false) => y.get(i).cloned().unwrap_or_default(),
                            None => Value::Null,
                        }
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
            Ok(map_n(s, &[Ty::Dynamic], |a| {
                let Value::Array(items) = &a[0] else {
                    return Value::Null;
                };
                let mut cuts: Vec<usize> = match &a[1] {
                    Value::Array(c) => c.iter().filter_map(conv::long_of).map(|i| norm_index(i, items.len())).collect(),
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
            Ok(map1(s, Ty::Dynamic, |v| match v {
                Value::Bag(bag) => Value::Array(Arc::new(
                    bag.iter().map(|(k, _)| Value::String(k.clone())).collect(),
                )),
                _ => Value::Null,
            }))
        },
        "bag_has_key" => |s| {
            arity(s, 2, 2)?;
            Ok(map_n(s, &[Ty::Dynamic, Ty::String], |a| match &a[0] {
                Value::Bag(bag) => Value::Bool(path_get(bag, &text(&a[1])).is_some()),
                _ => Value::Null,
            }))
        },
        "bag_merge" => |s| {
            arity(s, 2, 64)?;
            Ok(map_n(s, &[Ty::Dynamic], |a| {
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
            Ok(map_n(s, &[Ty::Dynamic], |a| {
                let (Value::Bag(bag), Value::Array(keys)) = (&a[0], &a[1]) else {
                    return Value::Null;
                };
                let mut out = (**bag).clone();
                for k in keys.iter() {
                    out.remove(&text(k));
                }
                Value::Bag(Arc::new(out))
            }))
        },
        "bag_set_key" => |s| {
            arity(s, 3, 3)?;
            Ok(map_n(s, &[Ty::Dynamic, Ty::String, Ty::Dynamic], |a| {
                let Value::Bag(bag) = &a[0] else {
                    return Value::Null;
                };
                let mut out = (**bag).clone();
                out.insert(Arc::from(text(&a[1]).as_ref()), a[2].clone());
                Value::Bag(Arc::new(out))
            }))
        },
        "set_has_element" => |s| {
            arity(s, 2, 2)?;
            Ok(map_n(s, &[Ty::Dynamic, Ty::Unknown], |a| match &a[0] {
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
            Ok(map1(s, Ty::Dynamic, |v| Value::from(sorted_json(&v))))
        },
        "parse_xml" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::String, |v| {
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

/// A property by a `['a']['b']` / `a.b` path or a plain key.
fn path_get<'a>(bag: &'a Bag, key: &str) -> Option<&'a Value> {
    if let Some(v) = bag.get(key) {
        return Some(v);
    }
    let path = key.strip_prefix('$').unwrap_or(key);
    let mut cur: Option<&Value> = None;
    let mut first = true;
    for part in path
        .split(['.', '['])
        .map(|p| p.trim_end_matches(']').trim_matches(['\'', '"']))
        .filter(|p| !p.is_empty())
    {
        cur = if first {
            first = false;
            bag.get(part)
        } else {
            match cur? {
                Value::Bag(b) => b.get(part),
                _ => None,
            }
        };
    }
    cur
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
    Ok(map_n(site, &[Ty::Dynamic], move |a| {
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
                (true, false) => return if nulls_last { Ordering::Greater } else { Ordering::Less },
                (false, true) => return if nulls_last { Ordering::Less } else { Ordering::Greater },
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
    Ok(map_n(site, &[Ty::Dynamic, Ty::Long, Ty::Unknown], move |a| {
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
    }))
}

#[derive(Clone, Copy)]
enum SetOp {
    Union,
    Intersect,
    Difference,
}

fn set(site: &mut Site, op: SetOp) -> Result<Node, String> {
    arity(site, 2, 64)?;
    Ok(map_n(site, &[Ty::Dynamic], move |a| {
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
