//! Permalinks (`interfaces.md` section 2): a scenario packed into a URL fragment,
//! `<page URL>#v1.<payload>`, where the payload is base64url without padding of the zlib stream
//! of the scenario's compact JSON. The fragment never reaches a server.
//!
//! Decoding is bounded (at most [`MAX_INFLATED`] bytes after inflation) and every malformed link
//! gives its own clear error, never a panic.
//!
//! ```
//! use flowverify::permalink;
//! use flowverify::scenario::Scenario;
//! let mut scenario = Scenario::new();
//! scenario.title = Some("Web tier".into());
//! let link = permalink::url("https://example.org/flowverify/", &scenario);
//! assert!(link.starts_with("https://example.org/flowverify/#v1."));
//! assert_eq!(permalink::decode(&link).unwrap(), scenario);
//! ```

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::{DecodeError, Engine};
use miniz_oxide::deflate::compress_to_vec_zlib;
use miniz_oxide::inflate::{decompress_to_vec_zlib_with_limit, TINFLStatus};

use crate::error::InputError;
use crate::scenario::Scenario;

/// The most bytes a permalink's scenario may take once inflated: 2 MiB.
pub const MAX_INFLATED: usize = 2 * 1024 * 1024;

/// The version prefix of the fragment this code writes and reads.
pub const PREFIX: &str = "v1.";

/// The zlib compression level used (the best).
const LEVEL: u8 = 9;

/// Reads base64url with or without `=` padding (links are written without).
const LENIENT_URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Why a permalink could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PermalinkError {
    /// Nothing was given.
    #[error("the permalink is empty: expected a URL ending in #v1.… or the fragment v1.…")]
    Empty,
    /// A URL without a `#` fragment.
    #[error("'{0}' has no '#v1.…' fragment: a permalink is the page URL followed by #v1.…")]
    NoFragment(String),
    /// Text that is neither a URL nor a fragment.
    #[error("'{0}' is not a permalink: expected a URL ending in #v1.… or the fragment v1.…")]
    NotAPermalink(String),
    /// A fragment of another version, e.g. `v2.`.
    #[error("permalink version '{0}' is not supported: this flowverify reads v1 links (#v1.…)")]
    UnknownVersion(String),
    /// `v1.` with nothing after it.
    #[error("the permalink has no payload after '#v1.': the link is truncated")]
    NoPayload,
    /// The payload is not base64url.
    #[error("the permalink payload is not base64url: {0}")]
    BadBase64(String),
    /// The payload is not a zlib stream.
    #[error("the permalink payload is not a valid zlib stream ({0}): the link is truncated or corrupted")]
    BadZlib(String),
    /// The payload inflates to more than [`MAX_INFLATED`] bytes.
    #[error("the permalink's scenario is larger than 2 MiB once inflated: refused")]
    TooLarge,
    /// The inflated payload is not UTF-8.
    #[error("the permalink's scenario is not UTF-8 text (invalid byte at offset {0})")]
    NotUtf8(usize),
    /// The inflated payload is not a valid scenario document.
    #[error("the permalink's scenario is not valid: {0}")]
    NotAScenario(InputError),
}

/// Encodes `scenario` as the fragment `v1.<payload>` (without the `#`).
///
/// ```
/// use flowverify::permalink::encode;
/// use flowverify::scenario::Scenario;
/// let fragment = encode(&Scenario::new());
/// assert!(fragment.starts_with("v1."));
/// assert!(!fragment.contains('=') && !fragment.contains('+') && !fragment.contains('/'));
/// ```
pub fn encode(scenario: &Scenario) -> String {
    let json = scenario.to_json_compact();
    let deflated = compress_to_vec_zlib(json.as_bytes(), LEVEL);
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(deflated))
}

/// The permalink of `scenario` on the page at `base`: `base#v1.<payload>`. A fragment already
/// in `base` is replaced.
///
/// ```
/// use flowverify::permalink::url;
/// use flowverify::scenario::Scenario;
/// let link = url("https://example.org/#v1.old", &Scenario::new());
/// assert!(link.starts_with("https://example.org/#v1."));
/// assert!(!link.contains("old"));
/// ```
pub fn url(base: &str, scenario: &Scenario) -> String {
    let page = base.split('#').next().unwrap_or(base);
    format!("{page}#{}", encode(scenario))
}

