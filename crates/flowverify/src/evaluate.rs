//! Evaluation, as `docs/semantics.md` rules (Order of evaluation, The answer): admin configurations
//! in scope order, then the NSGs in the direction's order (Inbound: subnet, NIC; Outbound: NIC,
//! subnet), first match by priority in each, with a trace of every rule considered.

use std::net::IpAddr;

use crate::error::clip;
use crate::flow::{Endpoint, Flow};
use crate::inputs::Inputs;
use crate::model::{Access, AddressEntry, AddressSide, PortSide, Rule};
use crate::tags::{builtin_name, is_internet, AZURE_HOST};
use crate::verdict::{
    Condition, DecidedBy, Decision, Layer, LayerDecision, LayerOutcome, LayerTrace, Note, NoteKind,
    RuleTrace, Step, Verdict, Warning, WarningKind,
};

/// What to compute besides the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Record every rule considered (the trace). Off, a verdict costs less.
    pub trace: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { trace: true }
    }
}

/// Verifies `flow` against `inputs`, with the trace.
///
/// ```
/// use flowverify::{verify, Decision, Flow, Inputs, Layer};
/// // With no NSG and no admin rule, nothing decides: the flow is allowed.
/// let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:443", "203.0.113.7:50000").unwrap();
/// let verdict = verify(&Inputs::new(), &flow);
/// assert_eq!(verdict.access, Decision::Allow);
/// assert_eq!(verdict.decided_by.layer, Layer::None);
/// assert_eq!(verdict.rule_name, None);
/// ```
pub fn verify(inputs: &Inputs, flow: &Flow) -> Verdict {
    verify_with(inputs, flow, Options::default())
}

/// Verifies `flow` against `inputs` with `options`.
pub fn verify_with(inputs: &Inputs, flow: &Flow, options: Options) -> Verdict {
    Evaluation::new(inputs, flow, options).run()
}

/// Why one entry of a side could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Missing {
    Tag(String),
    Asg(String),
    NetworkGroup(String),
    BareNumber(String),
}

impl Missing {
    fn warning(&self) -> String {
        match self {
            Missing::Tag(tag) => format!(
                "service tag '{}' is not defined by any input: rules naming it did not match; supply a service tags file (ServiceTags_Public_*.json or the discovery API response) that defines it",
                clip(tag)
            ),
            Missing::Asg(asg) => {
                let asg = clip(asg);
                format!(
                    "application security group '{asg}' has no membership in the input: rules naming it did not match; give its members (asgs: {{\"{asg}\": [IP, ...]}}, --asg {asg}=IP) or the network interface document"
                )
            }
            Missing::NetworkGroup(group) => format!(
                "network group '{}' members are not in any input: admin rules naming it did not match; use the effective admin rules of the virtual network, which list its prefixes",
                clip(group)
            ),
            Missing::BareNumber(n) => format!(
                "address prefix '{}' is a bare number: how Azure matches it is undocumented, so rules holding it matched no address through it; replace it with the IP address or CIDR block meant",
                clip(n)
            ),
        }
    }

    fn short(&self) -> String {
        match self {
            Missing::Tag(tag) => format!("service tag {} is not defined by any input", clip(tag)),
            Missing::Asg(asg) => format!(
                "application security group {} has no known members",
                clip(asg)
            ),
            Missing::NetworkGroup(g) => format!("network group {} has no known members", clip(g)),
            Missing::BareNumber(n) => format!(
                "how Azure matches the bare number {} is undocumented",
                clip(n)
            ),
        }
    }
}

/// The outcome of one address side.
struct SideMatch {
    matched: bool,
    missing: Vec<Missing>,
}

/// The outcome of one port condition: held or not, and whether the flow's port `*` made it
/// impossible to tell (the rule covers only some ports).
#[derive(Debug, Clone, Copy)]
struct PortMatch {
    matched: bool,
    unknown: bool,
}

/// The outcome of one rule: the five NSG-diagnostics flags and what was missing.
struct RuleMatch {
    protocol: bool,
    source: SideMatch,
    source_port: PortMatch,
    destination: SideMatch,
    destination_port: PortMatch,
}

impl RuleMatch {
    fn matched(&self) -> bool {
        self.protocol
            && self.source.matched
            && self.source_port.matched
            && self.destination.matched
            && self.destination_port.matched
    }

    /// Whether the rule would have matched but for an input that is missing (or a flow port
    /// `*` against a rule that covers only some ports).
    fn undetermined(&self) -> bool {
        let side_ok = |s: &SideMatch| s.matched || !s.missing.is_empty();
        let port_ok = |p: &PortMatch| p.matched || p.unknown;
        !self.matched()
            && self.protocol
            && port_ok(&self.source_port)
            && port_ok(&self.destination_port)
            && side_ok(&self.source)
            && side_ok(&self.destination)
    }

