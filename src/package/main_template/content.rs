//! The content sections of `mainTemplate.json`: analytic rules, hunting queries, workbooks,
//! parsers and watchlists, as `commonFunctions.ps1` emits them in V3 (`contentSchemaVersion`
//! 3.0.0): `GenerateAlertRule`, `GetHuntingDataMetadata`, `GetWorkbookDataMetadata`,
//! `generateParserContent`/`addTemplateSpecParserResource`, `GenerateWatchList`. docs/package.md lists the rules.

use serde_json::{Map, Value, json};

use super::{Acc, Builder, DEPENDS_ON_PACKAGE, TEMPLATE_SCHEMA, var};
use crate::content::{
    AnalyticRule, HuntingQuery, Parser, Watchlist, Workbook, leaf_base, ps_object_text,
};
use crate::package::escape::Level;
use crate::solution::Compat;

/// `[json('[]')]`: the packager's stand-in for an empty list (arm-ttk rejects `[]`).
const EMPTY_ARRAY_VAR: &str = "TemplateEmptyArray";

impl Builder<'_> {
    /// A value embedded in an ARM string literal inside an expression (`'…'`): ccfgen doubles
    /// `'`, the packager does not.
    fn q(&self, text: &str) -> String {
        match self.compat() {
            Compat::Ccfgen => text.replace('\'', "''"),
            Compat::Official => text.to_string(),
        }
    }

    /// The `source` of a content metadata resource: the literal solution name.
    fn content_source(&self, level: Level) -> Value {
        json!({
            "kind": "Solution",
            "name": self.lit(&self.input.solution.name, level),
            "sourceId": var("_solutionId"),
        })
    }

    /// The `properties` of a content item's metadata resource: `description` (where given),
    /// `parentId`, `contentId`, `kind`, `version`, then the solution's `source`, `author` and
    /// `support`.
    fn metadata_properties(
        &self,
        description: Option<String>,
        parent_id: String,
        content_id: String,
        kind: &str,
        version: String,
        level: Level,
    ) -> Map<String, Value> {
        let mut props = Map::new();
        if let Some(description) = description {
            props.insert("description".into(), json!(description));
        }
        props.insert("parentId".into(), json!(parent_id));
        props.insert("contentId".into(), json!(content_id));
        props.insert("kind".into(), json!(kind));
        props.insert("version".into(), json!(version));
        props.insert("source".into(), self.content_source(level));
        props.insert("author".into(), self.author(level));
        props.insert("support".into(), self.support(level));
        props
    }

    /// A content item's metadata resource (`…/providers/metadata`) named `name`.
    fn metadata_resource(&self, name: String, properties: Map<String, Value>) -> Value {
        json!({
            "type": "Microsoft.OperationalInsights/workspaces/providers/metadata",
            "apiVersion": self.input.api.metadata,
            "name": name,
            "properties": properties,
        })
    }

    /// A content template around `resources` (`contentVersion` and `version` expressions).
    #[allow(clippy::too_many_arguments)]
    fn content_item_template(
        &self,
        name: String,
        description: String,
        version_expr: &str,
        resources: Vec<Value>,
        content_id: String,
        content_kind: &str,
        display_name: String,
        product_id: String,
        version: String,
    ) -> Value {
        json!({
            "type": "Microsoft.OperationalInsights/workspaces/providers/contentTemplates",
            "apiVersion": self.input.api.content,
            "name": name,
            "location": "[parameters('workspace-location')]",
            "dependsOn": [DEPENDS_ON_PACKAGE],
            "properties": {
                "description": self.lit(&description, Level::Install),
                "mainTemplate": {
                    "$schema": TEMPLATE_SCHEMA,
                    "contentVersion": version_expr,
                    "parameters": {},
                    "variables": {},
                    "resources": resources,
                },
                "packageKind": "Solution",
                "packageVersion": var("_solutionVersion"),
                "packageName": var("_solutionName"),
                "packageId": var("_solutionId"),
                "contentSchemaVersion": "3.0.0",
                "contentId": content_id,
                "contentKind": content_kind,
                "displayName": display_name,
                "contentProductId": product_id,
                "id": product_id,
                "version": version,
            }
        })
    }

    /// Analytic rule `n` (1-based).
    pub(super) fn analytic_rule(&self, rule: &AnalyticRule, n: usize, acc: &mut Acc) {
        let s = self.input.solution;
        let obj = format!("analyticRuleObject{n}");
        let v = |member: &str| format!("[variables('{obj}').{member}{n}]");
        let version = rule.version.clone().unwrap_or_else(|| "1.0.0".into());
        let id = self.q(&rule.id);
        acc.criteria.push(json!({
            "kind": "AnalyticsRule",
            "contentId": v("_analyticRulecontentId"),
            "version": v("analyticRuleVersion"),
        }));
        let level = Level::ContentTemplate;
        let mut props = Map::new();
        props.insert(
            "description".into(),
            json!(self.rule_description(&rule.description)),
        );
        props.insert("displayName".into(), json!(rule.name));
        props.insert("enabled".into(), json!(false));
        props.insert("query".into(), json!(rule.query));
        let scheduled = rule.kind.eq_ignore_ascii_case("Scheduled");
        if scheduled {
            props.insert(
                "queryFrequency".into(),
                json!(iso8601(rule.query_frequency.as_deref())),
            );
            props.insert(
                "queryPeriod".into(),
                json!(iso8601(rule.query_period.as_deref())),
            );
        }
        props.insert(
            "severity".into(),
            json!(
                rule.severity
                    .clone()
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "Medium".into())
            ),
        );
        props.insert("suppressionDuration".into(), json!("PT1H"));
        props.insert("suppressionEnabled".into(), json!(false));
        if scheduled {
            props.insert(
                "triggerOperator".into(),
                rule.trigger_operator
                    .as_deref()
                    .and_then(trigger_operator)
                    .map_or(Value::Null, |o| json!(o)),
            );
            props.insert(
                "triggerThreshold".into(),
                rule.trigger_threshold.clone().unwrap_or(Value::Null),
            );
        }
        props.insert(
            "status".into(),
            json!(
                rule.status
                    .clone()
                    .filter(|s| !s.is_empty())
                    .unwrap_or_else(|| "Available".into())
            ),
        );
        let empty_connectors = rule.required_data_connectors.is_empty();
        if !empty_connectors {
            props.insert(
                "requiredDataConnectors".into(),
                json!(rule.required_data_connectors),
            );
        }
        if !rule.tactics.is_empty() {
            let tactics: Vec<String> = rule.tactics.iter().map(|t| t.replace(' ', "")).collect();
            props.insert("tactics".into(), json!(tactics));
        }
        let (sub, techniques) = self.techniques(&rule.relevant_techniques);
        if !sub.is_empty() {
            props.insert("subTechniques".into(), json!(sub));
        }
        if !techniques.is_empty() {
            props.insert("techniques".into(), json!(techniques));
        }
        for (key, value) in &rule.verbatim {
            let value = match value {
                Value::Object(_)
                    if key == "entityMappings" || key == "sentinelEntitiesMappings" =>
                {
                    json!([value])
                }
                v => v.clone(),
            };
            props.insert(key.clone(), value);
        }
        let mut props = self.lit_value(Value::Object(props), level);
        if empty_connectors {
            if !acc.variables.contains_key(EMPTY_ARRAY_VAR) {
                acc.variables
                    .insert(EMPTY_ARRAY_VAR.into(), json!("[json('[]')]"));
            }
            // After `status`, where the packager adds it.
            let mut ordered = Map::new();
            for (k, val) in props.as_object().cloned().unwrap_or_default() {
                let after_status = k == "status";
                ordered.insert(k, val);
                if after_status {
                    ordered.insert("requiredDataConnectors".into(), json!(var(EMPTY_ARRAY_VAR)));
                }
            }
            props = Value::Object(ordered);
        }
        let resource = json!({
            "type": "Microsoft.SecurityInsights/AlertRuleTemplates",
            "name": v("_analyticRulecontentId"),
            "apiVersion": self.input.api.alert_rules,
            "kind": rule.kind,
            "location": "[parameters('workspace-location')]",
            "properties": props,
        });
        let metadata = self.metadata_resource(
            format!("[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat('AnalyticsRule-', last(split(variables('{obj}').analyticRuleId{n},'/'))))]"),
            self.metadata_properties(
                Some(self.lit(&format!("{} Analytics Rule {n}", s.name), level)),
                v("analyticRuleId"),
                v("_analyticRulecontentId"),
                "AnalyticsRule",
                v("analyticRuleVersion"),
                level,
            ),
        );
        acc.resources.push(self.content_item_template(
            v("analyticRuleTemplateSpecName"),
            format!(
                "{}_AnalyticalRules Analytics Rule with template version {}",
                leaf_base(&rule.file),
                s.version
            ),
            &v("analyticRuleVersion"),
            vec![resource, metadata],
            v("_analyticRulecontentId"),
            "AnalyticsRule",
            self.lit(&rule.name, Level::Install),
            v("_analyticRulecontentProductId"),
            v("analyticRuleVersion"),
        ));
        let mut object = Map::new();
        object.insert(format!("analyticRuleVersion{n}"), json!(version));
        object.insert(format!("_analyticRulecontentId{n}"), json!(rule.id));
        object.insert(
            format!("analyticRuleId{n}"),
            json!(format!(
                "[resourceId('Microsoft.SecurityInsights/AlertRuleTemplates', '{id}')]"
            )),
        );
        object.insert(
            format!("analyticRuleTemplateSpecName{n}"),
            json!(template_spec_name("ar", &format!("'{id}'"))),
        );
        object.insert(
            format!("_analyticRulecontentProductId{n}"),
            json!(content_product_id(
                "ar",
                "AnalyticsRule",
                &format!("'{id}'"),
                &format!("'{}'", self.q(&version)),
            )),
        );
        acc.variables.insert(obj, Value::Object(object));
    }

    fn rule_description(&self, text: &str) -> String {
        rule_description(text, self.compat())
    }

    /// `subTechniques` and `techniques` of `relevantTechniques` (spaces removed). The packager
    /// adds a parent technique again for each of its sub-techniques (`T1078`, `T1078.004` →
    /// `T1078`, `T1078`); ccfgen lists each once.
    fn techniques(&self, relevant: &[String]) -> (Vec<String>, Vec<String>) {
        let mut sub: Vec<String> = Vec::new();
        let mut techniques: Vec<String> = Vec::new();
        for item in relevant {
            let item = item.replace(' ', "");
            if item.contains('.') && !sub.contains(&item) {
                sub.push(item.clone());
            }
            let parent = item.split('.').next().unwrap_or(&item).to_string();
            let add = match self.compat() {
                Compat::Official => !techniques.contains(&item),
                Compat::Ccfgen => !techniques.contains(&parent),
            };
            if add {
                techniques.push(parent);
            }
        }
        (sub, techniques)
    }

    /// Hunting query `n`.
    pub(super) fn hunting_query(&self, query: &HuntingQuery, n: usize, acc: &mut Acc) {
        let s = self.input.solution;
        let obj = format!("huntingQueryObject{n}");
        let v = |member: &str| format!("[variables('{obj}').{member}{n}]");
        let version = query.version.clone().unwrap_or_else(|| "1.0.0".into());
        let id = self.q(&query.id);
        let mut object = Map::new();
        object.insert(format!("huntingQueryVersion{n}"), json!(version));
        object.insert(format!("_huntingQuerycontentId{n}"), json!(query.id));
        object.insert(
            format!("huntingQueryTemplateSpecName{n}"),
            json!(template_spec_name("hq", &format!("'{id}'"))),
        );
        acc.criteria.push(json!({
            "kind": "HuntingQuery",
            "contentId": v("_huntingQuerycontentId"),
            "version": v("huntingQueryVersion"),
        }));
        acc.variables.insert(obj.clone(), Value::Object(object));
        let level = Level::ContentTemplate;
        let mut tags = Vec::new();
        if let Some(d) = hunting_description(query.description.as_deref()) {
            tags.push(json!({"name": "description", "value": d}));
        }
        if !query.tactics.is_empty() {
            tags.push(
                json!({"name": "tactics", "value": query.tactics.join(",").replace(' ', "")}),
            );
        }
        if !query.relevant_techniques.is_empty() {
            tags.push(json!({"name": "techniques", "value": query.relevant_techniques.join(",").replace(' ', "")}));
        }
        let mut props = Map::new();
        props.insert("eTag".into(), json!("*"));
        props.insert("displayName".into(), json!(query.name));
        props.insert("category".into(), json!("Hunting Queries"));
        props.insert("query".into(), json!(query.query));
        props.insert("version".into(), json!(2));
        if !tags.is_empty() || self.compat() == Compat::Official {
            // ccfgen leaves out an empty list (a blank for arm-ttk).
            props.insert("tags".into(), json!(tags));
        }
        let search = json!({
            "type": "Microsoft.OperationalInsights/savedSearches",
            "apiVersion": self.input.api.saved_searches,
            "name": format!("{}_Hunting_Query_{n}", s.name.replace(' ', "_")),
            "location": "[parameters('workspace-location')]",
            "properties": self.lit_value(Value::Object(props), level),
        });
        let metadata = self.metadata_resource(
            format!("[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat('HuntingQuery-', last(split(resourceId('Microsoft.OperationalInsights/savedSearches', variables('{obj}')._huntingQuerycontentId{n}),'/'))))]"),
            self.metadata_properties(
                Some(self.lit(&format!("{} Hunting Query {n}", s.name), level)),
                format!("[resourceId('Microsoft.OperationalInsights/savedSearches', variables('{obj}')._huntingQuerycontentId{n})]"),
                v("_huntingQuerycontentId"),
                "HuntingQuery",
                v("huntingQueryVersion"),
                level,
            ),
        );
        let product = content_product_id(
            "hq",
            "HuntingQuery",
            &format!("variables('{obj}')._huntingQuerycontentId{n}"),
            &format!("'{}'", self.q(&version)),
        );
        acc.resources.push(self.content_item_template(
            v("huntingQueryTemplateSpecName"),
            format!(
                "{}_HuntingQueries Hunting Query with template version {}",
                leaf_base(&query.file),
                s.version
            ),
            &v("huntingQueryVersion"),
            vec![search, metadata],
            v("_huntingQuerycontentId"),
            "HuntingQuery",
            self.lit(&query.name, Level::Install),
            product,
            version,
        ));
    }

    /// Parser `n`.
    pub(super) fn parser(&self, parser: &Parser, n: usize, acc: &mut Acc) {
        let s = self.input.solution;
        let obj = format!("parserObject{n}");
        let v = |member: &str| format!("[variables('{obj}').{member}{n}]");
        let name = self.q(&parser.function_name);
        let content_id = format!("{}-Parser", parser.function_name);
        let version = parser.version.clone().unwrap_or_else(|| "1.0.0".into());
        let mut object = Map::new();
        object.insert(
            format!("_parserName{n}"),
            json!(format!("[concat(parameters('workspace'),'/','{name}')]")),
        );
        object.insert(
            format!("_parserId{n}"),
            json!(format!("[resourceId('Microsoft.OperationalInsights/workspaces/savedSearches', parameters('workspace'), '{name}')]")),
        );
        object.insert(
            format!("parserTemplateSpecName{n}"),
            json!(template_spec_name(
                "pr",
                &format!("'{}'", self.q(&content_id))
            )),
        );
        object.insert(format!("parserVersion{n}"), json!(version));
        object.insert(format!("parserContentId{n}"), json!(content_id));
        acc.variables.insert(obj.clone(), Value::Object(object));
        acc.criteria.push(json!({
            "kind": "Parser",
            "contentId": v("parserContentId"),
            "version": v("parserVersion"),
        }));
        let search = |level: Level| {
            self.lit_value(
                json!({
                    "eTag": "*",
                    "displayName": parser.title,
                    "category": parser.category,
                    "functionAlias": parser.function_name,
                    "query": parser.query,
                    "functionParameters": parser.function_parameters(),
                    "version": 2,
                    "tags": [{"name": "description", "value": parser.description}],
                }),
                level,
            )
        };
        let parent_id = format!(
            "[resourceId('Microsoft.OperationalInsights/workspaces/savedSearches', parameters('workspace'), '{name}')]"
        );
        let metadata_name = format!(
            "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat('Parser-', last(split(variables('{obj}')._parserId{n},'/'))))]"
        );
        let inner_level = Level::ContentTemplate;
        let metadata_properties = |level: Level| {
            self.metadata_properties(
                None,
                parent_id.clone(),
                v("parserContentId"),
                "Parser",
                v("parserVersion"),
                level,
            )
        };
        let mut inner_properties = metadata_properties(inner_level);
        // Inside the template the packager writes the source's members in another order.
        inner_properties.insert(
            "source".into(),
            json!({
                "name": self.lit(&s.name, inner_level),
                "kind": "Solution",
                "sourceId": var("_solutionId"),
            }),
        );
        let inner = vec![
            json!({
                "name": v("_parserName"),
                "apiVersion": self.input.api.saved_searches,
                "type": "Microsoft.OperationalInsights/workspaces/savedSearches",
                "location": "[parameters('workspace-location')]",
                "properties": search(inner_level),
            }),
            json!({
                "type": "Microsoft.OperationalInsights/workspaces/providers/metadata",
                "apiVersion": self.input.api.metadata,
                "name": metadata_name,
                "dependsOn": [v("_parserId")],
                "properties": inner_properties,
            }),
        ];
        let product = content_product_id(
            "pr",
            "Parser",
            &format!("variables('{obj}').parserContentId{n}"),
            &format!("'{}'", self.q(&version)),
        );
        acc.resources.push(self.content_item_template(
            v("parserTemplateSpecName"),
            format!(
                "{} Data Parser with template version {}",
                leaf_base(&parser.file),
                s.version
            ),
            &v("parserVersion"),
            inner,
            v("parserContentId"),
            "Parser",
            self.lit(&parser.title, Level::Install),
            product,
            v("parserVersion"),
        ));
        let level = Level::Install;
        acc.resources.push(json!({
            "type": "Microsoft.OperationalInsights/workspaces/savedSearches",
            "apiVersion": self.input.api.saved_searches,
            "name": v("_parserName"),
            "location": "[parameters('workspace-location')]",
            "properties": search(level),
        }));
        acc.resources.push(json!({
            "type": "Microsoft.OperationalInsights/workspaces/providers/metadata",
            "apiVersion": self.input.api.metadata,
            "location": "[parameters('workspace-location')]",
            "name": metadata_name,
            "dependsOn": [v("_parserId")],
            "properties": metadata_properties(level),
        }));
    }

    /// Workbook `n`.
    pub(super) fn workbook(&self, wb: &Workbook, n: usize, acc: &mut Acc) {
        let s = self.input.solution;
        let level = Level::ContentTemplate;
        let title = wb.meta("title");
        let description = wb.meta("description");
        acc.parameters.insert(
            format!("workbook{n}-name"),
            json!({
                "type": "string",
                "defaultValue": self.lit(&title, Level::Install),
                "minLength": 1,
                "metadata": { "description": "Name for the workbook" }
            }),
        );
        let serialized = serialized_data(&wb.data);
        if serialized.contains("[variables('TemplateEmptyObject')]")
            && !acc.variables.contains_key("TemplateEmptyObject")
        {
            acc.variables
                .insert("TemplateEmptyObject".into(), json!("[json('{}')]"));
        }
        let version = wb.meta("version");
        acc.variables
            .insert(format!("workbookVersion{n}"), json!(version));
        acc.variables.insert(
            format!("workbookContentId{n}"),
            json!(self.lit(&wb.meta("workbookKey"), Level::Install)),
        );
        acc.variables.insert(
            format!("workbookId{n}"),
            json!(format!(
                "[resourceId('Microsoft.Insights/workbooks', variables('workbookContentId{n}'))]"
            )),
        );
        acc.variables.insert(
            format!("workbookTemplateSpecName{n}"),
            json!(template_spec_name(
                "wb",
                &format!("variables('_workbookContentId{n}')")
            )),
        );
        acc.variables.insert(
            format!("_workbookContentId{n}"),
            json!(format!("[variables('workbookContentId{n}')]")),
        );
        acc.criteria.push(json!({
            "kind": "Workbook",
            "contentId": format!("[variables('_workbookContentId{n}')]"),
            "version": format!("[variables('workbookVersion{n}')]"),
        }));
        if !acc.variables.contains_key("workspaceResourceId") {
            acc.variables.insert(
                "workspaceResourceId".into(),
                json!("[resourceId('microsoft.OperationalInsights/Workspaces', parameters('workspace'))]"),
            );
        }
        acc.variables.insert(
            format!("_workbookcontentProductId{n}"),
            json!(content_product_id(
                "wb",
                "Workbook",
                &format!("variables('_workbookContentId{n}')"),
                &format!("variables('workbookVersion{n}')"),
            )),
        );
        let workbook = json!({
            "type": "Microsoft.Insights/workbooks",
            "name": format!("[variables('workbookContentId{n}')]"),
            "location": "[parameters('workspace-location')]",
            "kind": "shared",
            "apiVersion": self.input.api.workbooks,
            "metadata": { "description": self.lit(&description, level) },
            "properties": {
                "displayName": format!("[parameters('workbook{n}-name')]"),
                "serializedData": serialized,
                "version": "1.0",
                "sourceId": var("workspaceResourceId"),
                "category": "sentinel",
            }
        });
        let mut criteria = Vec::new();
        for t in wb.meta_list("dataTypesDependencies") {
            criteria.push(json!({"contentId": self.lit(&t, level), "kind": "DataType"}));
        }
        for c in wb.meta_list("dataConnectorsDependencies") {
            criteria.push(json!({"contentId": self.lit(&c, level), "kind": "DataConnector"}));
        }
        let meta_description = match self.compat() {
            // `"$dependencies.description"` interpolates the whole entry, then `.description`.
            Compat::Official => format!("{}.description", ps_object_text(&wb.metadata)),
            Compat::Ccfgen => description.clone(),
        };
        let mut props = self.metadata_properties(
            Some(self.lit(&meta_description, level)),
            format!("[variables('workbookId{n}')]"),
            format!("[variables('_workbookContentId{n}')]"),
            "Workbook",
            format!("[variables('workbookVersion{n}')]"),
            level,
        );
        for key in ["previewImages", "previewImagesDark"] {
            if let Some(v) = wb.metadata.get(key) {
                props.insert(key.into(), self.lit_value(v.clone(), level));
            }
        }
        if !criteria.is_empty() {
            props.insert(
                "dependencies".into(),
                json!({"operator": "AND", "criteria": criteria}),
            );
        }
        let metadata = self.metadata_resource(
            format!("[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat('Workbook-', last(split(variables('workbookId{n}'),'/'))))]"),
            props,
        );
        acc.resources.push(self.content_item_template(
            format!("[variables('workbookTemplateSpecName{n}')]"),
            format!(
                "{} Workbook with template version {}",
                wb.file_key(),
                s.version
            ),
            &format!("[variables('workbookVersion{n}')]"),
            vec![workbook, metadata],
            format!("[variables('_workbookContentId{n}')]"),
            "Workbook",
            format!("[parameters('workbook{n}-name')]"),
            format!("[variables('_workbookcontentProductId{n}')]"),
            format!("[variables('workbookVersion{n}')]"),
        ));
    }

    /// Watchlist `n` (1-based), as `GenerateWatchList` emits it: variables `<displayName>`
    /// and `_<displayName>`, the `watchlistN-id` parameter (default: the alias), the file's
    /// watchlist resource itself at the top level of the template (its `name` replaced by the
    /// parameter), and a `Watchlist` dependency at the solution's version. No content template
    /// and no metadata resource.
    pub(super) fn watchlist(&self, w: &Watchlist, n: usize, acc: &mut Acc) {
        let s = self.input.solution;
        let level = Level::Install;
        let name = &w.display_name;
        acc.variables
            .insert(name.clone(), json!(self.lit(name, level)));
        acc.variables.insert(
            format!("_{name}"),
            json!(format!("[variables('{}')]", self.q(name))),
        );
        acc.criteria.push(json!({
            "kind": "Watchlist",
            "contentId": format!("[variables('_{}')]", self.q(name)),
            "version": s.version,
        }));
        acc.parameters.insert(
            format!("watchlist{n}-id"),
            json!({
                "type": "string",
                "defaultValue": self.lit(&w.alias, level),
                "minLength": 1,
                "metadata": { "description": "Unique id for the watchlist" }
            }),
        );
        let mut resource = w.resource.clone();
        let id = json!(format!(
            "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',parameters('watchlist{n}-id'))]"
        ));
        match resource.get_mut("name") {
            Some(v) => *v = id,
            None => {
                resource.insert("name".into(), id);
            }
        }
        if let Some(props) = resource.get_mut("properties") {
            *props = self.lit_value(props.clone(), level);
        }
        let mut resource = Value::Object(resource);
        if self.compat() == Compat::Ccfgen {
            // The repo's watchlist template has `"kind": ""` and `"labels": []`: blanks that
            // arm-ttk rejects ("Template Should Not Contain Blanks").
            drop_blanks(&mut resource);
        }
        acc.resources.push(resource);
    }
}

