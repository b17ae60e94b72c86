//! HTML text for the studio: escaping, and markdown rendered the way the portal renders
//! connector markdown (CommonMark with tables) but safe to put in the page: raw HTML is shown
//! as text (except `<br>`), links keep only `http`, `https` and `mailto` targets, and images
//! from the network are replaced by their alternative text (the studio works offline and its
//! pages load nothing from elsewhere).

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd};

/// `text` with `& < > " '` escaped, for element content and quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Whether a link target may be followed from the page.
fn safe_link(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    lower.starts_with("https://") || lower.starts_with("http://") || lower.starts_with("mailto:")
}

/// Whether an image source may be shown (inline data only: nothing is fetched).
fn inline_image(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    [
        "data:image/png",
        "data:image/jpeg",
        "data:image/gif",
        "data:image/svg+xml",
    ]
    .iter()
    .any(|p| lower.starts_with(p))
}

/// `<br>`, `<br/>`, `<br />` in any case.
fn is_br(html: &str) -> bool {
    let t: String = html
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_ascii_lowercase();
    t == "<br>" || t == "<br/>"
}

/// Markdown to HTML that is safe to insert into the studio page.
pub fn markdown(text: &str) -> String {
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let parser = Parser::new_ext(text, options);
    let mut events: Vec<Event<'_>> = Vec::new();
    // Inside an image: its alternative text is collected and the image replaced.
    let mut image: Option<(String, String)> = None;
    for event in parser {
        if let Some((_, alt)) = &mut image {
            match event {
                Event::End(TagEnd::Image) => {
                    let (src, alt) = image.take().unwrap_or_default();
                    let label = if alt.trim().is_empty() {
                        "image"
                    } else {
                        alt.trim()
                    };
                    events.push(Event::InlineHtml(CowStr::from(format!(
                        "<span class=\"md-image\" title=\"{}\">[{}: not loaded, the studio works offline]</span>",
                        escape(&src),
                        escape(label)
                    ))));
                }
                Event::Text(t) | Event::Code(t) => alt.push_str(&t),
                _ => {}
            }
            continue;
        }
        match event {
            Event::Html(h) | Event::InlineHtml(h) => {
                if is_br(&h) {
                    events.push(Event::InlineHtml(CowStr::from("<br>")));
                } else {
                    events.push(Event::Text(h));
                }
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                if inline_image(&dest_url) {
                    events.push(Event::Start(Tag::Image {
                        link_type,
                        dest_url,
                        title,
                        id,
                    }));
                } else {
                    image = Some((dest_url.to_string(), String::new()));
                }
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                id,
            }) => {
                let dest_url = if safe_link(&dest_url) {
                    dest_url
                } else {
                    CowStr::from("#")
                };
                events.push(Event::Start(Tag::Link {
                    link_type,
                    dest_url,
                    title,
                    id,
                }));
            }
            other => events.push(other),
        }
    }
    let mut out = String::with_capacity(text.len() * 2);
    pulldown_cmark::html::push_html(&mut out, events.into_iter());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_is_text() {
        let html = markdown("a <script>alert(1)</script> b<br>c\n\n<img src=x onerror=y>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(html.contains("<br>"), "{html}");
    }

    #[test]
    fn unsafe_links_are_neutralised() {
        let html = markdown("[x](javascript:alert(1)) [y](https://example.com/a?b=1&c=2)");
        assert!(!html.contains("javascript"), "{html}");
        assert!(
            html.contains("href=\"https://example.com/a?b=1&amp;c=2\""),
            "{html}"
        );
    }

    #[test]
    fn network_images_become_their_text() {
        let html = markdown(
            "[![Deploy To Azure](https://aka.ms/deploytoazurebutton)](https://portal.azure.com)",
        );
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("Deploy To Azure"), "{html}");
        assert!(html.contains("href=\"https://portal.azure.com\""), "{html}");
    }

    #[test]
    fn tables_and_headings() {
        let html = markdown("#### Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(html.contains("<h4>Title</h4>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
    }

    #[test]
    fn escape_covers_attributes() {
        assert_eq!(escape("\"'<>&"), "&quot;&#39;&lt;&gt;&amp;");
    }
}
