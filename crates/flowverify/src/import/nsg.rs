//! Network security groups: REST GET bodies, `az network nsg show` (flattened), PowerShell
//! `Get-AzNetworkSecurityGroup | ConvertTo-Json`, ARM templates (inline rules and child rule
//! resources), and plain lists of rules (`az network nsg rule list`).

use std::collections::HashMap;

use serde_json::Value;

use super::arm::Resource;
use super::defaults;
use super::json::{
    get_str, id_segment, is_powershell_truncation, kind_of, name_list, plural,
    powershell_truncation_message, resource_name, Ctx, Fields, Obj,
};
use super::rule::{nsg_rule, RuleSet};
use crate::error::InputError;
use crate::model::{Direction, Nsg, Rule, RuleKind};

/// What an imported NSG held, for its description.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Counts {
    /// User rules.
    pub user: usize,
    /// Default rules, given and added.
    pub defaults: usize,
    /// Default rules added because the document lacked them.
    pub added: usize,
}

impl Counts {
    /// `1 rule + 6 default`, `3 rules + 6 default (added)`, `... (2 added)`.
    pub fn summary(&self) -> String {
        let mut s = format!("{} + {} default", plural(self.user, "rule"), self.defaults);
        if self.added > 0 {
            if self.added == self.defaults {
                s.push_str(" (added)");
            } else {
                s.push_str(&format!(" ({} added)", self.added));
            }
        }
        s
    }
}

/// Checks priorities are unique per direction, adds missing defaults, and counts.
pub(crate) fn finish(
    ctx: &Ctx,
    name: String,
    rules: Vec<(Rule, String)>,
    check_duplicates: bool,
) -> Result<(Nsg, Counts), InputError> {
    if check_duplicates {
        let mut seen: HashMap<(Direction, u32), usize> = HashMap::with_capacity(rules.len());
        for (i, (rule, label)) in rules.iter().enumerate() {
            if let Some(&first) = seen.get(&(rule.direction, rule.priority)) {
                let (other, other_label) = &rules[first];
                return Err(ctx.err(
                    format!("{label}.priority"),
                    format!(
                        "rules '{}' ({other_label}) and '{}' both have priority {} for {} \
                         traffic; priorities must be unique per direction in an NSG",
                        other.name, rule.name, rule.priority, rule.direction
                    ),
                ));
            }
            seen.insert((rule.direction, rule.priority), i);
        }
        let named = rules
            .iter()
            .map(|(rule, label)| (rule, label.as_str(), String::new()));
        super::rule::check_unique_names(ctx, named, "NSG")?;
    }
    const MAX_RULES: usize = 1000;
    let user_rules = rules
        .iter()
        .filter(|(r, _)| r.kind == RuleKind::User)
        .count();
    if user_rules > MAX_RULES {
        ctx.warn(
            "",
            format!(
                "NSG '{}' has {user_rules} security rules; Azure allows at most {MAX_RULES} in \
                 an NSG and would refuse this document",
                super::json::clip(&name)
            ),
        );
    }
    let mut rules: Vec<Rule> = rules
        .into_iter()
        .map(|(mut rule, label)| {
            if let Some(deviation) = defaults::deviation(&rule) {
                rule.warnings.push(ctx.warning_text(&label, &deviation));
            }
            rule
        })
        .collect();
    let added = defaults::add_missing(&mut rules);
    let user = rules.iter().filter(|r| r.kind != RuleKind::Default).count();
    let counts = Counts {
        user,
        defaults: rules.len() - user,
        added,
    };
    Ok((Nsg { name, rules }, counts))
}

/// Reads the rules of one list setting (`securityRules` or `defaultSecurityRules`), falling back
/// to PowerShell's `...Text` JSON copy when ConvertTo-Json cut the list off.
fn rule_list(
    ctx: &Ctx,
    fields: &Fields,
    key: &str,
    set: RuleSet,
    prefix: &str,
    out: &mut Vec<(Rule, String)>,
) -> Result<(), InputError> {
    let Some((spelled, value)) = fields.entry(key) else {
        return Ok(());
    };
    let path = format!("{prefix}{spelled}");
    let truncated = match value {
        Value::Null => return Ok(()),
        Value::String(s) if s.trim().is_empty() => return Ok(()),
        Value::String(s) => is_powershell_truncation(s),
        Value::Array(items) => items
            .iter()
            .any(|i| i.as_str().is_some_and(is_powershell_truncation)),
        other => {
            return Err(ctx.err(
                path,
                format!(
                    "expected a list of security rules, found {}",
                    kind_of(other)
                ),
            ))
        }
    };
    let parsed_text;
    let items: &[Value] = if truncated {
        let text_key = format!("{key}Text");
        match fields.get_str(&text_key) {
            Some(text) => {
                parsed_text = serde_json::from_str::<Value>(text).map_err(|e| {
                    ctx.err(
                        format!("{prefix}{text_key}"),
                        format!("the JSON text of the rules cannot be read: {e}"),
                    )
                })?;
                match &parsed_text {
                    Value::Array(items) => items,
                    other => {
                        return Err(ctx.err(
                            format!("{prefix}{text_key}"),
                            format!("expected a list of rules, found {}", kind_of(other)),
                        ))
                    }
                }
            }
            None => {
                let shown = match value {
                    Value::String(s) => s.as_str(),
                    Value::Array(items) => items.iter().find_map(Value::as_str).unwrap_or_default(),
                    _ => "",
                };
                return Err(ctx.err(path, powershell_truncation_message(shown)));
            }
        }
    } else {
        match value {
            Value::Array(items) => items,
            _ => &[],
        }
    };
    out.reserve(items.len());
    for (i, item) in items.iter().enumerate() {
        out.push(nsg_rule(ctx, &format!("{path}[{i}]"), item, set, None)?);
    }
    Ok(())
}