    /// The five conditions, in [`Field::ALL`]'s order: a side that did not match for lack of
    /// input, and a port side the flow's `*` could not settle, are unknown.
    fn conditions(&self) -> [Condition; 5] {
        let side = |s: &SideMatch| match (s.matched, s.missing.is_empty()) {
            (true, _) => Condition::Holds,
            (false, false) => Condition::Unknown,
            (false, true) => Condition::Fails,
        };
        let port = |p: &PortMatch| match (p.matched, p.unknown) {
            (true, _) => Condition::Holds,
            (false, true) => Condition::Unknown,
            (false, false) => Condition::Fails,
        };
        let protocol = if self.protocol {
            Condition::Holds
        } else {
            Condition::Fails
        };
        [
            protocol,
            side(&self.source),
            port(&self.source_port),
            side(&self.destination),
            port(&self.destination_port),
        ]
    }
}

struct Evaluation<'a> {
    inputs: &'a Inputs,
    flow: &'a Flow,
    options: Options,
    source: Endpoint,
    destination: Endpoint,
    uncertain: bool,
    warnings: Vec<Warning>,
    trace: Vec<LayerTrace>,
    path: Vec<Step>,
}

/// A rule that decided a layer, with where it is.
struct Decider<'a> {
    rule: &'a Rule,
    layer: Layer,
    resource: &'a str,
}

