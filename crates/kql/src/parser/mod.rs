//! Recursive-descent parser producing [`crate::ast`] with spans, with Kusto.Language's error
//! recovery for the common mistakes (missing expression/token, unknown query operator, leftover
//! text), so that the checker still sees a best-effort tree.

mod expr;
mod full_ops;
mod ops;

use std::borrow::Cow;

use bumpalo::Bump;
use bumpalo::collections::Vec as ArenaVec;

use crate::ast::{
    Expr, ExprKind, FunctionDecl, LetValue, Name, NameKind, Param, ParamType, Query, Span, Stmt,
    TypeName,
};
use crate::diag::{Diagnostics, codes};
use crate::keywords::{is_type_keyword, keyword_is_declarable, keyword_is_identifier};
use crate::lexer::{decode_string, scan};
use crate::token::{LexProblem, Tok, TokenKind};
use crate::types::Ty;

/// The deepest syntax tree that is analysed, in Kusto.Language's measure (its
/// `MaxAnalysisDepth`): deeper queries get KS245 and no semantic analysis, like Kusto.
pub(crate) const MAX_DEPTH: u32 = 500;

/// Syntax levels above a statement's expression in Kusto's tree (query block, statement list,
/// separator element, expression statement).
const STATEMENT_DEPTH: u32 = 4;

/// Most nested parser calls (expressions, JSON values, function bodies) before the parser
/// stops: each nested call is at least one more level of syntax depth, so a query nested this
/// deep is over [`MAX_DEPTH`] anyway; the bound keeps the parser's own stack use (and a hostile
/// `((((…`'s memory) small, and puts KS245 where the limit is crossed.
const MAX_NESTING: u32 = MAX_DEPTH - STATEMENT_DEPTH;

/// Stack left below which a recursive step continues on a new stack segment, and that
/// segment's size (only queries nested far deeper than real ones get there).
pub(crate) const STACK_RED_ZONE: usize = 256 * 1024;
pub(crate) const STACK_SEGMENT: usize = 4 * 1024 * 1024;

/// Parses a whole query into `arena`. Syntax diagnostics are appended to `diags`.
pub(crate) fn parse<'a>(src: &'a str, arena: &'a Bump, diags: &mut Diagnostics) -> Query<'a> {
    let mut p = parser(src, arena, diags, 0);
    let statements = p.parse_statements();
    p.finish(statements)
}

/// Parses a stored function's `(parameters) { body }`, numbering its nodes from `first_id`.
/// Returns the declaration and the next free node id, or `None` if it does not parse cleanly
/// (its diagnostics belong to the function, not to the query that calls it).
pub(crate) fn parse_function_text<'a>(
    src: &'a str,
    arena: &'a Bump,
    first_id: u32,
) -> Option<(FunctionDecl<'a>, u32)> {
    let mut diags = Diagnostics::default();
    let mut p = parser(src, arena, &mut diags, first_id);
    if !p.at_function_decl() {
        return None;
    }
    let decl = p.parse_function_decl();
    let clean = p.at(TokenKind::Eof) && p.too_deep.is_none();
    let next = p.next_id;
    (clean && diags.items.is_empty()).then_some((decl, next))
}

fn parser<'a, 'd>(
    src: &'a str,
    arena: &'a Bump,
    diags: &'d mut Diagnostics,
    first_id: u32,
) -> Parser<'a, 'd> {
    // rarely more than one token per two bytes of text
    let mut tokens = ArenaVec::with_capacity_in(src.len() / 2 + 2, arena);
    scan(src, |tok, problem| {
        match problem {
            Some(LexProblem::Missing(what)) => diags.error(
                codes::MISSING_TEXT,
                format!("Missing: {what}"),
                tok.span.end..tok.span.end,
            ),
            Some(LexProblem::UnexpectedChar) => diags.error(
                codes::UNEXPECTED_CHAR,
                format!("Unexpected: {}", tok.text(src)),
                tok.span.clone(),
            ),
            None => {}
        }
        tokens.push(tok);
    });
    let tokens = tokens.into_bump_slice();
    let closing = matching_parens(tokens, arena);
    Parser {
        src,
        arena,
        tokens,
        closing,
        pos: 0,
        last_end: 0,
        next_id: first_id,
        nesting: 0,
        max_seen: 0,
        too_deep: None,
        diags,
    }
}