/// Removes, at every depth, the object members whose value is blank for arm-ttk: `null`,
/// `""`, `[]` or `{}` (after their own blanks are removed).
fn drop_blanks(value: &mut Value) {
    match value {
        Value::Object(map) => {
            for v in map.values_mut() {
                drop_blanks(v);
            }
            map.retain(|_, v| !is_blank(v));
        }
        Value::Array(items) => items.iter_mut().for_each(drop_blanks),
        _ => {}
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(m) => m.is_empty(),
        _ => false,
    }
}

/// The name of a content item's template spec: `-<abbr>-` and a `uniquestring` of `seed` (an
/// ARM expression) after the workspace name.
fn template_spec_name(abbr: &str, seed: &str) -> String {
    format!(
        "[concat(parameters('workspace'),'/Microsoft.SecurityInsights/',concat(parameters('workspace'),'-{abbr}-',uniquestring({seed})))]"
    )
}

/// A content item's `contentProductId`: the solution id (50 characters at most), `abbr`, and a
/// `uniqueString` of the solution id, `kind`, the content id and the version (`id` and
/// `version` are ARM expressions).
fn content_product_id(abbr: &str, kind: &str, id: &str, version: &str) -> String {
    format!(
        "[concat(take(variables('_solutionId'),50),'-','{abbr}','-', uniqueString(concat(variables('_solutionId'),'-','{kind}','-',{id},'-', {version})))]"
    )
}

