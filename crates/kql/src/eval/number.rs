//! Numbers as text: Kusto's `tostring(real)` (the .NET shortest round-trip form: fixed
//! notation for exponents from -5 to 14, `1E+15` / `1E-05` beyond) and the parsing rules of
//! `toreal`, `tolong` and `toint`.

use std::fmt::Write as _;

/// Writes a real the way Kusto's `tostring` does.
pub fn write_real(r: f64, out: &mut String) {
    if !r.is_finite() {
        out.push_str(non_finite_name(r));
        return;
    }
    if r == 0.0 {
        out.push_str(if r.is_sign_negative() { "-0" } else { "0" });
        return;
    }
    // shortest round-trip digits and the decimal exponent
    let sci = format!("{r:e}");
    let (mantissa, exp) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    if negative {
        out.push('-');
    }
    if !(-4..15).contains(&exp) {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(
            out,
            "E{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.unsigned_abs()
        );
        return;
    }
    if exp < 0 {
        out.push_str("0.");
        for _ in 0..(-exp - 1) {
            out.push('0');
        }
        out.push_str(&digits);
        return;
    }
    let int_len = exp as usize + 1;
    if digits.len() <= int_len {
        out.push_str(&digits);
        for _ in digits.len()..int_len {
            out.push('0');
        }
    } else {
        out.push_str(&digits[..int_len]);
        out.push('.');
        out.push_str(&digits[int_len..]);
    }
}

/// Writes a finite real inside dynamic JSON (the same digits as [`write_real`], with a lower
/// case `e` exponent so that the text stays valid JSON).
pub fn write_json_real(r: f64, out: &mut String) {
    let start = out.len();
    write_real(r, out);
    if let Some(pos) = out[start..].find('E') {
        out.replace_range(start + pos..start + pos + 1, "e");
    }
}

/// `toreal(string)`: decimal or scientific notation with surrounding spaces, `NaN`,
/// `Infinity`/`-Infinity`; `None` otherwise.
pub fn parse_real(text: &str) -> Option<f64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    match t {
        "NaN" | "nan" => return Some(f64::NAN),
        "Infinity" | "+Infinity" | "inf" | "+inf" | "∞" => return Some(f64::INFINITY),
        "-Infinity" | "-inf" | "-∞" => return Some(f64::NEG_INFINITY),
        _ => {}
    }
    let valid = t
        .bytes()
        .all(|b| b.is_ascii_digit() || b"+-.eE".contains(&b))
        && t.bytes().any(|b| b.is_ascii_digit());
    if !valid {
        return None;
    }
    t.parse().ok()
}

/// `tolong(string)`: an optionally signed integer with surrounding spaces (a fractional part
/// of zeros only is accepted, like .NET's integer parsing), or `0x` hexadecimal.
pub fn parse_long(text: &str) -> Option<i64> {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16).ok();
    }
    let t = match t.split_once('.') {
        Some((int, frac)) if frac.bytes().all(|b| b == b'0') => int,
        Some(_) => return None,
        None => t,
    };
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.is_empty() || t == "-" {
        return None;
    }
    t.parse().ok()
}

/// A real truncated toward zero to a long, `None` outside the long range or for NaN.
pub fn real_to_long(r: f64) -> Option<i64> {
    let t = r.trunc();
    // i64::MIN as f64 is exact; i64::MAX as f64 rounds up to 2^63, which is out of range
    (t.is_finite() && (i64::MIN as f64..i64::MAX as f64).contains(&t)).then_some(t as i64)
}

/// `NaN`, `Infinity` or `-Infinity`.
pub(crate) fn non_finite_name(r: f64) -> &'static str {
    if r.is_nan() {
        "NaN"
    } else if r > 0.0 {
        "Infinity"
    } else {
        "-Infinity"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(r: f64) -> String {
        let mut s = String::new();
        write_real(r, &mut s);
        s
    }

    #[test]
    fn dotnet_round_trip_format() {
        assert_eq!(f(1.0), "1");
        assert_eq!(f(0.1), "0.1");
        assert_eq!(f(-2.5), "-2.5");
        assert_eq!(f(123.45), "123.45");
        assert_eq!(f(1e14), "100000000000000");
        assert_eq!(f(1e15), "1E+15");
        assert_eq!(f(1.2345678901234568e17), "1.2345678901234568E+17");
        assert_eq!(f(0.0001), "0.0001");
        assert_eq!(f(0.00001), "1E-05");
        assert_eq!(f(1.5e-7), "1.5E-07");
        assert_eq!(f(f64::NAN), "NaN");
        assert_eq!(f(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(f(7.38905609893065), "7.38905609893065");
    }

    #[test]
    fn parsing() {
        assert_eq!(parse_long(" 123 "), Some(123));
        assert_eq!(parse_long("12.0"), Some(12));
        assert_eq!(parse_long("12.5"), None);
        assert_eq!(parse_long("abc"), None);
        assert_eq!(parse_real("1e3"), Some(1000.0));
        assert_eq!(parse_real("12abc"), None);
        assert_eq!(real_to_long(-2.7), Some(-2));
        assert_eq!(real_to_long(1e30), None);
    }
}
