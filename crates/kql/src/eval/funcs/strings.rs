//! String functions. Positions and lengths count Unicode code points (Kusto's strings are
//! UTF-8 and `strlen` counts code points).

use std::sync::Arc;

use base64::Engine as _;
use regex::Regex;
use sha2::Digest as _;

use super::{Builder, Node, Site, arity, call, map_n, map1, text, unary};
use crate::eval::conv;
use crate::eval::plan::Ctx;
use crate::eval::regex::{compile, rewrite_template};
use crate::eval::value::Value;
use crate::types::Ty;

pub(super) fn builder(name: &str) -> Option<Builder> {
    Some(match name {
        "strcat" => strcat,
        "strcat_delim" => strcat_delim,
        "strlen" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |v| {
                Value::Long(text(&v).chars().count() as i64)
            }))
        },
        "string_size" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |v| Value::Long(text(&v).len() as i64)))
        },
        "tolower" => |s| str1(s, |t| t.to_lowercase()),
        "toupper" => |s| str1(s, |t| t.to_uppercase()),
        "reverse" => |s| str1(s, |t| t.chars().rev().collect()),
        "substring" => substring,
        "indexof" => indexof,
        "split" => split,
        "strrep" => strrep,
        "strcmp" => |s| {
            arity(s, 2, 2)?;
            Ok(map_n(s, &[Ty::STRING], |a| {
                Value::Int(match text(&a[0]).cmp(&text(&a[1])) {
                    std::cmp::Ordering::Less => -1,
                    std::cmp::Ordering::Equal => 0,
                    std::cmp::Ordering::Greater => 1,
                })
            }))
        },
        "replace_strings" => |s| {
            arity(s, 3, 3)?;
            Ok(map_n(s, &[Ty::STRING, Ty::DYNAMIC], |a| {
                let (Value::Array(lookups), Value::Array(rewrites)) = (&a[1], &a[2]) else {
                    return Value::Null;
                };
                let pairs: Vec<(&str, Option<&str>)> = lookups
                    .iter()
                    .enumerate()
                    .filter_map(|(i, l)| match l {
                        Value::String(l) if !l.is_empty() => Some((
                            &**l,
                            match rewrites.get(i) {
                                Some(Value::String(r)) => Some(&**r),
                                _ => None,
                            },
                        )),
                        _ => None,
                    })
                    .collect();
                let s = text(&a[0]);
                // earlier lookups win: each lookup replaces its non-overlapping matches in the
                // text the earlier ones left untouched
                let mut taken: Vec<(usize, usize, usize)> = Vec::new();
                for (k, (l, _)) in pairs.iter().enumerate() {
                    let mut from = 0;
                    while let Some(pos) = s[from..].find(l) {
                        let (start, end) = (from + pos, from + pos + l.len());
                        if taken.iter().all(|&(a, b, _)| end <= a || start >= b) {
                            taken.push((start, end, k));
                            from = end;
                        } else {
                            from = start + s[start..].chars().next().map_or(1, char::len_utf8);
                        }
                    }
                }
                taken.sort_unstable();
                let mut out = String::with_capacity(s.len());
                let mut at = 0;
                for (start, end, k) in taken {
                    out.push_str(&s[at..start]);
                    out.push_str(pairs[k].1.unwrap_or(&s[start..end]));
                    at = end;
                }
                out.push_str(&s[at..]);
                Value::from(out)
            }))
        },
        "base64_decode_toarray" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(
                s,
                Ty::STRING,
                |v| match base64::engine::general_purpose::STANDARD.decode(text(&v).as_bytes()) {
                    Ok(bytes) => Value::Array(Arc::new(
                        bytes
                            .into_iter()
                            .map(|b| Value::Long(i64::from(b)))
                            .collect(),
                    )),
                    Err(_) => Value::Null,
                },
            ))
        },
        "base64_encode_fromarray" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::DYNAMIC, |v| {
                let Value::Array(items) = v else {
                    return Value::string("");
                };
                let mut bytes = Vec::with_capacity(items.len());
                for i in items.iter() {
                    match conv::long_of(i).and_then(|l| u8::try_from(l).ok()) {
                        Some(b) => bytes.push(b),
                        None => return Value::string(""),
                    }
                }
                Value::from(base64::engine::general_purpose::STANDARD.encode(bytes))
            }))
        },
        "bitset_count_ones" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::LONG, |v| match v {
                Value::Long(l) => Value::Long(i64::from(l.count_ones())),
                _ => Value::Null,
            }))
        },
        "replace_string" => replace_string,
        "replace_regex" => |s| replace_regex(s, [0, 1, 2]),
        // the deprecated `replace(regex, rewrite, text)`
        "replace" => |s| replace_regex(s, [2, 0, 1]),
        "extract" => extract,
        "extract_all" => extract_all,
        "countof" => countof,
        "trim" => |s| trim(s, true, true),
        "trim_start" => |s| trim(s, true, false),
        "trim_end" => |s| trim(s, false, true),
        "base64_encode_tostring" | "base64_encodestring" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |v| {
                Value::from(base64::engine::general_purpose::STANDARD.encode(text(&v).as_bytes()))
            }))
        },
        "base64_decode_tostring" | "base64_decodestring" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |v| {
                base64::engine::general_purpose::STANDARD
                    .decode(text(&v).as_bytes())
                    .ok()
                    .and_then(|b| String::from_utf8(b).ok())
                    .map_or(Value::string(""), Value::from)
            }))
        },
        "hash_sha256" => |s| {
            arity(s, 1, 1)?;
            let a = s.args.remove(0);
            Ok(unary(a.node, |v, _| {
                let digest = sha2::Sha256::digest(text(&v).as_bytes());
                Value::from(hex(&digest))
            }))
        },
        "url_encode" | "url_encode_component" => |s| {
            let component = s.name == "url_encode_component";
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, move |v| {
                Value::from(url_encode(&text(&v), component))
            }))
        },
        "url_decode" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |v| match url_decode(&text(&v)) {
                Some(d) => Value::from(d),
                None => Value::string(""),
            }))
        },
        "tohex" => |s| {
            arity(s, 1, 2)?;
            let bits32 = s.args[0].ty == Ty::INT;
            Ok(map_n(s, &[Ty::LONG, Ty::LONG], move |a| {
                let Some(n) = conv::long_of(&a[0]).filter(|_| !a[0].is_null()) else {
                    return Value::string("");
                };
                let width = a.get(1).and_then(conv::long_of).unwrap_or(0).clamp(0, 16) as usize;
                let digits = if bits32 {
                    format!("{:x}", n as i32 as u32)
                } else {
                    format!("{n:x}")
                };
                Value::from(format!("{digits:0>width$}"))
            }))
        },
        "strcat_array" => |s| {
            arity(s, 2, 2)?;
            Ok(map_n(s, &[Ty::DYNAMIC, Ty::STRING], |a| match &a[0] {
                Value::Array(items) => Value::from(
                    items
                        .iter()
                        .map(|v| text(v).into_owned())
                        .collect::<Vec<_>>()
                        .join(&text(&a[1])),
                ),
                _ => Value::string(""),
            }))
        },
        "translate" => translate,
        "isascii" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |v| Value::Bool(text(&v).is_ascii())))
        },
        "isutf8" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |_| Value::Bool(true)))
        },
        "unicode_codepoints_from_string" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |v| {
                Value::Array(Arc::new(
                    text(&v).chars().map(|c| Value::Int(c as i32)).collect(),
                ))
            }))
        },
        "unicode_codepoints_to_string" => |s| {
            arity(s, 1, 64)?;
            Ok(map_n(s, &[Ty::DYNAMIC], |a| {
                let mut out = String::new();
                for v in a {
                    let items: Vec<&Value> = match v {
                        Value::Array(items) => items.iter().collect(),
                        other => vec![other],
                    };
                    for item in items {
                        match conv::long_of(item)
                            .and_then(|l| u32::try_from(l).ok())
                            .and_then(char::from_u32)
                        {
                            Some(c) => out.push(c),
                            None => return Value::string(""),
                        }
                    }
                }
                Value::from(out)
            }))
        },
        "indexof_regex" => indexof_regex,
        _ => return None,
    })
}

