//! Watchlists in `ccfgen check`, through the real binary: a watchlist in the repository's
//! format (`Watchlists/<name>/<name>.json`, an ARM template of a `…/providers/Watchlists`
//! resource) passes; a missing member and a search key that is not a CSV column are located
//! findings in the JSON.

mod support;

use support::{ccfgen, run};

const GOOD: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "workspaceName": { "type": "string" }
  },
  "resources": [
    {
      "name": "[concat(parameters('workspaceName'), '/Microsoft.SecurityInsights/HighValueHosts')]",
      "type": "Microsoft.OperationalInsights/workspaces/providers/Watchlists",
      "kind": "",
      "properties": {
        "displayName": "HighValueHosts",
        "source": "HighValueHosts.csv",
        "description": "Hosts whose findings matter most.",
        "provider": "Custom",
        "isDeleted": false,
        "labels": [],
        "defaultDuration": "P1000Y",
        "contentType": "text/csv",
        "numberOfLinesToSkip": 0,
        "itemsSearchKey": "HostName",
        "rawContent": "HostName,Owner\r\nsrv01,IT\r\nsrv02,Finance\r\n",
        "watchlistAlias": "HighValueHosts"
      },
      "apiVersion": "2022-08-01"
    }
  ]
}
"#;

fn check(dir: &std::path::Path) -> (i32, String) {
    let out = run(ccfgen().arg("check").arg(dir));
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn watchlists_are_checked_where_the_defect_is() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("Solution/Watchlists/HighValueHosts");
    std::fs::create_dir_all(&folder).unwrap();
    let file = folder.join("HighValueHosts.json");
    std::fs::write(&file, GOOD).unwrap();
    let (code, text) = check(&tmp.path().join("Solution"));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("1 content file"), "{text}");

    // A search key the header lacks: at the key's value (line 22, column 27).
    std::fs::write(
        &file,
        GOOD.replace(
            "\"itemsSearchKey\": \"HostName\"",
            "\"itemsSearchKey\": \"Host\"",
        ),
    )
    .unwrap();
    let (code, text) = check(&tmp.path().join("Solution"));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("error[watchlist-search-key]: itemsSearchKey `Host` is not a column of the CSV header (HostName, Owner)"),
        "{text}"
    );
    assert!(text.contains("HighValueHosts.json:22:27"), "{text}");

    // A skipped line moves the header: the search key is then compared with the first item.
    std::fs::write(
        &file,
        GOOD.replace("\"numberOfLinesToSkip\": 0", "\"numberOfLinesToSkip\": 1"),
    )
    .unwrap();
    let (code, text) = check(&tmp.path().join("Solution"));
    assert_eq!(code, 1, "{text}");
    assert!(text.contains("(srv01, IT)"), "{text}");

    // No rawContent, a TSV content type.
    std::fs::write(
        &file,
        GOOD.replace(
            ",\n        \"rawContent\": \"HostName,Owner\\r\\nsrv01,IT\\r\\nsrv02,Finance\\r\\n\"",
            "",
        )
        .replace("\"text/csv\"", "\"text/tsv\""),
    )
    .unwrap();
    let (code, text) = check(&tmp.path().join("Solution"));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("error[watchlist-required]: the watchlist has no `rawContent`"),
        "{text}"
    );
    assert!(
        text.contains("error[watchlist-required]: contentType `text/tsv` is not `text/csv`"),
        "{text}"
    );
    // The missing member at the `properties` object, the content type at its value.
    assert!(text.contains("HighValueHosts.json:12:21"), "{text}");
    assert!(text.contains("HighValueHosts.json:20:24"), "{text}");
}

#[test]
fn json_under_watchlists_without_a_watchlist_is_not_a_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let folder = tmp.path().join("Solution/Watchlists");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("notes.json"), "{\"readme\": true}").unwrap();
    std::fs::write(folder.join("HighValueHosts.json"), GOOD).unwrap();
    let (code, text) = check(&tmp.path().join("Solution"));
    assert_eq!(code, 0, "{text}");
    assert!(text.contains("0 errors, 0 warnings"), "{text}");
}

