//! `Package/<version>.zip`: createUiDefinition.json and mainTemplate.json at the root, what
//! the official packager's `Compress-Archive` holds. Deterministic: entries in name order, the
//! DOS epoch (1980-01-01 00:00:00) as timestamp, Unix permissions 0644, deflate level 6, no
//! extra fields, so the same package always zips to the same bytes.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, System, ZipWriter};

/// Building the archive failed (an in-memory write: a bug, not an I/O condition).
#[derive(Debug, thiserror::Error)]
#[error("cannot build the package zip: {0}")]
pub struct ArchiveError(#[from] zip::result::ZipError);

/// Zips `files` (name, bytes) in name order.
pub fn zip(files: &[(&str, &[u8])]) -> Result<Vec<u8>, ArchiveError> {
    let mut sorted: Vec<&(&str, &[u8])> = files.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .compression_level(Some(6))
        .last_modified_time(DateTime::default())
        .system(System::Unix)
        .unix_permissions(0o644);
    let mut writer = ZipWriter::new(Cursor::new(Vec::new()));
    for (name, bytes) in sorted {
        writer.start_file(*name, options)?;
        writer
            .write_all(bytes)
            .map_err(|e| ArchiveError(zip::result::ZipError::Io(e)))?;
    }
    Ok(writer.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn same_input_same_bytes_and_readable() {
        let a = zip(&[("b.json", b"{}\n"), ("a.json", b"[]\n")]).unwrap();
        let b = zip(&[("a.json", b"[]\n"), ("b.json", b"{}\n")]).unwrap();
        assert_eq!(a, b);
        let mut archive = zip::ZipArchive::new(Cursor::new(a)).unwrap();
        assert_eq!(archive.len(), 2);
        assert_eq!(archive.by_index(0).unwrap().name().unwrap(), "a.json");
        let mut text = String::new();
        archive
            .by_name("b.json")
            .unwrap()
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text, "{}\n");
        assert_eq!(
            archive.by_name("a.json").unwrap().unix_mode(),
            Some(0o100644)
        );
    }
}