pub(crate) struct Parser<'a, 'd> {
    src: &'a str,
    /// Where the tree is built.
    arena: &'a Bump,
    tokens: &'a [Tok],
    /// For each `(`, `[` and `{` token, the index of its closer (or [`UNMATCHED`]).
    closing: &'a [u32],
    pos: usize,
    /// End of the last consumed token (where "missing" diagnostics go).
    last_end: usize,
    next_id: u32,
    /// Nested parser calls in progress (see [`MAX_NESTING`]).
    nesting: u32,
    /// The deepest node built since the current operator or function body began.
    max_seen: u32,
    /// Set when the syntax got too deep: the number of diagnostics to keep and where.
    too_deep: Option<(usize, Span)>,
    diags: &'d mut Diagnostics,
}

impl<'a> Parser<'a, '_> {
    /// The query from its statements; past the depth limit only KS245 is left.
    fn finish(self, statements: &'a [Stmt<'a>]) -> Query<'a> {
        let too_deep = self.too_deep.is_some();
        if let Some((kept, at)) = self.too_deep {
            // what the parser said after it stopped is noise (missing closers ...)
            self.diags.items.truncate(kept);
            self.diags.error(
                codes::SYNTAX_TOO_DEEP,
                format!("Query syntax depth exceeds maximum safe limit. Semantic analysis not performed. (This analyser stops at Kusto's limit of {MAX_DEPTH} syntax levels.)"),
                at,
            );
        }
        Query {
            statements,
            node_count: self.next_id,
            too_deep,
        }
    }

    // ----- arena --------------------------------------------------------------------------

    fn alloc<T>(&self, value: T) -> &'a T {
        self.arena.alloc(value)
    }

    /// An empty list in the arena (`into_bump_slice` makes it a tree slice).
    fn list<T>(&self) -> ArenaVec<'a, T> {
        ArenaVec::new_in(self.arena)
    }

    /// Text for the tree: borrowed from the query, or copied into the arena if decoded.
    fn arena_str(&self, text: Cow<'a, str>) -> &'a str {
        match text {
            Cow::Borrowed(t) => t,
            Cow::Owned(t) => self.arena.alloc_str(&t),
        }
    }

    // ----- token access -------------------------------------------------------------------

    fn peek(&self) -> &'a Tok {
        self.peek_at(0)
    }

    fn peek_at(&self, n: usize) -> &'a Tok {
        let i = (self.pos + n).min(self.tokens.len() - 1);
        &self.tokens[i]
    }

    /// True if the current token has leading trivia (whitespace or comments).
    fn has_trivia(&self) -> bool {
        let i = self.pos.min(self.tokens.len() - 1);
        let previous_end = i.checked_sub(1).map_or(0, |p| self.tokens[p].span.end);
        self.tokens[i].span.start > previous_end
    }

    fn kind(&self) -> TokenKind {
        self.peek().kind
    }

    fn kind_at(&self, n: usize) -> TokenKind {
        self.peek_at(n).kind
    }

    fn text(&self) -> &'a str {
        let src = self.src;
        self.peek().text(src)
    }

    fn text_at(&self, n: usize) -> &'a str {
        let src = self.src;
        self.peek_at(n).text(src)
    }

    fn at_kw(&self, kw: &str) -> bool {
        self.peek().is_kw(self.src, kw)
    }

    fn at(&self, kind: TokenKind) -> bool {
        self.kind() == kind
    }

    fn bump(&mut self) -> Tok {
        let tok = self.peek().clone();
        if tok.kind != TokenKind::Eof {
            self.pos += 1;
            self.last_end = tok.span.end;
        }
        tok
    }

    fn eat(&mut self, kind: TokenKind) -> Option<Tok> {
        self.at(kind).then(|| self.bump())
    }

    fn eat_kw(&mut self, kw: &str) -> Option<Tok> {
        self.at_kw(kw).then(|| self.bump())
    }

    /// Consumes `kind` or reports `Expected: <what>` at the end of the previous token.
    fn expect(&mut self, kind: TokenKind, what: &str) -> bool {
        if self.eat(kind).is_some() {
            return true;
        }
        self.error_here(codes::EXPECTED, format!("Expected: {what}"));
        false
    }

    fn expect_kw(&mut self, kw: &str) -> bool {
        if self.eat_kw(kw).is_some() {
            return true;
        }
        self.error_here(codes::EXPECTED, format!("Expected: {kw}"));
        false
    }

    /// Reports at the zero-width position after the last consumed token.
    fn error_here(&mut self, code: &'static str, message: impl Into<String>) {
        let at = self.last_end;
        self.diags.error(code, message, at..at);
    }

    fn id(&mut self) -> u32 {
        self.next_id += 1;
        self.next_id - 1
    }

    fn expr(&mut self, span: Span, kind: ExprKind<'a>) -> Expr<'a> {
        let depth = node_depth(&kind);
        self.expr_with_depth(span, kind, depth)
    }

    /// A node whose depth the caller computed (`dynamic` literals count their JSON nesting).
    fn expr_with_depth(&mut self, span: Span, kind: ExprKind<'a>, depth: u32) -> Expr<'a> {
        self.note_depth(depth, span.start);
        Expr {
            id: self.id(),
            span,
            depth,
            kind,
        }
    }

    /// Records a node's depth; past [`MAX_DEPTH`] the parser stops.
    fn note_depth(&mut self, depth: u32, at: usize) {
        self.max_seen = self.max_seen.max(depth);
        if depth + STATEMENT_DEPTH > MAX_DEPTH {
            let i = self.tokens.partition_point(|t| t.span.end <= at);
            let span = self.tokens.get(i).map_or(at..at, |t| t.span.clone());
            self.stop_too_deep(span);
        }
    }

    /// Stops parsing: the rest of the query is skipped and only KS245 is reported from here.
    fn stop_too_deep(&mut self, span: Span) {
        if self.too_deep.is_none() {
            self.too_deep = Some((self.diags.items.len(), span));
        }
        self.pos = self.tokens.len() - 1;
    }

    /// Enters a nested parser call; false (and parsing stops) when the query nests too deep.
    fn enter(&mut self) -> bool {
        if self.too_deep.is_some() {
            return false;
        }
        if self.nesting >= MAX_NESTING {
            let span = self.peek().span.clone();
            self.stop_too_deep(span);
            return false;
        }
        self.nesting += 1;
        true
    }

    fn leave(&mut self) {
        self.nesting -= 1;
    }

    /// Runs a nested step on enough stack (only deep queries ever need a new segment).
    fn nested<T>(&mut self, step: impl FnOnce(&mut Self) -> T) -> Option<T> {
        if !self.enter() {
            return None;
        }
        let result = stacker::maybe_grow(STACK_RED_ZONE, STACK_SEGMENT, || step(self));
        self.leave();
        Some(result)
    }

    /// A missing expression at the current position (reported).
    fn missing_expr(&mut self) -> Expr<'a> {
        self.error_here(codes::MISSING, "Missing expression");
        let at = self.last_end;
        self.expr(at..at, ExprKind::Missing)
    }

    fn missing_name(&mut self) -> Name<'a> {
        self.error_here(codes::MISSING, "Missing name");
        let at = self.last_end;
        Name {
            text: "",
            span: at..at,
            kind: NameKind::Missing,
        }
    }

    /// Skips tokens up to the next `|`, `;` or `)`/`]`/`}` at nesting depth 0.
    fn skip_operator_tail(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.kind() {
                TokenKind::Eof => return,
                TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => depth += 1,
                TokenKind::RParen | TokenKind::RBracket | TokenKind::RBrace => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                }
                TokenKind::Bar | TokenKind::Semicolon if depth == 0 => return,
                _ => {}
            }
            self.bump();
        }
    }

    // ----- names and types ----------------------------------------------------------------

    /// `[ 'text' ]` at the current position?
    fn at_bracketed_name(&self) -> bool {
        self.at(TokenKind::LBracket)
            && self.kind_at(1) == TokenKind::StringLit
            && self.kind_at(2) == TokenKind::RBracket
    }

    fn parse_bracketed_name(&mut self) -> Name<'a> {
        let open = self.bump();
        let lit = self.bump();
        let close = self.bump();
        let _ = close;
        Name {
            text: self.arena_str(decode_string(lit.text(self.src))),
            span: open.span.start..self.last_end,
            kind: NameKind::Bracketed,
        }
    }

    /// A plain name: identifier, identifier-like keyword or bracketed name.
    fn at_plain_name(&self) -> bool {
        match self.kind() {
            TokenKind::Ident => true,
            TokenKind::Keyword => keyword_is_identifier(self.text()),
            TokenKind::LBracket => self.at_bracketed_name(),
            _ => false,
        }
    }

    pub(super) fn parse_plain_name(&mut self) -> Option<Name<'a>> {
        if self.at_bracketed_name() {
            return Some(self.parse_bracketed_name());
        }
        if !self.at_plain_name() {
            return None;
        }
        let tok = self.bump();
        Some(Name {
            text: tok.text(self.src),
            span: tok.span,
            kind: NameKind::Plain,
        })
    }

    /// A name being declared (`name = ...`, `let name`, parse columns); some keywords are allowed
    /// here with a KS228 diagnostic, like Kusto.
    fn parse_declared_name(&mut self) -> Option<Name<'a>> {
        if let Some(n) = self.parse_plain_name() {
            return Some(n);
        }
        if self.kind() == TokenKind::Keyword {
            let tok = self.bump();
            let text = tok.text(self.src);
            if !keyword_is_declarable(text) {
                self.diags.error(
                    codes::NAME_NEEDS_BRACKETS,
                    format!("The name '{text}' needs to be bracketed as ['{text}'] to be used in this context."),
                    tok.span.clone(),
                );
            }
            return Some(Name {
                text,
                span: tok.span,
                kind: NameKind::Keyword,
            });
        }
        None
    }

    /// True if the current token starts `name =` (a declaration in a projection list).
    fn at_name_assignment(&self) -> bool {
        if self.at_bracketed_name() {
            return self.kind_at(3) == TokenKind::Eq;
        }
        matches!(self.kind(), TokenKind::Ident | TokenKind::Keyword)
            && self.kind_at(1) == TokenKind::Eq
    }

    /// A type name (`string`, `int`, `dynamic` ...).
    fn parse_type_name(&mut self) -> Option<TypeName<'a>> {
        let tok = self.peek().clone();
        let text = tok.text(self.src);
        let ok = match tok.kind {
            TokenKind::Keyword => is_type_keyword(text),
            TokenKind::Ident => true,
            _ => false,
        };
        if !ok {
            return None;
        }
        self.bump();
        let ty = Ty::from_kusto_name(text).unwrap_or(Ty::UNKNOWN);
        if ty == Ty::UNKNOWN {
            self.diags.error(
                codes::MISSING,
                format!("Unknown type: '{text}'"),
                tok.span.clone(),
            );
        }
        Some(TypeName {
            ty,
            text,
            span: tok.span,
        })
    }

    fn expect_type_name(&mut self) -> TypeName<'a> {
        match self.parse_type_name() {
            Some(t) => t,
            None => {
                self.error_here(codes::MISSING, "Missing type");
                let at = self.last_end;
                TypeName {
                    ty: Ty::UNKNOWN,
                    text: "",
                    span: at..at,
                }
            }
        }
    }

    // ----- statements ---------------------------------------------------------------------

    fn parse_statements(&mut self) -> &'a [Stmt<'a>] {
        let mut stmts = self.list();
        if self.at(TokenKind::Dot) {
            // `.show ...`: a management command, not a query
            let span = self.peek().span.start..self.src.len();
            self.diags.error(
                codes::UNSUPPORTED,
                "Management commands (text starting with '.') are not queries and cannot be transformations.",
                span,
            );
            while !self.at(TokenKind::Eof) {
                self.bump();
            }
            return stmts.into_bump_slice();
        }
        loop {
            if self.at(TokenKind::Eof) {
                break;
            }
            let Some(stmt) = self.parse_statement() else {
                self.incomplete_fragment();
                break;
            };
            stmts.push(stmt);
            if self.eat(TokenKind::Semicolon).is_some() {
                continue;
            }
            if self.at(TokenKind::Eof) {
                break;
            }
            if self.can_start_statement() {
                let span = self.peek().span.clone();
                self.diags.error(codes::EXPECTED, "Expected: ;", span);
                continue;
            }
            self.incomplete_fragment();
            break;
        }
        stmts.into_bump_slice()
    }

    fn incomplete_fragment(&mut self) {
        let span = self.peek().span.clone();
        self.diags.error(
            codes::INCOMPLETE_FRAGMENT,
            "The incomplete fragment is unexpected.",
            span,
        );
        while !self.at(TokenKind::Eof) {
            self.bump();
        }
    }

    fn can_start_statement(&self) -> bool {
        self.at_kw("let") || self.can_start_expression() || self.at_misplaced_operator()
    }

    /// A query operator keyword (that cannot be a name) where a query should start.
    fn at_misplaced_operator(&self) -> bool {
        self.at(TokenKind::Keyword)
            && !keyword_is_identifier(self.text())
            && ops::is_query_operator_keyword(self.text())
            && !ops::is_source_operator(self.text())
    }

    fn parse_statement(&mut self) -> Option<Stmt<'a>> {
        if self.at_kw("let") {
            return Some(self.parse_let());
        }
        if self.at_kw("set")
            || self.at_kw("declare")
            || self.at_kw("alias")
            || self.at_kw("restrict")
        {
            let start = self.peek().span.start;
            let kw = self.text();
            self.bump();
            self.skip_operator_tail();
            self.diags.error(
                codes::UNSUPPORTED,
                format!("The '{kw}' statement is not supported by this analyser."),
                start..self.last_end,
            );
            return Some(Stmt::Expr(
                self.expr(start..self.last_end, ExprKind::Missing),
            ));
        }
        self.parse_pipe_expr().map(Stmt::Expr)
    }

    fn parse_let(&mut self) -> Stmt<'a> {
        let start = self.bump().span.start;
        let name = self
            .parse_declared_name()
            .unwrap_or_else(|| self.missing_name());
        self.expect(TokenKind::Eq, "=");
        let value = if self.at_function_decl() {
            LetValue::Function(self.parse_function_decl())
        } else {
            let e = self
                .parse_pipe_expr()
                .unwrap_or_else(|| self.missing_expr());
            LetValue::Expr(e)
        };
        Stmt::Let {
            span: start..self.last_end,
            name,
            value,
        }
    }

    fn at_function_decl(&self) -> bool {
        if !self.at(TokenKind::LParen) {
            return false;
        }
        if self.kind_at(1) == TokenKind::RParen {
            return self.kind_at(2) == TokenKind::LBrace;
        }
        matches!(self.kind_at(1), TokenKind::Ident | TokenKind::Keyword)
            && self.kind_at(2) == TokenKind::Colon
    }

    fn parse_function_decl(&mut self) -> FunctionDecl<'a> {
        let start = self.peek().span.start;
        let saved = std::mem::take(&mut self.max_seen);
        let decl = self
            .nested(Self::parse_function_decl_inner)
            .unwrap_or(FunctionDecl {
                params: &[],
                body: &[],
                span: start..start,
            });
        // a function declaration and its body are four levels in Kusto's tree
        let depth = self.max_seen + 4;
        self.max_seen = saved;
        self.note_depth(depth, start);
        decl
    }

    fn parse_function_decl_inner(&mut self) -> FunctionDecl<'a> {
        let start = self.bump().span.start;
        let mut params = self.list();
        if !self.at(TokenKind::RParen) {
            loop {
                params.push(self.parse_param());
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
        }
        self.expect(TokenKind::RParen, ")");
        let mut body = self.list();
        if self.expect(TokenKind::LBrace, "{") {
            loop {
                if self.at(TokenKind::RBrace) || self.at(TokenKind::Eof) {
                    break;
                }
                let Some(stmt) = self.parse_statement() else {
                    break;
                };
                body.push(stmt);
                if self.eat(TokenKind::Semicolon).is_none() {
                    break;
                }
            }
            self.expect(TokenKind::RBrace, "}");
        }
        FunctionDecl {
            params: params.into_bump_slice(),
            body: body.into_bump_slice(),
            span: start..self.last_end,
        }
    }

    fn parse_param(&mut self) -> Param<'a> {
        let start = self.peek().span.start;
        let name = self
            .parse_declared_name()
            .unwrap_or_else(|| self.missing_name());
        self.expect(TokenKind::Colon, ":");
        let ty = if self.at(TokenKind::LParen) {
            ParamType::Tabular(self.parse_schema())
        } else {
            ParamType::Scalar(self.expect_type_name())
        };
        let default = if self.eat(TokenKind::Eq).is_some() {
            Some(self.parse_expr_or_missing())
        } else {
            None
        };
        Param {
            name,
            ty,
            default,
            span: start..self.last_end,
        }
    }

    /// `(*)`, `(a:string, b:int)`, `(a:string, *)`
    fn parse_schema(&mut self) -> &'a [crate::ast::ColumnDecl<'a>] {
        self.bump();
        let mut cols = self.list();
        loop {
            if self.eat(TokenKind::Star).is_some() {
            } else if let Some(name) = self.parse_declared_name() {
                self.expect(TokenKind::Colon, ":");
                let ty = self.expect_type_name();
                cols.push(crate::ast::ColumnDecl { name, ty });
            } else {
                break;
            }
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        self.expect(TokenKind::RParen, ")");
        cols.into_bump_slice()
    }

    // ----- pipes --------------------------------------------------------------------------

    /// A tabular or scalar expression with any `| operator` suffix.
    /// (Not a nesting step of its own: every recursion through it goes through
    /// [`Parser::parse_expr`].)
    pub(crate) fn parse_pipe_expr(&mut self) -> Option<Expr<'a>> {
        let mut expr = if self.at_misplaced_operator() {
            let span = self.peek().span.clone();
            self.diags.error(
                codes::OPERATOR_POSITION,
                "The operator cannot be the first operator in a query.",
                span.clone(),
            );
            let source = self.expr(span.start..span.start, ExprKind::Missing);
            let op = self.parse_query_operator();
            let span = span.start..self.last_end.max(op.span.end);
            self.expr(
                span,
                ExprKind::Pipe {
                    source: self.alloc(source),
                    op: self.alloc(op),
                },
            )
        } else {
            self.parse_pipe_source()?
        };
        while self.at(TokenKind::Bar) {
            self.bump();
            let op = self.parse_query_operator();
            let span = expr.span.start..self.last_end.max(op.span.end);
            expr = self.expr(
                span,
                ExprKind::Pipe {
                    source: self.alloc(expr),
                    op: self.alloc(op),
                },
            );
        }
        Some(expr)
    }

    fn parse_pipe_source(&mut self) -> Option<Expr<'a>> {
        if self.at_kw("print") {
            let op = self.with_operator_depth(Self::parse_print);
            let span = op.span.clone();
            let op = self.alloc(op);
            return Some(self.expr(span, ExprKind::Source(op)));
        }
        if self.at(TokenKind::Keyword)
            && ops::is_source_operator(self.text())
            && self.starts_source_operator()
        {
            let op = self.with_operator_depth(Self::parse_source_operator);
            let span = op.span.clone();
            let op = self.alloc(op);
            return Some(self.expr(span, ExprKind::Source(op)));
        }
        self.parse_expr()
    }

    /// `range`, `union` ... at the start of a query are operators, unless used as a name
    /// (`range` is also an ordinary name: `range | where ...`, `range(1, 5, 1)`).
    pub(super) fn starts_source_operator(&self) -> bool {
        match self.text() {
            "range" | "evaluate" => !matches!(
                self.kind_at(1),
                TokenKind::Bar
                    | TokenKind::LParen
                    | TokenKind::Semicolon
                    | TokenKind::Eof
                    | TokenKind::RParen
                    | TokenKind::Dot
                    | TokenKind::LBracket
            ),
            _ => true,
        }
    }

    fn parse_expr_or_missing(&mut self) -> Expr<'a> {
        self.parse_expr().unwrap_or_else(|| self.missing_expr())
    }
}

