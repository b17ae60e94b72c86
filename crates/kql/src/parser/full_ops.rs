//! Query operators of the full language, beyond what DCR transformations allow: `join` and
//! `lookup`, `union`, `make-series`, `mv-apply`, `range`, `evaluate`, `invoke`, `top-nested`,
//! `partition`, `scan`, `search`/`find`, `parse-kv`, `sample-distinct`/`top-hitters`, `reduce`,
//! `fork`/`facet`, and the contextual subqueries some of them take.

use super::Parser;
use crate::ast::{
    ColumnDecl, Expr, ExprKind, JoinCondition, MvExpandItem, Name, NameKind, OpKind, ScanStep,
    TopNestedClause,
};
use crate::diag::codes;
use crate::keywords::keyword_is_identifier;
use crate::token::TokenKind;

impl<'a> Parser<'a, '_> {
    /// `join`/`lookup` after the keyword.
    pub(super) fn parse_join(&mut self, lookup: bool) -> OpKind<'a> {
        let parameters = self.operator_parameters();
        let right = self.parse_expr_or_missing();
        let on = if self.eat_kw("on").is_some() {
            let mut conds = self.list();
            loop {
                conds.push(self.parse_expr_or_missing());
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
            JoinCondition::On(conds.into_bump_slice())
        } else if !lookup && self.eat_kw("where").is_some() {
            JoinCondition::Where(self.parse_expr_or_missing())
        } else {
            self.error_here(codes::EXPECTED, "Expected: on");
            JoinCondition::Missing
        };
        OpKind::Join {
            parameters,
            lookup,
            right,
            on,
        }
    }

    /// `union` after the keyword: parameters and table expressions (names may hold `*`).
    pub(super) fn parse_union(&mut self) -> OpKind<'a> {
        let parameters = self.operator_parameters();
        let mut tables = self.list();
        loop {
            let e = if self.at_wildcard_name() {
                self.wildcard_name()
            } else {
                self.parse_expr_or_missing()
            };
            tables.push(e);
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        OpKind::Union {
            parameters,
            tables: tables.into_bump_slice(),
        }
    }

    /// A name with `*` in it (`Event*`, `*_CL`), written without spaces.
    fn at_wildcard_name(&self) -> bool {
        let mut n = 0;
        let mut star = false;
        loop {
            let tok = self.peek_at(n);
            let adjacent = n == 0 || self.peek_at(n - 1).span.end == tok.span.start;
            if !adjacent {
                break;
            }
            match tok.kind {
                TokenKind::Star => star = true,
                TokenKind::Ident | TokenKind::LongLit => {}
                TokenKind::Keyword if keyword_is_identifier(tok.text(self.src)) || n > 0 => {}
                _ => break,
            }
            n += 1;
        }
        star && n > 0
    }

    fn wildcard_name(&mut self) -> Expr<'a> {
        let start = self.peek().span.start;
        loop {
            self.bump();
            let next = self.peek();
            if next.span.start != self.last_end
                || !matches!(
                    next.kind,
                    TokenKind::Star | TokenKind::Ident | TokenKind::LongLit | TokenKind::Keyword
                )
            {
                break;
            }
        }
        let name = Name {
            text: &self.src[start..self.last_end],
            span: start..self.last_end,
            kind: NameKind::Plain,
        };
        self.expr(name.span.clone(), ExprKind::Name(name))
    }

    /// `make-series` after the keyword.
    pub(super) fn parse_make_series(&mut self) -> OpKind<'a> {
        let parameters = self.operator_parameters();
        let mut aggregates = self.list();
        loop {
            let agg = self.parse_named_item();
            let default = if self.at_kw("default") && self.kind_at(1) == TokenKind::Eq {
                self.bump();
                self.bump();
                Some(self.parse_expr_or_missing())
            } else {
                None
            };
            aggregates.push((agg, default));
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        self.expect_kw("on");
        // the axis: `in range(...)` may follow, so `in` is not an operator here
        let on = self
            .nested(Self::parse_additive)
            .flatten()
            .unwrap_or_else(|| self.missing_expr());
        let mut range = [None, None, None];
        let mut in_range = false;
        if self.at_kw("in") {
            in_range = true;
            self.bump();
            // `range(start, stop, step)`
            let call = self.parse_expr_or_missing();
            if let ExprKind::Call { args, .. } = &call.kind {
                for (slot, arg) in range.iter_mut().zip(args.iter()) {
                    *slot = Some(arg.clone());
                }
            }
        } else {
            if self.eat_kw("from").is_some() {
                range[0] = Some(self.parse_expr_or_missing());
            }
            if self.eat_kw("to").is_some() {
                range[1] = Some(self.parse_expr_or_missing());
            }
            if self.expect_kw("step") {
                range[2] = Some(self.parse_expr_or_missing());
            }
        }
        let by = if self.eat_kw("by").is_some() {
            self.comma_items()
        } else {
            &[]
        };
        OpKind::MakeSeries {
            parameters,
            aggregates: aggregates.into_bump_slice(),
            on,
            range,
            in_range,
            by,
        }
    }

    /// A comma list of (possibly named) expressions.
    fn comma_items(&mut self) -> &'a [Expr<'a>] {
        let mut items = self.list();
        loop {
            items.push(self.parse_named_item());
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        items.into_bump_slice()
    }

    /// `mv-apply` after the keyword.
    pub(super) fn parse_mv_apply(&mut self) -> OpKind<'a> {
        let parameters = self.operator_parameters();
        let mut items = self.list();
        loop {
            let expr = self.parse_named_item();
            let mut to_type = None;
            if self.eat_kw("to").is_some() {
                let e = self.parse_expr_or_missing();
                if let ExprKind::TypeOf(t) = e.kind {
                    to_type = Some(t);
                }
            }
            items.push(MvExpandItem { expr, to_type });
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        let limit = if self.eat_kw("limit").is_some() {
            Some(self.parse_expr_or_missing())
        } else {
            None
        };
        self.expect_kw("on");
        let subquery = self.parse_contextual_subquery();
        OpKind::MvApply {
            parameters,
            items: items.into_bump_slice(),
            limit,
            subquery,
        }
    }

    /// `( operator | operator ... )`: a subquery whose input is the operator's rows.
    pub(super) fn parse_contextual_subquery(&mut self) -> Expr<'a> {
        let start = self.peek().span.start;
        if !self.expect(TokenKind::LParen, "(") {
            let at = self.last_end;
            return self.expr(at..at, ExprKind::Missing);
        }
        let e = self
            .nested(Self::parse_operator_chain)
            .unwrap_or_else(|| self.expr(start..start, ExprKind::Missing));
        self.expect(TokenKind::RParen, ")");
        e
    }

    /// Operators applied to the implicit input, up to the closing parenthesis.
    fn parse_operator_chain(&mut self) -> Expr<'a> {
        let at = self.peek().span.start;
        if !self.at(TokenKind::Keyword) || !super::ops::is_query_operator_keyword(self.text()) {
            // `(T | ...)` is a whole query
            return self
                .parse_pipe_expr()
                .unwrap_or_else(|| self.missing_expr());
        }
        let mut expr = self.expr(at..at, ExprKind::Implicit);
        loop {
            let op = self.parse_query_operator();
            let span = at..self.last_end.max(op.span.end);
            expr = self.expr(
                span,
                ExprKind::Pipe {
                    source: self.alloc(expr),
                    op: self.alloc(op),
                },
            );
            if self.eat(TokenKind::Bar).is_none() {
                return expr;
            }
        }
    }

    /// `range name from a to b step c` after the keyword.
    pub(super) fn parse_range(&mut self) -> OpKind<'a> {
        let name = self
            .parse_declared_name()
            .unwrap_or_else(|| self.missing_name());
        self.expect_kw("from");
        let from = self.parse_expr_or_missing();
        self.expect_kw("to");
        let to = self.parse_expr_or_missing();
        self.expect_kw("step");
        let step = self.parse_expr_or_missing();
        OpKind::Range {
            name,
            from,
            to,
            step,
        }
    }

    /// `evaluate [params] plugin(args)` after the keyword.
    pub(super) fn parse_evaluate(&mut self) -> OpKind<'a> {
        let parameters = self.operator_parameters();
        let call = self.parse_expr_or_missing();
        let schema = if self.at(TokenKind::Colon) && self.kind_at(1) == TokenKind::LParen {
            self.bump();
            let star = self.kind_at(1) == TokenKind::Star;
            Some((self.parse_schema(), star))
        } else {
            None
        };
        OpKind::Evaluate {
            parameters,
            call,
            schema,
        }
    }

    /// `top-nested` after the keyword: one or more clauses separated by `,`.
    pub(super) fn parse_top_nested(&mut self) -> OpKind<'a> {
        let mut clauses = self.list();
        loop {
            let count = if self.at_kw("of") {
                None
            } else {
                Some(self.parse_expr_or_missing())
            };
            self.expect_kw("of");
            let of = self.parse_named_item();
            let others = if self.at_kw("with") {
                self.bump();
                self.expect_kw("others");
                self.expect(TokenKind::Eq, "=");
                Some(self.parse_expr_or_missing())
            } else {
                None
            };
            self.expect_kw("by");
            let by = self.parse_named_item();
            if self.at_kw("asc") || self.at_kw("desc") {
                self.bump();
            }
            clauses.push(TopNestedClause {
                count,
                of,
                others,
                by,
            });
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
            self.expect_kw("top-nested");
        }
        OpKind::TopNested(clauses.into_bump_slice())
    }

    /// `partition [params] by col (subquery)` / `{ query }` after the keyword.
    pub(super) fn parse_partition(&mut self) -> OpKind<'a> {
        let parameters = self.operator_parameters();
        self.expect_kw("by");
        // a column name (a `(` after it starts the subquery, not a call)
        let by = match self.parse_plain_name() {
            Some(n) => self.expr(n.span.clone(), ExprKind::Name(n)),
            None => self.missing_expr(),
        };
        let subquery = if self.at(TokenKind::LBrace) {
            self.bump();
            let e = self
                .parse_pipe_expr()
                .unwrap_or_else(|| self.missing_expr());
            self.expect(TokenKind::RBrace, "}");
            e
        } else {
            self.parse_contextual_subquery()
        };
        OpKind::Partition {
            parameters,
            by,
            subquery,
        }
    }

    /// `scan [params] [declare (cols)] with (steps)` after the keyword.
    pub(super) fn parse_scan(&mut self) -> OpKind<'a> {
        let parameters = self.operator_parameters();
        let mut declare = self.list();
        if self.eat_kw("declare").is_some() && self.expect(TokenKind::LParen, "(") {
            while let Some(name) = self.parse_declared_name() {
                self.expect(TokenKind::Colon, ":");
                let ty = self.expect_type_name();
                let default = if self.eat(TokenKind::Eq).is_some() {
                    Some(self.parse_expr_or_missing())
                } else {
                    None
                };
                declare.push((ColumnDecl { name, ty }, default));
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
            self.expect(TokenKind::RParen, ")");
        }
        let mut steps = self.list();
        if self.expect_kw("with") && self.expect(TokenKind::LParen, "(") {
            while self.eat_kw("step").is_some() {
                let name = self
                    .parse_declared_name()
                    .unwrap_or_else(|| self.missing_name());
                if self.at_kw("output") {
                    self.bump();
                    self.expect(TokenKind::Eq, "=");
                    self.bump();
                }
                self.expect(TokenKind::Colon, ":");
                let condition = self.parse_expr_or_missing();
                let assignments = if self.at(TokenKind::FatArrow) {
                    self.bump();
                    self.comma_items()
                } else {
                    &[]
                };
                steps.push(ScanStep {
                    name,
                    condition,
                    assignments,
                });
                if self.eat(TokenKind::Semicolon).is_none() {
                    break;
                }
            }
            self.expect(TokenKind::RParen, ")");
        }
        OpKind::Scan {
            parameters,
            declare: declare.into_bump_slice(),
            steps: steps.into_bump_slice(),
        }
    }

    /// `search`/`find` after the keyword.
    pub(super) fn parse_search(&mut self, find: bool) -> OpKind<'a> {
        let parameters = self.operator_parameters();
        let tables = if self.at_kw("in") && self.kind_at(1) == TokenKind::LParen {
            self.bump();
            self.bump();
            let mut tables = self.list();
            loop {
                let e = if self.at_wildcard_name() {
                    self.wildcard_name()
                } else {
                    self.parse_expr_or_missing()
                };
                tables.push(e);
                if self.eat(TokenKind::Comma).is_none() {
                    break;
                }
            }
            self.expect(TokenKind::RParen, ")");
            Some(tables.into_bump_slice())
        } else {
            None
        };
        if find {
            self.expect_kw("where");
        }
        let predicate = self.parse_expr_or_missing();
        let project = if find && (self.at_kw("project") || self.at_kw("project-smart")) {
            let smart = self.at_kw("project-smart");
            self.bump();
            if smart {
                Some(&[][..])
            } else {
                let mut cols = self.list();
                loop {
                    let e = self.parse_expr_or_missing();
                    // `name: type`
                    if self.eat(TokenKind::Colon).is_some() {
                        self.expect_type_name();
                    }
                    cols.push(e);
                    if self.eat(TokenKind::Comma).is_none() {
                        break;
                    }
                }
                Some(cols.into_bump_slice())
            }
        } else {
            None
        };
        OpKind::Search {
            find,
            parameters,
            tables,
            predicate,
            project,
        }
    }

    /// `parse-kv expr as (cols) with (...)` after the keyword.
    pub(super) fn parse_parse_kv(&mut self) -> OpKind<'a> {
        let source = self.parse_expr_or_missing();
        self.expect_kw("as");
        let mut columns = &[][..];
        if self.at(TokenKind::LParen) {
            columns = self.parse_schema();
        }
        if self.eat_kw("with").is_some() && self.at(TokenKind::LParen) {
            self.skip_parens();
        }
        OpKind::ParseKv { source, columns }
    }

    /// `sample-distinct n of expr` / `top-hitters n of expr [by expr]` after the keyword.
    pub(super) fn parse_of_operator(&mut self, top_hitters: bool) -> OpKind<'a> {
        let _ = self.operator_parameters();
        let count = self.parse_expr_or_missing();
        self.expect_kw("of");
        let of = self.parse_named_item();
        let by = if top_hitters && self.eat_kw("by").is_some() {
            Some(self.parse_named_item())
        } else {
            None
        };
        OpKind::OfOperator {
            top_hitters,
            count,
            of,
            by,
        }
    }

    /// `reduce [kind=..] by expr [with ...]` after the keyword.
    pub(super) fn parse_reduce(&mut self) -> OpKind<'a> {
        let _ = self.operator_parameters();
        self.expect_kw("by");
        let by = self.parse_expr_or_missing();
        if self.eat_kw("with").is_some() {
            self.skip_operator_tail();
        }
        OpKind::Reduce(by)
    }

    /// `fork (q) [name=](q) ...` after the keyword.
    pub(super) fn parse_fork(&mut self) -> OpKind<'a> {
        let mut items = self.list();
        while self.at(TokenKind::LParen) || self.at_name_assignment() {
            if self.at_name_assignment() {
                self.parse_declared_name();
                self.bump();
            }
            items.push(self.parse_contextual_subquery());
        }
        OpKind::MultipleResults {
            items: items.into_bump_slice(),
        }
    }

    /// `facet by cols [with (q)]` after the keyword.
    pub(super) fn parse_facet(&mut self) -> OpKind<'a> {
        self.expect_kw("by");
        let mut items = self.list();
        loop {
            items.push(self.parse_expr_or_missing());
            if self.eat(TokenKind::Comma).is_none() {
                break;
            }
        }
        if self.eat_kw("with").is_some() {
            items.push(self.parse_contextual_subquery());
        }
        OpKind::MultipleResults {
            items: items.into_bump_slice(),
        }
    }

    /// `externaldata (cols) [urls] [with (...)]` (an expression).
    pub(super) fn parse_externaldata(&mut self) -> Expr<'a> {
        let kw = self.bump();
        let columns = if self.at(TokenKind::LParen) {
            self.parse_schema()
        } else {
            self.error_here(codes::EXPECTED, "Expected: (");
            &[]
        };
        if self.expect(TokenKind::LBracket, "[") {
            if !self.at(TokenKind::RBracket) {
                loop {
                    let url = self.parse_expr_or_missing();
                    let _ = url;
                    if self.eat(TokenKind::Comma).is_none() {
                        break;
                    }
                }
            }
            self.expect(TokenKind::RBracket, "]");
        }
        if self.eat_kw("with").is_some() && self.at(TokenKind::LParen) {
            self.skip_parens();
        }
        self.expr(
            kw.span.start..self.last_end,
            ExprKind::ExternalData { columns },
        )
    }
}
