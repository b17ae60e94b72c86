//! Date and time functions: the clock (`now`, `ago`), calendar parts, start/end of periods,
//! `datetime_add`/`datetime_diff`/`datetime_part`, constructors, Unix-time conversions and
//! `format_datetime`/`format_timespan`.

use std::sync::Arc;

use super::{Builder, Node, Site, arity, clock, map_n, map1, text};
use crate::eval::conv;
use crate::eval::plan::Ctx;
use crate::eval::time::{
    self, Civil, TICKS_PER_DAY, TICKS_PER_HOUR, TICKS_PER_MILLISECOND, TICKS_PER_MINUTE,
    TICKS_PER_SECOND, UNIX_EPOCH_TICKS, checked, days_from_civil, days_in_month, from_civil,
    to_civil,
};
use crate::eval::value::Value;
use crate::types::Ty;

pub(super) fn builder(name: &str) -> Option<Builder> {
    Some(match name {
        "now" => |s| {
            arity(s, 0, 1)?;
            let args = if s.args.is_empty() {
                Vec::new()
            } else {
                vec![s.take_as(0, Ty::TIMESPAN)]
            };
            Ok(clock(
                args,
                Arc::new(|a: &[Value], ctx: &Ctx| match a.first() {
                    Some(Value::TimeSpan(off)) => dt(ctx.now.checked_add(*off)),
                    Some(_) => Value::Null,
                    None => Value::DateTime(ctx.now),
                }),
            ))
        },
        "ago" => |s| {
            arity(s, 1, 1)?;
            let a = s.take_as(0, Ty::TIMESPAN);
            Ok(clock(
                vec![a],
                Arc::new(|a: &[Value], ctx: &Ctx| match a[0] {
                    Value::TimeSpan(t) => dt(ctx.now.checked_sub(t)),
                    _ => Value::Null,
                }),
            ))
        },
        "dayofmonth" => |s| part1(s, |c, _| c.day),
        "dayofyear" => |s| {
            part1(s, |c, _| {
                days_from_civil(c.year, c.month, c.day) - days_from_civil(c.year, 1, 1) + 1
            })
        },
        "getmonth" | "monthofyear" => |s| part1(s, |c, _| c.month),
        "getyear" => |s| part1(s, |c, _| c.year),
        "hourofday" => |s| part1(s, |c, _| c.hour),
        "week_of_year" | "weekofyear" => |s| part1(s, |_, t| time::iso_week(t)),
        "dayofweek" => |s| {
            arity(s, 1, 1)?;
            Ok(map1(s, Ty::DATETIME, |v| match v {
                Value::DateTime(t) => Value::TimeSpan(time::weekday(t) * TICKS_PER_DAY),
                _ => Value::Null,
            }))
        },
        "startofday" => |s| period(s, Period::Day, false),
        "startofweek" => |s| period(s, Period::Week, false),
        "startofmonth" => |s| period(s, Period::Month, false),
        "startofyear" => |s| period(s, Period::Year, false),
        "endofday" => |s| period(s, Period::Day, true),
        "endofweek" => |s| period(s, Period::Week, true),
        "endofmonth" => |s| period(s, Period::Month, true),
        "endofyear" => |s| period(s, Period::Year, true),
        "datetime_add" => datetime_add,
        "datetime_diff" => datetime_diff,
        "datetime_part" => datetime_part,
        "make_datetime" => make_datetime,
        "make_timespan" => make_timespan,
        "unixtime_seconds_todatetime" => |s| unix(s, TICKS_PER_SECOND as f64),
        "unixtime_milliseconds_todatetime" => |s| unix(s, TICKS_PER_MILLISECOND as f64),
        "unixtime_microseconds_todatetime" => |s| unix(s, 10.0),
        "unixtime_nanoseconds_todatetime" => |s| unix(s, 0.01),
        "format_datetime" => |s| format(s, true),
        "format_timespan" => |s| format(s, false),
        _ => return None,
    })
}

