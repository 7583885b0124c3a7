//! Network interfaces (REST GET body, `az network nic show`, PowerShell, ARM resource): the
//! private IPs of their IP configurations and the application security groups those belong to.

use std::net::IpAddr;

use serde_json::Value;

use super::json::{clip, join, kind_of, resource_name, Ctx, Fields, Obj};
use super::rule::{asg_refs, At};
use crate::error::InputError;
use crate::model::{AddressEntry, NetworkInterface};

/// Whether an object is a network interface (it has `ipConfigurations`).
pub(crate) fn is_nic(obj: &Obj) -> bool {
    Fields::new(obj).has("ipConfigurations")
}

/// Reads a network interface; returns it and its description.
pub(crate) fn from_document(
    ctx: &Ctx,
    path: &str,
    obj: &Obj,
    fallback_name: Option<&str>,
) -> Result<(NetworkInterface, String), InputError> {
    let name = resource_name(obj)
        .or(fallback_name)
        .unwrap_or("unnamed network interface")
        .to_string();
    let fields = Fields::new(obj);
    let Some((key, configs)) = fields.entry("ipConfigurations") else {
        return Err(ctx.err(
            path,
            format!("network interface {name} has no ipConfigurations"),
        ));
    };
    let configs_path = join(path, key);
    let Value::Array(configs) = configs else {
        return Err(ctx.err(
            configs_path,
            format!(
                "expected a list of IP configurations, found {}",
                kind_of(configs)
            ),
        ));
    };
    let mut nic = NetworkInterface {
        name,
        ..NetworkInterface::default()
    };
    for (i, config) in configs.iter().enumerate() {
        let config_path = format!("{configs_path}[{i}]");
        let Value::Object(config) = config else {
            return Err(ctx.err(
                config_path,
                format!(
                    "expected an IP configuration object, found {}",
                    kind_of(config)
                ),
            ));
        };
        let f = Fields::new(config);
        let ip = match f.entry("privateIPAddress") {
            None | Some((_, Value::Null)) => None,
            Some((_, Value::String(s))) if s.trim().is_empty() => None,
            Some((k, Value::String(s))) => match s.trim().parse::<IpAddr>() {
                Ok(ip) => Some(ip),
                Err(_) => {
                    return Err(ctx.err(
                        join(&config_path, k),
                        format!("private IP address '{}' is not an IP address", clip(s)),
                    ))
                }
            },
            Some((k, other)) => {
                return Err(ctx.err(
                    join(&config_path, k),
                    format!("expected an IP address, found {}", kind_of(other)),
                ))
            }
        };
        let asgs_entry = f.entry("applicationSecurityGroups");
        let asgs = asg_refs(
            ctx,
            At::new(
                &config_path,
                asgs_entry
                    .map(|(k, _)| k)
                    .unwrap_or("applicationSecurityGroups"),
            ),
            asgs_entry.map(|(_, v)| v),
        )?;
        let Some(ip) = ip else { continue };
        if !nic.ips.contains(&ip) {
            nic.ips.push(ip);
        }
        for asg in asgs {
            let AddressEntry::Asg(asg) = asg else {
                continue;
            };
            match nic
                .asgs
                .iter_mut()
                .find(|(n, _)| n.eq_ignore_ascii_case(&asg))
            {
                Some((_, members)) => {
                    if !members.contains(&ip) {
                        members.push(ip);
                    }
                }
                None => nic.asgs.push((asg, vec![ip])),
            }
        }
    }
    if nic.ips.is_empty() {
        return Err(ctx.err(
            configs_path,
            format!(
                "network interface {} has no private IP address in its IP configurations (a \
                 template with dynamic allocation has none); paste the output of `az network \
                 nic show` instead",
                nic.name
            ),
        ));
    }
    let ips = nic
        .ips
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let asgs = if nic.asgs.is_empty() {
        "no ASGs".to_string()
    } else {
        format!(
            "ASGs {}",
            nic.asgs
                .iter()
                .map(|(n, _)| n.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let description = format!("network interface {}: {ips}, {asgs}", nic.name);
    Ok((nic, description))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Ctx<'static> {
        Ctx::new("t.json")
    }

    #[test]
    fn rest_and_flattened() {
        let rest = json!({"name": "nic1", "properties": {"ipConfigurations": [
            {"name": "ip1", "properties": {"privateIPAddress": "10.0.1.4",
              "applicationSecurityGroups": [{"id": "/x/applicationSecurityGroups/asg-web"}, {"id": "/x/applicationSecurityGroups/asg-all"}]}},
            {"name": "ip2", "properties": {"privateIPAddress": "10.0.1.5", "applicationSecurityGroups": [{"id": "/x/applicationSecurityGroups/ASG-WEB"}]}}
        ]}});
        let (nic, d) = from_document(&ctx(), "", rest.as_object().unwrap(), None).unwrap();
        assert_eq!(
            d,
            "network interface nic1: 10.0.1.4, 10.0.1.5, ASGs asg-web, asg-all"
        );
        assert_eq!(nic.asgs[0].1.len(), 2);
        let flat = json!({"name": "nic2", "ipConfigurations": [{"privateIpAddress": "fd00::4", "applicationSecurityGroups": null}]});
        let (nic, d) = from_document(&ctx(), "", flat.as_object().unwrap(), None).unwrap();
        assert_eq!(nic.ips.len(), 1);
        assert_eq!(d, "network interface nic2: fd00::4, no ASGs");
    }

    #[test]
    fn errors() {
        let bad = json!({"name": "n", "ipConfigurations": [{"privateIPAddress": "10.0.0.300"}]});
        let e = from_document(&ctx(), "", bad.as_object().unwrap(), None)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "t.json: ipConfigurations[0].privateIPAddress: private IP address '10.0.0.300' is not an IP address");
        let none =
            json!({"name": "n", "ipConfigurations": [{"privateIPAllocationMethod": "Dynamic"}]});
        let e = from_document(&ctx(), "", none.as_object().unwrap(), None)
            .unwrap_err()
            .to_string();
        assert!(e.contains("has no private IP address"), "{e}");
    }
}
