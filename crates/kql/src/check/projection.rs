//! Building the columns of `project`, `extend`, `print`, `summarize` ...: Kusto's projection
//! builder (declared names, in-place replacement, unique suffixes) and its column-naming rules
//! for unnamed expressions (`Column1`, `d_a`, `strlen_s`, `print_0` ...).

use std::borrow::Cow;
use std::collections::HashSet;

use bumpalo::Bump;

use super::names::{BitSet, Sym, SymMap};
use super::overload::Arg;
use super::{CallTarget, Checker, Col, Info};
use crate::ast::{Expr, ExprKind, Literal, Span};
use crate::diag::codes;
use crate::functions::{FunctionDef, ResultName};
use crate::types::Ty;

/// How a projection treats its expressions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Style {
    Default,
    Extend,
    Print,
    Replace,
    Summarize,
}

/// Per-item options of [`Checker::project_item`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ItemOptions {
    /// Columns added by this item may not be added again.
    pub do_not_repeat: bool,
    /// Force the column type (`mv-expand ... to typeof(t)`).
    pub column_type: Option<Ty>,
    /// Name for unnamed items (`print_0`).
    pub column_name: Option<Sym>,
}

/// Kusto's `ProjectionBuilder`. Names are symbols and column ids small integers, so its tables
/// are dense vectors: seeding a builder with the input columns costs no hashing.
#[derive(Debug)]
pub(crate) struct Builder<'a> {
    cols: Vec<Col>,
    /// Ids of the columns that may not be added again.
    do_not_add: BitSet<'a>,
    /// Position of each name in `cols`.
    index: SymMap<'a>,
    /// Names declared explicitly (`name = ...`).
    declared: BitSet<'a>,
    /// Kusto's unique name table: the names taken, with the last suffix tried for each.
    unique: SymMap<'a>,
}

impl<'a> Builder<'a> {
    /// A builder sized for the names and column ids handed out so far.
    fn new(names: usize, columns: usize, arena: &'a Bump) -> Builder<'a> {
        Builder {
            cols: Vec::new(),
            do_not_add: BitSet::with_len(columns + 64, arena),
            index: SymMap::with_len(names + 16, arena),
            declared: BitSet::with_len(names + 64, arena),
            unique: SymMap::with_len(names + 16, arena),
        }
    }

    pub(crate) fn columns(self) -> Vec<Col> {
        self.cols
    }

    pub(crate) fn do_not_add_all(&mut self) {
        for c in &self.cols {
            self.do_not_add.insert(c.id as usize);
        }
    }

    /// Kusto's `UniqueNameTable.GetOrAddName`: `None` when the name is free (and now taken).
    fn unique_name(
        &mut self,
        name: Sym,
        base: Option<Sym>,
        checker: &mut Checker<'_>,
    ) -> Option<Sym> {
        let Some(last) = self.unique.get(name) else {
            self.unique.insert(name, 0);
            return None;
        };
        let mut suffix = last + 1;
        loop {
            let candidate = format!("{}{}", checker.names.text(base.unwrap_or(name)), suffix);
            let taken = checker
                .names
                .get(&candidate)
                .is_some_and(|s| self.unique.contains(s));
            if !taken {
                self.unique.insert(name, suffix);
                let candidate = checker.sym(candidate);
                self.unique.insert(candidate, 0);
                return Some(candidate);
            }
            suffix += 1;
        }
    }

    pub(crate) fn add_range(
        &mut self,
        cols: &[Col],
        declare: bool,
        do_not_repeat: bool,
        checker: &mut Checker<'_>,
    ) {
        self.cols.reserve(cols.len() + 4);
        for &c in cols {
            // what `add` does for a column not added yet whose name is free (all of a row's
            // columns, as a rule), inline
            let added = if c.name != Sym::EMPTY
                && !self.unique.contains(c.name)
                && !self.do_not_add.contains(c.id as usize)
            {
                self.unique.insert(c.name, 0);
                self.index.insert(c.name, self.cols.len() as u32);
                self.cols.push(c);
                if do_not_repeat {
                    self.do_not_add.insert(c.id as usize);
                }
                c
            } else {
                self.add(c, None, false, do_not_repeat, checker)
            };
            if declare {
                self.declared.insert(added.name.index());
            }
        }
    }

    pub(crate) fn add(
        &mut self,
        col: Col,
        base: Option<Sym>,
        replace: bool,
        do_not_repeat: bool,
        checker: &mut Checker<'_>,
    ) -> Col {
        if col.name == Sym::EMPTY || self.do_not_add.contains(col.id as usize) {
            return col;
        }
        let col = match self.index.get(col.name) {
            Some(i) if replace => {
                self.cols[i as usize] = col;
                col
            }
            _ => {
                let col = match self.unique_name(col.name, base, checker) {
                    None => col,
                    Some(unique) => checker.new_col(unique, col.ty),
                };
                self.cols.push(col);
                self.index.insert(col.name, (self.cols.len() - 1) as u32);
                col
            }
        };
        if do_not_repeat {
            self.do_not_add.insert(col.id as usize);
        }
        col
    }

    pub(crate) fn declare(
        &mut self,
        col: Col,
        location: Span,
        replace: bool,
        checker: &mut Checker<'_>,
    ) {
        if self.declared.contains(col.name.index()) {
            let message = format!(
                "A column with the name '{}' is already declared.",
                checker.names.text(col.name)
            );
            checker.error(codes::DUPLICATE_COLUMN, message, location);
            return;
        }
        if replace && let Some(i) = self.index.get(col.name) {
            self.declared.insert(col.name.index());
            self.cols[i as usize] = col;
            return;
        }
        let added = self.add(col, None, false, false, checker);
        self.declared.insert(added.name.index());
    }

    pub(crate) fn rename<'q>(
        &mut self,
        old: &str,
        new: &'q str,
        location: Span,
        checker: &mut Checker<'q>,
    ) {
        let Some(old) = checker.names.get(old) else {
            return;
        };
        let Some(i) = self.index.get(old) else {
            return;
        };
        let new_sym = checker.sym(new);
        if self.declared.contains(new_sym.index()) {
            checker.error(
                codes::DUPLICATE_COLUMN,
                format!("A column with the name '{new}' is already declared."),
                location,
            );
            return;
        }
        let renamed = checker.new_col(new_sym, self.cols[i as usize].ty);
        self.index.remove(old);
        self.index.insert(new_sym, i);
        self.declared.insert(new_sym.index());
        if !self.unique.contains(new_sym) {
            self.unique.insert(new_sym, 0);
        }
        self.cols[i as usize] = renamed;
    }
}

