//! Shape recognition: what a pasted document is, without being told. Envelopes (the
//! `x-ms-examples` files of the REST specs, `{value: [...]}` lists, ARM templates) are unwrapped,
//! documents that are recognisably not inputs are named, and everything else is handed to the
//! importer of its kind.

use serde_json::Value;

use super::admin;
use super::arm::{self, Resource};
use super::effective;
use super::json::{
    clip, get, get_array, get_obj, get_str, has, kind_of, name_list, resource_name, resource_type,
    Ctx, Fields, Obj,
};
use super::nic;
use super::nsg;
use super::service_tags;
use super::{Content, Origin, Shape};
use crate::error::InputError;

/// What was recognised: its shape, content and description.
pub(crate) struct Recognised {
    pub shape: Shape,
    pub content: Content,
    pub description: String,
}

/// Names the REST example's request parameters give, used when the body does not say.
#[derive(Debug, Clone, Copy, Default)]
struct Hints<'a> {
    nsg: Option<&'a str>,
    configuration: Option<&'a str>,
    nic: Option<&'a str>,
}

const ADMIN_RULE: &str =
    "Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules";
const RULE_COLLECTION: &str =
    "Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections";
const ADMIN_CONFIGURATION: &str = "Microsoft.Network/networkManagers/securityAdminConfigurations";
const NIC: &str = "Microsoft.Network/networkInterfaces";

const EXPECTED: &str = "a network security group, AVNM security admin rules, effective security \
                        rules, a network interface or service tags";

/// What one JSON object is.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Template,
    /// An ARM deployment request body holding its template.
    Deployment,
    Nsg,
    NsgRule,
    AdminRule,
    EffectiveAdminRule,
    EffectiveEntry,
    Nic,
    ServiceTags,
    ServiceTagItem,
    RuleCollection,
    AdminConfiguration,
    /// A list wrapper: the key holding the items.
    List(String),
    NotInput(String),
    OtherResource(String),
    Unknown,
}

impl Kind {
    fn noun(&self) -> &'static str {
        match self {
            Kind::Template | Kind::Deployment => "an ARM template",
            Kind::Nsg => "a network security group",
            Kind::NsgRule => "an NSG security rule",
            Kind::AdminRule | Kind::EffectiveAdminRule => "a security admin rule",
            Kind::EffectiveEntry => "an effective security rules entry",
            Kind::Nic => "a network interface",
            Kind::ServiceTags | Kind::ServiceTagItem => "a service tag",
            Kind::RuleCollection => "a rule collection",
            Kind::AdminConfiguration => "a security admin configuration",
            Kind::List(_) => "a list",
            Kind::NotInput(_) | Kind::OtherResource(_) | Kind::Unknown => "something else",
        }
    }

    /// Kinds that may be listed together.
    fn family(&self) -> u8 {
        match self {
            Kind::AdminRule | Kind::EffectiveAdminRule => 1,
            Kind::Nsg => 2,
            Kind::NsgRule => 3,
            Kind::EffectiveEntry => 4,
            Kind::Nic => 5,
            Kind::ServiceTagItem => 6,
            _ => 0,
        }
    }
}