// ---------------------------------------------------------------------------------------------
// Watchlists authored beside a spec: packaged as `GenerateWatchList` packages them.

/// A watchlist in the repo's format (`Solutions/Network Session Essentials/Watchlists/…`).
const CVE_WATCHLIST: &str = r#"{
  "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
  "contentVersion": "1.0.0.0",
  "parameters": {
    "workspaceName": { "type": "string" }
  },
  "resources": [
    {
      "type": "Microsoft.OperationalInsights/workspaces/providers/Watchlists",
      "name": "[concat(parameters('workspaceName'), '/Microsoft.SecurityInsights/cveBusterCriticalAssets')]",
      "apiVersion": "2021-04-01",
      "kind": "",
      "properties": {
        "displayName": "cveBuster Critical Assets",
        "source": "cveBusterCriticalAssets.csv",
        "description": "Hosts whose findings are triaged first.",
        "provider": "Custom",
        "isDeleted": false,
        "labels": [],
        "defaultDuration": "P1000Y",
        "contentType": "text/csv",
        "numberOfLinesToSkip": 0,
        "itemsSearchKey": "MachineName",
        "rawContent": "MachineName,Owner,Tier\r\nsrv-dc01,Identity team,Tier 0\r\n",
        "watchlistAlias": "cveBusterCriticalAssets"
      }
    }
  ]
}
"#;

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() != "client" {
                copy_dir(&entry.path(), &target);
            }
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A copy of the cveBuster example with `watchlist` (and no other) written at `rel`.
fn cvebuster_with(tmp: &std::path::Path, rel: &str, watchlist: &str) -> std::path::PathBuf {
    let dir = tmp.join("cvebuster");
    copy_dir(&support::repo("examples/cvebuster"), &dir);
    if dir.join("Watchlists").exists() {
        std::fs::remove_dir_all(dir.join("Watchlists")).unwrap();
    }
    let file = dir.join(rel);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(file, watchlist).unwrap();
    dir
}

