//! `parse_xml`: XML text to a dynamic value with Kusto's mapping (the root element becomes a
//! property; attributes are `@name`; text next to attributes or elements is `#text`;
//! repeated child elements become an array; an empty element is null). Declarations,
//! comments and processing instructions are skipped; invalid XML gives null.

use std::sync::Arc;

use crate::eval::value::{Bag, Value};

/// Inputs longer than this give null (Kusto's documented limit).
const MAX_INPUT: usize = 1 << 20;
/// Deeper nesting gives null (stack safety).
const MAX_DEPTH: usize = 256;

/// Parses an XML document.
pub(crate) fn parse(text: &str) -> Option<Value> {
    if text.len() > MAX_INPUT {
        return None;
    }
    let mut p = Parser { s: text, i: 0 };
    p.misc()?;
    let (name, value) = p.element(0)?;
    p.misc()?;
    if p.i != p.s.len() {
        return None;
    }
    let mut bag = Bag::new();
    bag.insert(Arc::from(name.as_str()), value);
    Some(Value::Bag(Arc::new(bag)))
}

struct Parser<'a> {
    s: &'a str,
    i: usize,
}

impl Parser<'_> {
    fn rest(&self) -> &str {
        &self.s[self.i..]
    }

    fn ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.i = self.s.len() - trimmed.len();
    }

    /// Skips whitespace, comments, declarations and processing instructions.
    fn misc(&mut self) -> Option<()> {
        loop {
            self.ws();
            let r = self.rest();
            if r.starts_with("<?") {
                self.i += r.find("?>")? + 2;
            } else if r.starts_with("<!--") {
                self.i += r.find("-->")? + 3;
            } else if r.starts_with("<!") && !r.starts_with("<![CDATA[") {
                self.i += r.find('>')? + 1;
            } else {
                return Some(());
            }
        }
    }

    fn name(&mut self) -> Option<String> {
        let r = self.rest();
        let end = r
            .find(|c: char| c.is_whitespace() || matches!(c, '/' | '>' | '=' | '<'))
            .unwrap_or(r.len());
        if end == 0 {
            return None;
        }
        let name = r[..end].to_string();
        self.i += end;
        Some(name)
    }

    /// One element; returns its name and value.
    fn element(&mut self, depth: usize) -> Option<(String, Value)> {
        if depth > MAX_DEPTH || !self.rest().starts_with('<') {
            return None;
        }
        self.i += 1;
        let name = self.name()?;
        let mut attrs = Bag::new();
        loop {
            self.ws();
            let r = self.rest();
            if r.starts_with("/>") {
                self.i += 2;
                return Some((name, finish(attrs, Vec::new(), String::new())));
            }
            if r.starts_with('>') {
                self.i += 1;
                break;
            }
            let attr = self.name()?;
            self.ws();
            if !self.rest().starts_with('=') {
                return None;
            }
            self.i += 1;
            self.ws();
            let quote = self.rest().chars().next()?;
            if quote != '"' && quote != '\'' {
                return None;
            }
            self.i += 1;
            let end = self.rest().find(quote)?;
            let value = unescape(&self.rest()[..end])?;
            self.i += end + 1;
            attrs.insert(Arc::from(format!("@{attr}")), Value::from(value));
        }
        let mut children: Vec<(String, Value)> = Vec::new();
        let mut text = String::new();
        loop {
            let r = self.rest();
            if r.is_empty() {
                return None;
            }
            if let Some(body) = r.strip_prefix("</") {
                let end = body.find('>')?;
                if body[..end].trim() != name {
                    return None;
                }
                self.i += 2 + end + 1;
                return Some((name, finish(attrs, children, text)));
            }
            if r.starts_with("<![CDATA[") {
                let end = r.find("]]>")?;
                text.push_str(&r[9..end]);
                self.i += end + 3;
            } else if r.starts_with("<!--") {
                self.i += r.find("-->")? + 3;
            } else if r.starts_with("<?") {
                self.i += r.find("?>")? + 2;
            } else if r.starts_with('<') {
                children.push(self.element(depth + 1)?);
            } else {
                let end = r.find('<').unwrap_or(r.len());
                text.push_str(&unescape(&r[..end])?);
                self.i += end;
            }
        }
    }
}

/// The value of an element from its attributes, children and text.
fn finish(attrs: Bag, children: Vec<(String, Value)>, text: String) -> Value {
    let text = text.trim();
    if attrs.is_empty() && children.is_empty() {
        return if text.is_empty() {
            Value::Null
        } else {
            Value::string(text)
        };
    }
    let mut bag = attrs;
    if !text.is_empty() {
        bag.insert(Arc::from("#text"), Value::string(text));
    }
    let mut names: Vec<String> = Vec::new();
    for (name, _) in &children {
        if !names.contains(name) {
            names.push(name.clone());
        }
    }
    for name in names {
        let values: Vec<Value> = children
            .iter()
            .filter(|(n, _)| *n == name)
            .map(|(_, v)| v.clone())
            .collect();
        let value = if values.len() == 1 {
            values.into_iter().next().unwrap_or_default()
        } else {
            Value::Array(Arc::new(values))
        };
        bag.insert(Arc::from(name.as_str()), value);
    }
    Value::Bag(Arc::new(bag))
}

fn unescape(s: &str) -> Option<String> {
    if !s.contains('&') {
        return Some(s.to_string());
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(pos) = rest.find('&') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let end = after.find(';')?;
        let entity = &after[..end];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            e if e.starts_with("#x") => char::from_u32(u32::from_str_radix(&e[2..], 16).ok()?)?,
            e if e.starts_with('#') => char::from_u32(e[1..].parse().ok()?)?,
            _ => return None,
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn j(xml: &str) -> String {
        parse(xml)
            .map(|v| v.to_json_text())
            .unwrap_or("invalid".into())
    }

    #[test]
    fn documented_mapping() {
        assert_eq!(j("<e/>"), r#"{"e":null}"#);
        assert_eq!(j("<e>text</e>"), r#"{"e":"text"}"#);
        assert_eq!(j(r#"<e name="value" />"#), r#"{"e":{"@name":"value"}}"#);
        assert_eq!(
            j(r#"<e name="value">text</e>"#),
            r##"{"e":{"@name":"value","#text":"text"}}"##
        );
        assert_eq!(
            j("<e> <a>text</a> <b>text</b> </e>"),
            r#"{"e":{"a":"text","b":"text"}}"#
        );
        assert_eq!(
            j("<e> <a>text</a> <a>text</a> </e>"),
            r#"{"e":{"a":["text","text"]}}"#
        );
        assert_eq!(
            j("<e> text <a>text</a> </e>"),
            r##"{"e":{"#text":"text","a":"text"}}"##
        );
        assert_eq!(j("<a><b></a>"), "invalid");
        assert_eq!(j(&"<a>".repeat(1000)), "invalid");
    }
}
