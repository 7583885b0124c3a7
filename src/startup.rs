//! What the page shows when it opens: the permalink in the address bar, the work autosaved
//! in the browser, or the first-visit sample; and the autosave record itself.

use flowverify::permalink;
use serde::Serialize;
use serde_json::Value;

use crate::samples::SAMPLES;
use crate::workbench::Workbench;

/// The local storage key of the autosaved work.
pub const SAVED_KEY: &str = "flowverify.workbench";
/// The local storage key of the work replaced by the last load (for "undo").
pub const PREVIOUS_KEY: &str = "flowverify.previous";

/// The autosave record: the work, and the permalink it was opened from (so that reloading that
/// link's page keeps the edits made since, while opening a link anew shows the link).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Saved {
    /// Always 1.
    pub version: u32,
    /// The work.
    pub workbench: Workbench,
    /// The permalink fragment (`v1.…`) the work came from or was last shared as.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub link: Option<String>,
}

impl Saved {
    /// A record of `workbench`, opened from `link`.
    pub fn new(workbench: Workbench, link: Option<String>) -> Saved {
        Saved {
            version: 1,
            workbench,
            link,
        }
    }

    /// Reads a stored record; anything unreadable is ignored (`None`), never an error. Read
    /// from a JSON value rather than with a derived deserializer: the same rules (see
    /// [`Workbench::from_value`]) for a fraction of the page's code.
    pub fn parse(text: &str) -> Option<Saved> {
        let value: Value = serde_json::from_str(text).ok()?;
        let record = value.as_object()?;
        if record.get("version")?.as_u64()? != 1 {
            return None;
        }
        let link = match record.get("link") {
            None | Some(Value::Null) => None,
            Some(link) => Some(link.as_str()?.to_string()),
        };
        Some(Saved {
            version: 1,
            workbench: Workbench::from_value(record.get("workbench")?)?.normalized(),
            link,
        })
    }

