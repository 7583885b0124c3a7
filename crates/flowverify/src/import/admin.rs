//! AVNM security admin rules: one rule or a list (REST, `az` flattened, PowerShell PascalCase),
//! ARM resources of type `.../ruleCollections/rules`, and the per-VNet effective admin rules
//! list. The rules of every collection in one document form one configuration.

use std::collections::HashMap;

use serde_json::Value;

use super::json::{
    clip, get_str, id_segment, is_powershell_truncation, join, kind_of, last_segment, name_list,
    plural, powershell_truncation_message, Ctx, Fields, Obj,
};
use super::rule::{
    access, address, check_limits, check_properties, direction, port_side, priority, protocol, At,
    PriorityRange,
};
use crate::error::InputError;
use crate::model::{AddressEntry, AddressSide, AdminConfiguration, Direction, Rule, RuleKind};

/// One admin rule of a document: where it is, the JSON, and its ARM name (`nm/cfg/rc/rule`).
#[derive(Debug, Clone)]
pub(crate) struct Item<'a> {
    pub path: String,
    pub value: &'a Value,
    pub arm_name: Option<String>,
}

/// What an admin rules document held, for its description.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Counts {
    pub rules: usize,
    pub collections: usize,
}

impl Counts {
    /// `3 rules in 2 collections`.
    pub fn summary(&self) -> String {
        format!(
            "{} in {}",
            plural(self.rules, "rule"),
            plural(self.collections, "collection")
        )
    }
}

/// Where a rule sits: network manager, configuration, collection.
#[derive(Debug, Default)]
struct Place {
    manager: Option<String>,
    configuration: Option<String>,
    collection: Option<String>,
}

fn place_of(obj: &Obj, arm_name: Option<&str>) -> Place {
    if let Some(id) = get_str(obj, "id") {
        let place = Place {
            manager: id_segment(id, "networkManagers").map(str::to_string),
            configuration: id_segment(id, "securityAdminConfigurations").map(str::to_string),
            collection: id_segment(id, "ruleCollections").map(str::to_string),
        };
        if place.configuration.is_some() || place.collection.is_some() {
            return place;
        }
    }
    if let Some(name) = arm_name {
        let parts: Vec<&str> = name.split('/').collect();
        if let [nm, cfg, rc, _rule] = parts.as_slice() {
            return Place {
                manager: Some(nm.to_string()),
                configuration: Some(cfg.to_string()),
                collection: Some(rc.to_string()),
            };
        }
    }
    Place::default()
}

/// Reads the `sources` or `destinations` of an admin rule: `{addressPrefix, addressPrefixType}`
/// items; empty = any.
fn addresses(
    ctx: &Ctx,
    label: &str,
    fields: &Fields,
    key: &str,
) -> Result<AddressSide, InputError> {
    let Some((spelled, value)) = fields.entry(key) else {
        return Ok(AddressSide::any());
    };
    let path = join(label, spelled);
    let text_copy;
    let items: &[Value] = match value {
        Value::Null => return Ok(AddressSide::any()),
        Value::String(s) if s.trim().is_empty() => return Ok(AddressSide::any()),
        Value::Array(items)
            if !items
                .iter()
                .any(|i| i.as_str().is_some_and(is_powershell_truncation)) =>
        {
            items
        }
        Value::Array(_) | Value::String(_) => {
            // PowerShell: ConvertTo-Json cut the list off; its `SourcesText` copy may remain.
            let text_key = format!("{key}Text");
            let shown = value
                .as_str()
                .or_else(|| {
                    value
                        .as_array()
                        .and_then(|a| a.iter().find_map(Value::as_str))
                })
                .unwrap_or_default()
                .to_string();
            match fields.get_str(&text_key) {
                Some(text) if is_powershell_truncation(&shown) => {
                    text_copy = serde_json::from_str::<Value>(text).map_err(|e| {
                        ctx.err(join(label, &text_key), format!("cannot be read: {e}"))
                    })?;
                    match &text_copy {
                        Value::Array(items) => items,
                        other => {
                            return Err(ctx.err(
                                join(label, &text_key),
                                format!("expected a list, found {}", kind_of(other)),
                            ))
                        }
                    }
                }
                _ if is_powershell_truncation(&shown) => {
                    return Err(ctx.err(path, powershell_truncation_message(&shown)))
                }
                _ => {
                    return Err(ctx.err(
                        path,
                        format!(
                        "expected a list of {{addressPrefix, addressPrefixType}} items, found {}",
                        kind_of(value)
                    ),
                    ))
                }
            }
        }
        other => {
            return Err(ctx.err(
                path,
                format!(
                    "expected a list of {{addressPrefix, addressPrefixType}} items, found {}",
                    kind_of(other)
                ),
            ))
        }
    };
    let mut entries = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        match item {
            Value::String(s) => entries.push(address(ctx, &item_path, s)?),
            Value::Object(o) => entries.push(address_item(ctx, &item_path, o)?),
            other => {
                return Err(ctx.err(
                    item_path,
                    format!(
                        "expected an {{addressPrefix, addressPrefixType}} item, found {}",
                        kind_of(other)
                    ),
                ))
            }
        }
    }
    Ok(AddressSide::from_entries(entries))
}

