//! `datetime` and `timespan`: ticks (100 ns units) since 0001-01-01, the proleptic Gregorian
//! calendar, Kusto's text forms and the string formats `todatetime`/`totimespan` accept
//! (ISO 8601, RFC 822, RFC 850, sortable, the invariant-culture `MM/dd/yyyy` form).

use std::fmt::Write as _;

/// Ticks in one second.
pub const TICKS_PER_SECOND: i64 = 10_000_000;
/// Ticks in one millisecond.
pub const TICKS_PER_MILLISECOND: i64 = 10_000;
/// Ticks in one minute.
pub const TICKS_PER_MINUTE: i64 = 60 * TICKS_PER_SECOND;
/// Ticks in one hour.
pub const TICKS_PER_HOUR: i64 = 60 * TICKS_PER_MINUTE;
/// Ticks in one day.
pub const TICKS_PER_DAY: i64 = 24 * TICKS_PER_HOUR;
/// The largest datetime (9999-12-31T23:59:59.9999999Z).
pub const MAX_TICKS: i64 = 3_155_378_975_999_999_999;
/// 1970-01-01T00:00:00Z.
pub const UNIX_EPOCH_TICKS: i64 = 621_355_968_000_000_000;

/// A calendar date and time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Civil {
    /// Year (1..=9999)
    pub year: i64,
    /// Month (1..=12)
    pub month: i64,
    /// Day of month (1..=31)
    pub day: i64,
    /// Hour
    pub hour: i64,
    /// Minute
    pub minute: i64,
    /// Second
    pub second: i64,
    /// Ticks within the second (0..10^7)
    pub fraction: i64,
}

/// Days from 0001-01-01 to the date (Howard Hinnant's algorithm, shifted to year 1).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    // days since 0000-03-01, minus the days from 0000-03-01 to 0001-01-01 (306)
    era * 146_097 + doe - 306
}

/// The date of a day number (days since 0001-01-01).
pub fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 306;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// True for leap years.
pub fn is_leap(y: i64) -> bool {
    y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)
}

/// Days in a month.
pub fn days_in_month(y: i64, m: i64) -> i64 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// The calendar fields of a datetime.
pub fn to_civil(ticks: i64) -> Civil {
    let days = ticks.div_euclid(TICKS_PER_DAY);
    let rest = ticks.rem_euclid(TICKS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    Civil {
        year,
        month,
        day,
        hour: rest / TICKS_PER_HOUR,
        minute: rest % TICKS_PER_HOUR / TICKS_PER_MINUTE,
        second: rest % TICKS_PER_MINUTE / TICKS_PER_SECOND,
        fraction: rest % TICKS_PER_SECOND,
    }
}

/// The datetime of calendar fields, `None` when a field is out of range or the result is
/// outside 0001-01-01 .. 9999-12-31.
pub fn from_civil(c: Civil) -> Option<i64> {
    if !(1..=9999).contains(&c.year)
        || !(1..=12).contains(&c.month)
        || c.day < 1
        || c.day > days_in_month(c.year, c.month)
        || !(0..24).contains(&c.hour)
        || !(0..60).contains(&c.minute)
        || !(0..60).contains(&c.second)
        || !(0..TICKS_PER_SECOND).contains(&c.fraction)
    {
        return None;
    }
    let days = days_from_civil(c.year, c.month, c.day);
    Some(
        days * TICKS_PER_DAY
            + c.hour * TICKS_PER_HOUR
            + c.minute * TICKS_PER_MINUTE
            + c.second * TICKS_PER_SECOND
            + c.fraction,
    )
}

/// A datetime when `ticks` is inside the representable range.
pub fn checked(ticks: i64) -> Option<i64> {
    (0..=MAX_TICKS).contains(&ticks).then_some(ticks)
}

/// Day of week, 0 = Sunday.
pub fn weekday(ticks: i64) -> i64 {
    // 0001-01-01 was a Monday
    (ticks.div_euclid(TICKS_PER_DAY) + 1).rem_euclid(7)
}

/// Writes Kusto's `tostring(datetime)`: `2015-12-31T23:59:59.9000000Z`.
pub fn write_datetime(ticks: i64, out: &mut String) {
    let c = to_civil(ticks);
    let _ = write!(
        out,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:07}Z",
        c.year, c.month, c.day, c.hour, c.minute, c.second, c.fraction
    );
}

