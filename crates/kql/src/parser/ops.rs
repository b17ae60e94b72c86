//! Tabular query operators after `|` (and `print`, which starts a pipeline).

use super::Parser;
use crate::ast::{
    Expr, ExprKind, MvExpandItem, Name, NameKind, OpKind, Operator, ParsePart, SortKey,
};
use crate::diag::codes;
use crate::keywords::keyword_is_identifier;
use crate::token::TokenKind;

/// Operators that start a query (before any `|`), besides `print` and `datatable`.
pub(super) fn is_source_operator(kw: &str) -> bool {
    matches!(kw, "range" | "union" | "find" | "search" | "evaluate")
}

/// Kusto query operators (after `|`) that this analyser does not model.
fn is_unsupported_operator(kw: &str) -> bool {
    matches!(
        kw,
        "make-graph"
            | "graph-match"
            | "graph-shortest-paths"
            | "graph-to-table"
            | "graph-mark-components"
            | "graph-where-nodes"
            | "graph-where-edges"
            | "macro-expand"
            | "__executeAndCache"
            | "materialized-view-combine"
    )
}

/// Keywords that start a query operator after `|`.
pub(super) fn is_query_operator_keyword(kw: &str) -> bool {
    matches!(
        kw,
        "extend"
            | "project"
            | "project-away"
            | "project-keep"
            | "project-reorder"
            | "project-rename"
            | "project-by-names"
            | "where"
            | "filter"
            | "parse"
            | "parse-where"
            | "parse-kv"
            | "summarize"
            | "take"
            | "limit"
            | "sample"
            | "sample-distinct"
            | "sort"
            | "order"
            | "top"
            | "top-nested"
            | "top-hitters"
            | "distinct"
            | "mv-expand"
            | "mvexpand"
            | "mv-apply"
            | "mvapply"
            | "make-series"
            | "count"
            | "serialize"
            | "as"
            | "getschema"
            | "render"
            | "join"
            | "lookup"
            | "union"
            | "evaluate"
            | "invoke"
            | "fork"
            | "facet"
            | "scan"
            | "partition"
            | "reduce"
            | "consume"
            | "assert-schema"
            | "search"
            | "find"
    ) || is_unsupported_operator(kw)
}

/// Where a comma-separated list of this operator ends (besides `|`, `;`, closers and EOF).
#[derive(Clone, Copy)]
enum ListEnd {
    Plain,
    By,
}

