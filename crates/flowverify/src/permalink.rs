//! Permalinks (`docs/formats.md`, Permalink): a scenario packed into a URL fragment,
//! `<page URL>#v1.<payload>`, where the payload is base64url without padding of the zlib stream
//! of the scenario's compact JSON. The fragment never reaches a server.
//!
//! Decoding is bounded (at most [`MAX_INFLATED`] bytes after inflation) and every malformed link
//! gives its own clear error, never a panic. Encoding refuses what decoding would: a scenario
//! whose compact JSON is over [`MAX_INFLATED`] bytes has no permalink.
//!
//! ```
//! use flowverify::permalink;
//! use flowverify::scenario::Scenario;
//! let mut scenario = Scenario::new();
//! scenario.title = Some("Web tier".into());
//! let link = permalink::url("https://example.org/flowverify/", &scenario).unwrap();
//! assert!(link.starts_with("https://example.org/flowverify/#v1."));
//! assert_eq!(permalink::decode(&link).unwrap(), scenario);
//! ```

use base64::alphabet;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::DecodePaddingMode;
use base64::{DecodeError, Engine};
use miniz_oxide::deflate::compress_to_vec_zlib;
use miniz_oxide::inflate::core::inflate_flags::{
    TINFL_FLAG_COMPUTE_ADLER32, TINFL_FLAG_PARSE_ZLIB_HEADER,
    TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF,
};
use miniz_oxide::inflate::core::{decompress, DecompressorOxide};
use miniz_oxide::inflate::TINFLStatus;

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
    /// The payload goes on after the end of its zlib stream: the link was altered or two links
    /// were pasted together.
    #[error("the permalink payload has {0} byte(s) after the end of its zlib stream: the link is altered or two links were joined")]
    TrailingData(usize),
    /// [`encode`] or [`url`] was given a scenario whose compact JSON is over [`MAX_INFLATED`]
    /// bytes: its link would be refused when opened.
    #[error("the scenario is {bytes} bytes as compact JSON, over the 2 MiB (2,097,152 bytes) a permalink may hold: share the scenario file instead")]
    TooLargeToEncode {
        /// The size of the scenario's compact JSON, in bytes.
        bytes: usize,
    },
    /// The inflated payload is not UTF-8.
    #[error("the permalink's scenario is not UTF-8 text (invalid byte at offset {0})")]
    NotUtf8(usize),
    /// The inflated payload is not a valid scenario document.
    #[error("the permalink's scenario is not valid: {0}")]
    NotAScenario(InputError),
}

/// Encodes `scenario` as the fragment `v1.<payload>` (without the `#`).
///
/// A scenario whose compact JSON is over [`MAX_INFLATED`] bytes is refused
/// ([`PermalinkError::TooLargeToEncode`]): [`decode`] and the page would refuse its link.
///
/// ```
/// use flowverify::permalink::{encode, PermalinkError};
/// use flowverify::scenario::Scenario;
/// let fragment = encode(&Scenario::new()).unwrap();
/// assert!(fragment.starts_with("v1."));
/// assert!(!fragment.contains('=') && !fragment.contains('+') && !fragment.contains('/'));
///
/// let mut huge = Scenario::new();
/// huge.title = Some("x".repeat(3 * 1024 * 1024));
/// assert!(matches!(encode(&huge), Err(PermalinkError::TooLargeToEncode { .. })));
/// ```
pub fn encode(scenario: &Scenario) -> Result<String, PermalinkError> {
    let json = scenario.to_json_compact();
    if json.len() > MAX_INFLATED {
        return Err(PermalinkError::TooLargeToEncode { bytes: json.len() });
    }
    let deflated = compress_to_vec_zlib(json.as_bytes(), LEVEL);
    Ok(fragment_of_deflated(&deflated))
}

/// The fragment `v1.<payload>` of a scenario's compact JSON already deflated into the zlib
/// stream `zlib` (by another zlib, such as a browser's `CompressionStream`: the bytes may
/// differ from [`encode`]'s, every zlib stream decodes alike).
///
/// ```
/// use flowverify::permalink::{decode, fragment_of_deflated};
/// use flowverify::scenario::Scenario;
/// let json = Scenario::new().to_json_compact();
/// let zlib = miniz_oxide::deflate::compress_to_vec_zlib(json.as_bytes(), 1);
/// let fragment = fragment_of_deflated(&zlib);
/// assert!(fragment.starts_with("v1."));
/// assert_eq!(decode(&fragment).unwrap().to_json_compact(), json);
/// ```
pub fn fragment_of_deflated(zlib: &[u8]) -> String {
    format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode(zlib))
}

/// The permalink of `scenario` on the page at `base`: `base#v1.<payload>`. A fragment already
/// in `base` is replaced. Refuses what [`encode`] refuses.
///
/// ```
/// use flowverify::permalink::url;
/// use flowverify::scenario::Scenario;
/// let link = url("https://example.org/#v1.old", &Scenario::new()).unwrap();
/// assert!(link.starts_with("https://example.org/#v1."));
/// assert!(!link.contains("old"));
/// ```
pub fn url(base: &str, scenario: &Scenario) -> Result<String, PermalinkError> {
    let page = base.split('#').next().unwrap_or(base);
    Ok(format!("{page}#{}", encode(scenario)?))
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
    let inflated = inflate(&bytes)?;
    let text = String::from_utf8(inflated)
        .map_err(|e| PermalinkError::NotUtf8(e.utf8_error().valid_up_to()))?;
    Scenario::from_json("permalink", &text).map_err(PermalinkError::NotAScenario)
}

