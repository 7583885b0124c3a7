//! What the user is working on: every input slot's text exactly as typed, the virtual network
//! prefixes, ASG membership and the flows with their expectations. It is what the page autosaves,
//! and it converts to and from the scenario document of `docs/formats.md` (permalinks,
//! download and upload).

use std::collections::BTreeMap;

use flowverify::flow::Endpoint;
use flowverify::model::{Direction, Protocol};
use flowverify::scenario::{Expectation, FlowSpec, Scenario};
use flowverify::{Decision, Layer, Slot};
use serde::Serialize;
use serde_json::Value;

/// A document slot of the page: one per scenario slot, admin rules several times.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocSlot {
    /// The NSG of the target's subnet.
    SubnetNsg,
    /// The NSG of the target's network interface.
    NicNsg,
    /// The n-th admin configuration (0-based), highest scope first.
    Admin(usize),
    /// Effective security rules of the network interface.
    EffectiveRules,
    /// A network interface document.
    Nic,
    /// A service tags file.
    ServiceTags,
}

impl DocSlot {
    /// The slots other than admin rules, in the page's order.
    pub const SINGLE: [DocSlot; 5] = [
        DocSlot::SubnetNsg,
        DocSlot::NicNsg,
        DocSlot::EffectiveRules,
        DocSlot::Nic,
        DocSlot::ServiceTags,
    ];

    /// The engine's slot.
    pub fn engine(self) -> Slot {
        match self {
            DocSlot::SubnetNsg => Slot::SubnetNsg,
            DocSlot::NicNsg => Slot::NicNsg,
            DocSlot::Admin(_) => Slot::AdminRules,
            DocSlot::EffectiveRules => Slot::EffectiveRules,
            DocSlot::Nic => Slot::Nic,
            DocSlot::ServiceTags => Slot::ServiceTags,
        }
    }

    /// Its place in a scenario document: `subnetNsg`, `adminRules[1]`, ... (errors start with it).
    pub fn key(self) -> String {
        match self {
            DocSlot::Admin(i) => format!("adminRules[{i}]"),
            other => other.engine().key().to_string(),
        }
    }

    /// Its label on the page.
    pub fn label(self) -> String {
        match self {
            DocSlot::SubnetNsg => "Subnet NSG".into(),
            DocSlot::NicNsg => "NIC NSG".into(),
            DocSlot::Admin(0) => "AVNM admin rules".into(),
            DocSlot::Admin(i) => format!("AVNM admin rules ({})", i + 1),
            DocSlot::EffectiveRules => "Effective rules".into(),
            DocSlot::Nic => "Network interface".into(),
            DocSlot::ServiceTags => "Service tags".into(),
        }
    }

    /// What to paste there, in a few words.
    pub fn hint(self) -> &'static str {
        match self {
            DocSlot::SubnetNsg => "the NSG of the VM's subnet: az network nsg show, REST, PowerShell or ARM JSON",
            DocSlot::NicNsg => "the NSG of the VM's network interface, in any of the same shapes",
            DocSlot::Admin(_) => "a security admin configuration's rules (REST list, az, PowerShell, ARM or effective admin rules); several are evaluated highest scope first",
            DocSlot::EffectiveRules => "az network nic list-effective-nsg output: used for the layers not given above",
            DocSlot::Nic => "az network nic show output: its IPs become members of the ASGs it lists",
            DocSlot::ServiceTags => "ServiceTags_Public_*.json or the service tag discovery API response",
        }
    }

    /// Its `data-testid` (`docs/formats.md`, The page's test hooks): the first admin slot is
    /// `slot-admin-rules`, the next ones `slot-admin-rules-2`, ...
    pub fn test_id(self) -> String {
        match self {
            DocSlot::SubnetNsg => "slot-subnet-nsg".into(),
            DocSlot::NicNsg => "slot-nic-nsg".into(),
            DocSlot::Admin(0) => "slot-admin-rules".into(),
            DocSlot::Admin(i) => format!("slot-admin-rules-{}", i + 1),
            DocSlot::EffectiveRules => "slot-effective-rules".into(),
            DocSlot::Nic => "slot-nic".into(),
            DocSlot::ServiceTags => "slot-service-tags".into(),
        }
    }
}

