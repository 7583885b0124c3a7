//! The engine's one answer about a flow, in Rust types: IP flow verify's access and deciding
//! rule, which layer and resource decided, the path through every layer, the blockers of a
//! Deny, and the trace of every rule considered with each condition as holds / fails /
//! unknown. It explains itself, like cedar's `Response`; its JSON form (`docs/formats.md`,
//! Result object) is written by [`crate::ffi`].

use crate::flow::Flow;
use crate::model::Access;

/// Allowed or denied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decision {
    /// The flow is allowed.
    Allow,
    /// The flow is denied.
    Deny,
}

impl Decision {
    /// `Allow` or `Deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Allow => "Allow",
            Decision::Deny => "Deny",
        }
    }
}

impl std::str::FromStr for Decision {
    type Err = crate::model::WordError;

    /// `Allow` or `Deny`, in any case.
    ///
    /// ```
    /// use flowverify::Decision;
    /// assert_eq!("deny".parse::<Decision>(), Ok(Decision::Deny));
    /// assert!("AlwaysAllow".parse::<Decision>().is_err());
    /// ```
    fn from_str(text: &str) -> Result<Decision, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "allow" => Ok(Decision::Allow),
            "deny" => Ok(Decision::Deny),
            _ => Err(crate::model::WordError::new(
                "access",
                text,
                "Allow or Deny",
            )),
        }
    }
}

impl std::fmt::Display for Decision {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A layer of evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Layer {
    /// AVNM security admin rules.
    Admin,
    /// The subnet's NSG.
    Subnet,
    /// The network interface's NSG.
    Nic,
    /// Nothing decided (no admin rule matched and there is no NSG).
    None,
}

impl Layer {
    /// `admin`, `subnet`, `nic` or `none`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layer::Admin => "admin",
            Layer::Subnet => "subnet",
            Layer::Nic => "nic",
            Layer::None => "none",
        }
    }

    /// The layer in a person's words, as every front end writes it before the resource's
    /// name ([`Place`]): `admin rules`, `subnet NSG`, `NIC NSG`; for [`Layer::None`], that
    /// nothing decided and why.
    ///
    /// ```
    /// use flowverify::verdict::Layer;
    /// assert_eq!(Layer::Nic.words(), "NIC NSG");
    /// assert!(Layer::None.words().starts_with("nothing decided"));
    /// ```
    pub fn words(self) -> &'static str {
        self.words_of()
    }

    /// The layer's letter, where there is room for no more (the grid's cells): `A` admin,
    /// `S` subnet NSG, `N` NIC NSG, `·` nothing decided.
    ///
    /// ```
    /// use flowverify::verdict::Layer;
    /// assert_eq!(Layer::Subnet.initial(), "S");
    /// ```
    pub fn initial(self) -> &'static str {
        match self {
            Layer::Admin => "A",
            Layer::Subnet => "S",
            Layer::Nic => "N",
            Layer::None => "·",
        }
    }

    fn words_of(self) -> &'static str {
        match self {
            Layer::Admin => "admin rules",
            Layer::Subnet => "subnet NSG",
            Layer::Nic => "NIC NSG",
            Layer::None => "nothing decided: no admin rule matched and there is no NSG",
        }
    }
}

/// Where a decision was made, in words (its `Display`): `subnet NSG nsg-web`, `admin rules
/// cfg`, or that nothing decided. The one wording of the command line, the page and the
/// engine's messages; front ends only escape it.
///
/// ```
/// use flowverify::verdict::{Layer, Place};
/// assert_eq!(Place::new(Layer::Subnet, Some("nsg-web")).to_string(), "subnet NSG nsg-web");
/// assert_eq!(Place::new(Layer::Nic, None).to_string(), "NIC NSG");
/// assert_eq!(
///     Place::new(Layer::None, Some("ignored")).to_string(),
///     "nothing decided: no admin rule matched and there is no NSG"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place<'a> {
    /// The layer.
    pub layer: Layer,
    /// The NSG or admin configuration, when named.
    pub resource: Option<&'a str>,
}

impl<'a> Place<'a> {
    /// The place of `layer` and `resource`.
    pub fn new(layer: Layer, resource: Option<&'a str>) -> Place<'a> {
        Place { layer, resource }
    }
}

impl std::fmt::Display for Place<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.layer.words())?;
        match self.resource {
            Some(r) if self.layer != Layer::None && !r.is_empty() => write!(f, " {r}"),
            _ => Ok(()),
        }
    }
}