/// The longest string `strrep` builds (Kusto's string values are at most 1 MB).
const MAX_STRING: usize = 1 << 20;

fn str1(site: &mut Site, f: fn(&str) -> String) -> Result<Node, String> {
    arity(site, 1, 1)?;
    Ok(map1(site, Ty::STRING, move |v| Value::from(f(&text(&v)))))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

fn strcat(site: &mut Site) -> Result<Node, String> {
    arity(site, 1, 64)?;
    let nodes = site.nodes();
    Ok(call(
        Arc::new(|args: &[Value], _: &Ctx| {
            let mut out = String::new();
            for a in args {
                a.write_kusto_string(&mut out);
            }
            Value::from(out)
        }),
        nodes,
    ))
}

fn strcat_delim(site: &mut Site) -> Result<Node, String> {
    arity(site, 2, 65)?;
    let nodes = site.nodes();
    Ok(call(
        Arc::new(|args: &[Value], _: &Ctx| {
            let (delim, rest) = args.split_first().expect("delimiter");
            let delim = text(delim);
            let mut out = String::new();
            for (i, a) in rest.iter().enumerate() {
                if i > 0 {
                    out.push_str(&delim);
                }
                a.write_kusto_string(&mut out);
            }
            Value::from(out)
        }),
        nodes,
    ))
}

/// The byte offset of character `n` (the length when `n` is past the end).
fn char_offset(s: &str, n: usize) -> usize {
    s.char_indices().nth(n).map_or(s.len(), |(i, _)| i)
}

fn substring(site: &mut Site) -> Result<Node, String> {
    arity(site, 2, 3)?;
    Ok(map_n(site, &[Ty::STRING, Ty::LONG, Ty::LONG], |a| {
        let s = text(&a[0]);
        let len = s.chars().count() as i64;
        let Some(mut start) = conv::long_of(&a[1]).filter(|_| !a[1].is_null()) else {
            return Value::string("");
        };
        if start < 0 {
            start = (len + start).max(0);
        }
        let count = match a.get(2) {
            Some(v) if !v.is_null() => conv::long_of(v).unwrap_or(0),
            _ => len,
        };
        if start >= len || count <= 0 {
            return Value::string("");
        }
        let end = (start + count).min(len);
        let b0 = char_offset(&s, start as usize);
        let b1 = char_offset(&s, end as usize);
        Value::string(&s[b0..b1])
    }))
}

fn indexof(site: &mut Site) -> Result<Node, String> {
    arity(site, 2, 5)?;
    Ok(map_n(
        site,
        &[Ty::STRING, Ty::STRING, Ty::LONG, Ty::LONG, Ty::LONG],
        |a| {
            let s = text(&a[0]);
            let needle = text(&a[1]);
            let arg = |i: usize, d: i64| match a.get(i) {
                Some(v) if !v.is_null() => conv::long_of(v),
                Some(_) => None,
                None => Some(d),
            };
            let (Some(mut start), Some(length), Some(occurrence)) =
                (arg(2, 0), arg(3, -1), arg(4, 1))
            else {
                return Value::Null;
            };
            let len = s.chars().count() as i64;
            if start < 0 {
                start = (len + start).max(0);
            }
            if length < -1 || occurrence < 0 {
                return Value::Null;
            }
            if start > len {
                return Value::Long(-1);
            }
            // the examined characters are start ..= start + length (Kusto's documented results)
            let end = if length == -1 {
                len
            } else {
                (start + length + 1).min(len)
            };
            let b0 = char_offset(&s, start as usize);
            let b1 = char_offset(&s, end as usize);
            let hay = &s[b0..b1];
            let mut found = 0;
            let mut from = 0;
            while let Some(pos) = hay[from..].find(&*needle) {
                found += 1;
                let at = from + pos;
                if found >= occurrence.max(1) {
                    return Value::Long(start + hay[..at].chars().count() as i64);
                }
                from = at + hay[at..].chars().next().map_or(1, char::len_utf8);
                if from > hay.len() {
                    break;
                }
            }
            Value::Long(-1)
        },
    ))
}

fn split(site: &mut Site) -> Result<Node, String> {
    arity(site, 2, 3)?;
    Ok(map_n(site, &[Ty::STRING, Ty::STRING, Ty::LONG], |a| {
        let s = text(&a[0]);
        let d = text(&a[1]);
        let parts: Vec<Value> = if d.is_empty() {
            vec![Value::string(&s)]
        } else {
            s.split(&*d).map(Value::string).collect()
        };
        match a.get(2) {
            Some(v) if !v.is_null() => {
                let i = conv::long_of(v).unwrap_or(-1);
                let one = usize::try_from(i)
                    .ok()
                    .and_then(|i| parts.get(i).cloned())
                    .into_iter()
                    .collect();
                Value::Array(Arc::new(one))
            }
            _ => Value::Array(Arc::new(parts)),
        }
    }))
}

fn strrep(site: &mut Site) -> Result<Node, String> {
    arity(site, 2, 3)?;
    Ok(map_n(site, &[Ty::STRING, Ty::LONG, Ty::STRING], |a| {
        let s = text(&a[0]);
        let n = conv::long_of(&a[1]).unwrap_or(0).clamp(0, 1024) as usize;
        let delim = a.get(2).map(|d| text(d).into_owned()).unwrap_or_default();
        // a string value is at most 1 MB (Kusto truncates longer values at ingestion)
        if (s.len() + delim.len()).saturating_mul(n) > MAX_STRING {
            return Value::Null;
        }
        Value::from(vec![s.into_owned(); n].join(&delim))
    }))
}

fn replace_string(site: &mut Site) -> Result<Node, String> {
    arity(site, 3, 3)?;
    Ok(map_n(site, &[Ty::STRING], |a| {
        let (s, from, to) = (text(&a[0]), text(&a[1]), text(&a[2]));
        if from.is_empty() {
            return Value::string(&s);
        }
        Value::from(s.replace(&*from, &to))
    }))
}

/// A regular expression argument compiled once when constant.
enum Pattern {
    Fixed(Arc<Regex>),
    PerRow,
}

fn pattern_arg(site: &Site, i: usize) -> Result<Pattern, String> {
    match site.const_str(i) {
        Some(p) => compile(&p, "")
            .map(Pattern::Fixed)
            .map_err(|e| format!("{}(): invalid regular expression: {e}", site.name)),
        None => Ok(Pattern::PerRow),
    }
}

fn regex_of(fixed: &Pattern, v: &Value) -> Option<Arc<Regex>> {
    match fixed {
        Pattern::Fixed(re) => Some(re.clone()),
        Pattern::PerRow => compile(&text(v), "").ok(),
    }
}

/// `order` gives the argument positions of (source, regex, rewrite).
fn replace_regex(site: &mut Site, order: [usize; 3]) -> Result<Node, String> {
    arity(site, 3, 3)?;
    let [src, re_i, rw_i] = order;
    let pattern = pattern_arg(site, re_i)?;
    Ok(map_n(site, &[Ty::STRING], move |a| {
        let Some(re) = regex_of(&pattern, &a[re_i]) else {
            return Value::Null;
        };
        let template = rewrite_template(&text(&a[rw_i]));
        Value::from(
            re.replace_all(&text(&a[src]), template.as_str())
                .into_owned(),
        )
    }))
}

fn extract(site: &mut Site) -> Result<Node, String> {
    arity(site, 3, 4)?;
    let target = site
        .args
        .get(3)
        .and_then(|a| a.type_of)
        .unwrap_or(Ty::STRING);
    site.args.truncate(3);
    let pattern = pattern_arg(site, 0)?;
    Ok(map_n(site, &[Ty::STRING, Ty::LONG, Ty::STRING], move |a| {
        let miss = || {
            if target == Ty::STRING {
                Value::string("")
            } else {
                Value::Null
            }
        };
        let Some(re) = regex_of(&pattern, &a[0]) else {
            return miss();
        };
        let Some(group) = conv::long_of(&a[1]).and_then(|g| usize::try_from(g).ok()) else {
            return miss();
        };
        let s = text(&a[2]);
        match re.captures(&s).and_then(|c| c.get(group)) {
            Some(m) => conv::conform(Value::string(m.as_str()), target),
            None => miss(),
        }
    }))
}

fn extract_all(site: &mut Site) -> Result<Node, String> {
    arity(site, 2, 3)?;
    let pattern = pattern_arg(site, 0)?;
    let with_groups = site.args.len() == 3;
    let types: &[Ty] = if with_groups {
        &[Ty::STRING, Ty::DYNAMIC, Ty::STRING]
    } else {
        &[Ty::STRING, Ty::STRING]
    };
    Ok(map_n(site, types, move |a| {
        let Some(re) = regex_of(&pattern, &a[0]) else {
            return Value::Null;
        };
        let s = text(&a[a.len() - 1]);
        let groups: Vec<usize> = if with_groups {
            let Value::Array(sel) = &a[1] else {
                return Value::Null;
            };
            let mut out = Vec::new();
            for g in sel.iter() {
                let index = match g {
                    Value::String(name) => re.capture_names().position(|n| n == Some(&**name)),
                    other => conv::long_of(other).and_then(|l| usize::try_from(l).ok()),
                };
                match index.filter(|i| *i >= 1 && *i < re.captures_len()) {
                    Some(i) => out.push(i),
                    None => return Value::Null,
                }
            }
            out
        } else {
            (1..re.captures_len()).collect()
        };
        if groups.is_empty() {
            return Value::Null;
        }
        let mut matches = Vec::new();
        for caps in re.captures_iter(&s) {
            let value = |i: usize| {
                caps.get(i)
                    .map_or(Value::string(""), |m| Value::string(m.as_str()))
            };
            if groups.len() == 1 {
                matches.push(value(groups[0]));
            } else {
                matches.push(Value::Array(Arc::new(
                    groups.iter().map(|&g| value(g)).collect(),
                )));
            }
        }
        if matches.is_empty() {
            Value::Null
        } else {
            Value::Array(Arc::new(matches))
        }
    }))
}

fn countof(site: &mut Site) -> Result<Node, String> {
    arity(site, 2, 3)?;
    let kind = match site.args.get(2) {
        None => "normal".to_string(),
        Some(a) => match a.constant() {
            Some(v) => v.to_kusto_string(),
            None => return Err("countof(): the kind must be a constant".into()),
        },
    };
    site.args.truncate(2);
    match kind.as_str() {
        "normal" => Ok(map_n(site, &[Ty::STRING], |a| {
            let (s, needle) = (text(&a[0]), text(&a[1]));
            if needle.is_empty() {
                return Value::Long(0);
            }
            let mut n = 0;
            let mut from = 0;
            while let Some(pos) = s[from..].find(&*needle) {
                n += 1;
                let at = from + pos;
                from = at + s[at..].chars().next().map_or(1, char::len_utf8);
            }
            Value::Long(n)
        })),
        "regex" => {
            let pattern = pattern_arg(site, 1)?;
            Ok(map_n(site, &[Ty::STRING], move |a| {
                match regex_of(&pattern, &a[1]) {
                    Some(re) => Value::Long(re.find_iter(&text(&a[0])).count() as i64),
                    None => Value::Null,
                }
            }))
        }
        other => Err(format!(
            "countof(): unknown kind '{other}' (normal or regex)"
        )),
    }
}

/// The leading and trailing regular expressions of `trim`, `trim_start`, `trim_end`.
type TrimRegexes = (Option<Arc<Regex>>, Option<Arc<Regex>>);

fn trim_regexes(p: &str, start: bool, end: bool) -> Result<TrimRegexes, String> {
    let lead = if start {
        Some(compile(&format!("^(?:{p})+"), "")?)
    } else {
        None
    };
    let tail = if end {
        Some(compile(&format!("(?:{p})+$"), "")?)
    } else {
        None
    };
    Ok((lead, tail))
}

fn trim(site: &mut Site, start: bool, end: bool) -> Result<Node, String> {
    arity(site, 2, 2)?;
    let fixed = match site.const_str(0) {
        Some(p) => Some(trim_regexes(&p, start, end).map_err(|e| format!("{}(): {e}", site.name))?),
        None => None,
    };
    Ok(map_n(site, &[Ty::STRING], move |a| {
        let owned;
        let res = match &fixed {
            Some(r) => r,
            None => match trim_regexes(&text(&a[0]), start, end) {
                Ok(r) => {
                    owned = r;
                    &owned
                }
                Err(_) => return Value::Null,
            },
        };
        let s = text(&a[1]);
        let mut out: &str = &s;
        if let Some(lead) = &res.0
            && let Some(m) = lead.find(out)
        {
            out = &out[m.end()..];
        }
        if let Some(tail) = &res.1
            && let Some(m) = tail.find(out)
        {
            out = &out[..m.start()];
        }
        Value::string(out)
    }))
}

fn translate(site: &mut Site) -> Result<Node, String> {
    arity(site, 3, 3)?;
    Ok(map_n(site, &[Ty::STRING], |a| {
        let from: Vec<char> = text(&a[0]).chars().collect();
        let to: Vec<char> = text(&a[1]).chars().collect();
        let out: String = text(&a[2])
            .chars()
            .filter_map(|c| match from.iter().position(|f| *f == c) {
                None => Some(c),
                Some(_) if to.is_empty() => None,
                Some(i) => Some(*to.get(i).unwrap_or(to.last().expect("non-empty"))),
            })
            .collect();
        Value::from(out)
    }))
}

fn indexof_regex(site: &mut Site) -> Result<Node, String> {
    arity(site, 2, 5)?;
    let pattern = pattern_arg(site, 1)?;
    Ok(map_n(
        site,
        &[Ty::STRING, Ty::STRING, Ty::LONG, Ty::LONG, Ty::LONG],
        move |a| {
            let Some(re) = regex_of(&pattern, &a[1]) else {
                return Value::Null;
            };
            let arg = |i: usize, d: i64| match a.get(i) {
                Some(v) if !v.is_null() => conv::long_of(v),
                Some(_) => None,
                None => Some(d),
            };
            let (Some(start), Some(length), Some(occurrence)) = (arg(2, 0), arg(3, -1), arg(4, 1))
            else {
                return Value::Null;
            };
            if start < 0 || length < -1 || occurrence < 0 {
                return Value::Null;
            }
            let s = text(&a[0]);
            let len = s.chars().count() as i64;
            if start > len {
                return Value::Long(-1);
            }
            let end = if length == -1 {
                len
            } else {
                (start + length).min(len)
            };
            let b0 = char_offset(&s, start as usize);
            let b1 = char_offset(&s, end as usize);
            let hay = &s[b0..b1];
            match re.find_iter(hay).nth(occurrence.max(1) as usize - 1) {
                Some(m) => Value::Long(start + hay[..m.start()].chars().count() as i64),
                None => Value::Long(-1),
            }
        },
    ))
}

/// Percent-encodes like .NET's `HttpUtility.UrlEncode` (`url_encode`: lower-case hex, space as
/// `+`, unreserved `A-Z a-z 0-9 - _ . ! * ( )`) or `Uri.EscapeDataString`
/// (`url_encode_component`: space as `%20`, unreserved `A-Z a-z 0-9 - _ . ~`); the
/// documentation's examples show lower-case hexadecimal for both.
fn url_encode(s: &str, component: bool) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        let keep = b.is_ascii_alphanumeric()
            || matches!(b, b'-' | b'_' | b'.')
            || (!component && matches!(b, b'!' | b'*' | b'(' | b')'))
            || (component && b == b'~');
        if keep {
            out.push(b as char);
        } else if b == b' ' && !component {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02x}"));
        }
    }
    out
}

fn url_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' => {
                let h = s.get(i + 1..i + 3)?;
                out.push(u8::from_str_radix(h, 16).ok()?);
                i += 3;
            }
            b'+' => {
                out.push(b' ');
                i += 1;
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}