fn build(spec: &std::path::Path, out: &std::path::Path, compat: &str) -> (i32, String) {
    let o = run(ccfgen()
        .args(["build", "--compat", compat, "--out"])
        .arg(out)
        .arg(spec));
    (
        o.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        ),
    )
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn a_watchlist_file_is_packaged_as_the_official_packager_packages_it() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = cvebuster_with(
        tmp.path(),
        "Watchlists/cveBusterCriticalAssets.json",
        CVE_WATCHLIST,
    );
    let out = tmp.path().join("out");
    let (code, text) = build(&spec, &out, "official");
    assert_eq!(code, 0, "{text}");
    let mt = json(&out.join("Package/mainTemplate.json"));

    // The parameter: the alias is its default.
    assert_eq!(
        mt["parameters"]["watchlist1-id"],
        serde_json::json!({
            "type": "string",
            "defaultValue": "cveBusterCriticalAssets",
            "minLength": 1,
            "metadata": { "description": "Unique id for the watchlist" }
        })
    );
    // The display name is the variable name and the content id.
    assert_eq!(
        mt["variables"]["cveBuster Critical Assets"],
        "cveBuster Critical Assets"
    );
    assert_eq!(
        mt["variables"]["_cveBuster Critical Assets"],
        "[variables('cveBuster Critical Assets')]"
    );
    // The file's resource, name replaced, members in the written order; no content template.
    let resources = mt["resources"].as_array().unwrap();
    let watchlists: Vec<&serde_json::Value> = resources
        .iter()
        .filter(|r| r["type"] == "Microsoft.OperationalInsights/workspaces/providers/Watchlists")
        .collect();
    assert_eq!(watchlists.len(), 1);
    let mut expected: serde_json::Value = serde_json::from_str(CVE_WATCHLIST).unwrap();
    let mut expected = expected["resources"][0].take();
    expected["name"] = serde_json::json!(
        "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',parameters('watchlist1-id'))]"
    );
    assert_eq!(watchlists[0], &expected);
    let keys: Vec<&String> = watchlists[0].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["type", "name", "apiVersion", "kind", "properties"]);
    assert!(
        !resources
            .iter()
            .any(|r| r["properties"]["contentKind"] == "Watchlist"),
        "the packager makes no content template for a watchlist"
    );
    // The dependency: the solution's version, literal.
    let package = resources.last().unwrap();
    let criteria = package["properties"]["dependencies"]["criteria"]
        .as_array()
        .unwrap();
    assert_eq!(
        criteria.last().unwrap(),
        &serde_json::json!({
            "kind": "Watchlist",
            "contentId": "[variables('_cveBuster Critical Assets')]",
            "version": "3.0.0"
        })
    );
    let html = package["properties"]["descriptionHtml"].as_str().unwrap();
    assert!(
        html.contains("<strong>Hunting Queries:</strong> 1, <strong>Watchlists:</strong> 1</p>"),
        "{html}"
    );

    // The install wizard's step, last in the packager's order.
    let ui = json(&out.join("Package/createUiDefinition.json"));
    let steps = ui["parameters"]["steps"].as_array().unwrap();
    let names: Vec<&str> = steps.iter().map(|s| s["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "dataconnectors",
            "workbooks",
            "analytics",
            "huntingqueries",
            "watchlists"
        ]
    );
    let step = steps.last().unwrap();
    assert_eq!(
        step["subLabel"]["preValidation"],
        "Configure the watchlists"
    );
    assert_eq!(
        step["elements"][0]["options"]["link"]["uri"],
        "https://aka.ms/sentinelwatchlists"
    );
    assert_eq!(step["elements"][1]["name"], "watchlist1");
    assert_eq!(step["elements"][1]["label"], "cveBuster Critical Assets");
    assert_eq!(
        step["elements"][1]["elements"][0]["options"]["text"],
        "Hosts whose findings are triaged first."
    );
    let description = ui["parameters"]["config"]["basics"]["description"]
        .as_str()
        .unwrap();
    assert!(
        description.contains("**Hunting Queries:** 1, **Watchlists:** 1\n"),
        "{description}"
    );

    // The data file lists it; the file is copied as written.
    let data = json(&out.join("Data/Solution_cveBuster.json"));
    assert_eq!(
        data["Watchlists"],
        serde_json::json!(["Watchlists/cveBusterCriticalAssets.json"])
    );
    assert_eq!(
        std::fs::read_to_string(out.join("Watchlists/cveBusterCriticalAssets.json")).unwrap(),
        CVE_WATCHLIST
    );
}

