//! Output schemas of the operators of the full language (Kusto.Language's binder rules):
//! `join`/`lookup` with their conditions and duplicate-column naming, `union` (unified by name
//! and type, `withsource`, `isfuzzy`, wildcards), `make-series`, `mv-apply`, `range`,
//! `evaluate` plugins, `invoke`, `top-nested`, `partition`, `scan`, `search`/`find`,
//! `externaldata`, `parse-kv`, `sample-distinct`, `top-hitters`, `reduce`.

use std::borrow::Cow;
use std::rc::Rc;

use bumpalo::Bump;

use super::names::{BitSet, Names, Sym, SymMap};
use super::overload::{Arg, best_signatures_of, result_type};
use super::projection::{ItemOptions, Style};
use super::{Checker, Col, Info, Table};
use crate::ast::{
    BinOp, ColumnDecl, Expr, ExprKind, JoinCondition, MvExpandItem, NameKind, ScanStep,
    TopNestedClause,
};
use crate::diag::codes;
use crate::functions::binary_operator;
use crate::fxhash::{FxHashMap, FxHashSet};
use crate::types::Ty;

/// Kusto's `UniqueNameTable`: names taken, and the last numeric suffix tried for each.
#[derive(Default)]
struct UniqueNames {
    taken: FxHashSet<String>,
    last: FxHashMap<String, u32>,
}

impl UniqueNames {
    /// The name if free (now taken), else `name` + the first free suffix 1, 2 ...
    fn get_or_add(&mut self, name: &str) -> String {
        if self.taken.insert(name.to_string()) {
            return name.to_string();
        }
        let mut suffix = self.last.get(name).copied().unwrap_or(0) + 1;
        loop {
            let candidate = format!("{name}{suffix}");
            if self.taken.insert(candidate.clone()) {
                self.last.insert(name.to_string(), suffix);
                return candidate;
            }
            suffix += 1;
        }
    }
}

/// Kusto's `UniqueNameTable` over interned names: the names taken (by symbol), and the last
/// numeric suffix tried for each name asked for. Names are only interned when they are handed
/// out (a suffixed candidate that is taken already has a symbol).
struct UniqueSyms<'a> {
    taken: BitSet<'a>,
    last: FxHashMap<Sym, u32>,
}

impl<'a> UniqueSyms<'a> {
    fn new(names: &Names<'_>, arena: &'a Bump) -> UniqueSyms<'a> {
        UniqueSyms {
            taken: BitSet::with_len(names.len(), arena),
            last: FxHashMap::default(),
        }
    }

    /// The name if free (now taken), else `name` + the first free suffix 1, 2 ...
    fn get_or_add<'q>(&mut self, names: &mut Names<'q>, name: Sym) -> Sym {
        if self.taken.insert(name.index()) {
            return name;
        }
        let mut suffix = self.last.get(&name).copied().unwrap_or(0) + 1;
        loop {
            let candidate = format!("{}{suffix}", names.text(name));
            let sym = match names.get(&candidate) {
                Some(sym) if self.taken.contains(sym.index()) => {
                    suffix += 1;
                    continue;
                }
                Some(sym) => sym,
                None => names.intern(Cow::Owned(candidate)),
            };
            self.taken.insert(sym.index());
            self.last.insert(name, suffix);
            return sym;
        }
    }
}

/// `join` kinds that keep only one side.
fn keeps_left_only(kind: &str) -> bool {
    matches!(kind, "anti" | "leftanti" | "leftsemi" | "leftantisemi")
}

fn keeps_right_only(kind: &str) -> bool {
    matches!(kind, "rightanti" | "rightsemi" | "rightantisemi")
}

fn parameter<'p>(parameters: &'p [(&'p str, &'p str)], name: &str) -> Option<&'p str> {
    parameters
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|&(_, v)| v.trim_matches(|c| c == '\'' || c == '"'))
}

/// A pair of join key columns (left, right).
type KeyPair = (Col, Col);

impl<'q> Checker<'q> {
    /// Kusto's `MakeColumnNamesUnique`: later columns with a name already used get a suffix
    /// (`[c, c, c1]` → `[c, c2, c1]`).
    pub(crate) fn unique_column_names(&mut self, cols: Vec<Col>) -> Vec<Col> {
        let mut first = SymMap::with_len(self.names.len(), self.arena);
        for (i, c) in cols.iter().enumerate().rev() {
            first.insert(c.name, i as u32);
        }
        let mut names = UniqueSyms::new(&self.names, self.arena);
        for c in &cols {
            names.taken.insert(c.name.index());
        }
        cols.into_iter()
            .enumerate()
            .map(|(i, c)| {
                if first.get(c.name) == Some(i as u32) {
                    c
                } else {
                    let unique = names.get_or_add(&mut self.names, c.name);
                    self.new_col(unique, c.ty)
                }
            })
            .collect()
    }

