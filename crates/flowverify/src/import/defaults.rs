//! The six default security rules every NSG has (`docs/semantics.md`, Default rules), recognised
//! under their API names in any case and their legacy aliases, and added when a document lacks
//! them.

use crate::model::{
    Access, AddressEntry, AddressSide, Direction, PortRange, PortSide, Rule, RuleKind, RuleProtocol,
};

/// One default rule: name, direction, priority, access, source, destination.
struct DefaultRule {
    name: &'static str,
    direction: Direction,
    priority: u32,
    access: Access,
    source: &'static str,
    destination: &'static str,
}

const DEFAULTS: [DefaultRule; 6] = [
    DefaultRule {
        name: "AllowVnetInBound",
        direction: Direction::Inbound,
        priority: 65000,
        access: Access::Allow,
        source: "VirtualNetwork",
        destination: "VirtualNetwork",
    },
    DefaultRule {
        name: "AllowAzureLoadBalancerInBound",
        direction: Direction::Inbound,
        priority: 65001,
        access: Access::Allow,
        source: "AzureLoadBalancer",
        destination: "*",
    },
    DefaultRule {
        name: "DenyAllInBound",
        direction: Direction::Inbound,
        priority: 65500,
        access: Access::Deny,
        source: "*",
        destination: "*",
    },
    DefaultRule {
        name: "AllowVnetOutBound",
        direction: Direction::Outbound,
        priority: 65000,
        access: Access::Allow,
        source: "VirtualNetwork",
        destination: "VirtualNetwork",
    },
    DefaultRule {
        name: "AllowInternetOutBound",
        direction: Direction::Outbound,
        priority: 65001,
        access: Access::Allow,
        source: "*",
        destination: "Internet",
    },
    DefaultRule {
        name: "DenyAllOutBound",
        direction: Direction::Outbound,
        priority: 65500,
        access: Access::Deny,
        source: "*",
        destination: "*",
    },
];

/// The lowest priority of the default range.
pub(crate) const DEFAULT_RANGE_START: u32 = 65000;

/// Which default rule `name` is (any case, legacy aliases and the `DefaultRule_` prefix of NSG
/// diagnostics included).
pub(crate) fn canonical_index(name: &str) -> Option<usize> {
    let name = name.trim();
    let lower = name.to_ascii_lowercase();
    let bare = lower.strip_prefix("defaultrule_").unwrap_or(&lower);
    let bare = match bare {
        "defaultinbounddenyall" => "denyallinbound",
        "defaultoutbounddenyall" => "denyalloutbound",
        other => other,
    };
    DEFAULTS
        .iter()
        .position(|d| d.name.eq_ignore_ascii_case(bare))
}

/// The canonical API name of default rule `name`, if it is one.
#[cfg(test)]
pub(crate) fn canonical_name(name: &str) -> Option<&'static str> {
    canonical_index(name)
        .and_then(|i| DEFAULTS.get(i))
        .map(|d| d.name)
}

fn side(text: &str) -> AddressSide {
    AddressSide::from_entries(AddressEntry::parse(text).into_iter().collect())
}

fn build(d: &DefaultRule) -> Rule {
    Rule {
        name: d.name.to_string(),
        kind: RuleKind::Default,
        priority: d.priority,
        direction: d.direction,
        access: d.access,
        protocol: RuleProtocol::Any,
        source: side(d.source),
        source_ports: PortSide::from_ranges(vec![PortRange::ALL]),
        destination: side(d.destination),
        destination_ports: PortSide::from_ranges(vec![PortRange::ALL]),
        collection: None,
        warnings: Vec::new(),
    }
}