/// Decodes a permalink given as a full URL, `#v1.…` or `v1.…`.
///
/// ```
/// use flowverify::permalink::{decode, PermalinkError};
/// assert_eq!(decode("https://example.org/"), Err(PermalinkError::NoFragment("https://example.org/".into())));
/// assert_eq!(decode("#v2.abc"), Err(PermalinkError::UnknownVersion("v2".into())));
/// assert!(matches!(decode("v1.!!!"), Err(PermalinkError::BadBase64(_))));
/// ```
pub fn decode(url_or_fragment: &str) -> Result<Scenario, PermalinkError> {
    let text = url_or_fragment.trim();
    if text.is_empty() {
        return Err(PermalinkError::Empty);
    }
    let fragment = match text.split_once('#') {
        Some((_, fragment)) => fragment.trim(),
        None if looks_like_fragment(text) => text,
        None if text.contains("://") || text.starts_with('/') => {
            return Err(PermalinkError::NoFragment(shorten(text)))
        }
        None => return Err(PermalinkError::NotAPermalink(shorten(text))),
    };
    if fragment.is_empty() {
        return Err(PermalinkError::NoFragment(shorten(text)));
    }
    let Some((version, payload)) = fragment.split_once('.') else {
        return Err(if looks_like_version(fragment) {
            PermalinkError::NoPayload
        } else {
            PermalinkError::NotAPermalink(shorten(fragment))
        });
    };
    if !looks_like_version(version) {
        return Err(PermalinkError::NotAPermalink(shorten(fragment)));
    }
    if !version.eq_ignore_ascii_case("v1") {
        return Err(PermalinkError::UnknownVersion(shorten(version)));
    }
    if payload.is_empty() {
        return Err(PermalinkError::NoPayload);
    }
    let bytes = LENIENT_URL_SAFE
        .decode(payload)
        .map_err(|e| PermalinkError::BadBase64(base64_problem(&e, payload)))?;
    let inflated =
        decompress_to_vec_zlib_with_limit(&bytes, MAX_INFLATED).map_err(|e| match e.status {
            TINFLStatus::HasMoreOutput => PermalinkError::TooLarge,
            TINFLStatus::FailedCannotMakeProgress => {
                PermalinkError::BadZlib("the stream ends too early".into())
            }
            TINFLStatus::Adler32Mismatch => PermalinkError::BadZlib("checksum mismatch".into()),
            _ => PermalinkError::BadZlib("invalid data".into()),
        })?;
    let text = String::from_utf8(inflated)
        .map_err(|e| PermalinkError::NotUtf8(e.utf8_error().valid_up_to()))?;
    Scenario::from_json("permalink", &text).map_err(PermalinkError::NotAScenario)
}

/// `v` followed by digits (the version part of a fragment).
fn looks_like_version(text: &str) -> bool {
    let mut chars = text.chars();
    matches!(chars.next(), Some('v' | 'V'))
        && !chars.as_str().is_empty()
        && chars.all(|c| c.is_ascii_digit())
}

/// Text that starts like a fragment: `v<digits>.` or `v<digits>` alone.
fn looks_like_fragment(text: &str) -> bool {
    let head = text.split('.').next().unwrap_or(text);
    looks_like_version(head)
}

/// A base64 error in words, quoting the offending character.
fn base64_problem(error: &DecodeError, payload: &str) -> String {
    let quote = |offset: usize, byte: u8| {
        let shown = payload
            .get(offset..)
            .and_then(|rest| rest.chars().next())
            .map(String::from)
            .unwrap_or_else(|| format!("\\x{byte:02x}"));
        format!("character '{shown}' at offset {offset}")
    };
    match error {
        DecodeError::InvalidByte(offset, byte) => {
            format!(
                "invalid {} (base64url uses A-Z a-z 0-9 - _)",
                quote(*offset, *byte)
            )
        }
        DecodeError::InvalidLastSymbol(offset, byte) => {
            format!(
                "invalid last {}: the link is truncated or altered",
                quote(*offset, *byte)
            )
        }
        DecodeError::InvalidLength(length) => {
            format!("a length of {length} characters is impossible: the link is truncated")
        }
        DecodeError::InvalidPadding => "invalid '=' padding".to_string(),
    }
}

