//! JSON text to dynamic values: `parse_json`/`todynamic` (standard JSON, also single-quoted
//! strings as Kusto's parser accepts them) and the body of `dynamic(...)` literals (JSON with
//! Kusto scalar literals inside: `datetime(...)`, `1d`, `guid(...)`, `real(null)` ...).

use std::sync::Arc;

use super::time;
use super::value::{Bag, Value, parse_guid};

/// Parses JSON text; `None` when it is not JSON.
pub fn parse(text: &str) -> Option<Value> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        literals: false,
        depth: 0,
    };
    p.ws();
    let v = p.value()?;
    p.ws();
    (p.i == p.s.len()).then_some(v)
}

/// Parses the inside of a `dynamic(...)` literal.
pub fn parse_literal(text: &str) -> Option<Value> {
    let mut p = Parser {
        s: text.as_bytes(),
        text,
        i: 0,
        literals: true,
        depth: 0,
    };
    p.ws();
    if p.i == p.s.len() {
        return Some(Value::Null);
    }
    let v = p.value()?;
    p.ws();
    (p.i == p.s.len()).then_some(v)
}

/// Nesting deeper than this is refused (stack safety on hostile input).
const MAX_DEPTH: u32 = 512;

struct Parser<'a> {
    s: &'a [u8],
    text: &'a str,
    i: usize,
    literals: bool,
    depth: u32,
}