/// The message for a document that is recognisably not an input, if it is one.
fn not_input(obj: &Obj) -> Option<String> {
    if has(obj, "flows")
        || (has(obj, "version")
            && ["subnetNsg", "nicNsg", "adminRules", "effectiveRules"]
                .iter()
                .any(|k| has(obj, k)))
    {
        return Some(
            "this is a FlowVerify scenario, not a single input; open it as a scenario \
             (`flowverify check FILE`, `--scenario FILE`, or the page's scenario upload)"
                .into(),
        );
    }
    let names_user_rules = |text: &str| {
        let lower = text.to_ascii_lowercase();
        lower.contains("securityuserconfigurations") || lower.contains("securityuserrules")
    };
    if resource_type(obj).is_some_and(names_user_rules)
        || get_str(obj, "id").is_some_and(names_user_rules)
    {
        return Some(
            "this is an AVNM security user configuration (security user rules), not an input: \
             AVNM deploys user rules into the NSGs of the virtual networks it manages, so IP \
             flow verify evaluates them as NSG rules; paste the NSGs (or the effective security \
             rules of the network interface) instead. Security admin rules are the ones \
             evaluated before the NSGs"
                .into(),
        );
    }
    if let Some(props) = get_obj(obj, "properties") {
        if has(props, "templateLink") && !has(props, "template") {
            return Some(
                "this is an ARM deployment request whose template is linked (templateLink), not \
                 included: FlowVerify reads nothing over the network; paste the template itself"
                    .into(),
            );
        }
    }
    if get_str(obj, "$schema")
        .is_some_and(|s| s.to_ascii_lowercase().contains("deploymentparameters"))
    {
        return Some(
            "this is an ARM template parameters file, not an input; paste the template itself"
                .into(),
        );
    }
    let diagnostics = has(obj, "networkSecurityGroupResult")
        || has(obj, "evaluatedNetworkSecurityGroups")
        || get_array(obj, "results").is_some_and(|r| {
            r.iter().any(|x| {
                x.as_object()
                    .is_some_and(|o| has(o, "networkSecurityGroupResult"))
            })
        });
    if diagnostics {
        return Some(
            "this is the result of NSG diagnostics (`az network watcher \
             run-configuration-diagnostic`), not an input; paste the NSGs, admin rules or \
             effective security rules it evaluated"
                .into(),
        );
    }
    if has(obj, "targetResourceId") && has(obj, "profiles") {
        return Some(
            "this is an NSG diagnostics request, not an input; enter its flow (direction, \
             protocol, local and remote address) in the flow form"
                .into(),
        );
    }
    if has(obj, "targetResourceId") && (has(obj, "localIPAddress") || has(obj, "remoteIPAddress")) {
        return Some(
            "this is an IP flow verify request, not an input; enter its flow (direction, \
             protocol, local and remote address) in the flow form"
                .into(),
        );
    }
    if has(obj, "access") && has(obj, "ruleName") && !has(obj, "priority") && !has(obj, "direction")
    {
        let access = get_str(obj, "access").unwrap_or("?");
        let rule = get_str(obj, "ruleName").unwrap_or("?");
        return Some(format!(
            "this is the result of IP flow verify (access '{}', ruleName '{}'), not an input; \
             paste the NSGs, admin rules or effective security rules of the network interface \
             it checked",
            clip(access),
            clip(rule)
        ));
    }
    if get_array(obj, "networkInterfaces").is_some_and(|n| {
        n.iter().any(|x| {
            x.as_object()
                .is_some_and(|o| has(o, "securityRuleAssociations"))
        })
    }) {
        return Some(
            "this is the result of the retired security group view, not an input; paste the \
             effective security rules instead (`az network nic list-effective-nsg`)"
                .into(),
        );
    }
    None
}

/// The template of an ARM deployment request body (`{"properties": {"template": {...}}}`, as
/// `az deployment group create` and the REST API send it), if this is one.
fn deployment_template(obj: &Obj) -> Option<&Obj> {
    get_obj(obj, "properties")
        .and_then(|p| get_obj(p, "template"))
        .filter(|t| arm::is_template(t))
}

/// The template of a deployment request with the request's parameter values made the
/// parameters' defaults, so that the template evaluates as the deployment would.
fn deployment_with_values(obj: &Obj, template: &Obj) -> Obj {
    let mut template = template.clone();
    let values = get_obj(obj, "properties").and_then(|p| get_obj(p, "parameters"));
    let Some(values) = values else {
        return template;
    };
    if let Some(Value::Object(declared)) = template
        .iter_mut()
        .find(|(k, _)| k.eq_ignore_ascii_case("parameters"))
        .map(|(_, v)| v)
    {
        for (name, given) in values {
            let value = given.as_object().and_then(|g| super::json::get(g, "value"));
            let Some(value) = value else { continue };
            let slot = declared
                .iter_mut()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v);
            if let Some(Value::Object(param)) = slot {
                param.retain(|k, _| !k.eq_ignore_ascii_case("defaultValue"));
                param.insert("defaultValue".to_string(), value.clone());
            }
        }
    }
    template
}