/// One flow of the flows list, as typed, with its optional expectation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct FlowRow {
    /// `Inbound` or `Outbound`.
    pub direction: String,
    /// `Tcp`, `Udp`, `Icmp`, `Esp` or `Ah`.
    pub protocol: String,
    /// The target's endpoint as typed (`IP:PORT`, `[IPv6]:PORT`).
    pub local: String,
    /// The other endpoint as typed.
    pub remote: String,
    /// Expected access: empty (no expectation), `Allow` or `Deny`.
    pub expect_access: String,
    /// Expected deciding rule (`securityRules/X`), empty for any.
    pub expect_rule: String,
    /// Expected deciding layer (`admin`, `subnet`, `nic`, `none`), empty for any.
    pub expect_layer: String,
}

impl Default for FlowRow {
    fn default() -> FlowRow {
        FlowRow {
            direction: "Inbound".into(),
            protocol: "Tcp".into(),
            local: "10.0.1.4:443".into(),
            remote: "203.0.113.7:50000".into(),
            expect_access: String::new(),
            expect_rule: String::new(),
            expect_layer: String::new(),
        }
    }
}

/// A field of a flow row that the flow form edits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RowField {
    /// The direction.
    Direction,
    /// The protocol.
    Protocol,
    /// The local endpoint.
    Local,
    /// The remote endpoint.
    Remote,
    /// The expected access.
    ExpectAccess,
    /// The expected rule.
    ExpectRule,
}

/// Reads the autosaved records ([`Workbench`], [`FlowRow`]) as serde's derived readers with
/// `#[serde(default)]` would, at a fraction of their code: a field that is absent takes its
/// default, a field of another type makes the record unreadable, unknown fields are ignored.
struct Record<'a>(&'a serde_json::Map<String, Value>);

impl Record<'_> {
    /// The field `key` read with `read`, or `default` when it is absent.
    fn get<T>(&self, key: &str, default: T, read: impl Fn(&Value) -> Option<T>) -> Option<T> {
        self.0.get(key).map_or(Some(default), read)
    }

    /// The text field `key`, or `default`.
    fn text(&self, key: &str, default: String) -> Option<String> {
        self.get(key, default, |v| v.as_str().map(str::to_string))
    }
}

impl FlowRow {
    /// A row as autosaved (see [`Workbench::from_value`]).
    pub fn from_value(value: &Value) -> Option<FlowRow> {
        let r = Record(value.as_object()?);
        let d = FlowRow::default();
        Some(FlowRow {
            direction: r.text("direction", d.direction)?,
            protocol: r.text("protocol", d.protocol)?,
            local: r.text("local", d.local)?,
            remote: r.text("remote", d.remote)?,
            expect_access: r.text("expectAccess", d.expect_access)?,
            expect_rule: r.text("expectRule", d.expect_rule)?,
            expect_layer: r.text("expectLayer", d.expect_layer)?,
        })
    }

    /// Sets `field` to `value` (as typed).
    ///
    /// ```
    /// use flowverify_web::workbench::{FlowRow, RowField};
    /// let mut row = FlowRow::default();
    /// row.set(RowField::Remote, "10.0.2.5:1234".into());
    /// assert_eq!(row.remote, "10.0.2.5:1234");
    /// ```
    pub fn set(&mut self, field: RowField, value: String) {
        *match field {
            RowField::Direction => &mut self.direction,
            RowField::Protocol => &mut self.protocol,
            RowField::Local => &mut self.local,
            RowField::Remote => &mut self.remote,
            RowField::ExpectAccess => &mut self.expect_access,
            RowField::ExpectRule => &mut self.expect_rule,
        } = value;
    }

    /// What the form shows for `field`: direction, protocol and expected access in their
    /// canonical spelling when they are read in another case (the choice lists show them),
    /// the rest as typed.
    ///
    /// ```
    /// use flowverify_web::workbench::{FlowRow, RowField};
    /// let row = FlowRow { direction: "outbound".into(), protocol: "UDP".into(),
    ///     expect_access: "deny".into(), ..FlowRow::default() };
    /// assert_eq!(row.shown(RowField::Direction), "Outbound");
    /// assert_eq!(row.shown(RowField::Protocol), "Udp");
    /// assert_eq!(row.shown(RowField::ExpectAccess), "Deny");
    /// assert_eq!(row.shown(RowField::Local), "10.0.1.4:443");
    /// ```
    pub fn shown(&self, field: RowField) -> String {
        let canonical = match field {
            RowField::Direction => Direction::parse(&self.direction).map(Direction::as_str),
            RowField::Protocol => Protocol::parse(&self.protocol).map(Protocol::as_str),
            RowField::ExpectAccess => self
                .expect_access
                .parse::<Decision>()
                .ok()
                .map(Decision::as_str),
            _ => None,
        };
        canonical.map_or_else(
            || {
                match field {
                    RowField::Direction => &self.direction,
                    RowField::Protocol => &self.protocol,
                    RowField::Local => &self.local,
                    RowField::Remote => &self.remote,
                    RowField::ExpectAccess => &self.expect_access,
                    RowField::ExpectRule => &self.expect_rule,
                }
                .clone()
            },
            str::to_string,
        )
    }