/// No matching `)` (see [`matching_parens`]).
const UNMATCHED: u32 = u32::MAX;

/// For each `(`, `[` and `{` token the index of its closer, [`UNMATCHED`] for other tokens and
/// for an opener left open before the end of its statement (a `;` closes nothing but ends every
/// open group; a closer of the wrong kind is ignored).
fn matching_parens<'a>(tokens: &[Tok], arena: &'a Bump) -> &'a [u32] {
    let closing = arena.alloc_slice_fill_copy(tokens.len(), UNMATCHED);
    let mut open: Vec<(TokenKind, u32)> = Vec::new();
    for (i, t) in tokens.iter().enumerate() {
        let opener = match t.kind {
            TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => {
                open.push((t.kind, i as u32));
                continue;
            }
            TokenKind::RParen => TokenKind::LParen,
            TokenKind::RBracket => TokenKind::LBracket,
            TokenKind::RBrace => TokenKind::LBrace,
            TokenKind::Semicolon => {
                open.clear();
                continue;
            }
            _ => continue,
        };
        if open.last().is_some_and(|&(k, _)| k == opener)
            && let Some((_, o)) = open.pop()
        {
            closing[o as usize] = i as u32;
        }
    }
    closing
}

/// A node's depth from its children's, weighted like the syntax nodes Kusto.Language builds
/// for it (a call is the call, its argument list and an element per argument ...).
fn node_depth(kind: &ExprKind<'_>) -> u32 {
    let max = |es: &[Expr<'_>]| es.iter().map(|e| e.depth).max().unwrap_or(0);
    match kind {
        ExprKind::Missing
        | ExprKind::Name(_)
        | ExprKind::Literal(_)
        | ExprKind::Dynamic(_)
        | ExprKind::TypeOf(_)
        | ExprKind::Star
        | ExprKind::Implicit => 1,
        ExprKind::ExternalData { .. } => 3,
        ExprKind::Paren(e) => e.depth + 1,
        ExprKind::Unary { operand, .. } => operand.depth + 1,
        ExprKind::Binary { left, right, .. } => left.depth.max(right.depth) + 1,
        ExprKind::List { left, values, .. } => left.depth.max(max(values)) + 3,
        ExprKind::Between {
            left, low, high, ..
        } => left.depth.max(low.depth).max(high.depth) + 2,
        ExprKind::Call { args, .. } => max(args) + 4,
        ExprKind::Named { value, .. } => value.depth + 1,
        ExprKind::NamedTuple { value, .. } => value.depth + 2,
        ExprKind::Path { target, member }
        | ExprKind::Element {
            target,
            index: member,
        } => target.depth.max(member.depth) + 1,
        ExprKind::ToScalar(e) | ExprKind::ToTable(e) | ExprKind::Materialize(e) => e.depth + 1,
        ExprKind::Pipe { source, op } => source.depth.max(op.depth) + 1,
        ExprKind::Source(op) => op.depth,
        ExprKind::DataTable { values, .. } => max(values) + 3,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ast::{OpKind, ParsePart};

    fn parse_ok<'a>(src: &'a str, arena: &'a Bump) -> Query<'a> {
        let mut d = Diagnostics::default();
        let q = parse(src, arena, &mut d);
        assert!(
            d.items.is_empty(),
            "unexpected diagnostics for {src:?}: {:?}",
            d.items
        );
        q
    }

    fn diags(src: &str) -> Vec<(&'static str, Span)> {
        let mut d = Diagnostics::default();
        parse(src, &Bump::new(), &mut d);
        d.items.into_iter().map(|d| (d.code, d.span)).collect()
    }

    fn last_op<'a>(q: &Query<'a>) -> &'a crate::ast::Operator<'a> {
        match q.statements.last() {
            Some(Stmt::Expr(Expr {
                kind: ExprKind::Pipe { op, .. },
                ..
            })) => op,
            other => panic!("not a pipe: {other:?}"),
        }
    }

    #[test]
    fn pipeline_with_spans() {
        let src = "source | extend a = 1 | project-away b";
        let arena = Bump::new();
        let q = parse_ok(src, &arena);
        let op = last_op(&q);
        assert_eq!(op.keyword, "project-away");
        assert_eq!(op.span, 24..38);
        assert_eq!(&src[op.kw_span.clone()], "project-away");
    }

    #[test]
    fn let_function_and_body() {
        let arena = Bump::new();
        let q = parse_ok(
            "let f = (s:string, t:(*)) { tolower(s) };\nlet n = 5;\nsource | where x > n",
            &arena,
        );
        assert_eq!(q.statements.len(), 3);
        match &q.statements[0] {
            Stmt::Let {
                value: LetValue::Function(f),
                name,
                ..
            } => {
                assert_eq!(name.text, "f");
                assert_eq!(f.params.len(), 2);
                assert!(matches!(f.params[1].ty, ParamType::Tabular(_)));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parse_operator_parts() {
        let arena = Bump::new();
        let q = parse_ok(
            "source | parse kind=regex flags=i Raw with * \"a\" x:int ' ' y",
            &arena,
        );
        match &last_op(&q).kind {
            OpKind::Parse { parts, .. } => {
                assert_eq!(parts.len(), 5);
                assert!(matches!(parts[2], ParsePart::Column { ty: Some(_), .. }));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn precedence_string_ops_bind_tighter_than_arithmetic() {
        let arena = Bump::new();
        let q = parse_ok("print a + b contains c", &arena);
        let Some(Stmt::Expr(Expr {
            kind: ExprKind::Source(op),
            ..
        })) = q.statements.first()
        else {
            panic!()
        };
        let OpKind::Print(items) = &op.kind else {
            panic!()
        };
        match &items[0].kind {
            ExprKind::Binary {
                op: crate::ast::BinOp::Add,
                right,
                ..
            } => {
                assert!(matches!(
                    right.kind,
                    ExprKind::Binary {
                        op: crate::ast::BinOp::Str(_),
                        ..
                    }
                ))
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn error_recovery_positions() {
        assert_eq!(
            diags("source | where Message == | extend T = now("),
            vec![(codes::MISSING, 25..25), (codes::EXPECTED, 43..43)]
        );
        assert_eq!(
            diags("source | extend = 1"),
            vec![
                (codes::MISSING, 15..15),
                (codes::INCOMPLETE_FRAGMENT, 16..17)
            ]
        );
        assert_eq!(
            diags("source | extend x = 1 | "),
            vec![(codes::QUERY_OPERATOR_EXPECTED, 23..23)]
        );
        assert_eq!(
            diags("source | extend x = 1 y = 2"),
            vec![(codes::EXPECTED, 22..23)]
        );
        assert_eq!(
            diags("source | extend x = 'abc"),
            vec![(codes::MISSING_TEXT, 24..24)]
        );
        assert_eq!(diags(";source"), vec![(codes::INCOMPLETE_FRAGMENT, 0..1)]);
        assert_eq!(
            diags("source | bogus x = 1"),
            vec![
                (codes::QUERY_OPERATOR_EXPECTED, 9..14),
                (codes::EXPECTED, 15..16),
                (codes::INCOMPLETE_FRAGMENT, 17..18)
            ]
        );
    }

    #[test]
    fn keyword_names() {
        assert_eq!(
            diags("source | project x = time * 1ms"),
            vec![(codes::NAME_NEEDS_BRACKETS, 21..25)]
        );
        parse_ok(
            "source | project ['time'], count, d.['user'], d['x'][0]",
            &Bump::new(),
        );
    }
}