fn dt(t: Option<i64>) -> Value {
    t.and_then(checked).map_or(Value::Null, Value::DateTime)
}

fn part1(site: &mut Site, f: fn(&Civil, i64) -> i64) -> Result<Node, String> {
    arity(site, 1, 1)?;
    let ret = site.ret;
    Ok(map1(site, Ty::DATETIME, move |v| match v {
        Value::DateTime(t) => {
            let n = f(&to_civil(t), t);
            if ret == Ty::INT {
                Value::Int(n as i32)
            } else {
                Value::Long(n)
            }
        }
        _ => Value::Null,
    }))
}

#[derive(Clone, Copy)]
enum Period {
    Day,
    Week,
    Month,
    Year,
}

/// Adds `months` to a date, keeping the time of day and clamping the day to the month's end.
fn add_months(t: i64, months: i64) -> Option<i64> {
    let c = to_civil(t);
    let total = c.year * 12 + (c.month - 1) + months;
    let (year, month) = (total.div_euclid(12), total.rem_euclid(12) + 1);
    let day = c.day.min(days_in_month(year, month));
    from_civil(Civil {
        year,
        month,
        day,
        ..c
    })
}

fn period_start(t: i64, p: Period, offset: i64) -> Option<i64> {
    let day = t.div_euclid(TICKS_PER_DAY) * TICKS_PER_DAY;
    match p {
        Period::Day => day.checked_add(offset.checked_mul(TICKS_PER_DAY)?),
        Period::Week => {
            let sunday = day - time::weekday(t) * TICKS_PER_DAY;
            sunday.checked_add(offset.checked_mul(7 * TICKS_PER_DAY)?)
        }
        Period::Month => {
            let c = to_civil(t);
            let first = from_civil(Civil {
                day: 1,
                hour: 0,
                minute: 0,
                second: 0,
                fraction: 0,
                ..c
            })?;
            add_months(first, offset)
        }
        Period::Year => {
            let c = to_civil(t);
            from_civil(Civil {
                year: c.year.checked_add(offset)?,
                month: 1,
                day: 1,
                hour: 0,
                minute: 0,
                second: 0,
                fraction: 0,
            })
        }
    }
}

fn period(site: &mut Site, p: Period, end: bool) -> Result<Node, String> {
    arity(site, 1, 2)?;
    Ok(map_n(site, &[Ty::DATETIME, Ty::LONG], move |a| {
        let Value::DateTime(t) = a[0] else {
            return Value::Null;
        };
        let offset = match a.get(1) {
            Some(Value::Null) => return Value::Null,
            Some(v) => conv::long_of(v).unwrap_or(0),
            None => 0,
        };
        let result = if end {
            period_start(t, p, offset.saturating_add(1)).map(|next| next - 1)
        } else {
            period_start(t, p, offset)
        };
        dt(result)
    }))
}

/// A period name of `datetime_add`/`datetime_diff`/`datetime_part` (case-insensitive).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Unit {
    Year,
    Quarter,
    Month,
    Week,
    WeekOfYear,
    Day,
    DayOfYear,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
}

fn unit(name: &str) -> Option<Unit> {
    Some(match name.to_ascii_lowercase().as_str() {
        "year" | "years" | "yy" | "yyyy" => Unit::Year,
        "quarter" | "quarters" | "qq" | "q" => Unit::Quarter,
        "month" | "months" | "mm" | "m" => Unit::Month,
        "week" | "weeks" | "wk" | "ww" => Unit::Week,
        "week_of_year" | "weekofyear" => Unit::WeekOfYear,
        "day" | "days" | "dd" | "d" => Unit::Day,
        "dayofyear" | "dy" | "y" => Unit::DayOfYear,
        "hour" | "hours" | "hh" => Unit::Hour,
        "minute" | "minutes" | "mi" | "n" => Unit::Minute,
        "second" | "seconds" | "ss" | "s" => Unit::Second,
        "millisecond" | "milliseconds" | "ms" => Unit::Millisecond,
        "microsecond" | "microseconds" | "mcs" => Unit::Microsecond,
        "nanosecond" | "nanoseconds" | "ns" => Unit::Nanosecond,
        _ => return None,
    })
}

