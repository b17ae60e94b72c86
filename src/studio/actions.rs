//! The studio's actions: the push configuration form (check, save), "Test connection",
//! "Send sample records" and "Use the local emulator".

use hyper::{Method, StatusCode};
use serde_json::{Value, json};

use super::server::{ActionResponse, Shared, action_json};

/// Handles `/api/<rest>` requests other than the page views.
pub(crate) async fn handle(
    _shared: &Shared,
    _method: &Method,
    _rest: &[&str],
    _body: Value,
) -> ActionResponse {
    action_json(StatusCode::NOT_FOUND, &json!({"error": "not found"}))
}