fn kind_of_obj(obj: &Obj) -> Kind {
    if arm::is_template(obj) {
        return Kind::Template;
    }
    if deployment_template(obj).is_some() {
        return Kind::Deployment;
    }
    if let Some(message) = not_input(obj) {
        return Kind::NotInput(message);
    }
    if let Some(t) = resource_type(obj) {
        let lower = t.to_ascii_lowercase();
        match lower.as_str() {
            "microsoft.network/networksecuritygroups" => return Kind::Nsg,
            "microsoft.network/networksecuritygroups/securityrules"
            | "microsoft.network/networksecuritygroups/defaultsecurityrules" => {
                return Kind::NsgRule
            }
            "microsoft.network/servicetags" if service_tags::is_service_tags(obj) => {
                return Kind::ServiceTags
            }
            "microsoft.resources/deployments" => return Kind::Template,
            _ if lower.eq_ignore_ascii_case(ADMIN_RULE) => return Kind::AdminRule,
            _ if lower.eq_ignore_ascii_case(RULE_COLLECTION) => return Kind::RuleCollection,
            _ if lower.eq_ignore_ascii_case(ADMIN_CONFIGURATION) => {
                return Kind::AdminConfiguration
            }
            _ if lower.eq_ignore_ascii_case(NIC) => return Kind::Nic,
            _ if lower.contains('/') && lower.contains('.') => {
                return Kind::OtherResource(t.to_string())
            }
            _ => {}
        }
    }
    if service_tags::is_service_tags(obj) {
        return Kind::ServiceTags;
    }
    for key in ["value", "networkSecurityGroups"] {
        let listed = get_array(obj, key).is_some_and(|items| {
            key == "value" || (!items.is_empty() && items.iter().all(is_effective_entry))
        });
        if listed && !has(obj, "securityRules") {
            return Kind::List(key.to_string());
        }
    }
    if has(obj, "effectiveSecurityRules") {
        return Kind::EffectiveEntry;
    }
    let fields = Fields::new(obj);
    if fields.has("securityRules") || fields.has("defaultSecurityRules") {
        return Kind::Nsg;
    }
    if nic::is_nic(obj) {
        return Kind::Nic;
    }
    if has(obj, "configurationDescription")
        || has(obj, "ruleCollectionAppliesToGroups")
        || has(obj, "ruleGroups")
    {
        return Kind::EffectiveAdminRule;
    }
    if fields.has("appliesToGroups") {
        return Kind::RuleCollection;
    }
    let admin_kind = get_str(obj, "kind")
        .is_some_and(|k| k.eq_ignore_ascii_case("custom") || k.eq_ignore_ascii_case("default"));
    if fields.has("sources") || fields.has("destinations") || fields.has("flag") || admin_kind {
        return Kind::AdminRule;
    }
    if fields.has("priority") && fields.has("direction") {
        let always = fields
            .get_str("access")
            .is_some_and(|a| a.eq_ignore_ascii_case("alwaysallow"));
        return if always {
            Kind::AdminRule
        } else {
            Kind::NsgRule
        };
    }
    if service_tags::is_tag_item(obj) {
        return Kind::ServiceTagItem;
    }
    Kind::Unknown
}

fn is_effective_entry(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| get(o, "effectiveSecurityRules").is_some())
}

/// Where a document came from, judged from how it spells things.
fn origin_of(obj: &Obj, given: Option<Origin>) -> Origin {
    if let Some(origin) = given {
        return origin;
    }
    if get(obj, "apiVersion").is_some() {
        return Origin::ArmTemplate;
    }
    let upper = obj
        .keys()
        .filter(|k| k.starts_with(|c: char| c.is_ascii_uppercase()))
        .count();
    if upper * 2 > obj.len() {
        return Origin::PowerShell;
    }
    if get_obj(obj, "properties").is_some() {
        Origin::Rest
    } else {
        Origin::AzCli
    }
}

/// A few keys of an object, for "found an object with keys ..." messages.
fn keys_of(obj: &Obj) -> String {
    if obj.is_empty() {
        return "an empty object".to_string();
    }
    let keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    format!("an object with keys {}", name_list(&keys))
}

fn unknown(ctx: &Ctx, path: &str, value: &Value) -> InputError {
    let found = match value {
        Value::Object(o) => keys_of(o),
        Value::Array(a) if a.is_empty() => "an empty list".to_string(),
        Value::Array(_) => "a list".to_string(),
        Value::Null => "null".to_string(),
        other => format!("{} {}", kind_of(other), super::json::show(other)),
    };
    ctx.err(path, format!("expected {EXPECTED}, but found {found}"))
}

