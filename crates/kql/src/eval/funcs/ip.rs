//! IPv4 functions: parsing with IP-prefix notation (`10.1.2.3/24`), comparison and matching
//! under a mask, ranges, private addresses, formatting, and the text searches `has_ipv4`,
//! `has_ipv4_prefix`, `has_any_ipv4`, `has_any_ipv4_prefix` (addresses delimited by
//! characters that are neither alphanumeric nor dots).

use std::sync::Arc;

use super::{Builder, Node, Site, arity, map_n, map1, text};
use crate::eval::conv;
use crate::eval::value::Value;
use crate::types::Ty;

pub(super) fn builder(name: &str) -> Option<Builder> {
    Some(match name {
        "parse_ipv4" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |v| match parse(&text(&v)) {
                Some((ip, bits)) => Value::Long(i64::from(ip & mask(bits))),
                None => Value::Null,
            }))
        },
        "parse_ipv4_mask" => |s| {
            arity(s, 2, 2)?;
            Ok(map_n(s, &[Ty::STRING, Ty::LONG], |a| {
                match (parse(&text(&a[0])), prefix_arg(&a[1])) {
                    (Some((ip, bits)), Some(p)) => Value::Long(i64::from(ip & mask(bits.min(p)))),
                    _ => Value::Null,
                }
            }))
        },
        "ipv4_is_private" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |v| match parse(&text(&v)) {
                Some((ip, _)) => Value::Bool(
                    ip >> 24 == 10 || ip >> 20 == (172 << 4 | 1) || ip >> 16 == (192 << 8 | 168),
                ),
                None => Value::Null,
            }))
        },
        "ipv4_compare" => |s| compare(s, false),
        "ipv4_is_match" => |s| compare(s, true),
        "ipv4_is_in_range" => |s| {
            arity(s, 2, 2)?;
            Ok(map_n(s, &[Ty::STRING], |a| {
                match (parse(&text(&a[0])), parse(&text(&a[1]))) {
                    (Some((ip, _)), Some((net, bits))) => {
                        Value::Bool(ip & mask(bits) == net & mask(bits))
                    }
                    _ => Value::Null,
                }
            }))
        },
        "ipv4_is_in_any_range" => |s| {
            arity(s, 2, 64)?;
            Ok(map_n(s, &[Ty::STRING, Ty::UNKNOWN], |a| {
                let Some((ip, _)) = parse(&text(&a[0])) else {
                    return Value::Null;
                };
                let mut ranges = Vec::new();
                for v in &a[1..] {
                    match v {
                        Value::Array(items) => ranges.extend(items.iter().cloned()),
                        other => ranges.push(other.clone()),
                    }
                }
                let mut any = false;
                for r in &ranges {
                    match parse(&text(r)) {
                        Some((net, bits)) => any |= ip & mask(bits) == net & mask(bits),
                        None => return Value::Null,
                    }
                }
                Value::Bool(any)
            }))
        },
        "ipv4_netmask_suffix" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::STRING, |v| match parse(&text(&v)) {
                Some((_, bits)) => Value::Int(bits as i32),
                None => Value::Null,
            }))
        },
        "format_ipv4" => |s| format(s, false),
        "format_ipv4_mask" => |s| format(s, true),
        "ipv4_range_to_cidr_list" => |s| {
            arity(s, 2, 2)?;
            Ok(map_n(s, &[Ty::STRING], |a| {
                match (parse(&text(&a[0])), parse(&text(&a[1]))) {
                    (Some((lo, _)), Some((hi, _))) if lo <= hi => Value::Array(Arc::new(
                        cidrs(lo, hi).into_iter().map(Value::from).collect(),
                    )),
                    _ => Value::Null,
                }
            }))
        },
        "has_ipv4" => |s| search(s, false, false),
        "has_ipv4_prefix" => |s| search(s, true, false),
        "has_any_ipv4" => |s| search(s, false, true),
        "has_any_ipv4_prefix" => |s| search(s, true, true),
        _ => return None,
    })
}

/// `a.b.c.d[/n]`: the address and the prefix length (32 without a suffix).
pub(crate) fn parse(s: &str) -> Option<(u32, u32)> {
    let s = s.trim();
    let (addr, bits) = match s.split_once('/') {
        Some((a, b)) => (a, b.trim().parse::<u32>().ok().filter(|b| *b <= 32)?),
        None => (s, 32),
    };
    Some((octets(addr)?, bits))
}

fn octets(addr: &str) -> Option<u32> {
    let mut ip: u32 = 0;
    let mut n = 0;
    for part in addr.trim().split('.') {
        if part.is_empty() || part.len() > 3 || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let v: u32 = part.parse().ok()?;
        if v > 255 {
            return None;
        }
        ip = ip << 8 | v;
        n += 1;
    }
    (n == 4).then_some(ip)
}

fn mask(bits: u32) -> u32 {
    if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    }
}

fn prefix_arg(v: &Value) -> Option<u32> {
    conv::long_of(v)
        .filter(|_| !v.is_null())
        .and_then(|p| u32::try_from(p).ok())
        .filter(|p| *p <= 32)
}

