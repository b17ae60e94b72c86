//! The `--faults` syntax of `ccfgen emulate`: a compact spelling of the emulator's
//! [`Fault`]s (the same faults the `POST /_emulator/faults` control API takes as JSON).
//!
//! ```text
//! [TARGET:]ACTION[=COUNT][:KEY=VALUE]...
//!   TARGET  ingest (default) | token | any
//!   ACTION  fail     answer with an error         keys: status (default 503), retry-after (s)
//!           latency  delay, then process normally keys: ms (required)
//!           drop     store, then drop the connection unanswered (the lost acknowledgement)
//!           reset    reset the connection while the body is read (nothing stored)
//!           stall    answer nothing for a while, then close  keys: ms (required)
//!   COUNT   how many matching requests suffer it (default 1); `*` for all of them
//! ```
//!
//! Examples: `ingest:fail=3:status=429:retry-after=2`, `latency=*:ms=50`,
//! `token:fail:status=503`, `drop`.

use std::time::Duration;

use anyhow::{Context as _, bail};
use ccfgen_emulator::{Fault, FaultTarget};

/// The syntax, for `--help`.
pub const SYNTAX: &str = "[TARGET:]ACTION[=COUNT][:KEY=VALUE]...  TARGET ingest|token|any; ACTION fail (status=503, retry-after=SECS) | latency (ms=N) | drop | reset | stall (ms=N); COUNT a number or * (default 1). Example: ingest:fail=3:status=429:retry-after=2";

/// Parses one `--faults` value.
pub fn parse(text: &str) -> anyhow::Result<Fault> {
    parse_inner(text).with_context(|| format!("--faults `{text}` (syntax: {SYNTAX})"))
}

fn parse_inner(text: &str) -> anyhow::Result<Fault> {
    let mut parts = text.split(':').map(str::trim);
    let mut head = parts.next().unwrap_or_default();
    let target = match head.to_ascii_lowercase().as_str() {
        "ingest" => Some(FaultTarget::Ingest),
        "token" => Some(FaultTarget::Token),
        "any" => Some(FaultTarget::Any),
        _ => None,
    };
    if target.is_some() {
        head = parts
            .next()
            .context("an action is missing after the target")?;
    }
    let (action, count) = match head.split_once('=') {
        Some((a, c)) => (a, parse_count(c)?),
        None => (head, 1),
    };
    let mut status = None;
    let mut retry_after = None;
    let mut ms = None;
    for part in parts {
        let (key, value) = part
            .split_once('=')
            .with_context(|| format!("`{part}` is not KEY=VALUE"))?;
        let number = || -> anyhow::Result<u64> {
            value
                .parse()
                .with_context(|| format!("{key}: `{value}` is not a whole number"))
        };
        match key.to_ascii_lowercase().as_str() {
            "status" => status = Some(u16::try_from(number()?).context("status out of range")?),
            "retry-after" | "retry_after" => retry_after = Some(number()?),
            "ms" => ms = Some(number()?),
            other => bail!("unknown key `{other}`"),
        }
    }
    let needs_ms = |what: &str| ms.with_context(|| format!("{what} needs ms=N"));
    let misplaced = |key: &str, present: bool| -> anyhow::Result<()> {
        if present {
            bail!("`{key}` does not apply to {action}");
        }
        Ok(())
    };
    let fault = match action.to_ascii_lowercase().as_str() {
        "fail" => {
            misplaced("ms", ms.is_some())?;
            let status = status.unwrap_or(503);
            if !(400..=599).contains(&status) {
                bail!("status {status} is not a 4xx/5xx status");
            }
            let fault = Fault::fail(status);
            match retry_after {
                Some(secs) => fault.retry_after(secs),
                None => fault,
            }
        }
        other => {
            misplaced("status", status.is_some())?;
            misplaced("retry-after", retry_after.is_some())?;
            match other {
                "latency" => Fault::latency(Duration::from_millis(needs_ms("latency")?)),
                "stall" => Fault::stall(Duration::from_millis(needs_ms("stall")?)),
                "drop" | "store-then-drop" => {
                    misplaced("ms", ms.is_some())?;
                    Fault::store_then_drop()
                }
                "reset" | "reset-mid-body" => {
                    misplaced("ms", ms.is_some())?;
                    Fault::reset_mid_body()
                }
                _ => bail!("unknown action `{other}`"),
            }
        }
    };
    Ok(fault.times(count).on(target.unwrap_or(FaultTarget::Ingest)))
}

fn parse_count(text: &str) -> anyhow::Result<u32> {
    if text == "*" {
        return Ok(u32::MAX);
    }
    match text.parse::<u32>() {
        Ok(0) => bail!("a count of 0 injects nothing"),
        Ok(n) => Ok(n),
        Err(_) => bail!("count `{text}` is not a whole number or *"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_examples_parse() {
        assert_eq!(
            parse("ingest:fail=3:status=429:retry-after=2").unwrap(),
            Fault::fail(429).retry_after(2).times(3)
        );
        assert_eq!(
            parse("latency=*:ms=50").unwrap(),
            Fault::latency(Duration::from_millis(50)).times(u32::MAX)
        );
        assert_eq!(
            parse("token:fail:status=503").unwrap(),
            Fault::fail(503).on(FaultTarget::Token)
        );
        assert_eq!(parse("drop").unwrap(), Fault::store_then_drop());
        assert_eq!(
            parse("any:reset=2").unwrap(),
            Fault::reset_mid_body().times(2).on(FaultTarget::Any)
        );
        assert_eq!(
            parse("stall:ms=100").unwrap(),
            Fault::stall(Duration::from_millis(100))
        );
    }

    #[test]
    fn mistakes_are_explained() {
        for (text, expected) in [
            ("latency", "needs ms=N"),
            ("fail:status=200", "not a 4xx/5xx"),
            ("fail:ms=3", "does not apply"),
            ("explode", "unknown action"),
            ("fail=0", "count of 0"),
            ("fail:colour=red", "unknown key"),
            ("token", "action is missing"),
        ] {
            let err = format!("{:#}", parse(text).unwrap_err());
            assert!(err.contains(expected), "{text}: {err}");
        }
    }
}
