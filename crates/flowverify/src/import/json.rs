//! JSON access the way Azure tools need it: property names in any case, `properties` wrappers
//! looked through, and values described for error messages.

use serde_json::{Map, Value};

use crate::error::InputError;

/// A JSON object.
pub(crate) type Obj = Map<String, Value>;

/// Where errors go: the input's name; and what the import noticed but accepted.
#[derive(Debug)]
pub(crate) struct Ctx<'s> {
    pub source: &'s str,
    warnings: std::cell::RefCell<Vec<String>>,
}

impl<'s> Ctx<'s> {
    /// A context for the input named `source`.
    pub const fn new(source: &'s str) -> Ctx<'s> {
        Ctx {
            source,
            warnings: std::cell::RefCell::new(Vec::new()),
        }
    }

    /// Notes something accepted but probably not meant, at a path in the document.
    pub fn warn(&self, path: &str, message: impl Into<String>) {
        let text = self.warning_text(path, &message.into());
        let mut warnings = self.warnings.borrow_mut();
        if !warnings.contains(&text) {
            warnings.push(text);
        }
    }

    /// The warnings noted so far.
    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut *self.warnings.borrow_mut())
    }

    /// A mark in the warnings: what is noted after it can be taken by [`Ctx::take_since`]
    /// (a rule's own warnings travel with the rule).
    pub fn mark(&self) -> usize {
        self.warnings.borrow().len()
    }

    /// The warnings noted since `mark`, removed from the document's.
    pub fn take_since(&self, mark: usize) -> Vec<String> {
        let mut warnings = self.warnings.borrow_mut();
        let mark = mark.min(warnings.len());
        warnings.split_off(mark)
    }

    /// A warning's text at a path, as [`Ctx::warn`] writes it, for a rule built elsewhere.
    pub fn warning_text(&self, path: &str, message: &str) -> String {
        if path.is_empty() {
            format!("{}: {message}", self.source)
        } else {
            format!("{}: {path}: {message}", self.source)
        }
    }

    /// An error at a path in the document.
    pub fn err(&self, path: impl Into<String>, message: impl Into<String>) -> InputError {
        let path = path.into();
        if path.is_empty() {
            InputError::whole(self.source, message)
        } else {
            InputError::at(self.source, path, message)
        }
    }

    /// An error about the whole document.
    pub fn whole(&self, message: impl Into<String>) -> InputError {
        InputError::whole(self.source, message)
    }
}

/// Joins a path and a property: `a` + `b` = `a.b`; `` + `b` = `b`.
pub(crate) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// The property `key` in any case, with the key as the document spells it. An exact match wins.
pub(crate) fn entry<'a>(obj: &'a Obj, key: &str) -> Option<(&'a str, &'a Value)> {
    // One pass (objects are small): lengths differ for most keys, so few bytes are compared.
    let mut found = None;
    for (k, v) in obj {
        if k.len() != key.len() {
            continue;
        }
        if k == key {
            return Some((k.as_str(), v));
        }
        if found.is_none() && k.eq_ignore_ascii_case(key) {
            found = Some((k.as_str(), v));
        }
    }
    found
}

/// The property `key` in any case.
pub(crate) fn get<'a>(obj: &'a Obj, key: &str) -> Option<&'a Value> {
    entry(obj, key).map(|(_, v)| v)
}

/// Whether the object has the property `key` (any case) with a value that is not `null`.
pub(crate) fn has(obj: &Obj, key: &str) -> bool {
    get(obj, key).is_some_and(|v| !v.is_null())
}

/// The property `key` as a trimmed, non-empty string.
pub(crate) fn get_str<'a>(obj: &'a Obj, key: &str) -> Option<&'a str> {
    get(obj, key)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

/// The property `key` as an object.
pub(crate) fn get_obj<'a>(obj: &'a Obj, key: &str) -> Option<&'a Obj> {
    get(obj, key).and_then(Value::as_object)
}

/// The property `key` as an array.
pub(crate) fn get_array<'a>(obj: &'a Obj, key: &str) -> Option<&'a Vec<Value>> {
    get(obj, key).and_then(Value::as_array)
}