/// How a default rule differs from Azure's fixed default of its name, in words; `None` when it
/// is Azure's (or not a default rule). Azure's default rules cannot be changed, so a document
/// with an edited or extra default rule was not produced by Azure.
pub(crate) fn deviation(rule: &Rule) -> Option<String> {
    if rule.kind != RuleKind::Default {
        return None;
    }
    let Some(d) = canonical_index(&rule.name).and_then(|i| DEFAULTS.get(i)) else {
        return Some(format!(
            "'{}' is listed as a default rule, but Azure has no such default rule (its six are \
             {}): evaluated as given, but Azure's default rules cannot be added to or changed",
            crate::error::clip(&rule.name),
            DEFAULTS.map(|d| d.name).join(", ")
        ));
    };
    let mut changed = Vec::new();
    if rule.direction != d.direction {
        changed.push(format!(
            "direction {} (Azure's: {})",
            rule.direction, d.direction
        ));
    }
    if rule.priority != d.priority {
        changed.push(format!(
            "priority {} (Azure's: {})",
            rule.priority, d.priority
        ));
    }
    if rule.access != d.access {
        changed.push(format!("access {} (Azure's: {})", rule.access, d.access));
    }
    if rule.protocol != RuleProtocol::Any {
        changed.push(format!("protocol {} (Azure's: Any)", rule.protocol));
    }
    let same_side = |side: &AddressSide, want: &str| -> bool {
        match side.entries() {
            [] => want == "*",
            [AddressEntry::Any] => want == "*",
            [AddressEntry::Tag(t)] => t.eq_ignore_ascii_case(want),
            [AddressEntry::Expanded { label, .. }] => label.eq_ignore_ascii_case(want),
            _ => false,
        }
    };
    if !same_side(&rule.source, d.source) {
        changed.push(format!("source {} (Azure's: {})", rule.source, d.source));
    }
    if !same_side(&rule.destination, d.destination) {
        changed.push(format!(
            "destination {} (Azure's: {})",
            rule.destination, d.destination
        ));
    }
    if !rule.source_ports.covers_all() || !rule.destination_ports.covers_all() {
        changed.push(format!(
            "ports {} -> {} (Azure's: * -> *)",
            rule.source_ports, rule.destination_ports
        ));
    }
    if changed.is_empty() {
        return None;
    }
    Some(format!(
        "default rule {} differs from Azure's: {}; evaluated as given, but Azure's default rules \
         cannot be changed, so this document was not produced by Azure",
        d.name,
        changed.join(", ")
    ))
}

/// The six default rules, as the API lists them.
#[cfg(test)]
pub(crate) fn all() -> Vec<Rule> {
    DEFAULTS.iter().map(build).collect()
}

/// Appends the default rules `rules` lacks; returns how many were added. A default is present
/// when a default rule (or any rule in the default range) has its name or alias, or has its
/// direction and priority.
pub(crate) fn add_missing(rules: &mut Vec<Rule>) -> usize {
    let mut present = [false; 6];
    for rule in rules.iter() {
        if rule.kind != RuleKind::Default && rule.priority < DEFAULT_RANGE_START {
            continue;
        }
        if let Some(i) = canonical_index(&rule.name) {
            if let Some(p) = present.get_mut(i) {
                *p = true;
            }
        }
        for (i, d) in DEFAULTS.iter().enumerate() {
            if d.direction == rule.direction && d.priority == rule.priority {
                if let Some(p) = present.get_mut(i) {
                    *p = true;
                }
            }
        }
    }
    let mut added = 0;
    for (d, present) in DEFAULTS.iter().zip(present) {
        if !present {
            rules.push(build(d));
            added += 1;
        }
    }
    added
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_aliases() {
        assert_eq!(canonical_name("allowvnetinbound"), Some("AllowVnetInBound"));
        assert_eq!(canonical_name("AllowVNetInBound"), Some("AllowVnetInBound"));
        assert_eq!(
            canonical_name("DefaultInboundDenyAll"),
            Some("DenyAllInBound")
        );
        assert_eq!(
            canonical_name("DefaultOutboundDenyAll"),
            Some("DenyAllOutBound")
        );
        assert_eq!(
            canonical_name("DefaultRule_AllowVnetOutBound"),
            Some("AllowVnetOutBound")
        );
        assert_eq!(canonical_name("AllowWeb"), None);
    }

    #[test]
    fn adds_only_what_is_missing() {
        let mut rules = vec![];
        assert_eq!(add_missing(&mut rules), 6);
        assert_eq!(rules.len(), 6);
        assert!(rules.iter().all(|r| r.kind == RuleKind::Default));
        assert_eq!(add_missing(&mut rules), 0);

        // A legacy alias and a same-priority rule count as present.
        let mut rules = all();
        rules.retain(|r| r.name != "DenyAllInBound" && r.name != "AllowVnetOutBound");
        let mut alias = build(&DEFAULTS[2]);
        alias.name = "DefaultInboundDenyAll".into();
        rules.push(alias);
        let mut renamed = build(&DEFAULTS[3]);
        renamed.name = "SomethingElse".into();
        rules.push(renamed);
        assert_eq!(add_missing(&mut rules), 0);

        // A user rule that happens to share a default's name does not.
        let mut user = build(&DEFAULTS[0]);
        user.kind = RuleKind::User;
        user.priority = 4000;
        let mut rules = vec![user];
        assert_eq!(add_missing(&mut rules), 6);
    }

    #[test]
    fn default_contents() {
        let rules = all();
        let internet = rules
            .iter()
            .find(|r| r.name == "AllowInternetOutBound")
            .unwrap();
        assert_eq!(internet.destination.to_string(), "Internet");
        assert_eq!(internet.source.to_string(), "*");
        assert!(internet.destination_ports.covers_all());
        assert_eq!(internet.priority, 65001);
    }
}
