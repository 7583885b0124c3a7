//! Rule fields: priorities, directions, access, protocols, ports and addresses, parsed with the
//! model's parsers and reported at a path that names the rule. Shared by NSG, effective and
//! admin rules; [`nsg_rule`] reads a whole NSG (or effective) security rule.

use std::borrow::Cow;
use std::collections::HashSet;

use serde_json::Value;

use super::json::{
    arm_expression_message, clip, is_arm_expression, is_powershell_truncation, is_unset, join,
    kind_of, last_segment, powershell_truncation_message, show, Ctx, Fields, Obj,
};
use crate::error::InputError;
use crate::model::{
    parse_prefix, Access, AddressEntry, AddressSide, Direction, PortRange, PortSide, Rule,
    RuleKind, RuleProtocol,
};

/// Where a value is, as the parts of its path; the path text is only built for an error.
#[derive(Debug, Clone, Copy)]
pub(crate) struct At<'a> {
    base: &'a str,
    key: &'a str,
    index: Option<usize>,
}

impl<'a> At<'a> {
    /// The setting `key` of the thing at `base` (`base.key`, or `key` when `base` is empty).
    pub fn new(base: &'a str, key: &'a str) -> At<'a> {
        At {
            base,
            key,
            index: None,
        }
    }

    /// Item `index` of the list here.
    pub fn item(self, index: usize) -> At<'a> {
        At {
            index: Some(index),
            ..self
        }
    }

    /// The path, e.g. `securityRules[3] (AllowWeb).destinationPortRanges[1]`.
    pub fn path(&self) -> String {
        let mut path = join(self.base, self.key);
        if let Some(i) = self.index {
            path.push_str(&format!("[{i}]"));
        }
        path
    }
}

/// Which priorities a rule may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PriorityRange {
    /// NSG user rules: 100-4096.
    User,
    /// AVNM security admin rules: 1-4096.
    Admin,
    /// Default and effective rules: taken as given (1-65535).
    AsGiven,
}

impl PriorityRange {
    fn bounds(self) -> (u64, u64, &'static str) {
        match self {
            PriorityRange::User => (100, 4096, "NSG security rules"),
            PriorityRange::Admin => (1, 4096, "security admin rules"),
            PriorityRange::AsGiven => (1, 65535, "rules"),
        }
    }
}

/// The message for a string that could not be understood, with the ARM or PowerShell reason
/// when that is why.
fn not_understood(what: &str, text: &str, message: String) -> String {
    if is_arm_expression(text) {
        arm_expression_message(what, text)
    } else if is_powershell_truncation(text) {
        powershell_truncation_message(text)
    } else {
        message
    }
}

/// A rule's priority: an integer (or a string of digits) in `range`.
pub(crate) fn priority(
    ctx: &Ctx,
    at: At,
    value: Option<&Value>,
    range: PriorityRange,
) -> Result<u32, InputError> {
    let (lo, hi, what) = range.bounds();
    let outside = |n: &dyn std::fmt::Display| {
        ctx.err(
            at.path(),
            format!("priority '{n}' is outside {lo}-{hi}, the range of {what}"),
        )
    };
    let number = match value {
        None | Some(Value::Null) => {
            return Err(ctx.err(
                at.path(),
                format!("missing 'priority' (an integer from {lo} to {hi})"),
            ))
        }
        Some(Value::Number(n)) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => u,
            (None, Some(_)) => return Err(outside(n)),
            _ => {
                return Err(ctx.err(at.path(), format!("priority '{n}' is not an integer")));
            }
        },
        Some(Value::String(s)) => {
            let t = s.trim();
            match t.parse::<u64>() {
                Ok(u) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => u,
                _ => {
                    let message = format!("priority '{}' is not an integer", clip(t));
                    return Err(ctx.err(at.path(), not_understood("priority", t, message)));
                }
            }
        }
        Some(other) => {
            return Err(ctx.err(
                at.path(),
                format!(
                    "priority must be an integer, found {} {}",
                    kind_of(other),
                    show(other)
                ),
            ))
        }
    };
    if number < lo || number > hi {
        return Err(outside(&number));
    }
    u32::try_from(number).map_err(|_| outside(&number))
}

/// A required string setting.
fn required_text<'v>(
    ctx: &Ctx,
    at: At,
    name: &str,
    value: Option<&'v Value>,
    expected: &str,
) -> Result<&'v str, InputError> {
    match value {
        None | Some(Value::Null) => {
            Err(ctx.err(at.path(), format!("missing '{name}' ({expected})")))
        }
        Some(Value::String(s)) if s.trim().is_empty() => {
            Err(ctx.err(at.path(), format!("missing '{name}' ({expected})")))
        }
        Some(Value::String(s)) => Ok(s.trim()),
        // PowerShell sometimes renders one-value settings as a one-element list.
        Some(Value::Array(items)) if items.len() == 1 => {
            required_text(ctx, at, name, items.first(), expected)
        }
        Some(other) => Err(ctx.err(
            at.path(),
            format!(
                "{name} must be a string ({expected}), found {} {}",
                kind_of(other),
                show(other)
            ),
        )),
    }
}

/// A rule's direction.
pub(crate) fn direction(ctx: &Ctx, at: At, value: Option<&Value>) -> Result<Direction, InputError> {
    let text = required_text(ctx, at, "direction", value, "Inbound or Outbound")?;
    text.parse::<Direction>()
        .map_err(|e| ctx.err(at.path(), not_understood("direction", text, e.to_string())))
}

