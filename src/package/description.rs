//! The solution description of the package: the markdown text of createUiDefinition's
//! `basics.description` and its HTML rendering, `contentPackages.descriptionHtml`
//! (packaging.md §7).
//!
//! ccfgen fills `templates/package/description.md.hbs` literally. The official packager fills
//! the same text with PowerShell's `-replace`, a regular-expression replace in which `$&`,
//! `` $` ``, `$'`, `$_` and `$$` in the *description* are substitution tokens; in
//! [`Compat::Official`] mode ccfgen reproduces that (and that `{{SolutionName}}` is only
//! substituted when there is a description).

use pulldown_cmark::{Options, Parser, html};
use serde_json::json;

use crate::solution::Compat;
use crate::templates::{self, TemplateError};

/// What the description is made of.
#[derive(Debug, Clone)]
pub struct DescriptionInput<'a> {
    /// Solution name (the Release Notes link names its folder).
    pub name: &'a str,
    /// The solution description (markdown).
    pub description: &'a str,
    /// Logo HTML, if any.
    pub logo: Option<&'a str>,
    /// Content counts in order, e.g. `[("Data Connectors", 1), ("Workbooks", 1)]`.
    pub counts: &'a [(&'static str, usize)],
}

/// The description texts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Description {
    /// createUiDefinition `basics.description` (markdown, logo first).
    pub markdown: String,
    /// `contentPackages.descriptionHtml` (the markdown without the logo, as HTML).
    pub html: String,
}

/// The official template, with the packager's placeholders.
const OFFICIAL_TEMPLATE: &str = "{{Logo}}\n\n**Note:** Please refer to the following before installing the solution: \n\n• Review the solution [Release Notes](https://github.com/Azure/Azure-Sentinel/tree/master/Solutions/{{SolutionName}}/ReleaseNotes.md)\n\n • There may be [known issues](https://aka.ms/sentinelsolutionsknownissues) pertaining to this Solution, please refer to them before installing.\n\n{{SolutionDescription}}\n\n{{Counts}}\n\n[Learn more about Microsoft Sentinel](https://aka.ms/azuresentinel) | [Learn more about Solutions](https://aka.ms/azuresentinelsolutionsdoc)";

/// Renders the description in the given mode.
pub fn render(input: &DescriptionInput<'_>, compat: Compat) -> Result<Description, TemplateError> {
    let counts = counts_line(input.counts);
    match compat {
        Compat::Ccfgen => {
            let body = templates::render(
                "package/description",
                &json!({
                    "solution_path": escape_data_string(input.name),
                    "description": input.description,
                    "counts": counts,
                }),
            )?;
            let body = body.strip_suffix('\n').unwrap_or(&body).to_string();
            let markdown = match input.logo {
                Some(logo) => format!("{logo}\n\n{body}"),
                None => body.clone(),
            };
            Ok(Description {
                html: to_html(&body),
                markdown,
            })
        }
        Compat::Official => {
            let mut text = OFFICIAL_TEMPLATE.to_string();
            if !input.description.is_empty() {
                text = dotnet_replace(&text, "{{SolutionDescription}}", input.description);
                text = dotnet_replace(&text, "{{SolutionName}}", &escape_data_string(input.name));
            }
            text = dotnet_replace(&text, "{{Counts}}", &counts);
            let html = to_html(&text.replace("{{Logo}}\n\n", ""));
            let markdown = match input.logo {
                Some(logo) => dotnet_replace(&text, "{{Logo}}", logo),
                None => text.replace("{{Logo}}\n\n", ""),
            };
            Ok(Description { markdown, html })
        }
    }
}

