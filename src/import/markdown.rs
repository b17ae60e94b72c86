//! Recovering the solution description from a package: from createUiDefinition's
//! `basics.description` (the markdown the packager filled in) or, when only mainTemplate.json
//! is at hand, from `descriptionHtml` (HTML back to markdown for the constructs descriptions
//! use: paragraphs, links, emphasis, code spans). The caller verifies a recovered text by
//! rendering it again.

/// The text between the packager's header and its counts line, if the description has the
/// packager's layout.
pub fn from_ui_description(text: &str) -> Option<String> {
    let start = text.find("please refer to them before installing.")?
        + "please refer to them before installing.".len();
    let rest = text[start..].trim_start_matches(['\r', '\n', ' ']);
    let end = rest.rfind("\n\n[Learn more about Microsoft Sentinel]")?;
    let body = &rest[..end];
    // The counts line is the last paragraph: `**Data Connectors:** 1, …`.
    let cut = body.rfind("\n\n**")?;
    Some(body[..cut].to_string())
}

/// The description inside `descriptionHtml`, as markdown (`None` for HTML it cannot read).
pub fn from_description_html(html: &str) -> Option<String> {
    let paragraphs: Vec<&str> = html.split("</p>\n").filter(|p| !p.is_empty()).collect();
    // Header: Note, Release Notes, known issues; footer: counts, Learn more.
    if paragraphs.len() < 6 {
        return None;
    }
    let body = &paragraphs[3..paragraphs.len() - 2];
    let mut out = Vec::new();
    for p in body {
        out.push(inline(p.strip_prefix("<p>")?)?);
    }
    Some(out.join("\n\n"))
}

/// Inline HTML → markdown.
fn inline(html: &str) -> Option<String> {
    let mut out = String::new();
    let mut rest = html;
    while let Some(lt) = rest.find(['<', '&']) {
        out.push_str(&rest[..lt]);
        rest = &rest[lt..];
        if rest.starts_with('&') {
            let end = rest.find(';')?;
            out.push_str(match &rest[..=end] {
                "&amp;" => "&",
                "&lt;" => "<",
                "&gt;" => ">",
                "&quot;" => "\"",
                "&#39;" => "'",
                _ => return None,
            });
            rest = &rest[end + 1..];
            continue;
        }
        let end = rest.find('>')?;
        let tag = &rest[..=end];
        rest = &rest[end + 1..];
        match tag {
            "<strong>" | "</strong>" => out.push_str("**"),
            "<em>" | "</em>" => out.push('*'),
            "<code>" | "</code>" => out.push('`'),
            "<br />" => out.push_str("  \n"),
            t if t.starts_with("<a href=\"") => {
                let href = t.strip_prefix("<a href=\"")?.strip_suffix("\">")?;
                // The link text follows; remember the target for the closing tag.
                let close = rest.find("</a>")?;
                let text = inline(&rest[..close])?;
                out.push('[');
                out.push_str(&text);
                out.push_str("](");
                out.push_str(&href.replace("&amp;", "&"));
                out.push(')');
                rest = &rest[close + 4..];
            }
            _ => return None,
        }
    }
    out.push_str(rest);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::description::{self, DescriptionInput};
    use crate::solution::Compat;

    #[test]
    fn both_recoveries_invert_the_renderer() {
        let text = "The [Gambit](https://gambit.security/) solution pushes **issues** with `X_CL`.\n\nSecond & last.";
        let d = description::render(
            &DescriptionInput {
                name: "Gambit",
                description: text,
                logo: Some("<img src=\"x\">"),
                counts: &[("Data Connectors", 1)],
            },
            Compat::Ccfgen,
        )
        .unwrap();
        assert_eq!(from_ui_description(&d.markdown).as_deref(), Some(text));
        assert_eq!(from_description_html(&d.html).as_deref(), Some(text));
    }
}
