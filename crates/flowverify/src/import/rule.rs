//! Rule fields: priorities, directions, access, protocols, ports and addresses, parsed with the
//! model's parsers and reported at a path that names the rule. Shared by NSG, effective and
//! admin rules; [`nsg_rule`] reads a whole NSG (or effective) security rule.

use std::collections::HashSet;

use serde_json::Value;

use super::json::{
    arm_expression_message, clip, is_arm_expression, is_powershell_truncation, is_unset, join,
    kind_of, last_segment, powershell_truncation_message, show, Ctx, Fields,
};
use crate::error::InputError;
use crate::model::{
    parse_prefix, Access, AddressEntry, AddressSide, Direction, PortRange, PortSide, Rule,
    RuleKind, RuleProtocol,
};

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
    path: &str,
    value: Option<&Value>,
    range: PriorityRange,
) -> Result<u32, InputError> {
    let (lo, hi, what) = range.bounds();
    let number = match value {
        None | Some(Value::Null) => {
            return Err(ctx.err(
                path,
                format!("missing 'priority' (an integer from {lo} to {hi})"),
            ))
        }
        Some(Value::Number(n)) => match (n.as_u64(), n.as_i64()) {
            (Some(u), _) => u,
            (None, Some(_)) => {
                return Err(ctx.err(
                    path,
                    format!("priority '{n}' is outside {lo}-{hi}, the range of {what}"),
                ))
            }
            _ => {
                return Err(ctx.err(path, format!("priority '{n}' is not an integer")));
            }
        },
        Some(Value::String(s)) => {
            let t = s.trim();
            match t.parse::<u64>() {
                Ok(u) if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) => u,
                _ => {
                    let message = format!("priority '{}' is not an integer", clip(t));
                    return Err(ctx.err(path, not_understood("priority", t, message)));
                }
            }
        }
        Some(other) => {
            return Err(ctx.err(
                path,
                format!(
                    "priority must be an integer, found {} {}",
                    kind_of(other),
                    show(other)
                ),
            ))
        }
    };
    if number < lo || number > hi {
        return Err(ctx.err(
            path,
            format!("priority '{number}' is outside {lo}-{hi}, the range of {what}"),
        ));
    }
    u32::try_from(number).map_err(|_| ctx.err(path, format!("priority '{number}' is too large")))
}

/// A required string setting.
fn required_text<'v>(
    ctx: &Ctx,
    path: &str,
    name: &str,
    value: Option<&'v Value>,
    expected: &str,
) -> Result<&'v str, InputError> {
    match value {
        None | Some(Value::Null) => Err(ctx.err(path, format!("missing '{name}' ({expected})"))),
        Some(Value::String(s)) if s.trim().is_empty() => {
            Err(ctx.err(path, format!("missing '{name}' ({expected})")))
        }
        Some(Value::String(s)) => Ok(s.trim()),
        // PowerShell sometimes renders one-value settings as a one-element list.
        Some(Value::Array(items)) if items.len() == 1 => {
            required_text(ctx, path, name, items.first(), expected)
        }
        Some(other) => Err(ctx.err(
            path,
            format!(
                "{name} must be a string ({expected}), found {} {}",
                kind_of(other),
                show(other)
            ),
        )),
    }
}

/// A rule's direction.
pub(crate) fn direction(
    ctx: &Ctx,
    path: &str,
    value: Option<&Value>,
) -> Result<Direction, InputError> {
    let text = required_text(ctx, path, "direction", value, "Inbound or Outbound")?;
    Direction::parse(text).ok_or_else(|| {
        let message = format!("direction '{}' is not Inbound or Outbound", clip(text));
        ctx.err(path, not_understood("direction", text, message))
    })
}

