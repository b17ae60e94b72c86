//! The lexer: turns query text into [`Token`]s with byte spans, following Kusto's scanning rules
//! (longest keyword match, `keyword(...)` literals, the string literal forms, timespan suffixes).

use std::borrow::Cow;
use std::sync::OnceLock;

use crate::fxhash::FxHashMap;
use crate::keywords::KEYWORDS;
use crate::token::{LexProblem, Tok, Token, TokenKind};

/// Splits `src` into tokens. The last token is always [`TokenKind::Eof`].
pub fn lex(src: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(src.len() / 4 + 1);
    // a token's trivia starts where the previous token ends
    let mut trivia_start = 0;
    scan(src, |tok, problem| {
        let end = tok.span.end;
        tokens.push(Token {
            kind: tok.kind,
            span: tok.span,
            trivia_start,
            problem,
        });
        trivia_start = end;
    });
    tokens
}

/// Hands every token of `src` to `emit` with its lexical problem, in order, up to and
/// including [`TokenKind::Eof`].
pub(crate) fn scan(src: &str, mut emit: impl FnMut(Tok, Option<LexProblem>)) {
    let mut lexer = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        problem: None,
    };
    loop {
        let tok = lexer.next_token();
        let eof = tok.kind == TokenKind::Eof;
        emit(tok, lexer.problem.take());
        if eof {
            return;
        }
    }
}

/// The keyword table arranged for [`Lexer::keyword_at`].
struct KeywordIndex {
    /// By run of identifier characters: the keyword made of that run alone, and the longer
    /// ones that start with it and go on with a dash, a space or `~` (`project-away`,
    /// `matches regex`, `in~`), longest first.
    runs: FxHashMap<&'static str, KeywordRun>,
    /// Per first byte, a bit for each run length some keyword starts with (a quick no for
    /// most identifiers, `TimeGenerated` for one, before hashing).
    lengths: [u64; 128],
    /// Keywords that start with another character (`!contains`), longest first.
    other: Vec<&'static str>,
}

/// The keywords that start with one run of identifier characters.
#[derive(Default)]
struct KeywordRun {
    plain: Option<&'static str>,
    compound: Vec<&'static str>,
}

/// Byte classes of the lexer's hot loops.
const IDENT: u8 = 1;
const SPACE: u8 = 2;

static CLASS: [u8; 256] = {
    let mut class = [0; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'_' {
            class[b] = IDENT;
        } else if matches!(c, b' ' | b'\t' | b'\r' | b'\n') {
            class[b] = SPACE;
        }
        b += 1;
    }
    class
};

/// True for bytes that may continue an identifier (ASCII letters and digits, `_`, like Kusto).
fn ident_byte(b: u8) -> bool {
    CLASS[usize::from(b)] == IDENT
}

fn keyword_index() -> &'static KeywordIndex {
    static INDEX: OnceLock<KeywordIndex> = OnceLock::new();
    INDEX.get_or_init(|| {
        let mut index = KeywordIndex {
            runs: FxHashMap::default(),
            lengths: [0; 128],
            other: Vec::new(),
        };
        for &kw in KEYWORDS {
            let run = kw.bytes().take_while(|&b| ident_byte(b)).count();
            if run == 0 {
                index.other.push(kw);
                continue;
            }
            let entry = index.runs.entry(&kw[..run]).or_default();
            if run == kw.len() {
                entry.plain = Some(kw);
            } else {
                entry.compound.push(kw);
            }
            index.lengths[usize::from(kw.as_bytes()[0])] |= 1 << run.min(63);
        }
        index.other.sort_by_key(|k| std::cmp::Reverse(k.len()));
        for run in index.runs.values_mut() {
            run.compound.sort_by_key(|k| std::cmp::Reverse(k.len()));
        }
        index
    })
}