    /// The help under the endpoints: what to write, or that the protocol has no ports (and
    /// whether typed ports are ignored).
    ///
    /// ```
    /// use flowverify_web::workbench::FlowRow;
    /// let icmp = FlowRow { protocol: "Icmp".into(), ..FlowRow::default() };
    /// assert_eq!(icmp.port_note(true), "Icmp flows have no ports: the ports typed are ignored.");
    /// assert!(FlowRow::default().port_note(false).starts_with("IP:port, or IP:* for any port."));
    /// ```
    pub fn port_note(&self, port_ignored: bool) -> String {
        if port_ignored {
            format!(
                "{} flows have no ports: the ports typed are ignored.",
                self.protocol
            )
        } else if self.portless() {
            format!(
                "{} flows have no ports: write IP addresses only.",
                self.protocol
            )
        } else {
            "IP:port, or IP:* for any port. IPv6: [2001:db8::4]:443. Inbound: the remote end is \
             the source."
                .to_string()
        }
    }

    /// The label and placeholder of the local (`local`) or remote endpoint: IP addresses only
    /// for a protocol without ports.
    ///
    /// ```
    /// use flowverify_web::workbench::FlowRow;
    /// assert_eq!(FlowRow::default().endpoint_hint(true), ("Local IP:port (the VM)", "10.0.1.4:443"));
    /// let esp = FlowRow { protocol: "Esp".into(), ..FlowRow::default() };
    /// assert_eq!(esp.endpoint_hint(false), ("Remote IP", "203.0.113.7"));
    /// ```
    pub fn endpoint_hint(&self, local: bool) -> (&'static str, &'static str) {
        match (self.portless(), local) {
            (true, true) => ("Local IP (the VM)", "10.0.1.4"),
            (true, false) => ("Remote IP", "203.0.113.7"),
            (false, true) => ("Local IP:port (the VM)", "10.0.1.4:443"),
            (false, false) => ("Remote IP:port", "203.0.113.7:50000"),
        }
    }

    /// Whether the row's protocol has no ports (Icmp, Esp, Ah): ports typed in the addresses are
    /// then ignored.
    pub fn portless(&self) -> bool {
        Protocol::parse(&self.protocol).is_some_and(|p| !p.has_ports())
    }

    /// The flow as the engine reads it: for a portless protocol, a port typed in an address
    /// is dropped (the page disables ports rather than reject the flow).
    pub fn spec(&self) -> FlowSpec {
        let endpoint = |text: &str| {
            if self.portless() {
                strip_port(text)
            } else {
                text.trim().to_string()
            }
        };
        FlowSpec {
            direction: self.direction.trim().to_string(),
            protocol: self.protocol.trim().to_string(),
            local: endpoint(&self.local),
            remote: endpoint(&self.remote),
            expect: self.expectation().ok().flatten(),
        }
    }

    /// The expectation, if one is set; an error says what is wrong with it.
    pub fn expectation(&self) -> Result<Option<Expectation>, String> {
        // The engine's words and their errors (`access 'x' is not Allow or Deny`).
        let access = match self.expect_access.trim() {
            "" => return Ok(None),
            text => text
                .parse::<Decision>()
                .map_err(|e| format!("expected {e}"))?,
        };
        let layer = match self.expect_layer.trim() {
            "" => None,
            text => Some(text.parse::<Layer>().map_err(|e| format!("expected {e}"))?),
        };
        let rule = self.expect_rule.trim();
        Ok(Some(Expectation {
            access,
            rule_name: (!rule.is_empty()).then(|| rule.to_string()),
            layer,
        }))
    }

