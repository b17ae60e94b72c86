//! Scalar (and nested tabular) expressions, with Kusto's precedence:
//! `or` < `and` < equality/`in`/`between` < relational < additive < multiplicative
//! < string operators < unary `-`/`+` < postfix `.name`/`[index]` < primary.

use super::Parser;
use crate::ast::{
    BinOp, ColumnDecl, DynShape, Expr, ExprKind, ListOp, Literal, Name, NameKind, StrOp, UnaryOp,
};
use crate::diag::codes;
use crate::functions::builtins;
use crate::keywords::keyword_is_identifier;
use crate::lexer::decode_string;
use crate::token::TokenKind;
use crate::types::Ty;

/// The string operators and whether their right operand must be a plain string.
fn string_operator(text: &str) -> Option<StrOp> {
    Some(match text {
        "has" | "!has" | "has_cs" | "!has_cs" | "hasprefix" | "!hasprefix" | "hasprefix_cs"
        | "!hasprefix_cs" | "hassuffix" | "!hassuffix" | "hassuffix_cs" | "!hassuffix_cs" => {
            StrOp::StringRhs
        }
        "like" | "notlike" | "likecs" | "notlikecs" | "contains" | "!contains" | "notcontains"
        | "containscs" | "contains_cs" | "!contains_cs" | "notcontainscs" | "startswith"
        | "!startswith" | "startswith_cs" | "!startswith_cs" | "endswith" | "!endswith"
        | "endswith_cs" | "!endswith_cs" | "matches regex" => StrOp::Any,
        _ => return None,
    })
}

fn list_operator(text: &str) -> Option<ListOp> {
    Some(match text {
        "in" => ListOp::In,
        "!in" => ListOp::NotIn,
        "in~" => ListOp::InCi,
        "!in~" => ListOp::NotInCi,
        "has_any" => ListOp::HasAny,
        "has_all" => ListOp::HasAll,
        _ => return None,
    })
}

/// Keywords that may name a function call (`count(...)`, `bin(...)`).
fn keyword_can_be_called(text: &str) -> bool {
    keyword_is_identifier(text)
        || builtins().function(text, true).is_some()
        || builtins().aggregate(text).is_some()
}