/// RFC 3339 with the fraction trimmed (`2015-12-31T23:59:59.9Z`, `2015-12-31T00:00:00Z`): the
/// form the Log Analytics APIs return. (Digits written directly: the emulator formats every
/// stored datetime with it.)
pub fn write_datetime_short(ticks: i64, out: &mut String) {
    let c = to_civil(ticks);
    push_padded(out, c.year, 4);
    out.push('-');
    push_padded(out, c.month, 2);
    out.push('-');
    push_padded(out, c.day, 2);
    out.push('T');
    push_padded(out, c.hour, 2);
    out.push(':');
    push_padded(out, c.minute, 2);
    out.push(':');
    push_padded(out, c.second, 2);
    if c.fraction != 0 {
        let mut fraction = c.fraction;
        let mut width = 7;
        while fraction % 10 == 0 {
            fraction /= 10;
            width -= 1;
        }
        out.push('.');
        push_padded(out, fraction, width);
    }
    out.push('Z');
}

/// `value` in decimal, zero-padded to `width` characters (a sign included), as `{:0width$}`.
fn push_padded(out: &mut String, value: i64, width: usize) {
    let mut buf = [b'0'; 20];
    let mut v = value.unsigned_abs();
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    let mut width = width;
    if value < 0 {
        out.push('-');
        width = width.saturating_sub(1);
    }
    let start = i.min(buf.len().saturating_sub(width));
    out.push_str(std::str::from_utf8(&buf[start..]).unwrap_or_default());
}

/// Writes Kusto's `tostring(timespan)`: `[-][d.]hh:mm:ss[.fffffff]`.
pub fn write_timespan(ticks: i64, out: &mut String) {
    let neg = ticks < 0;
    let t = ticks.unsigned_abs();
    let day = TICKS_PER_DAY as u64;
    let days = t / day;
    let rest = t % day;
    if neg {
        out.push('-');
    }
    if days > 0 {
        let _ = write!(out, "{days}.");
    }
    let h = rest / TICKS_PER_HOUR as u64;
    let m = rest % TICKS_PER_HOUR as u64 / TICKS_PER_MINUTE as u64;
    let s = rest % TICKS_PER_MINUTE as u64 / TICKS_PER_SECOND as u64;
    let f = rest % TICKS_PER_SECOND as u64;
    let _ = write!(out, "{h:02}:{m:02}:{s:02}");
    if f != 0 {
        let _ = write!(out, ".{f:07}");
    }
}

/// A cursor over ASCII text.
struct Cursor<'a> {
    s: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn new(s: &'a str) -> Cursor<'a> {
        Cursor {
            s: s.as_bytes(),
            i: 0,
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(c) {
            self.i += 1;
            true
        } else {
            false
        }
    }

    fn spaces(&mut self) -> bool {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_whitespace()) {
            self.i += 1;
        }
        self.i > start
    }

    /// Up to `max` digits (at least `min`); the value and the count.
    fn digits(&mut self, min: usize, max: usize) -> Option<(i64, usize)> {
        let start = self.i;
        let mut v: i64 = 0;
        while self.i - start < max && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            v = v * 10 + i64::from(self.s[self.i] - b'0');
            self.i += 1;
        }
        let n = self.i - start;
        if n < min {
            self.i = start;
            return None;
        }
        Some((v, n))
    }

    fn word(&mut self) -> &'a str {
        let start = self.i;
        while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            self.i += 1;
        }
        std::str::from_utf8(&self.s[start..self.i]).unwrap_or("")
    }

    fn done(&self) -> bool {
        self.i >= self.s.len()
    }
}