/// A rule's access: `Allow`, `Deny`, and `AlwaysAllow` when `always_allow` (admin rules).
pub(crate) fn access(
    ctx: &Ctx,
    at: At,
    value: Option<&Value>,
    always_allow: bool,
) -> Result<Access, InputError> {
    let expected = if always_allow {
        "Allow, Deny or AlwaysAllow"
    } else {
        "Allow or Deny"
    };
    let text = required_text(ctx, at, "access", value, expected)?;
    match Access::parse(text) {
        Some(Access::AlwaysAllow) if !always_allow => Err(ctx.err(
            at.path(),
            "access 'AlwaysAllow' is only valid in AVNM security admin rules; NSG rules are Allow or Deny",
        )),
        Some(access) => Ok(access),
        None => {
            let message = format!("access '{}' is not {expected}", clip(text));
            Err(ctx.err(at.path(), not_understood("access", text, message)))
        }
    }
}

/// A rule's protocol. NSG rules take `Tcp, Udp, Icmp, Esp, Ah, *`; admin rules say `Any`.
pub(crate) fn protocol(
    ctx: &Ctx,
    at: At,
    value: Option<&Value>,
    admin: bool,
) -> Result<RuleProtocol, InputError> {
    let expected = if admin {
        "one of Tcp, Udp, Icmp, Esp, Ah, Any"
    } else {
        "one of Tcp, Udp, Icmp, Esp, Ah, * (any)"
    };
    let text = required_text(ctx, at, "protocol", value, expected)?;
    RuleProtocol::parse(text).ok_or_else(|| {
        let message = format!("protocol '{}' is not {expected}", clip(text));
        ctx.err(at.path(), not_understood("protocol", text, message))
    })
}

/// One text of a setting, and where it is.
pub(crate) struct Text<'a, 'v> {
    pub at: At<'a>,
    pub text: Cow<'v, str>,
}

/// The texts of a setting that may be a string, a number, a list of them, `""`, `null` or
/// `[]`; comma-separated strings give several entries.
pub(crate) fn texts<'a, 'v>(
    ctx: &Ctx,
    at: At<'a>,
    value: Option<&'v Value>,
    out: &mut Vec<Text<'a, 'v>>,
) -> Result<(), InputError> {
    let Some(value) = value else {
        return Ok(());
    };
    let mut push = |item_at: At<'a>, item: &'v Value| -> Result<(), InputError> {
        match item {
            Value::Null => Ok(()),
            Value::String(s) => {
                if is_powershell_truncation(s) {
                    return Err(ctx.err(item_at.path(), powershell_truncation_message(s)));
                }
                if is_arm_expression(s) {
                    // An unevaluated expression is one value, commas and all.
                    out.push(Text {
                        at: item_at,
                        text: Cow::Borrowed(s.trim()),
                    });
                    return Ok(());
                }
                let mut parts = 0;
                for part in s.split(',') {
                    let part = part.trim();
                    if !part.is_empty() {
                        parts += 1;
                        out.push(Text {
                            at: item_at,
                            text: Cow::Borrowed(part),
                        });
                    }
                }
                if parts > 1 {
                    ctx.warn(&item_at.path(), list_in_one_value(item_at, s));
                }
                Ok(())
            }
            Value::Number(n) => {
                out.push(Text {
                    at: item_at,
                    text: Cow::Owned(n.to_string()),
                });
                Ok(())
            }
            other => Err(ctx.err(
                item_at.path(),
                format!(
                    "expected a string or a list of strings, found {}",
                    kind_of(other)
                ),
            )),
        }
    };
    match value {
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                push(at.item(i), item)?;
            }
        }
        other => push(at, other)?,
    }
    Ok(())
}

/// The warning for a comma-separated list where Azure takes one value: a singular setting
/// (`destinationPortRange: "80,3389"`) or one item of a list.
fn list_in_one_value(at: At, text: &str) -> String {
    let shown = clip(text.trim());
    if at.index.is_some() {
        return format!(
            "item '{shown}' holds a comma-separated list: read as its {} values; Azure expects \
             one value per item",
            text.split(',').filter(|p| !p.trim().is_empty()).count()
        );
    }
    let plural = plural_of(at.key);
    format!(
        "{} '{shown}' holds a comma-separated list: read as the list; Azure expects one value \
         in {} and a list in {plural}",
        at.key, at.key
    )
}

/// The plural setting of a singular one (`destinationPortRange` -> `destinationPortRanges`,
/// `sourceAddressPrefix` -> `sourceAddressPrefixes`).
fn plural_of(key: &str) -> String {
    if key.to_ascii_lowercase().ends_with("prefix") {
        format!("{key}es")
    } else {
        format!("{key}s")
    }
}

/// One port entry: `*`, `N` or `A-B`; the message when it is not one.
pub(crate) fn parse_port(text: &str) -> Result<PortRange, String> {
    if let Some(range) = PortRange::parse(text) {
        return Ok(range);
    }
    if let Some((a, b)) = text.split_once('-') {
        if let (Ok(a), Ok(b)) = (a.trim().parse::<u16>(), b.trim().parse::<u16>()) {
            if a > b {
                return Err(format!("port range '{}' ends before it starts", clip(text)));
            }
        }
    }
    let message = format!(
        "port '{}' is not a number from 0 to 65535 or a range A-B",
        clip(text)
    );
    Err(not_understood("port", text, message))
}

