//! Effective security rules of a network interface (`az network nic list-effective-nsg`, the
//! REST `effectiveNetworkSecurityGroups` response, `Get-AzEffectiveNetworkSecurityGroup`):
//! entries of `{networkSecurityGroup, association, effectiveSecurityRules, tagMap}`, each
//! placed by its association in the admin, subnet or network interface layer.

use serde_json::Value;

use super::defaults;
use super::json::{clip, get, get_obj, get_str, join, kind_of, last_segment, plural, Ctx, Obj};
use super::rule::{nsg_rule, RuleSet};
use crate::error::InputError;
use crate::model::{parse_prefix, AdminConfiguration, EffectiveRules, Nsg, Rule, RuleKind};

/// The id of an association or reference: `{id}` or a bare string.
fn reference_id<'a>(obj: &'a Obj, key: &str) -> Option<&'a str> {
    match get(obj, key)? {
        Value::Object(o) => get_str(o, "id"),
        Value::String(s) if !s.trim().is_empty() => Some(s.trim()),
        _ => None,
    }
}

/// A layer being assembled: the NSG's name and its rules.
#[derive(Default)]
struct Layer {
    name: Option<String>,
    rules: Vec<Rule>,
    given: usize,
}

impl Layer {
    fn add(
        &mut self,
        ctx: &Ctx,
        path: &str,
        where_: &str,
        name: &str,
        rules: &[Rule],
    ) -> Result<(), InputError> {
        match &self.name {
            Some(existing) if !existing.eq_ignore_ascii_case(name) => {
                return Err(ctx.err(
                    path,
                    format!(
                        "two entries place different NSGs at the {where_} ('{existing}' and \
                         '{}'); a {where_} has at most one NSG",
                        clip(name)
                    ),
                ))
            }
            Some(_) => {}
            None => self.name = Some(name.to_string()),
        }
        self.rules.extend(rules.iter().cloned());
        self.given += rules.len();
        Ok(())
    }

    fn finish(self) -> Option<(Nsg, usize)> {
        let name = self.name?;
        let mut rules = self.rules;
        defaults::add_missing(&mut rules);
        Some((Nsg { name, rules }, self.given))
    }
}

/// Reads a `tagMap`: `{tag: [prefix...]}`, or the same as a JSON string.
fn tag_map(
    ctx: &Ctx,
    path: &str,
    value: &Value,
    out: &mut Vec<(String, Vec<ipnet::IpNet>)>,
) -> Result<(), InputError> {
    let parsed;
    let map = match value {
        Value::Null => return Ok(()),
        Value::Object(o) => o,
        Value::String(s) if s.trim().is_empty() => return Ok(()),
        Value::String(s) => {
            parsed = serde_json::from_str::<Value>(s).map_err(|e| {
                ctx.err(
                    path,
                    format!("the tag map text cannot be read as JSON: {e}"),
                )
            })?;
            match &parsed {
                Value::Object(o) => o,
                other => {
                    return Err(ctx.err(
                        path,
                        format!("expected a tag map object, found {}", kind_of(other)),
                    ))
                }
            }
        }
        other => {
            return Err(ctx.err(
                path,
                format!("expected a tag map object, found {}", kind_of(other)),
            ))
        }
    };
    for (tag, prefixes) in map {
        let tag_path = join(path, tag);
        let Some(items) = prefixes.as_array() else {
            return Err(ctx.err(
                tag_path,
                format!("expected a list of prefixes, found {}", kind_of(prefixes)),
            ));
        };
        let mut nets = Vec::with_capacity(items.len());
        for (i, item) in items.iter().enumerate() {
            let net = item.as_str().and_then(parse_prefix);
            match net {
                Some(net) => nets.push(net),
                None => {
                    return Err(ctx.err(
                        format!("{tag_path}[{i}]"),
                        format!(
                            "{} is not a valid IP address or CIDR block",
                            super::json::show(item)
                        ),
                    ))
                }
            }
        }
        match out.iter_mut().find(|(t, _)| t.eq_ignore_ascii_case(tag)) {
            Some((_, existing)) => {
                for net in nets {
                    if !existing.contains(&net) {
                        existing.push(net);
                    }
                }
            }
            None => out.push((tag.clone(), nets)),
        }
    }
    Ok(())
}