impl<'a> Parser<'a, '_> {
    /// True if the current token can begin an expression.
    pub(crate) fn can_start_expression(&self) -> bool {
        use TokenKind::*;
        match self.kind() {
            Ident | LongLit | RealLit | IntLit | DecimalLit | BoolLit | DateTimeLit
            | TimeSpanLit | GuidLit | StringLit | LParen | Minus | Plus | Star => true,
            LBracket => self.at_bracketed_name(),
            Keyword => {
                let t = self.text();
                keyword_is_identifier(t)
                    || matches!(
                        t,
                        "dynamic"
                            | "datatable"
                            | "externaldata"
                            | "external_data"
                            | "union"
                            | "search"
                            | "find"
                            | "toscalar"
                            | "totable"
                            | "materialize"
                            | "typeof"
                            | "print"
                    )
                    || self.kind_at(1) == LParen && keyword_can_be_called(t)
                    || self.keyword_in_name_position()
            }
            _ => false,
        }
    }

    /// Parses an expression, or returns `None` (nothing consumed) if none starts here.
    pub(crate) fn parse_expr(&mut self) -> Option<Expr<'a>> {
        self.nested(Self::parse_or).flatten()
    }

    fn binary(
        &mut self,
        op: BinOp,
        left: Expr<'a>,
        parse_right: fn(&mut Self) -> Option<Expr<'a>>,
    ) -> Expr<'a> {
        let tok = self.bump();
        // operator tokens hold no whitespace but the single space of `matches regex`
        let op_text = tok.text(self.src);
        let right = parse_right(self).unwrap_or_else(|| self.missing_expr());
        let span = left.span.start..right.span.end.max(tok.span.end);
        self.expr(
            span,
            ExprKind::Binary {
                op,
                op_text,
                op_span: tok.span,
                left: self.alloc(left),
                right: self.alloc(right),
            },
        )
    }

    fn parse_or(&mut self) -> Option<Expr<'a>> {
        let mut e = self.parse_and()?;
        while self.at_kw("or") {
            e = self.binary(BinOp::Or, e, Self::parse_and);
        }
        Some(e)
    }

    fn parse_and(&mut self) -> Option<Expr<'a>> {
        let mut e = self.parse_equality()?;
        while self.at_kw("and") {
            e = self.binary(BinOp::And, e, Self::parse_equality);
        }
        Some(e)
    }

    fn parse_equality(&mut self) -> Option<Expr<'a>> {
        let e = self.parse_relational()?;
        match self.kind() {
            TokenKind::EqEq => return Some(self.binary(BinOp::Eq, e, Self::parse_relational)),
            TokenKind::BangEq | TokenKind::LtGt => {
                return Some(self.binary(BinOp::Ne, e, Self::parse_relational));
            }
            TokenKind::Keyword => {}
            _ => return Some(e),
        }
        let text = self.text();
        if let Some(op) = list_operator(text) {
            return Some(self.parse_list_operator(op, text, e));
        }
        if text == "between" || text == "!between" {
            return Some(self.parse_between(text, e));
        }
        Some(e)
    }

    fn parse_list_operator(&mut self, op: ListOp, op_text: &'a str, left: Expr<'a>) -> Expr<'a> {
        let tok = self.bump();
        let mut values = self.list();
        if self.expect(TokenKind::LParen, "(") {
            if self.paren_holds_query() {
                values.push(
                    self.parse_pipe_expr()
                        .unwrap_or_else(|| self.missing_expr()),
                );
            } else {
                loop {
                    values.push(self.parse_expr_or_missing());
                    // a trailing comma before `]` is allowed (as Kusto.Language allows it)
                    if self.eat(TokenKind::Comma).is_none() || self.at(TokenKind::RBracket) {
                        break;
                    }
                }
            }
            self.expect(TokenKind::RParen, ")");
        }
        let span = left.span.start..self.last_end;
        self.expr(
            span,
            ExprKind::List {
                op,
                op_text,
                op_span: tok.span,
                left: self.alloc(left),
                values: values.into_bump_slice(),
            },
        )
    }

    /// `print`, `range`, `union` ... here start a query, not an expression.
    fn at_query_start_keyword(&self) -> bool {
        self.at(TokenKind::Keyword)
            && (self.at_kw("print")
                || super::ops::is_source_operator(self.text()) && self.starts_source_operator())
    }

    /// True if a `|` appears before the end of the parenthesized list (the list is a query).
    /// Nested parentheses are stepped over with the matching table, so that nested lists cost
    /// no rescanning.
    fn paren_holds_query(&self) -> bool {
        let mut i = self.pos;
        loop {
            match self.tokens.get(i).map_or(TokenKind::Eof, |t| t.kind) {
                TokenKind::Eof | TokenKind::Semicolon | TokenKind::Comma | TokenKind::RParen => {
                    return false;
                }
                TokenKind::Bar => return true,
                TokenKind::LParen | TokenKind::LBracket | TokenKind::LBrace => {
                    match self.closing.get(i) {
                        Some(&close) if close != super::UNMATCHED => i = close as usize,
                        // an unclosed group runs to the end of the query or statement
                        _ => return false,
                    }
                }
                _ => {}
            }
            i += 1;
        }
    }

    fn parse_between(&mut self, op_text: &'a str, left: Expr<'a>) -> Expr<'a> {
        let tok = self.bump();
        self.expect(TokenKind::LParen, "(");
        let low = self.parse_expr_or_missing();
        self.expect(TokenKind::DotDot, "..");
        let high = self.parse_expr_or_missing();
        self.expect(TokenKind::RParen, ")");
        let span = left.span.start..self.last_end;
        let negated = op_text.starts_with('!');
        self.expr(
            span,
            ExprKind::Between {
                negated,
                op_text,
                op_span: tok.span,
                left: self.alloc(left),
                low: self.alloc(low),
                high: self.alloc(high),
            },
        )
    }

    fn parse_relational(&mut self) -> Option<Expr<'a>> {
        let e = self.parse_additive()?;
        let op = match self.kind() {
            TokenKind::Lt => BinOp::Lt,
            TokenKind::Le => BinOp::Le,
            TokenKind::Gt => BinOp::Gt,
            TokenKind::Ge => BinOp::Ge,
            _ => return Some(e),
        };
        Some(self.binary(op, e, Self::parse_additive))
    }

    pub(super) fn parse_additive(&mut self) -> Option<Expr<'a>> {
        let mut e = self.parse_multiplicative()?;
        loop {
            let op = match self.kind() {
                TokenKind::Plus => BinOp::Add,
                TokenKind::Minus => BinOp::Sub,
                _ => return Some(e),
            };
            e = self.binary(op, e, Self::parse_multiplicative);
        }
    }

    fn parse_multiplicative(&mut self) -> Option<Expr<'a>> {
        let mut e = self.parse_string_op()?;
        loop {
            let op = match self.kind() {
                TokenKind::Star => BinOp::Mul,
                TokenKind::Slash => BinOp::Div,
                TokenKind::Percent => BinOp::Mod,
                _ => return Some(e),
            };
            e = self.binary(op, e, Self::parse_string_op);
        }
    }

    fn current_string_op(&self) -> Option<StrOp> {
        match self.kind() {
            TokenKind::EqTilde | TokenKind::BangTilde => Some(StrOp::Any),
            TokenKind::Keyword => string_operator(self.text()),
            _ => None,
        }
    }

    fn parse_string_op(&mut self) -> Option<Expr<'a>> {
        let e = if self.at(TokenKind::Star)
            && self.peek_at(1).kind == TokenKind::Keyword
            && string_operator(self.text_at(1)).is_some()
        {
            let tok = self.bump();
            self.expr(tok.span, ExprKind::Star)
        } else {
            self.parse_unary()?
        };
        match self.current_string_op() {
            Some(op) => Some(self.binary(BinOp::Str(op), e, Self::parse_unary)),
            None => Some(e),
        }
    }

    fn parse_unary(&mut self) -> Option<Expr<'a>> {
        let op = match self.kind() {
            TokenKind::Minus => UnaryOp::Minus,
            TokenKind::Plus => UnaryOp::Plus,
            _ => return self.parse_postfix(),
        };
        let tok = self.bump();
        let operand = self.parse_postfix().unwrap_or_else(|| self.missing_expr());
        let span = tok.span.start..operand.span.end.max(tok.span.end);
        Some(self.expr(
            span,
            ExprKind::Unary {
                op,
                op_span: tok.span,
                operand: self.alloc(operand),
            },
        ))
    }

    fn parse_postfix(&mut self) -> Option<Expr<'a>> {
        let mut e = self.parse_primary()?;
        loop {
            match self.kind() {
                TokenKind::Dot => {
                    self.bump();
                    let member = self.parse_path_member();
                    let span = e.span.start..self.last_end;
                    e = self.expr(
                        span,
                        ExprKind::Path {
                            target: self.alloc(e),
                            member: self.alloc(member),
                        },
                    );
                }
                TokenKind::LBracket => {
                    self.bump();
                    let index = self.parse_expr_or_missing();
                    self.expect(TokenKind::RBracket, "]");
                    let span = e.span.start..self.last_end;
                    e = self.expr(
                        span,
                        ExprKind::Element {
                            target: self.alloc(e),
                            index: self.alloc(index),
                        },
                    );
                }
                _ => return Some(e),
            }
        }
    }

    fn parse_path_member(&mut self) -> Expr<'a> {
        if matches!(self.kind(), TokenKind::Ident | TokenKind::Keyword)
            && self.kind_at(1) == TokenKind::LParen
        {
            return self.parse_call();
        }
        if self.at(TokenKind::LBracket) {
            if self.at_bracketed_name() {
                let name = self.parse_bracketed_name();
                return self.expr(name.span.clone(), ExprKind::Name(name));
            }
            let start = self.bump().span.start;
            let index = self.parse_expr_or_missing();
            self.expect(TokenKind::RBracket, "]");
            let _ = start;
            return index;
        }
        let special = self.at(TokenKind::Keyword)
            && matches!(self.text(), "kind" | "with_source" | "withsource");
        if special || self.at_plain_name() {
            let tok = self.bump();
            let name = Name {
                text: tok.text(self.src),
                span: tok.span.clone(),
                kind: NameKind::Plain,
            };
            return self.expr(tok.span, ExprKind::Name(name));
        }
        let name = self.missing_name();
        self.expr(name.span.clone(), ExprKind::Name(name))
    }

    /// Kusto's "keyword in a name position": a keyword followed by something that only follows
    /// names (an infix operator, a closing bracket, `.`, `,`, `:` or `|`).
    fn keyword_in_name_position(&self) -> bool {
        if self.kind() != TokenKind::Keyword {
            return false;
        }
        let next = self.peek_at(1);
        match next.kind {
            TokenKind::EqEq
            | TokenKind::BangEq
            | TokenKind::EqTilde
            | TokenKind::BangTilde
            | TokenKind::Gt
            | TokenKind::Ge
            | TokenKind::Lt
            | TokenKind::Le
            | TokenKind::Star
            | TokenKind::Slash
            | TokenKind::Percent
            | TokenKind::RParen
            | TokenKind::RBracket
            | TokenKind::RBrace
            | TokenKind::Dot
            | TokenKind::Comma
            | TokenKind::Colon
            | TokenKind::Bar => true,
            TokenKind::Keyword => {
                let t = next.text(self.src);
                matches!(t, "and" | "or" | "between" | "!between" | "matches regex")
                    || string_operator(t).is_some()
                    || list_operator(t).is_some()
            }
            _ => false,
        }
    }

    fn parse_primary(&mut self) -> Option<Expr<'a>> {
        use TokenKind::*;
        let tok = self.peek().clone();
        let lit = |l: Literal<'a>| Some(l);
        let literal = match tok.kind {
            LongLit => lit(Literal::Long(parse_long(tok.text(self.src)))),
            RealLit => lit(Literal::Real),
            IntLit => lit(Literal::Int),
            DecimalLit => lit(Literal::Decimal),
            BoolLit => lit(Literal::Bool),
            DateTimeLit => lit(Literal::DateTime),
            TimeSpanLit => lit(Literal::TimeSpan),
            GuidLit => lit(Literal::Guid),
            _ => None,
        };
        if let Some(l) = literal {
            self.bump();
            return Some(self.expr(tok.span, ExprKind::Literal(l)));
        }
        match tok.kind {
            StringLit => {
                let start = tok.span.start;
                let first = self.bump();
                let mut value = decode_string(first.text(self.src));
                while self.at(StringLit) {
                    let t = self.bump();
                    value.to_mut().push_str(&decode_string(t.text(self.src)));
                }
                let value = self.arena_str(value);
                return Some(self.expr(
                    start..self.last_end,
                    ExprKind::Literal(Literal::String(value)),
                ));
            }
            LParen => {
                self.bump();
                let inner = if self.paren_holds_query() || self.at_query_start_keyword() {
                    self.parse_pipe_expr()
                } else {
                    self.parse_expr()
                };
                let inner = inner.unwrap_or_else(|| self.missing_expr());
                self.expect(RParen, ")");
                return Some(self.expr(
                    tok.span.start..self.last_end,
                    ExprKind::Paren(self.alloc(inner)),
                ));
            }
            LBracket if self.at_bracketed_name() => {
                let name = self.parse_bracketed_name();
                return Some(self.expr(name.span.clone(), ExprKind::Name(name)));
            }
            Keyword => return self.parse_keyword_primary(),
            Ident => {
                if self.kind_at(1) == LParen {
                    return Some(self.parse_call());
                }
                self.bump();
                let name = Name {
                    text: tok.text(self.src),
                    span: tok.span.clone(),
                    kind: NameKind::Plain,
                };
                return Some(self.expr(tok.span, ExprKind::Name(name)));
            }
            _ => {}
        }
        None
    }

    fn parse_keyword_primary(&mut self) -> Option<Expr<'a>> {
        let tok = self.peek().clone();
        let text = tok.text(self.src);
        let call_follows = self.kind_at(1) == TokenKind::LParen;
        match text {
            "dynamic" => return Some(self.parse_dynamic()),
            "datatable" => return Some(self.parse_datatable()),
            "externaldata" | "external_data" => return Some(self.parse_externaldata()),
            "typeof" if call_follows => return Some(self.parse_typeof()),
            "toscalar" | "totable" | "materialize" if call_follows => {
                return Some(self.parse_special_call(text));
            }
            _ => {}
        }
        if call_follows && keyword_can_be_called(text) {
            return Some(self.parse_call());
        }
        if keyword_is_identifier(text) {
            self.bump();
            let name = Name {
                text,
                span: tok.span.clone(),
                kind: NameKind::Plain,
            };
            return Some(self.expr(tok.span, ExprKind::Name(name)));
        }
        if self.keyword_in_name_position() {
            self.bump();
            self.diags.error(
                codes::NAME_NEEDS_BRACKETS,
                format!("The name '{text}' needs to be bracketed as ['{text}'] to be used in this context."),
                tok.span.clone(),
            );
            let name = Name {
                text,
                span: tok.span.clone(),
                kind: NameKind::Keyword,
            };
            return Some(self.expr(tok.span, ExprKind::Name(name)));
        }
        None
    }

    /// `f(args)` where the current token is the function name.
    fn parse_call(&mut self) -> Expr<'a> {
        let tok = self.bump();
        let name = Name {
            text: tok.text(self.src),
            span: tok.span.clone(),
            kind: NameKind::Plain,
        };
        self.bump();
        let mut args = self.list();
        if self.can_start_expression() || self.at_name_assignment() {
            loop {
                let before = self.pos;
                args.push(self.parse_argument());
                if self.pos == before {
                    // a missing argument ends the list (Kusto leaves the rest to the outer list)
                    break;
                }
                if self.eat(TokenKind::Comma).is_some() {
                    continue;
                }
                if !self.at(TokenKind::RParen)
                    && !self.at(TokenKind::Bar)
                    && self.can_start_expression()
                {
                    let span = self.peek().span.clone();
                    self.diags.error(codes::EXPECTED, "Expected: ,", span);
                    continue;
                }
                break;
            }
        }
        self.expect(TokenKind::RParen, ")");
        let args = args.into_bump_slice();
        self.expr(tok.span.start..self.last_end, ExprKind::Call { name, args })
    }

    fn parse_argument(&mut self) -> Expr<'a> {
        if self.at(TokenKind::Star)
            && matches!(self.kind_at(1), TokenKind::Comma | TokenKind::RParen)
        {
            let tok = self.bump();
            return self.expr(tok.span, ExprKind::Star);
        }
        if self.at_name_assignment() {
            return self.parse_named_item();
        }
        if self.paren_holds_query() {
            return self
                .parse_pipe_expr()
                .unwrap_or_else(|| self.missing_expr());
        }
        self.parse_expr_or_missing()
    }

    /// `name = expr`, `(a, b) = expr` or an unnamed expression (projection list items).
    pub(crate) fn parse_named_item(&mut self) -> Expr<'a> {
        let start = self.peek().span.start;
        if self.at_name_assignment() {
            let name = self
                .parse_declared_name()
                .unwrap_or_else(|| self.missing_name());
            self.bump();
            let value = self.parse_expr_or_missing();
            return self.expr(
                start..self.last_end,
                ExprKind::Named {
                    name,
                    value: self.alloc(value),
                },
            );
        }
        if self.at(TokenKind::LParen) && self.at_tuple_declaration() {
            self.bump();
            let mut names = self.list();
            loop {
                names.push(
                    self.parse_declared_name()
                        .unwrap_or_else(|| self.missing_name()),
                );
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
            self.expect(TokenKind::RParen, ")");
            self.expect(TokenKind::Eq, "=");
            let value = self.parse_expr_or_missing();
            return self.expr(
                start..self.last_end,
                ExprKind::NamedTuple {
                    names: names.into_bump_slice(),
                    value: self.alloc(value),
                },
            );
        }
        self.parse_expr_or_missing()
    }

    fn at_tuple_declaration(&self) -> bool {
        let mut n = 1;
        loop {
            if !matches!(self.kind_at(n), TokenKind::Ident | TokenKind::Keyword) {
                return false;
            }
            match self.kind_at(n + 1) {
                TokenKind::Comma => n += 2,
                TokenKind::RParen => return self.kind_at(n + 2) == TokenKind::Eq,
                _ => return false,
            }
        }
    }

    fn parse_special_call(&mut self, kw: &str) -> Expr<'a> {
        let start = self.bump().span.start;
        self.bump();
        // toscalar(kind=nooptimization ...) options
        while matches!(self.kind(), TokenKind::Ident | TokenKind::Keyword)
            && self.kind_at(1) == TokenKind::Eq
        {
            self.bump();
            self.bump();
            self.bump();
        }
        let inner = self
            .parse_pipe_expr()
            .unwrap_or_else(|| self.missing_expr());
        self.expect(TokenKind::RParen, ")");
        let inner = self.alloc(inner);
        let kind = match kw {
            "toscalar" => ExprKind::ToScalar(inner),
            "totable" => ExprKind::ToTable(inner),
            _ => ExprKind::Materialize(inner),
        };
        self.expr(start..self.last_end, kind)
    }

    fn parse_typeof(&mut self) -> Expr<'a> {
        let start = self.bump().span.start;
        self.bump();
        let ty = self.parse_type_name().map_or(Ty::UNKNOWN, |t| t.ty);
        while !matches!(
            self.kind(),
            TokenKind::RParen | TokenKind::Eof | TokenKind::Bar | TokenKind::Semicolon
        ) {
            self.bump();
        }
        self.expect(TokenKind::RParen, ")");
        self.expr(start..self.last_end, ExprKind::TypeOf(ty))
    }

    fn parse_dynamic(&mut self) -> Expr<'a> {
        let start = self.bump().span.start;
        let mut shape = DynShape::Scalar;
        let mut depth = 1;
        if self.expect(TokenKind::LParen, "(") {
            shape = match self.kind() {
                TokenKind::LBracket => DynShape::Array,
                TokenKind::LBrace => DynShape::Bag,
                TokenKind::Keyword if self.text() == "null" => DynShape::Null,
                _ => DynShape::Scalar,
            };
            depth = 2 + self.json_value();
            self.expect(TokenKind::RParen, ")");
        }
        self.expr_with_depth(start..self.last_end, ExprKind::Dynamic(shape), depth)
    }

    /// One JSON value inside `dynamic(...)` (reports a missing value without consuming);
    /// returns its syntax depth (three levels per array or object, as in Kusto's tree).
    fn json_value(&mut self) -> u32 {
        self.nested(Self::json_value_inner).unwrap_or(1)
    }

    fn json_value_inner(&mut self) -> u32 {
        use TokenKind::*;
        let mut depth = 1;
        match self.kind() {
            LBracket => {
                self.bump();
                if !self.at(RBracket) {
                    loop {
                        depth = depth.max(3 + self.json_value());
                        if self.eat(Comma).is_none() {
                            break;
                        }
                    }
                }
                self.expect(RBracket, "]");
            }
            LBrace => {
                self.bump();
                if !self.at(RBrace) {
                    loop {
                        if self.eat(StringLit).is_none() {
                            self.error_here(codes::MISSING, "Missing json property name");
                            break;
                        }
                        self.expect(Colon, ":");
                        depth = depth.max(3 + self.json_value());
                        if self.eat(Comma).is_none() {
                            break;
                        }
                    }
                }
                self.expect(RBrace, "}");
            }
            StringLit | LongLit | RealLit | IntLit | DecimalLit | BoolLit | DateTimeLit
            | TimeSpanLit | GuidLit => {
                self.bump();
            }
            Keyword if self.text() == "null" => {
                self.bump();
            }
            Minus | Plus if matches!(self.kind_at(1), LongLit | RealLit | IntLit | DecimalLit) => {
                self.bump();
                self.bump();
            }
            _ => self.error_here(codes::MISSING, "Missing json value"),
        }
        depth
    }

    /// `datatable (a:int, b:string) [ values ]`
    pub(crate) fn parse_datatable(&mut self) -> Expr<'a> {
        let kw = self.bump();
        let mut columns = self.list();
        if self.expect(TokenKind::LParen, "(") {
            while let Some(name) = self.parse_declared_name() {
                self.expect(TokenKind::Colon, ":");
                let ty = self.expect_type_name();
                columns.push(ColumnDecl { name, ty });
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
            self.expect(TokenKind::RParen, ")");
        }
        let mut values = self.list();
        let mut values_span = self.last_end..self.last_end;
        if self.expect(TokenKind::LBracket, "[") {
            let vstart = self.peek().span.start;
            if !self.at(TokenKind::RBracket) {
                loop {
                    values.push(self.parse_expr_or_missing());
                    // a trailing comma before `]` is allowed (as Kusto.Language allows it)
                    if self.eat(TokenKind::Comma).is_none() || self.at(TokenKind::RBracket) {
                        break;
                    }
                }
            }
            values_span = vstart..self.last_end.max(vstart);
            self.expect(TokenKind::RBracket, "]");
        }
        self.expr(
            kw.span.start..self.last_end,
            ExprKind::DataTable {
                kw_span: kw.span,
                columns: columns.into_bump_slice(),
                values: values.into_bump_slice(),
                values_span,
            },
        )
    }
}

fn parse_long(text: &str) -> Option<i64> {
    if let Some(hex) = text.strip_prefix("0x").or_else(|| text.strip_prefix("0X")) {
        return i64::from_str_radix(hex, 16).ok();
    }
    text.parse().ok()
}