/// Pushes `item` unless an equal one is there (lists are short; long ones use a set).
fn push_unique<T: PartialEq + Clone + std::hash::Hash + Eq>(
    items: &mut Vec<T>,
    seen: &mut Option<HashSet<T>>,
    item: T,
) {
    const LINEAR: usize = 16;
    if items.len() < LINEAR {
        if !items.contains(&item) {
            items.push(item);
        }
        return;
    }
    let set = seen.get_or_insert_with(|| items.iter().cloned().collect());
    if set.insert(item.clone()) {
        items.push(item);
    }
}

/// A port side from its settings (union; nothing set = any). Each setting is its spelled key
/// and value, or `None`.
pub(crate) fn port_side(
    ctx: &Ctx,
    base: &str,
    settings: &[Option<(&str, &Value)>],
) -> Result<PortSide, InputError> {
    let mut items = Vec::new();
    for (key, value) in settings.iter().flatten() {
        texts(ctx, At::new(base, key), Some(value), &mut items)?;
    }
    let mut ranges = Vec::with_capacity(items.len());
    let mut seen = None;
    for item in &items {
        // Effective rules repeat the singular in the plural: keep each range once.
        let range = parse_port(&item.text).map_err(|m| ctx.err(item.at.path(), m))?;
        push_unique(&mut ranges, &mut seen, range);
    }
    Ok(PortSide::from_ranges(ranges))
}

/// One address prefix as Azure writes it (`*`, an IP, a CIDR block or a service tag); the
/// message when it is not one.
pub(crate) fn parse_address(text: &str) -> Result<AddressEntry, String> {
    if let Some(entry) = AddressEntry::parse(text) {
        return Ok(entry);
    }
    let t = text.trim();
    if let Some((a, b)) = crate::model::ip_range(t) {
        return Err(range_message(t, a, b));
    }
    let looks_like_address =
        t.contains(':') || t.contains('/') || t.bytes().all(|b| b.is_ascii_digit() || b == b'.');
    let message = if looks_like_address {
        format!(
            "address prefix '{}' is not a valid IP address or CIDR block",
            clip(t)
        )
    } else {
        format!(
            "address prefix '{}' is not an IP address, CIDR block or service tag name",
            clip(t)
        )
    };
    Err(not_understood("address prefix", t, message))
}

/// The message for an IP range `A-B`, with the CIDR blocks that cover it exactly.
fn range_message(text: &str, a: std::net::IpAddr, b: std::net::IpAddr) -> String {
    use std::net::IpAddr;
    let blocks: Option<Vec<String>> = match (a, b) {
        (IpAddr::V4(a), IpAddr::V4(b)) if a <= b => Some(
            ipnet::Ipv4Subnets::new(a, b, 0)
                .map(|n| n.to_string())
                .collect(),
        ),
        (IpAddr::V6(a), IpAddr::V6(b)) if a <= b => Some(
            ipnet::Ipv6Subnets::new(a, b, 0)
                .map(|n| n.to_string())
                .collect(),
        ),
        _ => None,
    };
    let mut message = format!(
        "address prefix '{}' is an IP range; NSG and admin rules take IP addresses, CIDR blocks \
         or service tags, not ranges",
        clip(text)
    );
    match blocks {
        Some(blocks) if blocks.len() <= 8 => {
            message.push_str(&format!(": write it as {}", blocks.join(", ")));
        }
        Some(blocks) => message.push_str(&format!(
            ": write it as the {} CIDR blocks that cover it",
            blocks.len()
        )),
        None => message.push_str(": its ends are of different families or in the wrong order"),
    }
    message
}

/// One address prefix, its error at `path`; what it accepts but Azure users rarely mean (host
/// bits set, a bare number) is a warning at `path`.
pub(crate) fn address(ctx: &Ctx, path: &str, text: &str) -> Result<AddressEntry, InputError> {
    let entry = parse_address(text).map_err(|m| ctx.err(path, m))?;
    let t = text.trim();
    match &entry {
        AddressEntry::BareNumber(n) => ctx.warn(
            path,
            format!(
                "address prefix '{}' is a bare number, not an IP address or CIDR block: Azure \
                 accepts and stores such prefixes but does not document how it matches them, so \
                 FlowVerify matches no address with it and marks a verdict that depends on it \
                 uncertain",
                clip(n)
            ),
        ),
        AddressEntry::Prefix(_) | AddressEntry::Any if t.contains('/') => {
            if let Ok(net) = t.parse::<ipnet::IpNet>() {
                let given = net.addr();
                if given != net.network() {
                    let message = if net.prefix_len() == 0 {
                        format!(
                            "address prefix '{}' is a /0: it matches every address, whatever \
                             address comes before the slash (for the one host write {given}/{})",
                            clip(t),
                            if given.is_ipv4() { 32 } else { 128 }
                        )
                    } else {
                        format!(
                            "address prefix '{}' has host bits set: Azure reads it as {}",
                            clip(t),
                            net.trunc()
                        )
                    };
                    ctx.warn(path, message);
                }
            }
        }
        _ => {}
    }
    Ok(entry)
}