/// A verdict's deciding rule and its place, in words (its `Display`):
/// `securityRules/AllowSsh (NIC NSG nsg-web)`, or the place alone in parentheses when no rule
/// decided.
///
/// ```
/// use flowverify::verdict::{Decider, Layer, Place};
/// let who = Decider::new(Some("securityRules/AllowSsh"), Place::new(Layer::Nic, Some("nsg-web")));
/// assert_eq!(who.to_string(), "securityRules/AllowSsh (NIC NSG nsg-web)");
/// let nobody = Decider::new(None, Place::new(Layer::None, None));
/// assert!(nobody.to_string().starts_with("(nothing decided"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decider<'a> {
    /// The deciding rule (`securityRules/X`), when one decided.
    pub rule: Option<&'a str>,
    /// Where it is.
    pub place: Place<'a>,
}

impl<'a> Decider<'a> {
    /// The decider of `rule` at `place`.
    pub fn new(rule: Option<&'a str>, place: Place<'a>) -> Decider<'a> {
        Decider { rule, place }
    }
}

impl std::fmt::Display for Decider<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.rule {
            Some(rule) => write!(f, "{rule} ({})", self.place),
            None => write!(f, "({})", self.place),
        }
    }
}

/// A rule in a denied flow's way ([`Verdict::blockers`]): its name and where it is. Its
/// `Display` is the one wording every front end shows.
///
/// ```
/// use flowverify::verdict::{Blocker, Layer};
/// let b = Blocker { rule: "securityRules/DenyAll".into(), layer: Layer::Nic, resource: "nsg-web".into() };
/// assert_eq!(b.to_string(), "securityRules/DenyAll (NIC NSG nsg-web)");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blocker {
    /// The rule, as `ruleName` names it.
    pub rule: String,
    /// Its layer.
    pub layer: Layer,
    /// Its NSG or admin configuration.
    pub resource: String,
}

impl std::fmt::Display for Blocker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        Decider::new(
            Some(&self.rule),
            Place::new(self.layer, Some(&self.resource)),
        )
        .fmt(f)
    }
}

impl std::str::FromStr for Layer {
    type Err = crate::model::WordError;

    /// `admin`, `subnet`, `nic` or `none`, in any case.
    ///
    /// ```
    /// use flowverify::Layer;
    /// assert_eq!("NIC".parse::<Layer>(), Ok(Layer::Nic));
    /// assert_eq!(
    ///     "vnet".parse::<Layer>().unwrap_err().to_string(),
    ///     "layer 'vnet' is not one of admin, subnet, nic, none"
    /// );
    /// ```
    fn from_str(text: &str) -> Result<Layer, Self::Err> {
        match text.trim().to_ascii_lowercase().as_str() {
            "admin" => Ok(Layer::Admin),
            "subnet" => Ok(Layer::Subnet),
            "nic" => Ok(Layer::Nic),
            "none" => Ok(Layer::None),
            _ => Err(crate::model::WordError::new(
                "layer",
                text,
                "one of admin, subnet, nic, none",
            )),
        }
    }
}

impl std::fmt::Display for Layer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// An input was read with a warning (a misspelt property, host bits, a document beyond
    /// Azure's limits, ...): said where it is, and repeated on every verdict that considers it.
    Input,
    /// A rule before the decision could not be evaluated (an unknown tag, ASG or network group,
    /// a bare-number prefix, a flow port `*`): the verdict is uncertain, and the warning says
    /// what input would settle it.
    Missing,
    /// The `VirtualNetwork` tag was used but no virtual network prefixes were given.
    NoVirtualNetwork,
    /// An NSG matched no rule at all, not even a default rule.
    NoRuleMatched,
}

/// A warning on a verdict: what FlowVerify assumed, or what input would settle it. Displayed
/// as its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Warning {
    kind: WarningKind,
    text: String,
}

impl Warning {
    /// A warning of `kind` that says `text`.
    pub fn new(kind: WarningKind, text: impl Into<String>) -> Warning {
        Warning {
            kind,
            text: text.into(),
        }
    }

    /// What it is about.
    pub fn kind(&self) -> WarningKind {
        self.kind
    }

