//! The analysis module's messages, both ways, as types (the list is at the top of
//! [`crate::analysis`]): what the page and the scripts ask the worker ([`Request`]), what the
//! worker answers ([`Answer`]), and how the window reads an answer ([`Message`]). On the wire
//! each is one JSON text whose `kind` says which; no other module knows a field name.
//!
//! A script's answer carries the engine's object as it was written (`value`, tens of megabytes
//! for a reach): the worker puts the text in as is, and the window hands it to the browser's
//! own JSON parser ([`Message`] skips it).

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

/// A request to the analysis worker (one of a script's, or the page's `page` job).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Request {
    /// `window.flowverify.reach(scenario, direction)`.
    Reach {
        /// The request's number, repeated in its answer.
        #[serde(default)]
        id: u64,
        /// The scenario document (null when the script gave none).
        #[serde(default)]
        scenario: Value,
        /// `Inbound` or `Outbound`, in any case.
        #[serde(default)]
        direction: Value,
    },
    /// `window.flowverify.lint(scenario)`.
    Lint {
        /// The request's number.
        #[serde(default)]
        id: u64,
        /// The scenario document.
        #[serde(default)]
        scenario: Value,
    },
    /// `window.flowverify.search(scenario, query)`.
    Search {
        /// The request's number.
        #[serde(default)]
        id: u64,
        /// The scenario document.
        #[serde(default)]
        scenario: Value,
        /// The query: the `search` flags by their long names.
        #[serde(default)]
        query: Value,
    },
    /// `window.flowverify.diff(before, after)` (both directions unless one is given).
    Diff {
        /// The request's number.
        #[serde(default)]
        id: u64,
        /// The scenario before the change.
        #[serde(default)]
        before: Value,
        /// The scenario after it.
        #[serde(default)]
        after: Value,
        /// One direction, or null for both.
        #[serde(default)]
        direction: Value,
    },
    /// `window.flowverify.replay(scenario, logTexts)`.
    Replay {
        /// The request's number.
        #[serde(default)]
        id: u64,
        /// The scenario document.
        #[serde(default)]
        scenario: Value,
        /// The flow logs' texts.
        #[serde(default)]
        logs: Value,
    },
    /// A measurement for the page benchmark: compiled verdicts of `count` flows.
    Verdicts {
        /// The request's number.
        #[serde(default)]
        id: u64,
        /// The scenario document.
        #[serde(default)]
        scenario: Value,
        /// How many flows.
        #[serde(default)]
        count: Value,
    },
    /// A measurement for the page benchmark: the worker's memory.
    Memory {
        /// The request's number.
        #[serde(default)]
        id: u64,
    },
    /// The page's Analysis area.
    Page {
        /// The request's number.
        #[serde(default)]
        id: u64,
        /// The page's work as autosaved.
        #[serde(default)]
        workbench: Value,
        /// The search form's fields, or null.
        #[serde(default)]
        query: Value,
        /// About every local address rather than the VM's.
        #[serde(default)]
        widen: bool,
    },
    /// Stop the job `of` (a job made of steps reads it between steps).
    Cancel {
        /// The request's number.
        #[serde(default)]
        id: u64,
        /// The job to stop.
        #[serde(default)]
        of: u64,
    },
}

impl Request {
    /// Reads a request; an error names what is wrong (an unknown `kind` among them).
    ///
    /// ```
    /// use flowverify_web::analysis::protocol::Request;
    /// assert!(matches!(Request::parse(r#"{"id": 2, "kind": "memory"}"#), Ok(Request::Memory { id: 2 })));
    /// assert!(Request::parse(r#"{"id": 2, "kind": "guess"}"#).unwrap_err().contains("'guess'"));
    /// ```
    pub fn parse(text: &str) -> Result<Request, String> {
        serde_json::from_str(text).map_err(|e| {
            // serde says "unknown variant `guess`, expected one of ...": the kinds are ours.
            let e = e.to_string();
            match e.split('`').nth(1) {
                Some(kind) if e.starts_with("unknown variant") => format!(
                    "request: '{}' is not one of reach, lint, search, diff, replay, verdicts, memory, page, cancel",
                    flowverify::error::clip(kind)
                ),
                _ => format!("request: {e}"),
            }
        })
    }