/// The name of an application security group from its id: the last segment, or the name
/// inside an ARM expression such as `[resourceId('Microsoft.Network/applicationSecurityGroups','asg-web')]`.
pub(crate) fn asg_name(id: &str) -> Option<String> {
    let id = id.trim();
    if is_arm_expression(id) {
        if let Ok(Value::String(s)) = super::arm::evaluate_alone(id) {
            let name = last_segment(&s);
            return (!name.is_empty() && !name.contains('[')).then(|| name.to_string());
        }
        // The last quoted literal is the name in the usual `resourceId(type, name)` form.
        let inner = id.trim_start_matches('[').trim_end_matches(']');
        let last = inner.split('\'').skip(1).step_by(2).last()?;
        let name = last_segment(last);
        return (!name.is_empty()).then(|| name.to_string());
    }
    let name = last_segment(id);
    (!name.is_empty()).then(|| name.to_string())
}

/// Application security group references: `[{id}]`, `null`, `[]` (ids may also be bare strings).
pub(crate) fn asg_refs(
    ctx: &Ctx,
    at: At,
    value: Option<&Value>,
) -> Result<Vec<AddressEntry>, InputError> {
    let mut out = Vec::new();
    let items = match value {
        None | Some(Value::Null) => return Ok(out),
        Some(Value::Array(items)) => items,
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(out),
        Some(Value::String(s)) if is_powershell_truncation(s) => {
            return Err(ctx.err(at.path(), powershell_truncation_message(s)))
        }
        Some(other) => {
            return Err(ctx.err(
                at.path(),
                format!(
                    "expected a list of application security groups, found {}",
                    kind_of(other)
                ),
            ))
        }
    };
    for (i, item) in items.iter().enumerate() {
        let id = match item {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => super::json::get_str(o, "id"),
            _ => None,
        };
        let Some(id) = id else {
            return Err(ctx.err(
                at.item(i).path(),
                format!(
                    "an application security group reference needs an 'id', found {}",
                    kind_of(item)
                ),
            ));
        };
        match asg_name(id) {
            Some(name) => out.push(AddressEntry::Asg(name)),
            None => {
                return Err(ctx.err(
                    at.item(i).path(),
                    format!("'{}' is not an application security group id", clip(id)),
                ))
            }
        }
    }
    Ok(out)
}

/// The key names of one side of an NSG rule.
struct SideKeys {
    prefix: &'static str,
    prefixes: &'static str,
    asgs: &'static str,
    expanded: &'static str,
    port: &'static str,
    ports: &'static str,
}

const SOURCE: SideKeys = SideKeys {
    prefix: "sourceAddressPrefix",
    prefixes: "sourceAddressPrefixes",
    asgs: "sourceApplicationSecurityGroups",
    expanded: "expandedSourceAddressPrefix",
    port: "sourcePortRange",
    ports: "sourcePortRanges",
};

const DESTINATION: SideKeys = SideKeys {
    prefix: "destinationAddressPrefix",
    prefixes: "destinationAddressPrefixes",
    asgs: "destinationApplicationSecurityGroups",
    expanded: "expandedDestinationAddressPrefix",
    port: "destinationPortRange",
    ports: "destinationPortRanges",
};

/// The key as the document spells it, or the canonical one.
fn key_of<'a>(entry: Option<(&'a str, &'a Value)>, canonical: &'a str) -> &'a str {
    entry.map(|(k, _)| k).unwrap_or(canonical)
}

/// One address side of an NSG (or effective) rule: singular ∪ plural ∪ ASGs; an effective
/// rule's non-empty `expanded*` list replaces it.
fn address_side(
    ctx: &Ctx,
    base: &str,
    fields: &Fields,
    keys: &SideKeys,
) -> Result<AddressSide, InputError> {
    let mut shown = Vec::new();
    for key in [keys.prefix, keys.prefixes] {
        if let Some((spelled, value)) = fields.entry(key) {
            texts(ctx, At::new(base, spelled), Some(value), &mut shown)?;
        }
    }
    // Effective rules repeat the singular in the plural: keep each text once.
    if shown.len() > 1 {
        let mut kept: Vec<Text> = Vec::with_capacity(shown.len());
        let mut seen: Option<HashSet<String>> = None;
        for item in shown {
            let duplicate = if kept.len() < 16 {
                kept.iter().any(|k| k.text.eq_ignore_ascii_case(&item.text))
            } else {
                let set = seen.get_or_insert_with(|| {
                    kept.iter().map(|k| k.text.to_ascii_lowercase()).collect()
                });
                !set.insert(item.text.to_ascii_lowercase())
            };
            if !duplicate {
                kept.push(item);
            }
        }
        shown = kept;
    }

    let expanded = fields.entry(keys.expanded);
    if let Some((key, value)) = expanded.filter(|(_, v)| !is_unset(v)) {
        let mut items = Vec::new();
        texts(ctx, At::new(base, key), Some(value), &mut items)?;
        let mut nets = Vec::with_capacity(items.len());
        for item in &items {
            match parse_prefix(&item.text) {
                Some(net) => nets.push(net),
                None => {
                    return Err(ctx.err(
                        item.at.path(),
                        format!(
                            "expanded prefix '{}' is not a valid IP address or CIDR block",
                            clip(&item.text)
                        ),
                    ))
                }
            }
        }
        let label = if shown.is_empty() {
            "expanded prefixes".to_string()
        } else {
            shown
                .iter()
                .map(|t| t.text.as_ref())
                .collect::<Vec<_>>()
                .join(", ")
        };
        // `0.0.0.0/0` and `::/0` mean any address of either family, expanded or not.
        if nets.iter().any(|n| n.prefix_len() == 0) {
            return Ok(AddressSide::any());
        }
        return Ok(AddressSide::from_entries(vec![AddressEntry::Expanded {
            label,
            prefixes: nets,
        }]));
    }

    let mut entries = Vec::with_capacity(shown.len());
    for item in &shown {
        entries.push(address(ctx, &item.at.path(), &item.text)?);
    }
    let asgs = fields.entry(keys.asgs);
    entries.extend(asg_refs(
        ctx,
        At::new(base, key_of(asgs, keys.asgs)),
        asgs.map(|e| e.1),
    )?);
    Ok(AddressSide::from_entries(entries))
}