#[test]
fn ccfgen_mode_escapes_what_the_packager_pastes_into_expressions() {
    let tmp = tempfile::tempdir().unwrap();
    let text = CVE_WATCHLIST
        .replace("cveBuster Critical Assets", "Analyst's Hosts")
        .replace(
            "Hosts whose findings are triaged first.",
            "[beta] hosts to triage]",
        );
    let spec = cvebuster_with(tmp.path(), "Watchlists/Analysts.json", &text);
    let mut contents = Vec::new();
    for compat in ["official", "ccfgen"] {
        let out = tmp.path().join(compat);
        let (code, text) = build(&spec, &out, compat);
        assert_eq!(code, 0, "{text}");
        contents.push(json(&out.join("Package/mainTemplate.json")));
    }
    let wl = |mt: &serde_json::Value| {
        mt["resources"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == "Microsoft.OperationalInsights/workspaces/providers/Watchlists")
            .unwrap()
            .clone()
    };
    let dep = |mt: &serde_json::Value| {
        mt["resources"].as_array().unwrap().last().unwrap()["properties"]["dependencies"]
            ["criteria"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()["contentId"]
            .clone()
    };
    let (official, ours) = (&contents[0], &contents[1]);
    assert_eq!(dep(official), "[variables('_Analyst's Hosts')]");
    assert_eq!(dep(ours), "[variables('_Analyst''s Hosts')]");
    assert_eq!(
        official["variables"]["_Analyst's Hosts"],
        "[variables('Analyst's Hosts')]"
    );
    assert_eq!(
        ours["variables"]["_Analyst's Hosts"],
        "[variables('Analyst''s Hosts')]"
    );
    assert_eq!(
        wl(official)["properties"]["description"],
        "[beta] hosts to triage]"
    );
    assert_eq!(
        wl(ours)["properties"]["description"],
        "[[beta] hosts to triage]"
    );
    // The template's blanks (arm-ttk "Template Should Not Contain Blanks") are left out.
    assert_eq!(wl(official)["kind"], "");
    assert_eq!(wl(official)["properties"]["labels"], serde_json::json!([]));
    assert!(wl(ours).get("kind").is_none());
    assert!(wl(ours)["properties"].get("labels").is_none());
    assert_eq!(wl(ours)["properties"]["isDeleted"], false);
}

#[test]
fn watchlists_are_found_in_their_folders_and_listed_or_not() {
    let tmp = tempfile::tempdir().unwrap();
    // One folder per watchlist (`Watchlists/*/*.json`), as the repo's own template is kept.
    let spec = cvebuster_with(
        tmp.path(),
        "Watchlists/cveBusterCriticalAssets/cveBusterCriticalAssets.json",
        CVE_WATCHLIST,
    );
    let out = tmp.path().join("out");
    let (code, text) = build(&spec, &out, "ccfgen");
    assert_eq!(code, 0, "{text}");
    let data = json(&out.join("Data/Solution_cveBuster.json"));
    assert_eq!(
        data["Watchlists"],
        serde_json::json!(["Watchlists/cveBusterCriticalAssets/cveBusterCriticalAssets.json"])
    );

    // `watchlists = []` packages none; `watchlist_description` replaces each description.
    let toml = spec.join("ccfgen.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\n[content]\nwatchlists = []\n");
    std::fs::write(&toml, &text).unwrap();
    let none = tmp.path().join("none");
    let (code, out_text) = build(&spec, &none, "ccfgen");
    assert_eq!(code, 0, "{out_text}");
    assert!(json(&none.join("Data/Solution_cveBuster.json"))["Watchlists"].is_null());
    assert!(
        !std::fs::read_to_string(none.join("Package/mainTemplate.json"))
            .unwrap()
            .contains("watchlist1-id")
    );
    std::fs::write(
        &toml,
        text.replace(
            "watchlists = []",
            "watchlists = [\"Watchlists/*/*.json\"]\nwatchlist_description = \"Tune these.\"",
        ),
    )
    .unwrap();
    let described = tmp.path().join("described");
    let (code, out_text) = build(&spec, &described, "ccfgen");
    assert_eq!(code, 0, "{out_text}");
    assert_eq!(
        json(&described.join("Data/Solution_cveBuster.json"))["WatchlistDescription"],
        "Tune these."
    );
    let ui = json(&described.join("Package/createUiDefinition.json"));
    let step = ui["parameters"]["steps"]
        .as_array()
        .unwrap()
        .last()
        .unwrap();
    assert_eq!(
        step["elements"][1]["elements"][0]["options"]["text"],
        "Tune these."
    );
}

#[test]
fn a_watchlist_without_an_alias_is_not_built() {
    let tmp = tempfile::tempdir().unwrap();
    let text = CVE_WATCHLIST.replace(
        ",\n        \"watchlistAlias\": \"cveBusterCriticalAssets\"",
        "",
    );
    let spec = cvebuster_with(tmp.path(), "Watchlists/cveBusterCriticalAssets.json", &text);
    let out = tmp.path().join("out");
    let (code, text) = build(&spec, &out, "ccfgen");
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("the watchlist has no `watchlistAlias` (non-empty text)"),
        "{text}"
    );
    // At the `properties` object it is missing from (line 13, column 21).
    assert!(
        text.contains("Watchlists/cveBusterCriticalAssets.json:13:21"),
        "{text}"
    );
    assert!(!out.join("Package").exists());
}