    /// What it says.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// What a note is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoteKind {
    /// The target has no NSG: Azure's IP flow verify answers it with `NsgsNotAppliedOnNic`.
    NsgsNotApplied,
}

/// A fact about a verdict that is not a warning about the input. Displayed as its text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Note {
    kind: NoteKind,
    text: String,
}

impl Note {
    /// A note of `kind` that says `text`.
    pub fn new(kind: NoteKind, text: impl Into<String>) -> Note {
        Note {
            kind,
            text: text.into(),
        }
    }

    /// What it is about.
    pub fn kind(&self) -> NoteKind {
        self.kind
    }

    /// What it says.
    pub fn text(&self) -> &str {
        &self.text
    }
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// Which layer and resource decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidedBy {
    /// The deciding layer.
    pub layer: Layer,
    /// The NSG or admin configuration that decided; absent when the layer is `none`.
    pub resource: Option<String>,
}

/// What one layer did with the flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LayerDecision {
    /// A rule allowed the flow at this layer (for admin rules: the NSGs decide next).
    Allow,
    /// A rule denied the flow.
    Deny,
    /// An admin `AlwaysAllow` rule allowed the flow; the NSGs were not evaluated.
    AlwaysAllow,
    /// No rule matched (admin layers only; an NSG always matches a default rule).
    NoMatch,
}

impl LayerDecision {
    /// A layer's decision in words, as every front end shows it: an admin Allow says that the
    /// NSGs decide next, an admin layer without a match that the next configuration does.
    ///
    /// ```
    /// use flowverify::verdict::{Layer, LayerDecision};
    /// assert_eq!(LayerDecision::Allow.words(Layer::Admin), "Allow: the NSGs decide");
    /// assert_eq!(LayerDecision::Allow.words(Layer::Nic), "Allow");
    /// assert_eq!(LayerDecision::AlwaysAllow.words(Layer::Admin), "Always allow");
    /// ```
    pub fn words(self, layer: Layer) -> &'static str {
        match (self, layer) {
            (LayerDecision::Allow, Layer::Admin) => "Allow: the NSGs decide",
            (LayerDecision::Allow, _) => "Allow",
            (LayerDecision::Deny, _) => "Deny",
            (LayerDecision::AlwaysAllow, _) => "Always allow",
            (LayerDecision::NoMatch, Layer::Admin) => {
                "No match: the next configuration, then the NSGs"
            }
            (LayerDecision::NoMatch, _) => "No match",
        }
    }
}

/// What one layer decides for a flow on its own (`docs/formats.md`, Path steps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LayerOutcome {
    /// An NSG rule allows the flow at this layer.
    Allow,
    /// A rule denies the flow.
    Deny,
    /// An admin `AlwaysAllow` rule allows the flow; the NSGs are not evaluated.
    AlwaysAllow,
    /// An admin `Allow` rule: admin evaluation stops and the NSGs decide.
    PassToNsgs,
    /// No rule of the layer matches.
    NoMatch,
}

impl LayerOutcome {
    /// What the layer does, in words: `allows`, `denies`, `always allows`, `passes to the
    /// NSGs`, `matches no rule`; `would ...` for a layer the flow does not reach.
    ///
    /// ```
    /// use flowverify::verdict::LayerOutcome;
    /// assert_eq!(LayerOutcome::Deny.words(false), "would deny");
    /// assert_eq!(LayerOutcome::PassToNsgs.words(true), "passes to the NSGs");
    /// ```
    pub fn words(self, reached: bool) -> &'static str {
        match (self, reached) {
            (LayerOutcome::Allow, true) => "allows",
            (LayerOutcome::Allow, false) => "would allow",
            (LayerOutcome::Deny, true) => "denies",
            (LayerOutcome::Deny, false) => "would deny",
            (LayerOutcome::AlwaysAllow, true) => "always allows",
            (LayerOutcome::AlwaysAllow, false) => "would always allow",
            (LayerOutcome::PassToNsgs, true) => "passes to the NSGs",
            (LayerOutcome::PassToNsgs, false) => "would pass to the NSGs",
            (LayerOutcome::NoMatch, true) => "matches no rule",
            (LayerOutcome::NoMatch, false) => "would match no rule",
        }
    }
}