    /// The row of a scenario's flow.
    pub fn from_spec(spec: &FlowSpec) -> FlowRow {
        let (access, rule, layer) = match &spec.expect {
            None => (String::new(), String::new(), String::new()),
            Some(e) => (
                e.access.to_string(),
                e.rule_name.clone().unwrap_or_default(),
                e.layer.map(|l| l.to_string()).unwrap_or_default(),
            ),
        };
        FlowRow {
            direction: spec.direction.clone(),
            protocol: spec.protocol.clone(),
            local: spec.local.clone(),
            remote: spec.remote.clone(),
            expect_access: access,
            expect_rule: rule,
            expect_layer: layer,
        }
    }
}

/// Adds a flow after the others, a copy of the `selected` one without its expectation;
/// returns the new selection (the added flow).
///
/// ```
/// use flowverify_web::workbench::{add_flow, FlowRow};
/// let mut rows = vec![FlowRow { expect_access: "Allow".into(), ..FlowRow::default() }];
/// assert_eq!(add_flow(&mut rows, 0), 1);
/// assert_eq!((rows[1].local.as_str(), rows[1].expect_access.as_str()), ("10.0.1.4:443", ""));
/// ```
pub fn add_flow(rows: &mut Vec<FlowRow>, selected: usize) -> usize {
    let mut copy = rows.get(selected).cloned().unwrap_or_default();
    copy.expect_access.clear();
    copy.expect_rule.clear();
    copy.expect_layer.clear();
    rows.push(copy);
    rows.len() - 1
}

/// Removes the `selected` flow unless it is the only one; returns the new selection.
///
/// ```
/// use flowverify_web::workbench::{remove_flow, FlowRow};
/// let mut rows = vec![FlowRow::default(), FlowRow::default()];
/// assert_eq!(remove_flow(&mut rows, 1), 0);
/// assert_eq!(remove_flow(&mut rows, 0), 0);
/// assert_eq!(rows.len(), 1);
/// ```
pub fn remove_flow(rows: &mut Vec<FlowRow>, selected: usize) -> usize {
    if rows.len() > 1 && selected < rows.len() {
        rows.remove(selected);
    }
    selected.min(rows.len().saturating_sub(1))
}

/// `text` without its port, if it is an endpoint with one (`10.0.1.4:443` -> `10.0.1.4`,
/// `[2001:db8::4]:80` -> `2001:db8::4`); otherwise `text` trimmed.
pub fn strip_port(text: &str) -> String {
    match Endpoint::parse(text) {
        Ok(e) if e.port().is_some() || e.has_any_port() => e.ip().to_string(),
        _ => text.trim().to_string(),
    }
}

/// Everything the user is working on, exactly as typed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Workbench {
    /// The scenario's title.
    pub title: String,
    /// The subnet NSG slot's text.
    pub subnet_nsg: String,
    /// The NIC NSG slot's text.
    pub nic_nsg: String,
    /// The admin rules slots' texts, highest scope first (always at least one, maybe empty).
    pub admin_rules: Vec<String>,
    /// The effective rules slot's text.
    pub effective_rules: String,
    /// The network interface slot's text.
    pub nic: String,
    /// The service tags slot's text.
    pub service_tags: String,
    /// Virtual network prefixes, one per line (commas and spaces also separate).
    pub virtual_network: String,
    /// ASG membership, one `name = IP, IP` per line.
    pub asgs: String,
    /// The flows (always at least one).
    pub flows: Vec<FlowRow>,
    /// The flow shown in the form.
    pub selected: usize,
    /// The inputs of a previous version to compare with (`docs/formats.md`, Scenario properties):
    /// the scenario document's `baseline`, an object of slot properties; `None` when none is set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub baseline: Option<Value>,
}

impl Default for Workbench {
    fn default() -> Workbench {
        Workbench {
            title: String::new(),
            subnet_nsg: String::new(),
            nic_nsg: String::new(),
            admin_rules: vec![String::new()],
            effective_rules: String::new(),
            nic: String::new(),
            service_tags: String::new(),
            virtual_network: String::new(),
            asgs: String::new(),
            flows: vec![FlowRow::default()],
            selected: 0,
            baseline: None,
        }
    }
}

/// A scenario made from the workbench, with what had to be left out of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Export {
    /// The scenario document.
    pub scenario: Scenario,
    /// What could not be put in it (slots whose text is not JSON, unreadable ASG lines).
    pub left_out: Vec<String>,
}

