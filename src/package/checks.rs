//! The Content Hub pull-request validations that apply to a package (packaging.md §10), run
//! on ccfgen's own output: `solutionValidator.ts` (solution id, support object,
//! domains/verticals, branding), `validateFieldTypes.ps1` (secret-looking parameters must be
//! `securestring`) and arm-ttk's "Template Should Not Contain Blanks" — strictly: ccfgen does
//! not lean on the exceptions arm-ttk makes by accident for keys that also appear next to
//! `properties` (`kind: null`).

use std::fmt;

use serde_json::Value;

use crate::rules::{branding, metadata};

/// One failed validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageFinding {
    /// Which validation (`solution-id`, `support`, `domain`, `vertical`, `branding`,
    /// `securestring`, `blank`).
    pub rule: &'static str,
    /// File and JSON path, e.g. `mainTemplate.json $.variables.solutionId`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for PackageFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[{}] {}: {}", self.rule, self.path, self.message)
    }
}

/// Property names arm-ttk allows to be blank.
const MAY_BE_BLANK: &[&str] = &[
    "resources",
    "outputs",
    "variables",
    "parameters",
    "functions",
    "properties",
    "template",
    "defaultValue",
    "accessPolicies",
    "value",
    "promotionCode",
    "inputs",
    "notEquals",
    "clientId",
    "allowedCallerIpAddresses",
    "workerPools",
    "AzureMonitor",
    "requiredDataConnectors",
];

/// Whether `validateFieldTypes.ps1` requires a parameter of this name to be `securestring`
/// (`-like` `*Password*`, `*ClientSecret*`, `*Authorization*`, `*AuthorizationCode*`,
/// `*Secret*`, `*token*`, `*apptoken*`, `*appkey*`, case-insensitively).
pub fn needs_securestring(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    ["password", "secret", "authorization", "token", "appkey"]
        .iter()
        .any(|p| lower.contains(p))
}

/// Every validation on a package's mainTemplate and createUiDefinition.
pub fn check(main_template: &Value, create_ui: &Value) -> Vec<PackageFinding> {
    let mut out = Vec::new();
    let mt = "mainTemplate.json";
    let ui = "createUiDefinition.json";
    match main_template
        .pointer("/variables/solutionId")
        .and_then(Value::as_str)
    {
        None => out.push(finding(
            "solution-id",
            mt,
            "$.variables.solutionId",
            "missing",
        )),
        Some(id) => {
            let parts: Vec<&str> = id.split('.').collect();
            if parts.len() != 2 || parts.iter().any(|p| p.is_empty()) {
                out.push(finding(
                    "solution-id",
                    mt,
                    "$.variables.solutionId",
                    &format!("`{id}` does not match ^[^.]+\\.[^.]+$"),
                ));
            }
            if id.chars().any(char::is_uppercase) {
                out.push(finding(
                    "solution-id",
                    mt,
                    "$.variables.solutionId",
                    &format!("`{id}` is not lowercase"),
                ));
            }
        }
    }
    let resources = main_template["resources"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    for (i, r) in resources.iter().enumerate() {
        let ty = r["type"].as_str().unwrap_or_default();
        if !(ty.ends_with("/metadata") || ty.ends_with("/contentPackages")) {
            continue;
        }
        let path = format!("$.resources[{i}].properties");
        let support = &r["properties"]["support"];
        let name = support["name"].as_str().unwrap_or_default();
        let email = support["email"].as_str();
        let link = support["link"].as_str();
        for d in metadata::support(name, email, link) {
            out.push(finding(
                "support",
                mt,
                &format!("{path}.support"),
                &d.message,
            ));
        }
        if let Some(categories) = r["properties"].get("categories") {
            let domains = categories["domains"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            if domains.is_empty() {
                out.push(finding(
                    "domain",
                    mt,
                    &format!("{path}.categories.domains"),
                    "no domain",
                ));
            }
            for (j, d) in domains.iter().enumerate() {
                for f in metadata::domain(d.as_str().unwrap_or_default()) {
                    out.push(finding(
                        "domain",
                        mt,
                        &format!("{path}.categories.domains[{j}]"),
                        &f.message,
                    ));
                }
            }
            let verticals = categories["verticals"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for (j, v) in verticals.iter().enumerate() {
                for f in metadata::vertical(v.as_str().unwrap_or_default()) {
                    out.push(finding(
                        "vertical",
                        mt,
                        &format!("{path}.categories.verticals[{j}]"),
                        &f.message,
                    ));
                }
            }
        }
    }
    brand(
        main_template,
        "$",
        &["descriptionMarkdown", "description"],
        mt,
        &mut out,
    );
    brand(create_ui, "$", &["text", "description"], ui, &mut out);
    securestrings(main_template, mt, &mut out);
    blanks(main_template, "$", None, mt, &mut out);
    out
}

fn finding(rule: &'static str, file: &str, path: &str, message: &str) -> PackageFinding {
    PackageFinding {
        rule,
        path: format!("{file} {path}"),
        message: message.to_string(),
    }
}

fn brand(v: &Value, path: &str, keys: &[&str], file: &str, out: &mut Vec<PackageFinding>) {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let p = format!("{path}.{k}");
                if keys.contains(&k.as_str())
                    && let Some(text) = child.as_str()
                    && !branding::bare_sentinel(text).is_empty()
                {
                    out.push(finding(
                        "branding",
                        file,
                        &p,
                        "\"Sentinel\" without \"Microsoft\"",
                    ));
                }
                brand(child, &p, keys, file, out);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                brand(child, &format!("{path}[{i}]"), keys, file, out);
            }
        }
        _ => {}
    }
}

