//! Kusto keyword tables: which words the lexer treats as keywords, and which of those may still be
//! used as plain names (checked against Kusto.Language 12.4.1 with the oracle).

/// Every keyword text of Kusto.Language (case-sensitive), including dashed and multi-word ones.
/// The lexer takes the longest keyword that is not followed by an identifier character.
pub(crate) const KEYWORDS: &[&str] = &[
    "__crossCluster", "__crossDB", "__id", "__isFuzzy", "__noWithSource", "__packedColumn",
    "__sourceColumnIndex", "3Dchart", "access", "accumulate", "alias", "and", "anomalychart",
    "areachart", "as", "asc", "assert-schema", "bagexpansion", "barchart", "between", "bin",
    "bin_legacy", "by", "cachingpolicy", "callout", "cancel", "card", "columnchart",
    "commands-and-queries", "consume", "contains", "containscs", "contains_cs",
    "__contextual_datatable", "count", "cycles", "database", "dataexport", "datascope",
    "datatable", "declare", "decodeblocks", "default", "desc", "distinct", "edges", "earliest",
    "endswith", "endswith_cs", "encodingpolicy", "entity_group", "evaluate", "__executeAndCache",
    "expandoutput", "extend", "extent_tags_retention", "externaldata", "external_data",
    "dataformat", "inline_external_table", "datetime_pattern", "facet", "filter", "find", "first",
    "flags", "fork", "from", "getschema", "granny-asc", "granny-desc", "graph-match",
    "graph-shortest-paths", "graph-to-table", "harddelete", "hardretention", "has_any", "has_all",
    "has", "has_cs", "hasprefix", "hasprefix_cs", "hassuffix", "hassuffix_cs", "hotcache", "id",
    "in", "in~", "invoke", "isfuzzy", "best_effort", "force_remote", "join", "journal", "kind",
    "ladderchart", "last", "latest", "let", "like", "likecs", "limit", "linechart", "lookup",
    "macro-expand", "make-graph", "graph-mark-components", "graph-where-nodes",
    "graph-where-edges", "make-series", "matches regex", "materialize",
    "materialized-view-combine", "materialized-views", "mdm", "missing", "mv-apply", "mvapply",
    "mv-expand", "mvexpand", "nodes", "nooptimization", "!between", "notcontains",
    "notcontainscs", "!contains", "!contains_cs", "!endswith", "!endswith_cs", "!has", "!has_cs",
    "!hasprefix", "!hasprefix_cs", "!hassuffix", "!hassuffix_cs", "!in", "!in~", "notlike",
    "notlikecs", "!startswith", "!startswith_cs", "null", "nulls", "of", "on", "optional", "or",
    "order", "others", "output", "pack", "parse", "parse-where", "parse-kv", "partitioned-by",
    "__partitionby", "partition", "pathformat", "pattern", "piechart", "pivotchart", "plotly",
    "graph", "print", "project", "project-away", "__projectAway", "project-by-names",
    "project-keep", "project-rename", "project-reorder", "project-smart", "queries",
    "query_parameters", "query_results", "range", "reduce", "regex", "relaxed", "render",
    "restricted_view_access", "restrict", "row_level_security", "rowstore",
    "rowstore_references", "rowstore_sealinfo", "rowstorepolicy", "rowstores", "sample",
    "sample-distinct", "scan", "scatterchart", "seal", "seals", "search", "serialize", "set",
    "set-or-append", "set-or-replace", "shards", "simple", "softdelete", "softretention", "sort",
    "sql", "stackedareachart", "startswith", "startswith_cs", "statistics", "step",
    "storedqueryresultcontainers", "summarize", "tablepurge", "take", "timechart", "timeline",
    "timepivot", "title", "to", "top", "top-hitters", "top-nested", "toscalar", "totable",
    "treemap", "typeof", "union", "unrestrictedviewers", "verbose", "view", "viewers", "views",
    "where", "with", "with_itemindex", "with_match_id", "with_source", "with_step_name",
    "with_node_id", "withsource", "writeaheadlog", "bool", "boolean", "byte", "char", "date",
    "datetime", "double", "dynamic", "float", "guid", "int", "int16", "int32", "int64", "int8",
    "long", "real", "decimal", "string", "time", "timespan", "uint", "uint16", "uint32", "uint64",
    "uint8", "ulong", "uniqueid", "uuid",
];

/// Keywords that Kusto.Language accepts as ordinary names in expressions (`project count`).
const IDENTIFIER_KEYWORDS: &[&str] = &[
    "access", "alias", "bin", "consume", "count", "database", "declare", "default", "distinct",
    "edges", "entity_group", "evaluate", "extend", "dataformat", "inline_external_table",
    "datetime_pattern", "facet", "filter", "fork", "from", "getschema", "id", "best_effort",
    "join", "kind", "let", "limit", "lookup", "mvapply", "mvexpand", "nodes", "null", "nulls",
    "on", "optional", "order", "output", "pack", "parse", "__partitionby", "partition", "pattern",
    "plotly", "graph", "query_parameters", "range", "reduce", "regex", "render", "restrict",
    "scan", "serialize", "sort", "step", "summarize", "take", "top", "typeof", "view", "with",
    "with_source", "with_node_id", "withsource", "bool", "guid", "uuid",
];

/// Keywords accepted as the declared name in `extend <kw> = ...` although they are not
/// accepted as plain names in expressions.
const DECLARATION_KEYWORDS: &[&str] = &[
    "accumulate", "as", "by", "contains", "datatable", "earliest", "externaldata", "find", "has",
    "in", "invoke", "latest", "materialize", "mdm", "of", "print", "sample", "search", "set",
    "sql", "title", "to", "toscalar", "totable", "verbose", "viewers", "where",
];

/// Keywords that name a scalar type in `typeof(...)`, parameter and column declarations.
pub(crate) fn is_type_keyword(text: &str) -> bool {
    matches!(
        text,
        "bool" | "boolean" | "date" | "datetime" | "double" | "dynamic" | "float" | "guid"
            | "int" | "int16" | "int32" | "int64" | "int8" | "long" | "real" | "decimal"
            | "string" | "time" | "timespan" | "uint" | "uint16" | "uint32" | "uint64" | "uint8"
            | "ulong" | "uniqueid" | "uuid" | "byte" | "char"
    )
}

/// True if the keyword may be used as a plain name anywhere.
pub(crate) fn keyword_is_identifier(text: &str) -> bool {
    IDENTIFIER_KEYWORDS.contains(&text)
}

/// True if the keyword may be used as a declared column name (`extend where = 1`).
pub(crate) fn keyword_is_declarable(text: &str) -> bool {
    keyword_is_identifier(text) && !matches!(text, "kind" | "with_source" | "withsource")
        || DECLARATION_KEYWORDS.contains(&text)
}