/// A rule's access: `Allow`, `Deny`, and `AlwaysAllow` when `always_allow` (admin rules).
pub(crate) fn access(
    ctx: &Ctx,
    path: &str,
    value: Option<&Value>,
    always_allow: bool,
) -> Result<Access, InputError> {
    let expected = if always_allow {
        "Allow, Deny or AlwaysAllow"
    } else {
        "Allow or Deny"
    };
    let text = required_text(ctx, path, "access", value, expected)?;
    match Access::parse(text) {
        Some(Access::AlwaysAllow) if !always_allow => Err(ctx.err(
            path,
            "access 'AlwaysAllow' is only valid in AVNM security admin rules; NSG rules are Allow or Deny",
        )),
        Some(access) => Ok(access),
        None => {
            let message = format!("access '{}' is not {expected}", clip(text));
            Err(ctx.err(path, not_understood("access", text, message)))
        }
    }
}

/// A rule's protocol. NSG rules take `Tcp, Udp, Icmp, Esp, Ah, *`; admin rules say `Any`.
pub(crate) fn protocol(
    ctx: &Ctx,
    path: &str,
    value: Option<&Value>,
    admin: bool,
) -> Result<RuleProtocol, InputError> {
    let expected = if admin {
        "one of Tcp, Udp, Icmp, Esp, Ah, Any"
    } else {
        "one of Tcp, Udp, Icmp, Esp, Ah, * (any)"
    };
    let text = required_text(ctx, path, "protocol", value, expected)?;
    RuleProtocol::parse(text).ok_or_else(|| {
        let message = format!("protocol '{}' is not {expected}", clip(text));
        ctx.err(path, not_understood("protocol", text, message))
    })
}

/// The texts of a setting that may be a string, a number, a list of them, `""`, `null` or
/// `[]`; comma-separated strings give several entries. Each comes with its path.
pub(crate) fn texts(
    ctx: &Ctx,
    path: &str,
    value: Option<&Value>,
) -> Result<Vec<(String, String)>, InputError> {
    let mut out = Vec::new();
    let Some(value) = value else {
        return Ok(out);
    };
    let mut push = |item_path: String, item: &Value| -> Result<(), InputError> {
        match item {
            Value::Null => Ok(()),
            Value::String(s) => {
                if is_powershell_truncation(s) {
                    return Err(ctx.err(item_path, powershell_truncation_message(s)));
                }
                if is_arm_expression(s) {
                    // An unevaluated expression is one value, commas and all.
                    out.push((item_path, s.trim().to_string()));
                    return Ok(());
                }
                for part in s.split(',') {
                    let part = part.trim();
                    if !part.is_empty() {
                        out.push((item_path.clone(), part.to_string()));
                    }
                }
                Ok(())
            }
            Value::Number(n) => {
                out.push((item_path, n.to_string()));
                Ok(())
            }
            other => Err(ctx.err(
                item_path,
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
                push(format!("{path}[{i}]"), item)?;
            }
        }
        other => push(path.to_string(), other)?,
    }
    Ok(out)
}

/// One port entry: `*`, `N` or `A-B`.
pub(crate) fn port_range(ctx: &Ctx, path: &str, text: &str) -> Result<PortRange, InputError> {
    if let Some(range) = PortRange::parse(text) {
        return Ok(range);
    }
    if let Some((a, b)) = text.split_once('-') {
        if let (Ok(a), Ok(b)) = (a.trim().parse::<u16>(), b.trim().parse::<u16>()) {
            if a > b {
                return Err(ctx.err(
                    path,
                    format!("port range '{}' ends before it starts", clip(text)),
                ));
            }
        }
    }
    let message = format!(
        "port '{}' is not a number from 0 to 65535 or a range A-B",
        clip(text)
    );
    Err(ctx.err(path, not_understood("port", text, message)))
}

/// A port side from its singular and plural settings (union; nothing set = any).
pub(crate) fn port_side(
    ctx: &Ctx,
    base: &str,
    settings: &[(Option<(&str, &Value)>, &str)],
) -> Result<PortSide, InputError> {
    let mut ranges = Vec::new();
    let mut seen = HashSet::new();
    for (setting, default_key) in settings {
        let (key, value) = match setting {
            Some((k, v)) => (*k, Some(*v)),
            None => (*default_key, None),
        };
        for (path, text) in texts(ctx, &join(base, key), value)? {
            // Effective rules repeat the singular in the plural: keep each range once.
            let range = port_range(ctx, &path, &text)?;
            if seen.insert(range) {
                ranges.push(range);
            }
        }
    }
    Ok(PortSide::from_ranges(ranges))
}

/// One address prefix as Azure writes it: `*`, an IP, a CIDR block or a service tag.
pub(crate) fn address(ctx: &Ctx, path: &str, text: &str) -> Result<AddressEntry, InputError> {
    if let Some(entry) = AddressEntry::parse(text) {
        return Ok(entry);
    }
    let t = text.trim();
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
    Err(ctx.err(path, not_understood("address prefix", t, message)))
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
        let mut literals = inner.split('\'').skip(1).step_by(2);
        let last = literals.by_ref().last()?;
        let name = last_segment(last);
        return (!name.is_empty()).then(|| name.to_string());
    }
    let name = last_segment(id);
    (!name.is_empty()).then(|| name.to_string())
}