/// The resource group an NSG document names, for hints.
pub(crate) fn resource_group(obj: &Obj) -> Option<String> {
    get_str(obj, "resourceGroup")
        .or_else(|| get_str(obj, "resourceGroupName"))
        .map(str::to_string)
        .or_else(|| {
            get_str(obj, "id")
                .and_then(|id| id_segment(id, "resourceGroups"))
                .map(str::to_string)
        })
}

/// One NSG document (REST, az, PowerShell, or an ARM resource with inline rules).
pub(crate) fn from_document(
    ctx: &Ctx,
    obj: &Obj,
    fallback_name: Option<&str>,
) -> Result<(Nsg, Counts), InputError> {
    let name = resource_name(obj)
        .or(fallback_name)
        .unwrap_or("unnamed NSG")
        .to_string();
    let mut rules = Vec::new();
    read_rules(ctx, obj, "", &mut rules)?;
    finish(ctx, name, rules, true)
}

/// The inline rules of an NSG object (both lists), paths prefixed by `prefix`.
fn read_rules(
    ctx: &Ctx,
    obj: &Obj,
    prefix: &str,
    rules: &mut Vec<(Rule, String)>,
) -> Result<(), InputError> {
    let fields = Fields::new(obj);
    if !fields.has("securityRules") && fields.has("copy") {
        return Err(ctx.err(
            format!("{prefix}properties.copy"),
            "the NSG's rules come from an ARM copy loop, which cannot be expanded offline; \
             paste the deployed NSG instead (e.g. the output of `az network nsg show`)",
        ));
    }
    rule_list(ctx, &fields, "securityRules", RuleSet::User, prefix, rules)?;
    rule_list(
        ctx,
        &fields,
        "defaultSecurityRules",
        RuleSet::Default,
        prefix,
        rules,
    )?;
    Ok(())
}

/// The NSG a rule belongs to, from its id (`.../networkSecurityGroups/{nsg}/securityRules/x`).
fn parent_of_rule(item: &Value) -> Option<&str> {
    item.as_object()
        .and_then(|o| get_str(o, "id"))
        .and_then(|id| id_segment(id, "networkSecurityGroups"))
}

/// A list of rules without their NSG (`az network nsg rule list`, one rule resource, a list
/// of effective rules): one NSG, named after the rules' ids when they say.
pub(crate) fn from_rule_list(
    ctx: &Ctx,
    items: &[&Value],
    paths: &[String],
    fallback_name: Option<&str>,
) -> Result<(Nsg, Counts), InputError> {
    let mut names: Vec<String> = Vec::new();
    for item in items {
        if let Some(parent) = parent_of_rule(item) {
            if !names.iter().any(|n| n.eq_ignore_ascii_case(parent)) {
                names.push(parent.to_string());
            }
        }
    }
    if names.len() > 1 {
        return Err(several(ctx, &names, None));
    }
    let name = names
        .into_iter()
        .next()
        .or_else(|| fallback_name.map(str::to_string))
        .unwrap_or_else(|| "unnamed NSG".to_string());
    let mut rules = Vec::with_capacity(items.len());
    for (item, path) in items.iter().zip(paths) {
        rules.push(nsg_rule(ctx, path, item, RuleSet::User, None)?);
    }
    finish(ctx, name, rules, true)
}

