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
    let mut blocks = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix("<p>") {
            let end = r.find("</p>\n")?;
            blocks.push(inline(&r[..end])?);
            rest = &r[end + 5..];
        } else if let Some(r) = rest.strip_prefix("<ol type=\"a\">\n") {
            let end = r.find("</ol>\n")?;
            let mut items = &r[..end];
            let mut letter = b'a';
            while let Some(i) = items.strip_prefix("<li><p>") {
                let close = i.find("</p>\n</li>\n")?;
                blocks.push(format!("{}. {}", letter as char, inline(&i[..close])?));
                letter += 1;
                items = &i[close + 11..];
            }
            if !items.is_empty() {
                return None;
            }
            rest = &r[end + 6..];
        } else {
            return None;
        }
    }
    // Header: Note, Release Notes, known issues; footer: counts, Learn more.
    if blocks.len() < 6 {
        return None;
    }
    Some(blocks[3..blocks.len() - 2].join("\n\n"))
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
        let text = "The [Gambit](https://gambit.security/) solution pushes **issues** with `X_CL`.\n\nUses:\n\na. [A](https://a)\n\nb. B\n\nSecond & last.";
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