fn unit_arg(site: &Site) -> Result<Option<Unit>, String> {
    match site.const_str(0) {
        Some(p) => match unit(&p) {
            Some(u) => Ok(Some(u)),
            None => Err(format!("{}(): unknown period '{p}'", site.name)),
        },
        None => Ok(None),
    }
}

fn unit_of(fixed: Option<Unit>, v: &Value) -> Option<Unit> {
    fixed.or_else(|| unit(&text(v)))
}

fn fixed_ticks(u: Unit) -> Option<i64> {
    Some(match u {
        Unit::Week => 7 * TICKS_PER_DAY,
        Unit::Day => TICKS_PER_DAY,
        Unit::Hour => TICKS_PER_HOUR,
        Unit::Minute => TICKS_PER_MINUTE,
        Unit::Second => TICKS_PER_SECOND,
        Unit::Millisecond => TICKS_PER_MILLISECOND,
        Unit::Microsecond => 10,
        _ => return None,
    })
}

fn datetime_add(site: &mut Site) -> Result<Node, String> {
    arity(site, 3, 3)?;
    let fixed = unit_arg(site)?;
    Ok(map_n(
        site,
        &[Ty::STRING, Ty::LONG, Ty::DATETIME],
        move |a| {
            let (Some(u), Some(n), Value::DateTime(t)) =
                (unit_of(fixed, &a[0]), conv::long_of(&a[1]), &a[2])
            else {
                return Value::Null;
            };
            if a[1].is_null() {
                return Value::Null;
            }
            let r = match u {
                Unit::Year => n.checked_mul(12).and_then(|m| add_months(*t, m)),
                Unit::Quarter => n.checked_mul(3).and_then(|m| add_months(*t, m)),
                Unit::Month => add_months(*t, n),
                Unit::Nanosecond => t.checked_add(n / 100),
                other => fixed_ticks(other)
                    .and_then(|k| n.checked_mul(k))
                    .and_then(|d| t.checked_add(d)),
            };
            dt(r)
        },
    ))
}

fn datetime_diff(site: &mut Site) -> Result<Node, String> {
    arity(site, 3, 3)?;
    let fixed = unit_arg(site)?;
    Ok(map_n(
        site,
        &[Ty::STRING, Ty::DATETIME, Ty::DATETIME],
        move |a| {
            let (Some(u), Value::DateTime(x), Value::DateTime(y)) =
                (unit_of(fixed, &a[0]), &a[1], &a[2])
            else {
                return Value::Null;
            };
            let (cx, cy) = (to_civil(*x), to_civil(*y));
            let trunc = |t: i64, k: i64| t.div_euclid(k);
            Value::Long(match u {
                Unit::Year => cx.year - cy.year,
                Unit::Quarter => {
                    (cx.year * 4 + (cx.month - 1) / 3) - (cy.year * 4 + (cy.month - 1) / 3)
                }
                Unit::Month => (cx.year * 12 + cx.month) - (cy.year * 12 + cy.month),
                Unit::Week => {
                    let sx = period_start(*x, Period::Week, 0).unwrap_or(*x);
                    let sy = period_start(*y, Period::Week, 0).unwrap_or(*y);
                    (sx - sy) / (7 * TICKS_PER_DAY)
                }
                Unit::Nanosecond => (x - y) * 100,
                other => {
                    let k = fixed_ticks(other).unwrap_or(TICKS_PER_DAY);
                    trunc(*x, k) - trunc(*y, k)
                }
            })
        },
    ))
}

