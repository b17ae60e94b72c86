//! The accessors for reading JSON resources written by people (a missing or mistyped member
//! reads as absent or empty), used by `ccfgen import`, `ccfgen check` and the spec resolver.

use serde_json::{Map, Value};

/// Something with members: a JSON value or an object.
pub trait Members {
    /// The member `key`.
    fn member(&self, key: &str) -> Option<&Value>;
}

impl Members for Value {
    fn member(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

impl<T: Members> Members for &T {
    fn member(&self, key: &str) -> Option<&Value> {
        (**self).member(key)
    }
}

impl Members for Map<String, Value> {
    fn member(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

/// `v[key]` as an object (empty when absent or not an object).
pub fn obj(v: &impl Members, key: &str) -> Map<String, Value> {
    v.member(key)
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// `v[key]` as an array (empty when absent or not an array).
pub fn arr(v: &impl Members, key: &str) -> Vec<Value> {
    v.member(key)
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// The strings of the array `v[key]`.
pub fn strings(v: &impl Members, key: &str) -> Vec<String> {
    v.member(key)
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

/// `value` at the member path `keys` (objects only; `None` where a member is missing).
pub fn get<'v>(value: &'v Value, keys: &[&str]) -> Option<&'v Value> {
    keys.iter().try_fold(value, |v, k| v.get(*k))
}

/// The string at the member path `keys`.
pub fn get_str<'v>(value: &'v Value, keys: &[&str]) -> Option<&'v str> {
    get(value, keys).and_then(Value::as_str)
}
