//! The `[content]` files of a spec go through the content rules in `ccfgen check` and
//! `ccfgen build`, through the real binary: a clean copy of the cveBuster example passes, a
//! broken rule, workbook or parser is reported at its file:line:col, queries compile against
//! the spec's tables and its parsers (declared as functions), and `build` writes nothing while
//! a content file has an error.

mod support;

use std::path::Path;

use support::{assert_code, ccfgen, repo, run};

const RULE: &str = "Analytic Rules/cveBusterExploitableCriticalVulnerability.yaml";
const WORKBOOK: &str = "Workbooks/cveBusterVulnerabilities.json";

/// A copy of the cveBuster example (its content files included) in a temporary folder.
fn example_copy() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&repo("examples/cvebuster"), &tmp.path().join("cvebuster"));
    tmp
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

fn edit(file: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(file).unwrap();
    assert!(text.contains(from), "{}: no `{from}`", file.display());
    std::fs::write(file, text.replacen(from, to, 1)).unwrap();
}

fn check(dir: &Path) -> (i32, String) {
    let out = run(ccfgen().arg("check").arg(dir));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

/// The findings of a check's text output, as `rule file:line:col` with `file` relative to
/// `root`.
fn located(text: &str, root: &Path) -> Vec<String> {
    let prefix = format!("{}/", root.display());
    let mut out = Vec::new();
    let mut rule = None;
    for line in text.lines() {
        if let Some(rest) = line
            .strip_prefix("error[")
            .or_else(|| line.strip_prefix("warning["))
            .or_else(|| line.strip_prefix("note["))
        {
            rule = rest.split(']').next().map(str::to_string);
        } else if let Some(at) = line.trim_start().strip_prefix("--> ")
            && let Some(r) = rule.take()
        {
            out.push(format!("{r} {}", at.trim_start_matches(prefix.as_str())));
        }
    }
    out
}

#[test]
fn a_clean_spec_checks_its_content_files() {
    let tmp = example_copy();
    let dir = tmp.path().join("cvebuster");
    let (code, text) = check(&dir);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("and 3 content files"), "{text}");
    // The spec names the files (globs by default); an explicit list reaches the same files.
    let spec = dir.join("ccfgen.toml");
    let mut toml = std::fs::read_to_string(&spec).unwrap();
    toml.push_str(&format!("\n[content]\nanalytic_rules = [\"{RULE}\"]\n"));
    std::fs::write(&spec, toml).unwrap();
    let (code, text) = check(&dir);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("and 3 content files"), "{text}");
}

#[test]
fn check_and_build_report_content_defects_where_they_are() {
    let tmp = example_copy();
    let dir = tmp.path().join("cvebuster");
    edit(
        &dir.join(RULE),
        "id: 38278447-172b-404e-b106-d8d8a1a39813",
        "id: not-a-guid",
    );
    edit(
        &dir.join(RULE),
        "ExploitAvailable == true",
        "ExploitAvail == true",
    );
    edit(&dir.join(RULE), "  - InitialAccess", "  - Initial Access");
    edit(
        &dir.join(WORKBOOK),
        "\"query\": \"cveBusterVulnerabilities_CL\\n| where Status != \\\"Patched\\\"\\n| summarize Findings",
        "\"query\": \"cveBusterVulns_CL\\n| where Status != \\\"Patched\\\"\\n| summarize Findings",
    );
    let (code, text) = check(&dir);
    assert_eq!(code, 1, "{text}");
    let found = located(&text, &dir);
    for expected in [
        format!("content-id {RULE}:1:5"),
        format!("content-tactic {RULE}:16:5"),
        // T1190 belongs to InitialAccess, which the rule no longer names.
        format!("content-technique {RULE}:18:5"),
        format!("content-query {RULE}:21:38"),
        format!("content-query-table {WORKBOOK}:45:19"),
    ] {
        assert!(
            found.contains(&expected),
            "{expected} not in {found:#?}\n{text}"
        );
    }
    assert_eq!(found.len(), 5, "{found:#?}");

    // `build` refuses to write a package from them, with the same located findings.
    let out = tmp.path().join("out");
    let built = run(ccfgen().arg("build").arg(&dir).arg("--out").arg(&out));
    assert_code(&built, 1);
    let stderr = String::from_utf8_lossy(&built.stderr);
    assert_eq!(located(&stderr, &dir), found, "{stderr}");
    assert!(stderr.contains("nothing written"), "{stderr}");
    assert!(!out.exists());
}

#[test]
fn a_warning_in_content_fails_build_only_with_deny_warnings() {
    let tmp = example_copy();
    let dir = tmp.path().join("cvebuster");
    // A case-only tactic difference is a warning.
    edit(&dir.join(RULE), "  - InitialAccess", "  - initialaccess");
    let (code, text) = check(&dir);
    assert_eq!(code, 0, "{text}");
    assert_eq!(
        located(&text, &dir),
        [format!("content-tactic {RULE}:16:5")],
        "{text}"
    );
    let out = tmp.path().join("out");
    let built = run(ccfgen().arg("build").arg(&dir).arg("--out").arg(&out));
    assert_code(&built, 0);
    assert!(String::from_utf8_lossy(&built.stderr).contains("warning[content-tactic]"));
    let denied = run(ccfgen()
        .arg("build")
        .arg(&dir)
        .arg("--out")
        .arg(tmp.path().join("out2"))
        .arg("--deny-warnings"));
    assert_code(&denied, 1);
    assert!(!tmp.path().join("out2").exists());
}

#[test]
fn content_queries_compile_against_the_specs_parsers_as_functions() {
    let tmp = example_copy();
    let dir = tmp.path().join("cvebuster");
    std::fs::create_dir_all(dir.join("Parsers")).unwrap();
    std::fs::write(
        dir.join("Parsers/cveBusterOpenFindings.yaml"),
        "id: 6f0e8c5a-3b1d-4e2f-9a7c-1d2e3f4a5b6c\n\
         Function:\n  Title: Open cveBuster findings\n  Version: '1.0.0'\n  LastUpdated: '2026-07-01'\n\
         Category: Microsoft Sentinel Parser\n\
         FunctionName: cveBusterOpenFindings\n\
         FunctionAlias: cveBusterOpenFindings\n\
         FunctionQuery: |\n    cveBusterVulnerabilities_CL\n    | where Status != \"Patched\"\n",
    )
    .unwrap();
    edit(
        &dir.join(RULE),
        "query: |\n  cveBusterVulnerabilities_CL\n  | where Severity",
        "query: |\n  cveBusterOpenFindings\n  | where Severity",
    );
    let (code, text) = check(&dir);
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("and 4 content files"), "{text}");

    // A column the parser's output lacks is reported in the rule; a broken parser body in
    // the parser.
    edit(
        &dir.join("Parsers/cveBusterOpenFindings.yaml"),
        "| where Status != \"Patched\"",
        "| where Status != \"Patched\"\n    | project VulnId, MachineName, Statuss",
    );
    let (code, text) = check(&dir);
    assert_eq!(code, 1, "{text}");
    let found = located(&text, &dir);
    assert!(
        found
            .iter()
            .any(|f| f == "content-query Parsers/cveBusterOpenFindings.yaml:12:36"),
        "{found:#?}\n{text}"
    );
    assert!(
        found
            .iter()
            .any(|f| f.starts_with("content-query ") && f.contains(RULE)),
        "{found:#?}\n{text}"
    );
}