    /// The request's number (0 for a request that could not be read).
    pub fn id(&self) -> u64 {
        match self {
            Request::Reach { id, .. }
            | Request::Lint { id, .. }
            | Request::Search { id, .. }
            | Request::Diff { id, .. }
            | Request::Replay { id, .. }
            | Request::Verdicts { id, .. }
            | Request::Memory { id }
            | Request::Page { id, .. }
            | Request::Cancel { id, .. } => *id,
        }
    }
}

/// An answer of the worker (and the window's own `failed`, when the worker is gone).
#[derive(Debug, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Answer<'a> {
    /// The worker has started: requests may be posted.
    Ready {
        /// Always 0.
        id: u64,
    },
    /// A script's answer: the engine's object.
    Result {
        /// The request's number.
        id: u64,
        /// The object, as the engine wrote it.
        value: &'a RawValue,
    },
    /// A request failed: the command line's text.
    Error {
        /// The request's number.
        id: u64,
        /// What went wrong.
        message: &'a str,
    },
    /// A job's stage.
    Progress {
        /// The job's number.
        id: u64,
        /// The stage in words.
        stage: &'a str,
        /// How much is done (stages, or bytes read).
        done: u64,
        /// Of how much.
        total: u64,
    },
    /// A part of the Analysis area (`analysis-PART`) as HTML.
    View {
        /// The job's number.
        id: u64,
        /// The part.
        part: &'a str,
        /// Its HTML, escaped where it holds the user's text.
        html: &'a str,
    },
    /// A job ended.
    Done {
        /// The job's number.
        id: u64,
        /// A replay: whether it read every log.
        #[serde(skip_serializing_if = "Option::is_none")]
        ok: Option<bool>,
        /// A replay that stopped: why.
        #[serde(skip_serializing_if = "Option::is_none")]
        message: Option<&'a str>,
        /// A replay: how many tuples and distinct flows.
        #[serde(skip_serializing_if = "Option::is_none")]
        tuples: Option<u64>,
        /// A replay: how many distinct flows.
        #[serde(skip_serializing_if = "Option::is_none")]
        flows: Option<u64>,
    },
    /// The worker is gone (the window says so): every request it had is lost.
    Failed {
        /// Why.
        message: &'a str,
    },
}

impl Answer<'_> {
    /// The answer as one JSON text.
    ///
    /// ```
    /// use flowverify_web::analysis::protocol::Answer;
    /// assert_eq!(Answer::Ready { id: 0 }.text(), r#"{"kind":"ready","id":0}"#);
    /// ```
    pub fn text(&self) -> String {
        // Strings, numbers and a JSON text already checked: nothing here can fail to write.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A script's answer of `value` (JSON written by the engine), or an error if it is not JSON.
pub fn result(id: u64, value: String) -> String {
    match RawValue::from_string(value) {
        Ok(raw) => Answer::Result { id, value: &raw }.text(),
        Err(e) => Answer::Error {
            id,
            message: &format!("the answer is not JSON: {e}"),
        }
        .text(),
    }
}

/// What an answer is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// [`Answer::Ready`].
    Ready,
    /// [`Answer::Result`].
    Result,
    /// [`Answer::Error`].
    Error,
    /// [`Answer::Progress`].
    Progress,
    /// [`Answer::View`].
    View,
    /// [`Answer::Done`].
    Done,
    /// [`Answer::Failed`].
    Failed,
}