/// One layer on a flow's path: every layer the inputs have, in evaluation order, reached or
/// not, with what it decides on its own and its first matching rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// Which layer.
    pub layer: Layer,
    /// The NSG or admin configuration.
    pub resource: String,
    /// Whether the flow gets to this layer (false after an earlier layer decided; for admin
    /// configurations, also after an admin `Allow` handed the flow to the NSGs).
    pub reached: bool,
    /// What the layer decides for the flow on its own.
    pub outcome: LayerOutcome,
    /// Its first matching rule, as `ruleName` names it; absent for `NoMatch`.
    pub rule: Option<String>,
}

impl Step {
    /// What the layer does for the flow, in words, with its rule: `denies: securityRules/X`;
    /// for a layer the flow does not reach, `not reached; would deny: securityRules/X`.
    ///
    /// ```
    /// use flowverify::verdict::{Layer, LayerOutcome, Step};
    /// let step = Step { layer: Layer::Nic, resource: "nsg-web-nic".into(), reached: false,
    ///                   outcome: LayerOutcome::Deny, rule: Some("securityRules/DenyAll".into()) };
    /// assert_eq!(step.summary(), "not reached; would deny: securityRules/DenyAll");
    /// ```
    pub fn summary(&self) -> String {
        let what = self.outcome.words(self.reached);
        let text = match &self.rule {
            Some(rule) => format!("{what}: {rule}"),
            None => what.to_string(),
        };
        if self.reached {
            text
        } else {
            format!("not reached; {text}")
        }
    }
}

/// One of the five conditions of a rule, in NSG diagnostics' order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// The protocol.
    Protocol,
    /// The source address.
    Source,
    /// The source port.
    SourcePort,
    /// The destination address.
    Destination,
    /// The destination port.
    DestinationPort,
}

impl Field {
    /// The five, in order.
    pub const ALL: [Field; 5] = [
        Field::Protocol,
        Field::Source,
        Field::SourcePort,
        Field::Destination,
        Field::DestinationPort,
    ];

    /// Its place in [`Field::ALL`].
    pub fn index(self) -> usize {
        match self {
            Field::Protocol => 0,
            Field::Source => 1,
            Field::SourcePort => 2,
            Field::Destination => 3,
            Field::DestinationPort => 4,
        }
    }

    /// The column heading front ends show: `P`, `S`, `SP`, `D`, `DP`.
    pub fn heading(self) -> &'static str {
        match self {
            Field::Protocol => "P",
            Field::Source => "S",
            Field::SourcePort => "SP",
            Field::Destination => "D",
            Field::DestinationPort => "DP",
        }
    }

    /// The name in the result object's `unknown` list: `protocol`, `source`, `sourcePort`,
    /// `destination`, `destinationPort`.
    pub fn key(self) -> &'static str {
        match self {
            Field::Protocol => "protocol",
            Field::Source => "source",
            Field::SourcePort => "sourcePort",
            Field::Destination => "destination",
            Field::DestinationPort => "destinationPort",
        }
    }

    /// In words: `protocol`, `source`, `source port`, ...
    pub fn words(self) -> &'static str {
        match self {
            Field::Protocol => "protocol",
            Field::Source => "source",
            Field::SourcePort => "source port",
            Field::Destination => "destination",
            Field::DestinationPort => "destination port",
        }
    }
}

/// How one condition of a rule came out for a flow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Condition {
    /// The condition holds.
    Holds,
    /// The condition fails.
    Fails,
    /// The condition could not be evaluated for lack of input (a tag, ASG or network group
    /// without membership, a bare-number prefix, or a flow port `*` against some ports).
    Unknown,
}

impl Condition {
    /// The mark every front end shows: `✓`, `✗` or `?`.
    ///
    /// ```
    /// use flowverify::verdict::Condition;
    /// assert_eq!(Condition::Unknown.mark(), "?");
    /// ```
    pub fn mark(self) -> &'static str {
        match self {
            Condition::Holds => "✓",
            Condition::Fails => "✗",
            Condition::Unknown => "?",
        }
    }

    /// In words, for screen readers and titles: `holds`, `fails`, `unknown`.
    pub fn words(self) -> &'static str {
        match self {
            Condition::Holds => "holds",
            Condition::Fails => "fails",
            Condition::Unknown => "unknown",
        }
    }
}