/// Application security group references: `[{id}]`, `null`, `[]` (ids may also be bare strings).
pub(crate) fn asg_refs(
    ctx: &Ctx,
    path: &str,
    value: Option<&Value>,
) -> Result<Vec<AddressEntry>, InputError> {
    let mut out = Vec::new();
    let items = match value {
        None | Some(Value::Null) => return Ok(out),
        Some(Value::Array(items)) => items,
        Some(Value::String(s)) if s.trim().is_empty() => return Ok(out),
        Some(Value::String(s)) if is_powershell_truncation(s) => {
            return Err(ctx.err(path, powershell_truncation_message(s)))
        }
        Some(other) => {
            return Err(ctx.err(
                path,
                format!(
                    "expected a list of application security groups, found {}",
                    kind_of(other)
                ),
            ))
        }
    };
    for (i, item) in items.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        let id = match item {
            Value::String(s) => Some(s.as_str()),
            Value::Object(o) => super::json::get_str(o, "id"),
            _ => None,
        };
        let Some(id) = id else {
            return Err(ctx.err(
                item_path,
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
                    item_path,
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
    let prefix = fields.entry(keys.prefix);
    let prefixes = fields.entry(keys.prefixes);
    let mut shown: Vec<(String, String)> = texts(
        ctx,
        &join(base, key_of(prefix, keys.prefix)),
        prefix.map(|e| e.1),
    )?;
    shown.extend(texts(
        ctx,
        &join(base, key_of(prefixes, keys.prefixes)),
        prefixes.map(|e| e.1),
    )?);
    // Effective rules repeat the singular in the plural: keep each text once.
    let mut seen = HashSet::new();
    shown.retain(|(_, text)| seen.insert(text.to_ascii_lowercase()));

    let expanded = fields.entry(keys.expanded);
    if let Some((key, value)) = expanded.filter(|(_, v)| !is_unset(v)) {
        let mut nets = Vec::new();
        for (path, text) in texts(ctx, &join(base, key), Some(value))? {
            match parse_prefix(&text) {
                Some(net) => nets.push(net),
                None => {
                    return Err(ctx.err(
                        path,
                        format!(
                            "expanded prefix '{}' is not a valid IP address or CIDR block",
                            clip(&text)
                        ),
                    ))
                }
            }
        }
        let labels: Vec<&str> = shown.iter().map(|(_, t)| t.as_str()).collect();
        let label = if labels.is_empty() {
            "expanded prefixes".to_string()
        } else {
            labels.join(", ")
        };
        return Ok(AddressSide::from_entries(vec![AddressEntry::Expanded {
            label,
            prefixes: nets,
        }]));
    }

    let mut entries = Vec::with_capacity(shown.len());
    for (path, text) in &shown {
        entries.push(address(ctx, path, text)?);
    }
    let asgs = fields.entry(keys.asgs);
    entries.extend(asg_refs(
        ctx,
        &join(base, key_of(asgs, keys.asgs)),
        asgs.map(|e| e.1),
    )?);
    Ok(AddressSide::from_entries(entries))
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
        let kind = match prefix
            .rsplit('/')
            .next()
            .unwrap_or(prefix)
            .to_ascii_lowercase()
            .as_str()
        {
            "securityrules" => Some(RuleKind::User),
            "defaultsecurityrules" => Some(RuleKind::Default),
            "securityadminrules" | "adminrules" | "securityadminrule" | "adminrule" => {
                Some(RuleKind::Admin)
            }
            _ => None,
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
    let fields = Fields::new(obj);
    let raw_name = name
        .map(str::to_string)
        .or_else(|| super::json::get_str(obj, "name").map(str::to_string))
        .or_else(|| super::json::get_str(obj, "id").map(|id| last_segment(id).to_string()));
    let Some(raw_name) = raw_name else {
        return Err(ctx.err(index_path, "the rule has no 'name'"));
    };
    let (named_kind, bare) = split_rule_name(&raw_name);
    let bare = bare.to_string();
    let label = if index_path.is_empty() {
        bare.clone()
    } else {
        format!("{index_path} ({bare})")
    };

    // The kind: a list's own kind, refined by the name's prefix or (a rule resource) its type.
    let typed_default = super::json::resource_type(obj)
        .is_some_and(|t| t.to_ascii_lowercase().ends_with("/defaultsecurityrules"));
    let access_entry = fields.entry("access");
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
    let always_allow = set == RuleSet::Effective;
    let access_path = join(&label, key_of(access_entry, "access"));
    let access = access(ctx, &access_path, access_entry.map(|e| e.1), always_allow)?;
    if access == Access::AlwaysAllow {
        kind = RuleKind::Admin;
    }

    let priority_entry = fields.entry("priority");
    let priority_path = join(&label, key_of(priority_entry, "priority"));
    let range = match (set, kind) {
        (RuleSet::Effective, _) | (_, RuleKind::Default) => PriorityRange::AsGiven,
        (_, RuleKind::Admin) => PriorityRange::Admin,
        (_, RuleKind::User) => PriorityRange::User,
    };
    let priority = priority(ctx, &priority_path, priority_entry.map(|e| e.1), range)?;
    if set == RuleSet::Effective && named_kind.is_none() && kind == RuleKind::User {
        // A bare default rule name in the default range is a default rule.
        if priority >= 65000 && super::defaults::canonical_index(&bare).is_some() {
            kind = RuleKind::Default;
        }
    }

    let direction_entry = fields.entry("direction");
    let direction = direction(
        ctx,
        &join(&label, key_of(direction_entry, "direction")),
        direction_entry.map(|e| e.1),
    )?;
    let protocol_entry = fields.entry("protocol");
    let protocol = protocol(
        ctx,
        &join(&label, key_of(protocol_entry, "protocol")),
        protocol_entry.map(|e| e.1),
        false,
    )?;

    let source = address_side(ctx, &label, &fields, &SOURCE)?;
    let destination = address_side(ctx, &label, &fields, &DESTINATION)?;
    let source_ports = port_side(
        ctx,
        &label,
        &[
            (fields.entry(SOURCE.port), SOURCE.port),
            (fields.entry(SOURCE.ports), SOURCE.ports),
        ],
    )?;
    let destination_ports = port_side(
        ctx,
        &label,
        &[
            (fields.entry(DESTINATION.port), DESTINATION.port),
            (fields.entry(DESTINATION.ports), DESTINATION.ports),
        ],
    )?;

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
        },
        label,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Protocol;
    use serde_json::json;

    const CTX: Ctx = Ctx { source: "t.json" };

    fn rule(v: Value, set: RuleSet) -> Result<Rule, String> {
        nsg_rule(&CTX, "securityRules[0]", &v, set, None)
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