/// The properties an NSG security rule (REST, `az`, PowerShell, ARM, effective rules) may
/// have, in any case, at its top level or in its `properties`; PowerShell's `...Text` copies
/// of them are known too.
const NSG_RULE_KEYS: &[&str] = &[
    "name",
    "id",
    "etag",
    "type",
    "properties",
    "description",
    "protocol",
    "sourcePortRange",
    "sourcePortRanges",
    "destinationPortRange",
    "destinationPortRanges",
    "sourceAddressPrefix",
    "sourceAddressPrefixes",
    "destinationAddressPrefix",
    "destinationAddressPrefixes",
    "sourceApplicationSecurityGroups",
    "destinationApplicationSecurityGroups",
    "expandedSourceAddressPrefix",
    "expandedDestinationAddressPrefix",
    "access",
    "priority",
    "direction",
    "provisioningState",
    "resourceGroup",
    "systemData",
];

/// The properties an AVNM security admin rule (REST, `az`, PowerShell, ARM, effective and
/// active admin rules) may have.
pub(crate) const ADMIN_RULE_KEYS: &[&str] = &[
    "name",
    "id",
    "etag",
    "type",
    "kind",
    "properties",
    "systemData",
    "description",
    "flag",
    "protocol",
    "sources",
    "destinations",
    "sourcePortRanges",
    "destinationPortRanges",
    "access",
    "priority",
    "direction",
    "provisioningState",
    "resourceGuid",
    "resourceGroup",
    "configurationDescription",
    "configurationDisplayName",
    "ruleCollectionDescription",
    "ruleCollectionDisplayName",
    "ruleCollectionAppliesToGroups",
    "ruleGroups",
    "commitTime",
    "region",
    "displayName",
];

/// The properties any resource of an ARM template may have besides its own.
const ARM_RESOURCE_KEYS: &[&str] = &[
    "apiVersion",
    "dependsOn",
    "location",
    "comments",
    "condition",
    "copy",
    "scope",
    "tags",
];

/// Warns about every property of a rule (top level and `properties`) that is not in `known`
/// (nor an ARM resource property):
/// a misspelt key (`sourceAddressPrefixs`, an admin rule's `destinationPortRange`) is ignored,
/// which can widen the rule to match anything, so it is never ignored silently.
pub(crate) fn check_properties(ctx: &Ctx, label: &str, obj: &Obj, what: &str, known: &[&str]) {
    let is_known = |key: &str| {
        let stem = key
            .len()
            .checked_sub(4)
            .and_then(|cut| key.get(cut..).filter(|t| t.eq_ignore_ascii_case("text")))
            .map_or(key, |_| &key[..key.len() - 4]);
        known
            .iter()
            .chain(ARM_RESOURCE_KEYS)
            .any(|k| k.eq_ignore_ascii_case(key) || k.eq_ignore_ascii_case(stem))
    };
    let report = |path: &str, key: &str| {
        let lower = key.to_ascii_lowercase();
        let guess = known
            .iter()
            .map(|k| (strsim::levenshtein(&lower, &k.to_ascii_lowercase()), *k))
            .filter(|(d, k)| *d <= 3.max(k.len() / 5))
            // On a tie, the spelling that ends as the key does (`...Prefixs` -> `...Prefixes`).
            .min_by_key(|(d, k)| {
                (
                    *d,
                    !k.to_ascii_lowercase()
                        .ends_with(&lower[lower.len().saturating_sub(1)..]),
                )
            })
            .map(|(_, k)| format!(" (did you mean '{k}'?)"))
            .unwrap_or_default();
        ctx.warn(
            path,
            format!(
                "'{}' is not a property of {what}: FlowVerify ignores it, as Azure would refuse \
                 or ignore it{guess}; if a condition was meant, the rule matches more than \
                 intended",
                clip(key)
            ),
        );
    };
    for key in obj.keys() {
        if !is_known(key) {
            report(label, key);
        }
    }
    if let Some(inner) = super::json::get_obj(obj, "properties") {
        let base = join(label, "properties");
        for key in inner.keys() {
            if !is_known(key) {
                report(&base, key);
            }
        }
    }
}

/// Azure's limits on one rule: at most 4,000 address prefixes on a side (service tags and
/// ASGs aside) and 10 application security groups in a rule. Beyond them Azure refuses the
/// rule; FlowVerify evaluates it as given, with a warning.
pub(crate) fn check_limits(
    ctx: &Ctx,
    label: &str,
    source: &AddressSide,
    destination: &AddressSide,
) {
    const MAX_PREFIXES: usize = 4000;
    const MAX_ASGS: usize = 10;
    let mut asgs = 0;
    for (what, side) in [("source", source), ("destination", destination)] {
        let prefixes = side
            .entries()
            .iter()
            .filter(|e| matches!(e, AddressEntry::Prefix(_) | AddressEntry::BareNumber(_)))
            .count();
        if prefixes > MAX_PREFIXES {
            ctx.warn(
                label,
                format!(
                    "the rule has {prefixes} {what} address prefixes; Azure allows at most \
                     {MAX_PREFIXES} and would refuse this rule"
                ),
            );
        }
        asgs += side
            .entries()
            .iter()
            .filter(|e| matches!(e, AddressEntry::Asg(_)))
            .count();
    }
    if asgs > MAX_ASGS {
        ctx.warn(
            label,
            format!(
                "the rule names {asgs} application security groups; Azure allows at most \
                 {MAX_ASGS} in a rule and would refuse it"
            ),
        );
    }
}

