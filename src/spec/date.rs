//! Dates in the spec: written either as TOML dates (`2025-11-06`) or strings (`"2025-11-06"`),
//! kept as `YYYY-MM-DD` strings (validated later, with a location).

use serde::{Deserialize, Deserializer, Serializer};

/// Deserializes a TOML date or a string into a string.
pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<String, D::Error> {
    match toml::Value::deserialize(deserializer)? {
        toml::Value::String(s) => Ok(s),
        toml::Value::Datetime(d) => Ok(d.to_string()),
        other => Err(serde::de::Error::custom(format!(
            "expected a date like 2025-11-06, found {}",
            other.type_str()
        ))),
    }
}

/// Serializes the date string as a string.
pub fn serialize<S: Serializer>(value: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(value)
}

/// The same for optional dates.
pub mod option {
    use serde::{Deserializer, Serializer};

    /// Deserializes an optional TOML date or string.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<String>, D::Error> {
        super::deserialize(deserializer).map(Some)
    }

    /// Serializes an optional date string.
    pub fn serialize<S: Serializer>(
        value: &Option<String>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        match value {
            Some(v) => serializer.serialize_str(v),
            None => serializer.serialize_none(),
        }
    }
}