impl Workbench {
    /// The work as autosaved (its JSON, written by `Serialize`): a field that is absent takes
    /// its default, a field of another type makes it unreadable (`None`).
    pub fn from_value(value: &Value) -> Option<Workbench> {
        let r = Record(value.as_object()?);
        let d = Workbench::default();
        let list = |v: &Value| -> Option<Vec<String>> {
            v.as_array()?
                .iter()
                .map(|t| t.as_str().map(str::to_string))
                .collect()
        };
        Some(Workbench {
            title: r.text("title", d.title)?,
            subnet_nsg: r.text("subnetNsg", d.subnet_nsg)?,
            nic_nsg: r.text("nicNsg", d.nic_nsg)?,
            admin_rules: r.get("adminRules", d.admin_rules, list)?,
            effective_rules: r.text("effectiveRules", d.effective_rules)?,
            nic: r.text("nic", d.nic)?,
            service_tags: r.text("serviceTags", d.service_tags)?,
            virtual_network: r.text("virtualNetwork", d.virtual_network)?,
            asgs: r.text("asgs", d.asgs)?,
            flows: r.get("flows", d.flows, |v| {
                v.as_array()?.iter().map(FlowRow::from_value).collect()
            })?,
            selected: r.get("selected", d.selected, |v| {
                usize::try_from(v.as_u64()?).ok()
            })?,
            baseline: r.get("baseline", None, |v| match v {
                Value::Object(_) => Some(Some(v.clone())),
                Value::Null => Some(None),
                _ => None,
            })?,
        })
    }

    /// An empty workbench (one default flow, no inputs).
    pub fn new() -> Workbench {
        Workbench::default()
    }

    /// Restores the invariants the page relies on (at least one admin slot and one flow, the
    /// selection in range) after loading from storage or a scenario.
    pub fn normalized(mut self) -> Workbench {
        if self.admin_rules.is_empty() {
            self.admin_rules.push(String::new());
        }
        if self.flows.is_empty() {
            self.flows.push(FlowRow::default());
        }
        if self.selected >= self.flows.len() {
            self.selected = 0;
        }
        self
    }

    /// Every document slot with its text, in the order the engine adds them.
    pub fn slots(&self) -> Vec<(DocSlot, &str)> {
        let mut out = vec![
            (DocSlot::SubnetNsg, self.subnet_nsg.as_str()),
            (DocSlot::NicNsg, self.nic_nsg.as_str()),
        ];
        out.extend(
            self.admin_rules
                .iter()
                .enumerate()
                .map(|(i, t)| (DocSlot::Admin(i), t.as_str())),
        );
        out.extend([
            (DocSlot::EffectiveRules, self.effective_rules.as_str()),
            (DocSlot::Nic, self.nic.as_str()),
            (DocSlot::ServiceTags, self.service_tags.as_str()),
        ]);
        out
    }

    /// The text of `slot` (empty for an admin slot that does not exist).
    pub fn text(&self, slot: DocSlot) -> &str {
        match slot {
            DocSlot::SubnetNsg => &self.subnet_nsg,
            DocSlot::NicNsg => &self.nic_nsg,
            DocSlot::Admin(i) => self.admin_rules.get(i).map_or("", String::as_str),
            DocSlot::EffectiveRules => &self.effective_rules,
            DocSlot::Nic => &self.nic,
            DocSlot::ServiceTags => &self.service_tags,
        }
    }