fn month_from_name(name: &str) -> Option<i64> {
    const NAMES: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let lower = name.to_ascii_lowercase();
    if lower.len() < 3 {
        return None;
    }
    NAMES
        .iter()
        .position(|m| lower.starts_with(m))
        .map(|i| i as i64 + 1)
        .filter(|_| {
            const FULL: [&str; 12] = [
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ];
            lower.len() == 3 || FULL.iter().any(|f| *f == lower) || lower == "sept"
        })
}

fn is_weekday_name(name: &str) -> bool {
    const DAYS: [&str; 7] = [
        "sunday",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
    ];
    let lower = name.to_ascii_lowercase();
    lower.len() >= 3 && DAYS.iter().any(|d| *d == lower || d[..3] == lower)
}

/// Two-digit years as .NET reads them (00–49 → 20xx, 50–99 → 19xx).
fn full_year(y: i64, digits: usize) -> i64 {
    if digits <= 2 {
        if y < 50 { 2000 + y } else { 1900 + y }
    } else {
        y
    }
}

/// `hh:mm[:ss[.fffffff]] [AM|PM]`; returns (hour, minute, second, fraction ticks).
fn time_of_day(c: &mut Cursor) -> Option<(i64, i64, i64, i64)> {
    let (h, _) = c.digits(1, 2)?;
    if !c.eat(b':') {
        return None;
    }
    let (m, _) = c.digits(2, 2)?;
    let mut s = 0;
    let mut f = 0;
    if c.eat(b':') {
        s = c.digits(2, 2)?.0;
        if c.eat(b'.') || c.eat(b',') {
            let start = c.i;
            let (v, n) = c.digits(1, 64)?;
            f = if n <= 7 {
                v * 10i64.pow((7 - n) as u32)
            } else {
                let text = std::str::from_utf8(&c.s[start..start + 7]).ok()?;
                text.parse().ok()?
            };
        }
    }
    let save = c.i;
    c.spaces();
    let word = c.word();
    let h = if word.eq_ignore_ascii_case("am") && (1..=12).contains(&h) {
        h % 12
    } else if word.eq_ignore_ascii_case("pm") && (1..=12).contains(&h) {
        h % 12 + 12
    } else {
        c.i = save;
        h
    };
    Some((h, m, s, f))
}

/// A time zone suffix: `Z`, `±hh[:mm]`, `±hhmm`, `GMT`, `UTC`, `UT`, or a US zone of RFC 822;
/// returns the offset in ticks to subtract (local − UTC). `Some(0)` when there is none.
fn zone(c: &mut Cursor) -> Option<i64> {
    let save = c.i;
    c.spaces();
    if c.done() {
        return Some(0);
    }
    if c.eat(b'Z') || c.eat(b'z') {
        return Some(0);
    }
    if let Some(sign) = c.peek().filter(|b| *b == b'+' || *b == b'-') {
        c.i += 1;
        let (h, n) = c.digits(1, 4)?;
        let (hh, mm) = if n > 2 {
            (h / 100, h % 100)
        } else if c.eat(b':') {
            (h, c.digits(2, 2)?.0)
        } else {
            (h, 0)
        };
        if hh > 14 || mm > 59 {
            return None;
        }
        let off = hh * TICKS_PER_HOUR + mm * TICKS_PER_MINUTE;
        return Some(if sign == b'-' { -off } else { off });
    }
    let word = c.word().to_ascii_uppercase();
    let hours = match word.as_str() {
        "GMT" | "UTC" | "UT" | "Z" => 0,
        "EST" => -5,
        "EDT" => -4,
        "CST" => -6,
        "CDT" => -5,
        "MST" => -7,
        "MDT" => -6,
        "PST" => -8,
        "PDT" => -7,
        _ => {
            c.i = save;
            return None;
        }
    };
    Some(hours * TICKS_PER_HOUR)
}

