//! Output schemas of the tabular operators (`extend`, `project`, `where`, `parse`, the
//! `project-*` family, `print`, and the non-DCR operators `summarize`, `take`, `sort`, `top`,
//! `distinct`, `mv-expand`, `count`, `serialize`, `as`, `getschema`).

use std::collections::HashSet;
use std::rc::Rc;

use super::names::BitSet;
use super::overload::{Conversion, assignable};
use super::projection::{Builder, ItemOptions, Style};
use super::{Checker, Col, Info, Table};
use crate::ast::{Expr, ExprKind, MvExpandItem, OpKind, Operator, ParsePart};
use crate::diag::codes;
use crate::types::Ty;

/// `*`-wildcard match (Kusto's `KustoFacts.Matches`).
pub(crate) fn wildcard_match(pattern: &str, name: &str) -> bool {
    fn rec(p: &[u8], n: &[u8]) -> bool {
        match p.split_first() {
            None => n.is_empty(),
            Some((b'*', rest)) => (0..=n.len()).any(|i| rec(rest, &n[i..])),
            Some((c, rest)) => n.first() == Some(c) && rec(rest, &n[1..]),
        }
    }
    rec(pattern.as_bytes(), name.as_bytes())
}

impl<'q> Checker<'q> {
    /// Applies a query operator to `input`.
    pub(crate) fn query_operator(&mut self, op: &'q Operator<'q>, input: Rc<Table>) -> Info {
        let saved_row = self.row.replace(input.clone());
        let saved_inferred = std::mem::take(&mut self.inferred);
        let result = self.operator_inner(op, &input);
        self.inferred = saved_inferred;
        self.row = saved_row;
        result
    }

    /// The row scope's columns plus the columns inferred from names used on an open table.
    pub(crate) fn row_columns(&self, input: &Table) -> Vec<Col> {
        let mut cols = input.cols.clone();
        cols.extend_from_slice(&self.inferred);
        cols
    }

