//! Resource API versions: what the official packager emits (default) or the current ones.

use crate::solution::ApiVersions;

/// The API version of each resource type ccfgen emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ApiVersionSet {
    /// `Microsoft.SecurityInsights/dataConnectorDefinitions`.
    pub definitions: &'static str,
    /// `Microsoft.SecurityInsights/dataConnectors` (kind Push).
    pub data_connectors: &'static str,
    /// `Microsoft.Insights/dataCollectionRules`.
    pub dcr: &'static str,
    /// `Microsoft.OperationalInsights/workspaces/tables`.
    pub tables: &'static str,
    /// `contentTemplates` and `contentPackages`.
    pub content: &'static str,
    /// `metadata`.
    pub metadata: &'static str,
    /// `Microsoft.SecurityInsights/AlertRuleTemplates` (analytic rules).
    pub alert_rules: &'static str,
    /// `Microsoft.OperationalInsights/workspaces/savedSearches` (parsers, hunting queries).
    pub saved_searches: &'static str,
    /// `Microsoft.Insights/workbooks`.
    pub workbooks: &'static str,
}

impl ApiVersionSet {
    /// The set for a spec setting (packaging.md §8).
    pub fn of(choice: ApiVersions) -> ApiVersionSet {
        match choice {
            ApiVersions::Official => ApiVersionSet {
                definitions: "2022-09-01-preview",
                data_connectors: "2023-02-01-preview",
                dcr: "2022-06-01",
                tables: "2022-10-01",
                content: "2023-04-01-preview",
                metadata: "2022-01-01-preview",
                alert_rules: "2023-02-01-preview",
                saved_searches: "2025-07-01",
                workbooks: "2021-08-01",
            },
            ApiVersions::Current => ApiVersionSet {
                definitions: "2024-09-01",
                data_connectors: "2024-09-01",
                dcr: "2024-03-11",
                tables: "2025-07-01",
                content: "2023-04-01-preview",
                metadata: "2022-01-01-preview",
                alert_rules: "2023-02-01-preview",
                saved_searches: "2025-07-01",
                workbooks: "2021-08-01",
            },
        }
    }
}
