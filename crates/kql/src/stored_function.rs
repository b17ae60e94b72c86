//! A stored function (a parser or workspace function) as the analyser reads it: what a
//! [`crate::Database`] holds and what the bundled catalogue's ASIM parsers are.

/// A stored function: a parser or workspace function, declared the way Kusto declares
/// database functions (parameter list in declaration syntax, body text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredFunction {
    /// The function name (`GambitPoliciesIssues`, `_Im_Dns`).
    pub name: String,
    /// The parameter list as written in Kusto (`()`, `(starttime:datetime=datetime(null))`).
    pub parameters: String,
    /// The body (with or without the enclosing braces).
    pub body: String,
    /// `(parameters) { body }`: the text the analyser parses.
    pub(crate) decl_text: String,
}

impl StoredFunction {
    /// A function from its name, parameter list and body.
    pub fn new(name: impl Into<String>, parameters: &str, body: &str) -> StoredFunction {
        let parameters = if parameters.trim().is_empty() {
            "()".to_string()
        } else {
            parameters.trim().to_string()
        };
        let trimmed = body.trim();
        let decl_text = if trimmed.starts_with('{') {
            format!("{parameters} {trimmed}")
        } else {
            format!("{parameters} {{ {trimmed} }}")
        };
        StoredFunction {
            name: name.into(),
            parameters,
            body: body.to_string(),
            decl_text,
        }
    }
}
