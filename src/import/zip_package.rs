//! Reading a package zip (`Package/<version>.zip`, what `ccfgen build` and the official
//! packager write: `mainTemplate.json` and `createUiDefinition.json` at its root) **in memory**:
//! nothing is ever extracted to disk, and the input is treated as hostile. The whole archive
//! is refused (naming the member) when any member
//!
//! - has a name that is absolute (`/x`, `\x`, `C:x`), climbs out (`..` as a component, with
//!   `/` or `\` as separator), is empty or holds a control character;
//! - appears twice (exactly, or with names that differ only in case: which one would be read
//!   depends on the tool);
//! - is encrypted, a symbolic link, or compressed with a method other than stored or deflate;
//!
//! and when the archive holds more than [`MAX_MEMBERS`] members, is larger than
//! [`crate::input::MAX_ZIP_BYTES`], or a member read decompresses to more than
//! [`crate::input::MAX_JSON_BYTES`] (a zip bomb: the read stops at the limit, whatever size the
//! member declares). Only the two package files are decompressed; other members are listed so
//! that the import can note them.

use std::borrow::Cow;
use std::io::{Cursor, Read};

use zip::{CompressionMethod, ZipArchive};

use crate::input::MAX_JSON_BYTES;

/// Most members a package zip may hold (the packager's holds two).
pub const MAX_MEMBERS: usize = 1000;

/// The member holding the template.
pub const MAIN_TEMPLATE: &str = "mainTemplate.json";
/// The member holding the install wizard.
pub const UI_DEFINITION: &str = "createUiDefinition.json";

/// The package files read from a zip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ZipPackage {
    /// `mainTemplate.json`'s text.
    pub main_template: String,
    /// `createUiDefinition.json`'s text, when the zip holds one.
    pub ui_definition: Option<String>,
    /// The other members (files and folders), by name, in archive order: not read.
    pub ignored: Vec<String>,
}

/// Why a zip was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", member.as_ref().map(|m| format!("member {}: ", quoted(m))).unwrap_or_default())]
pub struct ZipProblem {
    /// The member it concerns (as named in the archive), if one.
    pub member: Option<String>,
    /// What is wrong.
    pub message: String,
}

/// A member name as messages show it: quoted, with control characters escaped.
pub fn quoted(name: &str) -> String {
    format!("\"{}\"", name.escape_debug())
}

fn problem(member: Option<&str>, message: impl Into<String>) -> ZipProblem {
    ZipProblem {
        member: member.map(str::to_string),
        message: message.into(),
    }
}

/// Reads the package files of the zip held in `bytes` (see the module documentation for what
/// is refused).
pub fn read(bytes: &[u8]) -> Result<ZipPackage, ZipProblem> {
    let mut archive = ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| problem(None, format!("not a readable zip archive: {e}")))?;
    if archive.len() > MAX_MEMBERS {
        return Err(problem(
            None,
            format!(
                "it holds {} members, more than the {MAX_MEMBERS} a package zip may hold (the packager's holds two)",
                archive.len()
            ),
        ));
    }
    if archive.has_duplicate_names() {
        let name = duplicate_name(bytes, archive.central_directory_start());
        return Err(problem(
            name.as_deref(),
            "appears twice in the archive: which copy is meant is ambiguous",
        ));
    }
    let mut names: Vec<String> = Vec::with_capacity(archive.len());
    let mut main = None;
    let mut ui = None;
    let mut ignored = Vec::new();
    for i in 0..archive.len() {
        let entry = archive
            .by_index_raw(i)
            .map_err(|e| problem(None, format!("member {i} cannot be read: {e}")))?;
        let name = entry
            .name()
            .map_err(|e| problem(None, format!("member {i} has an unreadable name: {e}")))?
            .into_owned();
        check_name(&name)?;
        if let Some(other) = names
            .iter()
            .find(|n| n.to_lowercase() == name.to_lowercase())
        {
            return Err(problem(
                Some(&name),
                format!(
                    "appears twice in the archive (also as {}; names differ only in case): which copy is meant is ambiguous",
                    quoted(other)
                ),
            ));
        }
        if entry.encrypted() {
            return Err(problem(
                Some(&name),
                "is encrypted: ccfgen reads only unencrypted package zips",
            ));
        }
        if entry.is_symlink() {
            return Err(problem(
                Some(&name),
                "is a symbolic link: a package zip holds plain files",
            ));
        }
        let method = entry.compression();
        if method != CompressionMethod::Stored && method != CompressionMethod::DEFLATE {
            return Err(problem(
                Some(&name),
                format!(
                    "is compressed with method {method}: ccfgen reads stored and deflate members only, as the packager writes"
                ),
            ));
        }
        let is_dir = entry.is_dir();
        drop(entry);
        if !is_dir && name.eq_ignore_ascii_case(MAIN_TEMPLATE) {
            main = Some(i);
        } else if !is_dir && name.eq_ignore_ascii_case(UI_DEFINITION) {
            ui = Some(i);
        } else {
            ignored.push(name.clone());
        }
        names.push(name);
    }
    let Some(main) = main else {
        let listed = if names.is_empty() {
            "it is empty".to_string()
        } else {
            format!(
                "it holds {}",
                names
                    .iter()
                    .take(10)
                    .map(|n| quoted(n))
                    .collect::<Vec<_>>()
                    .join(", ")
            ) + if names.len() > 10 { ", …" } else { "" }
        };
        return Err(problem(
            None,
            format!("holds no {MAIN_TEMPLATE} at its root ({listed}): not a package zip"),
        ));
    };
    let main_template = member_text(&mut archive, main, &names[main])?;
    let ui_definition = match ui {
        Some(i) => Some(member_text(&mut archive, i, &names[i])?),
        None => None,
    };
    Ok(ZipPackage {
        main_template,
        ui_definition,
        ignored,
    })
}

