//! `table.json`: the custom Log Analytics table.

use serde_json::{Map, Value, json};

use super::api::ApiVersionSet;
use crate::solution::Table;

/// The table resource as it sits in the connector folder.
pub fn table_resource(table: &Table, api: &ApiVersionSet) -> Value {
    json!({
        "name": table.name,
        "type": "Microsoft.OperationalInsights/workspaces/tables",
        "apiVersion": api.tables,
        "properties": table_properties(table),
    })
}

/// The table's `properties` (also embedded in the package).
pub fn table_properties(table: &Table) -> Value {
    let mut schema = Map::new();
    schema.insert("name".into(), json!(table.name));
    if let Some(d) = &table.settings.description {
        schema.insert("description".into(), json!(d));
    }
    let columns: Vec<Value> = table
        .table_columns()
        .map(|(c, ty)| {
            let mut col = Map::new();
            col.insert("name".into(), json!(c.name));
            col.insert("type".into(), json!(ty.as_str()));
            if let Some(d) = &c.description {
                col.insert("description".into(), json!(d));
            }
            if let Some(d) = &c.display_name {
                col.insert("displayName".into(), json!(d));
            }
            if let Some(h) = &c.data_type_hint {
                col.insert("dataTypeHint".into(), json!(h));
            }
            if let Some(b) = c.is_default_display {
                col.insert("isDefaultDisplay".into(), json!(b));
            }
            if let Some(b) = c.is_hidden {
                col.insert("isHidden".into(), json!(b));
            }
            Value::Object(col)
        })
        .collect();
    schema.insert("columns".into(), Value::Array(columns));
    for (k, v) in &table.schema_extra {
        schema.insert(k.clone(), v.clone());
    }
    let mut props = Map::new();
    if let Some(plan) = table.settings.plan.as_str() {
        props.insert("plan".into(), json!(plan));
    }
    props.insert("schema".into(), Value::Object(schema));
    if let Some(d) = table.settings.retention_in_days {
        props.insert("retentionInDays".into(), json!(d));
    }
    if let Some(d) = table.settings.total_retention_in_days {
        props.insert("totalRetentionInDays".into(), json!(d));
    }
    Value::Object(props)
}