/// The NSG of an ARM template's resources: NSG resources with their inline rules, and child
/// `securityRules` resources named `nsg/rule` attached to the NSG before the slash. `None` when
/// there is neither.
pub(crate) fn from_arm(
    ctx: &Ctx,
    resources: &[Resource],
) -> Result<Option<(Nsg, Counts)>, InputError> {
    const NSG: &str = "Microsoft.Network/networkSecurityGroups";
    const RULE: &str = "Microsoft.Network/networkSecurityGroups/securityRules";
    let mut names: Vec<String> = Vec::new();
    let mut add_name = |n: &str| {
        if !names.iter().any(|m| m.eq_ignore_ascii_case(n)) {
            names.push(n.to_string());
        }
    };
    for r in resources {
        if r.is(NSG) {
            add_name(&r.name);
        } else if r.is(RULE) {
            add_name(r.name.rsplit_once('/').map(|(p, _)| p).unwrap_or(""));
        }
    }
    if names.is_empty() {
        return Ok(None);
    }
    if names.len() > 1 {
        return Err(several(ctx, &names, None));
    }
    let name = names.into_iter().next().unwrap_or_default();
    let mut rules = Vec::new();
    for r in resources.iter().filter(|r| r.is(NSG)) {
        if let Some(obj) = r.obj() {
            let prefix = if r.path.is_empty() {
                String::new()
            } else {
                format!("{} ({}).", r.path, r.name)
            };
            read_rules(ctx, obj, &prefix, &mut rules)?;
        }
    }
    for r in resources.iter().filter(|r| r.is(RULE)) {
        let rule_name = r.name.rsplit_once('/').map(|(_, n)| n).unwrap_or(&r.name);
        rules.push(nsg_rule(
            ctx,
            &r.path,
            &r.value,
            RuleSet::User,
            Some(rule_name),
        )?);
    }
    let name = if name.is_empty() {
        "unnamed NSG".to_string()
    } else {
        name
    };
    finish(ctx, name, rules, true).map(Some)
}

/// The error for a document that holds several NSGs.
pub(crate) fn several(ctx: &Ctx, names: &[String], resource_group: Option<&str>) -> InputError {
    let first = names.first().map(String::as_str).unwrap_or("NAME");
    let rg = resource_group.unwrap_or("RESOURCE-GROUP");
    ctx.whole(format!(
        "the document holds {} network security groups ({}); paste one of them, e.g. the \
         output of `az network nsg show -g {rg} -n {first}`",
        names.len(),
        name_list(names)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Ctx<'static> {
        Ctx::new("t.json")
    }

    fn rule(name: &str, priority: u32, direction: &str) -> Value {
        json!({"name": name, "priority": priority, "direction": direction, "access": "Allow",
               "protocol": "Tcp", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
               "sourcePortRange": "*", "destinationPortRange": "22"})
    }

    #[test]
    fn duplicate_priorities_name_both_rules() {
        let doc = json!({"name": "n", "securityRules": [rule("A", 200, "Inbound"), rule("B", 200, "Outbound"), rule("C", 200, "inbound")]});
        let e = from_document(&ctx(), doc.as_object().unwrap(), None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "t.json: securityRules[2] (C).priority: rules 'A' (securityRules[0] (A)) and 'C' both \
             have priority 200 for Inbound traffic; priorities must be unique per direction in an NSG"
        );
    }

    #[test]
    fn a_user_rule_cannot_take_a_default_priority_slot_twice() {
        // A default rule listed twice (same direction, same priority) is a duplicate too.
        let d = json!({"name": "DenyAllInBound", "priority": 65500, "direction": "Inbound", "access": "Deny",
                       "protocol": "*", "sourceAddressPrefix": "*", "destinationAddressPrefix": "*",
                       "sourcePortRange": "*", "destinationPortRange": "*"});
        let doc = json!({"name": "n", "defaultSecurityRules": [d.clone(), d]});
        assert!(from_document(&ctx(), doc.as_object().unwrap(), None).is_err());
    }

    #[test]
    fn counts_and_defaults() {
        let doc = json!({"name": "n", "securityRules": [rule("A", 200, "Inbound")], "defaultSecurityRules": null});
        let (nsg, counts) = from_document(&ctx(), doc.as_object().unwrap(), None).unwrap();
        assert_eq!(nsg.rules.len(), 7);
        assert_eq!(
            counts,
            Counts {
                user: 1,
                defaults: 6,
                added: 6
            }
        );
        assert_eq!(counts.summary(), "1 rule + 6 default (added)");
        assert_eq!(
            Counts {
                user: 3,
                defaults: 6,
                added: 2
            }
            .summary(),
            "3 rules + 6 default (2 added)"
        );
    }

    #[test]
    fn powershell_text_fallback() {
        let rules_text = serde_json::to_string(&json!([rule("FromText", 300, "Inbound")])).unwrap();
        let doc = json!({"Name": "ps", "SecurityRules": ["Microsoft.Azure.Commands.Network.Models.PSSecurityRule"],
                         "SecurityRulesText": rules_text});
        let (nsg, _) = from_document(&ctx(), doc.as_object().unwrap(), None).unwrap();
        assert_eq!(nsg.rules[0].name, "FromText");
        let doc = json!({"Name": "ps", "SecurityRules": ["Microsoft.Azure.Commands.Network.Models.PSSecurityRule"]});
        let e = from_document(&ctx(), doc.as_object().unwrap(), None).unwrap_err();
        assert!(e.to_string().contains("-Depth 10"), "{e}");
    }

    #[test]
    fn several_nsgs_message() {
        let e = several(&ctx(), &["a".into(), "b".into()], Some("rg1"));
        assert_eq!(
            e.to_string(),
            "t.json: the document holds 2 network security groups (a, b); paste one of them, \
             e.g. the output of `az network nsg show -g rg1 -n a`"
        );
    }
}