impl<'a> Parser<'a, '_> {
    fn at_list_end(&self, end: ListEnd) -> bool {
        match self.kind() {
            TokenKind::Eof
            | TokenKind::Bar
            | TokenKind::Semicolon
            | TokenKind::RParen
            | TokenKind::RBracket
            | TokenKind::RBrace => true,
            _ => matches!(end, ListEnd::By) && self.at_kw("by"),
        }
    }

    /// A comma list of items; reports `Expected: ,` between items that lack one and a missing
    /// expression when `one_or_more` and the list is empty or ends with a comma.
    fn comma_list(
        &mut self,
        end: ListEnd,
        one_or_more: bool,
        item: fn(&mut Self) -> Option<Expr<'a>>,
    ) -> &'a [Expr<'a>] {
        let mut items = self.list();
        loop {
            let before = self.pos;
            match item(self) {
                Some(e) => items.push(e),
                None => {
                    if one_or_more || !items.is_empty() {
                        let missing = self.missing_expr();
                        items.push(missing);
                    }
                    break;
                }
            }
            if self.eat(TokenKind::Comma).is_some() {
                continue;
            }
            if !self.at_list_end(end) && self.can_start_expression() && self.pos != before {
                let span = self.peek().span.clone();
                self.diags.error(codes::EXPECTED, "Expected: ,", span);
                continue;
            }
            break;
        }
        items.into_bump_slice()
    }

    fn named_item(&mut self) -> Option<Expr<'a>> {
        if self.at_name_assignment() || self.can_start_expression() {
            Some(self.parse_named_item())
        } else {
            None
        }
    }

    fn operator(
        &mut self,
        start: usize,
        keyword: &'a str,
        kw_span: crate::ast::Span,
        kind: OpKind<'a>,
    ) -> Operator<'a> {
        let id = self.id();
        Operator {
            id,
            depth: 0,
            span: start..self.last_end.max(kw_span.end),
            keyword,
            kw_span,
            kind,
        }
    }

    /// Parses the operator after a `|`.
    pub(super) fn parse_query_operator(&mut self) -> Operator<'a> {
        self.with_operator_depth(Self::parse_query_operator_inner)
    }

    /// Parses an operator with `parse`, giving it the depth of its deepest expression plus its
    /// own levels (operator, list, element).
    pub(super) fn with_operator_depth(
        &mut self,
        parse: fn(&mut Self) -> Operator<'a>,
    ) -> Operator<'a> {
        let saved = std::mem::take(&mut self.max_seen);
        let mut op = parse(self);
        op.depth = self.max_seen + 3;
        self.max_seen = saved;
        self.note_depth(op.depth, op.span.start);
        op
    }

    fn parse_query_operator_inner(&mut self) -> Operator<'a> {
        let tok = self.peek().clone();
        if tok.kind != TokenKind::Keyword {
            return self.parse_bad_operator();
        }
        let kw = tok.text(self.src);
        let start = tok.span.start;
        let kind = match kw {
            "extend" => {
                self.bump();
                OpKind::Extend(self.comma_list(ListEnd::Plain, true, Self::named_item))
            }
            "project" => {
                self.bump();
                OpKind::Project(self.comma_list(ListEnd::Plain, false, Self::named_item))
            }
            "project-away" => {
                self.bump();
                OpKind::ProjectAway(self.name_patterns())
            }
            "project-keep" => {
                self.bump();
                OpKind::ProjectKeep(self.name_patterns())
            }
            "project-reorder" => {
                self.bump();
                OpKind::ProjectReorder(self.name_patterns())
            }
            "project-rename" => {
                self.bump();
                OpKind::ProjectRename(self.comma_list(ListEnd::Plain, false, Self::named_item))
            }
            "where" | "filter" => {
                self.bump();
                let _ = self.operator_parameters();
                // `where x = 1` parses (as a named expression) and fails the bool check
                OpKind::Where(self.parse_named_item())
            }
            "parse" | "parse-where" => {
                self.bump();
                self.parse_parse()
            }
            "summarize" => {
                self.bump();
                let _ = self.operator_parameters();
                let aggregates = self.comma_list(ListEnd::By, false, Self::named_item);
                let by = if self.eat_kw("by").is_some() {
                    self.comma_list(ListEnd::Plain, true, Self::named_item)
                } else {
                    &[]
                };
                OpKind::Summarize { aggregates, by }
            }
            "take" | "limit" | "sample" => {
                self.bump();
                let _ = self.operator_parameters();
                OpKind::Take(self.parse_expr_or_missing())
            }
            "sort" | "order" => {
                self.bump();
                let _ = self.operator_parameters();
                self.expect_kw("by");
                let mut keys = self.list();
                loop {
                    keys.push(self.sort_key());
                    if self.eat(TokenKind::Comma).is_none() {
                        break;
                    }
                }
                OpKind::Sort(keys.into_bump_slice())
            }
            "top" => {
                self.bump();
                let _ = self.operator_parameters();
                let count = self.parse_expr_or_missing();
                self.expect_kw("by");
                let by = self.sort_key();
                OpKind::Top { count, by }
            }
            "distinct" => {
                self.bump();
                let _ = self.operator_parameters();
                OpKind::Distinct(self.comma_list(ListEnd::Plain, true, Self::distinct_item))
            }
            "mv-expand" | "mvexpand" => {
                self.bump();
                self.parse_mv_expand()
            }
            "count" => {
                self.bump();
                let name = if self.eat_kw("as").is_some() {
                    Some(
                        self.parse_declared_name()
                            .unwrap_or_else(|| self.missing_name()),
                    )
                } else {
                    None
                };
                OpKind::Count(name)
            }
            "serialize" => {
                self.bump();
                OpKind::Serialize(self.comma_list(ListEnd::Plain, false, Self::named_item))
            }
            "as" => {
                self.bump();
                let _ = self.operator_parameters();
                OpKind::As(
                    self.parse_declared_name()
                        .unwrap_or_else(|| self.missing_name()),
                )
            }
            "getschema" => {
                self.bump();
                OpKind::GetSchema
            }
            "print" => {
                self.diags.error(
                    codes::OPERATOR_POSITION,
                    "The operator must be the first operator in the query.",
                    tok.span.clone(),
                );
                return self.parse_print();
            }
            "render" => {
                self.bump();
                self.skip_operator_tail();
                OpKind::Render
            }
            "join" | "lookup" => {
                self.bump();
                self.parse_join(kw == "lookup")
            }
            "union" => {
                self.bump();
                self.parse_union()
            }
            "make-series" => {
                self.bump();
                self.parse_make_series()
            }
            "mv-apply" | "mvapply" => {
                self.bump();
                self.parse_mv_apply()
            }
            "evaluate" => {
                self.bump();
                self.parse_evaluate()
            }
            "invoke" => {
                self.bump();
                OpKind::Invoke(self.parse_expr_or_missing())
            }
            "top-nested" => {
                self.bump();
                self.parse_top_nested()
            }
            "partition" => {
                self.bump();
                self.parse_partition()
            }
            "scan" => {
                self.bump();
                self.parse_scan()
            }
            "search" | "find" => {
                self.bump();
                self.parse_search(kw == "find")
            }
            "parse-kv" => {
                self.bump();
                self.parse_parse_kv()
            }
            "sample-distinct" | "top-hitters" => {
                self.bump();
                self.parse_of_operator(kw == "top-hitters")
            }
            "reduce" => {
                self.bump();
                self.parse_reduce()
            }
            "fork" => {
                self.bump();
                self.parse_fork()
            }
            "facet" => {
                self.bump();
                self.parse_facet()
            }
            "consume" | "assert-schema" | "project-by-names" => {
                self.bump();
                self.skip_operator_tail();
                OpKind::PassThrough
            }
            k if is_unsupported_operator(k) => return self.parse_unsupported_operator(),
            _ => return self.parse_bad_operator(),
        };
        self.operator(start, kw, tok.span, kind)
    }

    /// An operator keyword this analyser does not model: reported, skipped to the next `|`.
    pub(super) fn parse_unsupported_operator(&mut self) -> Operator<'a> {
        let tok = self.bump();
        let kw = tok.text(self.src);
        self.skip_operator_tail();
        let span = tok.span.start..self.last_end;
        self.diags.error(
            codes::UNSUPPORTED,
            format!("The '{kw}' operator is not supported by this analyser (and not allowed in DCR transformations)."),
            tok.span.clone(),
        );
        let _ = span;
        self.operator(tok.span.start, kw, tok.span, OpKind::Unsupported)
    }

    /// Not a query operator: Kusto reports KS176 and consumes an identifier, if any.
    fn parse_bad_operator(&mut self) -> Operator<'a> {
        if self.at(TokenKind::Ident) {
            let tok = self.bump();
            self.diags.error(
                codes::QUERY_OPERATOR_EXPECTED,
                "Query operator expected.",
                tok.span.clone(),
            );
            let kw = self.arena_str(tok.text(self.src).to_lowercase().into());
            return self.operator(tok.span.start, kw, tok.span, OpKind::Bad);
        }
        self.error_here(codes::QUERY_OPERATOR_EXPECTED, "Query operator expected.");
        let at = self.last_end;
        self.operator(at, "", at..at, OpKind::Bad)
    }

    /// An operator that starts a query (`range`, `union`, `search`, `find`, `evaluate`).
    pub(super) fn parse_source_operator(&mut self) -> Operator<'a> {
        let tok = self.bump();
        let kw = tok.text(self.src);
        let kind = match kw {
            "range" => self.parse_range(),
            "union" => self.parse_union(),
            "search" | "find" => self.parse_search(kw == "find"),
            _ => self.parse_evaluate(),
        };
        self.operator(tok.span.start, kw, tok.span, kind)
    }

    /// `print a, b = ...`
    pub(super) fn parse_print(&mut self) -> Operator<'a> {
        let tok = self.bump();
        let items = self.comma_list(ListEnd::Plain, true, Self::named_item);
        self.operator(tok.span.start, "print", tok.span, OpKind::Print(items))
    }

    /// `name=value` operator parameters (`kind=regex`, `hint.strategy=shuffle`, `flags=i`).
    pub(super) fn operator_parameters(&mut self) -> &'a [(&'a str, &'a str)] {
        let mut params = self.list();
        loop {
            let mut n = 0;
            while matches!(self.kind_at(n), TokenKind::Ident | TokenKind::Keyword)
                && self.kind_at(n + 1) == TokenKind::Dot
            {
                n += 2;
            }
            if !(matches!(self.kind_at(n), TokenKind::Ident | TokenKind::Keyword)
                && self.kind_at(n + 1) == TokenKind::Eq)
            {
                return params.into_bump_slice();
            }
            if n == 0 && !self.is_known_parameter_name() {
                return params.into_bump_slice();
            }
            let start = self.peek().span.start;
            for _ in 0..n + 1 {
                self.bump();
            }
            let name = &self.src[start..self.last_end];
            self.bump();
            // value: a name, literal or parenthesized list
            let vstart = self.peek().span.start;
            if self.at(TokenKind::LParen) {
                self.skip_parens();
            } else {
                self.bump();
            }
            params.push((name, &self.src[vstart..self.last_end.max(vstart)]));
        }
    }

    fn is_known_parameter_name(&self) -> bool {
        matches!(
            self.text(),
            "kind"
                | "flags"
                | "bagexpansion"
                | "with_itemindex"
                | "isfuzzy"
                | "withsource"
                | "with_source"
                | "decodeblocks"
                | "nulls"
                | "with_match_id"
        )
    }

    pub(super) fn skip_parens(&mut self) {
        let mut depth = 0usize;
        loop {
            match self.kind() {
                TokenKind::Eof => return,
                TokenKind::LParen => depth += 1,
                TokenKind::RParen => {
                    depth -= 1;
                    if depth == 0 {
                        self.bump();
                        return;
                    }
                }
                _ => {}
            }
            self.bump();
        }
    }

    fn sort_key(&mut self) -> SortKey<'a> {
        let expr = self.parse_expr_or_missing();
        if self.at_kw("asc")
            || self.at_kw("desc")
            || self.at_kw("granny-asc")
            || self.at_kw("granny-desc")
        {
            self.bump();
        }
        if self.eat_kw("nulls").is_some()
            && (self.eat_kw("first").is_none() && self.eat_kw("last").is_none())
        {
            self.error_here(codes::EXPECTED, "Expected: first or last");
        }
        SortKey { expr }
    }

    fn distinct_item(&mut self) -> Option<Expr<'a>> {
        if self.at(TokenKind::Star) {
            let tok = self.bump();
            return Some(self.expr(tok.span, ExprKind::Star));
        }
        self.named_item()
    }

    /// Names or wildcard patterns (`a`, `['b c']`, `x*`, `*_s`), for project-away/keep/reorder.
    fn name_patterns(&mut self) -> &'a [Expr<'a>] {
        self.comma_list(ListEnd::Plain, false, Self::name_pattern)
    }

    fn name_pattern(&mut self) -> Option<Expr<'a>> {
        if self.at_bracketed_name() {
            let name = self.parse_bracketed_name();
            let e = self.expr(name.span.clone(), ExprKind::Name(name));
            self.order_suffix();
            return Some(e);
        }
        // the pattern's tokens are adjacent (no trivia between them): its text is one slice
        let start = self.peek().span.start;
        let mut first = true;
        loop {
            let tok = self.peek().clone();
            let ok = match tok.kind {
                TokenKind::Star => true,
                TokenKind::Ident => true,
                TokenKind::Keyword => keyword_is_identifier(tok.text(self.src)) || !first,
                TokenKind::LongLit => !first,
                _ => false,
            };
            if !ok
                || !first && self.has_trivia()
                || tok.kind == TokenKind::Keyword
                    && !first
                    && !keyword_is_identifier(tok.text(self.src))
            {
                break;
            }
            self.bump();
            first = false;
        }
        if first {
            return None;
        }
        let name = Name {
            text: &self.src[start..self.last_end],
            span: start..self.last_end,
            kind: NameKind::Plain,
        };
        let e = self.expr(name.span.clone(), ExprKind::Name(name));
        self.order_suffix();
        Some(e)
    }

    fn order_suffix(&mut self) {
        if self.at_kw("asc")
            || self.at_kw("desc")
            || self.at_kw("granny-asc")
            || self.at_kw("granny-desc")
        {
            self.bump();
        }
    }

    /// `parse [kind=...] [flags=...] expr with parts`
    fn parse_parse(&mut self) -> OpKind<'a> {
        let parameters = self.operator_parameters();
        let source = self.parse_expr_or_missing();
        self.expect_kw("with");
        let mut parts = self.list();
        loop {
            match self.kind() {
                TokenKind::StringLit => {
                    let start = self.peek().span.start;
                    while self.at(TokenKind::StringLit) {
                        self.bump();
                    }
                    parts.push(ParsePart::Text(start..self.last_end));
                }
                TokenKind::Star => {
                    let tok = self.bump();
                    parts.push(ParsePart::Star(tok.span));
                }
                TokenKind::Ident | TokenKind::Keyword | TokenKind::LBracket => {
                    if self.at(TokenKind::Keyword) && !keyword_is_identifier(self.text()) {
                        break;
                    }
                    let Some(name) = self.parse_declared_name() else {
                        break;
                    };
                    let start = name.span.start;
                    let ty = if self.eat(TokenKind::Colon).is_some() {
                        Some(self.expect_type_name())
                    } else {
                        None
                    };
                    parts.push(ParsePart::Column {
                        name,
                        ty,
                        span: start..self.last_end,
                    });
                }
                _ => break,
            }
        }
        OpKind::Parse {
            parameters,
            source,
            parts: parts.into_bump_slice(),
        }
    }

    /// `mv-expand [params] a, b = c to typeof(t) [limit n]`
    fn parse_mv_expand(&mut self) -> OpKind<'a> {
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
        if self.eat_kw("limit").is_some() {
            self.parse_expr_or_missing();
        }
        OpKind::MvExpand {
            parameters,
            items: items.into_bump_slice(),
        }
    }
}
