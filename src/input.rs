//! Reading input files with a size limit: an oversized input is refused before it is read,
//! with a clear error, instead of taking seconds and gigabytes (a 64 MB spec took 18.7 s and
//! 3 GB before the limits). The limits are documented in the README ("Input limits").
//!
//! | input | limit | why this much |
//! |---|---|---|
//! | `ccfgen.toml` | [`MAX_SPEC_BYTES`] (4 MiB) | the largest real spec is a few tens of KiB |
//! | a logo (`logo`) | [`MAX_LOGO_BYTES`] (1 MiB) | it is inlined into every package template |
//! | any JSON file read whole (`check`, `import`, `infer`, `emulate`, `extra_content`) | [`MAX_JSON_BYTES`] (32 MiB) | eight times the 4 MB an ARM template may have; the largest file of the corpora is 92 KB |
//! | another text file read whole (`import`: `ReleaseNotes.md`) | [`MAX_TEXT_BYTES`] (4 MiB) | a few KiB in practice |
//! | a package zip (`import`: `Package/<version>.zip`) | [`MAX_ZIP_BYTES`] (64 MiB); each member read decompresses to at most [`MAX_JSON_BYTES`] | its two JSON files at their limit, stored |
//!
//! `push` streams its input and has no such limit.

use std::io::Read;
use std::path::Path;

/// Largest `ccfgen.toml` read.
pub const MAX_SPEC_BYTES: u64 = 4 << 20;
/// Largest logo file read.
pub const MAX_LOGO_BYTES: u64 = 1 << 20;
/// Largest JSON file read whole.
pub const MAX_JSON_BYTES: u64 = 32 << 20;
/// Largest package zip read (its members are read in memory, each at most [`MAX_JSON_BYTES`]
/// decompressed).
pub const MAX_ZIP_BYTES: u64 = 64 << 20;
/// Largest other text file read whole (an imported `ReleaseNotes.md`).
pub const MAX_TEXT_BYTES: u64 = 4 << 20;

/// Reads a whole UTF-8 file of at most `limit` bytes. An oversized file is refused from its
/// metadata, before any of it is read (an error of kind `FileTooLarge` that names the limit
/// and `what` the file is); a file that grows while it is read is cut at the limit and
/// refused the same way.
pub fn read_to_string(path: &Path, limit: u64, what: &str) -> std::io::Result<String> {
    let mut bytes = Vec::new();
    read_into(path, limit, what, &mut bytes)?;
    String::from_utf8(bytes).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("not UTF-8 text: {}", e.utf8_error()),
        )
    })
}

/// Reads a whole file of at most `limit` bytes into `buffer` (cleared first); see
/// [`read_to_string`]. Returns the number of bytes read.
pub fn read_into(
    path: &Path,
    limit: u64,
    what: &str,
    buffer: &mut Vec<u8>,
) -> std::io::Result<usize> {
    buffer.clear();
    let file = std::fs::File::open(path)?;
    let meta = file.metadata()?;
    if meta.is_file() && meta.len() > limit {
        return Err(too_large(Some(meta.len()), limit, what));
    }
    read_limited(file, limit, what, buffer)
}

/// Reads a stream (stdin) of at most `limit` bytes into `buffer`; more is refused.
pub fn read_limited(
    reader: impl Read,
    limit: u64,
    what: &str,
    buffer: &mut Vec<u8>,
) -> std::io::Result<usize> {
    let n = reader.take(limit + 1).read_to_end(buffer)?;
    if n as u64 > limit {
        return Err(too_large(None, limit, what));
    }
    Ok(n)
}

/// The error for an input larger than its limit (its size, when known).
pub fn too_large(size: Option<u64>, limit: u64, what: &str) -> std::io::Error {
    let size = match size {
        Some(size) => mib(size),
        None => format!("more than {}", mib(limit)),
    };
    std::io::Error::new(
        std::io::ErrorKind::FileTooLarge,
        format!(
            "it is {size}, over the {} limit for {what} (see \"Input limits\" in the README)",
            mib(limit)
        ),
    )
}

fn mib(bytes: u64) -> String {
    if bytes < 1 << 20 {
        return format!("{} KiB", bytes.div_ceil(1024));
    }
    let m = bytes as f64 / f64::from(1u32 << 20);
    if m.fract() == 0.0 {
        format!("{m:.0} MiB")
    } else {
        format!("{m:.1} MiB")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_above_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.json");
        std::fs::write(&path, vec![b' '; 2048]).unwrap();
        assert_eq!(read_to_string(&path, 2048, "a test").unwrap().len(), 2048);
        let e = read_to_string(&path, 1024, "a test").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::FileTooLarge);
        assert_eq!(
            e.to_string(),
            "it is 2 KiB, over the 1 KiB limit for a test (see \"Input limits\" in the README)"
        );
        let mut buf = Vec::new();
        let e = read_limited(&[0u8; 10][..], 5, "stdin", &mut buf).unwrap_err();
        assert!(e.to_string().contains("more than"), "{e}");
    }
}