/// An answer as the window reads it: its kind and the fields of every kind (those it lacks
/// empty); a script's `value` is skipped (the window's JSON parser reads it from the text).
///
/// ```
/// use flowverify_web::analysis::protocol::{Answer, Kind, Message};
/// let m = Message::parse(&Answer::Progress { id: 7, stage: "inbound", done: 0, total: 3 }.text()).unwrap();
/// assert_eq!((m.kind, m.id, m.stage.as_str(), m.total), (Kind::Progress, 7, "inbound", 3));
/// ```
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Message {
    /// What it is.
    pub kind: Kind,
    /// The request's number.
    #[serde(default)]
    pub id: u64,
    /// Progress: the stage.
    #[serde(default)]
    pub stage: String,
    /// Progress: how much is done.
    #[serde(default)]
    pub done: u64,
    /// Progress: of how much.
    #[serde(default)]
    pub total: u64,
    /// View: the part.
    #[serde(default)]
    pub part: String,
    /// View: its HTML.
    #[serde(default)]
    pub html: String,
    /// Error, failed, a replay stopped: why.
    #[serde(default)]
    pub message: String,
    /// Done, a replay: whether it read every log.
    #[serde(default)]
    pub ok: bool,
    /// Done, a replay: how many tuples.
    #[serde(default)]
    pub tuples: u64,
    #[serde(default)]
    value: IgnoredAny,
    #[serde(default)]
    flows: IgnoredAny,
}

impl Message {
    /// Reads an answer's text.
    pub fn parse(text: &str) -> Result<Message, String> {
        serde_json::from_str(text).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_answer_reads_back_as_the_window_reads_it() {
        let raw = RawValue::from_string(r#"{"regions": [1, 2]}"#.to_string()).unwrap();
        let cases = [
            (Answer::Ready { id: 0 }, Kind::Ready),
            (Answer::Result { id: 3, value: &raw }, Kind::Result),
            (
                Answer::Error {
                    id: 4,
                    message: "direction 'Up' is not Inbound or Outbound",
                },
                Kind::Error,
            ),
            (
                Answer::View {
                    id: 5,
                    part: "overview",
                    html: "<p>\"x\"</p>",
                },
                Kind::View,
            ),
            (
                Answer::Done {
                    id: 6,
                    ok: Some(true),
                    message: None,
                    tuples: Some(23),
                    flows: Some(23),
                },
                Kind::Done,
            ),
            (Answer::Failed { message: "gone" }, Kind::Failed),
        ];
        for (answer, kind) in cases {
            let text = answer.text();
            let m = Message::parse(&text).unwrap();
            assert_eq!(m.kind, kind, "{text}");
            match answer {
                Answer::Result { id, .. } => {
                    assert_eq!(m.id, id);
                    // The value travels as written.
                    assert!(text.contains(r#""value":{"regions": [1, 2]}"#), "{text}");
                }
                Answer::Error { message, .. } | Answer::Failed { message } => {
                    assert_eq!(m.message, message)
                }
                Answer::View { part, html, .. } => {
                    assert_eq!((m.part.as_str(), m.html.as_str()), (part, html))
                }
                Answer::Done { tuples, ok, .. } => {
                    assert_eq!((m.ok, Some(m.tuples)), (ok == Some(true), tuples))
                }
                _ => {}
            }
        }
        assert!(result(1, "{not json".into()).contains(r#""kind":"error""#));
    }

    #[test]
    fn requests_read_as_the_page_and_the_scripts_write_them() {
        let page = crate::analysis::page_request(
            9,
            r#"{"title": "x"}"#,
            Some(r#"{"direction": "Inbound"}"#),
            true,
        );
        match Request::parse(&page).unwrap() {
            Request::Page {
                id,
                workbench,
                query,
                widen,
            } => {
                assert_eq!((id, widen), (9, true));
                assert_eq!(workbench["title"], "x");
                assert_eq!(query["direction"], "Inbound");
            }
            other => panic!("{other:?}"),
        }
        let script = crate::analysis::script_request(2, "lint", &[("scenario", None)]);
        assert_eq!(
            Request::parse(&script).unwrap(),
            Request::Lint {
                id: 2,
                scenario: Value::Null
            }
        );
        assert_eq!(
            Request::parse("[").unwrap_err().split(':').next(),
            Some("request")
        );
    }
}
