//! A deliberately simple reference evaluator, written apart from `evaluate.rs` and straight
//! from `docs/semantics.md`: no sorting, no trace, no shared helpers beyond the model's
//! plain data. Every faster or richer path is checked against it (see `properties.rs`).

use std::net::{IpAddr, Ipv4Addr};

use flowverify::model::{
    Access, AddressEntry, AddressSide, Direction, PortSide, Rule, RuleProtocol,
};
use flowverify::{Flow, Inputs};

/// What IP flow verify answers, and which layer decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub access: &'static str,
    pub rule_name: Option<String>,
    pub layer: &'static str,
}

fn public_v4(ip: Ipv4Addr) -> bool {
    let o = ip.octets();
    !(o[0] == 0
        || o[0] == 10
        || (o[0] == 100 && (64..128).contains(&o[1]))
        || o[0] == 127
        || (o[0] == 169 && o[1] == 254)
        || (o[0] == 172 && (16..32).contains(&o[1]))
        || (o[0] == 192 && o[1] == 168)
        || o[0] >= 224)
}

fn in_tag(inputs: &Inputs, tag: &str, ip: IpAddr) -> bool {
    if let Some(prefixes) = inputs.service_tags.get(tag) {
        return prefixes.iter().any(|p| p.contains(&ip));
    }
    let host = IpAddr::V4(Ipv4Addr::new(168, 63, 129, 16));
    match tag.to_lowercase().as_str() {
        "virtualnetwork" | "virtual_network" => {
            ip == host || inputs.virtual_network.iter().any(|p| p.contains(&ip))
        }
        "azureloadbalancer" | "azure_loadbalancer" => ip == host,
        "internet" => match ip {
            IpAddr::V4(v4) => public_v4(v4),
            IpAddr::V6(v6) => (v6.segments()[0] >> 13) == 1,
        },
        _ => false,
    }
}

/// Whether one address entry holds `ip` (an entry whose membership no input gives holds none).
pub fn entry_has(inputs: &Inputs, entry: &AddressEntry, ip: IpAddr) -> bool {
    match entry {
        AddressEntry::Any => true,
        AddressEntry::Prefix(p) => p.contains(&ip),
        AddressEntry::Expanded { prefixes, .. } => prefixes.iter().any(|p| p.contains(&ip)),
        AddressEntry::Tag(t) => in_tag(inputs, t, ip),
        AddressEntry::Asg(name) => inputs
            .asg_members(name)
            .is_some_and(|members| members.contains(&ip)),
        AddressEntry::NetworkGroup(_) | AddressEntry::BareNumber(_) => false,
    }
}

fn side_has(inputs: &Inputs, side: &AddressSide, ip: IpAddr) -> bool {
    side.entries().is_empty() || side.entries().iter().any(|e| entry_has(inputs, e, ip))
}

fn ports_have(side: &PortSide, port: Option<u16>) -> bool {
    match port {
        Some(p) => side.ranges().is_empty() || side.ranges().iter().any(|r| r.contains(p)),
        // No port: every port 0..=65535 must be in some range.
        None => (0..=u16::MAX)
            .all(|p| side.ranges().is_empty() || side.ranges().iter().any(|r| r.contains(p))),
    }
}

fn matches(inputs: &Inputs, rule: &Rule, flow: &Flow) -> bool {
    let (src, dst) = if flow.direction() == Direction::Inbound {
        (flow.remote(), flow.local())
    } else {
        (flow.local(), flow.remote())
    };
    rule.direction == flow.direction()
        && match rule.protocol {
            RuleProtocol::Any => true,
            RuleProtocol::Only(p) => p == flow.protocol(),
        }
        && side_has(inputs, &rule.source, src.ip())
        && side_has(inputs, &rule.destination, dst.ip())
        && ports_have(&rule.source_ports, src.port())
        && ports_have(&rule.destination_ports, dst.port())
}

/// The matching rule with the lowest priority; on equal priorities the one listed first.
pub fn winner<'a>(inputs: &Inputs, rules: &'a [Rule], flow: &Flow) -> Option<&'a Rule> {
    let mut best: Option<&Rule> = None;
    for rule in rules {
        if matches(inputs, rule, flow) && best.is_none_or(|b| rule.priority < b.priority) {
            best = Some(rule);
        }
    }
    best
}

fn name(rule: &Rule) -> Option<String> {
    Some(rule.reported_name())
}

/// The reference answer.
pub fn answer(inputs: &Inputs, flow: &Flow) -> Answer {
    let mut admin_allow = None;
    for cfg in inputs.admin_layers() {
        if let Some(rule) = winner(inputs, &cfg.rules, flow) {
            match rule.access {
                Access::Deny => {
                    return Answer {
                        access: "Deny",
                        rule_name: name(rule),
                        layer: "admin",
                    }
                }
                Access::AlwaysAllow => {
                    return Answer {
                        access: "Allow",
                        rule_name: name(rule),
                        layer: "admin",
                    }
                }
                Access::Allow => {
                    admin_allow = Some(rule);
                    break;
                }
            }
        }
    }
    let chain = if flow.direction() == Direction::Inbound {
        [
            ("subnet", inputs.subnet_layer()),
            ("nic", inputs.nic_layer()),
        ]
    } else {
        [
            ("nic", inputs.nic_layer()),
            ("subnet", inputs.subnet_layer()),
        ]
    };
    let mut last = None;
    for (layer, nsg) in chain {
        if let Some(nsg) = nsg {
            if let Some(rule) = winner(inputs, &nsg.rules, flow) {
                if rule.access == Access::Deny {
                    return Answer {
                        access: "Deny",
                        rule_name: name(rule),
                        layer,
                    };
                }
                last = Some((layer, rule));
            }
        }
    }
    match (last, admin_allow) {
        (Some((layer, rule)), _) => Answer {
            access: "Allow",
            rule_name: name(rule),
            layer,
        },
        (None, Some(rule)) => Answer {
            access: "Allow",
            rule_name: name(rule),
            layer: "admin",
        },
        (None, None) => Answer {
            access: "Allow",
            rule_name: None,
            layer: "none",
        },
    }
}