/// A rule's description as packaged: trailing whitespace trimmed, the surrounding quotes of
/// the YAML convention (`'text'`) removed. The packager drops the first and last character
/// whenever the text starts with a quote; ccfgen only removes a matching pair.
pub fn rule_description(text: &str, compat: Compat) -> String {
    let t = text.trim_end();
    let starts = t.starts_with('\'') || t.starts_with('"');
    match compat {
        Compat::Official if starts => {
            let chars: Vec<char> = t.chars().collect();
            chars[1..chars.len().saturating_sub(1).max(1)]
                .iter()
                .collect()
        }
        Compat::Ccfgen if starts && t.len() >= 2 && t.ends_with(&t[..1]) => {
            t[1..t.len() - 1].to_string()
        }
        _ => t.to_string(),
    }
}

/// The hunting query description tag: trimmed, a leading and a trailing `'` removed (each on
/// its own, as the packager does).
pub fn hunting_description(description: Option<&str>) -> Option<String> {
    let d = description.filter(|d| !d.is_empty())?.trim();
    let d = d.strip_prefix('\'').unwrap_or(d);
    let d = d.strip_suffix('\'').unwrap_or(d);
    Some(d.to_string())
}

/// `checkISO8601Format` of an upper-cased `5m`/`1h`/`1d`: `P1D` when it holds a `D`, else `PT5M`.
fn iso8601(value: Option<&str>) -> String {
    let f = value.unwrap_or_default().to_uppercase();
    if f.contains('D') {
        format!("P{f}")
    } else {
        format!("PT{f}")
    }
}

