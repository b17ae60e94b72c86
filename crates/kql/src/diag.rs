//! Diagnostics: severity, code, message and position (byte span plus 1-based line/column).
//!
//! Codes mirror Kusto.Language's where the same check is made (`KS142` unknown name, `KS107`
//! wrong argument type ...); checks of our own use `CCF...` codes.

use std::ops::Range;

use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum Severity {
    /// The query is invalid.
    Error,
    /// Suspicious but valid.
    Warning,
}

/// One problem found in a query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// A stable code (`KS142`, `CCF001` ...).
    pub code: String,
    /// Human-readable text.
    pub message: String,
    /// Byte range in the query (may be empty for "missing" diagnostics).
    pub span: Range<usize>,
    /// 1-based line of `span.start`.
    pub line: u32,
    /// 1-based column of `span.start`, counted in UTF-16 code units (like Kusto tools and LSP).
    pub column: u32,
}

/// Codes used by the analyser.
pub mod codes {
    /// A closing quote, fence or parenthesis is missing.
    pub const MISSING_TEXT: &str = "KS001";
    /// A character that is not part of the language.
    pub const UNEXPECTED_CHAR: &str = "KS002";
    /// A specific token was expected.
    pub const EXPECTED: &str = "KS005";
    /// An expression (or name) is missing.
    pub const MISSING: &str = "KS006";
    /// Not a known query operator.
    pub const QUERY_OPERATOR_EXPECTED: &str = "KS176";
    /// Text left over after the last statement.
    pub const INCOMPLETE_FRAGMENT: &str = "KS198";
    /// A keyword used as a name without brackets.
    pub const NAME_NEEDS_BRACKETS: &str = "KS228";
    /// No overload of an operator accepts the operand types.
    pub const OPERATOR_NOT_DEFINED: &str = "KS106";
    /// An argument has the wrong type.
    pub const TYPE_EXPECTED: &str = "KS107";
    /// Wrong number of arguments.
    pub const ARGUMENT_COUNT: &str = "KS119";
    /// Number of arguments outside the allowed range.
    pub const ARGUMENT_COUNT_RANGE: &str = "KS120";
    /// No overload of a function accepts the argument types.
    pub const FUNCTION_NOT_DEFINED_WITH_ARGS: &str = "KS127";
    /// An argument must be a constant.
    pub const CONSTANT_EXPECTED: &str = "KS129";
    /// An argument must be a literal.
    pub const LITERAL_EXPECTED: &str = "KS131";
    /// An argument must be a column.
    pub const COLUMN_EXPECTED: &str = "KS109";
    /// A value of a specific type is required.
    pub const EXPRESSION_TYPE: &str = "KS141";
    /// The expression must be an integer.
    pub const INTEGER_EXPECTED: &str = "KS134";
    /// A scalar was expected.
    pub const SCALAR_EXPECTED: &str = "KS108";
    /// A tabular value was expected.
    pub const TABULAR_EXPECTED: &str = "KS111";
    /// A type is not allowed here.
    pub const TYPE_NOT_ALLOWED: &str = "KS116";
    /// A name does not resolve.
    pub const UNKNOWN_NAME: &str = "KS142";
    /// A tabular name does not resolve.
    pub const UNKNOWN_TABLE: &str = "KS204";
    /// Value must be summable.
    pub const SUMMABLE_EXPECTED: &str = "KS138";
    /// Value must be numeric.
    pub const NUMERIC_EXPECTED: &str = "KS137";
    /// Value must be an integer or an array.
    pub const INTEGER_OR_ARRAY_EXPECTED: &str = "KS136";
    /// Value must be real or decimal.
    pub const REAL_OR_DECIMAL_EXPECTED: &str = "KS135";
    /// A function name does not resolve.
    pub const UNKNOWN_FUNCTION: &str = "KS211";
    /// A column name is declared twice.
    pub const DUPLICATE_COLUMN: &str = "KS171";
    /// `datatable` values do not fill whole rows.
    pub const DATATABLE_VALUES: &str = "KS173";
    /// The operator cannot start a query / must start one.
    pub const OPERATOR_POSITION: &str = "KS174";
    /// `parse` pattern layout problem.
    pub const PARSE_PATTERN: &str = "KS101";
    /// No common type for `iff`/`case`/`coalesce` arguments.
    pub const NO_COMMON_TYPE: &str = "KS232";
    /// Aggregate function outside `summarize`.
    pub const AGGREGATE_CONTEXT: &str = "KS144";
    /// A plain name where an aggregate is expected (`summarize x`).
    pub const NOT_AN_AGGREGATE: &str = "KS236";
    /// A literal string must not be empty.
    pub const EMPTY_LITERAL: &str = "KS133";
    /// `*` is not allowed here.
    pub const STAR_NOT_ALLOWED: &str = "KS191";
    /// Function needs an argument list.
    pub const ARGUMENT_LIST_REQUIRED: &str = "KS117";
    /// `[]` applied to a value that is not dynamic.
    pub const ELEMENT_ACCESS: &str = "KS147";
    /// Rename needs `new = old`.
    pub const RENAME_EXPECTED: &str = "KS110";
    /// A named argument that names no parameter of the function.
    pub const UNKNOWN_PARAMETER: &str = "KS196";
    /// A plug-in name `evaluate` does not know.
    pub const UNKNOWN_PLUGIN: &str = "KS124";
    /// A join condition that is neither a common column nor `$left.a == $right.b`.
    pub const JOIN_CONDITION: &str = "KS182";
    /// A join equality operand that is not `$left.<column>` / `$right.<column>`.
    pub const JOIN_CONDITION_OPERAND: &str = "KS183";
    /// A common join column missing on one side.
    pub const JOIN_COLUMN_BOTH_SIDES: &str = "KS145";
    /// A common join column with different types on the two sides.
    pub const JOIN_COMMON_COLUMN_TYPE: &str = "KS227";
    /// A dynamic join key.
    pub const JOIN_KEY_DYNAMIC: &str = "KS241";
    /// Join keys of types that cannot be compared.
    pub const JOIN_KEYS_NOT_COMPARABLE: &str = "KS242";
    /// The query nests deeper than Kusto analyses (its `MaxAnalysisDepth`, 500 syntax levels).
    pub const SYNTAX_TOO_DEEP: &str = "KS245";
    /// A Kusto operator or construct this analyser does not model.
    pub const UNSUPPORTED: &str = "CCF001";
}

