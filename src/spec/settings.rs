//! Spec keys whose default is a fixed value (it depends on no other key), each declared once:
//! its doc comment, name, type and default on one entry of [`spec_settings!`].
//!
//! The macro makes the struct (the file format: serde reads it, schemars writes its
//! description and default into `schema/ccfgen.schema.json`), its `Default`, a serializer
//! that leaves values equal to the default out (so `ccfgen import` writes only what
//! differs), [`KEYS`](crate::spec::model::ConnectorSettings::KEYS) and `reset`. The owning
//! spec struct flattens it (`#[serde(flatten)]`: the keys stay where they were in the file)
//! and the resolved model carries it unchanged, so a key declared here needs no resolver
//! code, no field in [`crate::solution`] and no entry in the import minimizer: only the
//! renderer that writes it and the importer that reads it back (docs/architecture.md, "Adding
//! a spec key").

/// Declares a settings struct: `$(/// doc)* pub name: Type = default,` per key.
macro_rules! spec_settings {
    (
        $(#[$smeta:meta])*
        pub struct $name:ident {
            $(
                $(#[$fmeta:meta])*
                pub $field:ident: $ty:ty = $default:expr,
            )*
        }
    ) => {
        $(#[$smeta])*
        #[derive(Debug, Clone, PartialEq, serde::Deserialize, schemars::JsonSchema)]
        #[serde(default)]
        pub struct $name {
            $(
                $(#[$fmeta])*
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    $($field: $default,)*
                }
            }
        }

        impl $name {
            /// The keys, in declaration order.
            pub const KEYS: &'static [&'static str] = &[$(stringify!($field)),*];

            /// Sets `key` back to its default; false when it had the default already (or is
            /// not one of [`Self::KEYS`]).
            pub fn reset(&mut self, key: &str) -> bool {
                let defaults = Self::default();
                match key {
                    $(
                        stringify!($field) => {
                            let changed = self.$field != defaults.$field;
                            self.$field = defaults.$field;
                            changed
                        }
                    )*
                    _ => false,
                }
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                use serde::ser::SerializeStruct as _;
                let defaults = Self::default();
                let mut out = serializer.serialize_struct(stringify!($name), Self::KEYS.len())?;
                $(
                    if self.$field == defaults.$field {
                        out.skip_field(stringify!($field))?;
                    } else {
                        out.serialize_field(stringify!($field), &self.$field)?;
                    }
                )*
                out.end()
            }
        }
    };
}

pub(crate) use spec_settings;

#[cfg(test)]
mod tests {
    use crate::spec::model::{
        ConnectorSettings, ConnectorSpec, Placeholders, TablePlan, TableSpec,
    };

    #[test]
    fn absent_keys_take_the_default_and_defaults_are_not_written() {
        let c: ConnectorSpec = toml::from_str("id = \"X\"\nplaceholders = \"braces\"\n").unwrap();
        assert_eq!(c.settings.dcr_destination, "clv2ws1");
        assert_eq!(c.settings.events_json_paths, ["$"]);
        assert_eq!(c.settings.placeholders, Placeholders::Braces);
        // Only what differs from the default is written back, where the file had it.
        assert_eq!(
            toml::to_string(&c).unwrap(),
            "id = \"X\"\nplaceholders = \"braces\"\n"
        );
    }

    #[test]
    fn reset_restores_one_key() {
        let mut s = ConnectorSettings {
            version: "2.0.0".into(),
            preview: true,
            ..ConnectorSettings::default()
        };
        assert!(s.reset("version"));
        assert!(!s.reset("version"), "already the default");
        assert!(!s.reset("no_such_key"));
        assert_eq!(s.version, "1.0.0");
        assert!(s.preview);
        assert_eq!(ConnectorSettings::KEYS.first(), Some(&"definition_file"));
        assert!(ConnectorSettings::KEYS.contains(&"preview"));
    }

    #[test]
    fn table_keys_sit_among_the_table_keys() {
        let text =
            "name = \"A_CL\"\nplan = \"Analytics\"\nretention_in_days = 30\nfile = \"a.json\"\n";
        let mut t: TableSpec = toml::from_str(text).unwrap();
        assert_eq!(t.settings.plan, TablePlan::Analytics);
        assert_eq!(t.settings.retention_in_days, Some(30));
        assert_eq!(t.settings.description, None);
        assert_eq!(t.file.as_deref(), Some("a.json"));
        // The default plan is not written back; the rest is, in the file's order.
        assert_eq!(
            toml::to_string(&t).unwrap(),
            "name = \"A_CL\"\nretention_in_days = 30\nfile = \"a.json\"\n"
        );
        assert!(t.settings.reset("retention_in_days"));
        assert_eq!(t.settings.retention_in_days, None);
    }
}