const TIMESPAN_SUFFIXES: &[&str] = &[
    "m",
    "min",
    "minute",
    "minutes",
    "s",
    "sec",
    "second",
    "seconds",
    "d",
    "day",
    "days",
    "h",
    "hr",
    "hrs",
    "hour",
    "hours",
    "ms",
    "milli",
    "millis",
    "millisec",
    "millisecond",
    "milliseconds",
    "micro",
    "micros",
    "microsec",
    "microsecond",
    "microseconds",
    "nano",
    "nanos",
    "nanosec",
    "nanosecond",
    "nanoseconds",
    "tick",
    "ticks",
];

/// True for characters that may start an identifier (ASCII letters, `_`, `$`, like Kusto).
pub(crate) fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || c == '$'
}

/// Kusto's whitespace characters.
fn is_whitespace(c: char) -> bool {
    matches!(
        c,
        '\t' | ' ' | '\r' | '\n' | '\u{000c}' | '\u{00a0}' | '\u{1680}' | '\u{180e}' | '\u{2000}'
            ..='\u{200b}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

struct Lexer<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    /// The problem of the token just scanned.
    problem: Option<LexProblem>,
}

impl Lexer<'_> {
    fn peek_char(&self, at: usize) -> Option<char> {
        match self.bytes.get(at) {
            Some(&b) if b.is_ascii() => Some(char::from(b)),
            _ => self.src.get(at..).and_then(|s| s.chars().next()),
        }
    }

    fn byte(&self, at: usize) -> u8 {
        self.bytes.get(at).copied().unwrap_or(0)
    }

    fn ident_char_at(&self, at: usize) -> bool {
        ident_byte(self.byte(at))
    }

    fn skip_trivia(&mut self) {
        loop {
            while self
                .bytes
                .get(self.pos)
                .is_some_and(|&b| CLASS[usize::from(b)] == SPACE)
            {
                self.pos += 1;
            }
            match self.peek_char(self.pos) {
                Some(c) if is_whitespace(c) => self.pos += c.len_utf8(),
                Some('/') if self.byte(self.pos + 1) == b'/' => {
                    while self.pos < self.bytes.len()
                        && !matches!(self.bytes[self.pos], b'\n' | b'\r')
                    {
                        self.pos += 1;
                    }
                }
                _ => return,
            }
        }
    }

    fn make(&mut self, kind: TokenKind, start: usize, end: usize) -> Tok {
        self.pos = end;
        Tok {
            kind,
            span: start..end,
        }
    }

    fn next_token(&mut self) -> Tok {
        self.skip_trivia();
        let start = self.pos;
        let first = self.byte(start);
        if first.is_ascii_alphabetic() || first == b'_' {
            return self.word(start);
        }
        let Some(c) = self.peek_char(start) else {
            return self.make(TokenKind::Eof, start, start);
        };
        if !c.is_ascii_alphanumeric() {
            if let Some((kind, len)) = self.punctuation(start) {
                return self.make(kind, start, start + len);
            }
            if matches!(c, '\'' | '"' | '`' | '~')
                || (c == '@' && matches!(self.byte(start + 1), b'\'' | b'"'))
            {
                if let Some(tok) = self.string_literal(start) {
                    return tok;
                }
            } else if c == '#' {
                let end = self.src[start..]
                    .find(['\n', '\r'])
                    .map_or(self.src.len(), |i| start + i);
                return self.make(TokenKind::Directive, start, end);
            }
        }
        if let Some(tok) = self.keyword_token(start, self.ident_run(start)) {
            return tok;
        }
        if is_ident_start(c) {
            if let Some(len) = self.boolean_literal(start) {
                return self.make(TokenKind::BoolLit, start, start + len);
            }
            if self.raw_guid(start) {
                return self.make(TokenKind::GuidLit, start, start + 36);
            }
            let end = self.scan_identifier(start);
            if end == start + 1
                && matches!(c, 'h' | 'H')
                && matches!(self.byte(end), b'\'' | b'"' | b'@' | b'`' | b'~')
                && let Some(tok) = self.string_literal(start)
            {
                return tok;
            }
            return self.make(TokenKind::Ident, start, end);
        }
        if c.is_ascii_digit() {
            if self.raw_guid(start) {
                return self.make(TokenKind::GuidLit, start, start + 36);
            }
            if let Some(len) = self.real_literal(start) {
                return self.make(TokenKind::RealLit, start, start + len);
            }
            if let Some(len) = self.timespan_literal(start) {
                return self.make(TokenKind::TimeSpanLit, start, start + len);
            }
            if let Some(len) = self.long_literal(start) {
                return self.make(TokenKind::LongLit, start, start + len);
            }
            let digits = self.digits(start);
            if self
                .peek_char(start + digits)
                .is_some_and(|c| c.is_alphabetic() || c == '_')
            {
                let end = self.scan_identifier(start + digits);
                return self.make(TokenKind::Ident, start, end);
            }
        }
        self.problem = Some(LexProblem::UnexpectedChar);
        self.make(TokenKind::Bad, start, start + c.len_utf8())
    }

    /// Length of the run of identifier bytes at `at`.
    fn ident_run(&self, at: usize) -> usize {
        let mut end = at;
        while self.bytes.get(end).is_some_and(|&b| ident_byte(b)) {
            end += 1;
        }
        end - at
    }

    /// A token starting with a letter or `_`: a keyword (or `keyword(...)` literal), `true`,
    /// a bare guid, an `h'...'` string or an identifier. `run` is decided once and used for
    /// all of them (each needs the whole run of identifier bytes).
    fn word(&mut self, start: usize) -> Tok {
        let run = self.ident_run(start);
        if let Some(tok) = self.keyword_token(start, run) {
            return tok;
        }
        if matches!(run, 4 | 5)
            && let Some(len) = self.boolean_literal(start)
        {
            return self.make(TokenKind::BoolLit, start, start + len);
        }
        // a bare guid starts with 8 hex digits and a dash
        if run == 8 && self.raw_guid(start) {
            return self.make(TokenKind::GuidLit, start, start + 36);
        }
        let end = start + run;
        if run == 1
            && matches!(self.byte(start), b'h' | b'H')
            && matches!(self.byte(end), b'\'' | b'"' | b'@' | b'`' | b'~')
            && let Some(tok) = self.string_literal(start)
        {
            return tok;
        }
        self.make(TokenKind::Ident, start, end)
    }

    /// The keyword token (or `keyword(...)` literal) at `start`, if there is one.
    fn keyword_token(&mut self, start: usize, run: usize) -> Option<Tok> {
        let kw = self.keyword_at(start, run)?;
        let after = start + kw.len();
        if self.byte(after) == b'('
            && let Some(kind) = goo_kind(kw)
        {
            return Some(self.goo_literal(kind, start, after));
        }
        Some(self.make(TokenKind::Keyword, start, after))
    }

    fn punctuation(&self, at: usize) -> Option<(TokenKind, usize)> {
        use TokenKind::*;
        let next = self.byte(at + 1);
        Some(match self.byte(at) {
            b'(' => (LParen, 1),
            b')' => (RParen, 1),
            b'[' => (LBracket, 1),
            b']' => (RBracket, 1),
            b'{' => (LBrace, 1),
            b'}' => (RBrace, 1),
            b'|' => (Bar, 1),
            b'.' if next == b'.' => (DotDot, 2),
            b'.' => (Dot, 1),
            b'+' => (Plus, 1),
            b'-' => (Minus, 1),
            b'*' => (Star, 1),
            b'/' => (Slash, 1),
            b'%' => (Percent, 1),
            b'<' if next == b'=' => (Le, 2),
            b'<' if next == b'|' => (LtBar, 2),
            b'<' if next == b'>' => (LtGt, 2),
            b'<' => (Lt, 1),
            b'>' if next == b'=' => (Ge, 2),
            b'>' => (Gt, 1),
            b'=' if next == b'=' => (EqEq, 2),
            b'=' if next == b'>' => (FatArrow, 2),
            b'=' if next == b'~' => (EqTilde, 2),
            b'=' => (Eq, 1),
            b'!' if next == b'=' => (BangEq, 2),
            b'!' if next == b'~' => (BangTilde, 2),
            b':' => (Colon, 1),
            b';' => (Semicolon, 1),
            b',' => (Comma, 1),
            b'@' if !matches!(next, b'\'' | b'"' | b'`' | b'~') => (At, 1),
            b'?' => (Question, 1),
            _ => return None,
        })
    }

    /// The keyword token at `at`: Kusto takes the longest keyword that is a prefix of the
    /// text there, and that is a keyword token only when no identifier character follows it
    /// (otherwise the text is an identifier, even if a shorter keyword would fit). `run` is the
    /// length of the run of identifier bytes at `at`.
    fn keyword_at(&self, at: usize, run: usize) -> Option<&'static str> {
        let index = keyword_index();
        let rest = &self.bytes[at..];
        let longest = if run == 0 {
            index
                .other
                .iter()
                .find(|kw| rest.starts_with(kw.as_bytes()))
                .copied()
        } else {
            // a compound keyword starts with the whole run and is longer than a plain one; a
            // plain keyword shorter than the run is followed by an identifier character
            if index.lengths[usize::from(rest[0] & 0x7f)] & (1 << run.min(63)) == 0 {
                return None;
            }
            let keywords = index.runs.get(&self.src[at..at + run])?;
            keywords
                .compound
                .iter()
                .find(|kw| rest.starts_with(kw.as_bytes()))
                .copied()
                .or(keywords.plain)
        }?;
        (!self.ident_char_at(at + longest.len())).then_some(longest)
    }

    fn goo_literal(&mut self, kind: TokenKind, start: usize, open: usize) -> Tok {
        let mut pos = open + 1;
        while pos < self.bytes.len() && !matches!(self.bytes[pos], b')' | b'\n' | b'\r') {
            pos += 1;
        }
        let closed = self.byte(pos) == b')';
        if closed {
            pos += 1;
        }
        if !closed {
            self.problem = Some(LexProblem::Missing(")"));
        }
        self.make(kind, start, pos)
    }

    fn boolean_literal(&self, at: usize) -> Option<usize> {
        if !matches!(self.byte(at), b't' | b'T' | b'f' | b'F') {
            return None;
        }
        ["true", "True", "TRUE", "false", "False", "FALSE"]
            .iter()
            .find(|w| {
                self.bytes[at..].starts_with(w.as_bytes()) && !self.ident_char_at(at + w.len())
            })
            .map(|w| w.len())
    }

    fn scan_identifier(&self, start: usize) -> usize {
        match self.byte(start) {
            b if b.is_ascii_alphanumeric() || b == b'_' || b == b'$' => {
                start
                    + 1
                    + self.bytes[start + 1..]
                        .iter()
                        .take_while(|&&b| ident_byte(b))
                        .count()
            }
            _ => start,
        }
    }

    fn digits(&self, at: usize) -> usize {
        self.bytes[at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    }

    fn hex_digits(&self, at: usize, n: usize) -> bool {
        (0..n).all(|i| self.byte(at + i).is_ascii_hexdigit())
    }

    fn raw_guid(&self, at: usize) -> bool {
        self.hex_digits(at, 8)
            && self.byte(at + 8) == b'-'
            && self.hex_digits(at + 9, 4)
            && self.byte(at + 13) == b'-'
            && self.hex_digits(at + 14, 4)
            && self.byte(at + 18) == b'-'
            && self.hex_digits(at + 19, 4)
            && self.byte(at + 23) == b'-'
            && self.hex_digits(at + 24, 12)
    }

    fn exponent(&self, at: usize) -> Option<usize> {
        if !matches!(self.byte(at), b'e' | b'E') {
            return None;
        }
        let mut pos = at + 1;
        if matches!(self.byte(pos), b'+' | b'-') {
            pos += 1;
        }
        let d = self.digits(pos);
        (d > 0).then_some(pos + d - at)
    }

    fn real_literal(&self, at: usize) -> Option<usize> {
        let d = self.digits(at);
        let mut pos = at + d;
        if self.byte(pos) == b'.' && (self.byte(pos + 1) != b'.' || self.byte(pos + 2) == b'.') {
            pos += 1;
            pos += self.digits(pos);
            if let Some(e) = self.exponent(pos) {
                pos += e;
            }
        } else {
            pos += self.exponent(pos)?;
        }
        (!self.ident_char_at(pos)).then_some(pos - at)
    }

    fn timespan_literal(&self, at: usize) -> Option<usize> {
        let mut len = self.digits(at);
        if self.byte(at + len) == b'.' {
            len += 1 + self.digits(at + len + 1);
        }
        let rest = &self.bytes[at + len..];
        // every suffix starts with a letter
        if !rest.first().is_some_and(u8::is_ascii_alphabetic) {
            return None;
        }
        let suffix = TIMESPAN_SUFFIXES
            .iter()
            .filter(|s| rest.starts_with(s.as_bytes()))
            .map(|s| s.len())
            .max()?;
        let end = at + len + suffix;
        (!self.ident_char_at(end)).then_some(end - at)
    }

    fn long_literal(&self, at: usize) -> Option<usize> {
        if self.byte(at) == b'0' && matches!(self.byte(at + 1), b'x' | b'X') {
            let hex = self.bytes[at + 2..]
                .iter()
                .take_while(|b| b.is_ascii_hexdigit())
                .count();
            if hex > 0 && !self.ident_char_at(at + 2 + hex) {
                return Some(2 + hex);
            }
        }
        let d = self.digits(at);
        (d > 0 && !self.ident_char_at(at + d)).then_some(d)
    }

    fn string_literal(&mut self, start: usize) -> Option<Tok> {
        let mut pos = start;
        if matches!(self.byte(pos), b'h' | b'H') {
            pos += 1;
        }
        let verbatim = self.byte(pos) == b'@';
        if verbatim {
            pos += 1;
        }
        let missing: Option<&'static str>;
        match self.byte(pos) {
            q @ (b'\'' | b'"') => {
                pos += 1;
                pos = self.string_content(pos, q, verbatim);
                if self.byte(pos) == q {
                    pos += 1;
                    missing = None;
                } else {
                    missing = Some(if q == b'\'' { "'" } else { "\"" });
                }
            }
            b'`' | b'~' => {
                let fence = if self.byte(pos) == b'`' { "```" } else { "~~~" };
                if !self.bytes[pos..].starts_with(fence.as_bytes()) {
                    return None;
                }
                pos += 3;
                match self.src[pos..].find(fence) {
                    Some(i) => {
                        pos += i + 3;
                        missing = None;
                    }
                    None => {
                        pos = self.bytes.len();
                        missing = Some(fence);
                    }
                }
            }
            _ => return None,
        }
        self.problem = missing.map(LexProblem::Missing);
        Some(self.make(TokenKind::StringLit, start, pos))
    }

    /// Scans the content of a quoted string; returns the position of the closing quote (or where
    /// scanning stopped: a line break, a bad escape or the end).
    fn string_content(&self, mut pos: usize, quote: u8, verbatim: bool) -> usize {
        while pos < self.bytes.len() {
            let b = self.bytes[pos];
            if b == quote && verbatim && self.byte(pos + 1) == quote {
                pos += 2;
            } else if b == b'\\' && !verbatim {
                match self.escape_len(pos) {
                    Some(n) => pos += n,
                    None => break,
                }
            } else if b == quote || b == b'\r' || b == b'\n' {
                break;
            } else {
                pos += 1;
            }
        }
        pos
    }

    fn escape_len(&self, at: usize) -> Option<usize> {
        match self.byte(at + 1) {
            b'\\' | b'\'' | b'"' | b'a' | b'b' | b'f' | b'n' | b'r' | b't' | b'v' => Some(2),
            b'u' => self.hex_digits(at + 2, 4).then_some(6),
            b'U' => self.hex_digits(at + 2, 8).then_some(10),
            b'x' => self.hex_digits(at + 2, 2).then_some(4),
            b'0'..=b'7' => {
                let oct = |i: usize| matches!(self.byte(at + 1 + i), b'0'..=b'7');
                Some(if !oct(1) {
                    2
                } else if oct(2) && self.byte(at + 1) <= b'3' {
                    4
                } else {
                    3
                })
            }
            _ => None,
        }
    }
}