    /// `join`/`lookup`.
    pub(crate) fn join(
        &mut self,
        parameters: &'q [(&'q str, &'q str)],
        lookup: bool,
        right: &'q Expr<'q>,
        on: &'q JoinCondition<'q>,
        input: &Rc<Table>,
    ) -> Info {
        let saved_row = self.row.take();
        let right_table = self.tabular(right);
        self.row = saved_row;
        let kind = parameter(parameters, "kind").unwrap_or(if lookup {
            "leftouter"
        } else {
            "innerunique"
        });
        self.right_row = Some(right_table.clone());
        let saved_right_inferred = std::mem::take(&mut self.right_inferred);
        let mut keys = Vec::new();
        match on {
            JoinCondition::On(conds) => {
                for c in conds.iter() {
                    self.join_condition(c, input, &right_table, &mut keys);
                }
            }
            JoinCondition::Where(cond) => {
                let info = self.expr(cond);
                if !matches!(info.ty, Ty::BOOL | Ty::UNKNOWN | Ty::Error) {
                    self.error(
                        codes::EXPRESSION_TYPE,
                        "The expression must have the type bool.",
                        cond.span.clone(),
                    );
                }
            }
            JoinCondition::Missing => {}
        }
        self.right_row = None;
        let right_inferred = std::mem::replace(&mut self.right_inferred, saved_right_inferred);
        let mut right_cols = right_table.cols.clone();
        right_cols.extend(right_inferred);
        let left_cols = self.row_columns_of(input);
        let mut cols = Vec::new();
        let mut open = false;
        if lookup {
            for c in left_cols {
                match keys.iter().find(|(l, _)| l.id == c.id) {
                    Some((l, _)) => cols.push(*l),
                    None => cols.push(c),
                }
            }
            cols.extend(
                right_cols
                    .iter()
                    .filter(|c| !keys.iter().any(|(_, r)| r.id == c.id))
                    .copied(),
            );
            open = input.open || right_table.open;
        } else {
            if !keeps_right_only(kind) {
                cols.extend(left_cols);
                open |= input.open;
            }
            if !keeps_left_only(kind) {
                cols.extend(right_cols);
                open |= right_table.open;
            }
        }
        let cols = self.unique_column_names(cols);
        let partial = input.partial || right_table.partial;
        Info::table(Rc::new(Table {
            cols,
            open,
            partial,
        }))
    }

    /// The declared and inferred columns of a table (for the row scope).
    fn row_columns_of(&self, t: &Table) -> Vec<Col> {
        let mut cols = t.cols.clone();
        cols.extend_from_slice(&self.inferred);
        cols
    }

    /// One comma-separated part of a join condition (`a`, `$left.a == $right.b`, `x and y`).
    fn join_condition(
        &mut self,
        cond: &'q Expr<'q>,
        left: &Table,
        right: &Table,
        keys: &mut Vec<KeyPair>,
    ) {
        let e = cond.underlying();
        match &e.kind {
            ExprKind::Binary {
                op: BinOp::And,
                left: a,
                right: b,
                ..
            } => {
                self.join_condition(a, left, right, keys);
                self.join_condition(b, left, right, keys);
                self.record(e, &Info::scalar(Ty::BOOL));
            }
            ExprKind::Binary {
                op: BinOp::Eq,
                left: a,
                right: b,
                ..
            } => {
                let l = self.join_operand(a, "$left", left);
                let r = self.join_operand(b, "$right", right);
                self.record(e, &Info::scalar(Ty::BOOL));
                if let (Some(l), Some(r)) = (l, r)
                    && self.join_keys_comparable(l.ty, r.ty, a, b, e)
                {
                    keys.push((l, r));
                }
            }
            ExprKind::Name(n) if n.kind != NameKind::Missing => {
                let l = self.join_side_column(left, n.text, true);
                let r = self.join_side_column(right, n.text, false);
                match (l, r) {
                    (Some(l), Some(r)) => {
                        self.record(e, &Info::scalar(l.ty));
                        if l.ty != r.ty && l.ty != Ty::UNKNOWN && r.ty != Ty::UNKNOWN {
                            self.error(
                                codes::JOIN_COMMON_COLUMN_TYPE,
                                format!("The common column '{}' must have the same type on both sides of the join.", n.text),
                                n.span.clone(),
                            );
                        } else {
                            keys.push((l, r));
                        }
                    }
                    _ => {
                        self.error(
                            codes::JOIN_COLUMN_BOTH_SIDES,
                            format!(
                                "The column '{}' must exist on both sides of the join.",
                                n.text
                            ),
                            n.span.clone(),
                        );
                    }
                }
            }
            ExprKind::Missing => {}
            _ => {
                self.expr(e);
                self.error(
                    codes::JOIN_CONDITION,
                    "The join condition must be either the name of a column common to both tables or in the form $left.<column> == $right.<column>.",
                    e.span.clone(),
                );
            }
        }
    }