/// Recognises a document and imports it.
pub(crate) fn recognise(ctx: &Ctx, value: &Value) -> Result<Recognised, InputError> {
    if let Value::Object(obj) = value {
        if let Some(responses) = get_obj(obj, "responses") {
            if has(obj, "parameters") || has(obj, "title") || has(obj, "operationId") {
                return example(ctx, obj, responses);
            }
        }
    }
    recognise_value(ctx, "", value, None, Hints::default())
}

/// The `x-ms-examples` envelope: import the body of its success response.
fn example(ctx: &Ctx, obj: &Obj, responses: &Obj) -> Result<Recognised, InputError> {
    let mut codes: Vec<&String> = responses.keys().filter(|k| k.starts_with('2')).collect();
    codes.sort();
    // The first success response with a body (200 before 201 before 202).
    let body = codes
        .iter()
        .find_map(|code| get_obj(responses, code).and_then(|r| get(r, "body")));
    let Some(body) = body else {
        return Err(ctx.err(
            "responses",
            "the REST example holds no success response with a body; there is nothing to import",
        ));
    };
    let params = get_obj(obj, "parameters");
    let hint = |k: &str| params.and_then(|p| get_str(p, k));
    let hints = Hints {
        nsg: hint("networkSecurityGroupName"),
        configuration: hint("configurationName"),
        nic: hint("networkInterfaceName"),
    };
    // Paths inside the body read better without the envelope every example has.
    recognise_value(ctx, "", body, Some(Origin::RestExample), hints)
}

fn recognise_value(
    ctx: &Ctx,
    path: &str,
    value: &Value,
    origin: Option<Origin>,
    hints: Hints,
) -> Result<Recognised, InputError> {
    match value {
        Value::Object(obj) => recognise_object(ctx, path, obj, value, origin, hints),
        Value::Array(items) => recognise_list(ctx, path, items, value, origin, hints, None),
        other => Err(unknown(ctx, path, other)),
    }
}