/// The line and column (1-based, in characters) of the first `needle` in `text`.
fn position(text: &str, needle: &str) -> String {
    let at = text.find(needle).unwrap_or_else(|| panic!("no `{needle}`"));
    let line = text[..at].matches('\n').count() + 1;
    let start = text[..at].rfind('\n').map_or(0, |i| i + 1);
    format!("{line}:{}", text[start..at].chars().count() + 1)
}

#[test]
fn watchlist_rules_read_the_csv_the_alias_and_the_solution() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("Solution");
    let folder = root.join("Watchlists");
    std::fs::create_dir_all(&folder).unwrap();
    std::fs::write(folder.join("HighValueHosts.json"), GOOD).unwrap();

    // A quoted header is one column: `"Host,Name"` is not `Host`.
    let quoted = GOOD.replace(
        "HostName,Owner\\r\\nsrv01,IT\\r\\nsrv02,Finance",
        "\\\"HostName\\\",Owner\\r\\nsrv01,IT\\r\\n\\\"srv02,old\\\",Finance",
    );
    std::fs::write(folder.join("HighValueHosts.json"), &quoted).unwrap();
    let (code, text) = check(&root);
    assert_eq!(code, 0, "{text}");
    let split = quoted.replace("\\\"HostName\\\"", "\\\"Host,Name\\\"");
    std::fs::write(folder.join("HighValueHosts.json"), &split).unwrap();
    let (code, text) = check(&root);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "itemsSearchKey `HostName` is not a column of the CSV header (Host,Name, Owner)"
        ),
        "{text}"
    );

    // A quote never closed: an error at the quote, inside rawContent.
    let open = GOOD.replace("srv02,Finance", "\\\"srv02,Finance");
    std::fs::write(folder.join("HighValueHosts.json"), &open).unwrap();
    let (code, text) = check(&root);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("error[watchlist-csv]: rawContent is not CSV: this quote is never closed"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "HighValueHosts.json:{}",
            position(&open, "\\\"srv02")
        )),
        "{text}"
    );

    // An item line with a field too many: a warning at that line.
    let extra = GOOD.replace("srv02,Finance", "srv02,Finance,extra");
    std::fs::write(folder.join("HighValueHosts.json"), &extra).unwrap();
    let (code, text) = check(&root);
    assert_eq!(code, 0, "{text}");
    assert!(
        text.contains("warning[watchlist-csv]: this CSV line has 3 field(s), the header 2"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "HighValueHosts.json:{}",
            position(&extra, "srv02,Finance,extra")
        )),
        "{text}"
    );

    // An alias that is not a plain name (it would name a file on import).
    let bad = GOOD.replace(
        "\"watchlistAlias\": \"HighValueHosts\"",
        "\"watchlistAlias\": \"../../escape\"",
    );
    std::fs::write(folder.join("HighValueHosts.json"), &bad).unwrap();
    let (code, text) = check(&root);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "error[watchlist-alias]: watchlistAlias `../../escape` is not a legal watchlist name"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "HighValueHosts.json:{}",
            position(&bad, "\"../../escape\"")
        )),
        "{text}"
    );

    // Two watchlists with one display name and alias (case ignored): both at the second.
    std::fs::write(folder.join("HighValueHosts.json"), GOOD).unwrap();
    let twin = GOOD.replace(
        "\"displayName\": \"HighValueHosts\"",
        "\"displayName\": \"highvaluehosts\"",
    );
    std::fs::write(folder.join("Twin.json"), &twin).unwrap();
    let (code, text) = check(&root);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("error[watchlist-duplicate]: displayName `highvaluehosts` is also the displayName of the watchlist in `Watchlists/HighValueHosts.json`"),
        "{text}"
    );
    assert!(
        text.contains(
            "error[watchlist-duplicate]: watchlistAlias `HighValueHosts` is also the watchlistAlias"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "Twin.json:{}",
            position(&twin, "\"highvaluehosts\"")
        )),
        "{text}"
    );
    std::fs::remove_file(folder.join("Twin.json")).unwrap();

    // A second resource in the file: the packager would drop it.
    let two = GOOD.replace(
        "      \"apiVersion\": \"2022-08-01\"\n    }\n  ]",
        "      \"apiVersion\": \"2022-08-01\"\n    },\n    { \"type\": \"Microsoft.Insights/workbooks\", \"name\": \"x\" }\n  ]",
    );
    assert_ne!(two, GOOD);
    std::fs::write(folder.join("HighValueHosts.json"), &two).unwrap();
    let (code, text) = check(&root);
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("error[watchlist-resources]: the file holds 2 resources; the packager packages the first only"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "HighValueHosts.json:{}",
            position(&two, "{ \"type\": \"Microsoft.Insights")
        )),
        "{text}"
    );
}