    /// A column of one side of a join by name; on an open side an unknown name is inferred
    /// (and becomes part of that side's columns, as in Kusto).
    fn join_side_column(&mut self, table: &Table, name: &str, left: bool) -> Option<Col> {
        if let Some(c) = self.find_in(table, name) {
            return Some(c);
        }
        let inferred = if left {
            &self.inferred
        } else {
            &self.right_inferred
        };
        if let Some(c) = inferred.iter().find(|c| self.names.text(c.name) == name) {
            return Some(*c);
        }
        if !table.open {
            return None;
        }
        let c = self.named_col(name.to_string(), Ty::UNKNOWN);
        if left {
            self.inferred.push(c);
        } else {
            self.right_inferred.push(c);
        }
        Some(c)
    }

    /// `$left.c` / `$right.c` in a join condition.
    fn join_operand(&mut self, operand: &'q Expr<'q>, prefix: &str, table: &Table) -> Option<Col> {
        let e = operand.underlying();
        let target_ok = |t: &Expr<'_>| matches!(&t.kind, ExprKind::Name(n) if n.text == prefix);
        match &e.kind {
            ExprKind::Path { target, member } if target_ok(target) => {
                let name = match &member.kind {
                    ExprKind::Name(n) => n,
                    _ => {
                        self.error(
                            codes::JOIN_CONDITION_OPERAND,
                            format!("The join condition operand must be: {prefix}.<column>"),
                            e.span.clone(),
                        );
                        return None;
                    }
                };
                let col = self.join_side_column(table, name.text, prefix == "$left");
                match col {
                    Some(c) => {
                        let info = Info {
                            ty: c.ty,
                            referenced_column: Some(c),
                            result_column: Some(c),
                            ..Info::default()
                        };
                        self.record(e, &info);
                        self.record(member, &info);
                        Some(c)
                    }
                    None => {
                        self.unknown_name(name.text, name.span.clone());
                        None
                    }
                }
            }
            _ => {
                self.expr(e);
                self.error(
                    codes::JOIN_CONDITION_OPERAND,
                    format!("The join condition operand must be: {prefix}.<column>"),
                    e.span.clone(),
                );
                None
            }
        }
    }

    /// Kusto's `CheckJoinOnKeysComparable`.
    fn join_keys_comparable(
        &mut self,
        l: Ty,
        r: Ty,
        left: &Expr,
        right: &Expr,
        whole: &Expr,
    ) -> bool {
        if l.is_dynamic() {
            self.error(
                codes::JOIN_KEY_DYNAMIC,
                "Join keys cannot be dynamic",
                left.span.clone(),
            );
            return false;
        }
        if r.is_dynamic() {
            self.error(
                codes::JOIN_KEY_DYNAMIC,
                "Join keys cannot be dynamic",
                right.span.clone(),
            );
            return false;
        }
        if matches!(l, Ty::UNKNOWN | Ty::Error) || matches!(r, Ty::UNKNOWN | Ty::Error) {
            return true;
        }
        if l.promote_to_long() != r.promote_to_long() {
            self.error(
                codes::JOIN_KEYS_NOT_COMPARABLE,
                format!(
                    "Inconsistent data types for join keys: ({}, {})",
                    l.name(),
                    r.name()
                ),
                whole.span.clone(),
            );
            return false;
        }
        true
    }