fn recognise_object(
    ctx: &Ctx,
    path: &str,
    obj: &Obj,
    value: &Value,
    origin: Option<Origin>,
    hints: Hints,
) -> Result<Recognised, InputError> {
    let is_arm = arm::is_resource(obj);
    match kind_of_obj(obj) {
        Kind::Template if arm::is_template(obj) => {
            let resources = arm::template_resources(ctx, obj)?;
            from_arm(ctx, &resources, true)
        }
        Kind::Template => from_arm(ctx, &arm::bare_resources(ctx, value)?, false),
        Kind::Deployment => {
            let template = deployment_template(obj).map(|t| deployment_with_values(obj, t));
            let template = template.unwrap_or_default();
            let resources = arm::template_resources(ctx, &template)
                .map_err(|e| e.within("properties.template"))?;
            from_arm(ctx, &resources, true).map_err(|e| e.within("properties.template"))
        }
        Kind::NotInput(message) => Err(ctx.whole(message)),
        Kind::OtherResource(t) => Err(ctx.whole(format!(
            "expected {EXPECTED}, but this is a '{}' resource{}",
            clip(&t),
            resource_name(obj)
                .map(|n| format!(" ({})", clip(n)))
                .unwrap_or_default()
        ))),
        Kind::RuleCollection => Err(no_rules(ctx, "rule collection", resource_name(obj))),
        Kind::AdminConfiguration => Err(no_rules(ctx, "configuration", resource_name(obj))),
        Kind::Nsg | Kind::NsgRule | Kind::AdminRule | Kind::Nic if is_arm => {
            from_arm(ctx, &arm::bare_resources(ctx, value)?, false)
        }
        Kind::Nsg => {
            let origin = origin_of(obj, origin);
            let (nsg, counts) = nsg::from_document(ctx, obj, hints.nsg)?;
            Ok(nsg_recognised(origin, nsg, counts))
        }
        Kind::NsgRule => {
            let origin = origin_of(obj, origin);
            let (nsg, counts) = nsg::from_rule_list(ctx, &[value], &[path.to_string()], hints.nsg)?;
            Ok(nsg_recognised(origin, nsg, counts))
        }
        kind @ (Kind::AdminRule | Kind::EffectiveAdminRule) => {
            let origin = origin_of(obj, origin);
            let items = [admin::Item {
                path: path.to_string(),
                value,
                arm_name: None,
            }];
            let (cfg, counts) = admin::from_items(ctx, &items, hints.configuration)?;
            Ok(admin_recognised(
                origin,
                kind == Kind::EffectiveAdminRule,
                cfg,
                counts,
            ))
        }
        Kind::EffectiveEntry => {
            let origin = origin_of(obj, origin);
            let entries = [(path.to_string(), value)];
            effective_recognised(ctx, origin, &entries, hints)
        }
        Kind::Nic => {
            let origin = origin_of(obj, origin);
            let (nic, description) = nic::from_document(ctx, path, obj, hints.nic)?;
            Ok(Recognised {
                shape: Shape::NetworkInterface(origin),
                content: Content::NetworkInterface(nic),
                description,
            })
        }
        Kind::ServiceTags => {
            let values_key = super::json::entry(obj, "values")
                .map(|(k, _)| k)
                .unwrap_or("values");
            let values = get_array(obj, "values").map(Vec::as_slice).unwrap_or(&[]);
            let (tags, format, description) = service_tags::from_values(
                ctx,
                &super::json::join(path, values_key),
                values,
                Some(obj),
            )?;
            Ok(Recognised {
                shape: Shape::ServiceTags(format),
                content: Content::ServiceTags(tags),
                description,
            })
        }
        Kind::ServiceTagItem => {
            let (tags, format, description) =
                service_tags::from_values(ctx, path, std::slice::from_ref(value), None)?;
            Ok(Recognised {
                shape: Shape::ServiceTags(format),
                content: Content::ServiceTags(tags),
                description,
            })
        }
        Kind::List(key) => {
            let (spelled, items) = match super::json::entry(obj, &key) {
                Some((k, Value::Array(items))) => (k, items),
                _ => return Err(unknown(ctx, path, value)),
            };
            if items.is_empty() && key == "value" {
                // `listNetworkManagerEffectiveSecurityAdminRules` answers `{"value": []}` (with
                // a `skipToken`) when no admin rule applies: a valid input.
                let cfg = crate::model::AdminConfiguration {
                    name: "no admin rules".to_string(),
                    rules: Vec::new(),
                };
                return Ok(Recognised {
                    shape: Shape::EffectiveAdminRules(origin.unwrap_or(Origin::Rest)),
                    content: Content::AdminRules(cfg),
                    description: "an empty list, read as AVNM effective admin rules: no admin \
                                  rule applies"
                        .to_string(),
                });
            }
            let list_origin = origin.or(Some(Origin::Rest));
            recognise_list(
                ctx,
                &super::json::join(path, spelled),
                items,
                value,
                list_origin,
                hints,
                Some(obj),
            )
        }
        Kind::Unknown => Err(unknown(ctx, path, value)),
    }
}

