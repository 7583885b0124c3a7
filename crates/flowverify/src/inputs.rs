//! Everything one verification reads, assembled from imported documents: the target's NSGs,
//! admin configurations, effective rules, tags, virtual network prefixes and ASG membership.

use std::net::IpAddr;

use ipnet::IpNet;

use crate::error::InputError;
use crate::import::{Content, Document};
use crate::model::{AdminConfiguration, Direction, EffectiveRules, NetworkInterface, Nsg, Rule};
use crate::tags::ServiceTags;
use crate::verdict::Layer;

/// The input slots of a scenario (and of the command line's flags).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Slot {
    /// `subnetNsg`: the NSG associated with the target's subnet.
    SubnetNsg,
    /// `nicNsg`: the NSG associated with the target's network interface.
    NicNsg,
    /// `adminRules`: one AVNM security admin configuration (repeatable, highest scope first).
    AdminRules,
    /// `effectiveRules`: effective security rules of the network interface.
    EffectiveRules,
    /// `nic`: a network interface document.
    Nic,
    /// `serviceTags`: a service tags file.
    ServiceTags,
}

impl Slot {
    /// The scenario property name of the slot.
    pub fn key(self) -> &'static str {
        match self {
            Slot::SubnetNsg => "subnetNsg",
            Slot::NicNsg => "nicNsg",
            Slot::AdminRules => "adminRules",
            Slot::EffectiveRules => "effectiveRules",
            Slot::Nic => "nic",
            Slot::ServiceTags => "serviceTags",
        }
    }

    /// What the slot expects, in words.
    pub fn expects(self) -> &'static str {
        match self {
            Slot::SubnetNsg | Slot::NicNsg => "a network security group",
            Slot::AdminRules => "AVNM security admin rules",
            Slot::EffectiveRules => "effective security rules of a network interface",
            Slot::Nic => "a network interface",
            Slot::ServiceTags => "a service tags file",
        }
    }
}

/// The assembled inputs of one verification. Explicit NSG and admin slots take precedence over
/// the corresponding layers of an effective rules document.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inputs {
    /// The subnet's NSG.
    pub subnet_nsg: Option<Nsg>,
    /// The network interface's NSG.
    pub nic_nsg: Option<Nsg>,
    /// Admin configurations, highest scope first.
    pub admin: Vec<AdminConfiguration>,
    /// Effective security rules of the network interface.
    pub effective: Option<EffectiveRules>,
    /// Network interfaces (their IPs are members of the ASGs they list).
    pub nics: Vec<NetworkInterface>,
    /// Service tags from a file (and from effective rules' `tagMap`).
    pub service_tags: ServiceTags,
    /// Prefixes of the `VirtualNetwork` tag.
    pub virtual_network: Vec<IpNet>,
    /// ASG membership given directly: name -> IPs.
    pub asgs: Vec<(String, Vec<IpAddr>)>,
    /// What importing the documents noticed about them as a whole (each `SOURCE: PLACE:
    /// message`); every verdict repeats them among its warnings. A rule's own warnings travel
    /// with the rule ([`crate::model::Rule::warnings`]).
    pub notes: Vec<String>,
}

impl Inputs {
    /// Empty inputs: no NSG, no admin rules (every flow is allowed, nothing decides).
    pub fn new() -> Inputs {
        Inputs::default()
    }

    /// Puts an imported document in `slot`, checking that it is the kind the slot takes.
    pub fn add(&mut self, slot: Slot, document: Document) -> Result<(), InputError> {
        let label = document.source().to_string();
        let found = document.describe();
        let notes = document.document_warnings().to_vec();
        let mismatch = || {
            InputError::whole(
                label.clone(),
                format!(
                    "{} expects {}, but this is {found}",
                    slot.key(),
                    slot.expects()
                ),
            )
        };
        match (slot, document.into_content()) {
            (Slot::SubnetNsg, Content::Nsg(nsg)) => self.subnet_nsg = Some(nsg),
            (Slot::NicNsg, Content::Nsg(nsg)) => self.nic_nsg = Some(nsg),
            (Slot::AdminRules, Content::AdminRules(cfg)) => self.admin.push(cfg),
            (Slot::EffectiveRules, Content::EffectiveRules(eff)) => {
                for (name, prefixes) in &eff.tag_map {
                    if self.service_tags.get(name).is_none() {
                        self.service_tags.insert(name, prefixes.clone());
                    }
                }
                self.effective = Some(eff);
            }
            (Slot::Nic, Content::NetworkInterface(nic)) => self.nics.push(nic),
            (Slot::ServiceTags, Content::ServiceTags(tags)) => self.service_tags.extend(&tags),
            _ => return Err(mismatch()),
        }
        self.notes.extend(notes);
        Ok(())
    }

    /// The NSG evaluated at the subnet level, if any.
    pub fn subnet_layer(&self) -> Option<&Nsg> {
        self.subnet_nsg
            .as_ref()
            .or_else(|| self.effective.as_ref().and_then(|e| e.subnet.as_ref()))
    }

    /// The NSG evaluated at the network interface level, if any.
    pub fn nic_layer(&self) -> Option<&Nsg> {
        self.nic_nsg
            .as_ref()
            .or_else(|| self.effective.as_ref().and_then(|e| e.nic.as_ref()))
    }