    /// `union` (also first in a pipe, then `input` is `None`).
    pub(crate) fn union(
        &mut self,
        parameters: &'q [(&'q str, &'q str)],
        operands: &'q [Expr<'q>],
        input: Option<&Rc<Table>>,
    ) -> Info {
        let fuzzy = parameter(parameters, "isfuzzy") == Some("true");
        let mut tables: Vec<Rc<Table>> = Vec::new();
        if let Some(t) = input {
            tables.push(t.clone());
        }
        let saved_row = self.row.take();
        for e in operands {
            match &e.kind {
                ExprKind::Name(n) if n.text.contains('*') => {
                    let matched = self.tables_matching(n.text);
                    if matched.is_empty() {
                        self.error(
                            codes::UNKNOWN_TABLE,
                            format!("The name '{}' does not refer to any known table, tabular variable or function.", n.text),
                            n.span.clone(),
                        );
                    }
                    tables.extend(matched);
                }
                ExprKind::Name(n) if fuzzy && !self.tabular_name_known(n.text) => {}
                _ => tables.push(self.tabular(e)),
            }
        }
        self.row = saved_row;
        let mut cols = self.unify_by_name_and_type(&tables);
        if let Some(name) =
            parameter(parameters, "withsource").or_else(|| parameter(parameters, "with_source"))
        {
            let c = self.named_col(name.to_string(), Ty::STRING);
            cols.insert(0, c);
        }
        let open = tables.iter().any(|t| t.open);
        let partial = tables.iter().any(|t| t.partial);
        Info::table(Rc::new(Table {
            cols,
            open,
            partial,
        }))
    }

    /// True if a name refers to a tabular local, table or stored function.
    fn tabular_name_known(&self, name: &str) -> bool {
        self.lookup_local(name).is_some() || self.is_global_name(name)
    }

    /// Database tables whose names match a `*` pattern, in name order.
    fn tables_matching(&mut self, pattern: &str) -> Vec<Rc<Table>> {
        let Some(db) = self.db else {
            return if super::ops::wildcard_match(pattern, "source") {
                vec![self.source.clone()]
            } else {
                Vec::new()
            };
        };
        // in the database's order (declared tables, then the catalogue's), as Kusto does
        let names: Vec<&str> = db
            .all_table_names()
            .into_iter()
            .filter(|n| super::ops::wildcard_match(pattern, n))
            .collect();
        names
            .into_iter()
            .filter_map(|n| self.global_table(n))
            .collect()
    }

    /// Kusto's `UnifyColumnsWithSameNameAndType`.
    fn unify_by_name_and_type(&mut self, tables: &[Rc<Table>]) -> Vec<Col> {
        /// A name's columns: the first, how many, and its types in order of first appearance
        /// (the first one's, then those of `more`, an index into `lists`, when it has several).
        struct Name {
            first: Col,
            count: u32,
            more: Option<u32>,
        }
        let mut index = SymMap::with_len(self.names.len(), self.arena);
        let mut order: Vec<Name> = Vec::new();
        let mut lists: Vec<Vec<Ty>> = Vec::new();
        for c in tables.iter().flat_map(|t| t.cols.iter()) {
            let Some(i) = index.get(c.name) else {
                index.insert(c.name, order.len() as u32);
                order.push(Name {
                    first: *c,
                    count: 1,
                    more: None,
                });
                continue;
            };
            let n = &mut order[i as usize];
            n.count += 1;
            if c.ty == n.first.ty {
                continue;
            }
            match n.more {
                None => {
                    n.more = Some(lists.len() as u32);
                    lists.push(vec![c.ty]);
                }
                Some(l) => {
                    let list = &mut lists[l as usize];
                    if !list.contains(&c.ty) {
                        list.push(c.ty);
                    }
                }
            }
        }
        let mut names = UniqueSyms::new(&self.names, self.arena);
        let mut out = Vec::with_capacity(order.len());
        for n in &order {
            match n.more {
                Some(l) => {
                    let text = self.names.text(n.first.name);
                    let tys = std::iter::once(n.first.ty).chain(lists[l as usize].iter().copied());
                    for ty in tys {
                        let suggested = self.sym(format!("{text}_{}", ty.name()));
                        let unique = names.get_or_add(&mut self.names, suggested);
                        out.push(self.new_col(unique, ty));
                    }
                }
                None => {
                    let unique = names.get_or_add(&mut self.names, n.first.name);
                    if n.count == 1 && unique == n.first.name {
                        out.push(n.first);
                    } else {
                        out.push(self.new_col(unique, n.first.ty));
                    }
                }
            }
        }
        out
    }

    /// `make-series`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn make_series(
        &mut self,
        aggregates: &'q [(Expr<'q>, Option<Expr<'q>>)],
        on: &'q Expr<'q>,
        range: &'q [Option<Expr<'q>>; 3],
        in_range: bool,
        by: &'q [Expr<'q>],
        input: &Rc<Table>,
    ) -> Info {
        // aggregates are bound first (in aggregate scope), then the axis, range and keys
        self.aggregate_scope = true;
        let agg_infos: Vec<Info> = aggregates.iter().map(|(a, _)| self.expr(a)).collect();
        self.aggregate_scope = false;
        let default_infos: Vec<Option<Info>> = aggregates
            .iter()
            .map(|(_, d)| d.as_ref().map(|d| self.expr(d)))
            .collect();
        let on_info = self.expr(on);
        let range_infos: Vec<Option<Info>> = range
            .iter()
            .map(|r| r.as_ref().map(|e| self.expr(e)))
            .collect();
        let by_infos: Vec<Info> = by.iter().map(|e| self.expr(e)).collect();

        let mut b = self.builder();
        for (e, i) in by.iter().zip(&by_infos) {
            self.check_scalar(i, e.span.clone());
            self.project_item(&mut b, e, i, Style::Default, ItemOptions::default());
        }
        for (((agg, default), info), dinfo) in aggregates.iter().zip(&agg_infos).zip(&default_infos)
        {
            self.check_scalar(info, agg.span.clone());
            if let (Some(d), Some(di)) = (default, dinfo) {
                if !di.literal && !matches!(di.ty, Ty::Error) {
                    self.error(codes::LITERAL_EXPECTED, "Literal expected.", d.span.clone());
                }
                self.check_promotable(di, info.ty, d);
            }
            self.project_item(
                &mut b,
                agg,
                info,
                Style::Summarize,
                ItemOptions {
                    column_type: Some(Ty::DYNAMIC),
                    ..ItemOptions::default()
                },
            );
        }
        self.check_scalar(&on_info, on.span.clone());
        self.project_item(
            &mut b,
            on,
            &on_info,
            Style::Default,
            ItemOptions {
                column_type: Some(Ty::DYNAMIC),
                ..ItemOptions::default()
            },
        );
        let axis = on_info.ty;
        for (i, (r, ri)) in range.iter().zip(&range_infos).enumerate() {
            let (Some(r), Some(ri)) = (r, ri) else {
                continue;
            };
            if i < 2 {
                self.check_promotable(ri, axis, r);
            } else {
                self.check_interval(ri, axis, r);
            }
        }
        let _ = in_range;
        self.table_info(b.columns(), input.open)
    }

    /// Kusto's `CheckIsType(expr, type, Conversion.Promotable)`.
    fn check_promotable(&mut self, info: &Info, target: Ty, e: &Expr) {
        if matches!(info.ty, Ty::Error | Ty::UNKNOWN) || matches!(target, Ty::Error | Ty::UNKNOWN) {
            return;
        }
        if info.ty != target && !info.ty.promotable_to(target) {
            self.error(
                codes::TYPE_EXPECTED,
                format!("The expression must have the type {}.", target.name()),
                e.span.clone(),
            );
        }
    }

    /// Kusto's `CheckIsIntervalType`: a step of a numeric axis is that number, of a datetime
    /// axis a timespan.
    fn check_interval(&mut self, info: &Info, axis: Ty, e: &Expr) {
        if matches!(info.ty, Ty::Error | Ty::UNKNOWN) || matches!(axis, Ty::Error | Ty::UNKNOWN) {
            return;
        }
        let ok = match axis {
            Ty::DATETIME | Ty::TIMESPAN => info.ty == Ty::TIMESPAN,
            a if a.is_numeric() => info.ty.is_numeric(),
            _ => true,
        };
        if !ok {
            let want = if matches!(axis, Ty::DATETIME | Ty::TIMESPAN) {
                "timespan"
            } else {
                axis.name()
            };
            self.error(
                codes::TYPE_EXPECTED,
                format!("The expression must have the type {want}."),
                e.span.clone(),
            );
        }
    }

    /// `mv-apply`: the expansion's columns flow into the subquery, whose result is the output.
    pub(crate) fn mv_apply(
        &mut self,
        parameters: &'q [(&'q str, &'q str)],
        items: &'q [MvExpandItem<'q>],
        limit: Option<&'q Expr<'q>>,
        subquery: &'q Expr<'q>,
        input: &Rc<Table>,
    ) -> Info {
        let expanded = self.mv_expand(parameters, items, input);
        if let Some(l) = limit {
            let info = self.expr(l);
            self.check_integer(&info, l);
        }
        let table = expanded.table.unwrap_or_default();
        let result = self.contextual(subquery, table);
        // the input's columns not expanded, then the subquery's (replacing same names)
        let applied: Vec<u32> = items
            .iter()
            .filter_map(|i| match &i.expr.kind {
                ExprKind::Name(n) => self.find_in(input, n.text).map(|c| c.id),
                _ => None,
            })
            .collect();
        let mut b = self.builder();
        for &c in &input.cols {
            if !applied.contains(&c.id) {
                b.add(c, None, false, true, self);
            }
        }
        if let Some(t) = &result.table {
            for &c in &t.cols {
                b.add(c, None, true, false, self);
            }
        }
        let partial = result.table.as_ref().is_some_and(|t| t.partial);
        Info::table(Rc::new(Table {
            cols: b.columns(),
            open: input.open,
            partial,
        }))
    }

    /// Binds a contextual subquery whose input is `table`; its result is the output.
    pub(crate) fn contextual(&mut self, subquery: &'q Expr<'q>, table: Rc<Table>) -> Info {
        let saved_implicit = self.implicit.replace(table.clone());
        let saved_row = self.row.take();
        let saved_inferred = std::mem::take(&mut self.inferred);
        let t = self.tabular(subquery);
        self.inferred = saved_inferred;
        self.row = saved_row;
        self.implicit = saved_implicit;
        Info::table(t)
    }

    /// `range name from a to b step c`.
    pub(crate) fn range(
        &mut self,
        name: &'q crate::ast::Name<'q>,
        from: &'q Expr<'q>,
        to: &'q Expr<'q>,
        step: &'q Expr<'q>,
    ) -> Info {
        self.row = None;
        let f = self.expr(from);
        let t = self.expr(to);
        let s = self.expr(step);
        for (i, e) in [(&f, from), (&t, to), (&s, step)] {
            if !i.ty.is_summable() && !matches!(i.ty, Ty::Error) {
                self.error(
                    codes::SUMMABLE_EXPECTED,
                    "The expression must be a summable value.",
                    e.span.clone(),
                );
            }
        }
        let from_to =
            super::overload::common_type(Some(f.ty), t.ty, super::overload::Conversion::Promotable)
                .unwrap_or(Ty::UNKNOWN);
        let ty = if from_to == s.ty && s.ty == Ty::INT {
            Ty::INT
        } else {
            self.add_type(from_to, s.ty)
        };
        let c = self.named_col(name.text, ty);
        self.table_info(vec![c], false)
    }

    /// The type of `a + b` (Kusto's binary operator rules), `unknown` if not defined.
    fn add_type(&self, a: Ty, b: Ty) -> Ty {
        let (ia, ib) = (Info::scalar(a), Info::scalar(b));
        let args = [
            Arg {
                info: &ia,
                span: 0..0,
            },
            Arg {
                info: &ib,
                span: 0..0,
            },
        ];
        let sigs = binary_operator(BinOp::Add);
        let mut best = best_signatures_of(sigs, &args, true, false);
        if best.is_empty() {
            best = best_signatures_of(sigs, &args, false, false);
        }
        match best.as_slice() {
            [one] => result_type("+", &sigs[*one], &args),
            _ => {
                let cands: Vec<_> = best.iter().map(|&i| &sigs[i]).collect();
                super::overload::common_return_type("+", &cands, &args)
            }
        }
    }

    /// `top-nested`: per clause, the `of` column and the aggregate's column.
    pub(crate) fn top_nested(
        &mut self,
        clauses: &'q [TopNestedClause<'q>],
        input: &Rc<Table>,
    ) -> Info {
        let mut names = UniqueNames::default();
        let mut cols = Vec::new();
        for c in clauses {
            if let Some(n) = &c.count {
                let info = self.expr(n);
                self.check_integer(&info, n);
            }
            let of = self.expr(&c.of);
            self.check_scalar(&of, c.of.span.clone());
            if let Some(o) = &c.others {
                let info = self.expr(o);
                self.check_scalar(&info, o.span.clone());
            }
            self.aggregate_scope = true;
            let by = self.expr(&c.by);
            self.aggregate_scope = false;
            self.check_scalar(&by, c.by.span.clone());
            let of_name = self
                .expression_result_name(&c.of, Some(""))
                .map(|n| n.into_owned())
                .unwrap_or_default();
            let of_name = names.get_or_add(&of_name);
            cols.push(self.named_col(of_name.clone(), of.ty));
            let by_name = match &c.by.kind {
                ExprKind::Named { name, .. } => name.text.to_string(),
                _ => format!("aggregated_{of_name}"),
            };
            let by_name = names.get_or_add(&by_name);
            cols.push(self.named_col(by_name, by.ty));
        }
        self.table_info(cols, input.open)
    }

    /// `partition by col (subquery)` / `{ query }`.
    pub(crate) fn partition(
        &mut self,
        by: &'q Expr<'q>,
        subquery: &'q Expr<'q>,
        input: &Rc<Table>,
    ) -> Info {
        let info = self.expr(by);
        self.check_scalar(&info, by.span.clone());
        self.contextual(subquery, input.clone())
    }

    /// `scan`: the input's columns, then the declared ones.
    pub(crate) fn scan(
        &mut self,
        parameters: &'q [(&'q str, &'q str)],
        declare: &'q [(ColumnDecl<'q>, Option<Expr<'q>>)],
        steps: &'q [ScanStep<'q>],
        input: &Rc<Table>,
    ) -> Info {
        let mut cols = self.row_columns(input);
        let declared: Vec<Col> = declare
            .iter()
            .map(|(d, _)| self.named_col(d.name.text, d.ty.ty))
            .collect();
        for (_, default) in declare {
            if let Some(d) = default {
                self.expr(d);
            }
        }
        // steps see the declared columns and the steps' names (`s1.x`)
        let mut scope = Table {
            cols: cols.clone(),
            open: input.open,
            partial: false,
        };
        scope.cols.extend(declared.iter().copied());
        let scope = Rc::new(scope);
        let saved = self.row.replace(scope.clone());
        // `step.column` refers to the row a step matched
        let saved_steps = self.scan_steps.len();
        for s in steps {
            self.scan_steps.push((s.name.text, scope.clone()));
        }
        for s in steps {
            let info = self.expr(&s.condition);
            if !matches!(info.ty, Ty::BOOL | Ty::UNKNOWN | Ty::Error) {
                self.error(
                    codes::EXPRESSION_TYPE,
                    "The expression must have the type bool.",
                    s.condition.span.clone(),
                );
            }
            for a in s.assignments {
                self.expr(a);
            }
        }
        self.scan_steps.truncate(saved_steps);
        self.row = saved;
        cols.extend(declared);
        let match_id = parameter(parameters, "with_match_id").unwrap_or("match_id");
        cols.push(self.named_col(match_id.to_string(), Ty::LONG));
        self.table_info(cols, input.open)
    }

    /// `search` / `find`.
    pub(crate) fn search(
        &mut self,
        find: bool,
        parameters: &'q [(&'q str, &'q str)],
        tables: Option<&'q [Expr<'q>]>,
        predicate: &'q Expr<'q>,
        project: Option<&'q [Expr<'q>]>,
        input: Option<&Rc<Table>>,
    ) -> Info {
        let mut sources: Vec<Rc<Table>> = Vec::new();
        match (tables, input) {
            (Some(ts), _) => {
                let saved = self.row.take();
                for e in ts {
                    match &e.kind {
                        ExprKind::Name(n) if n.text.contains('*') => {
                            let m = self.tables_matching(n.text);
                            sources.extend(m);
                        }
                        _ => sources.push(self.tabular(e)),
                    }
                }
                self.row = saved;
            }
            (None, Some(t)) => sources.push(t.clone()),
            (None, None) => {
                if let Some(db) = self.db {
                    for n in db.all_table_names() {
                        if let Some(t) = self.global_table(n) {
                            sources.push(t);
                        }
                    }
                }
            }
        }
        let unified = self.unify_by_name_and_type(&sources);
        let open = sources.iter().any(|t| t.open);
        let saved = self.row.replace(Rc::new(Table {
            cols: unified.clone(),
            open: true,
            partial: false,
        }));
        let info = self.expr(predicate);
        if !matches!(info.ty, Ty::BOOL | Ty::UNKNOWN | Ty::Error | Ty::STRING) {
            self.error(
                codes::EXPRESSION_TYPE,
                "The expression must have the type bool.",
                predicate.span.clone(),
            );
        }
        self.row = saved;
        if !find {
            // `search` names its source column `$table` (withsource is not applied)
            let mut cols = vec![self.named_col("$table".to_string(), Ty::STRING)];
            cols.extend(unified);
            return self.table_info(cols, open);
        }
        let source_col = parameter(parameters, "withsource")
            .or_else(|| parameter(parameters, "with_source"))
            .unwrap_or("source_");
        let mut cols = vec![self.named_col(source_col.to_string(), Ty::STRING)];
        // the column names the predicate uses, and the tables that have one of them
        let mut referenced: Vec<&str> = Vec::new();
        collect_names(predicate, &mut referenced);
        let referenced: Vec<Col> = referenced
            .into_iter()
            .filter_map(|n| {
                unified
                    .iter()
                    .find(|c| self.names.text(c.name) == n)
                    .copied()
            })
            .collect();
        let ref_tables: Vec<Rc<Table>> = if sources.len() == 1 {
            sources.clone()
        } else {
            sources
                .iter()
                .filter(|t| {
                    t.open
                        || referenced
                            .iter()
                            .any(|c| t.cols.iter().any(|x| x.name == c.name))
                })
                .cloned()
                .collect()
        };
        match project {
            Some(items) if !items.is_empty() => {
                for item in items {
                    match &item.kind {
                        ExprKind::Call { name, .. } if name.text == "pack_all" => {
                            cols.push(self.named_col("pack_".to_string(), Ty::DYNAMIC));
                        }
                        ExprKind::Name(n) => {
                            if let Some(c) =
                                unified.iter().find(|c| self.names.text(c.name) == n.text)
                            {
                                cols.push(*c);
                            }
                        }
                        _ => {}
                    }
                }
                self.table_info(cols, false)
            }
            _ => {
                // project-smart: the columns common to the tables, those the predicate uses,
                // and `pack_` holding the rest
                let common = common_columns(&ref_tables);
                cols.extend(common);
                for c in referenced {
                    if !cols.iter().any(|x| x.name == c.name && x.ty == c.ty) {
                        cols.push(c);
                    }
                }
                let rest = ref_tables
                    .iter()
                    .flat_map(|t| t.cols.iter())
                    .any(|c| !cols.iter().any(|x| x.name == c.name));
                if rest {
                    cols.push(self.named_col("pack_".to_string(), Ty::DYNAMIC));
                }
                let merged = vec![Rc::new(Table {
                    cols,
                    open: false,
                    partial: false,
                })];
                let cols = self.unify_by_name_and_type(&merged);
                self.table_info(cols, open)
            }
        }
    }

    /// `externaldata (cols) [...]`.
    pub(crate) fn externaldata(&mut self, columns: &'q [ColumnDecl<'q>]) -> Info {
        let cols = columns
            .iter()
            .map(|c| self.named_col(c.name.text, c.ty.ty))
            .collect();
        Info::table(Rc::new(Table {
            cols,
            ..Table::default()
        }))
    }

    /// `parse-kv expr as (cols) with (...)`: the input plus the declared columns.
    pub(crate) fn parse_kv(
        &mut self,
        source: &'q Expr<'q>,
        columns: &'q [ColumnDecl<'q>],
        input: &Rc<Table>,
    ) -> Info {
        let info = self.expr(source);
        self.check_scalar(&info, source.span.clone());
        let mut cols = self.row_columns(input);
        for c in columns {
            cols.push(self.named_col(c.name.text, c.ty.ty));
        }
        let cols = self.unique_column_names(cols);
        self.table_info(cols, input.open)
    }

    /// `sample-distinct n of x` (one column) / `top-hitters n of x [by y]`.
    pub(crate) fn of_operator(
        &mut self,
        top_hitters: bool,
        count: &'q Expr<'q>,
        of: &'q Expr<'q>,
        by: Option<&'q Expr<'q>>,
        input: &Rc<Table>,
    ) -> Info {
        let n = self.expr(count);
        self.check_integer(&n, count);
        let of_info = self.expr(of);
        self.check_scalar(&of_info, of.span.clone());
        let of_name = self
            .expression_result_name(of, None)
            .map(|n| n.into_owned())
            .unwrap_or_else(|| "Column1".to_string());
        let mut cols = vec![self.named_col(of_name.clone(), of_info.ty)];
        if top_hitters {
            match by {
                Some(b) => {
                    let bi = self.expr(b);
                    let name = self
                        .expression_result_name(b, None)
                        .map(|n| format!("approximate_sum_{n}"))
                        .unwrap_or_else(|| "approximate_sum".to_string());
                    cols.push(self.named_col(name, bi.ty));
                }
                None => {
                    cols.push(self.named_col("approximate_count_".to_string() + &of_name, Ty::LONG))
                }
            }
        }
        self.table_info(cols, input.open)
    }

    /// `reduce by x`: `Pattern`, `Count`, `Representative`.
    pub(crate) fn reduce(&mut self, by: &'q Expr<'q>) -> Info {
        let info = self.expr(by);
        self.check_scalar(&info, by.span.clone());
        let cols = vec![
            self.named_col("Pattern", Ty::STRING),
            self.named_col("Count", Ty::LONG),
            self.named_col("Representative", Ty::STRING),
        ];
        self.table_info(cols, false)
    }
}