/// `""`, `null` and `[]` mean "not set" in Azure documents.
pub(crate) fn is_unset(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

/// The settings of a resource: its `properties` object when it has one (REST, ARM), the
/// resource itself otherwise (`az` flattened output, PowerShell).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'a> {
    outer: &'a Obj,
    inner: Option<&'a Obj>,
}

impl<'a> Fields<'a> {
    pub fn new(obj: &'a Obj) -> Fields<'a> {
        Fields {
            outer: obj,
            inner: get_obj(obj, "properties"),
        }
    }

    /// A setting, looked up in `properties` first, then at the top level; with its spelling.
    pub fn entry(&self, key: &str) -> Option<(&'a str, &'a Value)> {
        self.inner
            .and_then(|inner| entry(inner, key))
            .filter(|(_, v)| !v.is_null())
            .or_else(|| entry(self.outer, key))
    }

    /// A setting's value.
    pub fn get(&self, key: &str) -> Option<&'a Value> {
        self.entry(key).map(|(_, v)| v)
    }

    /// Whether the setting is present and not `null`.
    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some_and(|v| !v.is_null())
    }

    /// A setting as a trimmed, non-empty string.
    pub fn get_str(&self, key: &str) -> Option<&'a str> {
        self.get(key)
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
    }
}

/// The `type` of a resource, if it says.
pub(crate) fn resource_type(obj: &Obj) -> Option<&str> {
    get_str(obj, "type")
}

/// The last segment of a resource id (`/a/b/c` -> `c`), or the text when it has no slash.
pub(crate) fn last_segment(id: &str) -> &str {
    let id = id.trim().trim_end_matches('/');
    id.rsplit('/').next().unwrap_or(id)
}

/// The segment after `name` in a resource id, compared case-insensitively:
/// `.../ruleCollections/rc1/rules/r1` with `ruleCollections` gives `rc1`.
pub(crate) fn id_segment<'i>(id: &'i str, name: &str) -> Option<&'i str> {
    let mut parts = id.split('/');
    while let Some(part) = parts.next() {
        if part.eq_ignore_ascii_case(name) {
            return parts.next().filter(|s| !s.is_empty());
        }
    }
    None
}

/// The name of a resource: `name`, or the last segment of `id`.
pub(crate) fn resource_name(obj: &Obj) -> Option<&str> {
    get_str(obj, "name").or_else(|| get_str(obj, "id").map(last_segment))
}

pub(crate) use crate::error::clip;

/// A value as it appears in a message: strings quoted, numbers and literals as written,
/// arrays and objects by kind.
pub(crate) fn show(value: &Value) -> String {
    match value {
        Value::String(s) => format!("'{}'", clip(s)),
        Value::Number(n) => format!("'{n}'"),
        Value::Bool(b) => format!("'{b}'"),
        Value::Null => "null".to_string(),
        Value::Array(_) => "a list".to_string(),
        Value::Object(_) => "an object".to_string(),
    }
}

