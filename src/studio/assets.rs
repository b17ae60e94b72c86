//! The page's files, embedded in the binary: the studio needs no network and no build step.

/// The page (`{{TOKEN}}` is replaced by the session token when served).
pub const INDEX_HTML: &str = include_str!("assets/index.html");
/// The default connector logo (the portal shows a generic one when a definition has none).
pub const DEFAULT_LOGO: &[u8] = include_bytes!("assets/default-logo.svg");

/// A static asset by name: its content type and bytes.
pub fn get(name: &str) -> Option<(&'static str, &'static [u8])> {
    match name {
        "studio.css" => Some((
            "text/css; charset=utf-8",
            include_bytes!("assets/studio.css"),
        )),
        "studio.js" => Some((
            "text/javascript; charset=utf-8",
            include_bytes!("assets/studio.js"),
        )),
        "default-logo.svg" => Some(("image/svg+xml", DEFAULT_LOGO)),
        _ => None,
    }
}