/// Refuses a member name that is absolute, climbs out of the archive's root, is empty or
/// holds a control character.
fn check_name(name: &str) -> Result<(), ZipProblem> {
    let refuse = |why: &str| Err(problem(Some(name), why.to_string()));
    if name.is_empty() {
        return refuse("has an empty name");
    }
    if name.chars().any(char::is_control) {
        return refuse("has a control character in its name");
    }
    if name.starts_with('/') || name.starts_with('\\') {
        return refuse("has an absolute name: a package zip holds relative names only");
    }
    let bytes = name.as_bytes();
    if bytes.len() >= 2 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' {
        return refuse("has a name with a drive (`C:`): a package zip holds relative names only");
    }
    if name.split(['/', '\\']).any(|c| c == "..") {
        return refuse(
            "has a name with a `..` component, which would climb out of the folder it is extracted to",
        );
    }
    Ok(())
}

/// Decompresses one member in memory, at most [`MAX_JSON_BYTES`] of it, as UTF-8 text.
fn member_text(
    archive: &mut ZipArchive<Cursor<&[u8]>>,
    index: usize,
    name: &str,
) -> Result<String, ZipProblem> {
    let limit = MAX_JSON_BYTES;
    let too_large = |size: Cow<'_, str>| {
        problem(
            Some(name),
            format!(
                "decompresses to {size}, over the {} MiB limit for a JSON file (see \"Input limits\" in the README): refused, it may be a zip bomb",
                limit >> 20
            ),
        )
    };
    let file = archive
        .by_index(index)
        .map_err(|e| problem(Some(name), format!("cannot be read: {e}")))?;
    if file.size() > limit {
        return Err(too_large(
            format!("{} bytes (as declared)", file.size()).into(),
        ));
    }
    let mut bytes = Vec::new();
    let read = file
        .take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| problem(Some(name), format!("cannot be decompressed: {e}")))?;
    if read as u64 > limit {
        return Err(too_large("more than that".into()));
    }
    String::from_utf8(bytes)
        .map_err(|e| problem(Some(name), format!("is not UTF-8 text: {}", e.utf8_error())))
}

/// The first name that appears twice in the central directory starting at `start` (the
/// archive reader keeps one entry per name, so the duplicate is found in the raw headers).
fn duplicate_name(bytes: &[u8], start: u64) -> Option<String> {
    let mut at = usize::try_from(start).ok()?;
    let mut seen: Vec<&[u8]> = Vec::new();
    let u16_at = |p: usize| -> Option<usize> {
        Some(usize::from(u16::from_le_bytes(
            bytes.get(p..p + 2)?.try_into().ok()?,
        )))
    };
    while bytes.get(at..at + 4) == Some(b"PK\x01\x02") {
        let name_len = u16_at(at + 28)?;
        let extra_len = u16_at(at + 30)?;
        let comment_len = u16_at(at + 32)?;
        let name = bytes.get(at + 46..at + 46 + name_len)?;
        if seen.contains(&name) {
            return Some(String::from_utf8_lossy(name).into_owned());
        }
        seen.push(name);
        at += 46 + name_len + extra_len + comment_len;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_that_escape_or_are_absolute_are_refused() {
        for bad in [
            "../mainTemplate.json",
            "a/../../b",
            "..\\evil",
            "/etc/passwd",
            "\\x",
            "C:x.json",
            "a\u{0}b",
            "",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?} accepted");
        }
        for good in ["mainTemplate.json", "a/b.json", "a..b", "..a"] {
            assert!(check_name(good).is_ok(), "{good:?} refused");
        }
    }

    #[test]
    fn the_packagers_zip_is_read() {
        let zip = crate::package::archive::zip(&[
            (MAIN_TEMPLATE, b"{\"resources\": []}\n"),
            (UI_DEFINITION, b"{}\n"),
        ])
        .unwrap();
        let read = read(&zip).unwrap();
        assert_eq!(read.main_template, "{\"resources\": []}\n");
        assert_eq!(read.ui_definition.as_deref(), Some("{}\n"));
        assert!(read.ignored.is_empty());
    }

    #[test]
    fn garbage_is_not_a_zip() {
        let e = read(b"PK\x03\x04 not really").unwrap_err();
        assert_eq!(e.member, None);
        assert!(e.message.starts_with("not a readable zip archive"), "{e}");
    }
}