fn datetime_part(site: &mut Site) -> Result<Node, String> {
    arity(site, 2, 2)?;
    let fixed = unit_arg(site)?;
    Ok(map_n(site, &[Ty::STRING, Ty::DATETIME], move |a| {
        let (Some(u), Value::DateTime(t)) = (unit_of(fixed, &a[0]), &a[1]) else {
            return Value::Null;
        };
        let c = to_civil(*t);
        Value::Int(match u {
            Unit::Year => c.year,
            Unit::Quarter => (c.month - 1) / 3 + 1,
            Unit::Month => c.month,
            Unit::Week | Unit::WeekOfYear => time::iso_week(*t),
            Unit::Day => c.day,
            Unit::DayOfYear => {
                days_from_civil(c.year, c.month, c.day) - days_from_civil(c.year, 1, 1) + 1
            }
            Unit::Hour => c.hour,
            Unit::Minute => c.minute,
            Unit::Second => c.second,
            Unit::Millisecond => c.fraction / TICKS_PER_MILLISECOND,
            Unit::Microsecond => c.fraction / 10,
            Unit::Nanosecond => c.fraction * 100,
        } as i32)
    }))
}

fn make_datetime(site: &mut Site) -> Result<Node, String> {
    arity(site, 3, 6)?;
    Ok(map_n(
        site,
        &[Ty::LONG, Ty::LONG, Ty::LONG, Ty::LONG, Ty::LONG, Ty::REAL],
        |a| {
            if a.iter().any(Value::is_null) {
                return Value::Null;
            }
            let l = |i: usize| a.get(i).and_then(conv::long_of).unwrap_or(0);
            let secs = a.get(5).and_then(conv::real_of).unwrap_or(0.0);
            if !(0.0..60.0).contains(&secs) {
                return Value::Null;
            }
            let whole = secs.trunc();
            let fraction = ((secs - whole) * TICKS_PER_SECOND as f64).round() as i64;
            dt(from_civil(Civil {
                year: l(0),
                month: l(1),
                day: l(2),
                hour: l(3),
                minute: l(4),
                second: whole as i64,
                fraction: fraction.min(TICKS_PER_SECOND - 1),
            }))
        },
    ))
}

fn make_timespan(site: &mut Site) -> Result<Node, String> {
    arity(site, 2, 4)?;
    let n = site.args.len();
    Ok(map_n(
        site,
        &[Ty::LONG, Ty::LONG, Ty::LONG, Ty::REAL],
        move |a| {
            if a.iter().any(Value::is_null) {
                return Value::Null;
            }
            let l = |i: usize| conv::long_of(&a[i]).unwrap_or(0);
            let (d, h, m, s) = match n {
                2 => (0, l(0), l(1), 0.0),
                3 => (0, l(0), l(1), conv::real_of(&a[2]).unwrap_or(0.0)),
                _ => (l(0), l(1), l(2), conv::real_of(&a[3]).unwrap_or(0.0)),
            };
            let ticks = d as f64 * TICKS_PER_DAY as f64
                + h as f64 * TICKS_PER_HOUR as f64
                + m as f64 * TICKS_PER_MINUTE as f64
                + s * TICKS_PER_SECOND as f64;
            if ticks.is_finite() && ticks.abs() < 9.2e18 {
                Value::TimeSpan(ticks.round() as i64)
            } else {
                Value::Null
            }
        },
    ))
}

fn unix(site: &mut Site, ticks_per_unit: f64) -> Result<Node, String> {
    arity(site, 1, 1)?;
    Ok(map1(site, Ty::UNKNOWN, move |v| {
        let ticks = match v {
            Value::Int(i) => i64::from(i)
                .checked_mul(ticks_per_unit as i64)
                .filter(|_| ticks_per_unit >= 1.0),
            Value::Long(l) if ticks_per_unit >= 1.0 => l.checked_mul(ticks_per_unit as i64),
            Value::Long(l) => Some((l as f64 * ticks_per_unit).floor() as i64),
            Value::Real(r) => {
                let t = (r * ticks_per_unit).round();
                (t.is_finite() && t.abs() < 9.2e18).then_some(t as i64)
            }
            other => conv::real_of(&other).map(|r| (r * ticks_per_unit).round() as i64),
        };
        dt(ticks.and_then(|t| t.checked_add(UNIX_EPOCH_TICKS)))
    }))
}