fn address_item(ctx: &Ctx, path: &str, item: &Obj) -> Result<AddressEntry, InputError> {
    let Some(prefix) = get_str(item, "addressPrefix") else {
        return Err(ctx.err(join(path, "addressPrefix"), "missing 'addressPrefix'"));
    };
    let prefix_path = join(path, "addressPrefix");
    let kind = get_str(item, "addressPrefixType");
    match kind.map(str::to_ascii_lowercase).as_deref() {
        None => address(ctx, &prefix_path, prefix),
        Some("ipprefix") => match address(ctx, &prefix_path, prefix)? {
            entry @ (AddressEntry::Any | AddressEntry::Prefix(_)) => Ok(entry),
            _ => Err(ctx.err(
                prefix_path,
                format!(
                    "'{}' is not an IP prefix; addressPrefixType IPPrefix takes an IP address, \
                     a CIDR block or *",
                    clip(prefix)
                ),
            )),
        },
        Some("servicetag") => match address(ctx, &prefix_path, prefix)? {
            entry @ (AddressEntry::Any | AddressEntry::Tag(_)) => Ok(entry),
            _ => Err(ctx.err(
                prefix_path,
                format!(
                    "'{}' is not a service tag name (addressPrefixType ServiceTag)",
                    clip(prefix)
                ),
            )),
        },
        Some("networkgroup") => {
            let name = last_segment(prefix);
            if name.is_empty() {
                Err(ctx.err(
                    prefix_path,
                    format!("'{}' is not a network group id", clip(prefix)),
                ))
            } else {
                Ok(AddressEntry::NetworkGroup(name.to_string()))
            }
        }
        Some(_) => Err(ctx.err(
            join(path, "addressPrefixType"),
            format!(
                "addressPrefixType '{}' is not IPPrefix, ServiceTag or NetworkGroup",
                clip(kind.unwrap_or_default())
            ),
        )),
    }
}

/// One admin rule, with where it sits.
fn admin_rule(ctx: &Ctx, item: &Item) -> Result<(Rule, String, Place), InputError> {
    let obj = match item.value {
        Value::Object(o) => o,
        other => {
            return Err(ctx.err(
                item.path.clone(),
                format!(
                    "expected a security admin rule object, found {}",
                    kind_of(other)
                ),
            ))
        }
    };
    let mark = ctx.mark();
    let fields = Fields::new(obj);
    let place = place_of(obj, item.arm_name.as_deref());
    let name = item
        .arm_name
        .as_deref()
        .map(last_segment)
        .or_else(|| get_str(obj, "name").map(last_segment))
        .or_else(|| get_str(obj, "id").map(last_segment))
        .filter(|n| !n.is_empty());
    let Some(name) = name else {
        return Err(ctx.err(item.path.clone(), "the rule has no 'name' or 'id'"));
    };
    let label = if item.path.is_empty() {
        name.to_string()
    } else {
        format!("{} ({name})", item.path)
    };
    let at = |key: &'static str| -> (At, Option<&Value>) {
        match fields.entry(key) {
            Some((k, v)) => (At::new(&label, k), Some(v)),
            None => (At::new(&label, key), None),
        }
    };
    let (p, v) = at("priority");
    let priority = priority(ctx, p, v, PriorityRange::Admin)?;
    let (p, v) = at("direction");
    let direction = direction(ctx, p, v)?;
    let (p, v) = at("access");
    let access = access(ctx, p, v, true)?;
    let (p, v) = at("protocol");
    let protocol = protocol(ctx, p, v, true)?;
    let source = addresses(ctx, &label, &fields, "sources")?;
    let destination = addresses(ctx, &label, &fields, "destinations")?;
    let source_ports = port_side(ctx, &label, &[fields.entry("sourcePortRanges")])?;
    let destination_ports = port_side(ctx, &label, &[fields.entry("destinationPortRanges")])?;
    check_properties(
        ctx,
        &label,
        obj,
        "a security admin rule",
        super::rule::ADMIN_RULE_KEYS,
    );
    check_limits(ctx, &label, &source, &destination);
    let rule = Rule {
        name: name.to_string(),
        kind: RuleKind::Admin,
        priority,
        direction,
        access,
        protocol,
        source,
        source_ports,
        destination,
        destination_ports,
        collection: place.collection.clone(),
        warnings: ctx.take_since(mark),
    };
    Ok((rule, label, place))
}