impl<'q> Checker<'q> {
    /// A projection builder for an operator of this query.
    pub(crate) fn builder(&self) -> Builder<'q> {
        Builder::new(self.names.len(), self.next_col as usize + 1, self.arena)
    }

    /// Kusto's `CreateProjectionColumns` for one item whose info is already computed.
    pub(crate) fn project_item(
        &mut self,
        b: &mut Builder<'q>,
        item: &'q Expr<'q>,
        info: &Info,
        style: Style,
        opts: ItemOptions,
    ) {
        let ItemOptions {
            do_not_repeat,
            column_type,
            column_name,
        } = opts;
        let replace = matches!(style, Style::Replace | Style::Extend);
        match &item.kind {
            _ if matches!(item.underlying().kind, ExprKind::Missing) => {
                if style == Style::Print
                    && let Some(name) = column_name
                {
                    let c = self.new_col(name, Ty::UNKNOWN);
                    b.add(c, Some(name), false, false, self);
                }
            }
            ExprKind::Named { .. } if info.tuple.as_ref().is_some_and(|t| t.is_empty()) => {
                // `n = take_any(*)` when every column is a key: no value column
            }
            ExprKind::Named { name, value } => {
                if let Some(tuple) = &info.tuple {
                    let first = tuple.first().map_or(Ty::UNKNOWN, |c| c.ty);
                    let c = self.named_col(name.text, column_type.unwrap_or(first));
                    b.declare(c, name.span.clone(), true, self);
                    if style != Style::Print {
                        for &c in tuple.iter().skip(1) {
                            b.add(c, None, false, do_not_repeat, self);
                        }
                    }
                } else if let (ExprKind::Name(_), Some(rc)) = (&value.kind, &info.referenced_column)
                {
                    let c = self.named_col(name.text, column_type.unwrap_or(rc.ty));
                    b.declare(c, name.span.clone(), true, self);
                    if do_not_repeat {
                        b.do_not_add.insert(rc.id as usize);
                    }
                } else {
                    let c = self.named_col(name.text, column_type.unwrap_or(info.ty));
                    b.declare(c, name.span.clone(), replace, self);
                }
            }
            ExprKind::NamedTuple { names, value } => {
                if let Some(tuple) = &info.tuple {
                    for (i, &c) in tuple.iter().enumerate() {
                        match names.get(i) {
                            Some(n) => {
                                let nc = self.named_col(n.text, column_type.unwrap_or(c.ty));
                                b.declare(nc, n.span.clone(), replace, self);
                            }
                            None if style != Style::Print => {
                                b.add(c, None, replace, do_not_repeat, self);
                            }
                            None => {}
                        }
                    }
                } else if names.len() == 1 {
                    let c = self.named_col(names[0].text, column_type.unwrap_or(info.ty));
                    let rep = info.referenced_column.is_some() || replace;
                    b.declare(c, names[0].span.clone(), rep, self);
                    let _ = value;
                } else {
                    self.error(
                        codes::EXPECTED,
                        "The expression does not have multiple values.",
                        item.span.clone(),
                    );
                }
            }
            ExprKind::Call { .. } => {
                if let Some(col) = info.result_column {
                    self.declare_result_column(b, col, item, style, opts);
                } else if let (Style::Print, Some(name), None) = (style, column_name, &info.tuple) {
                    let c = self.new_col(name, column_type.unwrap_or(info.ty));
                    b.add(c, Some(name), false, false, self);
                } else if let Some(tuple) = &info.tuple {
                    let prefix = self.call_def(item).and_then(|d| d.prefix.as_deref());
                    for &c in tuple {
                        let c = match prefix {
                            Some(p) => {
                                let name = format!("{p}_{}", self.names.text(c.name));
                                self.named_col(name, c.ty)
                            }
                            None => c,
                        };
                        b.add(c, None, false, do_not_repeat, self);
                    }
                } else {
                    let inferred = self.function_result_name(item, None);
                    let name = self.column_name_or_default(inferred, column_name, style);
                    let c = self.new_col(name, column_type.unwrap_or(info.ty));
                    b.add(c, None, replace, false, self);
                }
            }
            ExprKind::Star => {
                let cols = self
                    .row
                    .as_ref()
                    .map(|r| r.cols.clone())
                    .unwrap_or_default();
                for c in cols {
                    b.add(c, None, true, do_not_repeat, self);
                }
            }
            _ => {
                if let Some(col) = info.result_column {
                    self.declare_result_column(b, col, item, style, opts);
                    return;
                }
                let mut ty = info.ty;
                if ty != Ty::Error && !ty.is_scalar() {
                    self.error(
                        codes::SCALAR_EXPECTED,
                        "Scalar value expected.",
                        item.span.clone(),
                    );
                    ty = Ty::UNKNOWN;
                }
                let ty = column_type.unwrap_or(ty);
                if let (Style::Print, Some(name)) = (style, column_name) {
                    let c = self.new_col(name, ty);
                    b.add(c, Some(name), false, false, self);
                } else {
                    let inferred = self.expression_result_name(item, None);
                    let name = self.column_name_or_default(inferred, column_name, style);
                    let c = self.new_col(name, ty);
                    b.add(c, None, replace, false, self);
                }
            }
        }
    }

    /// An item that stands for an existing column (a plain reference or a no-op conversion)
    /// declares that column.
    fn declare_result_column(
        &mut self,
        b: &mut Builder<'q>,
        col: Col,
        item: &Expr,
        style: Style,
        opts: ItemOptions,
    ) {
        let c = Col {
            ty: opts.column_type.unwrap_or(col.ty),
            ..col
        };
        b.declare(c, item.span.clone(), style == Style::Replace, self);
        if opts.do_not_repeat {
            b.do_not_add.insert(col.id as usize);
        }
    }

    /// The inferred name, else the given name, else the next `ColumnN`.
    fn column_name_or_default(
        &mut self,
        inferred: Option<Cow<'q, str>>,
        given: Option<Sym>,
        style: Style,
    ) -> Sym {
        match (inferred, given) {
            (Some(name), _) => self.sym(name),
            (None, Some(name)) => name,
            (None, None) => {
                let name = self.default_column_name(style == Style::Extend);
                self.sym(name)
            }
        }
    }

    fn call_def(&self, e: &Expr) -> Option<&'static FunctionDef> {
        match self.calls.get(e.id as usize) {
            Some(CallTarget::Builtin(d)) => Some(d),
            _ => None,
        }
    }

    /// Kusto's `GetExpressionResultName`.
    pub(crate) fn expression_result_name(
        &self,
        e: &'q Expr<'q>,
        default: Option<&'q str>,
    ) -> Option<Cow<'q, str>> {
        match &e.kind {
            ExprKind::Paren(inner) => self.expression_result_name(inner, default),
            ExprKind::Name(n) => Some(Cow::Borrowed(n.text)),
            ExprKind::Path { target, member }
            | ExprKind::Element {
                target,
                index: member,
            } => {
                let t = self.type_of(target);
                let right = match &e.kind {
                    ExprKind::Element { .. } => selector_name(member),
                    _ => self.expression_result_name(member, None),
                };
                if t.is_dynamic() || t == Ty::UNKNOWN {
                    let left = self.expression_result_name(target, None);
                    match left {
                        Some(l) if !l.trim().is_empty() => {
                            Some(Cow::Owned(format!("{l}_{}", right.unwrap_or_default())))
                        }
                        _ => right,
                    }
                } else {
                    right.or_else(|| default.map(Cow::Borrowed))
                }
            }
            ExprKind::Named { name, .. } => Some(Cow::Borrowed(name.text)),
            ExprKind::Call { .. } => self.function_result_name(e, default),
            _ => default.map(Cow::Borrowed),
        }
    }

    /// Kusto's `GetFunctionResultName`.
    pub(crate) fn function_result_name(
        &self,
        e: &'q Expr<'q>,
        default: Option<&'q str>,
    ) -> Option<Cow<'q, str>> {
        let ExprKind::Call { args, .. } = &e.kind else {
            return default.map(Cow::Borrowed);
        };
        let Some(def) = self.call_def(e) else {
            return default.map(Cow::Borrowed);
        };
        let mut kind = def.result_name;
        let mut prefix = def.prefix.as_deref();
        match kind {
            ResultName::NameAndFirstArgument => {
                prefix = Some(&def.name);
                kind = ResultName::PrefixAndFirstArgument;
            }
            ResultName::NameAndOnlyArgument => {
                prefix = Some(&def.name);
                kind = ResultName::PrefixAndOnlyArgument;
            }
            _ => {}
        }
        let with_prefix = |name: Option<Cow<'q, str>>| match prefix {
            Some(p) => Some(Cow::Owned(format!("{p}_{}", name.unwrap_or_default()))),
            None => name,
        };
        match kind {
            ResultName::PrefixAndFirstArgument => match args.first() {
                Some(a) => with_prefix(self.expression_result_name(a, default)),
                None => prefix.map(|p| Cow::Owned(format!("{p}_"))),
            },
            ResultName::PrefixAndOnlyArgument if args.len() == 1 => {
                with_prefix(self.expression_result_name(&args[0], default))
            }
            ResultName::FirstArgumentValueIfColumn => {
                let value = args.first().and_then(|a| match &a.underlying().kind {
                    ExprKind::Literal(Literal::String(s)) => Some(*s),
                    _ => None,
                });
                match value {
                    Some(v)
                        if self
                            .row
                            .as_ref()
                            .is_some_and(|r| self.find_in(r, v).is_some()) =>
                    {
                        Some(Cow::Borrowed(v))
                    }
                    _ => default.map(Cow::Borrowed),
                }
            }
            ResultName::FirstArgument => args
                .first()
                .and_then(|a| self.expression_result_name(a, default)),
            ResultName::PrefixOnly => prefix.or(default).map(Cow::Borrowed),
            ResultName::OnlyArgument if args.len() == 1 => {
                self.expression_result_name(&args[0], default)
            }
            _ => default.map(Cow::Borrowed),
        }
    }

    /// The columns of a multi-value aggregate (`arg_max`, `arg_min`, `take_any`, `percentiles`).
    pub(crate) fn aggregate_tuple(
        &mut self,
        def: &FunctionDef,
        exprs: &'q [Expr<'q>],
        args: &[Arg<'_>],
    ) -> Option<Vec<Col>> {
        match def.name.as_str() {
            "percentile" | "percentiles" | "percentilew" | "percentilesw" => {
                let value = exprs.first()?;
                let value_name = self.expression_result_name(value, Some(""))?;
                let ty = match args[0].info.ty {
                    Ty::INT => Ty::LONG,
                    Ty::DECIMAL => Ty::REAL,
                    t => t,
                };
                let skip = if def.name.ends_with('w') { 2 } else { 1 };
                let cols = exprs
                    .iter()
                    .skip(skip)
                    .map(|p| {
                        let fragment: String = self.src[p.span.clone()]
                            .chars()
                            .map(|c| if c.is_alphanumeric() { c } else { '_' })
                            .collect();
                        self.named_col(format!("percentile_{value_name}_{fragment}"), ty)
                    })
                    .collect();
                Some(cols)
            }
            "percentiles_array" | "percentilesw_array" => {
                let value_name = self.expression_result_name(exprs.first()?, Some(""))?;
                Some(vec![self.named_col(
                    format!("percentiles_{value_name}"),
                    Ty::DynArray,
                )])
            }
            "arg_max" | "argmax" => Some(self.arg_min_max(exprs, args, "max")),
            "arg_min" | "argmin" => Some(self.arg_min_max(exprs, args, "min")),
            "take_any" => Some(self.any_result(exprs, args, "any_")),
            "any" if args.len() > 1 || args.iter().any(|a| a.info.star) => {
                Some(self.any_result(exprs, args, ""))
            }
            _ => None,
        }
    }

    /// The columns of a scalar function that returns several values (`series_stats`,
    /// `series_decompose_anomalies` ...): Kusto's `MakePrefixedTuple`, named
    /// `<function>_<first argument's name>_<value>`.
    pub(crate) fn scalar_tuple(&mut self, name: &str, exprs: &'q [Expr<'q>]) -> Option<Vec<Col>> {
        use Ty::DynArray as A;
        const L: Ty = Ty::LONG;
        const R: Ty = Ty::REAL;
        let values: &[(&str, Ty)] = match name {
            "series_stats" => &[
                ("min", R),
                ("min_idx", L),
                ("max", R),
                ("max_idx", L),
                ("avg", R),
                ("stdev", R),
                ("variance", R),
            ],
            "series_fft" | "series_ifft" => &[("real", A), ("imag", A)],
            "series_fit_poly" => &[
                ("rsquare", R),
                ("coefficients", A),
                ("variance", R),
                ("rvariance", R),
                ("poly_fit", A),
            ],
            "series_fit_line" => &[
                ("rsquare", R),
                ("slope", R),
                ("variance", R),
                ("rvariance", R),
                ("interception", R),
                ("line_fit", A),
            ],
            "series_fit_2lines" => &[
                ("rsquare", R),
                ("split_idx", L),
                ("variance", R),
                ("rvariance", R),
                ("line_fit", A),
                ("right_rsquare", R),
                ("right_slope", R),
                ("right_interception", R),
                ("right_variance", R),
                ("right_rvariance", R),
                ("left_rsquare", R),
                ("left_slope", R),
                ("left_interception", R),
                ("left_variance", R),
                ("left_rvariance", R),
            ],
            "series_periods_detect" | "series_periods_validate" => &[("periods", A), ("scores", A)],
            "series_decompose" | "series_decompose_forecast" => &[
                ("baseline", A),
                ("seasonal", A),
                ("trend", A),
                ("residual", A),
            ],
            "series_decompose_anomalies" => &[("ad_flag", A), ("ad_score", A), ("baseline", A)],
            _ => return None,
        };
        let argument = exprs
            .first()
            .and_then(|e| self.expression_result_name(e, None))
            .map(|n| n.into_owned());
        Some(
            values
                .iter()
                .map(|&(value, ty)| {
                    let col = match &argument {
                        Some(a) => format!("{name}_{a}_{value}"),
                        None => format!("{name}_{value}"),
                    };
                    self.named_col(col, ty)
                })
                .collect(),
        )
    }

    /// Kusto's `GetAnyResult` (`take_any(a, b, *)`).
    fn any_result(&mut self, exprs: &'q [Expr<'q>], args: &[Arg<'_>], prefix: &str) -> Vec<Col> {
        let row: Vec<Col> = self
            .row
            .as_ref()
            .map(|r| r.cols.clone())
            .unwrap_or_default();
        let any_star = args.iter().any(|a| a.info.star);
        let mut do_not_repeat: HashSet<u32> = self.summarize_by.iter().copied().collect();
        let mut cols = Vec::new();
        for (i, (e, a)) in exprs.iter().zip(args).enumerate() {
            if a.info.star {
                for &c in &row {
                    if !any_star || !do_not_repeat.contains(&c.id) {
                        do_not_repeat.insert(c.id);
                        cols.push(c);
                    }
                }
            } else if let (ExprKind::Named { name, .. }, Some(vc)) = (&e.kind, a.info.result_column)
            {
                if !any_star || !do_not_repeat.contains(&vc.id) {
                    do_not_repeat.insert(vc.id);
                    cols.push(self.named_col(name.text, vc.ty));
                }
            } else if let Some(c) = a.info.result_column {
                if !any_star || !do_not_repeat.contains(&c.id) {
                    if do_not_repeat.contains(&c.id) {
                        cols.push(self.new_col(c.name, c.ty));
                    } else {
                        do_not_repeat.insert(c.id);
                        cols.push(c);
                    }
                }
            } else {
                let name = self
                    .expression_result_name(e, Some(""))
                    .filter(|n| !n.is_empty())
                    .unwrap_or_else(|| Cow::Owned(format!("{prefix}arg{i}")));
                cols.push(self.named_col(name, a.info.ty));
            }
        }
        cols
    }

    /// Kusto's `GetArgMinMaxResult` (`arg_max(x, a, *)`).
    fn arg_min_max(&mut self, exprs: &'q [Expr<'q>], args: &[Arg<'_>], prefix: &str) -> Vec<Col> {
        let row: Vec<Col> = self
            .row
            .as_ref()
            .map(|r| r.cols.clone())
            .unwrap_or_default();
        let by: HashSet<u32> = self.summarize_by.iter().copied().collect();
        let any_star = args.iter().any(|a| a.info.star);
        let primary = exprs
            .first()
            .and_then(|e| self.expression_result_name(e, Some("")))
            .unwrap_or_default();
        let mut do_not_repeat: HashSet<u32> = HashSet::new();
        let can_add = |i: usize, id: u32, dnr: &HashSet<u32>| {
            i == 0 || !any_star || !dnr.contains(&id) && !by.contains(&id)
        };
        let mut cols = Vec::new();
        for (i, (e, a)) in exprs.iter().zip(args).enumerate() {
            if a.info.star {
                for &c in &row {
                    if can_add(i, c.id, &do_not_repeat) {
                        do_not_repeat.insert(c.id);
                        cols.push(c);
                    }
                }
            } else if let (ExprKind::Named { name, .. }, Some(vc)) = (&e.kind, a.info.result_column)
            {
                if can_add(i, vc.id, &do_not_repeat) {
                    do_not_repeat.insert(vc.id);
                    cols.push(self.named_col(name.text, vc.ty));
                }
            } else if let Some(c) = a.info.result_column {
                if can_add(i, c.id, &do_not_repeat) {
                    if do_not_repeat.contains(&c.id) || by.contains(&c.id) {
                        cols.push(self.new_col(c.name, c.ty));
                    } else {
                        do_not_repeat.insert(c.id);
                        cols.push(c);
                    }
                }
            } else {
                let name = self.expression_result_name(e, None).unwrap_or_else(|| {
                    Cow::Owned(if i == 0 {
                        format!("{prefix}_")
                    } else {
                        format!("{prefix}_{primary}_arg{i}")
                    })
                });
                cols.push(self.named_col(name, a.info.ty));
            }
        }
        cols
    }
}

/// Name of an element selector: the value of a string or integer literal.
fn selector_name<'q>(index: &Expr<'q>) -> Option<Cow<'q, str>> {
    match &index.kind {
        ExprKind::Literal(Literal::String(s)) => Some(Cow::Borrowed(s)),
        ExprKind::Literal(Literal::Long(Some(v))) => Some(Cow::Owned(v.to_string())),
        _ => None,
    }
}