    /// The workbench of a scenario: each slot's document pretty-printed, prefixes one per
    /// line, ASG membership one `name = IP, IP` per line, the first flow selected.
    ///
    /// ```
    /// use flowverify::scenario::Scenario;
    /// use flowverify_web::workbench::Workbench;
    /// let s = Scenario::from_json("s.json", r#"{"version": 1, "virtualNetwork": ["10.0.0.0/16"],
    ///   "asgs": {"asg-web": ["10.0.1.4", "10.0.1.5"]}}"#).unwrap();
    /// let w = Workbench::from_scenario(&s);
    /// assert_eq!(w.virtual_network, "10.0.0.0/16");
    /// assert_eq!(w.asgs, "asg-web = 10.0.1.4, 10.0.1.5");
    /// assert_eq!(w.flows.len(), 1); // a default flow to start from
    /// ```
    pub fn from_scenario(scenario: &Scenario) -> Workbench {
        let pretty = |v: &Option<Value>| v.as_ref().map(pretty_json).unwrap_or_default();
        Workbench {
            title: scenario.title.clone().unwrap_or_default(),
            subnet_nsg: pretty(&scenario.subnet_nsg),
            nic_nsg: pretty(&scenario.nic_nsg),
            admin_rules: scenario.admin_rules.iter().map(pretty_json).collect(),
            effective_rules: pretty(&scenario.effective_rules),
            nic: pretty(&scenario.nic),
            service_tags: pretty(&scenario.service_tags),
            virtual_network: scenario.virtual_network.join("\n"),
            asgs: scenario
                .asgs
                .iter()
                .map(|(name, ips)| format!("{name} = {}", ips.join(", ")))
                .collect::<Vec<_>>()
                .join("\n"),
            flows: scenario.flows.iter().map(FlowRow::from_spec).collect(),
            selected: 0,
            baseline: scenario.baseline.as_ref().map(|b| baseline_value(b)),
        }
        .normalized()
    }

    /// The scenario document of the workbench. A slot whose text is not JSON cannot be put in
    /// a scenario: it is left out and named in [`Export::left_out`].
    ///
    /// ```
    /// use flowverify_web::workbench::Workbench;
    /// let mut w = Workbench::new();
    /// w.subnet_nsg = "{ not json".into();
    /// w.virtual_network = "10.0.0.0/16, 10.1.0.0/16".into();
    /// let export = w.to_scenario();
    /// assert_eq!(export.scenario.virtual_network, ["10.0.0.0/16", "10.1.0.0/16"]);
    /// assert!(export.scenario.subnet_nsg.is_none());
    /// assert!(export.left_out[0].starts_with("Subnet NSG"));
    /// ```
    pub fn to_scenario(&self) -> Export {
        let mut left_out = Vec::new();
        let mut scenario = Scenario::new();
        let title = self.title.trim();
        scenario.title = (!title.is_empty()).then(|| title.to_string());
        for (slot, text) in self.slots() {
            if text.trim().is_empty() {
                continue;
            }
            let value = match serde_json::from_str::<Value>(text) {
                Ok(v) => v,
                Err(e) => {
                    left_out.push(format!(
                        "{} is not valid JSON (line {}, column {}) and is left out",
                        slot.label(),
                        e.line(),
                        e.column()
                    ));
                    continue;
                }
            };
            match slot {
                DocSlot::SubnetNsg => scenario.subnet_nsg = Some(value),
                DocSlot::NicNsg => scenario.nic_nsg = Some(value),
                DocSlot::Admin(_) => scenario.admin_rules.push(value),
                DocSlot::EffectiveRules => scenario.effective_rules = Some(value),
                DocSlot::Nic => scenario.nic = Some(value),
                DocSlot::ServiceTags => scenario.service_tags = Some(value),
            }
        }
        scenario.virtual_network = split_list(&self.virtual_network);
        let mut asgs: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for line in asg_lines(&self.asgs) {
            match line {
                Ok((name, ips)) => asgs.entry(name).or_default().extend(ips),
                Err(message) => left_out.push(message),
            }
        }
        scenario.asgs = asgs;
        scenario.flows = self.flows.iter().map(FlowRow::spec).collect();
        if let Some(baseline) = &self.baseline {
            match crate::analysis::baseline_scenario(baseline) {
                Ok(b) => scenario.baseline = Some(Box::new(b)),
                Err(e) => left_out.push(format!("The baseline is left out: {e}")),
            }
        }
        Export { scenario, left_out }
    }

    /// The current inputs as a baseline ("Set as baseline"): the slot properties of the
    /// scenario document (slots whose text is not JSON are left out, as in [`Workbench::to_scenario`]).
    ///
    /// ```
    /// use flowverify_web::workbench::Workbench;
    /// let mut w = Workbench::new();
    /// w.virtual_network = "10.0.0.0/16".into();
    /// w.baseline = w.as_baseline();
    /// assert_eq!(w.baseline.as_ref().unwrap().to_string(), r#"{"virtualNetwork":["10.0.0.0/16"]}"#);
    /// ```
    pub fn as_baseline(&self) -> Option<Value> {
        Some(baseline_value(&self.to_scenario().scenario.slots_only()))
    }
}