// ---------------------------------------------------------------------------------------------
// A package's watchlists come back as files.

fn import(input: &std::path::Path, spec: &std::path::Path) -> std::process::Output {
    run(ccfgen().arg("import").arg("--out").arg(spec).arg(input))
}

#[test]
fn a_packaged_watchlist_imports_back_as_its_file_and_rebuilds_the_package() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = cvebuster_with(
        tmp.path(),
        "Watchlists/cveBusterCriticalAssets.json",
        CVE_WATCHLIST,
    );
    let toml = spec.join("ccfgen.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\n[content]\nwatchlist_description = \"Tune these.\"\n");
    std::fs::write(&toml, text).unwrap();
    let out = tmp.path().join("out");
    let (code, text) = build(&spec, &out, "official");
    assert_eq!(code, 0, "{text}");

    let imported = tmp.path().join("imported/ccfgen.toml");
    let result = import(&out.join("Package"), &imported);
    let stderr = support::text(&result.stderr);
    assert_eq!(result.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("0 note(s); rebuilt output: 0 difference(s)"),
        "{stderr}"
    );
    let dir = imported.parent().unwrap();
    // Nothing stays verbatim: the watchlist is a file again, equal to the one built from.
    assert!(!dir.join("extra-content.json").exists());
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.join("Watchlists/cveBusterCriticalAssets.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        file,
        serde_json::from_str::<serde_json::Value>(CVE_WATCHLIST).unwrap()
    );
    let spec_text = std::fs::read_to_string(&imported).unwrap();
    assert!(
        spec_text.contains("watchlist_description = \"Tune these.\""),
        "{spec_text}"
    );

    // The imported spec builds the same package, byte for byte.
    let again = tmp.path().join("again");
    let (code, text) = build(dir, &again, "official");
    assert_eq!(code, 0, "{text}");
    for f in [
        "Package/mainTemplate.json",
        "Package/createUiDefinition.json",
    ] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(again.join(f)).unwrap(),
            "{f}"
        );
    }
}

#[test]
fn a_watchlist_alias_that_would_name_a_path_outside_is_refused_on_import() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = cvebuster_with(
        tmp.path(),
        "Watchlists/cveBusterCriticalAssets.json",
        CVE_WATCHLIST,
    );
    let out = tmp.path().join("out");
    let (code, text) = build(&spec, &out, "official");
    assert_eq!(code, 0, "{text}");
    let original = json(&out.join("Package/mainTemplate.json"));
    let index = original["resources"]
        .as_array()
        .unwrap()
        .iter()
        .position(|r| r["type"] == "Microsoft.OperationalInsights/workspaces/providers/Watchlists")
        .unwrap();
    for hostile in [
        "../../escaped",
        "a/b",
        "..\\up",
        "C:evil",
        "CON",
        "tab\there",
    ] {
        let case = tempfile::tempdir().unwrap();
        let mut template = original.clone();
        template["resources"][index]["properties"]["watchlistAlias"] =
            serde_json::Value::String(hostile.to_string());
        let path = case.path().join("mainTemplate.json");
        std::fs::write(&path, serde_json::to_string(&template).unwrap()).unwrap();
        let out_dir = case.path().join("out");
        let result = import(&path, &out_dir.join("ccfgen.toml"));
        let stderr = support::text(&result.stderr);
        assert_eq!(result.status.code(), Some(1), "{hostile}: {stderr}");
        assert!(stderr.contains("refused"), "{hostile}: {stderr}");
        assert!(
            stderr.contains(&format!("$.resources[{index}].properties.watchlistAlias")),
            "{hostile}: {stderr}"
        );
        assert!(!out_dir.exists(), "{hostile}: nothing written");
        assert!(!case.path().join("escaped.json").exists());
    }
}