/// `**Data Connectors:** 1, **Workbooks:** 1` (kinds with a zero count left out).
pub fn counts_line(counts: &[(&'static str, usize)]) -> String {
    counts
        .iter()
        .filter(|(_, n)| *n > 0)
        .map(|(label, n)| format!("**{label}:** {n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Markdown to HTML as the packager's `ConvertFrom-Markdown` (Markdig with its advanced
/// extensions) renders descriptions: CommonMark, plus Markdig's alphabetical lists — blocks
/// starting `a. `, `b. `, … become `<ol type="a">` (loose items, `<li><p>…</p>`, when blank
/// lines separate them), which plain CommonMark leaves as paragraphs.
pub fn to_html(markdown: &str) -> String {
    let blocks: Vec<&str> = markdown.split("\n\n").collect();
    if !blocks.iter().any(|b| alpha_item(b, 'a').is_some()) {
        return commonmark(markdown);
    }
    let mut out = String::new();
    let mut pending: Vec<&str> = Vec::new();
    let mut i = 0;
    while i < blocks.len() {
        if alpha_item(blocks[i], 'a').is_some() {
            let mut items = Vec::new();
            let mut letter = 'a';
            while let Some(text) = blocks.get(i).and_then(|b| alpha_item(b, letter)) {
                items.push(text);
                letter = (letter as u8 + 1) as char;
                i += 1;
            }
            if !pending.is_empty() {
                out.push_str(&commonmark(&pending.join("\n\n")));
                pending.clear();
            }
            out.push_str("<ol type=\"a\">\n");
            for item in items {
                out.push_str("<li>");
                out.push_str(&commonmark(item));
                out.push_str("</li>\n");
            }
            out.push_str("</ol>\n");
        } else {
            pending.push(blocks[i]);
            i += 1;
        }
    }
    if !pending.is_empty() {
        out.push_str(&commonmark(&pending.join("\n\n")));
    }
    out
}

/// The text of a one-line block `<letter>. text`.
fn alpha_item(block: &str, letter: char) -> Option<&str> {
    let text = block.strip_prefix(letter)?.strip_prefix(". ")?;
    (!text.contains('\n') && !text.trim().is_empty()).then_some(text)
}

fn commonmark(markdown: &str) -> String {
    let mut out = String::new();
    html::push_html(&mut out, Parser::new_ext(markdown, Options::empty()));
    out
}

/// .NET `Uri.EscapeDataString`: percent-encodes everything but `A-Z a-z 0-9 - _ . ~`.
pub fn escape_data_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// PowerShell `-replace` of a pattern without regex metacharacters or groups: every match is
/// replaced, and the replacement's `$` tokens are expanded as .NET `Regex.Replace` does.
pub fn dotnet_replace(input: &str, pattern: &str, replacement: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = 0;
    while let Some(found) = input[rest..].find(pattern) {
        let start = rest + found;
        let end = start + pattern.len();
        out.push_str(&input[rest..start]);
        out.push_str(&expand(replacement, input, start, end));
        rest = end;
    }
    out.push_str(&input[rest..]);
    out
}

/// Expands .NET substitution tokens for one match `input[start..end]`.
fn expand(replacement: &str, input: &str, start: usize, end: usize) -> String {
    let mut out = String::with_capacity(replacement.len());
    let mut chars = replacement.char_indices().peekable();
    while let Some((_, c)) = chars.next() {
        if c != '$' {
            out.push(c);
            continue;
        }
        match chars.peek().map(|&(_, n)| n) {
            Some('$') => {
                out.push('$');
                chars.next();
            }
            Some('&') | Some('0') | Some('+') => {
                out.push_str(&input[start..end]);
                chars.next();
            }
            Some('`') => {
                out.push_str(&input[..start]);
                chars.next();
            }
            Some('\'') => {
                out.push_str(&input[end..]);
                chars.next();
            }
            Some('_') => {
                out.push_str(input);
                chars.next();
            }
            _ => out.push('$'),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input<'a>(
        description: &'a str,
        counts: &'a [(&'static str, usize)],
    ) -> DescriptionInput<'a> {
        DescriptionInput {
            name: "Valence Security",
            description,
            logo: Some("<img src=\"x.svg\">"),
            counts,
        }
    }

    #[test]
    fn both_modes_agree_on_ordinary_text() {
        let counts = [
            ("Data Connectors", 1),
            ("Workbooks", 0),
            ("Analytic Rules", 2),
        ];
        let i = input("Pushes **alerts** to `X_CL`.", &counts);
        let ours = render(&i, Compat::Ccfgen).unwrap();
        let theirs = render(&i, Compat::Official).unwrap();
        assert_eq!(ours, theirs);
        assert!(ours.markdown.starts_with("<img src=\"x.svg\">\n\n**Note:** Please refer to the following before installing the solution: \n\n• Review the solution [Release Notes](https://github.com/Azure/Azure-Sentinel/tree/master/Solutions/Valence%20Security/ReleaseNotes.md)"));
        assert!(
            ours.markdown
                .contains("\n\n**Data Connectors:** 1, **Analytic Rules:** 2\n\n")
        );
        assert!(ours.html.starts_with("<p><strong>Note:</strong> Please refer to the following before installing the solution:</p>\n"));
        assert!(
            ours.html
                .contains("<p>Pushes <strong>alerts</strong> to <code>X_CL</code>.</p>\n")
        );
    }

    #[test]
    fn dollar_tokens_are_literal_for_ccfgen_and_substitutions_for_official() {
        let i = input("Costs $$5; see $&.", &[]);
        let ours = render(&i, Compat::Ccfgen).unwrap();
        assert!(ours.markdown.contains("Costs $$5; see $&."));
        let theirs = render(&i, Compat::Official).unwrap();
        assert!(
            theirs
                .markdown
                .contains("Costs $5; see {{SolutionDescription}}.")
        );
    }

    #[test]
    fn alphabetical_lists_render_as_markdig_does() {
        let html = to_html("Uses:\n\na. [A](https://a)\n\nb. B\n\nAfter.");
        assert_eq!(
            html,
            "<p>Uses:</p>\n<ol type=\"a\">\n<li><p><a href=\"https://a\">A</a></p>\n</li>\n<li><p>B</p>\n</li>\n</ol>\n<p>After.</p>\n"
        );
    }

    #[test]
    fn escape_data_string_matches_dotnet() {
        assert_eq!(escape_data_string("Valence Security"), "Valence%20Security");
        assert_eq!(escape_data_string("a/b~c"), "a%2Fb~c");
    }
}