/// Distinct names, any case, in order of appearance.
fn distinct(names: impl Iterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in names {
        if !out.iter().any(|m| m.eq_ignore_ascii_case(&n)) {
            out.push(n);
        }
    }
    out
}

/// The admin configuration of a document's rules. `fallback_name` names it when no rule says
/// (e.g. the `configurationName` of a REST example).
pub(crate) fn from_items(
    ctx: &Ctx,
    items: &[Item],
    fallback_name: Option<&str>,
) -> Result<(AdminConfiguration, Counts), InputError> {
    let mut parsed = Vec::with_capacity(items.len());
    for item in items {
        parsed.push(admin_rule(ctx, item)?);
    }

    let managers = distinct(parsed.iter().filter_map(|(_, _, p)| p.manager.clone()));
    let configurations = distinct(parsed.iter().filter_map(|(_, _, p)| {
        p.configuration
            .as_ref()
            .map(|c| match (&p.manager, managers.len() > 1) {
                (Some(m), true) => format!("{m}/{c}"),
                _ => c.clone(),
            })
    }));
    if configurations.len() > 1 {
        return Err(ctx.whole(format!(
            "the document holds rules of {} security admin configurations ({}); paste the \
             rules of each configuration as its own admin rules input, highest scope first",
            configurations.len(),
            name_list(&configurations)
        )));
    }

    let mut seen: HashMap<(String, Direction, u32), usize> = HashMap::new();
    for (i, (rule, label, _)) in parsed.iter().enumerate() {
        let collection = rule
            .collection
            .clone()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let key = (collection, rule.direction, rule.priority);
        if let Some(&first) = seen.get(&key) {
            let (other, other_label, _) = &parsed[first];
            let within = rule
                .collection
                .as_deref()
                .map(|c| format!(" in rule collection {c}"))
                .unwrap_or_default();
            return Err(ctx.err(
                format!("{label}.priority"),
                format!(
                    "rules '{}' ({other_label}) and '{}' both have priority {} for {} traffic{within}; \
                     priorities must be unique per direction in a rule collection",
                    other.name, rule.name, rule.priority, rule.direction
                ),
            ));
        }
        seen.insert(key, i);
    }
    let named = parsed.iter().map(|(rule, label, _)| {
        let scope = rule.collection.clone().unwrap_or_default();
        (rule, label.as_str(), scope)
    });
    super::rule::check_unique_names(ctx, named, "rule collection")?;

    let collections = distinct(
        parsed
            .iter()
            .map(|(r, _, _)| r.collection.clone().unwrap_or_default()),
    )
    .len();
    let name = configurations
        .into_iter()
        .next()
        .or_else(|| fallback_name.map(str::to_string))
        .unwrap_or_else(|| "unnamed configuration".to_string());
    let rules: Vec<Rule> = parsed.into_iter().map(|(r, _, _)| r).collect();
    let counts = Counts {
        rules: rules.len(),
        collections,
    };
    Ok((AdminConfiguration { name, rules }, counts))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Access, RuleProtocol};
    use serde_json::json;

    fn ctx() -> Ctx<'static> {
        Ctx::new("t.json")
    }

    fn rule(name: &str, rc: &str, priority: u32) -> Value {
        json!({
            "id": format!("/subscriptions/s/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/securityAdminConfigurations/cfg/ruleCollections/{rc}/rules/{name}"),
            "name": name, "kind": "Custom",
            "properties": {"priority": priority, "direction": "Inbound", "access": "Deny", "protocol": "Any",
                "sources": [{"addressPrefix": "Internet", "addressPrefixType": "ServiceTag"}],
                "destinations": [{"addressPrefix": "/subscriptions/s/.../networkGroups/ng1", "addressPrefixType": "NetworkGroup"}],
                "sourcePortRanges": [], "destinationPortRanges": ["22", "3389"]}
        })
    }

    fn items(values: &[Value]) -> Vec<Item<'_>> {
        values
            .iter()
            .enumerate()
            .map(|(i, v)| Item {
                path: format!("value[{i}]"),
                value: v,
                arm_name: None,
            })
            .collect()
    }

    #[test]
    fn reads_rules_of_two_collections_as_one_configuration() {
        let values = [rule("a", "rc1", 10), rule("b", "rc2", 10)];
        let (cfg, counts) = from_items(&ctx(), &items(&values), None).unwrap();
        assert_eq!(cfg.name, "cfg");
        assert_eq!(counts.summary(), "2 rules in 2 collections");
        let a = &cfg.rules[0];
        assert_eq!(a.kind, RuleKind::Admin);
        assert_eq!(a.access, Access::Deny);
        assert_eq!(a.protocol, RuleProtocol::Any);
        assert_eq!(a.collection.as_deref(), Some("rc1"));
        assert_eq!(a.source.entries(), &[AddressEntry::Tag("Internet".into())]);
        assert_eq!(
            a.destination.entries(),
            &[AddressEntry::NetworkGroup("ng1".into())]
        );
        assert!(a.source_ports.ranges().is_empty());
        assert_eq!(a.destination_ports.to_string(), "22,3389");
    }

    #[test]
    fn duplicate_priority_in_a_collection() {
        let values = [rule("a", "rc1", 10), rule("b", "rc1", 10)];
        let e = from_items(&ctx(), &items(&values), None)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "t.json: value[1] (b).priority: rules 'a' (value[0] (a)) and 'b' both have priority 10 for Inbound traffic in rule collection rc1; priorities must be unique per direction in a rule collection");
    }

    #[test]
    fn errors() {
        let mut v = rule("a", "rc1", 0);
        let e = from_items(&ctx(), &items(std::slice::from_ref(&v)), None)
            .unwrap_err()
            .to_string();
        assert!(e.ends_with("value[0] (a).priority: priority '0' is outside 1-4096, the range of security admin rules"), "{e}");
        v["properties"]["priority"] = json!(5);
        v["properties"]["sources"] =
            json!([{"addressPrefix": "Internet", "addressPrefixType": "IPPrefix"}]);
        let e = from_items(&ctx(), &items(std::slice::from_ref(&v)), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("value[0] (a).sources[0].addressPrefix: 'Internet' is not an IP prefix"),
            "{e}"
        );
        v["properties"]["sources"] = json!([{"addressPrefix": "x", "addressPrefixType": "Weird"}]);
        let e = from_items(&ctx(), &items(std::slice::from_ref(&v)), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("addressPrefixType 'Weird' is not IPPrefix, ServiceTag or NetworkGroup"),
            "{e}"
        );
        v["properties"]["sources"] = json!(null);
        v["properties"]["protocol"] = json!("Tcpx");
        let e = from_items(&ctx(), &items(std::slice::from_ref(&v)), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("protocol 'Tcpx' is not one of Tcp, Udp, Icmp, Esp, Ah, Any"),
            "{e}"
        );
    }

    #[test]
    fn several_configurations_are_an_error() {
        let mut b = rule("b", "rc1", 11);
        b["id"] = json!(
            "/x/networkManagers/nm/securityAdminConfigurations/other/ruleCollections/rc1/rules/b"
        );
        let values = [rule("a", "rc1", 10), b];
        let e = from_items(&ctx(), &items(&values), None)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("2 security admin configurations (cfg, other)"),
            "{e}"
        );
    }
}