fn recognise_list(
    ctx: &Ctx,
    path: &str,
    items: &[Value],
    whole: &Value,
    origin: Option<Origin>,
    hints: Hints,
    wrapper: Option<&Obj>,
) -> Result<Recognised, InputError> {
    if items.is_empty() {
        return Err(ctx.err(path, "the list is empty: there is nothing to import"));
    }
    let item_path = |i: usize| format!("{path}[{i}]");
    // Resources with an apiVersion: a list of ARM resources.
    if items
        .iter()
        .any(|i| i.as_object().is_some_and(arm::is_resource))
    {
        let source = if wrapper.is_some() {
            Value::Array(items.to_vec())
        } else {
            whole.clone()
        };
        return from_arm(ctx, &arm::bare_resources(ctx, &source)?, false);
    }
    let mut kinds: Vec<Kind> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let Value::Object(obj) = item else {
            return Err(unknown(ctx, &item_path(i), item));
        };
        let kind = kind_of_obj(obj);
        match &kind {
            Kind::NotInput(message) => return Err(ctx.err(item_path(i), message.clone())),
            Kind::Unknown | Kind::OtherResource(_) => {
                return Err(unknown(ctx, &item_path(i), item))
            }
            Kind::RuleCollection => {
                return Err(no_rules(ctx, "rule collection", resource_name(obj)))
            }
            Kind::AdminConfiguration => {
                return Err(no_rules(ctx, "configuration", resource_name(obj)))
            }
            Kind::Template | Kind::List(_) | Kind::ServiceTags => {
                return Err(ctx.err(
                    item_path(i),
                    format!(
                        "a list of {}s cannot be imported as one input; paste one of them",
                        kind.noun()
                            .trim_start_matches("an ")
                            .trim_start_matches("a ")
                    ),
                ))
            }
            _ => {}
        }
        if let Some(first) = kinds.first() {
            if first.family() != kind.family() {
                return Err(ctx.err(
                    path,
                    format!(
                        "the list mixes different things: item 0 is {} and item {i} is {}",
                        first.noun(),
                        kind.noun()
                    ),
                ));
            }
        }
        kinds.push(kind);
    }
    let first_obj = items.first().and_then(Value::as_object);
    let origin = match (origin, first_obj) {
        (Some(Origin::RestExample), _) => Origin::RestExample,
        (_, Some(o)) => origin_of(o, None),
        (Some(o), None) => o,
        (None, None) => Origin::AzCli,
    };
    let origin = match (origin, wrapper) {
        // `{value: [...]}` is a REST list (az list commands print bare arrays).
        (Origin::AzCli, Some(_)) => Origin::Rest,
        (o, _) => o,
    };
    let paths: Vec<String> = (0..items.len()).map(item_path).collect();
    match kinds.first().cloned().unwrap_or(Kind::Unknown) {
        Kind::Nsg => {
            if items.len() > 1 {
                let names: Vec<String> = items
                    .iter()
                    .enumerate()
                    .map(|(i, v)| {
                        v.as_object()
                            .and_then(resource_name)
                            .map(str::to_string)
                            .unwrap_or_else(|| format!("unnamed #{i}"))
                    })
                    .collect();
                let rg = first_obj.and_then(nsg::resource_group);
                return Err(nsg::several(ctx, &names, rg.as_deref()));
            }
            let obj = first_obj.ok_or_else(|| unknown(ctx, path, whole))?;
            let (nsg, counts) = nsg::from_document(ctx, obj, hints.nsg).map_err(|e| {
                if path.is_empty() {
                    e
                } else {
                    e.within(&item_path(0))
                }
            })?;
            Ok(nsg_recognised(origin, nsg, counts))
        }
        Kind::NsgRule => {
            let refs: Vec<&Value> = items.iter().collect();
            let (nsg, counts) = nsg::from_rule_list(ctx, &refs, &paths, hints.nsg)?;
            Ok(nsg_recognised(origin, nsg, counts))
        }
        Kind::AdminRule | Kind::EffectiveAdminRule => {
            let list: Vec<admin::Item> = items
                .iter()
                .zip(&paths)
                .map(|(value, path)| admin::Item {
                    path: path.clone(),
                    value,
                    arm_name: None,
                })
                .collect();
            let effective = kinds.contains(&Kind::EffectiveAdminRule);
            let (cfg, counts) = admin::from_items(ctx, &list, hints.configuration)?;
            Ok(admin_recognised(origin, effective, cfg, counts))
        }
        Kind::EffectiveEntry => {
            let entries: Vec<(String, &Value)> = paths.iter().cloned().zip(items).collect();
            effective_recognised(ctx, origin, &entries, hints)
        }
        Kind::Nic => {
            if items.len() > 1 {
                let names: Vec<String> = items
                    .iter()
                    .filter_map(|v| v.as_object().and_then(resource_name).map(str::to_string))
                    .collect();
                return Err(several_nics(ctx, &names));
            }
            let obj = first_obj.ok_or_else(|| unknown(ctx, path, whole))?;
            let (nic, description) = nic::from_document(ctx, &item_path(0), obj, hints.nic)?;
            Ok(Recognised {
                shape: Shape::NetworkInterface(origin),
                content: Content::NetworkInterface(nic),
                description,
            })
        }
        Kind::ServiceTagItem => {
            let (tags, format, description) = service_tags::from_values(ctx, path, items, wrapper)?;
            Ok(Recognised {
                shape: Shape::ServiceTags(format),
                content: Content::ServiceTags(tags),
                description,
            })
        }
        _ => Err(unknown(ctx, path, whole)),
    }
}

