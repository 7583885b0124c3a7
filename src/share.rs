//! Sharing and loading the work, in plain Rust: the permalink and what the page says about it,
//! the scenario file to download, a scenario file opened, a sample chosen. The header's buttons
//! only call these and show the result.

use flowverify::permalink;
use flowverify::scenario::Scenario;

use crate::samples::Sample;
use crate::workbench::Workbench;

/// Permalinks longer than this get a warning (some tools cut long links).
pub const LONG_LINK: usize = 8 * 1024;

/// A permalink to the work, with what could not be put in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    /// The whole URL.
    pub url: String,
    /// Its fragment (`v1.…`), which the address bar takes.
    pub fragment: Option<String>,
    /// What could not be put in it (slots whose text is not JSON, ...).
    pub left_out: Vec<String>,
}

impl Link {
    /// The permalink of `work` on the page at `page_url`; an error is the message to show.
    ///
    /// ```
    /// use flowverify_web::share::Link;
    /// use flowverify_web::workbench::Workbench;
    /// let link = Link::of("http://127.0.0.1:8080/", &Workbench::new()).unwrap();
    /// assert!(link.url.starts_with("http://127.0.0.1:8080/#v1."));
    /// assert_eq!(link.fragment.as_deref(), link.url.split_once('#').map(|(_, f)| f));
    /// ```
    pub fn of(page_url: &str, work: &Workbench) -> Result<Link, String> {
        let export = work.to_scenario();
        let url =
            permalink::url(page_url, &export.scenario).map_err(|e| format!("No link: {e}."))?;
        Ok(Link {
            fragment: url.split_once('#').map(|(_, f)| f.to_string()),
            url,
            left_out: export.left_out,
        })
    }

    /// The permalink of a scenario whose compact JSON (see [`link_payload`]) was deflated into
    /// the zlib stream `deflated` (the page uses the browser's own zlib, `CompressionStream`,
    /// so that no compressor is in its module): `page_url#v1.<base64url>`
    /// ([`flowverify::permalink::fragment_of_deflated`]; the compressed bytes may differ from
    /// [`flowverify::permalink::encode`]'s, every zlib stream decodes alike).
    ///
    /// ```
    /// use flowverify_web::share::{link_payload, Link};
    /// use flowverify_web::workbench::Workbench;
    /// let (json, left_out) = link_payload(&Workbench::new()).unwrap();
    /// // A zlib stream of stored blocks: header, one final stored block, Adler-32.
    /// let mut z = vec![0x78, 0x01, 1];
    /// let n = json.len() as u16;
    /// z.extend(n.to_le_bytes());
    /// z.extend((!n).to_le_bytes());
    /// z.extend(json.as_bytes());
    /// let (mut a, mut b) = (1u32, 0u32);
    /// for byte in json.bytes() { a = (a + byte as u32) % 65521; b = (b + a) % 65521; }
    /// z.extend(((b << 16) | a).to_be_bytes());
    /// let link = Link::from_deflated("http://127.0.0.1:8080/#v1.old", &z, left_out);
    /// assert!(link.url.starts_with("http://127.0.0.1:8080/#v1."));
    /// let back = flowverify::permalink::decode(&link.url).unwrap();
    /// assert_eq!(back.to_json_compact(), json);
    /// ```
    pub fn from_deflated(page_url: &str, deflated: &[u8], left_out: Vec<String>) -> Link {
        let fragment = permalink::fragment_of_deflated(deflated);
        let page = page_url.split('#').next().unwrap_or(page_url);
        Link {
            url: format!("{page}#{fragment}"),
            fragment: Some(fragment),
            left_out,
        }
    }

    /// What the page says under the link: its length, and that no server sees the scenario.
    pub fn length_note(&self) -> String {
        format!(
            "{} characters. The scenario is inside the link (after #): no server ever sees it.",
            self.url.len()
        )
    }

    /// A warning for a link long enough for some tools to cut.
    pub fn too_long(&self) -> Option<String> {
        let length = self.url.len();
        (length > LONG_LINK).then(|| {
            format!(
                "This link is over 8 KB ({} KB): some chat tools and browsers cut long links. \
                 Download the scenario to share it as a file instead.",
                length / 1024
            )
        })
    }

    /// What is not in the link, if anything.
    pub fn left_out_note(&self) -> Option<String> {
        (!self.left_out.is_empty())
            .then(|| format!("Not in the link: {}.", self.left_out.join("; ")))
    }
}

/// What a permalink to `work` holds before it is deflated: the scenario's compact JSON, and
/// what could not be put in it. An error (a scenario too large for a link) is the message to
/// show, as [`Link::of`] says it.
///
/// ```
/// use flowverify_web::share::link_payload;
/// use flowverify_web::workbench::Workbench;
/// let (json, left_out) = link_payload(&Workbench::new()).unwrap();
/// assert!(json.starts_with("{\"version\":1") && left_out.is_empty());
/// let mut huge = Workbench::new();
/// huge.title = "x".repeat(3 << 20);
/// assert!(link_payload(&huge).unwrap_err().starts_with("No link: the scenario is "));
/// ```
pub fn link_payload(work: &Workbench) -> Result<(String, Vec<String>), String> {
    let export = work.to_scenario();
    let json = export.scenario.to_json_compact();
    if json.len() > permalink::MAX_INFLATED {
        let e = permalink::PermalinkError::TooLargeToEncode { bytes: json.len() };
        return Err(format!("No link: {e}."));
    }
    Ok((json, export.left_out))
}

