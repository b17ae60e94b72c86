//! Renders findings like rustc: `error[rule]: message`, the file:line:col, the source line
//! with a caret under the span, and the fix hint.

use annotate_snippets::{AnnotationKind, Group, Level, Renderer, Snippet};

use super::{Diagnostic, Diagnostics, Severity};
use crate::source::SourceFile;

/// Renders one finding. `source` is the text of the file the finding points into, when known.
pub fn render(diagnostic: &Diagnostic, source: Option<&SourceFile>, color: bool) -> String {
    let level = match diagnostic.severity {
        Severity::Error => Level::ERROR,
        Severity::Warning => Level::WARNING,
        Severity::Note => Level::NOTE,
    };
    let title = level
        .primary_title(diagnostic.message.as_str())
        .id(diagnostic.rule);
    let path_text;
    let group = match (&diagnostic.location, source) {
        (Some(loc), Some(src)) if src.path() == loc.file => {
            path_text = loc.file.display().to_string();
            let span = clamp(loc.span.clone(), src.text());
            title.element(
                Snippet::source(src.text())
                    .path(path_text.as_str())
                    .fold(true)
                    .annotation(AnnotationKind::Primary.span(span)),
            )
        }
        (Some(loc), _) => {
            path_text = format!("at {loc}");
            Group::with_title(title).element(annotate_snippets::Origin::path(path_text.as_str()))
        }
        (None, _) => Group::with_title(title),
    };
    let mut report = vec![group];
    if let Some(hint) = &diagnostic.hint {
        report.push(Group::with_title(
            Level::HELP.secondary_title(hint.as_str()),
        ));
    }
    let renderer = if color {
        Renderer::styled()
    } else {
        Renderer::plain()
    };
    renderer.render(&report)
}

/// Renders every finding (sorted) followed by a one-line summary.
pub fn render_all(diagnostics: Diagnostics, sources: &[&SourceFile], color: bool) -> String {
    let errors = diagnostics.count(Severity::Error);
    let warnings = diagnostics.count(Severity::Warning);
    let mut out = String::new();
    for d in diagnostics.sorted() {
        let src = d
            .location
            .as_ref()
            .and_then(|l| sources.iter().copied().find(|s| s.path() == l.file));
        out.push_str(&render(&d, src, color));
        out.push_str("\n\n");
    }
    out.push_str(&summary(errors, warnings));
    out.push('\n');
    out
}

/// `2 errors, 1 warning`.
pub fn summary(errors: usize, warnings: usize) -> String {
    fn plural(n: usize, word: &str) -> String {
        format!("{n} {word}{}", if n == 1 { "" } else { "s" })
    }
    format!(
        "{}, {}",
        plural(errors, "error"),
        plural(warnings, "warning")
    )
}

/// Annotate-snippets needs a span on char boundaries inside the text; an empty span at the end
/// of a line is widened to one character so the caret is visible.
fn clamp(span: std::ops::Range<usize>, text: &str) -> std::ops::Range<usize> {
    let mut start = span.start.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let mut end = span.end.clamp(start, text.len());
    while !text.is_char_boundary(end) {
        end += 1;
    }
    if end == start && end < text.len() {
        end = start + text[start..].chars().next().map_or(0, char::len_utf8);
    }
    start..end
}