/// The effective rules of a list of entries (each with its path). `nic_hint` names the network
/// interface when no association does. Returns the rules and their description.
pub(crate) fn from_entries(
    ctx: &Ctx,
    entries: &[(String, &Value)],
    nic_hint: Option<&str>,
) -> Result<(EffectiveRules, String), InputError> {
    let mut admin: Vec<Rule> = Vec::new();
    let mut manager: Option<String> = None;
    let mut subnet = Layer::default();
    let mut nic = Layer::default();
    let mut tags = Vec::new();
    let mut nic_name = nic_hint.map(str::to_string);

    for (path, value) in entries {
        let Value::Object(entry) = value else {
            return Err(ctx.err(
                path.clone(),
                format!(
                    "expected an effective network security group entry, found {}",
                    kind_of(value)
                ),
            ));
        };
        let association = get_obj(entry, "association");
        let at_manager = association.and_then(|a| reference_id(a, "networkManager"));
        let at_subnet = association.and_then(|a| reference_id(a, "subnet"));
        let at_nic = association.and_then(|a| reference_id(a, "networkInterface"));
        if let Some(id) = at_nic {
            nic_name.get_or_insert_with(|| last_segment(id).to_string());
        }
        let nsg_name = reference_id(entry, "networkSecurityGroup").map(last_segment);

        let mut rules = Vec::new();
        if let Some((key, list)) = super::json::entry(entry, "effectiveSecurityRules") {
            match list {
                Value::Null => {}
                Value::Array(items) => {
                    rules.reserve(items.len());
                    for (i, item) in items.iter().enumerate() {
                        let rule_path = format!("{}[{i}]", join(path, key));
                        let (mut rule, label) =
                            nsg_rule(ctx, &rule_path, item, RuleSet::Effective, None)?;
                        if let Some(deviation) = super::defaults::deviation(&rule) {
                            rule.warnings.push(ctx.warning_text(&label, &deviation));
                        }
                        rules.push(rule);
                    }
                }
                other => {
                    return Err(ctx.err(
                        join(path, key),
                        format!("expected a list of rules, found {}", kind_of(other)),
                    ))
                }
            }
        }
        if let Some((key, map)) = super::json::entry(entry, "tagMap") {
            tag_map(ctx, &join(path, key), map, &mut tags)?;
        }

        if let Some(id) = at_manager {
            manager.get_or_insert_with(|| last_segment(id).to_string());
        }
        let only_manager = at_manager.is_some() && at_subnet.is_none() && at_nic.is_none();
        let (admin_rules, nsg_rules): (Vec<Rule>, Vec<Rule>) = if only_manager {
            let all = rules
                .into_iter()
                .map(|mut r| {
                    r.kind = RuleKind::Admin;
                    r
                })
                .collect();
            (all, Vec::new())
        } else {
            rules.into_iter().partition(|r| r.kind == RuleKind::Admin)
        };
        admin.extend(admin_rules);
        if nsg_rules.is_empty() && nsg_name.is_none() {
            continue;
        }
        if at_subnet.is_none() && at_nic.is_none() {
            return Err(ctx.err(
                path.clone(),
                format!(
                    "the entry for NSG '{}' has no subnet or networkInterface association, so \
                     its level cannot be told; paste the whole output of `az network nic \
                     list-effective-nsg`",
                    clip(nsg_name.unwrap_or("unnamed"))
                ),
            ));
        }
        let name = nsg_name.unwrap_or("unnamed NSG");
        if at_subnet.is_some() {
            subnet.add(ctx, path, "subnet", name, &nsg_rules)?;
        }
        if at_nic.is_some() {
            nic.add(ctx, path, "network interface", name, &nsg_rules)?;
        }
    }

    let admin = if admin.is_empty() {
        None
    } else {
        Some(AdminConfiguration {
            name: manager.unwrap_or_else(|| "unnamed network manager".to_string()),
            rules: admin,
        })
    };
    let subnet = subnet.finish();
    let nic = nic.finish();

    let mut parts = Vec::new();
    if let Some(a) = &admin {
        parts.push(format!(
            "admin {} ({})",
            a.name,
            plural(a.rules.len(), "rule")
        ));
    }
    match (&subnet, &nic) {
        (Some((s, sn)), Some((n, nn))) if s.name == n.name && sn == nn => {
            parts.push(format!(
                "subnet and NIC NSG {} ({})",
                s.name,
                plural(*sn, "rule")
            ));
        }
        _ => {
            if let Some((s, count)) = &subnet {
                parts.push(format!(
                    "subnet NSG {} ({})",
                    s.name,
                    plural(*count, "rule")
                ));
            }
            if let Some((n, count)) = &nic {
                parts.push(format!("NIC NSG {} ({})", n.name, plural(*count, "rule")));
            }
        }
    }
    if !tags.is_empty() {
        parts.push(format!("tag map ({})", plural(tags.len(), "tag")));
    }
    if parts.is_empty() {
        parts.push("no rules".to_string());
    }
    let description = match &nic_name {
        Some(n) => format!("effective rules of {n}: {}", parts.join(", ")),
        None => format!("effective rules: {}", parts.join(", ")),
    };
    Ok((
        EffectiveRules {
            admin,
            subnet: subnet.map(|(n, _)| n),
            nic: nic.map(|(n, _)| n),
            tag_map: tags,
        },
        description,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Ctx<'static> {
        Ctx::new("t.json")
    }

    fn r(name: &str, priority: u32, access: &str) -> Value {
        json!({"name": name, "protocol": "All", "sourcePortRange": "0-65535", "destinationPortRange": "22-22",
               "sourceAddressPrefix": "0.0.0.0/0", "destinationAddressPrefix": "0.0.0.0/0",
               "access": access, "priority": priority, "direction": "Inbound"})
    }

    fn run(v: Value) -> Result<(EffectiveRules, String), String> {
        let entries: Vec<(String, &Value)> = v
            .as_array()
            .map(|a| {
                a.iter()
                    .enumerate()
                    .map(|(i, e)| (format!("value[{i}]"), e))
                    .collect()
            })
            .unwrap_or_default();
        from_entries(&ctx(), &entries, None).map_err(|e| e.to_string())
    }

    #[test]
    fn places_entries_by_association() {
        let v = json!([
            {"networkSecurityGroup": null, "association": {"networkManager": {"id": "/x/networkManagers/nm1"}},
             "effectiveSecurityRules": [r("BlockSsh", 10, "Deny"), r("securityAdminRules/Ok", 20, "AlwaysAllow")]},
            {"networkSecurityGroup": {"id": "/x/networkSecurityGroups/sub-nsg"}, "association": {"subnet": {"id": "/x/subnets/s1"}},
             "effectiveSecurityRules": [r("securityRules/A", 100, "Allow"), r("defaultSecurityRules/DenyAllInBound", 65500, "Deny")],
             "tagMap": "{\"VirtualNetwork\": [\"10.0.0.0/16\"]}"},
            {"networkSecurityGroup": {"id": "/x/networkSecurityGroups/nic-nsg"}, "association": {"networkInterface": {"id": "/x/networkInterfaces/nic7"}},
             "effectiveSecurityRules": [r("securityRules/B", 100, "Deny")]}
        ]);
        let (eff, description) = run(v).unwrap();
        let admin = eff.admin.unwrap();
        assert_eq!(admin.name, "nm1");
        assert_eq!(admin.rules.len(), 2);
        assert!(admin.rules.iter().all(|r| r.kind == RuleKind::Admin));
        let subnet = eff.subnet.unwrap();
        assert_eq!(subnet.name, "sub-nsg");
        assert_eq!(subnet.rules.len(), 7, "2 given + 5 missing defaults");
        assert_eq!(subnet.rules[1].kind, RuleKind::Default);
        let nic = eff.nic.unwrap();
        assert_eq!((nic.name.as_str(), nic.rules.len()), ("nic-nsg", 7));
        assert_eq!(eff.tag_map.len(), 1);
        assert_eq!(
            description,
            "effective rules of nic7: admin nm1 (2 rules), subnet NSG sub-nsg (2 rules), NIC NSG nic-nsg (1 rule), tag map (1 tag)"
        );
    }

    #[test]
    fn unplaceable_entry_and_conflicting_layers() {
        let e = run(json!([{"networkSecurityGroup": {"id": "/x/networkSecurityGroups/n"}, "effectiveSecurityRules": [r("securityRules/A", 100, "Allow")]}])).unwrap_err();
        assert!(
            e.contains(
                "value[0]: the entry for NSG 'n' has no subnet or networkInterface association"
            ),
            "{e}"
        );
        let e = run(json!([
            {"networkSecurityGroup": {"id": "/x/networkSecurityGroups/a"}, "association": {"subnet": {"id": "s"}}, "effectiveSecurityRules": []},
            {"networkSecurityGroup": {"id": "/x/networkSecurityGroups/b"}, "association": {"subnet": {"id": "s"}}, "effectiveSecurityRules": []}
        ])).unwrap_err();
        assert!(
            e.contains("value[1]: two entries place different NSGs at the subnet ('a' and 'b')"),
            "{e}"
        );
        let e = run(
            json!([{"association": {"subnet": {"id": "s"}}, "networkSecurityGroup": {"id": "n"},
            "effectiveSecurityRules": [], "tagMap": {"Internet": ["1.0.0.0/33"]}}]),
        )
        .unwrap_err();
        assert!(
            e.contains(
                "value[0].tagMap.Internet[0]: '1.0.0.0/33' is not a valid IP address or CIDR block"
            ),
            "{e}"
        );
    }
}