fn securestrings(template: &Value, file: &str, out: &mut Vec<PackageFinding>) {
    let mut check = |params: &Value, path: &str| {
        if let Some(map) = params.as_object() {
            for (name, p) in map {
                if needs_securestring(name) && p["type"].as_str() != Some("securestring") {
                    out.push(finding(
                        "securestring",
                        file,
                        &format!("{path}.{name}"),
                        "a secret-looking parameter must be of type securestring",
                    ));
                }
            }
        }
    };
    check(&template["parameters"], "$.parameters");
    for (i, r) in template["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(params) = r.pointer("/properties/mainTemplate/parameters") {
            check(
                params,
                &format!("$.resources[{i}].properties.mainTemplate.parameters"),
            );
        }
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

fn blanks(v: &Value, path: &str, key: Option<&str>, file: &str, out: &mut Vec<PackageFinding>) {
    if let Some(k) = key
        && is_blank(v)
        && !MAY_BE_BLANK.iter().any(|m| m.eq_ignore_ascii_case(k))
        && !k.starts_with('[')
    {
        out.push(finding(
            "blank",
            file,
            path,
            "empty property (arm-ttk: Template Should Not Contain Blanks)",
        ));
    }
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                blanks(child, &format!("{path}.{k}"), Some(k), file, out);
            }
        }
        Value::Array(items) => {
            // Array elements are not properties: arm-ttk only looks after a colon.
            for (i, child) in items.iter().enumerate() {
                if !is_blank(child) {
                    blanks(child, &format!("{path}[{i}]"), None, file, out);
                }
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn secret_names_match_validate_field_types() {
        for name in [
            "apiToken",
            "ClientSecret",
            "password",
            "AuthorizationCode",
            "appKey",
        ] {
            assert!(needs_securestring(name), "{name}");
        }
        for name in ["auth", "workspace", "guidValue", "dcrConfig"] {
            assert!(!needs_securestring(name), "{name}");
        }
    }

    #[test]
    fn finds_each_kind_of_problem() {
        let mt = json!({
            "parameters": {"apiToken": {"type": "string"}},
            "variables": {"solutionId": "Pub.Offer"},
            "resources": [{
                "type": "x/contentPackages",
                "kind": null,
                "properties": {
                    "description": "Push data to Sentinel now",
                    "support": {"name": "", "email": "nope"},
                    "categories": {"domains": ["Nope"]}
                }
            }]
        });
        let rules: Vec<&str> = check(&mt, &json!({})).iter().map(|f| f.rule).collect();
        for rule in [
            "solution-id",
            "support",
            "domain",
            "branding",
            "securestring",
            "blank",
        ] {
            assert!(rules.contains(&rule), "{rule} missing in {rules:?}");
        }
    }
}