/// Optional ` time` then optional zone, then the end of the text.
fn finish(c: &mut Cursor, date: (i64, i64, i64), t_allowed: bool) -> Option<i64> {
    let (year, month, day) = date;
    let mut tod = (0, 0, 0, 0);
    let save = c.i;
    let sep = (t_allowed && (c.eat(b'T') || c.eat(b't'))) || c.spaces();
    if sep && !c.done() {
        match time_of_day(c) {
            Some(t) => tod = t,
            None => c.i = save,
        }
    } else if !sep {
        c.i = save;
    }
    let offset = zone(c)?;
    c.spaces();
    if !c.done() {
        return None;
    }
    let local = from_civil(Civil {
        year,
        month,
        day,
        hour: tod.0,
        minute: tod.1,
        second: tod.2,
        fraction: tod.3,
    })?;
    checked(local - offset)
}

/// Parses the string forms `todatetime` and `datetime(...)` literals accept; `None` when the
/// text is none of them.
pub fn parse_datetime(text: &str) -> Option<i64> {
    // Most datetimes are in the stored UTC form: read without the general cursor.
    utc_form(text.as_bytes()).or_else(|| parse_general(text))
}

/// [`parse_datetime`] without its fast path.
fn parse_general(text: &str) -> Option<i64> {
    let text = text.trim();
    if text.is_empty() || !text.is_ascii() {
        return None;
    }
    iso(text)
        .or_else(|| us_date(text))
        .or_else(|| rfc(text))
        .or_else(|| month_first(text))
}

/// `yyyy-MM-ddTHH:mm:ss[.f]Z` with two-digit fields and 1–7 fraction digits, the form datetimes
/// are stored and sent in; the datetime [`iso`] reads from it. `None` for any other text
/// (including a date or time that does not exist), which the general parsers then read.
fn utc_form(b: &[u8]) -> Option<i64> {
    if !(20..=28).contains(&b.len()) || b[b.len() - 1] != b'Z' {
        return None;
    }
    let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if separators.iter().any(|&(i, c)| b[i] != c) {
        return None;
    }
    let number = |digits: &[u8]| -> Option<i64> {
        digits.iter().try_fold(0i64, |n, &d| {
            d.is_ascii_digit().then(|| n * 10 + i64::from(d - b'0'))
        })
    };
    let fraction = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', digits @ ..] if !digits.is_empty() => {
            number(digits)? * 10i64.pow((7 - digits.len()) as u32)
        }
        _ => return None,
    };
    let ticks = from_civil(Civil {
        year: number(&b[0..4])?,
        month: number(&b[5..7])?,
        day: number(&b[8..10])?,
        hour: number(&b[11..13])?,
        minute: number(&b[14..16])?,
        second: number(&b[17..19])?,
        fraction,
    })?;
    checked(ticks)
}

/// `yyyy-MM-dd[(T| )time][zone]` (also with `/` or `.` separators).
fn iso(text: &str) -> Option<i64> {
    let mut c = Cursor::new(text);
    let (y, _) = c.digits(4, 4)?;
    let sep = c.peek().filter(|b| matches!(b, b'-' | b'/' | b'.'))?;
    c.i += 1;
    let (m, _) = c.digits(1, 2)?;
    if !c.eat(sep) {
        return None;
    }
    let (d, _) = c.digits(1, 2)?;
    finish(&mut c, (y, m, d), true)
}

/// `MM/dd/yyyy [time]` and `MM-dd-yyyy` (the invariant culture's month-first order).
fn us_date(text: &str) -> Option<i64> {
    let mut c = Cursor::new(text);
    let (m, _) = c.digits(1, 2)?;
    let sep = c.peek().filter(|b| matches!(b, b'/' | b'-' | b'.'))?;
    c.i += 1;
    let (d, _) = c.digits(1, 2)?;
    if !c.eat(sep) {
        return None;
    }
    let (y, n) = c.digits(2, 4)?;
    if n == 3 {
        return None;
    }
    finish(&mut c, (full_year(y, n), m, d), false)
}

