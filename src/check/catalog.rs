//! Every rule `ccfgen check` can report, with its default severity, a one-line summary and
//! help text. SARIF output lists these as the tool's rules; a test makes sure every rule id
//! a check emits is listed here.

use crate::diagnostic::Severity;

/// One rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rule {
    /// Stable id, e.g. `transform-column-missing`.
    pub id: &'static str,
    /// Default severity (a finding may be reported at another one, e.g. KQL warnings).
    pub level: Severity,
    /// One line: what the rule checks.
    pub summary: &'static str,
    /// Why it matters and where the rule comes from.
    pub help: &'static str,
}

const fn rule(
    id: &'static str,
    level: Severity,
    summary: &'static str,
    help: &'static str,
) -> Rule {
    Rule {
        id,
        level,
        summary,
        help,
    }
}

use Severity::{Error as E, Note as N, Warning as W};

/// Every rule, grouped by what it checks.
pub const RULES: &[Rule] = &[
    // Files
    rule(
        "file-unreadable",
        E,
        "A file cannot be read as UTF-8 text.",
        "Every JSON file of a solution must be readable; the Content Hub JSON validation parses every changed file.",
    ),
    rule(
        "entry-unreadable",
        E,
        "A folder or entry of the tree cannot be read; the walk goes on without it.",
        "What an unreadable folder holds is not checked, so a CI gate must not pass silently; the error names the entry.",
    ),
    rule(
        "symlink-skipped",
        E,
        "A symbolic link is not followed: it leads out of the checked folder (error), into a loop or nowhere (warning).",
        "ccfgen never reads outside the root it was given, and a link to a parent folder would make the walk endless.",
    ),
    rule(
        "json-invalid",
        E,
        "A file is not valid JSON.",
        "The official packager stops on any invalid JSON file under Data Connectors; the PR pipeline runs JSON.parse on every changed file.",
    ),
    rule(
        "stray-file",
        N,
        "A JSON file under Data Connectors is not a CCF resource.",
        "It is ignored; the official packager also parses it, so it must at least be valid JSON.",
    ),
    rule(
        "resource-shape",
        E,
        "A required member of a resource is missing.",
        "Tables need schema.name and schema.columns; DCRs need streamDeclarations, destinations and dataFlows; data connectors need connectorDefinitionName and dcrConfig; definitions need connectorUiConfig.id.",
    ),
    // Tables
    rule(
        "table-name",
        E,
        "A custom table name breaks the Tables API rules.",
        "Custom tables fed by a DCR end with _CL and have 4 to 63 characters from letters, digits, _ and - (Logs Ingestion overview, Tables API).",
    ),
    rule(
        "table-name-style",
        W,
        "A table name does not start with a letter or contains '-'.",
        "Allowed by the Tables API, but the column naming rules applied to tables avoid quoting the name in every query.",
    ),
    rule(
        "table-schema-name",
        E,
        "A table's schema.name differs from its name.",
        "The table name must equal properties.schema.name (CCP_README).",
    ),
    rule(
        "table-unused",
        N,
        "No data flow writes a table.",
        "The packager bundles unmapped tables into the first connector; an unused table is usually a leftover or a typo in outputStream.",
    ),
    rule(
        "column-name",
        E,
        "A column name breaks the naming rules.",
        "Column names start with a letter, then letters, digits or _, 2 to 45 characters (create-custom-table, Logs Ingestion API overview).",
    ),
    rule(
        "column-reserved",
        E,
        "A column uses a reserved name.",
        "Names such as id, Type, TenantId, _ResourceId and the other system columns are reserved. A name reserved only in superseded documentation (resourceName, …) or only ignoring case (tenantId) is reported as a warning for existing tables.",
    ),
    rule(
        "column-duplicate",
        E,
        "A column appears twice.",
        "Column names must be unique; Auxiliary tables drop data whose names differ only in case.",
    ),
    rule(
        "column-type",
        E,
        "A table column type is unknown.",
        "Tables API column types: string, int, long, real, boolean, datetime (dateTime), dynamic, guid.",
    ),
    rule(
        "column-type-spelling",
        N,
        "A table column type is spelled unusually.",
        "Type names are matched ignoring case, but the Tables API documents string, int, long, real, boolean, dateTime, dynamic and guid.",
    ),
    rule(
        "limit-columns",
        E,
        "A table has more than 500 columns.",
        "Azure Monitor limit: 500 columns per table.",
    ),
    rule(
        "time-generated",
        E,
        "A table has no datetime TimeGenerated column.",
        "Every Log Analytics table needs TimeGenerated of type datetime.",
    ),
    // DCRs
    rule(
        "stream-name",
        E,
        "A stream declaration is not named Custom-<name>.",
        "Stream declaration keys must begin with Custom- (DCR structure page, push guide).",
    ),
    rule(
        "stream-named-like-table",
        N,
        "An input stream is named like a table (Custom-<x>_CL).",
        "Allowed, but input streams and output tables are different things and senders confuse them.",
    ),
    rule(
        "stream-column-type",
        E,
        "A stream column has a type streams do not support.",
        "Stream columns are string, int, long, real, boolean, datetime or dynamic; there is no guid (declare string and use toguid()).",
    ),
    rule(
        "stream-unused",
        W,
        "A declared stream is read by no data flow.",
        "Records sent to it are accepted and dropped.",
    ),
    rule(
        "limit-streams",
        E,
        "A DCR declares more than 10 streams.",
        "Azure Monitor limit: 10 data streams per DCR.",
    ),
    rule(
        "limit-flows",
        E,
        "A DCR has more than 10 data flows.",
        "Azure Monitor limit: 10 data flows per DCR.",
    ),
    rule(
        "dcr-name-length",
        W,
        "A DCR name is long.",
        "The deployed name Microsoft-Sentinel-{name}-{workspace}-{random} must stay within 64 characters or DCR creation fails silently.",
    ),
    rule(
        "dcr-destination",
        E,
        "A Log Analytics destination has no workspaceResourceId.",
        "destinations.logAnalytics[] entries need workspaceResourceId and name.",
    ),
    rule(
        "dce-id-literal",
        W,
        "dataCollectionEndpointId is a literal resource id.",
        "Use {{dataCollectionEndpointId}}; the packager turns it into a variable (a literal fails arm-ttk 'IDs Should Be Derived From ResourceIDs').",
    ),
    rule(
        "flow-stream-undeclared",
        E,
        "A data flow reads a stream that is not declared.",
        "Every stream of dataFlows[].streams must be a key of streamDeclarations.",
    ),
    rule(
        "flow-streams-multiple",
        E,
        "A data flow with a transform reads several streams.",
        "If a data flow uses a transformation it should use a single stream (DCR structure page).",
    ),
    rule(
        "flow-destination",
        E,
        "A data flow sends to an undefined destination.",
        "dataFlows[].destinations must name destinations defined in the DCR.",
    ),
    rule(
        "output-stream",
        E,
        "A data flow's outputStream is not Custom-<table>_CL or Microsoft-<table>.",
        "outputStream is Custom-<Table>_CL for a custom table or Microsoft-<Table> for a standard one.",
    ),
    rule(
        "output-table-missing",
        E,
        "A data flow writes a custom table no file defines.",
        "The table must be created with the connector (a workspaces/tables resource in the solution) or ingestion fails.",
    ),
    rule(
        "output-table-case",
        E,
        "A data flow names its table with different letter case.",
        "Table names are case-sensitive: outputStream must match the table name exactly.",
    ),
    rule(
        "builtin-table-unchecked",
        N,
        "A flow writes a built-in table the catalogue has no schema of.",
        "Flows into built-in tables are compared with the table's schema from ccfgen's catalogue of built-in tables (crates/kql/catalog); a table it lacks is only checked for KQL errors.",
    ),
    rule(
        "builtin-column-missing",
        W,
        "A transform outputs columns the built-in table it writes does not have.",
        "Built-in tables have a fixed schema (from the catalogue): project the table's columns. Wrongly typed columns are reported as transform-column-type errors.",
    ),
    // Transforms
    rule(
        "limit-transform",
        E,
        "A transformation is longer than 15,360 characters.",
        "Azure Monitor limit for one transformation.",
    ),
    rule(
        "transform-kql",
        E,
        "The transformation does not compile.",
        "Checked with ccfgen's KQL analyser against the stream's columns; Azure rejects such DCRs with InvalidTransformQuery.",
    ),
    rule(
        "transform-unsupported",
        E,
        "The transformation uses KQL that transformations do not support.",
        "Only extend, project, print, where, parse, project-away, project-rename and datatable are supported; parse extracts at most 10 columns (supported KQL features page).",
    ),
    rule(
        "transform-unlisted",
        W,
        "The transformation uses a function or operator not in the documented list.",
        "The documented list of supported functions is not exhaustive in practice, so this is a warning.",
    ),
    rule(
        "transform-column-missing",
        E,
        "The transformation outputs a column the table does not have.",
        "The output must have the shape of the destination table (DCR structure page); Azure rejects the DCR with InvalidTransformOutput.",
    ),
    rule(
        "transform-column-case",
        E,
        "An output column differs from a table column only in letter case.",
        "Column names are case-sensitive for Analytics and Basic tables.",
    ),
    rule(
        "transform-column-type",
        E,
        "An output column's type differs from the table column's type.",
        "A dynamic value reaching a string column and similar mismatches fail with InvalidTransformOutput; convert with tostring(), toint(), todatetime(), toguid() … (a guid column accepts string).",
    ),
    rule(
        "transform-time-generated",
        E,
        "The transformation does not produce TimeGenerated.",
        "Every table needs TimeGenerated; if the input lacks it the transform must add it (source | extend TimeGenerated = now()).",
    ),
    rule(
        "runtime-column-null",
        W,
        "--sample: a table column the transformation outputs is null in every row of the generated records.",
        "The expression producing it gives null for realistic input (a property path that does not exist, a failed conversion); the service stores the nulls silently. A note when the stream has dynamic columns or the transformation parses JSON (generated values have no structure).",
    ),
    rule(
        "runtime-type-null",
        W,
        "--sample: values of a table column are stored as null because their type does not fit the column.",
        "The service stores a value of another type as null; convert it in the transformation. A note when the stream has dynamic columns.",
    ),
    rule(
        "runtime-time-generated",
        W,
        "--sample: TimeGenerated is null, unparsable or outside the accepted window for every generated record.",
        "The service then stores the received time (log-standard-columns: older than 2 days or more than a day ahead is replaced); the event time is lost. A note when the stream has dynamic columns.",
    ),
    rule(
        "runtime-filtered",
        N,
        "--sample: every generated record is dropped by the transformation.",
        "A `where` rejects all of them; usual for a flow routing on a literal value, suspicious otherwise.",
    ),
    rule(
        "runtime-unsupported",
        N,
        "--sample: the evaluator cannot run the transformation.",
        "The analyser accepts it but ccfgen's evaluator does not implement something it uses; its runtime behaviour is not checked.",
    ),
    rule(
        "table-column-not-produced",
        W,
        "A table column is never produced by the transformations writing the table.",
        "The column stays empty; usually a renamed or forgotten field.",
    ),
    // Connectors
    rule(
        "connector-id",
        E,
        "A connector id contains spaces or punctuation.",
        "connectorUiConfig.id has no spaces and equals the definition's name.",
    ),
    rule(
        "definition-name",
        W,
        "A definition's name differs from its id.",
        "The connector id equals the definition's resource name (CCF reference).",
    ),
    rule(
        "definition-unused",
        W,
        "No data connector names a definition.",
        "The official packager maps a definition to its data connector through connectorDefinitionName and fails without one.",
    ),
    rule(
        "definition-data-type",
        W,
        "A definition's data type is not a table its DCRs write.",
        "dataTypes drive the 'last data received' status in the gallery.",
    ),
    rule(
        "definition-stream",
        W,
        "The instructions name a stream the DCR does not declare.",
        "Senders that follow them get errors from the Logs Ingestion API.",
    ),
    rule(
        "definition-query",
        E,
        "A connector page query (graph, sample, last data received, connectivity) does not compile.",
        "Compiled with ccfgen's KQL analyser (Kusto.Language's rules) against the solution's tables and the built-in catalogue; a broken query shows an empty or failing connector page after deployment.",
    ),
    rule(
        "definition-query-table",
        E,
        "A connector page query names a table or function that is neither the solution's nor built in.",
        "A custom table (`_CL`) must be declared by the solution; another unknown name is a warning, since it may be a built-in table newer than ccfgen's catalogue.",
    ),
    rule(
        "definition-query-unmodelled",
        N,
        "A connector page query uses a construct the analyser does not model (named), or a deployment-time placeholder.",
        "The query is not reported as passing: check it in Log Analytics.",
    ),
    // Solution content (analytic rules, hunting queries, parsers, workbooks)
    rule(
        "content-file",
        E,
        "A `[content]` file of a spec cannot be packaged: unreadable, not YAML/JSON, a member the packager needs missing or mistyped, a workbook without its metadata entry, or a `[content]` path that names no file.",
        "ccfgen build packages every content file as createSolutionV3.ps1 does (docs/package.md); the finding is at the file's line and column, or at the `[content]` key.",
    ),
    rule(
        "watchlist-required",
        E,
        "A watchlist resource (`Watchlists/**/*.json`) lacks `properties`, `displayName`, `watchlistAlias`, `provider`, `itemsSearchKey` or `rawContent`, or its `contentType` is not `text/csv`.",
        "Sentinel needs them to create the watchlist, and the packager (GenerateWatchList) names the variables after `displayName` and the `watchlistN-id` parameter's default after `watchlistAlias`.",
    ),
    rule(
        "watchlist-search-key",
        E,
        "A watchlist's `itemsSearchKey` is not a column of the CSV header of its `rawContent` (after `numberOfLinesToSkip` lines).",
        "The watchlist deploys, but lookups on its search key (`_GetWatchlist('alias')` joins on `SearchKey`) find nothing.",
    ),
    rule(
        "watchlist-csv",
        E,
        "A watchlist's `rawContent` is not CSV (a quote never closed: error), or an item line has another number of fields than the header (warning); located inside `rawContent`.",
        "Sentinel reads `rawContent` as RFC 4180 CSV; a broken quote swallows the rest of the items and a line with extra fields shifts its values.",
    ),
    rule(
        "watchlist-alias",
        E,
        "A watchlist's `watchlistAlias` is not a plain name (letters, digits, `_`, `-`, starting with a letter or digit, at most 64).",
        "The alias is the last segment of the watchlist's resource name, the `_GetWatchlist('<alias>')` argument and the file name `ccfgen import` writes.",
    ),
    rule(
        "watchlist-duplicate",
        E,
        "Two watchlists of a solution share a `displayName` or a `watchlistAlias` (case ignored).",
        "The packager names two ARM variables after the display name (a duplicate breaks the template) and the alias names the watchlist in the workspace (one would overwrite the other).",
    ),
    rule(
        "watchlist-resources",
        E,
        "A watchlist file holds more than one resource, or its first resource is not the watchlist.",
        "The packager (GenerateWatchList) packages `resources[0]` only: the rest is dropped silently.",
    ),
    rule(
        "content-yaml",
        E,
        "A content file (analytic rule, hunting query, parser) is not valid YAML, or is not a mapping.",
        "The packager and the PR pipeline cannot read it.",
    ),
    rule(
        "content-duplicate-key",
        W,
        "A key is written twice in one YAML mapping.",
        "YAML readers keep the last one; the other is silently lost.",
    ),
    rule(
        "content-required",
        E,
        "A content file lacks a member its type requires (id, name, description, severity, query, kind; a Scheduled rule's schedule, trigger and data connectors; a parser's FunctionQuery and name), or has it with the wrong type.",
        "The PR pipeline's template schema (detectionTemplateSchemaValidation) requires these members.",
    ),
    rule(
        "content-id",
        E,
        "A rule, hunting query or parser id is not a GUID.",
        "The id identifies the template in every workspace (detectionTemplateSchemaValidation: `Guid Id`).",
    ),
    rule(
        "content-id-duplicate",
        E,
        "Two content files of a solution share an id.",
        "The PR pipeline rejects the same template id twice; the later one would replace the former.",
    ),
    rule(
        "content-length",
        E,
        "A rule's name (256), description (5000) or a query (10,000 characters) is too long.",
        "Limits of the PR pipeline's template schema.",
    ),
    rule(
        "content-tactic",
        E,
        "A tactic is not one Microsoft Sentinel knows.",
        "Tactics are the MITRE ATT&CK tactic names without spaces (`InitialAccess`); the PR pipeline parses them as an enum.",
    ),
    rule(
        "content-technique",
        E,
        "A technique id is malformed, unknown to the bundled ATT&CK Enterprise v18.1 table, revoked or deprecated (warning), or none of its tactics is among the rule's tactics.",
        "The PR pipeline rejects a technique without a matching tactic (NoTechniquesWithoutMatchingTactics).",
    ),
    rule(
        "content-connector-id",
        W,
        "A requiredDataConnectors connectorId is neither a connector of the solution nor a known connector id.",
        "The PR pipeline requires the id in ValidConnectorIds.json; a typo hides the rule from the connector's page.",
    ),
    rule(
        "content-data-type",
        W,
        "A requiredDataConnectors dataTypes entry is not a table the named connector of the solution writes.",
        "The data types say which tables the rule needs; a wrong one misleads the content hub.",
    ),
    rule(
        "content-query",
        E,
        "A content query (rule, hunting query, workbook step, parser body) does not compile: syntax, unknown column, wrong types.",
        "The PR pipeline compiles content queries with Kusto.Language (KqlvalidationsTests); so does ccfgen's analyser.",
    ),
    rule(
        "content-query-table",
        E,
        "A content query names a table or function neither the solution, its parsers nor the built-in catalogue knows; a non-`_CL` name is a warning.",
        "A custom table must be the solution's; another unknown name may be a built-in table newer than the catalogue.",
    ),
    rule(
        "content-query-unmodelled",
        N,
        "A content query uses a construct the analyser does not model, or workbook `{parameters}`: not checked, never a pass.",
        "Check it in Log Analytics or the workbook editor.",
    ),
    rule(
        "rule-kind",
        E,
        "An analytic rule's kind is not `Scheduled` or `NRT`.",
        "The only template kinds the packager and the PR pipeline handle.",
    ),
    rule(
        "rule-severity",
        E,
        "An analytic rule's severity is not Informational, Low, Medium or High.",
        "An enum of the PR pipeline's template schema.",
    ),
    rule(
        "rule-schedule",
        E,
        "queryFrequency or queryPeriod is not `<n>m|h|d`, is outside 5 minutes to 14 days, or the frequency is longer than the period.",
        "RangeTimeSpanIsoFormat(00:05:00, 14.00:00:00) and PeriodGreaterThanOrEqualFrequency of the PR pipeline.",
    ),
    rule(
        "rule-trigger",
        E,
        "triggerOperator is not gt/lt/eq/ne, or triggerThreshold is not a whole number from 0 to 10,000.",
        "The PR pipeline's template schema.",
    ),
    rule(
        "rule-entity-mapping",
        E,
        "Entity mappings: unknown entity type or identifier, an identifier twice, no identifying identifier, a bad column name, or more than 5 mappings / 3 field mappings.",
        "ValidEntityMappings of the PR pipeline and the documented entity schema.",
    ),
    rule(
        "rule-custom-details",
        E,
        "More than 20 custom details, a key that is not a name of at most 20 characters, or a value that is not a column name.",
        "The PR pipeline's template schema.",
    ),
    rule(
        "rule-alert-details",
        E,
        "alertDisplayNameFormat (256) or alertDescriptionFormat (5000) empty, too long, or with more than 3 `{{column}}` placeholders.",
        "The PR pipeline's AlertDetailsOverride model.",
    ),
    rule(
        "rule-version",
        E,
        "An analytic rule's version is not X.Y.Z (an error) or missing (a warning).",
        "The packager writes it as the template version; raising it is how workspaces learn of an update.",
    ),
    rule(
        "parser-function",
        E,
        "A parser's function name is not a KQL name, or a parameter lacks Name or Type.",
        "Queries call the parser by this name; the packager declares the parameters.",
    ),
    rule(
        "workbook-json",
        E,
        "A workbook file is not JSON.",
        "The packager embeds workbooks as JSON.",
    ),
    rule(
        "workbook-shape",
        E,
        "A workbook lacks `version` (`Notebook/1.0`) or `items` (an array).",
        "What makes a workbook template.",
    ),
    rule(
        "workbook-template-id",
        W,
        "A workbook has no `fromTemplateId` of the form `sentinel-…` (warning), or two workbooks share one (error).",
        "The template id links saved workbooks to their template: it must be unique and stable across versions.",
    ),
    rule(
        "connector-definition-unknown",
        E,
        "A data connector names a definition that does not exist.",
        "properties.connectorDefinitionName must equal a definition's connectorUiConfig.id.",
    ),
    rule(
        "stream-unknown",
        E,
        "A data connector names a stream no DCR declares.",
        "dcrConfig.streamName must be a declared stream of the connector's DCR.",
    ),
    rule(
        "dcr-config-literal",
        W,
        "A dcrConfig value is a literal.",
        "The endpoint and immutable id are only known at deploy time: use {{placeholders}} or [[parameters('dcrConfig').…].",
    ),
    rule(
        "auth-type",
        E,
        "A Push data connector's auth.type is not Push.",
        "Push connectors authenticate with auth.type Push and the app created at deploy time.",
    ),
    rule(
        "placeholder",
        E,
        "A placeholder or escaped expression is malformed.",
        "Connect-time values are {{name}} placeholders or [[parameters('…').x] expressions; mixed or unbalanced forms deploy a connector that cannot connect.",
    ),
    rule(
        "branding",
        E,
        "\"Sentinel\" is used without \"Microsoft\".",
        "The Content Hub PR validation rejects a bare \"Sentinel\" in descriptions.",
    ),
    // Packages
    rule(
        "package-stale",
        E,
        "The package embeds a resource that differs from its source file.",
        "Package/mainTemplate.json must be rebuilt after the sources change; the comparison ignores the packager's known rewrites.",
    ),
    rule(
        "package-missing",
        W,
        "A source resource is not in the solution package.",
        "Package/mainTemplate.json is older than the sources, or the file is a leftover.",
    ),
    rule(
        "package-source-missing",
        N,
        "The package embeds a resource with no source file.",
        "The sources are incomplete or renamed; staleness cannot be checked for it.",
    ),
    rule(
        "package-schema",
        E,
        "A package's mainTemplate.json or createUiDefinition.json violates Microsoft's published schema (ARM template, resource provider of the type and API version, CreateUIDefinition) where the allow-list does not explain it.",
        "The published schemas are what ARM tooling and the portal validate against; docs/schemas.md lists where they lag the service (the allow-list).",
    ),
    rule(
        "package-schema-unchecked",
        N,
        "A packaged resource's type and API version have no published (or no vendored) schema; only its common members are validated.",
        "Not checked is not a pass: e.g. dataConnectorDefinitions at 2022-09-01-preview has no published schema.",
    ),
];

/// The catalogue entry of a rule id.
pub fn find(id: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.id == id)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique() {
        let mut ids: Vec<&str> = RULES.iter().map(|r| r.id).collect();
        ids.sort_unstable();
        let n = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