/// A scenario's slot properties, as the scenario document's `baseline` holds them (written
/// here property by property: the page's module has no serializer of scenarios into values).
fn baseline_value(s: &Scenario) -> Value {
    let mut m = serde_json::Map::new();
    let mut put = |key: &str, value: Option<Value>| {
        if let Some(v) = value {
            m.insert(key.to_string(), v);
        }
    };
    put("subnetNsg", s.subnet_nsg.clone());
    put("nicNsg", s.nic_nsg.clone());
    put(
        "adminRules",
        (!s.admin_rules.is_empty()).then(|| Value::Array(s.admin_rules.clone())),
    );
    put("effectiveRules", s.effective_rules.clone());
    put("nic", s.nic.clone());
    put("serviceTags", s.service_tags.clone());
    put(
        "virtualNetwork",
        (!s.virtual_network.is_empty()).then(|| s.virtual_network.clone().into()),
    );
    put(
        "asgs",
        (!s.asgs.is_empty()).then(|| {
            Value::Object(
                s.asgs
                    .iter()
                    .map(|(name, ips)| (name.clone(), ips.clone().into()))
                    .collect(),
            )
        }),
    );
    Value::Object(m)
}

/// A JSON value indented for a text area (compact if that fails, which it cannot for a Value).
pub fn pretty_json(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// The entries of a list typed one per line or separated by commas or spaces.
pub fn split_list(text: &str) -> Vec<String> {
    text.split(|c: char| c == ',' || c == ';' || c.is_whitespace())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// The lines of the ASG membership text: `name = IP, IP` (also `name: IP IP`), each parsed
/// into the name and the IPs as typed; an error quotes the line.
pub fn asg_lines(text: &str) -> Vec<Result<(String, Vec<String>), String>> {
    text.lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty())
        .map(|(i, line)| {
            let (name, ips) = line
                .split_once('=')
                .or_else(|| line.split_once(':').filter(|(n, _)| !n.contains('.')))
                .ok_or_else(|| {
                    format!(
                        "ASG line {}: '{}' is not 'name = IP, IP'",
                        i + 1,
                        line.trim()
                    )
                })?;
            let name = name.trim();
            if name.is_empty() {
                return Err(format!(
                    "ASG line {}: '{}' has no ASG name before '='",
                    i + 1,
                    line.trim()
                ));
            }
            Ok((name.to_string(), split_list(ips)))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slot_ids_and_keys_follow_the_contract() {
        assert_eq!(DocSlot::SubnetNsg.test_id(), "slot-subnet-nsg");
        assert_eq!(DocSlot::NicNsg.test_id(), "slot-nic-nsg");
        assert_eq!(DocSlot::Admin(0).test_id(), "slot-admin-rules");
        assert_eq!(DocSlot::Admin(1).test_id(), "slot-admin-rules-2");
        assert_eq!(DocSlot::EffectiveRules.test_id(), "slot-effective-rules");
        assert_eq!(DocSlot::ServiceTags.test_id(), "slot-service-tags");
        assert_eq!(DocSlot::Admin(2).key(), "adminRules[2]");
        assert_eq!(DocSlot::Nic.key(), "nic");
    }

    #[test]
    fn portless_flows_drop_typed_ports() {
        let row = FlowRow {
            protocol: "Icmp".into(),
            local: "10.0.1.4:443".into(),
            remote: "[2001:db8::1]:80".into(),
            ..FlowRow::default()
        };
        let spec = row.spec();
        assert_eq!(spec.local, "10.0.1.4");
        assert_eq!(spec.remote, "2001:db8::1");
        let tcp = FlowRow::default().spec();
        assert_eq!(tcp.local, "10.0.1.4:443");
        // A port * is a port too.
        let star = FlowRow {
            local: "10.0.1.4:*".into(),
            remote: "[2001:db8::1]:*".into(),
            ..row.clone()
        };
        assert_eq!(star.spec().local, "10.0.1.4");
        assert_eq!(star.spec().remote, "2001:db8::1");
        let tcp_star = FlowRow {
            protocol: "Tcp".into(),
            ..star
        };
        assert_eq!(tcp_star.spec().local, "10.0.1.4:*");
    }

    #[test]
    fn a_wrong_expectation_says_so_in_the_engine_words() {
        let row = |access: &str, layer: &str| FlowRow {
            expect_access: access.into(),
            expect_layer: layer.into(),
            ..FlowRow::default()
        };
        assert_eq!(
            row("Permit", "").expectation(),
            Err("expected access 'Permit' is not Allow or Deny".to_string())
        );
        assert_eq!(
            row("deny", "vnet").expectation(),
            Err("expected layer 'vnet' is not one of admin, subnet, nic, none".to_string())
        );
        let ok = row(" ALLOW ", "NIC").expectation().unwrap().unwrap();
        assert_eq!((ok.access, ok.layer), (Decision::Allow, Some(Layer::Nic)));
        assert_eq!(row("", "nic").expectation(), Ok(None));
    }

    #[test]
    fn expectations_round_trip_through_rows() {
        let row = FlowRow {
            expect_access: "deny".into(),
            expect_rule: "securityRules/DenyRdp".into(),
            expect_layer: "Subnet".into(),
            ..FlowRow::default()
        };
        let e = row.expectation().unwrap().unwrap();
        assert_eq!(e.access, Decision::Deny);
        assert_eq!(e.layer, Some(Layer::Subnet));
        let back = FlowRow::from_spec(&row.spec());
        assert_eq!(back.expect_access, "Deny");
        assert_eq!(back.expect_rule, "securityRules/DenyRdp");
        assert_eq!(back.expect_layer, "subnet");
        let bad = FlowRow {
            expect_access: "maybe".into(),
            ..FlowRow::default()
        };
        assert!(bad.expectation().unwrap_err().contains("'maybe'"));
    }

    #[test]
    fn scenario_round_trip_keeps_every_input() {
        let mut w = Workbench::new();
        w.title = "t".into();
        w.subnet_nsg = r#"{"name": "nsg-a", "securityRules": []}"#.into();
        w.admin_rules = vec![r#"{"value": []}"#.into(), r#"{"value": [1]}"#.into()];
        w.service_tags = r#"{"values": []}"#.into();
        w.virtual_network = "10.0.0.0/16\n10.1.0.0/16".into();
        w.asgs = "asg-web = 10.0.1.4, 10.0.1.5\nasg-db: 10.0.2.4".into();
        w.flows.push(FlowRow {
            direction: "Outbound".into(),
            expect_access: "Allow".into(),
            ..FlowRow::default()
        });
        let export = w.to_scenario();
        assert!(export.left_out.is_empty(), "{:?}", export.left_out);
        let json = export.scenario.to_json_compact();
        let back = Scenario::from_json("link", &json).unwrap();
        let w2 = Workbench::from_scenario(&back);
        assert_eq!(w2.title, "t");
        assert_eq!(w2.admin_rules.len(), 2);
        assert!(w2.admin_rules[1].contains('1'));
        assert_eq!(w2.virtual_network, "10.0.0.0/16\n10.1.0.0/16");
        assert_eq!(w2.asgs, "asg-db = 10.0.2.4\nasg-web = 10.0.1.4, 10.0.1.5");
        assert_eq!(w2.flows.len(), 2);
        assert_eq!(w2.flows[1].direction, "Outbound");
        assert_eq!(w2.flows[1].expect_access, "Allow");
        assert!(w2.subnet_nsg.contains("\"nsg-a\""));
        assert!(w2.nic_nsg.is_empty());
    }

    #[test]
    fn bad_asg_lines_are_named() {
        let lines = asg_lines("asg-web = 10.0.1.4\njust-a-name\n = 10.0.0.1");
        assert!(lines[0].is_ok());
        assert_eq!(
            lines[1].as_ref().unwrap_err(),
            "ASG line 2: 'just-a-name' is not 'name = IP, IP'"
        );
        assert!(lines[2].as_ref().unwrap_err().contains("no ASG name"));
    }

    #[test]
    fn normalized_restores_invariants() {
        let w = Workbench {
            admin_rules: vec![],
            flows: vec![],
            selected: 7,
            ..Workbench::default()
        }
        .normalized();
        assert_eq!(w.admin_rules.len(), 1);
        assert_eq!(w.flows.len(), 1);
        assert_eq!(w.selected, 0);
    }

    #[test]
    fn autosave_format_tolerates_missing_fields() {
        let w = Workbench::from_value(&serde_json::json!({"title": "x"})).unwrap();
        assert_eq!(w.title, "x");
        assert_eq!(w.flows.len(), 1);
    }
}