impl<'a> Evaluation<'a> {
    fn new(inputs: &'a Inputs, flow: &'a Flow, options: Options) -> Evaluation<'a> {
        Evaluation {
            inputs,
            flow,
            options,
            source: flow.source(),
            destination: flow.destination(),
            uncertain: false,
            warnings: inputs
                .notes
                .iter()
                .map(|n| Warning::new(WarningKind::Input, n.clone()))
                .collect(),
            trace: Vec::new(),
            path: Vec::new(),
        }
    }

    fn run(mut self) -> Verdict {
        let direction = self.flow.direction();
        // Every layer the inputs have, in evaluation order: admin configurations highest scope
        // first, then the NSGs in the direction's order (a missing NSG is no layer).
        let mut layers: Vec<(Layer, &'a str, &'a [Rule])> = self
            .inputs
            .admin_layers()
            .into_iter()
            .map(|c| (Layer::Admin, c.name.as_str(), c.rules.as_slice()))
            .collect();
        for (layer, nsg) in self.inputs.nsg_chain(direction) {
            if let Some(nsg) = nsg {
                layers.push((layer, nsg.name.as_str(), nsg.rules.as_slice()));
            }
        }

        let mut decided: Option<(Decision, Decider<'a>)> = None;
        let mut handed_over: Option<Decider<'a>> = None;
        let mut last_allow: Option<Decider<'a>> = None;
        for (layer, resource, rules) in layers {
            // An admin Allow ends the admin evaluation (the NSGs decide); a Deny or an
            // AlwaysAllow ends everything.
            let reached = decided.is_none() && !(layer == Layer::Admin && handed_over.is_some());
            if !reached {
                if self.options.trace {
                    // What the layer would decide on its own, for the path: no trace, no
                    // warnings, no uncertainty (the flow never gets there).
                    let found = self.quietly(rules);
                    self.step(layer, resource, false, found);
                }
                continue;
            }
            let found = self.first_match(layer, resource, rules);
            self.step(layer, resource, true, found);
            let Some(rule) = found else {
                if layer != Layer::Admin {
                    self.warn(WarningKind::NoRuleMatched, format!(
                        "no rule of NSG '{}' matched, not even a default rule: the NSG allowed the flow at its level",
                        clip(resource)
                    ));
                }
                continue;
            };
            let decider = Decider {
                rule,
                layer,
                resource,
            };
            match (layer, rule.access) {
                (_, Access::Deny) => decided = Some((Decision::Deny, decider)),
                (_, Access::AlwaysAllow) => decided = Some((Decision::Allow, decider)),
                (Layer::Admin, Access::Allow) => handed_over = Some(decider),
                (_, Access::Allow) => last_allow = Some(decider),
            }
        }
        match decided {
            Some((access, decider)) => self.finish(access, Some(decider)),
            None => {
                let decider = last_allow.or(handed_over);
                self.finish(Decision::Allow, decider)
            }
        }
    }

    /// The first match of a layer the flow never reaches, with no trace, warning or
    /// uncertainty recorded.
    fn quietly(&self, rules: &'a [Rule]) -> Option<&'a Rule> {
        let mut probe = Evaluation {
            inputs: self.inputs,
            flow: self.flow,
            options: Options { trace: false },
            source: self.source,
            destination: self.destination,
            uncertain: false,
            warnings: Vec::new(),
            trace: Vec::new(),
            path: Vec::new(),
        };
        probe.first_match(Layer::None, "", rules)
    }

    /// Records a layer on the path: reached or not, what it decides on its own, its rule.
    fn step(&mut self, layer: Layer, resource: &str, reached: bool, found: Option<&Rule>) {
        if !self.options.trace {
            return;
        }
        let outcome = match (layer, found.map(|r| r.access)) {
            (_, None) => LayerOutcome::NoMatch,
            (_, Some(Access::Deny)) => LayerOutcome::Deny,
            (_, Some(Access::AlwaysAllow)) => LayerOutcome::AlwaysAllow,
            (Layer::Admin, Some(Access::Allow)) => LayerOutcome::PassToNsgs,
            (_, Some(Access::Allow)) => LayerOutcome::Allow,
        };
        self.path.push(Step {
            layer,
            resource: resource.to_string(),
            reached,
            outcome,
            rule: found.map(Rule::reported_name),
        });
    }

    /// Evaluates one layer: its rules of the flow's direction by priority (equal priorities keep
    /// input order), returning the first match and recording the trace.
    fn first_match(&mut self, layer: Layer, resource: &str, rules: &'a [Rule]) -> Option<&'a Rule> {
        let direction = self.flow.direction();
        let mut ordered: Vec<&'a Rule> =
            rules.iter().filter(|r| r.direction == direction).collect();
        ordered.sort_by_key(|r| r.priority);

        let mut considered = Vec::new();
        let mut found = None;
        for rule in ordered {
            let m = self.match_rule(rule);
            let matched = m.matched();
            for warning in &rule.warnings {
                self.warn(WarningKind::Input, warning.clone());
            }
            if m.undetermined() {
                self.uncertain = true;
                for missing in m.source.missing.iter().chain(&m.destination.missing) {
                    self.warn(WarningKind::Missing, missing.warning());
                }
                for (what, port) in [
                    ("source", &m.source_port),
                    ("destination", &m.destination_port),
                ] {
                    if port.unknown {
                        let ports = if what == "source" {
                            &rule.source_ports
                        } else {
                            &rule.destination_ports
                        };
                        self.warn(WarningKind::Missing, format!(
                            "the flow's {what} port is * (any port), and rule {} covers only {what} ports {ports}: whether it applies depends on the port, so the verdict is uncertain; give a port number to settle it",
                            clip(&rule.reported_name())
                        ));
                    }
                }
            }
            if self.options.trace {
                considered.push(self.rule_trace(rule, &m));
            }
            if matched {
                found = Some(rule);
                break;
            }
        }
        if self.options.trace {
            let decision = match found.map(|r| r.access) {
                None => LayerDecision::NoMatch,
                Some(Access::Allow) => LayerDecision::Allow,
                Some(Access::Deny) => LayerDecision::Deny,
                Some(Access::AlwaysAllow) => LayerDecision::AlwaysAllow,
            };
            self.trace.push(LayerTrace {
                layer,
                resource: resource.to_string(),
                decision,
                rules: considered,
            });
        }
        found
    }

    fn match_rule(&mut self, rule: &Rule) -> RuleMatch {
        RuleMatch {
            protocol: rule.protocol.contains(self.flow.protocol()),
            source: self.match_side(&rule.source, self.source.ip()),
            source_port: port_matches(&rule.source_ports, &self.source),
            destination: self.match_side(&rule.destination, self.destination.ip()),
            destination_port: port_matches(&rule.destination_ports, &self.destination),
        }
    }

    fn match_side(&mut self, side: &AddressSide, ip: IpAddr) -> SideMatch {
        let mut missing = Vec::new();
        if side.entries().is_empty() {
            return SideMatch {
                matched: true,
                missing,
            };
        }
        for entry in side.entries() {
            match self.entry_contains(entry, ip) {
                Ok(true) => {
                    return SideMatch {
                        matched: true,
                        missing: Vec::new(),
                    }
                }
                Ok(false) => {}
                Err(m) => missing.push(m),
            }
        }
        SideMatch {
            matched: false,
            missing,
        }
    }

    /// Whether `entry` contains `ip`, or what input is missing to tell.
    fn entry_contains(&mut self, entry: &AddressEntry, ip: IpAddr) -> Result<bool, Missing> {
        match entry {
            AddressEntry::Any => Ok(true),
            AddressEntry::Prefix(net) => Ok(net.contains(&ip)),
            AddressEntry::Expanded { prefixes, .. } => Ok(prefixes.iter().any(|n| n.contains(&ip))),
            AddressEntry::Tag(name) => self.tag_contains(name, ip),
            AddressEntry::Asg(name) => match self.inputs.asg_members(name) {
                Some(members) => Ok(members.contains(&ip)),
                None => Err(Missing::Asg(name.clone())),
            },
            AddressEntry::NetworkGroup(name) => Err(Missing::NetworkGroup(name.clone())),
            AddressEntry::BareNumber(n) => Err(Missing::BareNumber(n.clone())),
        }
    }

    /// Service tag lookup: a supplied definition first (a file, or effective rules' tag map),
    /// then the built-in `VirtualNetwork`, `AzureLoadBalancer` and `Internet`.
    fn tag_contains(&mut self, name: &str, ip: IpAddr) -> Result<bool, Missing> {
        if let Some(prefixes) = self.inputs.service_tags.get(name) {
            return Ok(prefixes.iter().any(|n| n.contains(&ip)));
        }
        match builtin_name(name) {
            Some("VirtualNetwork") => {
                if self.inputs.virtual_network.is_empty() {
                    self.warn(
                        WarningKind::NoVirtualNetwork,
                        "no virtual network prefixes were given: the VirtualNetwork tag covers only 168.63.129.16; give them (virtualNetwork: [CIDR, ...], --vnet CIDR)"
                            .to_string(),
                    );
                }
                Ok(ip == IpAddr::V4(AZURE_HOST)
                    || self.inputs.virtual_network.iter().any(|n| n.contains(&ip)))
            }
            Some("AzureLoadBalancer") => Ok(ip == IpAddr::V4(AZURE_HOST)),
            Some("Internet") => Ok(is_internet(ip)),
            _ => Err(Missing::Tag(name.to_string())),
        }
    }

    fn rule_trace(&self, rule: &Rule, m: &RuleMatch) -> RuleTrace {
        RuleTrace {
            name: rule.reported_name(),
            priority: rule.priority,
            access: rule.access,
            matched: m.matched(),
            conditions: m.conditions(),
            reason: (!m.matched()).then(|| self.reason(rule, m)),
            uncertain: m.undetermined(),
            warnings: rule.warnings.clone(),
        }
    }

    /// Plain words for the first field that failed.
    fn reason(&self, rule: &Rule, m: &RuleMatch) -> String {
        let side_reason = |what: &str, ip: IpAddr, side: &AddressSide, s: &SideMatch| {
            let mut text = format!("{what} {ip} is not in {side}");
            if !s.missing.is_empty() {
                let why: Vec<String> = s.missing.iter().map(Missing::short).collect();
                text.push_str(&format!(" ({})", why.join("; ")));
            }
            text
        };
        let port_reason = |what: &str, end: &Endpoint, side: &PortSide| {
            match end.port() {
            Some(p) => format!("{what} port {p} is not in {side}"),
            None if end.has_any_port() => format!(
                "{what} port * (any port) may or may not be in {side}: the rule covers only some ports"
            ),
            None => format!(
                "{} has no ports and the rule's {what} ports {side} do not cover every port",
                self.flow.protocol()
            ),
        }
        };
        if !m.protocol {
            format!("protocol {} is not {}", self.flow.protocol(), rule.protocol)
        } else if !m.source.matched {
            side_reason("source", self.source.ip(), &rule.source, &m.source)
        } else if !m.source_port.matched {
            port_reason("source", &self.source, &rule.source_ports)
        } else if !m.destination.matched {
            side_reason(
                "destination",
                self.destination.ip(),
                &rule.destination,
                &m.destination,
            )
        } else {
            port_reason("destination", &self.destination, &rule.destination_ports)
        }
    }

    fn warn(&mut self, kind: WarningKind, text: String) {
        if !self.warnings.iter().any(|w| w.text() == text) {
            self.warnings.push(Warning::new(kind, text));
        }
    }

    fn finish(self, access: Decision, decider: Option<Decider<'_>>) -> Verdict {
        let (rule_name, decided_by) = match decider {
            Some(d) => (
                Some(d.rule.reported_name()),
                DecidedBy {
                    layer: d.layer,
                    resource: Some(d.resource.to_string()),
                },
            ),
            None => (
                None,
                DecidedBy {
                    layer: Layer::None,
                    resource: None,
                },
            ),
        };
        let mut notes = Vec::new();
        if self.inputs.subnet_layer().is_none() && self.inputs.nic_layer().is_none() {
            notes.push(Note::new(NoteKind::NsgsNotApplied, NO_NSG_NOTE));
        }
        let blockers = match access {
            Decision::Allow => Vec::new(),
            Decision::Deny => self
                .path
                .iter()
                .filter(|s| s.outcome == LayerOutcome::Deny)
                .filter_map(|s| {
                    Some(crate::verdict::Blocker {
                        rule: s.rule.clone()?,
                        layer: s.layer,
                        resource: s.resource.clone(),
                    })
                })
                .collect(),
        };
        Verdict {
            access,
            rule_name,
            decided_by,
            uncertain: self.uncertain,
            warnings: self.warnings,
            notes,
            path: self.path,
            blockers,
            flow: *self.flow,
            trace: self.trace,
        }
    }
}

/// The note on every verdict for a target without any NSG.
pub const NO_NSG_NOTE: &str = "the target has no NSG (neither on its subnet nor on its network \
    interface), so nothing filters its traffic and the verdict is Allow unless an admin rule \
    denies it; Azure's IP flow verify itself does not answer for such a target: it returns the \
    error NsgsNotAppliedOnNic";

/// A port condition against a flow's port; a portless flow (Icmp, Esp, Ah) and a flow port `*`
/// need a side that covers every port, and for `*` a narrower side is unknown, not a miss.
fn port_matches(side: &PortSide, end: &Endpoint) -> PortMatch {
    match end.port() {
        Some(p) => PortMatch {
            matched: side.contains(p),
            unknown: false,
        },
        None => {
            let matched = side.covers_all();
            PortMatch {
                matched,
                unknown: !matched && end.has_any_port(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AdminConfiguration, Direction, Nsg, PortRange, RuleKind, RuleProtocol};
    use crate::verdict::Field;

    fn side(text: &str) -> AddressSide {
        if text.is_empty() {
            return AddressSide::any();
        }
        AddressSide::from_entries(
            text.split(',')
                .map(|t| match t.trim().strip_prefix("asg:") {
                    Some(asg) => AddressEntry::Asg(asg.to_string()),
                    None => AddressEntry::parse(t).unwrap(),
                })
                .collect(),
        )
    }

    fn ports(text: &str) -> PortSide {
        PortSide::from_ranges(
            text.split(',')
                .map(|p| PortRange::parse(p).unwrap())
                .collect(),
        )
    }

    /// `rule("Name", 100, "in", "deny", "tcp", "src", "sport", "dst", "dport")`.
    #[allow(clippy::too_many_arguments)]
    fn rule(
        name: &str,
        priority: u32,
        dir: &str,
        access: &str,
        proto: &str,
        src: &str,
        sport: &str,
        dst: &str,
        dport: &str,
    ) -> Rule {
        Rule {
            name: name.into(),
            kind: if priority >= 65000 {
                RuleKind::Default
            } else {
                RuleKind::User
            },
            priority,
            direction: Direction::parse(dir).unwrap(),
            access: Access::parse(access).unwrap(),
            protocol: RuleProtocol::parse(proto).unwrap(),
            source: side(src),
            source_ports: ports(sport),
            destination: side(dst),
            destination_ports: ports(dport),
            collection: None,
            warnings: Vec::new(),
        }
    }

    fn defaults() -> Vec<Rule> {
        vec![
            rule(
                "AllowVnetInBound",
                65000,
                "in",
                "allow",
                "*",
                "VirtualNetwork",
                "*",
                "VirtualNetwork",
                "*",
            ),
            rule(
                "AllowAzureLoadBalancerInBound",
                65001,
                "in",
                "allow",
                "*",
                "AzureLoadBalancer",
                "*",
                "*",
                "*",
            ),
            rule(
                "DenyAllInBound",
                65500,
                "in",
                "deny",
                "*",
                "*",
                "*",
                "*",
                "*",
            ),
            rule(
                "AllowVnetOutBound",
                65000,
                "out",
                "allow",
                "*",
                "VirtualNetwork",
                "*",
                "VirtualNetwork",
                "*",
            ),
            rule(
                "AllowInternetOutBound",
                65001,
                "out",
                "allow",
                "*",
                "*",
                "*",
                "Internet",
                "*",
            ),
            rule(
                "DenyAllOutBound",
                65500,
                "out",
                "deny",
                "*",
                "*",
                "*",
                "*",
                "*",
            ),
        ]
    }

    fn nsg(name: &str, mut rules: Vec<Rule>) -> Nsg {
        rules.extend(defaults());
        Nsg {
            name: name.into(),
            rules,
        }
    }

    fn admin(name: &str, rules: Vec<Rule>) -> AdminConfiguration {
        AdminConfiguration {
            name: name.into(),
            rules: rules
                .into_iter()
                .map(|mut r| {
                    r.kind = RuleKind::Admin;
                    r
                })
                .collect(),
        }
    }

    fn inputs() -> Inputs {
        Inputs {
            virtual_network: vec!["10.0.0.0/16".parse().unwrap()],
            ..Inputs::default()
        }
    }

    fn flow(d: &str, p: &str, local: &str, remote: &str) -> Flow {
        Flow::parse(d, p, local, remote).unwrap()
    }

    #[test]
    fn subnet_deny_stops_before_nic_inbound() {
        let mut i = inputs();
        i.subnet_nsg = Some(nsg(
            "nsg-subnet",
            vec![rule(
                "DenyRdp", 200, "in", "deny", "tcp", "*", "*", "*", "3389",
            )],
        ));
        i.nic_nsg = Some(nsg(
            "nsg-nic",
            vec![rule(
                "AllowRdp", 100, "in", "allow", "tcp", "*", "*", "*", "3389",
            )],
        ));
        let v = verify(&i, &flow("in", "tcp", "10.0.1.4:3389", "10.0.2.5:1234"));
        assert_eq!(v.access, Decision::Deny);
        assert_eq!(v.rule_name.as_deref(), Some("securityRules/DenyRdp"));
        assert_eq!(v.decided_by.layer, Layer::Subnet);
        assert_eq!(v.trace.len(), 1, "the NIC NSG is never evaluated");
    }

    #[test]
    fn outbound_evaluates_nic_first_and_reports_last_allow() {
        let mut i = inputs();
        i.subnet_nsg = Some(nsg("nsg-subnet", vec![]));
        i.nic_nsg = Some(nsg(
            "nsg-nic",
            vec![rule(
                "AllowWeb", 100, "out", "allow", "tcp", "*", "*", "*", "443",
            )],
        ));
        let v = verify(&i, &flow("out", "tcp", "10.0.1.4:50000", "203.0.113.9:443"));
        assert_eq!(v.access, Decision::Allow);
        assert_eq!(v.trace[0].layer, Layer::Nic);
        assert_eq!(v.trace[1].layer, Layer::Subnet);
        // Both allow: the LAST NSG evaluated (outbound: subnet) names the rule.
        assert_eq!(
            v.rule_name.as_deref(),
            Some("defaultSecurityRules/AllowInternetOutBound")
        );
        assert_eq!(v.decided_by.layer, Layer::Subnet);
        assert_eq!(v.decided_by.resource.as_deref(), Some("nsg-subnet"));
    }

    #[test]
    fn no_nsg_and_no_admin_allows_with_no_rule() {
        let v = verify(&inputs(), &flow("in", "udp", "10.0.1.4:53", "8.8.8.8:53"));
        assert_eq!(v.access, Decision::Allow);
        assert_eq!(v.rule_name, None);
        assert_eq!(v.decided_by.layer, Layer::None);
        assert!(v.trace.is_empty());
    }

    #[test]
    fn admin_deny_always_allow_and_allow_hand_over() {
        let mut i = inputs();
        i.admin.push(admin(
            "cfg-high-risk",
            vec![
                rule(
                    "DenySsh", 10, "in", "deny", "tcp", "Internet", "*", "*", "22",
                ),
                rule(
                    "AllowMgmtSsh",
                    5,
                    "in",
                    "alwaysallow",
                    "tcp",
                    "198.51.100.0/24",
                    "*",
                    "*",
                    "22",
                ),
                rule("AllowWeb", 20, "in", "allow", "tcp", "*", "*", "*", "443"),
            ],
        ));
        i.nic_nsg = Some(nsg("nsg-nic", vec![]));

        let denied = verify(&i, &flow("in", "tcp", "10.0.1.4:22", "203.0.113.7:50000"));
        assert_eq!(denied.access, Decision::Deny);
        assert_eq!(
            denied.rule_name.as_deref(),
            Some("securityAdminRules/DenySsh")
        );
        assert_eq!(denied.decided_by.layer, Layer::Admin);
        assert_eq!(denied.decided_by.resource.as_deref(), Some("cfg-high-risk"));

        let exception = verify(&i, &flow("in", "tcp", "10.0.1.4:22", "198.51.100.9:50000"));
        assert_eq!(exception.access, Decision::Allow);
        assert_eq!(
            exception.rule_name.as_deref(),
            Some("securityAdminRules/AllowMgmtSsh")
        );
        assert_eq!(exception.trace.len(), 1, "AlwaysAllow skips the NSGs");

        // Allow hands over to the NSGs, whose DenyAllInBound decides.
        let handed = verify(&i, &flow("in", "tcp", "10.0.1.4:443", "203.0.113.7:50000"));
        assert_eq!(handed.access, Decision::Deny);
        assert_eq!(
            handed.rule_name.as_deref(),
            Some("defaultSecurityRules/DenyAllInBound")
        );
        assert_eq!(handed.decided_by.layer, Layer::Nic);
        assert_eq!(handed.trace[0].decision, LayerDecision::Allow);
    }

    #[test]
    fn admin_allow_with_no_nsg_is_reported_as_the_admin_rule() {
        let mut i = inputs();
        i.admin.push(admin(
            "cfg",
            vec![rule(
                "AllowWeb", 20, "in", "allow", "tcp", "*", "*", "*", "443",
            )],
        ));
        let v = verify(&i, &flow("in", "tcp", "10.0.1.4:443", "203.0.113.7:50000"));
        assert_eq!(v.access, Decision::Allow);
        assert_eq!(v.rule_name.as_deref(), Some("securityAdminRules/AllowWeb"));
        assert_eq!(v.decided_by.layer, Layer::Admin);
    }

    #[test]
    fn configurations_are_evaluated_in_scope_order() {
        let mut i = inputs();
        i.admin.push(admin(
            "mg-level",
            vec![rule(
                "AllowAll",
                100,
                "in",
                "alwaysallow",
                "*",
                "*",
                "*",
                "*",
                "*",
            )],
        ));
        i.admin.push(admin(
            "sub-level",
            vec![rule("DenyAll", 1, "in", "deny", "*", "*", "*", "*", "*")],
        ));
        let v = verify(&i, &flow("in", "tcp", "10.0.1.4:80", "10.0.2.4:5000"));
        assert_eq!(v.access, Decision::Allow);
        assert_eq!(v.decided_by.resource.as_deref(), Some("mg-level"));
    }

    #[test]
    fn icmp_matches_only_rules_covering_every_port() {
        let mut i = inputs();
        i.nic_nsg = Some(nsg(
            "nsg",
            vec![
                rule("DenySomePorts", 100, "in", "deny", "*", "*", "*", "*", "22"),
                rule(
                    "AllowAllPorts",
                    110,
                    "in",
                    "allow",
                    "*",
                    "*",
                    "0-1000,1001-65535",
                    "*",
                    "*",
                ),
            ],
        ));
        let v = verify(&i, &flow("in", "icmp", "10.0.1.4", "203.0.113.7"));
        assert_eq!(v.rule_name.as_deref(), Some("securityRules/AllowAllPorts"));
        let reason = v.trace[0].rules[0].reason.clone().unwrap();
        assert!(reason.contains("Icmp has no ports"), "{reason}");
        assert_eq!(
            v.trace[0].rules[0].condition(Field::DestinationPort),
            Condition::Fails
        );
    }

    #[test]
    fn star_protocol_covers_esp_and_ah() {
        let mut i = inputs();
        i.nic_nsg = Some(nsg(
            "nsg",
            vec![rule("DenyAny", 100, "out", "deny", "*", "*", "*", "*", "*")],
        ));
        for p in ["esp", "ah"] {
            let v = verify(&i, &flow("out", p, "10.0.1.4", "203.0.113.7"));
            assert_eq!(v.rule_name.as_deref(), Some("securityRules/DenyAny"));
        }
    }

    #[test]
    fn ipv6_flows_match_ipv6_prefixes_and_any() {
        let mut i = inputs();
        i.nic_nsg = Some(nsg(
            "nsg",
            vec![
                rule(
                    "DenyV4",
                    100,
                    "in",
                    "deny",
                    "tcp",
                    "10.0.0.0/8",
                    "*",
                    "*",
                    "*",
                ),
                rule(
                    "AllowV6",
                    110,
                    "in",
                    "allow",
                    "tcp",
                    "2001:db8::/32",
                    "*",
                    "*",
                    "443",
                ),
            ],
        ));
        let v = verify(
            &i,
            &flow("in", "tcp", "[fd00::4]:443", "[2001:db8::7]:50000"),
        );
        assert_eq!(v.rule_name.as_deref(), Some("securityRules/AllowV6"));
        // `*` matches IPv6 too: DenyAllInBound decides another source.
        let v = verify(
            &i,
            &flow("in", "tcp", "[fd00::4]:443", "[2001:db9::7]:50000"),
        );
        assert_eq!(
            v.rule_name.as_deref(),
            Some("defaultSecurityRules/DenyAllInBound")
        );
    }

    #[test]
    fn unknown_tag_does_not_match_and_marks_uncertain() {
        let mut i = inputs();
        i.nic_nsg = Some(nsg(
            "nsg",
            vec![rule(
                "AllowStorage",
                100,
                "out",
                "allow",
                "tcp",
                "*",
                "*",
                "Storage.WestUS",
                "443",
            )],
        ));
        let v = verify(&i, &flow("out", "tcp", "10.0.1.4:50000", "20.60.1.1:443"));
        assert_eq!(
            v.rule_name.as_deref(),
            Some("defaultSecurityRules/AllowInternetOutBound")
        );
        assert!(v.uncertain);
        let missing = v
            .warnings
            .iter()
            .find(|w| w.text().contains("Storage.WestUS"));
        assert_eq!(missing.map(Warning::kind), Some(WarningKind::Missing));

        // Supplied, it decides; and a tag mismatch on a rule that fails on ports anyway is not uncertain.
        i.service_tags
            .insert("Storage.WestUS", vec!["20.60.0.0/16".parse().unwrap()]);
        let v = verify(&i, &flow("out", "tcp", "10.0.1.4:50000", "20.60.1.1:443"));
        assert_eq!(v.rule_name.as_deref(), Some("securityRules/AllowStorage"));
        assert!(!v.uncertain);
    }

    #[test]
    fn asg_membership_decides_and_unknown_asg_is_uncertain() {
        let mut i = inputs();
        i.nic_nsg = Some(nsg(
            "nsg",
            vec![rule(
                "AllowWebToDb",
                100,
                "in",
                "allow",
                "tcp",
                "asg:asg-web",
                "*",
                "asg:asg-db",
                "1433",
            )],
        ));
        let f = flow("in", "tcp", "10.0.2.4:1433", "10.0.1.4:50000");
        let v = verify(&i, &f);
        assert!(v.uncertain);
        assert_eq!(
            v.rule_name.as_deref(),
            Some("defaultSecurityRules/AllowVnetInBound")
        );
        i.asgs = vec![
            ("ASG-WEB".into(), vec!["10.0.1.4".parse().unwrap()]),
            ("asg-db".into(), vec!["10.0.2.4".parse().unwrap()]),
        ];
        let v = verify(&i, &f);
        assert!(!v.uncertain);
        assert_eq!(v.rule_name.as_deref(), Some("securityRules/AllowWebToDb"));
    }

    #[test]
    fn virtual_network_tag_without_prefixes_warns() {
        let mut i = Inputs::new();
        i.nic_nsg = Some(nsg("nsg", vec![]));
        let v = verify(&i, &flow("in", "tcp", "10.0.1.4:80", "10.0.2.4:5000"));
        assert_eq!(
            v.rule_name.as_deref(),
            Some("defaultSecurityRules/DenyAllInBound")
        );
        assert!(v
            .warnings
            .iter()
            .any(|w| w.kind() == WarningKind::NoVirtualNetwork
                && w.text().contains("virtual network prefixes")));
        // 168.63.129.16 is in VirtualNetwork regardless, but the destination 10.0.1.4 is not
        // without prefixes: the load balancer rule lets the host's probe in.
        let v = verify(&i, &flow("in", "tcp", "10.0.1.4:80", "168.63.129.16:5000"));
        assert_eq!(
            v.rule_name.as_deref(),
            Some("defaultSecurityRules/AllowAzureLoadBalancerInBound")
        );
        assert_eq!(
            v.trace[0].rules[0].condition(Field::Destination),
            Condition::Fails
        );
    }

    #[test]
    fn rules_listed_out_of_order_are_evaluated_by_priority() {
        let mut i = inputs();
        i.nic_nsg = Some(nsg(
            "nsg",
            vec![
                rule("AllowLater", 300, "in", "allow", "tcp", "*", "*", "*", "80"),
                rule("DenyFirst", 150, "in", "deny", "tcp", "*", "*", "*", "80"),
            ],
        ));
        let v = verify(&i, &flow("in", "tcp", "10.0.1.4:80", "203.0.113.7:5000"));
        assert_eq!(v.rule_name.as_deref(), Some("securityRules/DenyFirst"));
        assert_eq!(v.trace[0].rules.len(), 1);
    }

    #[test]
    fn trace_flags_and_reason_name_the_first_failing_field() {
        let mut i = inputs();
        i.subnet_nsg = Some(nsg(
            "nsg-web-subnet",
            vec![
                rule(
                    "AllowHttpFromInternet",
                    100,
                    "in",
                    "allow",
                    "tcp",
                    "Internet",
                    "*",
                    "*",
                    "80",
                ),
                rule(
                    "DenyRdpAll",
                    200,
                    "in",
                    "deny",
                    "tcp",
                    "*",
                    "*",
                    "*",
                    "3389",
                ),
            ],
        ));
        let v = verify(&i, &flow("in", "tcp", "10.0.1.4:3389", "10.0.2.5:1234"));
        let first = &v.trace[0].rules[0];
        use Condition::{Fails, Holds};
        assert!(!first.matched);
        assert_eq!(first.conditions, [Holds, Fails, Holds, Holds, Fails]);
        assert_eq!(
            first.reason.as_deref(),
            Some("source 10.0.2.5 is not in Internet")
        );
        assert!(v.trace[0].rules[1].matched && v.trace[0].rules[1].reason.is_none());

        let quiet = verify_with(
            &i,
            &flow("in", "tcp", "10.0.1.4:3389", "10.0.2.5:1234"),
            Options { trace: false },
        );
        assert!(quiet.trace.is_empty());
        assert_eq!(quiet.rule_name, v.rule_name);
    }
}