/// The long name of a trigger operator (property names compare case-insensitively).
fn trigger_operator(op: &str) -> Option<&'static str> {
    match op.to_ascii_lowercase().as_str() {
        "gt" | "greaterthan" => Some("GreaterThan"),
        "lt" | "lessthan" => Some("LessThan"),
        "eq" | "equal" => Some("Equal"),
        "ne" | "notequal" => Some("NotEqual"),
        _ => None,
    }
}

/// A workbook as the packager embeds it (`removePropertiesRecursively $data $true |
/// ConvertTo-Json -Compress | Out-String`): null members, empty lists and empty objects
/// removed (an empty `dataSources` object becomes `[variables('TemplateEmptyObject')]`), JSON
/// `query` texts re-serialized the same way, compact JSON with a final newline.
pub fn serialized_data(workbook: &Value) -> String {
    let mut v = workbook.clone();
    strip(&mut v);
    let mut text = compact(&v);
    text.push('\n');
    text
}

fn strip(v: &mut Value) {
    match v {
        Value::Object(map) => {
            let keys: Vec<String> = map.keys().cloned().collect();
            for key in keys {
                let Some(val) = map.get_mut(&key) else {
                    continue;
                };
                match val {
                    Value::Null => {
                        map.shift_remove(&key);
                    }
                    Value::Array(items) if items.is_empty() => {
                        map.shift_remove(&key);
                    }
                    Value::Array(items) => items.iter_mut().for_each(strip),
                    Value::Object(inner) if inner.is_empty() => {
                        if key == "dataSources" {
                            *val = json!("[variables('TemplateEmptyObject')]");
                        } else {
                            map.shift_remove(&key);
                        }
                    }
                    Value::Object(_) => {
                        strip(val);
                        if val.as_object().is_some_and(Map::is_empty) {
                            map.shift_remove(&key);
                        }
                    }
                    Value::String(s) if key == "query" => {
                        if let Ok(mut parsed) = serde_json::from_str::<Value>(s) {
                            if let Value::Object(m) = &mut parsed {
                                m.retain(|_, x| !(x.is_null() || x.as_str() == Some("[]")));
                            }
                            let mut text = compact(&parsed);
                            text.push('\n');
                            *s = text;
                        }
                    }
                    _ => {}
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(strip),
        _ => {}
    }
}

/// Compact JSON as `ConvertTo-Json -Compress` writes it (U+0085/U+2028/U+2029 escaped).
fn compact(v: &Value) -> String {
    let text = serde_json::to_string(v).unwrap_or_default();
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{0085}' | '\u{2028}' | '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_operators_follow_the_packager() {
        assert_eq!(iso8601(Some("5m")), "PT5M");
        assert_eq!(iso8601(Some("1d")), "P1D");
        assert_eq!(iso8601(Some("14d")), "P14D");
        assert_eq!(trigger_operator("gt"), Some("GreaterThan"));
        assert_eq!(trigger_operator("GT"), Some("GreaterThan"));
        assert_eq!(trigger_operator("bigger"), None);
    }

    #[test]
    fn workbooks_lose_empty_members_and_gain_a_newline() {
        let wb = json!({"version": "Notebook/1.0", "items": [{"a": null, "b": [], "c": {}, "d": {"e": null}, "query": "{\"x\":null,\"y\":\"[]\",\"z\":1}"}], "fallbackResourceIds": [], "dataSources": {}});
        assert_eq!(
            serialized_data(&wb),
            "{\"version\":\"Notebook/1.0\",\"items\":[{\"query\":\"{\\\"z\\\":1}\\n\"}],\"dataSources\":\"[variables('TemplateEmptyObject')]\"}\n"
        );
    }

    #[test]
    fn hunting_descriptions_lose_their_quotes() {
        assert_eq!(
            hunting_description(Some("'Finds x.'\n")).as_deref(),
            Some("Finds x.")
        );
        assert_eq!(hunting_description(None), None);
    }
}