/// One rule considered, with its five conditions (NSG diagnostics' match flags, plus unknown).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleTrace {
    /// The reported name, e.g. `securityRules/AllowWeb`.
    pub name: String,
    /// Its priority.
    pub priority: u32,
    /// What the rule does on a match.
    pub access: Access,
    /// Whether the rule matched the flow (and so decided its layer).
    pub matched: bool,
    /// Each condition, in [`Field::ALL`]'s order: holds, fails, or unknown (could not be
    /// evaluated for lack of input: a tag, ASG or network group without membership, a
    /// bare-number prefix, or a flow port `*` against a rule that covers only some ports).
    pub conditions: [Condition; 5],
    /// Why it did not match, in plain words (the first condition that failed).
    pub reason: Option<String>,
    /// The rule would have matched but for missing input: the verdict is uncertain.
    pub uncertain: bool,
    /// What importing the rule noticed (a misspelt property, host bits, ...): a rule read with
    /// a warning is marked in the trace.
    pub warnings: Vec<String>,
}

impl RuleTrace {
    /// Why it matched or not, in words (every front end's): `Matched: this rule decides the
    /// layer`, the engine's reason (`source 10.0.2.5 is not in 10.0.1.0/24`), marked
    /// `Uncertain: ` when missing input left a condition unknown, or `Did not match`.
    pub fn reason_words(&self) -> String {
        match (&self.reason, self.matched, self.uncertain) {
            (_, true, _) => "Matched: this rule decides the layer".to_string(),
            (Some(r), false, true) => format!("Uncertain: {r}"),
            (None, false, true) => "Uncertain: missing input".to_string(),
            (Some(r), false, false) => r.clone(),
            (None, false, false) => "Did not match".to_string(),
        }
    }

    /// How `field` came out.
    ///
    /// ```
    /// use flowverify::model::Access;
    /// use flowverify::verdict::{Condition, Field, RuleTrace};
    /// use Condition::{Fails, Holds, Unknown};
    /// let row = RuleTrace {
    ///     name: "securityRules/AllowStorage".into(), priority: 100, access: Access::Allow,
    ///     matched: false, conditions: [Holds, Holds, Holds, Unknown, Holds],
    ///     reason: None, uncertain: true, warnings: vec![],
    /// };
    /// assert_eq!(row.condition(Field::Protocol), Holds);
    /// assert_eq!(row.condition(Field::Destination), Unknown);
    /// assert_ne!(row.condition(Field::Destination), Fails);
    /// ```
    pub fn condition(&self, field: Field) -> Condition {
        self.conditions[field.index()]
    }

    /// The five conditions in order, each with its field.
    pub fn conditions(&self) -> [(Field, Condition); 5] {
        Field::ALL.map(|f| (f, self.condition(f)))
    }
}

/// One layer of the trace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerTrace {
    /// Which layer.
    pub layer: Layer,
    /// The NSG or admin configuration.
    pub resource: String,
    /// What the layer decided.
    pub decision: LayerDecision,
    /// The rules considered, in evaluation order, up to and including the match.
    pub rules: Vec<RuleTrace>,
}

/// The verdict on one flow, with everything that explains it (its JSON form:
/// [`crate::ffi::result`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// `Allow` or `Deny`.
    pub access: Decision,
    /// The deciding rule as IP flow verify names it; absent when nothing decided.
    pub rule_name: Option<String>,
    /// The deciding layer and resource.
    pub decided_by: DecidedBy,
    /// Whether a rule before the decision could not be evaluated for lack of input.
    pub uncertain: bool,
    /// Warnings: what the tool assumed, and what input would settle an uncertain verdict.
    pub warnings: Vec<Warning>,
    /// Facts about the verdict that are not warnings about the input (e.g. that Azure's IP
    /// flow verify answers a target without NSGs with the error `NsgsNotAppliedOnNic`).
    pub notes: Vec<Note>,
    /// Every layer the inputs have, in evaluation order, reached or not, with what it decides
    /// on its own (empty when the trace was not asked for).
    pub path: Vec<Step>,
    /// For a Deny, every rule on the path (reached or not) whose layer denies the flow: what
    /// would have to change for it to be allowed. Empty for an Allow.
    pub blockers: Vec<Blocker>,
    /// The flow as evaluated.
    pub flow: Flow,
    /// Every layer evaluated, in order (empty when the trace was not asked for).
    pub trace: Vec<LayerTrace>,
}