/// Inflates the zlib stream `input`, bounded by [`MAX_INFLATED`], refusing any byte after the
/// end of the stream.
fn inflate(input: &[u8]) -> Result<Vec<u8>, PermalinkError> {
    let flags = TINFL_FLAG_PARSE_ZLIB_HEADER
        | TINFL_FLAG_COMPUTE_ADLER32
        | TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let mut decompressor = Box::<DecompressorOxide>::default();
    // The output grows by doubling up to the limit, plus one byte to tell "exactly the limit"
    // from "more".
    let cap = MAX_INFLATED + 1;
    let mut out = vec![0u8; input.len().saturating_mul(4).clamp(64, cap)];
    let mut rest = input;
    let mut written = 0;
    loop {
        let (status, consumed, produced) =
            decompress(&mut decompressor, rest, &mut out, written, flags);
        written += produced;
        rest = rest.get(consumed..).unwrap_or_default();
        match status {
            TINFLStatus::Done if written > MAX_INFLATED => return Err(PermalinkError::TooLarge),
            TINFLStatus::Done if !rest.is_empty() => {
                return Err(PermalinkError::TrailingData(rest.len()))
            }
            TINFLStatus::Done => {
                out.truncate(written);
                return Ok(out);
            }
            TINFLStatus::HasMoreOutput if out.len() >= cap => return Err(PermalinkError::TooLarge),
            TINFLStatus::HasMoreOutput => {
                let grown = out.len().saturating_mul(2).min(cap);
                out.resize(grown, 0);
            }
            TINFLStatus::FailedCannotMakeProgress | TINFLStatus::NeedsMoreInput => {
                return Err(PermalinkError::BadZlib("the stream ends too early".into()))
            }
            TINFLStatus::Adler32Mismatch => {
                return Err(PermalinkError::BadZlib("checksum mismatch".into()))
            }
            _ => return Err(PermalinkError::BadZlib("invalid data".into())),
        }
    }
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
        let fragment = encode(&s).unwrap();
        assert!(fragment.starts_with("v1."));
        assert_eq!(decode(&fragment).unwrap(), s);
        assert_eq!(decode(&format!("#{fragment}")).unwrap(), s);
        assert_eq!(
            decode(&format!("  https://x.example/p?q=1#{fragment}\n")).unwrap(),
            s
        );
        assert_eq!(
            decode(&url("https://x.example/p#old", &s).unwrap()).unwrap(),
            s
        );
        // padding is tolerated
        let pad = (4 - (fragment.len() - 3) % 4) % 4;
        let padded = format!("{fragment}{}", "=".repeat(pad));
        assert_eq!(decode(&padded).unwrap(), s);
    }

    #[test]
    fn payload_is_zlib_of_compact_json() {
        let s = sample();
        let fragment = encode(&s).unwrap();
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
        let truncated = encode(&sample()).unwrap();
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
            PermalinkError::TrailingData(1),
            PermalinkError::TooLargeToEncode {
                bytes: MAX_INFLATED + 1,
            },
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

    #[test]
    fn data_after_the_zlib_stream_is_refused() {
        let fragment = encode(&sample()).unwrap();
        let mut bytes = URL_SAFE_NO_PAD.decode(&fragment[3..]).unwrap();
        assert_eq!(
            inflate(&bytes).unwrap(),
            sample().to_json_compact().as_bytes()
        );
        for extra in [&b"\0"[..], b"x", b"more data after the stream"] {
            let mut longer = bytes.clone();
            longer.extend_from_slice(extra);
            let link = format!("v1.{}", URL_SAFE_NO_PAD.encode(&longer));
            assert_eq!(
                decode(&link),
                Err(PermalinkError::TrailingData(extra.len())),
                "{extra:?}"
            );
        }
        // Two links' payloads joined: the second stream is trailing data.
        let twice = [bytes.clone(), bytes.clone()].concat();
        assert_eq!(
            decode(&format!("v1.{}", URL_SAFE_NO_PAD.encode(&twice))),
            Err(PermalinkError::TrailingData(bytes.len()))
        );
        // A byte short is a truncated stream, not trailing data.
        bytes.pop();
        assert!(matches!(
            decode(&format!("v1.{}", URL_SAFE_NO_PAD.encode(&bytes))),
            Err(PermalinkError::BadZlib(_))
        ));
    }

    #[test]
    fn inflation_is_bounded_at_exactly_the_limit() {
        let exact = vec![b'a'; MAX_INFLATED];
        assert_eq!(
            inflate(&compress_to_vec_zlib(&exact, 6)).map(|v| v.len()),
            Ok(MAX_INFLATED)
        );
        let over = vec![b'a'; MAX_INFLATED + 1];
        assert_eq!(
            inflate(&compress_to_vec_zlib(&over, 6)),
            Err(PermalinkError::TooLarge)
        );
        assert_eq!(inflate(&compress_to_vec_zlib(b"", 6)), Ok(Vec::new()));
        // Incompressible data that needs the buffer to grow several times.
        let noise: Vec<u8> = (0u32..300_000)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        assert_eq!(inflate(&compress_to_vec_zlib(&noise, 6)), Ok(noise));
    }

    #[test]
    fn encode_refuses_what_decode_would_refuse() {
        let overhead = "{\"version\":1,\"title\":\"\"}".len();
        let mut s = Scenario::new();
        s.title = Some("x".repeat(MAX_INFLATED - overhead));
        assert!(decode(&encode(&s).unwrap()).is_ok());
        s.title = Some("x".repeat(MAX_INFLATED - overhead + 1));
        let err = encode(&s).unwrap_err();
        assert_eq!(
            err,
            PermalinkError::TooLargeToEncode {
                bytes: MAX_INFLATED + 1
            }
        );
        assert!(err.to_string().contains("2097153 bytes"), "{err}");
        assert!(err.to_string().contains("2 MiB"), "{err}");
        assert_eq!(url("https://example.org/", &s), Err(err));
    }
}