/// RFC 822 / 850 / 1123: `[Wkday,] d Mon yy[yy] time [zone]`, `d-Mon-yy`.
fn rfc(text: &str) -> Option<i64> {
    let mut c = Cursor::new(text);
    let save = c.i;
    let w = c.word();
    if !w.is_empty() {
        if !is_weekday_name(w) {
            return None;
        }
        c.eat(b',');
        c.spaces();
    } else {
        c.i = save;
    }
    let (d, _) = c.digits(1, 2)?;
    let dash = c.eat(b'-');
    if !dash && !c.spaces() {
        return None;
    }
    let month = month_from_name(c.word())?;
    if dash {
        if !c.eat(b'-') {
            return None;
        }
    } else if !c.spaces() {
        return None;
    }
    let (y, n) = c.digits(2, 4)?;
    finish(&mut c, (full_year(y, n), month, d), false)
}

/// `Mon d[,] yyyy [time]`, `[Wkday,] Mon d yyyy`.
fn month_first(text: &str) -> Option<i64> {
    let mut c = Cursor::new(text);
    let mut w = c.word();
    if is_weekday_name(w) {
        c.eat(b',');
        c.spaces();
        w = c.word();
    }
    let month = month_from_name(w)?;
    c.spaces();
    let (d, _) = c.digits(1, 2)?;
    c.eat(b',');
    c.spaces();
    let (y, n) = c.digits(4, 4)?;
    finish(&mut c, (full_year(y, n), month, d), false)
}

/// Parses `totimespan` text: `[-][d.]hh:mm[:ss[.fffffff]]`, `d.hh:mm...`, or a Kusto timespan
/// literal (`1.5h`, `30m`, `100ms`, `2d`, `10microseconds`, `5ticks`).
pub fn parse_timespan(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    clock_timespan(t).or_else(|| unit_timespan(t))
}

/// `[-][d.]hh:mm[:ss[.f]]` or `[-]d` (whole days, as .NET's `TimeSpan.Parse`).
fn clock_timespan(t: &str) -> Option<i64> {
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let mut c = Cursor::new(t);
    let (first, _) = c.digits(1, 10)?;
    let (days, h) = if c.eat(b'.') {
        (first, c.digits(1, 2)?.0)
    } else if c.peek() == Some(b':') {
        (0, first)
    } else if c.done() {
        return Some(if neg { -1 } else { 1 } * first.checked_mul(TICKS_PER_DAY)?);
    } else {
        return None;
    };
    if !c.eat(b':') {
        return None;
    }
    let (m, _) = c.digits(1, 2)?;
    let mut s = 0;
    let mut f = 0;
    if c.eat(b':') {
        s = c.digits(1, 2)?.0;
        if c.eat(b'.') {
            let start = c.i;
            let (v, n) = c.digits(1, 7)?;
            let _ = start;
            f = v * 10i64.pow((7 - n) as u32);
        }
    }
    if !c.done() || h > 23 || m > 59 || s > 59 {
        return None;
    }
    let ticks = days.checked_mul(TICKS_PER_DAY)?
        + h * TICKS_PER_HOUR
        + m * TICKS_PER_MINUTE
        + s * TICKS_PER_SECOND
        + f;
    Some(if neg { -ticks } else { ticks })
}

/// The ticks of a timespan literal unit (`d`, `h`, `min`, `ms`, `microsecond` ...).
pub fn unit_ticks(unit: &str) -> Option<f64> {
    Some(match unit.to_ascii_lowercase().as_str() {
        "d" | "day" | "days" => TICKS_PER_DAY as f64,
        "h" | "hr" | "hrs" | "hour" | "hours" => TICKS_PER_HOUR as f64,
        "m" | "min" | "minute" | "minutes" => TICKS_PER_MINUTE as f64,
        "s" | "sec" | "second" | "seconds" => TICKS_PER_SECOND as f64,
        "ms" | "milli" | "millis" | "millisecond" | "milliseconds" => TICKS_PER_MILLISECOND as f64,
        "microsecond" | "microseconds" => 10.0,
        "tick" | "ticks" => 1.0,
        _ => return None,
    })
}

