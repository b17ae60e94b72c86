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
        "rawContent": "HostName,Owner\r\nsrv01,IT\r\nsrv02,Finance\r\n"
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
