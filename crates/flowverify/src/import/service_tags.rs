//! Service tags: the downloadable `ServiceTags_Public_*.json` (integer `changeNumber`) and the
//! Service Tag Discovery API response (`az network list-service-tags`, string `changeNumber`).

use serde_json::Value;

use super::json::{get, get_obj, get_str, join, kind_of, plural, show, Ctx, Obj};
use crate::error::InputError;
use crate::model::parse_prefix;
use crate::tags::ServiceTags;

/// Which of the two formats a document is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TagsFormat {
    /// The weekly downloadable file (`changeNumber` is a number).
    Download,
    /// The Service Tag Discovery API (`changeNumber` is a string).
    DiscoveryApi,
}

/// Whether an object is a service tags document: `values` plus `changeNumber` or `cloud`.
pub(crate) fn is_service_tags(obj: &Obj) -> bool {
    get(obj, "values").is_some_and(Value::is_array)
        && (get(obj, "changeNumber").is_some() || get(obj, "cloud").is_some())
}

/// Whether a list item is a service tag (`{name, properties{addressPrefixes}}`).
pub(crate) fn is_tag_item(obj: &Obj) -> bool {
    get_str(obj, "name").is_some()
        && get_obj(obj, "properties").is_some_and(|p| get(p, "addressPrefixes").is_some())
}

/// Reads the tags of `values` (at `path`), returning them, their format and description.
pub(crate) fn from_values(
    ctx: &Ctx,
    path: &str,
    values: &[Value],
    envelope: Option<&Obj>,
) -> Result<(ServiceTags, TagsFormat, String), InputError> {
    let mut tags = ServiceTags::new();
    for (i, item) in values.iter().enumerate() {
        let item_path = format!("{path}[{i}]");
        let Value::Object(obj) = item else {
            return Err(ctx.err(
                item_path,
                format!("expected a service tag object, found {}", kind_of(item)),
            ));
        };
        let Some(name) = get_str(obj, "name").or_else(|| get_str(obj, "id")) else {
            return Err(ctx.err(item_path, "the service tag has no 'name'"));
        };
        let label = format!("{item_path} ({name})");
        let props = get_obj(obj, "properties").unwrap_or(obj);
        let prefixes = match super::json::entry(props, "addressPrefixes") {
            None | Some((_, Value::Null)) => Vec::new(),
            Some((key, Value::Array(items))) => {
                let mut nets = Vec::with_capacity(items.len());
                for (j, p) in items.iter().enumerate() {
                    match p.as_str().and_then(parse_prefix) {
                        Some(net) => nets.push(net),
                        None => {
                            return Err(ctx.err(
                                format!("{}[{j}]", join(&label, key)),
                                format!(
                                    "address prefix {} is not a valid IP address or CIDR block",
                                    show(p)
                                ),
                            ))
                        }
                    }
                }
                nets
            }
            Some((key, other)) => {
                return Err(ctx.err(
                    join(&label, key),
                    format!("expected a list of prefixes, found {}", kind_of(other)),
                ))
            }
        };
        tags.insert(name, prefixes);
    }
    let format = match envelope.and_then(|e| get(e, "changeNumber")) {
        Some(Value::Number(_)) => TagsFormat::Download,
        Some(_) => TagsFormat::DiscoveryApi,
        None => TagsFormat::Download,
    };
    let cloud = envelope.and_then(|e| get_str(e, "cloud"));
    let description = match cloud {
        Some(c) => format!("service tags ({c}, {})", plural(tags.len(), "tag")),
        None => format!("service tags ({})", plural(tags.len(), "tag")),
    };
    Ok((tags, format, description))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Ctx<'static> {
        Ctx::new("t.json")
    }

    #[test]
    fn download_format() {
        let doc = json!({"changeNumber": 329, "cloud": "Public", "values": [
            {"name": "ActionGroup", "id": "ActionGroup", "properties": {"changeNumber": 46, "region": "",
             "addressPrefixes": ["4.145.74.52/30", "2603:1050:403::10c/126"], "networkFeatures": ["NSG"]}},
            {"name": "Storage.WestUS", "id": "Storage.WestUS", "properties": {"addressPrefixes": ["20.60.0.0/16"]}}
        ]});
        let obj = doc.as_object().unwrap();
        assert!(is_service_tags(obj));
        let values = obj["values"].as_array().unwrap();
        let (tags, format, d) = from_values(&ctx(), "values", values, Some(obj)).unwrap();
        assert_eq!(format, TagsFormat::Download);
        assert_eq!(d, "service tags (Public, 2 tags)");
        assert_eq!(tags.get("storage.westus").map(<[_]>::len), Some(1));
        assert_eq!(tags.get("ActionGroup").map(<[_]>::len), Some(2));
    }

    #[test]
    fn bad_prefix() {
        let values = vec![json!({"name": "X", "properties": {"addressPrefixes": ["1.2.3.4/40"]}})];
        let e = from_values(&ctx(), "values", &values, None)
            .unwrap_err()
            .to_string();
        assert_eq!(e, "t.json: values[0] (X).addressPrefixes[0]: address prefix '1.2.3.4/40' is not a valid IP address or CIDR block");
    }
}