/// `<number><unit>` (also with a space before the unit, as `timespan(15 seconds)`).
fn unit_timespan(t: &str) -> Option<i64> {
    let (neg, t) = match t.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, t),
    };
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num.parse().ok()?;
    let unit = unit.trim();
    let per = if unit.is_empty() {
        TICKS_PER_DAY as f64
    } else {
        unit_ticks(unit)?
    };
    let ticks = (n * per).round();
    if !ticks.is_finite() || ticks.abs() > i64::MAX as f64 {
        return None;
    }
    Some(if neg { -ticks as i64 } else { ticks as i64 })
}

/// ISO 8601 week number (weeks start on Monday; week 1 holds the year's first Thursday).
pub fn iso_week(ticks: i64) -> i64 {
    let days = ticks.div_euclid(TICKS_PER_DAY);
    // Monday = 0
    let wd = days.rem_euclid(7);
    let thursday = days - wd + 3;
    let (y, _, _) = civil_from_days(thursday);
    let jan1 = days_from_civil(y, 1, 1);
    (thursday - jan1) / 7 + 1
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_utc_form_fast_path_reads_what_the_general_parsers_read() {
        use super::*;
        let mut texts: Vec<String> = [
            "2024-02-29T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T23:60:00Z",
            "2026-01-01T00:00:60Z",
            "2026-01-01T00:00:00.Z",
            "2026-01-01T00:00:00.5",
            "2026-01-01t00:00:00Z",
            "2026-01-01T00:00:00z",
            "2026/01/01T00:00:00Z",
            "2026-01-01T00:00:0xZ",
            "0000-01-01T00:00:00Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59.9999999Z",
            "2026-01-01T00:00:00.1234567Z",
            "2026-01-01T00:00:00.12345678Z",
            "2026-01-01T00:00:00.000Z",
            " 2026-01-01T00:00:00Z",
            "2026-01-01T00:00:00Z ",
            "2026-01-01T01:02:03pmZ",
        ]
        .iter()
        .map(|t| (*t).to_owned())
        .collect();
        // datetimes across the range, in the short and in Kusto's 7-digit forms
        let mut state: u64 = 1;
        for _ in 0..2000 {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let t = (state >> 1) as i64 % (MAX_TICKS + 1);
            let mut short = String::new();
            write_datetime_short(t, &mut short);
            let mut long = String::new();
            write_datetime(t, &mut long);
            texts.push(short);
            texts.push(long);
        }
        let mut fast = 0;
        for text in &texts {
            let general = parse_general(text);
            assert_eq!(parse_datetime(text), general, "{text}");
            if let Some(t) = utc_form(text.as_bytes()) {
                assert_eq!(Some(t), general, "{text}");
                fast += 1;
            }
        }
        // every generated datetime takes the fast path, and so do the 5 valid listed ones
        assert_eq!(fast, 4005);
    }

    #[test]
    fn short_datetimes_are_written_like_the_format_strings() {
        for ticks in [
            0,
            1,
            UNIX_EPOCH_TICKS,
            UNIX_EPOCH_TICKS + 9_000_000,
            UNIX_EPOCH_TICKS + 1_234_567,
            MAX_TICKS,
            -TICKS_PER_DAY * 400,
        ] {
            let c = to_civil(ticks);
            let mut expected = format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
                c.year, c.month, c.day, c.hour, c.minute, c.second
            );
            if c.fraction != 0 {
                expected.push('.');
                expected.push_str(format!("{:07}", c.fraction).trim_end_matches('0'));
            }
            expected.push('Z');
            let mut out = String::new();
            write_datetime_short(ticks, &mut out);
            assert_eq!(out, expected, "{ticks}");
        }
    }
    use super::*;

    fn fmt(t: i64) -> String {
        let mut s = String::new();
        write_datetime(t, &mut s);
        s
    }

    #[test]
    fn calendar_round_trips() {
        assert_eq!(days_from_civil(1, 1, 1), 0);
        assert_eq!(
            days_from_civil(1970, 1, 1) * TICKS_PER_DAY,
            UNIX_EPOCH_TICKS
        );
        assert_eq!(civil_from_days(0), (1, 1, 1));
        for d in [0, 59, 60, 365, 146_096, 719_162, 3_652_058] {
            let (y, m, dd) = civil_from_days(d);
            assert_eq!(days_from_civil(y, m, dd), d);
        }
        assert_eq!(fmt(MAX_TICKS), "9999-12-31T23:59:59.9999999Z");
        assert_eq!(weekday(UNIX_EPOCH_TICKS), 4); // a Thursday
    }

    #[test]
    fn documented_formats_parse() {
        let cases = [
            (
                "2014-05-25T08:20:03.123456Z",
                "2014-05-25T08:20:03.1234560Z",
            ),
            ("2014-05-25T08:20:03.123456", "2014-05-25T08:20:03.1234560Z"),
            ("2014-05-25T08:20", "2014-05-25T08:20:00.0000000Z"),
            (
                "2014-11-08 15:55:55.123456Z",
                "2014-11-08T15:55:55.1234560Z",
            ),
            ("2014-11-08", "2014-11-08T00:00:00.0000000Z"),
            ("Sat, 8 Nov 14 15:05:02 GMT", "2014-11-08T15:05:02.0000000Z"),
            ("8 Nov 14 15:05", "2014-11-08T15:05:00.0000000Z"),
            (
                "Saturday, 08-Nov-14 15:05:02 GMT",
                "2014-11-08T15:05:02.0000000Z",
            ),
            ("08-Nov-14 15:05", "2014-11-08T15:05:00.0000000Z"),
            ("2014-11-08 15:05:25 GMT", "2014-11-08T15:05:25.0000000Z"),
            ("2014-11-08T15:05 GMT", "2014-11-08T15:05:00.0000000Z"),
            ("02/17/2016 08:40:01", "2016-02-17T08:40:01.0000000Z"),
            ("12-02-2022", "2022-12-02T00:00:00.0000000Z"),
            ("2020-01-01T10:00:00+02:00", "2020-01-01T08:00:00.0000000Z"),
        ];
        for (text, want) in cases {
            assert_eq!(
                parse_datetime(text).map(fmt).as_deref(),
                Some(want),
                "{text}"
            );
        }
        for bad in ["", "yesterday", "2014-13-01", "2014-02-30", "2014-11-08X"] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn timespans() {
        let f = |t| {
            let mut s = String::new();
            write_timespan(t, &mut s);
            s
        };
        assert_eq!(f(parse_timespan("0.00:03:00").unwrap()), "00:03:00");
        assert_eq!(
            f(parse_timespan("1.12:30:55.123").unwrap()),
            "1.12:30:55.1230000"
        );
        assert_eq!(f(parse_timespan("-01:00:00").unwrap()), "-01:00:00");
        assert_eq!(parse_timespan("1.5h"), Some(TICKS_PER_HOUR * 3 / 2));
        assert_eq!(parse_timespan("15 seconds"), Some(15 * TICKS_PER_SECOND));
        assert_eq!(parse_timespan("2"), Some(2 * TICKS_PER_DAY));
        assert_eq!(parse_timespan("abc"), None);
    }

    #[test]
    fn iso_weeks() {
        let d = |y, m, dd| days_from_civil(y, m, dd) * TICKS_PER_DAY;
        assert_eq!(iso_week(d(2015, 12, 14)), 51);
        assert_eq!(iso_week(d(2000, 1, 1)), 52);
        assert_eq!(iso_week(d(2018, 12, 31)), 1);
    }
}
