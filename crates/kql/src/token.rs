//! Tokens produced by the lexer: kinds, byte spans and the lexical problems found while scanning.

use std::ops::Range;

/// What a token is. Keywords keep their text in the source; compare with [`Token::is_kw`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// A plain identifier (`Computer`, `_x`, `$left`).
    Ident,
    /// A Kusto keyword (`extend`, `project-away`, `!contains`, `matches regex`, `datetime` ...).
    Keyword,
    /// `123`, `0x1F`.
    LongLit,
    /// `1.5`, `1e3`, `real(1)`, `double(1)`.
    RealLit,
    /// `int(1)`, `int32(1)`.
    IntLit,
    /// `decimal(1.5)`.
    DecimalLit,
    /// `true`, `False`, `bool(true)`.
    BoolLit,
    /// `datetime(2020-01-01)`, `date(...)`.
    DateTimeLit,
    /// `1d`, `10ms`, `time(1d)`, `timespan(1.02:00:00)`.
    TimeSpanLit,
    /// `guid(...)` or a bare `00000000-0000-0000-0000-000000000000`.
    GuidLit,
    /// Any string literal form (`'a'`, `"a"`, `@'a'`, `h'a'`, fenced multi-line).
    StringLit,
    /// `(`
    LParen,
    /// `)`
    RParen,
    /// `[`
    LBracket,
    /// `]`
    RBracket,
    /// `{`
    LBrace,
    /// `}`
    RBrace,
    /// `|`
    Bar,
    /// `.`
    Dot,
    /// `..`
    DotDot,
    /// `+`
    Plus,
    /// `-`
    Minus,
    /// `*`
    Star,
    /// `/`
    Slash,
    /// `%`
    Percent,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
    /// `=`
    Eq,
    /// `==`
    EqEq,
    /// `!=`
    BangEq,
    /// `<>`
    LtGt,
    /// `=~`
    EqTilde,
    /// `!~`
    BangTilde,
    /// `:`
    Colon,
    /// `;`
    Semicolon,
    /// `,`
    Comma,
    /// `@`
    At,
    /// `?`
    Question,
    /// `=>`
    FatArrow,
    /// `<|`
    LtBar,
    /// `#...` directive line.
    Directive,
    /// A character that is not part of the language.
    Bad,
    /// End of the text (zero width, after trailing trivia).
    Eof,
}

/// A lexical problem attached to a token (the parser turns it into a diagnostic).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LexProblem {
    /// A literal is missing its closing text (a quote, a fence or `)`); reported at the token end.
    Missing(&'static str),
    /// The character is not part of the language.
    UnexpectedChar,
}

/// One token with its byte span in the query (trivia excluded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The kind.
    pub kind: TokenKind,
    /// Byte range of the token text.
    pub span: Range<usize>,
    /// Byte offset where the leading trivia (spaces, comments) of this token starts.
    pub trivia_start: usize,
    /// A problem found while scanning, if any.
    pub problem: Option<LexProblem>,
}

/// A token as the parser keeps it: kind and span only (the parser reports the lexical problems
/// as they are scanned and finds trivia from the previous token's end), a third of [`Token`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Tok {
    /// The kind.
    pub kind: TokenKind,
    /// Byte range of the token text.
    pub span: Range<usize>,
}

impl Tok {
    /// The token text.
    pub(crate) fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.span.clone()]
    }

    /// True if this is the keyword `kw`.
    pub(crate) fn is_kw(&self, src: &str, kw: &str) -> bool {
        self.kind == TokenKind::Keyword && self.text(src) == kw
    }
}

impl Token {
    /// The token text.
    pub fn text<'a>(&self, src: &'a str) -> &'a str {
        &src[self.span.clone()]
    }

    /// True if this is the keyword `kw`.
    pub fn is_kw(&self, src: &str, kw: &str) -> bool {
        self.kind == TokenKind::Keyword && self.text(src) == kw
    }

    /// True if the token has leading trivia (whitespace or comments).
    pub fn has_trivia(&self) -> bool {
        self.trivia_start < self.span.start
    }
}