fn format(site: &mut Site, datetime: bool) -> Result<Node, String> {
    arity(site, 2, 2)?;
    let fixed = site.const_str(1).map(|f| tokenize(&f));
    let ty = if datetime { Ty::DATETIME } else { Ty::TIMESPAN };
    Ok(map_n(site, &[ty, Ty::STRING], move |a| {
        let owned;
        let tokens = match &fixed {
            Some(t) => t,
            None => {
                owned = tokenize(&text(&a[1]));
                &owned
            }
        };
        match (&a[0], datetime) {
            (Value::DateTime(t), true) => Value::from(format_datetime(*t, tokens)),
            (Value::TimeSpan(t), false) => Value::from(format_timespan(*t, tokens)),
            _ => Value::string(""),
        }
    }))
}

/// Format tokens: a run of one specifier letter, or literal text.
#[derive(Debug, Clone)]
enum Token {
    Spec(char, usize),
    Lit(String),
}

fn tokenize(format: &str) -> Vec<Token> {
    let chars: Vec<char> = format.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if "dfFhHmMsyt".contains(c) {
            let mut n = 1;
            while i + n < chars.len() && chars[i + n] == c {
                n += 1;
            }
            out.push(Token::Spec(c, n));
            i += n;
        } else {
            out.push(Token::Lit(c.to_string()));
            i += 1;
        }
    }
    out
}

fn fraction_digits(fraction: i64, n: usize, trim: bool) -> String {
    let n = n.min(7);
    let digits = format!("{fraction:07}");
    let s = &digits[..n];
    if trim {
        s.trim_end_matches('0').to_string()
    } else {
        s.to_string()
    }
}

fn format_datetime(t: i64, tokens: &[Token]) -> String {
    let c = to_civil(t);
    let mut out = String::new();
    for tok in tokens {
        match tok {
            Token::Lit(s) => out.push_str(s),
            Token::Spec(ch, n) => {
                let n = *n;
                let h12 = if c.hour % 12 == 0 { 12 } else { c.hour % 12 };
                let s = match ch {
                    'd' => pad(c.day, n.min(2)),
                    'M' => pad(c.month, n.min(2)),
                    'y' if n >= 3 => pad(c.year, n),
                    'y' => pad(c.year % 100, n),
                    'h' => pad(h12, n.min(2)),
                    'H' => pad(c.hour, n.min(2)),
                    'm' => pad(c.minute, n.min(2)),
                    's' => pad(c.second, n.min(2)),
                    'f' => fraction_digits(c.fraction, n, false),
                    'F' => fraction_digits(c.fraction, n, true),
                    't' => (if c.hour < 12 { "AM" } else { "PM" })[..n.min(2)].to_string(),
                    _ => String::new(),
                };
                out.push_str(&s);
            }
        }
    }
    out
}

fn format_timespan(t: i64, tokens: &[Token]) -> String {
    let a = t.unsigned_abs() as i64;
    let days = a / TICKS_PER_DAY;
    let rest = a % TICKS_PER_DAY;
    let mut out = String::new();
    if t < 0 {
        out.push('-');
    }
    for tok in tokens {
        match tok {
            Token::Lit(s) => out.push_str(s),
            Token::Spec(ch, n) => {
                let n = *n;
                let s = match ch {
                    'd' => pad(days, n),
                    'h' | 'H' => pad(rest / TICKS_PER_HOUR, n.min(2)),
                    'm' => pad(rest % TICKS_PER_HOUR / TICKS_PER_MINUTE, n.min(2)),
                    's' => pad(rest % TICKS_PER_MINUTE / TICKS_PER_SECOND, n.min(2)),
                    'f' => fraction_digits(rest % TICKS_PER_SECOND, n, false),
                    'F' => fraction_digits(rest % TICKS_PER_SECOND, n, true),
                    _ => String::new(),
                };
                out.push_str(&s);
            }
        }
    }
    out
}

fn pad(v: i64, width: usize) -> String {
    format!("{v:0width$}")
}