    /// The record as stored.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// What to show first.
#[derive(Debug, Clone, PartialEq)]
pub enum Opening {
    /// The scenario of the permalink in the address bar.
    Link {
        /// Its workbench.
        workbench: Workbench,
        /// The fragment (`v1.…`).
        fragment: String,
    },
    /// The autosaved work.
    Saved(Saved),
    /// The first-visit sample.
    Sample(Workbench),
    /// The permalink is broken: say why, and show the autosaved work or the sample.
    BrokenLink {
        /// The message.
        message: String,
        /// What to show instead.
        fallback: Workbench,
    },
}

/// The first-visit sample's workbench (an empty one if the sample were unreadable).
pub fn first_sample() -> Workbench {
    SAMPLES
        .first()
        .and_then(|s| s.scenario().ok())
        .map(|s| Workbench::from_scenario(&s))
        .unwrap_or_default()
}

/// Decides what to show: `hash` is the URL fragment without `#`, `saved` the autosave record's
/// text, `reload` whether the navigation is a reload (or back/forward) of this page.
///
/// ```
/// use flowverify_web::startup::{choose, Opening};
/// assert!(matches!(choose("", None, false), Opening::Sample(_)));
/// assert!(matches!(choose("v1.%%%", None, false), Opening::BrokenLink { .. }));
/// ```
pub fn choose(hash: &str, saved: Option<&str>, reload: bool) -> Opening {
    let saved = saved.and_then(Saved::parse);
    let hash = hash.trim().trim_start_matches('#');
    if hash.is_empty() {
        return match saved {
            Some(s) => Opening::Saved(s),
            None => Opening::Sample(first_sample()),
        };
    }
    if let Some(s) = &saved {
        if reload && s.link.as_deref() == Some(hash) {
            return Opening::Saved(s.clone());
        }
    }
    match permalink::decode(hash) {
        Ok(scenario) => Opening::Link {
            workbench: Workbench::from_scenario(&scenario),
            fragment: hash.to_string(),
        },
        Err(e) => Opening::BrokenLink {
            message: format!("This link could not be opened: {e}"),
            fallback: saved.map_or_else(first_sample, |s| s.workbench),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowverify::scenario::Scenario;

    fn link_of(title: &str) -> String {
        let mut s = Scenario::new();
        s.title = Some(title.into());
        permalink::encode(&s).unwrap()
    }

    #[test]
    fn first_visit_shows_the_sample_with_flows() {
        let Opening::Sample(w) = choose("", None, false) else {
            panic!("expected the sample")
        };
        assert!(!w.subnet_nsg.is_empty());
        assert!(w.flows.len() > 3);
    }

    #[test]
    fn saved_work_wins_without_a_link() {
        let mut w = Workbench::new();
        w.title = "mine".into();
        let saved = Saved::new(w, None).to_json();
        let Opening::Saved(s) = choose("", Some(&saved), false) else {
            panic!("expected saved work")
        };
        assert_eq!(s.workbench.title, "mine");
    }

    #[test]
    fn a_link_wins_over_saved_work_unless_reloading_it() {
        let link = link_of("shared");
        let mut w = Workbench::new();
        w.title = "edited since".into();
        let saved = Saved::new(w, Some(link.clone())).to_json();
        match choose(&link, Some(&saved), false) {
            Opening::Link {
                workbench,
                fragment,
            } => {
                assert_eq!(workbench.title, "shared");
                assert_eq!(fragment, link);
            }
            other => panic!("expected the link, got {other:?}"),
        }
        let Opening::Saved(s) = choose(&format!("#{link}"), Some(&saved), true) else {
            panic!("a reload keeps the edits")
        };
        assert_eq!(s.workbench.title, "edited since");
        // A reload with another link in the address bar opens that link.
        let other = link_of("other");
        assert!(matches!(
            choose(&other, Some(&saved), true),
            Opening::Link { .. }
        ));
    }

    #[test]
    fn broken_links_fall_back_and_say_why() {
        match choose("v1.AAAA", None, false) {
            Opening::BrokenLink { message, fallback } => {
                assert!(message.starts_with("This link could not be opened: "));
                assert!(!fallback.flows.is_empty());
            }
            other => panic!("expected a broken link, got {other:?}"),
        }
        assert!(matches!(
            choose("v9.x", None, false),
            Opening::BrokenLink { .. }
        ));
    }

    #[test]
    fn a_record_reads_back_as_written() {
        let w = Workbench {
            title: "t".into(),
            admin_rules: vec!["a".into(), "b".into()],
            flows: vec![
                crate::workbench::FlowRow::default(),
                crate::workbench::FlowRow {
                    expect_access: "Deny".into(),
                    expect_layer: "nic".into(),
                    ..crate::workbench::FlowRow::default()
                },
            ],
            selected: 1,
            ..first_sample()
        };
        for link in [None, Some("v1.x".to_string())] {
            let saved = Saved::new(w.clone(), link);
            assert_eq!(Saved::parse(&saved.to_json()), Some(saved));
        }
    }

    #[test]
    fn unreadable_saved_records_are_ignored() {
        assert!(Saved::parse("{").is_none());
        assert!(Saved::parse(r#"{"version": 2, "workbench": {}}"#).is_none());
        assert!(Saved::parse(r#"{"workbench": {}}"#).is_none());
        assert!(Saved::parse(r#"{"version": 1}"#).is_none());
        assert!(Saved::parse(r#"{"version": 1, "workbench": {}, "link": 3}"#).is_none());
        // A field of the wrong type makes the record unreadable, as a derived reader would.
        assert!(Saved::parse(r#"{"version": 1, "workbench": {"title": 3}}"#).is_none());
        assert!(
            Saved::parse(r#"{"version": 1, "workbench": {"flows": [{"local": null}]}}"#).is_none()
        );
        assert!(Saved::parse(r#"{"version": 1, "workbench": {"selected": -1}}"#).is_none());
        // Unknown fields are ignored.
        let extra = Saved::parse(r#"{"version": 1, "workbench": {"more": 1}, "other": 2}"#);
        assert_eq!(extra.map(|s| s.workbench), Some(Workbench::new()));
        let ok = Saved::parse(r#"{"version": 1, "workbench": {"flows": []}}"#).unwrap();
        assert_eq!(ok.workbench.flows.len(), 1);
    }
}