/// Maps byte offsets to 1-based line/column (UTF-16 columns) and UTF-16 offsets.
pub(crate) struct LineIndex<'a> {
    text: &'a str,
    /// Byte offset of each line start.
    line_starts: Vec<usize>,
}

impl<'a> LineIndex<'a> {
    pub(crate) fn new(text: &'a str) -> LineIndex<'a> {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { text, line_starts }
    }

    /// 1-based line and UTF-16 column of a byte offset.
    pub(crate) fn line_col(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let col = utf16_len(&self.text[start..floor_char(self.text, offset)]);
        (line as u32 + 1, col as u32 + 1)
    }

    /// UTF-16 offset of a byte offset (JavaScript string index, as the oracle reports).
    pub(crate) fn utf16_offset(&self, offset: usize) -> usize {
        utf16_len(&self.text[..floor_char(self.text, offset.min(self.text.len()))])
    }
}

fn floor_char(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

fn utf16_len(s: &str) -> usize {
    if s.is_ascii() {
        s.len()
    } else {
        s.chars().map(char::len_utf16).sum()
    }
}

/// Collects diagnostics while parsing and checking.
#[derive(Debug, Default)]
pub(crate) struct Diagnostics {
    pub(crate) items: Vec<RawDiagnostic>,
}

/// A diagnostic before line/column are computed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct RawDiagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub message: String,
    pub span: Range<usize>,
}

impl Diagnostics {
    pub(crate) fn error(
        &mut self,
        code: &'static str,
        message: impl Into<String>,
        span: Range<usize>,
    ) {
        self.items.push(RawDiagnostic {
            severity: Severity::Error,
            code,
            message: message.into(),
            span,
        });
    }

    pub(crate) fn finish(self, text: &str) -> Vec<Diagnostic> {
        if self.items.is_empty() {
            return Vec::new();
        }
        let index = LineIndex::new(text);
        self.items
            .into_iter()
            .map(|d| {
                let (line, column) = index.line_col(d.span.start);
                Diagnostic {
                    severity: d.severity,
                    code: d.code.to_string(),
                    message: d.message,
                    span: d.span,
                    line,
                    column,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_utf16_column() {
        let text = "ab\ncé\u{1F600}x\nz";
        let idx = LineIndex::new(text);
        assert_eq!(idx.line_col(0), (1, 1));
        assert_eq!(idx.line_col(3), (2, 1));
        let x = text.find('x').unwrap_or_default();
        assert_eq!(idx.line_col(x), (2, 5));
        assert_eq!(idx.utf16_offset(x), 3 + 4);
        assert_eq!(idx.line_col(text.len()), (3, 2));
    }
}