    fn items(&mut self, items: &'q [Expr<'q>]) -> Vec<Info> {
        items.iter().map(|e| self.expr(e)).collect()
    }

    fn project_all(
        &mut self,
        b: &mut Builder<'q>,
        items: &'q [Expr<'q>],
        infos: &[Info],
        style: Style,
    ) {
        for (item, info) in items.iter().zip(infos) {
            self.project_item(b, item, info, style, ItemOptions::default());
        }
    }

    pub(crate) fn table_info(&self, cols: Vec<Col>, open: bool) -> Info {
        let partial = self.row.as_ref().is_some_and(|r| r.partial);
        Info {
            ty: Ty::Table,
            table: Some(Rc::new(Table {
                cols,
                open,
                partial,
            })),
            ..Info::default()
        }
    }

    fn operator_inner(&mut self, op: &'q Operator<'q>, input: &Rc<Table>) -> Info {
        let open = input.open;
        match &op.kind {
            OpKind::Extend(items) => {
                let infos = self.items(items);
                let mut b = self.builder();
                let row = self.row_columns(input);
                b.add_range(&row, false, true, self);
                self.project_all(&mut b, items, &infos, Style::Extend);
                self.table_info(b.columns(), open)
            }
            OpKind::Project(items) => {
                let infos = self.items(items);
                let mut b = self.builder();
                self.project_all(&mut b, items, &infos, Style::Default);
                self.table_info(b.columns(), open)
            }
            OpKind::Print(items) => {
                self.row = None;
                let infos = self.items(items);
                let mut b = self.builder();
                for (i, (item, info)) in items.iter().zip(&infos).enumerate() {
                    let name = self.sym(format!("print_{i}"));
                    self.project_item(
                        &mut b,
                        item,
                        info,
                        Style::Print,
                        ItemOptions {
                            column_name: Some(name),
                            ..ItemOptions::default()
                        },
                    );
                }
                self.table_info(b.columns(), false)
            }
            OpKind::Where(cond) => {
                let info = self.expr(cond);
                if !matches!(info.ty, Ty::UNKNOWN | Ty::Error)
                    && !assignable(Ty::BOOL, info.ty, Conversion::None)
                {
                    self.error(
                        codes::EXPRESSION_TYPE,
                        "The expression must have the type bool.",
                        cond.span.clone(),
                    );
                }
                let row = self.row_columns(input);
                self.table_info(row, open)
            }
            OpKind::ProjectAway(items) | OpKind::ProjectKeep(items) => {
                let named = self.column_list(items, input);
                let keep = matches!(op.kind, OpKind::ProjectKeep(_));
                let mut names = BitSet::with_len(self.names.len(), self.arena);
                for c in &named {
                    names.insert(c.name.index());
                }
                let cols = input
                    .cols
                    .iter()
                    .filter(|c| names.contains(c.name.index()) == keep)
                    .copied()
                    .collect();
                self.table_info(cols, open)
            }
            OpKind::ProjectReorder(items) => {
                let named = self.column_list(items, input);
                let mut b = self.builder();
                for c in named {
                    b.add(c, None, false, true, self);
                }
                for &c in &input.cols {
                    b.add(c, None, false, false, self);
                }
                self.table_info(b.columns(), open)
            }
            OpKind::ProjectRename(items) => {
                let mut b = self.builder();
                let row = self.row_columns(input);
                b.add_range(&row, true, true, self);
                for item in items.iter() {
                    self.rename_item(&mut b, item, input);
                }
                self.table_info(b.columns(), open)
            }
            OpKind::Parse { source, parts, .. } => self.parse_operator(source, parts, input),
            OpKind::Summarize { aggregates, by } => {
                let by_infos = self.items(by);
                for (e, i) in by.iter().zip(&by_infos) {
                    if self.check_scalar(i, e.span.clone()) && i.ty.is_dynamic() {
                        self.error(
                            codes::TYPE_NOT_ALLOWED,
                            "The value of type 'dynamic' is not allowed in this context.",
                            e.span.clone(),
                        );
                    }
                }
                let mut b = self.builder();
                self.project_all(&mut b, by, &by_infos, Style::Default);
                b.do_not_add_all();
                let by_cols: Vec<u32> = by_infos
                    .iter()
                    .filter_map(|i| i.result_column.as_ref().map(|c| c.id))
                    .collect();
                let saved_by = std::mem::replace(&mut self.summarize_by, by_cols);
                self.aggregate_scope = true;
                let agg_infos = self.items(aggregates);
                self.aggregate_scope = false;
                self.summarize_by = saved_by;
                self.project_all(&mut b, aggregates, &agg_infos, Style::Summarize);
                self.table_info(b.columns(), open)
            }
            OpKind::Take(count) => {
                let info = self.expr(count);
                self.check_integer(&info, count);
                let row = self.row_columns(input);
                self.table_info(row, open)
            }
            OpKind::Sort(keys) => {
                for k in keys.iter() {
                    let info = self.expr(&k.expr);
                    if self.check_scalar(&info, k.expr.span.clone()) && info.ty.is_dynamic() {
                        self.error(
                            codes::TYPE_NOT_ALLOWED,
                            "The value of type 'dynamic' is not allowed in this context.",
                            k.expr.span.clone(),
                        );
                    }
                }
                let row = self.row_columns(input);
                self.table_info(row, open)
            }
            OpKind::Top { count, by } => {
                let info = self.expr(count);
                self.check_integer(&info, count);
                let by_info = self.expr(&by.expr);
                self.check_scalar(&by_info, by.expr.span.clone());
                let row = self.row_columns(input);
                self.table_info(row, open)
            }
            OpKind::Distinct(items) => {
                let infos = self.items(items);
                let mut b = self.builder();
                self.project_all(&mut b, items, &infos, Style::Default);
                let mut ok = true;
                for (e, i) in items.iter().zip(&infos) {
                    if !i.star && ok && (!self.check_scalar(i, e.span.clone()) || i.ty.is_dynamic())
                    {
                        if i.ty.is_dynamic() {
                            self.error(
                                codes::TYPE_NOT_ALLOWED,
                                "The value of type 'dynamic' is not allowed in this context.",
                                e.span.clone(),
                            );
                        }
                        ok = false;
                    }
                }
                let cols = b.columns();
                if ok
                    && let Some(star) = items.iter().find(|e| matches!(e.kind, ExprKind::Star))
                    && cols.iter().any(|c| c.ty.is_dynamic())
                {
                    self.error(
                        codes::TYPE_NOT_ALLOWED,
                        "The value of type 'dynamic' is not allowed in this context.",
                        star.span.clone(),
                    );
                }
                self.table_info(cols, open)
            }
            OpKind::MvExpand { parameters, items } => self.mv_expand(parameters, items, input),
            OpKind::Count(name) => {
                let n = name.as_ref().map_or("Count", |n| n.text);
                let c = self.named_col(n, Ty::LONG);
                self.table_info(vec![c], false)
            }
            OpKind::Serialize(items) => {
                let infos = self.items(items);
                let mut b = self.builder();
                let row = self.row_columns(input);
                b.add_range(&row, false, true, self);
                self.project_all(&mut b, items, &infos, Style::Default);
                self.table_info(b.columns(), open)
            }
            OpKind::As(name) => {
                let row = self.row_columns(input);
                let info = self.table_info(row, open);
                // the rows get a name for the rest of the query
                if let Some(t) = &info.table
                    && name.kind != crate::ast::NameKind::Missing
                {
                    self.locals
                        .push((name.text, super::Symbol::Table(t.clone())));
                }
                info
            }
            OpKind::Render => {
                let row = self.row_columns(input);
                self.table_info(row, open)
            }
            OpKind::GetSchema => {
                let cols = [
                    ("ColumnName", Ty::STRING),
                    ("ColumnOrdinal", Ty::LONG),
                    ("DataType", Ty::STRING),
                    ("ColumnType", Ty::STRING),
                ]
                .iter()
                .map(|&(n, t)| self.named_col(n, t))
                .collect();
                self.table_info(cols, false)
            }
            OpKind::Join {
                parameters,
                lookup,
                right,
                on,
            } => self.join(parameters, *lookup, right, on, input),
            OpKind::Union { parameters, tables } => self.union(parameters, tables, Some(input)),
            OpKind::MakeSeries {
                aggregates,
                on,
                range,
                in_range,
                by,
                ..
            } => self.make_series(aggregates, on, range, *in_range, by, input),
            OpKind::MvApply {
                parameters,
                items,
                limit,
                subquery,
            } => self.mv_apply(parameters, items, limit.as_ref(), subquery, input),
            OpKind::Range {
                name,
                from,
                to,
                step,
            } => self.range(name, from, to, step),
            OpKind::Evaluate { call, schema, .. } => self.evaluate(call, *schema, input),
            OpKind::Invoke(call) => self.invoke(call, input),
            OpKind::TopNested(clauses) => self.top_nested(clauses, input),
            OpKind::Partition { by, subquery, .. } => self.partition(by, subquery, input),
            OpKind::Scan {
                parameters,
                declare,
                steps,
            } => self.scan(parameters, declare, steps, input),
            OpKind::Search {
                find,
                parameters,
                tables,
                predicate,
                project,
            } => self.search(*find, parameters, *tables, predicate, *project, Some(input)),
            OpKind::ParseKv { source, columns } => self.parse_kv(source, columns, input),
            OpKind::OfOperator {
                top_hitters,
                count,
                of,
                by,
            } => self.of_operator(*top_hitters, count, of, by.as_ref(), input),
            OpKind::Reduce(by) => self.reduce(by),
            OpKind::MultipleResults { items } => self.multiple_results(op, items, input),
            OpKind::PassThrough => {
                let row = self.row_columns(input);
                self.table_info(row, open)
            }
            OpKind::Bad => Info::scalar(Ty::Error),
            OpKind::Unsupported => Info {
                ty: Ty::Table,
                table: Some(Rc::new(Table {
                    cols: Vec::new(),
                    open: true,
                    partial: true,
                })),
                ..Info::default()
            },
        }
    }

    /// One `new = old` of `project-rename`.
    fn rename_item(&mut self, b: &mut Builder<'q>, item: &'q Expr<'q>, input: &Table) {
        let ExprKind::Named { name, value } = &item.kind else {
            self.expr(item);
            self.error(
                codes::RENAME_EXPECTED,
                "Column rename assignment expected.",
                item.span.clone(),
            );
            return;
        };
        match &value.kind {
            ExprKind::Name(old) if self.find_in(input, old.text).is_some() => {
                let info = self.expr(value);
                self.record(item, &info);
                b.rename(old.text, name.text, name.span.clone(), self);
            }
            ExprKind::Name(_) if input.open => {
                // an open table: the old name is an inferred column, renamed at the end
                let c = self.named_col(name.text, Ty::UNKNOWN);
                b.declare(c, name.span.clone(), false, self);
            }
            ExprKind::Name(old) => {
                self.unknown_column(old.text, old.span.clone());
            }
            _ => {
                let info = self.expr(value);
                if info.ty != Ty::Error {
                    self.error(
                        codes::COLUMN_EXPECTED,
                        "Column name expected.",
                        value.span.clone(),
                    );
                }
            }
        }
    }

    pub(crate) fn check_integer(&mut self, info: &Info, e: &Expr) {
        if !info.ty.is_integer() && !matches!(info.ty, Ty::Error | Ty::UNKNOWN) {
            self.error(
                codes::INTEGER_EXPECTED,
                "The expression value must be an integer.",
                e.span.clone(),
            );
        }
    }

    /// Columns named by a `project-away`/`project-keep`/`project-reorder` list (wildcards allowed).
    fn column_list(&mut self, items: &'q [Expr<'q>], input: &Table) -> Vec<Col> {
        let mut out = Vec::new();
        for item in items {
            let ExprKind::Name(n) = &item.kind else {
                self.error(
                    codes::COLUMN_EXPECTED,
                    "Column name expected.",
                    item.span.clone(),
                );
                continue;
            };
            if n.text.contains('*') {
                let matched: Vec<Col> = input
                    .cols
                    .iter()
                    .filter(|c| wildcard_match(n.text, self.names.text(c.name)))
                    .copied()
                    .collect();
                if matched.is_empty() && !input.open {
                    self.error(
                        codes::UNKNOWN_NAME,
                        format!("The name '{}' does not refer to any known column.", n.text),
                        n.span.clone(),
                    );
                }
                out.extend(matched);
            } else {
                match self.find_in(input, n.text) {
                    Some(c) => out.push(c),
                    None if input.open => {}
                    None => self.unknown_column(n.text, n.span.clone()),
                }
            }
        }
        out
    }

    fn parse_operator(
        &mut self,
        source: &'q Expr<'q>,
        parts: &'q [ParsePart<'q>],
        input: &Rc<Table>,
    ) -> Info {
        let info = self.expr(source);
        self.check_scalar(&info, source.span.clone());
        let mut cols = self.row_columns(input);
        let mut declared: HashSet<&str> = HashSet::new();
        for (i, part) in parts.iter().enumerate() {
            let prev = i.checked_sub(1).map(|p| &parts[p]);
            match part {
                ParsePart::Text(_) => {}
                ParsePart::Star(span) => {
                    if let Some(next) = parts.get(i + 1)
                        && !matches!(next, ParsePart::Text(_))
                    {
                        self.error(
                            codes::PARSE_PATTERN,
                            "A string literal must follow '*'.",
                            span.clone(),
                        );
                    }
                    if let Some(ParsePart::Column { ty, .. }) = prev
                        && ty.as_ref().is_none_or(|t| t.ty == Ty::STRING)
                    {
                        self.error(
                            codes::PARSE_PATTERN,
                            "Using '*' after a string column is ambiguous.",
                            span.clone(),
                        );
                    }
                }
                ParsePart::Column { name, ty, span } => {
                    if prev.is_some_and(|p| !matches!(p, ParsePart::Text(_))) {
                        self.error(
                            codes::PARSE_PATTERN,
                            "The column name must follow a string literal",
                            span.clone(),
                        );
                    }
                    if !declared.insert(name.text) {
                        self.error(
                            codes::DUPLICATE_COLUMN,
                            format!(
                                "A column with the name '{}' is already declared.",
                                name.text
                            ),
                            name.span.clone(),
                        );
                        continue;
                    }
                    let t = ty.as_ref().map_or(Ty::STRING, |t| t.ty);
                    cols.push(self.named_col(name.text, t));
                }
            }
        }
        self.table_info(cols, input.open)
    }

    pub(crate) fn mv_expand(
        &mut self,
        parameters: &'q [(&'q str, &'q str)],
        items: &'q [MvExpandItem<'q>],
        input: &Rc<Table>,
    ) -> Info {
        let infos: Vec<Info> = items.iter().map(|i| self.expr(&i.expr)).collect();
        let mut b = self.builder();
        let row = self.row_columns(input);
        b.add_range(&row, false, true, self);
        for (item, info) in items.iter().zip(infos) {
            let value = match &item.expr.kind {
                ExprKind::Named { value, .. } => value,
                _ => &item.expr,
            };
            if !info.ty.is_dynamic() && !matches!(info.ty, Ty::Error | Ty::UNKNOWN) {
                self.error(
                    codes::EXPRESSION_TYPE,
                    "The expression must have the type dynamic.",
                    value.span.clone(),
                );
            }
            let new_ty = match (item.to_type, info.ty) {
                (Some(t), _) => t,
                (None, Ty::DynArray) => Ty::DYNAMIC,
                (None, Ty::DynBag) => Ty::DynBag,
                (None, t) => t,
            };
            self.project_item(
                &mut b,
                &item.expr,
                &info,
                Style::Replace,
                ItemOptions {
                    column_type: Some(new_ty),
                    ..ItemOptions::default()
                },
            );
        }
        if let Some(&(_, name)) = parameters.iter().find(|(n, _)| *n == "with_itemindex") {
            let c = self.named_col(name, Ty::LONG);
            b.add(c, None, false, false, self);
        }
        self.table_info(b.columns(), input.open)
    }
}

#[cfg(test)]
mod tests {
    use super::wildcard_match;

    #[test]
    fn wildcards() {
        assert!(wildcard_match("a*", "abc"));
        assert!(wildcard_match("*_s", "name_s"));
        assert!(wildcard_match("a*c", "abbc"));
        assert!(!wildcard_match("a*c", "abd"));
        assert!(wildcard_match("*", ""));
    }
}