/// The label over the link: whether it was copied to the clipboard (`None`: not known yet).
pub fn copied_label(copied: Option<bool>) -> &'static str {
    match copied {
        Some(true) => "Link copied to the clipboard:",
        Some(false) => "Copy this link (the clipboard was not available):",
        None => "Your link:",
    }
}

/// A file name for the scenario: its title, simplified.
///
/// ```
/// use flowverify_web::share::file_name;
/// assert_eq!(file_name("Web tier, inbound!"), "web-tier-inbound.flowverify.json");
/// assert_eq!(file_name("  "), "scenario.flowverify.json");
/// ```
pub fn file_name(title: &str) -> String {
    let lower = title.to_ascii_lowercase();
    let slug: Vec<&str> = lower
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|s| !s.is_empty())
        .collect();
    if slug.is_empty() {
        "scenario.flowverify.json".into()
    } else {
        format!("{}.flowverify.json", slug.join("-"))
    }
}

/// The scenario file of the work: its name, its text, and a message when something could not
/// be put in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Download {
    /// The file name.
    pub name: String,
    /// The scenario document, pretty-printed.
    pub text: String,
    /// What was left out, as a message.
    pub left_out: Option<String>,
}

impl Download {
    /// The download of `work`.
    pub fn of(work: &Workbench) -> Download {
        let export = work.to_scenario();
        Download {
            name: file_name(&work.title),
            text: export.scenario.to_json_pretty(),
            left_out: (!export.left_out.is_empty())
                .then(|| format!("Downloaded, but {}.", export.left_out.join("; "))),
        }
    }
}

/// Work to load in place of the current one, with what the page then says.
pub type Load = (Workbench, String);

/// The work of a scenario file opened by the user; an error is the message to show.
///
/// ```
/// use flowverify_web::share::open_file;
/// let (work, message) = open_file("s.json", r#"{"version": 1, "title": "T"}"#).unwrap();
/// assert_eq!((work.title.as_str(), message.as_str()), ("T", "Opened the scenario s.json."));
/// assert!(open_file("typo.json", r#"{"flowz": []}"#).unwrap_err().starts_with("This file is not a scenario: typo.json: "));
/// ```
pub fn open_file(name: &str, text: &str) -> Result<Load, String> {
    match Scenario::from_json(name, text) {
        Ok(scenario) => Ok((
            Workbench::from_scenario(&scenario),
            format!("Opened the scenario {name}."),
        )),
        Err(e) => Err(format!("This file is not a scenario: {e}")),
    }
}

/// The work of the sample `id` (`None` for no such sample); an error is the message to show.
///
/// ```
/// use flowverify_web::share::open_sample;
/// let (work, message) = open_sample("web-tier").unwrap().unwrap();
/// assert!(message.starts_with("Loaded the sample \u{201c}Web tier"));
/// assert_eq!(work.flows.len(), 11);
/// assert!(open_sample("").is_none());
/// ```
pub fn open_sample(id: &str) -> Option<Result<Load, String>> {
    let sample = Sample::find(id)?;
    Some(match sample.scenario() {
        Ok(scenario) => Ok((
            Workbench::from_scenario(&scenario),
            format!("Loaded the sample \u{201c}{}\u{201d}.", sample.name),
        )),
        Err(e) => Err(e.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_link_is_flagged_and_what_is_left_out_is_said() {
        let short = Link {
            url: "http://x/#v1.abc".into(),
            fragment: Some("v1.abc".into()),
            left_out: Vec::new(),
        };
        assert_eq!(short.too_long(), None);
        assert_eq!(short.left_out_note(), None);
        assert!(short.length_note().starts_with("16 characters."));
        let long = Link {
            url: "x".repeat(LONG_LINK + 2048),
            left_out: vec!["subnetNsg (not JSON)".into()],
            ..short
        };
        assert!(long.too_long().unwrap().contains("over 8 KB (10 KB)"));
        assert_eq!(
            long.left_out_note().as_deref(),
            Some("Not in the link: subnetNsg (not JSON).")
        );
        assert_eq!(copied_label(Some(true)), "Link copied to the clipboard:");
    }

    #[test]
    fn a_download_is_the_scenario_the_link_holds() {
        let work = Workbench {
            title: "Web tier".into(),
            ..Workbench::new()
        };
        let file = Download::of(&work);
        assert_eq!(file.name, "web-tier.flowverify.json");
        assert_eq!(file.left_out, None);
        let again = Scenario::from_json(&file.name, &file.text).expect("the file reads back");
        assert_eq!(again, work.to_scenario().scenario);
        let broken = Workbench {
            subnet_nsg: "{ not json".into(),
            ..work
        };
        assert!(Download::of(&broken)
            .left_out
            .is_some_and(|m| m.starts_with("Downloaded, but ")));
    }
}
