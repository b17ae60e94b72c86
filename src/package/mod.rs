//! The deployable Content Hub package, as the official packager (`createSolutionV3.ps1`)
//! builds it, without PowerShell: `Package/mainTemplate.json`, `Package/createUiDefinition.json`,
//! `Package/testParameters.json` and `Package/<version>.zip` (packaging.md §2–§9).
//!
//! Two modes ([`Compat`]): ccfgen's package (default), the official layout with the packager's
//! flaws fixed, each listed in docs/package.md; and `official`, the official bytes, flaws
//! included, for a zero diff against an existing package.

pub mod archive;
pub mod checks;
pub mod description;
pub mod differences;
pub mod escape;
pub mod json;
pub mod main_template;
pub mod ui_definition;

use serde_json::Value;

use crate::render::api::ApiVersionSet;
use crate::solution::{Compat, Solution};
use crate::templates::TemplateError;

/// The folder the package files go to, relative to the solution folder.
pub const PACKAGE_DIR: &str = "Package";

/// The three JSON files of a package.
#[derive(Debug, Clone, PartialEq)]
pub struct Package {
    /// `mainTemplate.json`.
    pub main_template: Value,
    /// `createUiDefinition.json`.
    pub create_ui_definition: Value,
    /// `testParameters.json`: the template's parameter definitions (what the packager writes).
    pub test_parameters: Value,
    /// The zip name: `<version>.zip`.
    pub zip_name: String,
}

/// Rendering the package failed.
#[derive(Debug, thiserror::Error)]
pub enum PackageError {
    /// A text template failed.
    #[error(transparent)]
    Template(#[from] TemplateError),
    /// The zip could not be built.
    #[error(transparent)]
    Archive(#[from] archive::ArchiveError),
}

/// The parameters of a `mainTemplate.json` a deployment must give a value for (those whose
/// `defaultValue` is empty), in the template's order.
pub fn required_parameters(main_template: &Value) -> Vec<&str> {
    main_template
        .get("parameters")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, p)| p.get("defaultValue").and_then(Value::as_str) == Some(""))
        .map(|(name, _)| name.as_str())
        .collect()
}

/// Builds the package of `solution` in the given mode.
pub fn build(solution: &Solution, compat: Compat) -> Result<Package, PackageError> {
    let counts = main_template::counts(solution);
    let logo = solution.logo.as_ref().map(|l| l.html());
    let text = description::render(
        &description::DescriptionInput {
            name: &solution.name,
            description: &solution.description,
            logo: logo.as_deref(),
            counts: &counts,
        },
        compat,
    )?;
    let mut main_template = main_template::main_template(&main_template::TemplateInput {
        solution,
        compat,
        api: ApiVersionSet::of(solution.api_versions),
        description_html: &text.html,
    })?;
    if compat == Compat::Ccfgen {
        secure_secret_parameters(&mut main_template);
    }
    let create_ui_definition =
        ui_definition::create_ui_definition(solution, &text.markdown, compat)?;
    let test_parameters = main_template["parameters"].clone();
    Ok(Package {
        main_template,
        create_ui_definition,
        test_parameters,
        zip_name: format!("{}.zip", solution.version),
    })
}

impl Package {
    /// The package files (relative to the solution folder) and their bytes.
    pub fn files(&self) -> Result<Vec<(String, Vec<u8>)>, PackageError> {
        let main = json::to_text(&self.main_template).into_bytes();
        let ui = json::to_text(&self.create_ui_definition).into_bytes();
        let test = json::to_text(&self.test_parameters).into_bytes();
        let zip = archive::zip(&[
            ("mainTemplate.json", &main),
            ("createUiDefinition.json", &ui),
        ])?;
        Ok(vec![
            (format!("{PACKAGE_DIR}/mainTemplate.json"), main),
            (format!("{PACKAGE_DIR}/createUiDefinition.json"), ui),
            (format!("{PACKAGE_DIR}/testParameters.json"), test),
            (format!("{PACKAGE_DIR}/{}", self.zip_name), zip),
        ])
    }

    /// The Content Hub validations on this package (empty when it passes).
    pub fn check(&self) -> Vec<checks::PackageFinding> {
        checks::check(&self.main_template, &self.create_ui_definition)
    }
}

/// Makes every secret-looking parameter (top level and in content templates) a
/// `securestring`, as `validateFieldTypes.ps1` demands.
fn secure_secret_parameters(template: &mut Value) {
    let fix = |params: Option<&mut Value>| {
        if let Some(Value::Object(map)) = params {
            for (name, p) in map.iter_mut() {
                if checks::needs_securestring(name) && p.get("type").is_some() {
                    p["type"] = Value::String("securestring".into());
                }
            }
        }
    };
    fix(template.get_mut("parameters"));
    if let Some(Value::Array(resources)) = template.get_mut("resources") {
        for r in resources {
            fix(r.pointer_mut("/properties/mainTemplate/parameters"));
        }
    }
}