fn goo_kind(kw: &str) -> Option<TokenKind> {
    Some(match kw {
        "long" | "int64" => TokenKind::LongLit,
        "int" | "int32" => TokenKind::IntLit,
        "real" | "double" => TokenKind::RealLit,
        "decimal" => TokenKind::DecimalLit,
        "bool" => TokenKind::BoolLit,
        "datetime" | "date" => TokenKind::DateTimeLit,
        "time" | "timespan" => TokenKind::TimeSpanLit,
        "guid" => TokenKind::GuidLit,
        _ => return None,
    })
}

/// Decodes the value of a string literal token (all the literal forms), for constant folding
/// and bracketed names. Invalid escapes are kept as written.
pub fn string_value(text: &str) -> String {
    decode_string(text).into_owned()
}

/// [`string_value`], borrowing from `text` when the value is written as is (no escapes, no
/// doubled quotes).
pub(crate) fn decode_string(text: &str) -> Cow<'_, str> {
    let mut s = text;
    if s.starts_with(['h', 'H']) {
        s = &s[1..];
    }
    let verbatim = s.starts_with('@');
    if verbatim {
        s = &s[1..];
    }
    for fence in ["```", "~~~"] {
        if let Some(inner) = s.strip_prefix(fence) {
            return Cow::Borrowed(inner.strip_suffix(fence).unwrap_or(inner));
        }
    }
    let Some(quote) = s.chars().next() else {
        return Cow::Borrowed("");
    };
    let inner = &s[1..];
    let inner = inner.strip_suffix(quote).unwrap_or(inner);
    if verbatim {
        let doubled: String = [quote, quote].iter().collect();
        if !inner.contains(&doubled) {
            return Cow::Borrowed(inner);
        }
        return Cow::Owned(inner.replace(&doubled, &quote.to_string()));
    }
    if !inner.contains('\\') {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('a') => out.push('\u{7}'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('v') => out.push('\u{b}'),
            Some(x @ ('u' | 'U' | 'x')) => {
                let n = match x {
                    'u' => 4,
                    'U' => 8,
                    _ => 2,
                };
                let hex: String = chars.by_ref().take(n).collect();
                match u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    Some(ch) => out.push(ch),
                    None => {
                        out.push('\\');
                        out.push(x);
                        out.push_str(&hex);
                    }
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        lex(src).iter().map(|t| (t.kind, t.text(src))).collect()
    }

    #[test]
    fn keywords_with_dashes_and_spaces() {
        use TokenKind::*;
        assert_eq!(
            kinds("source | project-away a | where b matches regex 'x' and c !contains_cs \"y\""),
            vec![
                (Ident, "source"),
                (Bar, "|"),
                (Keyword, "project-away"),
                (Ident, "a"),
                (Bar, "|"),
                (Keyword, "where"),
                (Ident, "b"),
                (Keyword, "matches regex"),
                (StringLit, "'x'"),
                (Keyword, "and"),
                (Ident, "c"),
                (Keyword, "!contains_cs"),
                (StringLit, "\"y\""),
                (Eof, ""),
            ]
        );
    }

    /// The keyword rule as Kusto states it: the longest keyword that is a prefix of the text,
    /// a keyword token only when no identifier character follows.
    fn reference_keyword(text: &str) -> Option<&'static str> {
        let longest = KEYWORDS
            .iter()
            .filter(|kw| text.starts_with(**kw))
            .max_by_key(|kw| kw.len())?;
        let next = text.as_bytes().get(longest.len()).copied().unwrap_or(0);
        (!ident_byte(next)).then_some(*longest)
    }

    #[test]
    fn keyword_index_follows_the_longest_match_rule() {
        let tails = [
            "", "x", "_", "1", " ", "(", "-", "~", "-away", "-awayx", " regex", " regexp", "~x",
            "!", "=",
        ];
        let mut texts: Vec<String> = Vec::new();
        for kw in KEYWORDS {
            for cut in 1..=kw.len() {
                for tail in tails {
                    texts.push(format!("{}{tail}", &kw[..cut]));
                }
            }
        }
        for text in &texts {
            let lexer = Lexer {
                src: text,
                bytes: text.as_bytes(),
                pos: 0,
                problem: None,
            };
            assert_eq!(
                lexer.keyword_at(0, lexer.ident_run(0)),
                reference_keyword(text),
                "{text:?}"
            );
        }
    }

    #[test]
    fn keyword_prefix_of_identifier_is_identifier() {
        assert_eq!(
            kinds("hash_sha256 int64x inx"),
            vec![
                (TokenKind::Ident, "hash_sha256"),
                (TokenKind::Ident, "int64x"),
                (TokenKind::Ident, "inx"),
                (TokenKind::Eof, ""),
            ]
        );
    }

    #[test]
    fn literals() {
        use TokenKind::*;
        let src = "1 1.5 1e3 1. 0x1F 1ms 2d 1.5h 10tick datetime(2020-01-01) int(1) time(1d) guid(x) 01234567-89ab-cdef-0123-456789abcdef true False decimal(1)";
        let got: Vec<TokenKind> = lex(src).iter().map(|t| t.kind).collect();
        assert_eq!(
            got,
            vec![
                LongLit,
                RealLit,
                RealLit,
                RealLit,
                LongLit,
                TimeSpanLit,
                TimeSpanLit,
                TimeSpanLit,
                TimeSpanLit,
                DateTimeLit,
                IntLit,
                TimeSpanLit,
                GuidLit,
                GuidLit,
                BoolLit,
                BoolLit,
                DecimalLit,
                Eof
            ]
        );
    }

    #[test]
    fn spaced_type_keyword_is_not_a_literal() {
        let toks = lex("datetime (1)");
        assert_eq!(toks[0].kind, TokenKind::Keyword);
        assert_eq!(toks[1].kind, TokenKind::LParen);
    }

    #[test]
    fn strings_and_spans() {
        let src = "x = @'a''b' , h\"secret\" // comment\n ```multi\nline``` 'open";
        let toks = lex(src);
        let texts: Vec<&str> = toks.iter().map(|t| t.text(src)).collect();
        assert_eq!(
            texts,
            vec![
                "x",
                "=",
                "@'a''b'",
                ",",
                "h\"secret\"",
                "```multi\nline```",
                "'open",
                ""
            ]
        );
        assert_eq!(toks[2].span, 4..11);
        assert_eq!(toks[5].trivia_start, 23);
        assert_eq!(toks[6].problem, Some(LexProblem::Missing("'")));
        assert_eq!(string_value("@'a''b'"), "a'b");
        assert_eq!(string_value("'a\\tb\\u0041'"), "a\tbA");
        assert_eq!(string_value("h\"secret\""), "secret");
    }

    #[test]
    fn unclosed_goo_and_bad_char() {
        let toks = lex("datetime(2020 ^");
        assert_eq!(toks[0].kind, TokenKind::DateTimeLit);
        assert_eq!(toks[0].problem, Some(LexProblem::Missing(")")));
        assert_eq!(toks[0].span, 0..15);
        let toks = lex("a ^ b");
        assert_eq!(toks[1].kind, TokenKind::Bad);
        assert_eq!(toks[1].span, 2..3);
    }
}
