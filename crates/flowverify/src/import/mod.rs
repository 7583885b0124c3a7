//! Import: recognise the shape of a pasted JSON document, without being told, and turn it into
//! the model.
//!
//! Every shape Azure tools emit is read, property names in any case and unknown properties
//! ignored: REST bodies, `az` output (flattened), PowerShell `ConvertTo-Json` output
//! (PascalCase, list-valued fields), ARM templates (inline and child rule resources, simple
//! template expressions evaluated), the `x-ms-examples` envelope of the Azure REST specs, and
//! `{value: [...]}` lists. What cannot be understood is an [`InputError`] naming the place
//! and quoting the value; nothing is silently skipped.
//!
//! ```
//! use flowverify::import::{import, Content};
//! let doc = import("nsg.json", r#"{
//!   "name": "nsg-web", "type": "Microsoft.Network/networkSecurityGroups",
//!   "securityRules": [{ "name": "AllowHttps", "priority": 100, "direction": "Inbound",
//!     "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "Internet",
//!     "sourcePortRange": "*", "destinationAddressPrefix": "*", "destinationPortRange": "443" }]
//! }"#).unwrap();
//! assert_eq!(doc.describe(), "az CLI NSG nsg-web: 1 rule + 6 default (added)");
//! let Content::Nsg(nsg) = doc.content() else { panic!() };
//! assert_eq!(nsg.rules.len(), 7);
//! ```

use std::fmt;

use serde_json::Value;

use crate::error::{InputError, Place};
use crate::model::{AdminConfiguration, EffectiveRules, NetworkInterface, Nsg};
use crate::tags::ServiceTags;

mod admin;
mod arm;
mod defaults;
mod detect;
mod effective;
mod json;
mod nic;
mod nsg;
mod rule;
mod service_tags;

pub use service_tags::TagsFormat;

/// What a document holds, in the model's terms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// One network security group.
    Nsg(Nsg),
    /// One security admin configuration (the rules of all collections in the document).
    AdminRules(AdminConfiguration),
    /// Effective security rules of a network interface.
    EffectiveRules(EffectiveRules),
    /// A network interface: IPs and ASG membership.
    NetworkInterface(NetworkInterface),
    /// Service tags.
    ServiceTags(ServiceTags),
}

/// Which tool a document came from, as its shape tells.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Origin {
    /// A REST API response body (resources keep their settings in `properties`).
    Rest,
    /// The body of an `x-ms-examples` file of the Azure REST API specs.
    RestExample,
    /// Azure CLI output (`properties` flattened into the resource).
    AzCli,
    /// PowerShell `ConvertTo-Json` output (PascalCase).
    PowerShell,
    /// An ARM template, or ARM resources.
    ArmTemplate,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Origin::Rest => "REST",
            Origin::RestExample => "REST example",
            Origin::AzCli => "az CLI",
            Origin::PowerShell => "PowerShell",
            Origin::ArmTemplate => "ARM template",
        })
    }
}

/// The recognised shape of a document: what it is and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// A network security group.
    Nsg(Origin),
    /// AVNM security admin rules.
    AdminRules(Origin),
    /// The effective security admin rules of a virtual network
    /// (`listNetworkManagerEffectiveSecurityAdminRules`).
    EffectiveAdminRules(Origin),
    /// Effective security rules of a network interface.
    EffectiveRules(Origin),
    /// A network interface.
    NetworkInterface(Origin),
    /// A service tags file or discovery API response.
    ServiceTags(TagsFormat),
}

impl fmt::Display for Shape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Shape::Nsg(o) => write!(f, "{o} NSG"),
            Shape::AdminRules(o) => write!(f, "{o} AVNM admin rules"),
            Shape::EffectiveAdminRules(o) => write!(f, "{o} AVNM effective admin rules"),
            Shape::EffectiveRules(o) => write!(f, "{o} effective security rules"),
            Shape::NetworkInterface(o) => write!(f, "{o} network interface"),
            Shape::ServiceTags(TagsFormat::Download) => f.write_str("service tags file"),
            Shape::ServiceTags(TagsFormat::DiscoveryApi) => {
                f.write_str("service tags (discovery API)")
            }
        }
    }
}

/// An imported document: where it came from, its recognised shape, and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Document {
    source: String,
    shape: Shape,
    description: String,
    content: Content,
    warnings: Vec<String>,
}

impl Document {
    /// The file or slot name it was imported from.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// What it is, in words, e.g. `az CLI NSG nsg-web: 12 rules + 6 default`,
    /// `AVNM admin rules cfg: 3 rules in 2 collections`, `service tags (Public, 5 tags)`.
    pub fn describe(&self) -> String {
        self.description.clone()
    }

    /// Its recognised shape.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// What the import accepted but that is probably not meant (e.g. a rule that sets no
    /// source at all and so matches any, a document beyond Azure's limits), each as
    /// `SOURCE: PLACE: message`: the document's own warnings, then its rules' (which verdicts
    /// repeat only when they consider the rule).
    pub fn warnings(&self) -> Vec<String> {
        let mut all = self.warnings.clone();
        let rules: Vec<&crate::model::Rule> = match &self.content {
            Content::Nsg(nsg) => nsg.rules.iter().collect(),
            Content::AdminRules(cfg) => cfg.rules.iter().collect(),
            Content::EffectiveRules(eff) => eff
                .admin
                .iter()
                .flat_map(|a| &a.rules)
                .chain(eff.subnet.iter().flat_map(|n| &n.rules))
                .chain(eff.nic.iter().flat_map(|n| &n.rules))
                .collect(),
            Content::NetworkInterface(_) | Content::ServiceTags(_) => Vec::new(),
        };
        for rule in rules {
            for w in &rule.warnings {
                if !all.contains(w) {
                    all.push(w.clone());
                }
            }
        }
        all
    }