/// Refuses two rules of one name (any case) in one scope (an NSG's user or default rules, an
/// admin rule collection): Azure names rules uniquely there, so two such rules are a document
/// Azure never produced, and a verdict naming one of them would be ambiguous.
pub(crate) fn check_unique_names<'r>(
    ctx: &Ctx,
    rules: impl Iterator<Item = (&'r Rule, &'r str, String)>,
    scope_word: &str,
) -> Result<(), InputError> {
    let mut seen: std::collections::HashMap<(String, String), (&'r Rule, &'r str)> =
        std::collections::HashMap::new();
    for (rule, label, scope) in rules {
        let key = (
            scope.to_ascii_lowercase(),
            rule.reported_name().to_ascii_lowercase(),
        );
        if let Some((first, first_label)) = seen.get(&key) {
            let within = if scope.is_empty() {
                String::new()
            } else {
                format!(" in {scope_word} {}", clip(&scope))
            };
            return Err(ctx.err(
                label,
                format!(
                    "two rules are named '{}'{within}: {} and {}; Azure names rules uniquely, so \
                     this document is not one Azure produced: remove or rename one",
                    clip(&first.name),
                    clip(first_label),
                    clip(label)
                ),
            ));
        }
        seen.insert(key, (rule, label));
    }
    Ok(())
}

/// Where an NSG-style rule was found, which decides its kind and priority range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RuleSet {
    /// An NSG's `securityRules` (or a list of rules): user rules, unless the name says default.
    User,
    /// An NSG's `defaultSecurityRules`.
    Default,
    /// An effective rules list: names carry their kind; priorities as given; AlwaysAllow = admin.
    Effective,
}

/// A rule name's kind and bare name: `securityRules/x`, `defaultSecurityRules/x`,
/// `securityAdminRules/x` (or `adminRules/x`) prefixes say what they are.
pub(crate) fn split_rule_name(name: &str) -> (Option<RuleKind>, &str) {
    let name = name.trim();
    if let Some((prefix, rest)) = name.rsplit_once('/') {
        let prefix = prefix.rsplit('/').next().unwrap_or(prefix);
        let kind = if prefix.eq_ignore_ascii_case("securityRules") {
            Some(RuleKind::User)
        } else if prefix.eq_ignore_ascii_case("defaultSecurityRules") {
            Some(RuleKind::Default)
        } else if [
            "securityAdminRules",
            "adminRules",
            "securityAdminRule",
            "adminRule",
        ]
        .iter()
        .any(|p| prefix.eq_ignore_ascii_case(p))
        {
            Some(RuleKind::Admin)
        } else {
            None
        };
        return (kind, rest.trim());
    }
    (None, name)
}