/// What kind of JSON value it is, for messages.
pub(crate) fn kind_of(value: &Value) -> &'static str {
    match value {
        Value::String(_) => "a string",
        Value::Number(_) => "a number",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

/// Names joined for a message, the list cut after a few: `a, b, c and 4 more`.
pub(crate) fn name_list<S: AsRef<str>>(names: &[S]) -> String {
    const SHOWN: usize = 5;
    let mut out = names
        .iter()
        .take(SHOWN)
        .map(|n| n.as_ref().to_string())
        .collect::<Vec<_>>()
        .join(", ");
    if names.len() > SHOWN {
        out.push_str(&format!(" and {} more", names.len() - SHOWN));
    }
    out
}

/// A count with its noun: `1 rule`, `3 rules`.
pub(crate) fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// Whether a string is a PowerShell type name left where ConvertTo-Json stopped at its depth
/// limit (`System.Collections.Generic.List`1[System.String]`).
pub(crate) fn is_powershell_truncation(text: &str) -> bool {
    let t = text.trim();
    (t.starts_with("System.Collections.") || t.starts_with("Microsoft.Azure.Commands."))
        && !t.contains(' ')
}

/// The message for a value ConvertTo-Json cut off.
pub(crate) fn powershell_truncation_message(text: &str) -> String {
    format!(
        "'{}' is a PowerShell type name, not a value: ConvertTo-Json stopped at its default depth \
         of 2; run the command again with `| ConvertTo-Json -Depth 10`",
        clip(text.trim())
    )
}

/// Whether a string is an ARM template expression (`[parameters('x')]`).
pub(crate) fn is_arm_expression(text: &str) -> bool {
    let t = text.trim();
    t.starts_with('[') && t.ends_with(']') && !t.starts_with("[[")
}

/// The message for a value that is an ARM expression FlowVerify could not evaluate.
pub(crate) fn arm_expression_message(what: &str, text: &str) -> String {
    format!(
        "{what} '{}' is an ARM template expression that cannot be evaluated offline; give the \
         parameters it uses a defaultValue, or paste the deployed resource instead (e.g. the \
         output of `az network nsg show`)",
        clip(text.trim())
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn obj(v: Value) -> Obj {
        match v {
            Value::Object(o) => o,
            _ => Obj::new(),
        }
    }

    #[test]
    fn keys_match_in_any_case_exact_first() {
        let o = obj(json!({"SecurityRules": 1, "securityrules": 2, "Name": "x"}));
        assert_eq!(get(&o, "securityrules"), Some(&json!(2)));
        assert_eq!(get(&o, "SECURITYRULES").and_then(Value::as_i64), Some(1));
        assert_eq!(get_str(&o, "name"), Some("x"));
        assert_eq!(entry(&o, "NAME").map(|(k, _)| k), Some("Name"));
        assert!(get(&o, "missing").is_none());
    }

    #[test]
    fn fields_look_in_properties_first() {
        let o =
            obj(json!({"name": "r", "priority": 1, "properties": {"priority": 2, "access": null}}));
        let f = Fields::new(&o);
        assert_eq!(f.get("priority"), Some(&json!(2)));
        assert_eq!(f.get_str("NAME"), Some("r"));
        assert!(!f.has("access"));
        let flat = obj(json!({"Priority": 7}));
        assert_eq!(Fields::new(&flat).get("priority"), Some(&json!(7)));
    }

    #[test]
    fn unset_values() {
        assert!(is_unset(&json!(null)));
        assert!(is_unset(&json!("  ")));
        assert!(is_unset(&json!([])));
        assert!(!is_unset(&json!("*")));
        assert!(!is_unset(&json!(["x"])));
        assert!(!is_unset(&json!(0)));
    }

    #[test]
    fn ids() {
        let id = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/securityAdminConfigurations/cfg/ruleCollections/rc/rules/r1";
        assert_eq!(last_segment(id), "r1");
        assert_eq!(id_segment(id, "SECURITYADMINCONFIGURATIONS"), Some("cfg"));
        assert_eq!(id_segment(id, "ruleCollections"), Some("rc"));
        assert_eq!(id_segment(id, "networkGroups"), None);
        assert_eq!(last_segment("plain"), "plain");
        assert_eq!(last_segment("/a/b/"), "b");
    }

    #[test]
    fn messages() {
        assert_eq!(show(&json!("x")), "'x'");
        assert_eq!(show(&json!(70000)), "'70000'");
        assert_eq!(name_list(&["a", "b"]), "a, b");
        assert_eq!(
            name_list(&["a", "b", "c", "d", "e", "f", "g"]),
            "a, b, c, d, e and 2 more"
        );
        assert_eq!(plural(1, "rule"), "1 rule");
        assert_eq!(plural(0, "rule"), "0 rules");
        assert!(clip(&"x".repeat(200)).ends_with("... (200 characters)"));
        assert!(is_powershell_truncation(
            "System.Collections.Generic.List`1[System.String]"
        ));
        assert!(!is_powershell_truncation("10.0.0.0/8"));
        assert!(is_arm_expression("[parameters('p')]"));
        assert!(!is_arm_expression("[[literal]"));
    }
}