fn dotted(ip: u32) -> String {
    format!(
        "{}.{}.{}.{}",
        ip >> 24,
        ip >> 16 & 255,
        ip >> 8 & 255,
        ip & 255
    )
}

fn compare(site: &mut Site, is_match: bool) -> Result<Node, String> {
    arity(site, 2, 3)?;
    Ok(map_n(site, &[Ty::STRING, Ty::STRING, Ty::LONG], move |a| {
        let (Some((x, bx)), Some((y, by))) = (parse(&text(&a[0])), parse(&text(&a[1]))) else {
            return Value::Null;
        };
        let mut bits = bx.min(by);
        if let Some(p) = a.get(2) {
            match prefix_arg(p) {
                Some(p) => bits = bits.min(p),
                None => return Value::Null,
            }
        }
        let (x, y) = (x & mask(bits), y & mask(bits));
        if is_match {
            Value::Bool(x == y)
        } else {
            Value::Int(match x.cmp(&y) {
                std::cmp::Ordering::Less => -1,
                std::cmp::Ordering::Equal => 0,
                std::cmp::Ordering::Greater => 1,
            })
        }
    }))
}

fn format(site: &mut Site, with_mask: bool) -> Result<Node, String> {
    arity(site, 1, 2)?;
    Ok(map_n(site, &[Ty::UNKNOWN, Ty::LONG], move |a| {
        let parsed = match &a[0] {
            Value::String(s) => parse(s),
            v @ (Value::Int(_) | Value::Long(_)) => conv::long_of(v)
                .and_then(|l| u32::try_from(l).ok())
                .map(|ip| (ip, 32)),
            _ => None,
        };
        let Some((ip, mut bits)) = parsed else {
            return Value::string("");
        };
        if let Some(p) = a.get(1) {
            match prefix_arg(p) {
                Some(p) => bits = bits.min(p),
                None => return Value::string(""),
            }
        }
        let ip = ip & mask(bits);
        Value::from(if with_mask {
            format!("{}/{bits}", dotted(ip))
        } else {
            dotted(ip)
        })
    }))
}

/// The smallest list of CIDR blocks covering `lo ..= hi`.
fn cidrs(lo: u32, hi: u32) -> Vec<String> {
    let mut out = Vec::new();
    let (mut cur, hi) = (u64::from(lo), u64::from(hi));
    while cur <= hi {
        let mut size = if cur == 0 {
            32
        } else {
            cur.trailing_zeros().min(32)
        };
        while size > 0 && cur + (1u64 << size) - 1 > hi {
            size -= 1;
        }
        out.push(format!("{}/{}", dotted(cur as u32), 32 - size));
        cur += 1u64 << size;
    }
    out
}

/// The runs of digits and dots of a text that are delimited by non-alphanumeric characters
/// (`abc10.0.0.1` and `54127.0.0.1` are not addresses).
fn delimited(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut start = None;
    for i in 0..=bytes.len() {
        let c = bytes.get(i).copied();
        let in_token = c.is_some_and(|c| c.is_ascii_digit() || c == b'.');
        match (start, in_token) {
            (None, true) => start = Some(i),
            (Some(s), false) => {
                let before_ok = s == 0 || !bytes[s - 1].is_ascii_alphanumeric();
                let after_ok = c.is_none_or(|c| !c.is_ascii_alphanumeric());
                if before_ok && after_ok {
                    out.push(&text[s..i]);
                }
                start = None;
            }
            _ => {}
        }
    }
    out
}

fn search(site: &mut Site, prefix: bool, any: bool) -> Result<Node, String> {
    if any {
        arity(site, 2, 64)?;
    } else {
        arity(site, 2, 2)?;
    }
    Ok(map_n(site, &[Ty::STRING, Ty::UNKNOWN], move |a| {
        let mut wanted = Vec::new();
        for v in &a[1..] {
            match v {
                Value::Array(items) => wanted.extend(items.iter().map(|i| text(i).into_owned())),
                other => wanted.push(text(other).into_owned()),
            }
        }
        let valid: Vec<&String> = wanted
            .iter()
            .filter(|w| {
                if prefix && w.ends_with('.') {
                    let n = w.matches('.').count();
                    (1..=3).contains(&n)
                        && octets(&format!("{w}{}", "0.".repeat(4 - n).trim_end_matches('.')))
                            .is_some()
                } else {
                    octets(w).is_some()
                }
            })
            .collect();
        let hay = text(&a[0]);
        let found = delimited(&hay).iter().any(|tok| {
            octets(tok).is_some()
                && valid.iter().any(|w| {
                    if prefix {
                        tok.starts_with(w.as_str())
                    } else {
                        *tok == w.as_str()
                    }
                })
        });
        Value::Bool(found)
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cidr_blocks() {
        let lo = octets("1.1.128.0").unwrap();
        let hi = octets("1.1.140.255").unwrap();
        assert_eq!(
            cidrs(lo, hi),
            ["1.1.128.0/21", "1.1.136.0/22", "1.1.140.0/24"]
        );
        assert_eq!(parse("10.1.2.3/24"), Some((0x0A01_0203, 24)));
        assert_eq!(parse("10.1.2.256"), None);
    }
}