fn several_nics(ctx: &Ctx, names: &[String]) -> InputError {
    let first = names.first().map(String::as_str).unwrap_or("NAME");
    ctx.whole(format!(
        "the document holds {} network interfaces ({}); paste one of them, e.g. the output of \
         `az network nic show -g RESOURCE-GROUP -n {first}`",
        names.len(),
        name_list(names)
    ))
}

fn no_rules(ctx: &Ctx, what: &str, name: Option<&str>) -> InputError {
    let name = name.map(|n| format!(" {}", clip(n))).unwrap_or_default();
    ctx.whole(format!(
        "this is a security admin {what}{name}, which holds no rules; paste its rules instead, \
         e.g. the output of `az network manager security-admin-config rule-collection rule \
         list` (or the REST list of the collection's rules)"
    ))
}

fn nsg_recognised(origin: Origin, nsg: crate::model::Nsg, counts: nsg::Counts) -> Recognised {
    let shape = Shape::Nsg(origin);
    Recognised {
        description: format!("{shape} {}: {}", nsg.name, counts.summary()),
        shape,
        content: Content::Nsg(nsg),
    }
}

fn admin_recognised(
    origin: Origin,
    effective: bool,
    cfg: crate::model::AdminConfiguration,
    counts: admin::Counts,
) -> Recognised {
    let shape = if effective {
        Shape::EffectiveAdminRules(origin)
    } else {
        Shape::AdminRules(origin)
    };
    Recognised {
        description: format!("{shape} {}: {}", cfg.name, counts.summary()),
        shape,
        content: Content::AdminRules(cfg),
    }
}

fn effective_recognised(
    ctx: &Ctx,
    origin: Origin,
    entries: &[(String, &Value)],
    hints: Hints,
) -> Result<Recognised, InputError> {
    let (rules, description) = effective::from_entries(ctx, entries, hints.nic)?;
    Ok(Recognised {
        shape: Shape::EffectiveRules(origin),
        content: Content::EffectiveRules(rules),
        description,
    })
}

/// What an ARM template (or a list of ARM resources) holds: an NSG first, then admin rules,
/// then a network interface.
fn from_arm(ctx: &Ctx, resources: &[Resource], template: bool) -> Result<Recognised, InputError> {
    let origin = Origin::ArmTemplate;
    if let Some((nsg, counts)) = nsg::from_arm(ctx, resources)? {
        return Ok(nsg_recognised(origin, nsg, counts));
    }
    let admin_rules: Vec<admin::Item> = resources
        .iter()
        .filter(|r| r.is(ADMIN_RULE))
        .map(|r| admin::Item {
            path: r.path.clone(),
            value: &r.value,
            arm_name: Some(r.name.clone()),
        })
        .collect();
    if !admin_rules.is_empty() {
        let (cfg, counts) = admin::from_items(ctx, &admin_rules, None)?;
        return Ok(admin_recognised(origin, false, cfg, counts));
    }
    let nics: Vec<&Resource> = resources.iter().filter(|r| r.is(NIC)).collect();
    if nics.len() > 1 {
        let names: Vec<String> = nics.iter().map(|r| r.name.clone()).collect();
        return Err(several_nics(ctx, &names));
    }
    if let Some(r) = nics.first() {
        if let Some(obj) = r.obj() {
            let (nic, description) = nic::from_document(ctx, &r.path, obj, None)?;
            return Ok(Recognised {
                shape: Shape::NetworkInterface(origin),
                content: Content::NetworkInterface(nic),
                description,
            });
        }
    }
    if let Some(r) = resources.iter().find(|r| r.is(RULE_COLLECTION)) {
        return Err(no_rules(ctx, "rule collection", Some(&r.name)));
    }
    if let Some(r) = resources.iter().find(|r| r.is(ADMIN_CONFIGURATION)) {
        return Err(no_rules(ctx, "configuration", Some(&r.name)));
    }
    let what = if template {
        "the ARM template"
    } else {
        "the ARM resources"
    };
    if resources.is_empty() {
        return Err(ctx.whole(format!("{what} holds no resources; expected {EXPECTED}")));
    }
    let found: Vec<String> = resources
        .iter()
        .map(|r| format!("{} {}", r.rtype, r.name))
        .collect();
    Err(ctx.whole(format!(
        "{what} holds no network security group, security admin rule or network interface; \
         its resources are {}",
        name_list(&found)
    )))
}