/// Long input shortened for messages.
fn shorten(text: &str) -> String {
    const MAX: usize = 80;
    if text.chars().count() > MAX {
        format!("{}…", text.chars().take(MAX).collect::<String>())
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{Expectation, FlowSpec};
    use crate::verdict::Decision;

    fn sample() -> Scenario {
        let mut s = Scenario::new();
        s.title = Some("Web tier, inbound — ünïcode".into());
        s.subnet_nsg =
            Some(serde_json::json!({"name": "nsg", "properties": {"securityRules": []}}));
        s.virtual_network = vec!["10.0.0.0/16".into()];
        s.flows.push(FlowSpec {
            direction: "Inbound".into(),
            protocol: "Tcp".into(),
            local: "10.0.1.4:443".into(),
            remote: "203.0.113.7:50000".into(),
            expect: Some(Expectation::access(Decision::Allow)),
        });
        s
    }

    #[test]
    fn round_trips_in_every_form() {
        let s = sample();
        let fragment = encode(&s);
        assert!(fragment.starts_with("v1."));
        assert_eq!(decode(&fragment).unwrap(), s);
        assert_eq!(decode(&format!("#{fragment}")).unwrap(), s);
        assert_eq!(
            decode(&format!("  https://x.example/p?q=1#{fragment}\n")).unwrap(),
            s
        );
        assert_eq!(decode(&url("https://x.example/p#old", &s)).unwrap(), s);
        // padding is tolerated
        let pad = (4 - (fragment.len() - 3) % 4) % 4;
        let padded = format!("{fragment}{}", "=".repeat(pad));
        assert_eq!(decode(&padded).unwrap(), s);
    }

    #[test]
    fn payload_is_zlib_of_compact_json() {
        let s = sample();
        let fragment = encode(&s);
        let bytes = URL_SAFE_NO_PAD.decode(&fragment[3..]).unwrap();
        assert_eq!(bytes[0] & 0x0f, 8, "zlib CMF: deflate");
        let json = miniz_oxide::inflate::decompress_to_vec_zlib(&bytes).unwrap();
        assert_eq!(String::from_utf8(json).unwrap(), s.to_json_compact());
    }

    #[test]
    fn every_malformed_link_has_its_own_error() {
        assert_eq!(decode("   "), Err(PermalinkError::Empty));
        assert!(matches!(
            decode("https://x.example/page"),
            Err(PermalinkError::NoFragment(_))
        ));
        assert!(matches!(
            decode("https://x.example/page#"),
            Err(PermalinkError::NoFragment(_))
        ));
        assert!(matches!(
            decode("hello world"),
            Err(PermalinkError::NotAPermalink(_))
        ));
        assert!(matches!(
            decode("#section-2"),
            Err(PermalinkError::NotAPermalink(_))
        ));
        assert_eq!(
            decode("v2.abcd"),
            Err(PermalinkError::UnknownVersion("v2".into()))
        );
        assert_eq!(decode("#v1."), Err(PermalinkError::NoPayload));
        assert_eq!(decode("#v1"), Err(PermalinkError::NoPayload));
        let err = decode("v1.ab*d").unwrap_err();
        assert!(matches!(err, PermalinkError::BadBase64(_)));
        assert!(err.to_string().contains("'*' at offset 2"), "{err}");
        assert!(matches!(decode("v1.A"), Err(PermalinkError::BadBase64(_))));
        let not_zlib = URL_SAFE_NO_PAD.encode(b"plain text, not zlib");
        assert!(matches!(
            decode(&format!("v1.{not_zlib}")),
            Err(PermalinkError::BadZlib(_))
        ));
        let truncated = encode(&sample());
        let cut = &truncated[..truncated.len() / 2];
        assert!(matches!(
            decode(cut),
            Err(PermalinkError::BadZlib(_)) | Err(PermalinkError::BadBase64(_))
        ));
        let latin1 = URL_SAFE_NO_PAD.encode(compress_to_vec_zlib(b"{\"title\":\"\xe9\"}", 9));
        assert_eq!(
            decode(&format!("v1.{latin1}")),
            Err(PermalinkError::NotUtf8(10))
        );
        let not_json = URL_SAFE_NO_PAD.encode(compress_to_vec_zlib(b"{version: 1}", 9));
        let err = decode(&format!("v1.{not_json}")).unwrap_err();
        assert!(matches!(err, PermalinkError::NotAScenario(_)));
        assert!(
            err.to_string().contains("permalink: line 1, column 2"),
            "{err}"
        );
        let v2 = URL_SAFE_NO_PAD.encode(compress_to_vec_zlib(br#"{"version":2}"#, 9));
        let err = decode(&format!("v1.{v2}")).unwrap_err().to_string();
        assert!(err.contains("version 2 is not supported"), "{err}");
        // all messages are distinct and start lowercase
        let messages: Vec<String> = [
            PermalinkError::Empty,
            PermalinkError::NoFragment("u".into()),
            PermalinkError::NotAPermalink("u".into()),
            PermalinkError::UnknownVersion("v2".into()),
            PermalinkError::NoPayload,
            PermalinkError::BadBase64("x".into()),
            PermalinkError::BadZlib("x".into()),
            PermalinkError::TooLarge,
            PermalinkError::NotUtf8(0),
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        for (i, m) in messages.iter().enumerate() {
            assert!(!m.starts_with(|c: char| c.is_ascii_uppercase()), "{m}");
            assert!(!messages[..i].contains(m), "{m}");
        }
    }

    #[test]
    fn refuses_a_zip_bomb() {
        let bomb = vec![b' '; 10 * 1024 * 1024];
        let payload = URL_SAFE_NO_PAD.encode(compress_to_vec_zlib(&bomb, 9));
        assert!(payload.len() < 100_000);
        assert_eq!(
            decode(&format!("v1.{payload}")),
            Err(PermalinkError::TooLarge)
        );
    }
}