/// Reads one NSG (or effective) security rule. `name` overrides the rule's own `name`
/// (ARM child resources named `nsg/rule`). Returns the rule and its label for messages
/// (`securityRules[3] (AllowWeb)`).
pub(crate) fn nsg_rule(
    ctx: &Ctx,
    index_path: &str,
    value: &Value,
    set: RuleSet,
    name: Option<&str>,
) -> Result<(Rule, String), InputError> {
    let obj = match value {
        Value::Object(o) => o,
        Value::String(s) if is_powershell_truncation(s) => {
            return Err(ctx.err(index_path, powershell_truncation_message(s)))
        }
        other => {
            return Err(ctx.err(
                index_path,
                format!("expected a security rule object, found {}", kind_of(other)),
            ))
        }
    };
    let mark = ctx.mark();
    let fields = Fields::new(obj);
    let raw_name = name
        .or_else(|| super::json::get_str(obj, "name"))
        .or_else(|| super::json::get_str(obj, "id").map(last_segment));
    let Some(raw_name) = raw_name else {
        return Err(ctx.err(index_path, "the rule has no 'name'"));
    };
    let (named_kind, bare) = split_rule_name(raw_name);
    let bare = bare.to_string();
    let label = if index_path.is_empty() {
        bare.clone()
    } else {
        format!("{index_path} ({bare})")
    };
    let at = |key: &'static str| -> (At, Option<&Value>) {
        match fields.entry(key) {
            Some((spelled, v)) => (At::new(&label, spelled), Some(v)),
            None => (At::new(&label, key), None),
        }
    };

    // The kind: a list's own kind, refined by the name's prefix or (a rule resource) its type.
    let typed_default = super::json::resource_type(obj).is_some_and(|t| {
        t.len() >= 21
            && t.get(t.len() - 21..)
                .is_some_and(|end| end.eq_ignore_ascii_case("/defaultSecurityRules"))
    });
    let mut kind = match (set, named_kind) {
        (RuleSet::Default, _) => RuleKind::Default,
        (_, Some(kind)) => kind,
        (RuleSet::User, None) if typed_default => RuleKind::Default,
        (RuleSet::User, None) => RuleKind::User,
        (RuleSet::Effective, None) => RuleKind::User,
    };
    if kind == RuleKind::Admin && set != RuleSet::Effective {
        // An admin-looking prefix outside an effective list is just part of the name.
        kind = RuleKind::User;
    }
    let (access_at, access_value) = at("access");
    let access = access(ctx, access_at, access_value, set == RuleSet::Effective)?;
    if access == Access::AlwaysAllow {
        kind = RuleKind::Admin;
    }

    let range = match (set, kind) {
        (RuleSet::Effective, _) | (_, RuleKind::Default) => PriorityRange::AsGiven,
        (_, RuleKind::Admin) => PriorityRange::Admin,
        (_, RuleKind::User) => PriorityRange::User,
    };
    let (priority_at, priority_value) = at("priority");
    let priority = priority(ctx, priority_at, priority_value, range)?;
    if set == RuleSet::Effective
        && named_kind.is_none()
        && kind == RuleKind::User
        && priority >= super::defaults::DEFAULT_RANGE_START
        && super::defaults::canonical_index(&bare).is_some()
    {
        // A bare default rule name in the default range is a default rule.
        kind = RuleKind::Default;
    }

    let (direction_at, direction_value) = at("direction");
    let direction = direction(ctx, direction_at, direction_value)?;
    let (protocol_at, protocol_value) = at("protocol");
    let protocol = protocol(ctx, protocol_at, protocol_value, false)?;

    let source = address_side(ctx, &label, &fields, &SOURCE)?;
    let destination = address_side(ctx, &label, &fields, &DESTINATION)?;
    let source_ports = port_side(
        ctx,
        &label,
        &[fields.entry(SOURCE.port), fields.entry(SOURCE.ports)],
    )?;
    let destination_ports = port_side(
        ctx,
        &label,
        &[
            fields.entry(DESTINATION.port),
            fields.entry(DESTINATION.ports),
        ],
    )?;

    check_properties(ctx, &label, obj, "an NSG security rule", NSG_RULE_KEYS);
    check_limits(ctx, &label, &source, &destination);
    if set != RuleSet::Effective {
        // Azure requires every side to be set; nothing at all is most likely a misspelt key.
        let sides = [
            ("source", &SOURCE, &source, &source_ports),
            (
                "destination",
                &DESTINATION,
                &destination,
                &destination_ports,
            ),
        ];
        for (what, keys, addresses, ports) in sides {
            if addresses.entries().is_empty() {
                ctx.warn(
                    &label,
                    format!(
                        "the rule sets no {what} address ({}, {} or {}), so it matches any {what}; Azure requires one: check the property names",
                        keys.prefix, keys.prefixes, keys.asgs
                    ),
                );
            }
            if ports.ranges().is_empty() {
                ctx.warn(
                    &label,
                    format!(
                        "the rule sets no {what} port ({} or {}), so it matches any {what} port; Azure requires one: check the property names",
                        keys.port, keys.ports
                    ),
                );
            }
        }
    }

    Ok((
        Rule {
            name: bare,
            kind,
            priority,
            direction,
            access,
            protocol,
            source,
            source_ports,
            destination,
            destination_ports,
            collection: None,
            warnings: ctx.take_since(mark),
        },
        label,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Protocol;
    use serde_json::json;

    fn ctx() -> Ctx<'static> {
        Ctx::new("t.json")
    }

    fn rule(v: Value, set: RuleSet) -> Result<Rule, String> {
        nsg_rule(&ctx(), "securityRules[0]", &v, set, None)
            .map(|(r, _)| r)
            .map_err(|e| e.to_string())
    }

    fn base() -> Value {
        json!({"name": "AllowWeb", "priority": 100, "direction": "Inbound", "access": "Allow",
               "protocol": "Tcp", "sourceAddressPrefix": "*", "sourcePortRange": "*",
               "destinationAddressPrefix": "10.0.1.0/24", "destinationPortRange": "443"})
    }

    fn with(key: &str, value: Value) -> Value {
        let mut v = base();
        if let Some(o) = v.as_object_mut() {
            o.insert(key.to_string(), value);
        }
        v
    }

    #[test]
    fn reads_a_flat_rule() {
        let r = rule(base(), RuleSet::User).unwrap();
        assert_eq!(r.name, "AllowWeb");
        assert_eq!(r.kind, RuleKind::User);
        assert_eq!(r.priority, 100);
        assert_eq!(r.protocol, RuleProtocol::Only(Protocol::Tcp));
        assert_eq!(r.source.entries(), &[AddressEntry::Any]);
        assert_eq!(r.destination_ports.to_string(), "443");
    }

    #[test]
    fn union_of_singular_plural_and_asgs() {
        let v = json!({"name": "r", "priority": 200, "direction": "Outbound", "access": "Deny",
            "protocol": "*", "sourceAddressPrefix": "", "sourceAddressPrefixes": ["10.0.0.0/8", "VirtualNetwork"],
            "sourceApplicationSecurityGroups": [{"id": "/subscriptions/s/providers/Microsoft.Network/applicationSecurityGroups/asg-web"}],
            "destinationAddressPrefix": null, "destinationAddressPrefixes": [],
            "destinationPortRange": null, "destinationPortRanges": ["80", "443, 8000-8080"],
            "sourcePortRange": "*", "sourcePortRanges": []});
        let r = rule(v, RuleSet::User).unwrap();
        assert_eq!(
            r.source.to_string(),
            "10.0.0.0/8, VirtualNetwork, asg asg-web"
        );
        assert!(r.destination.entries().is_empty());
        assert_eq!(r.destination_ports.to_string(), "80,443,8000-8080");
        assert_eq!(r.protocol, RuleProtocol::Any);
    }

    #[test]
    fn errors_name_the_rule_and_quote_the_value() {
        let e = rule(with("destinationPortRange", json!("70000")), RuleSet::User).unwrap_err();
        assert_eq!(e, "t.json: securityRules[0] (AllowWeb).destinationPortRange: port '70000' is not a number from 0 to 65535 or a range A-B");
        let e = rule(
            with("destinationAddressPrefix", json!("10.0.0.0/33")),
            RuleSet::User,
        )
        .unwrap_err();
        assert!(e.ends_with("destinationAddressPrefix: address prefix '10.0.0.0/33' is not a valid IP address or CIDR block"), "{e}");
        let e = rule(with("protocol", json!("Tcpx")), RuleSet::User).unwrap_err();
        assert!(
            e.ends_with(
                ".protocol: protocol 'Tcpx' is not one of Tcp, Udp, Icmp, Esp, Ah, * (any)"
            ),
            "{e}"
        );
        let e = rule(with("access", json!("Permit")), RuleSet::User).unwrap_err();
        assert!(
            e.ends_with(".access: access 'Permit' is not Allow or Deny"),
            "{e}"
        );
        let e = rule(with("access", json!("AlwaysAllow")), RuleSet::User).unwrap_err();
        assert!(e.contains("only valid in AVNM security admin rules"), "{e}");
        let e = rule(with("priority", json!(50)), RuleSet::User).unwrap_err();
        assert!(
            e.ends_with(
                ".priority: priority '50' is outside 100-4096, the range of NSG security rules"
            ),
            "{e}"
        );
        let e = rule(with("priority", json!("high")), RuleSet::User).unwrap_err();
        assert!(
            e.ends_with(".priority: priority 'high' is not an integer"),
            "{e}"
        );
        let e = rule(with("priority", json!(100.5)), RuleSet::User).unwrap_err();
        assert!(
            e.ends_with(".priority: priority '100.5' is not an integer"),
            "{e}"
        );
        let e = rule(with("direction", Value::Null), RuleSet::User).unwrap_err();
        assert!(
            e.ends_with("(AllowWeb).direction: missing 'direction' (Inbound or Outbound)"),
            "{e}"
        );
        let e = rule(with("sourcePortRanges", json!(["90-80"])), RuleSet::User).unwrap_err();
        assert!(
            e.ends_with(".sourcePortRanges[0]: port range '90-80' ends before it starts"),
            "{e}"
        );
        let e = rule(with("priority", json!("[parameters('p')]")), RuleSet::User).unwrap_err();
        assert!(
            e.contains("is an ARM template expression that cannot be evaluated offline"),
            "{e}"
        );
        let e = rule(
            with(
                "sourceAddressPrefix",
                json!("System.Collections.Generic.List`1[System.String]"),
            ),
            RuleSet::User,
        )
        .unwrap_err();
        assert!(e.contains("ConvertTo-Json -Depth 10"), "{e}");
    }

    #[test]
    fn effective_names_carry_kinds() {
        let mut v = with("name", json!("defaultSecurityRules/AllowInternetOutBound"));
        if let Some(o) = v.as_object_mut() {
            o.insert("priority".into(), json!(65001));
            o.insert("protocol".into(), json!("All"));
            o.insert(
                "expandedDestinationAddressPrefix".into(),
                json!(["1.0.0.0/8", "2.0.0.0/7"]),
            );
            o.insert("destinationAddressPrefix".into(), json!("Internet"));
        }
        let r = rule(v, RuleSet::Effective).unwrap();
        assert_eq!(r.kind, RuleKind::Default);
        assert_eq!(r.name, "AllowInternetOutBound");
        assert_eq!(r.protocol, RuleProtocol::Any);
        match &r.destination.entries()[0] {
            AddressEntry::Expanded { label, prefixes } => {
                assert_eq!(label, "Internet");
                assert_eq!(prefixes.len(), 2);
            }
            other => panic!("expected expanded, got {other:?}"),
        }
        let r = rule(with("access", json!("AlwaysAllow")), RuleSet::Effective).unwrap();
        assert_eq!(r.kind, RuleKind::Admin);
        let r = rule(
            with("name", json!("securityAdminRules/BlockRdp")),
            RuleSet::Effective,
        )
        .unwrap();
        assert_eq!((r.kind, r.name.as_str()), (RuleKind::Admin, "BlockRdp"));
    }

    #[test]
    fn powershell_lists_and_asg_expressions() {
        let v = json!({"Name": "r", "Priority": 300, "Direction": "Inbound", "Access": "Allow",
            "Protocol": "Udp", "SourcePortRange": ["*"], "DestinationPortRange": ["53"],
            "SourceAddressPrefix": ["10.0.0.0/8"], "DestinationAddressPrefix": [],
            "DestinationApplicationSecurityGroups": [{"Id": "[resourceId('Microsoft.Network/applicationSecurityGroups','asg-db')]"}]});
        let r = rule(v, RuleSet::User).unwrap();
        assert_eq!(
            r.destination.entries(),
            &[AddressEntry::Asg("asg-db".into())]
        );
        assert_eq!(r.destination_ports.to_string(), "53");
        assert_eq!(
            asg_name("/a/applicationSecurityGroups/x").as_deref(),
            Some("x")
        );
    }
}
