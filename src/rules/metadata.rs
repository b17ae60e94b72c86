//! Content Hub metadata rules: semver, solution id, support contact, categories, dates.

use super::Findings;
use crate::diagnostic::Diagnostic;

/// Valid Content Hub domains (`ValidDomainsVerticals.json`).
pub const DOMAINS: &[&str] = &[
    "Application",
    "Cloud Provider",
    "Compliance",
    "DevOps",
    "Identity",
    "Internet of Things (IoT)",
    "IT Operations",
    "Migration",
    "Networking",
    "Platform",
    "Security - Others",
    "Security - Threat Intelligence",
    "Security - Threat Protection",
    "Security - 0-day Vulnerability",
    "Security - Automation (SOAR)",
    "Security - Cloud Security",
    "Security - Information Protection",
    "Security - Insider Threat",
    "Security - Network",
    "Security - Vulnerability Management",
    "Storage",
    "Training and Tutorials",
    "User Behavior (UEBA)",
];

/// Valid Content Hub verticals.
pub const VERTICALS: &[&str] = &[
    "Aeronautics",
    "Education",
    "Finance",
    "Healthcare",
    "Manufacturing",
    "Retail",
];

/// A semantic version `MAJOR.MINOR.PATCH`.
pub fn semver(what: &str, version: &str) -> Findings {
    match semver::Version::parse(version) {
        Ok(_) => Vec::new(),
        Err(e) => vec![
            Diagnostic::error(
                "semver",
                format!("{what} `{version}` is not a semantic version: {e}"),
            )
            .with_hint("write MAJOR.MINOR.PATCH, e.g. `3.0.0`"),
        ],
    }
}

/// One part of the solution id (`publisher_id` or `offer_id`): lowercase, no dots.
pub fn solution_id_part(what: &str, value: &str) -> Findings {
    let mut out = Vec::new();
    if value.is_empty() || value.contains('.') || value.chars().any(char::is_whitespace) {
        out.push(
            Diagnostic::error(
                "solution-id",
                format!("{what} `{value}` must be non-empty, without dots or spaces"),
            )
            .with_hint(
                "the solution id is `<publisher_id>.<offer_id>` and must match `^[^.]+\\.[^.]+$`",
            ),
        );
    } else if value.chars().any(|c| c.is_uppercase()) {
        out.push(
            Diagnostic::error("solution-id", format!("{what} `{value}` must be lowercase"))
                .with_hint(format!("use `{}`", value.to_lowercase())),
        );
    }
    out
}

/// An email address as the validator accepts it (`^[^\s@]+@[^\s@]+\.[^\s@]+$`).
pub fn is_email(s: &str) -> bool {
    let Some((user, domain)) = s.split_once('@') else {
        return false;
    };
    let ok = |p: &str| !p.is_empty() && !p.chars().any(|c| c.is_whitespace() || c == '@');
    match domain.rsplit_once('.') {
        Some((host, tld)) => ok(user) && ok(host) && ok(tld),
        None => false,
    }
}

/// A link as the validator accepts it (`^https?://\S+$`).
pub fn is_link(s: &str) -> bool {
    let rest = s
        .strip_prefix("https://")
        .or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.chars().any(char::is_whitespace))
}

/// Support contact: a name and an email or a link, both well formed.
pub fn support(name: &str, email: Option<&str>, link: Option<&str>) -> Findings {
    let mut out = Vec::new();
    if name.trim().is_empty() {
        out.push(
            Diagnostic::error("support", "support name is empty")
                .with_hint("name the organisation that supports the solution"),
        );
    }
    if email.is_none() && link.is_none() {
        out.push(
            Diagnostic::error("support", "support needs an email or a link")
                .with_hint("add `email = \"…\"` or `link = \"https://…\"`"),
        );
    }
    if let Some(e) = email.filter(|e| !is_email(e)) {
        out.push(
            Diagnostic::error(
                "support",
                format!("support email `{e}` is not an email address"),
            )
            .with_hint("write it as name@example.com"),
        );
    }
    if let Some(l) = link.filter(|l| !is_link(l)) {
        out.push(
            Diagnostic::error(
                "support",
                format!("support link `{l}` is not an http(s) URL"),
            )
            .with_hint("write it as https://example.com/support"),
        );
    }
    out
}

/// One domain.
pub fn domain(value: &str) -> Findings {
    member("domain", value, DOMAINS)
}

/// One vertical.
pub fn vertical(value: &str) -> Findings {
    member("vertical", value, VERTICALS)
}

fn member(what: &str, value: &str, list: &[&str]) -> Findings {
    if list.contains(&value) {
        return Vec::new();
    }
    let close = list.iter().find(|d| d.eq_ignore_ascii_case(value));
    let hint = match close {
        Some(d) => format!("the spelling is `{d}`"),
        None => format!("use one of: {}", list.join(", ")),
    };
    vec![
        Diagnostic::error(
            if what == "domain" {
                "domain"
            } else {
                "vertical"
            },
            format!("`{value}` is not a Content Hub {what}"),
        )
        .with_hint(hint),
    ]
}

/// A calendar date `YYYY-MM-DD`.
pub fn date(what: &str, value: &str) -> Findings {
    let parts: Vec<&str> = value.split('-').collect();
    let valid = parts.len() == 3
        && parts[0].len() == 4
        && parts[1].len() == 2
        && parts[2].len() == 2
        && parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()))
        && {
            let y: u32 = parts[0].parse().unwrap_or(0);
            let m: u32 = parts[1].parse().unwrap_or(0);
            let d: u32 = parts[2].parse().unwrap_or(0);
            (1..=12).contains(&m) && (1..=days_in_month(y, m)).contains(&d)
        };
    if valid {
        Vec::new()
    } else {
        vec![
            Diagnostic::error("date", format!("{what} `{value}` is not a date"))
                .with_hint("write YYYY-MM-DD, e.g. 2025-11-06"),
        ]
    }
}

fn days_in_month(y: u32, m: u32) -> u32 {
    match m {
        2 if (y.is_multiple_of(4) && !y.is_multiple_of(100)) || y.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_rules() {
        assert!(semver("version", "3.0.0").is_empty());
        assert_eq!(semver("version", "3.0").len(), 1);
        assert!(solution_id_part("publisher_id", "contoso").is_empty());
        assert_eq!(solution_id_part("publisher_id", "Contoso").len(), 1);
        assert_eq!(solution_id_part("offer_id", "a.b").len(), 1);
        assert!(is_email("a@b.co") && !is_email("a@b") && !is_email("a b@c.d"));
        assert!(is_link("https://x.y/z") && !is_link("x.y"));
        assert!(support("S", Some("a@b.co"), None).is_empty());
        assert_eq!(support("S", None, None).len(), 1);
        assert!(domain("Security - Threat Protection").is_empty());
        assert!(
            domain("security - threat protection")[0]
                .hint
                .as_ref()
                .unwrap()
                .contains("Security - Threat Protection")
        );
        assert!(date("d", "2024-02-29").is_empty());
        assert_eq!(date("d", "2023-02-29").len(), 1);
        assert_eq!(date("d", "06-11-2025").len(), 1);
    }
}