/// Columns (same name and type) present in every table, in the first table's order.
fn common_columns(tables: &[Rc<Table>]) -> Vec<Col> {
    let Some((first, rest)) = tables.split_first() else {
        return Vec::new();
    };
    first
        .cols
        .iter()
        .filter(|c| {
            rest.iter()
                .all(|t| t.cols.iter().any(|x| x.name == c.name && x.ty == c.ty))
        })
        .copied()
        .collect()
}

/// The plain names used in an expression (for `find`'s referenced columns).
fn collect_names<'q>(e: &Expr<'q>, out: &mut Vec<&'q str>) {
    match &e.kind {
        ExprKind::Name(n) if !out.contains(&n.text) => out.push(n.text),
        ExprKind::Paren(x) | ExprKind::Unary { operand: x, .. } => collect_names(x, out),
        ExprKind::Binary { left, right, .. } => {
            collect_names(left, out);
            collect_names(right, out);
        }
        ExprKind::List { left, values, .. } => {
            collect_names(left, out);
            values.iter().for_each(|v| collect_names(v, out));
        }
        ExprKind::Between {
            left, low, high, ..
        } => {
            collect_names(left, out);
            collect_names(low, out);
            collect_names(high, out);
        }
        ExprKind::Call { args, .. } => args.iter().for_each(|a| collect_names(a, out)),
        ExprKind::Path { target, .. } | ExprKind::Element { target, .. } => {
            collect_names(target, out)
        }
        _ => {}
    }
}
