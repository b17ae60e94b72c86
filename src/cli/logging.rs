//! Structured logs on stderr for the commands that talk to Azure (or the emulator):
//! `tracing` with `RUST_LOG` filtering (default `warn`), text or JSON lines, known secret
//! values replaced by `<redacted>` in every line as a last line of defence, and a progress
//! bar (if any) hidden while a line is written.

use std::sync::Arc;

use clap::ValueEnum;
use indicatif::ProgressBar;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// The filter when `RUST_LOG` is unset.
/// (rustls-platform-verifier repeats as an ERROR what the command reports about a certificate.)
const DEFAULT_FILTER: &str = "warn,rustls_platform_verifier=off";
/// What replaces a secret.
const REDACTED: &str = "<redacted>";

/// How log lines are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line (with the fields: request ids, status, error code …).
    Json,
}

/// The logging options shared by `push`, `doctor` and `emulate`.
#[derive(Debug, Clone, clap::Args)]
pub struct LogArgs {
    /// Log line format on stderr. The level comes from RUST_LOG (default: warn; e.g.
    /// RUST_LOG=info, RUST_LOG=ccfgen_push=debug).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,
}

/// Installs the global subscriber. `secrets` are values that must never be printed; `bar`
/// is suspended while a line is written.
pub fn init(args: &LogArgs, ansi: bool, secrets: &[&str], bar: Option<ProgressBar>) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let writer = Stderr {
        redactor: Arc::new(Redactor::new(secrets)),
        bar,
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    // Failing means a subscriber is already installed (never in the binary): keep it.
    let _ = match args.log_format {
        LogFormat::Text => builder.with_ansi(ansi).try_init(),
        LogFormat::Json => builder.json().with_ansi(false).try_init(),
    };
}

/// Replaces secret values (as written, and as they appear inside JSON strings).
#[derive(Debug, Default)]
pub struct Redactor {
    needles: Vec<String>,
}

impl Redactor {
    /// A redactor for `secrets` (empty values are ignored).
    pub fn new(secrets: &[&str]) -> Redactor {
        let mut needles: Vec<String> = Vec::new();
        for s in secrets.iter().filter(|s| !s.is_empty()) {
            needles.push((*s).to_owned());
            let json = serde_json::to_string(s).unwrap_or_default();
            let escaped = json.trim_matches('"');
            if escaped != *s {
                needles.push(escaped.to_owned());
            }
        }
        // Longest first, so that a secret containing another is replaced whole.
        needles.sort_by_key(|n| std::cmp::Reverse(n.len()));
        Redactor { needles }
    }

    /// `text` with every secret replaced.
    pub fn redact<'a>(&self, text: &'a str) -> std::borrow::Cow<'a, str> {
        let mut out = std::borrow::Cow::Borrowed(text);
        for needle in &self.needles {
            if out.contains(needle.as_str()) {
                out = std::borrow::Cow::Owned(out.replace(needle.as_str(), REDACTED));
            }
        }
        out
    }
}

#[derive(Clone)]
struct Stderr {
    redactor: Arc<Redactor>,
    bar: Option<ProgressBar>,
}

impl<'a> MakeWriter<'a> for Stderr {
    type Writer = Line;

    fn make_writer(&'a self) -> Line {
        Line {
            stderr: self.clone(),
        }
    }
}

/// Writes one formatted event (the formatter hands over a whole line per write).
struct Line {
    stderr: Stderr,
}

impl std::io::Write for Line {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let text = String::from_utf8_lossy(buf);
        let line = self.stderr.redactor.redact(&text);
        let emit = || std::io::stderr().lock().write_all(line.as_bytes());
        match &self.stderr.bar {
            Some(bar) => bar.suspend(emit)?,
            None => emit()?,
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        std::io::stderr().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_replaced_raw_and_json_escaped() {
        let r = Redactor::new(&["abc8Q~x\"y", "", "abc"]);
        assert_eq!(
            r.redact(r#"secret abc8Q~x"y and {"s":"abc8Q~x\"y"} and abc"#),
            r#"secret <redacted> and {"s":"<redacted>"} and <redacted>"#
        );
        assert!(matches!(
            r.redact("nothing here"),
            std::borrow::Cow::Borrowed(_)
        ));
    }
}