impl Parser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && matches!(self.s[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
        // comments in dynamic literals
        if self.literals && self.s[self.i..].starts_with(b"//") {
            while self.i < self.s.len() && self.s[self.i] != b'\n' {
                self.i += 1;
            }
            self.ws();
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }

    fn value(&mut self) -> Option<Value> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return None;
        }
        let v = match self.peek()? {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' | b'\'' => self.string().map(|s| Value::String(Arc::from(s))),
            b'-' | b'0'..=b'9' => self.number(),
            b't' if self.keyword("true") => Some(Value::Bool(true)),
            b'f' if self.keyword("false") => Some(Value::Bool(false)),
            b'n' if self.keyword("null") => Some(Value::Null),
            _ if self.literals => self.kusto_literal(),
            _ => None,
        };
        self.depth -= 1;
        v
    }

    fn keyword(&mut self, kw: &str) -> bool {
        if self.s[self.i..].starts_with(kw.as_bytes())
            && !self
                .s
                .get(self.i + kw.len())
                .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_' || *c == b'(')
        {
            self.i += kw.len();
            true
        } else {
            false
        }
    }

    fn object(&mut self) -> Option<Value> {
        self.i += 1;
        let mut bag = Bag::new();
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Some(Value::Bag(Arc::new(bag)));
        }
        loop {
            self.ws();
            let key = self.string()?;
            self.ws();
            if self.peek()? != b':' {
                return None;
            }
            self.i += 1;
            self.ws();
            let v = self.value()?;
            bag.insert(Arc::from(key), v);
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b'}' => {
                    self.i += 1;
                    return Some(Value::Bag(Arc::new(bag)));
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self) -> Option<Value> {
        self.i += 1;
        let mut items = Vec::new();
        self.ws();
        if self.peek() == Some(b']') {
            self.i += 1;
            return Some(Value::Array(Arc::new(items)));
        }
        loop {
            self.ws();
            items.push(self.value()?);
            self.ws();
            match self.peek()? {
                b',' => self.i += 1,
                b']' => {
                    self.i += 1;
                    return Some(Value::Array(Arc::new(items)));
                }
                _ => return None,
            }
        }
    }

    fn string(&mut self) -> Option<String> {
        let quote = self.peek()?;
        if quote != b'"' && quote != b'\'' {
            return None;
        }
        self.i += 1;
        let mut out = String::new();
        loop {
            let start = self.i;
            while self.i < self.s.len() && self.s[self.i] != quote && self.s[self.i] != b'\\' {
                self.i += 1;
            }
            out.push_str(self.text.get(start..self.i)?);
            match self.peek()? {
                b'\\' => {
                    self.i += 1;
                    let c = self.peek()?;
                    self.i += 1;
                    match c {
                        b'n' => out.push('\n'),
                        b't' => out.push('\t'),
                        b'r' => out.push('\r'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'/' => out.push('/'),
                        b'\\' => out.push('\\'),
                        b'"' => out.push('"'),
                        b'\'' => out.push('\''),
                        b'u' => {
                            let first = self.hex4()?;
                            let c = if (0xD800..0xDC00).contains(&first)
                                && self.s[self.i..].starts_with(b"\\u")
                            {
                                self.i += 2;
                                let second = self.hex4()?;
                                let code = 0x10000
                                    + ((u32::from(first) - 0xD800) << 10)
                                    + (u32::from(second).wrapping_sub(0xDC00) & 0x3FF);
                                char::from_u32(code).unwrap_or('\u{FFFD}')
                            } else {
                                char::from_u32(u32::from(first)).unwrap_or('\u{FFFD}')
                            };
                            out.push(c);
                        }
                        _ => return None,
                    }
                }
                _ => {
                    self.i += 1;
                    return Some(out);
                }
            }
        }
    }

    fn hex4(&mut self) -> Option<u16> {
        let h = self.text.get(self.i..self.i + 4)?;
        self.i += 4;
        u16::from_str_radix(h, 16).ok()
    }

    fn number(&mut self) -> Option<Value> {
        let start = self.i;
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        let mut real = false;
        while let Some(c) = self.peek() {
            match c {
                b'0'..=b'9' => {}
                b'.' | b'e' | b'E' => real = true,
                b'+' | b'-' if real => {}
                _ => break,
            }
            self.i += 1;
        }
        let text = self.text.get(start..self.i)?;
        if self.literals && self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
            // a timespan literal such as `1d` or `1.5h`
            let unit_start = self.i;
            while self.peek().is_some_and(|c| c.is_ascii_alphabetic()) {
                self.i += 1;
            }
            let unit = self.text.get(unit_start..self.i)?;
            let n: f64 = text.parse().ok()?;
            let ticks = n * time::unit_ticks(unit)?;
            return Some(Value::TimeSpan(ticks.round() as i64));
        }
        if !real && let Ok(l) = text.parse::<i64>() {
            return Some(match i32::try_from(l) {
                Ok(i) => Value::Int(i),
                Err(_) => Value::Long(l),
            });
        }
        text.parse::<f64>().ok().map(Value::Real)
    }

    /// `datetime(...)`, `timespan(...)`, `guid(...)`, `int(...)` ... inside a dynamic literal.
    fn kusto_literal(&mut self) -> Option<Value> {
        let start = self.i;
        while self
            .peek()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == b'_')
        {
            self.i += 1;
        }
        let name = self.text.get(start..self.i)?.to_ascii_lowercase();
        self.ws();
        if self.peek()? != b'(' {
            return None;
        }
        let open = self.i + 1;
        let close = open + self.text.get(open..)?.find(')')?;
        let inner = self.text.get(open..close)?.trim();
        self.i = close + 1;
        if inner == "null" {
            return Some(Value::Null);
        }
        Some(match name.as_str() {
            "datetime" | "date" => Value::DateTime(time::parse_datetime(inner)?),
            "timespan" | "time" => Value::TimeSpan(time::parse_timespan(inner)?),
            "guid" => Value::Guid(parse_guid(inner, false)?),
            "int" => Value::Int(inner.parse().ok()?),
            "long" => Value::Long(inner.parse().ok()?),
            "real" | "double" | "decimal" => Value::Real(inner.parse().ok()?),
            "bool" | "boolean" => Value::Bool(inner.eq_ignore_ascii_case("true")),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_json_and_literals() {
        let v = parse(r#"{"a": [1, 2.5, "x", null, true], "b": {"c": -3}}"#).unwrap();
        assert_eq!(
            v.to_json_text(),
            r#"{"a":[1,2.5,"x",null,true],"b":{"c":-3}}"#
        );
        assert!(parse("{'a': 'b'}").is_some());
        assert!(parse("{a:1}").is_none());
        assert!(parse("[1,").is_none());
        assert!(parse("12 34").is_none());
        let lit = parse_literal("{\"t\": datetime(2020-01-01), \"d\": 1d}").unwrap();
        assert_eq!(
            lit.to_json_text(),
            r#"{"t":"2020-01-01T00:00:00.0000000Z","d":"1.00:00:00"}"#
        );
        assert!(parse(&"[".repeat(10_000)).is_none());
    }
}