    /// The warnings about the document as a whole (not about one rule): every verdict on
    /// inputs that hold the document repeats them.
    pub fn document_warnings(&self) -> &[String] {
        &self.warnings
    }

    /// Its content.
    pub fn content(&self) -> &Content {
        &self.content
    }

    /// Its content, by value.
    pub fn into_content(self) -> Content {
        self.content
    }
}

/// Imports a document from its text; `source` names it in errors.
///
/// JSON syntax errors are reported at their line and column. A byte order mark is ignored, and
/// `//` and `/* */` comments (which ARM template files may have) are accepted.
///
/// ```
/// use flowverify::import::import;
/// use flowverify::Place;
/// let err = import("nsg.json", "{\n  \"name\": \"x\"\n  \"type\": 1\n}").unwrap_err();
/// assert_eq!(err.place(), &Place::LineColumn { line: 3, column: 3 });
/// assert!(err.message().starts_with("expected `,` or `}`"));
/// ```
pub fn import(source: &str, text: &str) -> Result<Document, InputError> {
    let value = crate::json_text::read(
        source,
        text,
        &format!("the document is empty; paste {EXPECTED_PASTE}"),
    )?;
    import_value(source, &value)
}

/// Imports a document that is already JSON (e.g. a slot of a scenario document).
///
/// ```
/// use flowverify::import::{import_value, Content};
/// let value = serde_json::json!({"changeNumber": 1, "cloud": "Public", "values": [
///     {"name": "Storage.WestUS", "id": "Storage.WestUS",
///      "properties": {"addressPrefixes": ["20.60.0.0/16"]}}]});
/// let doc = import_value("tags.json", &value).unwrap();
/// assert_eq!(doc.describe(), "service tags (Public, 1 tag)");
/// assert!(matches!(doc.content(), Content::ServiceTags(_)));
/// ```
pub fn import_value(source: &str, value: &Value) -> Result<Document, InputError> {
    if let Some(twins) = crate::json_text::case_duplicate(value) {
        let place = if twins.path.is_empty() {
            Place::Whole
        } else {
            Place::Path(twins.path.clone())
        };
        let message = twins.message().replace(" here)", ")");
        return Err(InputError::new(source, place, message));
    }
    let ctx = json::Ctx::new(source);
    let recognised = detect::recognise(&ctx, value)?;
    Ok(Document {
        source: source.to_string(),
        shape: recognised.shape,
        description: recognised.description,
        content: recognised.content,
        warnings: ctx.take_warnings(),
    })
}

const EXPECTED_PASTE: &str = "a JSON document: an NSG, AVNM security admin rules, effective \
                              security rules, a network interface or service tags";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_and_whitespace() {
        for text in ["", "   \n\t", "\u{feff}"] {
            let e = import("a.json", text).unwrap_err();
            assert_eq!(e.place(), &Place::Whole);
            assert!(e.message().starts_with("the document is empty"), "{e}");
        }
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let e = import("a.json", "{\n  \"a\": 1\n  \"b\": 2\n}").unwrap_err();
        assert_eq!(e.place(), &Place::LineColumn { line: 3, column: 3 });
        assert_eq!(e.message(), "expected `,` or `}` near '\"b\": 2'");
        assert_eq!(
            e.to_string(),
            "a.json: line 3, column 3: expected `,` or `}` near '\"b\": 2'"
        );
        let e = import("a.json", "{\"a\": [1, 2").unwrap_err();
        assert!(
            e.message()
                .starts_with("the text ends too early while parsing"),
            "{e}"
        );
        let e = import("a.json", "param nsgName string").unwrap_err();
        assert!(e.message().contains("Bicep"), "{e}");
        let e = import("a.json", "Name    Priority\n------  --------\nx       100").unwrap_err();
        assert!(e.message().contains("--output json"), "{e}");
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_crash() {
        let text = "[".repeat(100_000);
        let e = import("deep.json", &text).unwrap_err();
        assert!(matches!(e.place(), Place::LineColumn { line: 1, .. }));
        assert!(e.message().contains("nested too deeply"), "{e}");
        let text = "{\"a\":".repeat(50_000);
        let e = import("deep.json", &text).unwrap_err();
        assert!(e.message().contains("nested too deeply"), "{e}");
    }

    #[test]
    fn comments_are_accepted() {
        let text = "// an ARM template\n{ /* c */ \"changeNumber\": 1, \"cloud\": \"Public\", \"values\": [\n {\"name\": \"a//b\", \"properties\": {\"addressPrefixes\": []}} ] }";
        let doc = import("c.json", text).unwrap();
        assert_eq!(doc.describe(), "service tags (Public, 1 tag)");
    }

    #[test]
    fn scalars_are_not_documents() {
        let e = import("a.json", "42").unwrap_err();
        assert!(e.message().contains("but found a number '42'"), "{e}");
        let e = import("a.json", "[]").unwrap_err();
        assert!(e.message().contains("the list is empty"), "{e}");
    }
}