/// What a watchlist adds to the cveBuster package, in both flavours: the parameter, the two
/// variables, the resource, the dependency and the install wizard's step.
#[test]
fn the_cvebuster_package_grown_with_a_watchlist() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = cvebuster_with(
        tmp.path(),
        "Watchlists/cveBusterCriticalAssets.json",
        CVE_WATCHLIST,
    );
    for compat in ["official", "ccfgen"] {
        let out = tmp.path().join(compat);
        let (code, text) = build(&spec, &out, compat);
        assert_eq!(code, 0, "{text}");
        let mt = json(&out.join("Package/mainTemplate.json"));
        let ui = json(&out.join("Package/createUiDefinition.json"));
        let resources = mt["resources"].as_array().unwrap();
        let part = serde_json::json!({
            "parameters.watchlist1-id": mt["parameters"]["watchlist1-id"],
            "variables": mt["variables"]
                .as_object()
                .unwrap()
                .iter()
                .filter(|(k, _)| k.contains("cveBuster Critical Assets"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect::<serde_json::Map<_, _>>(),
            "resource": resources
                .iter()
                .find(|r| r["type"] == "Microsoft.OperationalInsights/workspaces/providers/Watchlists"),
            "criteria[Watchlist]": resources.last().unwrap()["properties"]["dependencies"]["criteria"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["kind"] == "Watchlist")
                .collect::<Vec<_>>(),
            "steps[watchlists]": ui["parameters"]["steps"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["name"] == "watchlists"),
        });
        insta::assert_snapshot!(
            format!("cvebuster_watchlist_{compat}"),
            serde_json::to_string_pretty(&part).unwrap()
        );
    }
}

/// The folder pattern (`Watchlists/*/*.json`) never leads out of the spec's folder: a
/// symbolic link to a folder outside is not followed, and a `..` pattern is refused.
#[cfg(unix)]
#[test]
fn watchlist_patterns_stay_inside_the_spec_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let spec = cvebuster_with(
        tmp.path(),
        "Watchlists/cveBusterCriticalAssets.json",
        CVE_WATCHLIST,
    );
    let outside = tmp.path().join("outside/evil");
    std::fs::create_dir_all(&outside).unwrap();
    std::fs::write(
        outside.join("evil.json"),
        CVE_WATCHLIST.replace("cveBusterCriticalAssets", "evil"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside, spec.join("Watchlists/linked")).unwrap();
    let out = tmp.path().join("out");
    let (code, text) = build(&spec, &out, "ccfgen");
    assert_eq!(code, 0, "{text}");
    let data = json(&out.join("Data/Solution_cveBuster.json"));
    assert_eq!(
        data["Watchlists"],
        serde_json::json!(["Watchlists/cveBusterCriticalAssets.json"])
    );
    assert!(!out.join("Watchlists/linked").exists());

    let toml = spec.join("ccfgen.toml");
    let mut text = std::fs::read_to_string(&toml).unwrap();
    text.push_str("\n[content]\nwatchlists = [\"../outside/*/*.json\"]\n");
    std::fs::write(&toml, &text).unwrap();
    let at = position(&text, "[\"../outside");
    let refused = tmp.path().join("refused");
    let (code, text) = build(&spec, &refused, "ccfgen");
    assert_ne!(code, 0, "{text}");
    assert!(
        text.contains("error[content-file]: `../outside` goes up with `..`"),
        "{text}"
    );
    assert!(text.contains(&format!("ccfgen.toml:{at}")), "{text}");
    assert!(!refused.exists());
}