    /// The NSG levels in the order a flow of `direction` meets them (Inbound: subnet, then NIC;
    /// Outbound: NIC, then subnet), each with its NSG if there is one.
    ///
    /// ```
    /// use flowverify::model::Direction;
    /// use flowverify::{Inputs, Layer};
    /// let order: Vec<Layer> = Inputs::new().nsg_chain(Direction::Outbound).iter().map(|l| l.0).collect();
    /// assert_eq!(order, [Layer::Nic, Layer::Subnet]);
    /// ```
    pub fn nsg_chain(&self, direction: Direction) -> [(Layer, Option<&Nsg>); 2] {
        let subnet = (Layer::Subnet, self.subnet_layer());
        let nic = (Layer::Nic, self.nic_layer());
        match direction {
            Direction::Inbound => [subnet, nic],
            Direction::Outbound => [nic, subnet],
        }
    }

    /// Admin configurations in evaluation order (highest scope first).
    pub fn admin_layers(&self) -> Vec<&AdminConfiguration> {
        if !self.admin.is_empty() {
            return self.admin.iter().collect();
        }
        self.effective
            .as_ref()
            .and_then(|e| e.admin.as_ref())
            .into_iter()
            .collect()
    }

    /// Every rule a flow may meet, both directions: the admin configurations' (highest scope
    /// first), then the subnet NSG's, then the network interface NSG's (effective rules
    /// included).
    ///
    /// ```
    /// use flowverify::Inputs;
    /// assert!(Inputs::new().rules().next().is_none());
    /// ```
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.admin_layers()
            .into_iter()
            .flat_map(|c| c.rules.iter())
            .chain(
                [self.subnet_layer(), self.nic_layer()]
                    .into_iter()
                    .flatten()
                    .flat_map(|n| n.rules.iter()),
            )
    }

    /// Members of the ASG `name` (any case), from direct membership and network interface
    /// documents; `None` when no input says anything about that ASG.
    pub fn asg_members(&self, name: &str) -> Option<Vec<IpAddr>> {
        let mut found = false;
        let mut members = Vec::new();
        let listed = self
            .asgs
            .iter()
            .chain(self.nics.iter().flat_map(|n| n.asgs.iter()));
        for (asg, ips) in listed {
            if asg.eq_ignore_ascii_case(name) {
                found = true;
                members.extend(ips.iter().copied());
            }
        }
        found.then_some(members)
    }

    /// The rule of these inputs that `name` names, as a search for a deciding rule takes a
    /// name: its `ruleName` (`securityRules/AllowSsh`) or its bare name (`AllowSsh`), in any
    /// case. Returns the rule's `ruleName`, or, when no rule has the name, the message saying
    /// so with the closest name (a typo in `--rule` would otherwise be searched for and
    /// "proved" to decide no flow).
    ///
    /// ```
    /// use flowverify::import::import;
    /// use flowverify::{Inputs, Slot};
    /// let nsg = r#"{"name": "nsg-web", "securityRules": [{"name": "AllowSsh", "properties": {
    ///   "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
    ///   "sourceAddressPrefix": "*", "sourcePortRange": "*",
    ///   "destinationAddressPrefix": "*", "destinationPortRange": "22"}}]}"#;
    /// let mut inputs = Inputs::new();
    /// inputs.add(Slot::NicNsg, import("nsg.json", nsg).unwrap()).unwrap();
    /// assert_eq!(inputs.find_rule("allowssh").unwrap(), "securityRules/AllowSsh");
    /// assert_eq!(inputs.find_rule("DenyAllInBound").unwrap(), "defaultSecurityRules/DenyAllInBound");
    /// assert_eq!(
    ///     inputs.find_rule("AlowSsh").unwrap_err(),
    ///     "no rule of the inputs is named 'AlowSsh' (did you mean 'securityRules/AllowSsh'?)"
    /// );
    /// ```
    pub fn find_rule(&self, name: &str) -> Result<String, String> {
        let wanted = name.trim();
        let bare = |n: &str| n.rsplit('/').next().unwrap_or(n).to_string();
        let mut names: Vec<String> = Vec::new();
        for rule in self.rules() {
            let reported = rule.reported_name();
            if reported.eq_ignore_ascii_case(wanted) || bare(&reported).eq_ignore_ascii_case(wanted)
            {
                return Ok(reported);
            }
            if !names.contains(&reported) {
                names.push(reported);
            }
        }
        let lower = |n: &str| n.to_lowercase();
        let guess = names
            .iter()
            .map(|n| {
                let whole = strsim::levenshtein(&lower(wanted), &lower(n));
                let bare_only = strsim::levenshtein(&lower(&bare(wanted)), &lower(&bare(n)));
                (whole.min(bare_only), n)
            })
            .filter(|(d, n)| *d <= 3.max(bare(n).chars().count() / 5))
            .min_by_key(|(d, _)| *d)
            .map(|(_, n)| n);
        let quoted = crate::error::clip(wanted);
        Err(match guess {
            Some(n) => format!("no rule of the inputs is named '{quoted}' (did you mean '{n}'?)"),
            None => format!(
                "no rule of the inputs is named '{quoted}': a rule is named as verdicts name it \
                 (securityRules/NAME, defaultSecurityRules/NAME, securityAdminRules/NAME) or by \
                 its bare NAME"
            ),
        })
    }
}
