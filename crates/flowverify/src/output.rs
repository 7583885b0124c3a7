//! How the engine's answers are written for people and for programs: one text escape and one
//! JSON writer, so every front end shows a crafted name the same way.
//!
//! Names come from the inputs (rule, NSG and configuration names, tags, titles), and an input
//! can be hostile: a terminal obeys escape sequences, and any display obeys the bidirectional
//! controls, which can make `AllowSsh` read as something else or reorder a line (the "Trojan
//! Source" characters); line separators break lines where a reader sees none, and zero-width
//! characters hide text. [`escape`] writes each of them visibly in text; [`json_pretty`],
//! [`json_compact`] and [`write_json`] write them as `\uXXXX` in JSON, where serde_json escapes
//! only the characters below U+0020. The JSON read back is the same value: the escapes only
//! keep the raw characters off the screen of whoever looks at it (a terminal, a log, a review).
//!
//! ```
//! use flowverify::output::{escape, json_compact};
//! let name = "Allow\u{202e}hsS";
//! assert_eq!(escape(name), "Allow\\u{202e}hsS");
//! assert_eq!(json_compact(&name), r#""Allow\u202ehsS""#);
//! ```

use std::borrow::Cow;
use std::io;

use serde::Serialize;
use serde_json::ser::{CharEscape, CompactFormatter, Formatter, PrettyFormatter, Serializer};

/// Whether `c` is written escaped, in text and in JSON: control characters (C0, DEL, C1 with
/// NEL), the bidirectional marks (U+200E, U+200F, U+061C), embeddings and overrides
/// (U+202A-U+202E) and isolates (U+2066-U+2069), the line and paragraph separators (U+2028,
/// U+2029), the zero-width space (U+200B) and the byte-order mark / zero-width no-break space
/// (U+FEFF).
///
/// ```
/// use flowverify::output::is_escaped;
/// assert!(is_escaped('\u{1b}') && is_escaped('\u{85}') && is_escaped('\u{2067}'));
/// assert!(!is_escaped('é') && !is_escaped('東') && !is_escaped('\u{200d}'));
/// ```
pub fn is_escaped(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061c}'
                | '\u{200b}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{feff}'
        )
}

/// Whether `text` has no character of [`is_escaped`]: printable ASCII is looked at byte by byte
/// first (`check` writes 100,000 lines of names and addresses).
///
/// ```
/// use flowverify::output::is_plain;
/// assert!(is_plain("securityRules/AllowHttps") && is_plain("Zürich"));
/// assert!(!is_plain("a\u{202e}b") && !is_plain("tab\there"));
/// ```
pub fn is_plain(text: &str) -> bool {
    text.bytes().all(|b| (0x20..0x7f).contains(&b)) || !text.chars().any(is_escaped)
}

/// `text` with every character of [`is_escaped`] written as Rust writes it in a string
/// literal (ESC as `\u{1b}`, CR as `\r`, TAB as `\t`, RLO as `\u{202e}`), for every text
/// output: verdicts, check lines, findings, messages. Borrowed when nothing is escaped.
///
/// ```
/// use flowverify::output::escape;
/// assert_eq!(escape("\u{1b}[2K\rAllow"), "\\u{1b}[2K\\rAllow");
/// assert_eq!(escape("a\u{200b}b\u{feff}"), "a\\u{200b}b\\u{feff}");
/// assert!(matches!(escape("nsg-wéb 東京"), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn escape(text: &str) -> Cow<'_, str> {
    if is_plain(text) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_escaped(c) {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `value` as indented JSON (two spaces, as `serde_json::to_string_pretty`), with every
/// character of [`is_escaped`] written `\uXXXX`. Empty if `value` cannot be JSON (a map with
/// keys that are not strings; no value of the engine is one).
///
/// ```
/// use flowverify::output::json_pretty;
/// let v = serde_json::json!({"ruleName": "securityRules/A\u{2028}B"});
/// assert_eq!(json_pretty(&v), "{\n  \"ruleName\": \"securityRules/A\\u2028B\"\n}");
/// ```
pub fn json_pretty<T: Serialize + ?Sized>(value: &T) -> String {
    to_string(value, PrettyFormatter::new())
}

/// `value` as compact JSON on one line, escaped as [`json_pretty`] escapes.
///
/// ```
/// use flowverify::output::json_compact;
/// assert_eq!(json_compact(&["\u{85}", "\n"]), r#"["\u0085","\n"]"#);
/// ```
pub fn json_compact<T: Serialize + ?Sized>(value: &T) -> String {
    to_string(value, CompactFormatter)
}

/// Writes `value` to `out` as compact JSON on one line (no newline), escaped as
/// [`json_pretty`] escapes: for output written as it is made, such as `check --json`'s lines.
///
/// ```
/// let mut out = Vec::new();
/// flowverify::output::write_json(&mut out, &"\u{202e}").unwrap();
/// assert_eq!(out, br#""\u202e""#);
/// ```
pub fn write_json<W: io::Write, T: Serialize + ?Sized>(
    out: W,
    value: &T,
) -> serde_json::Result<()> {
    value.serialize(&mut Serializer::with_formatter(
        out,
        Escaping(CompactFormatter),
    ))
}

/// Writes `value` to `out` as pretty JSON ending with a newline, escaped as [`json_pretty`]
/// escapes: for an answer written as it is made (the boxes of `reach`, `diff`, `search`).
///
/// ```
/// let mut out = Vec::new();
/// flowverify::output::write_json_pretty(&mut out, &["\u{2029}"]).unwrap();
/// assert_eq!(out, b"[\n  \"\\u2029\"\n]\n");
/// ```
pub fn write_json_pretty<T: Serialize + ?Sized>(
    out: &mut dyn io::Write,
    value: &T,
) -> io::Result<()> {
    let mut buffered = io::BufWriter::with_capacity(1 << 16, out);
    value
        .serialize(&mut Serializer::with_formatter(
            &mut buffered,
            Escaping(PrettyFormatter::new()),
        ))
        .map_err(io::Error::from)?;
    io::Write::write_all(&mut buffered, b"\n")?;
    io::Write::flush(&mut buffered)
}

fn to_string<T: Serialize + ?Sized, F: Formatter>(value: &T, formatter: F) -> String {
    let mut out = Vec::with_capacity(128);
    if value
        .serialize(&mut Serializer::with_formatter(
            &mut out,
            Escaping(formatter),
        ))
        .is_err()
    {
        return String::new();
    }
    // serde_json writes UTF-8 (the escapes added are ASCII).
    String::from_utf8(out).unwrap_or_default()
}

/// Writes the characters of `text` that [`is_escaped`] names as `\uXXXX` (all are in the Basic
/// Multilingual Plane: four digits, no surrogate pair), the rest as they are.
fn write_escaped<W: ?Sized + io::Write>(writer: &mut W, text: &str) -> io::Result<()> {
    let mut start = 0;
    for (at, c) in text.char_indices() {
        if is_escaped(c) {
            writer.write_all(&text.as_bytes()[start..at])?;
            write!(writer, "\\u{:04x}", u32::from(c))?;
            start = at + c.len_utf8();
        }
    }
    writer.write_all(&text.as_bytes()[start..])
}

/// A serde_json formatter that lays out as `F` does and writes the characters of
/// [`is_escaped`] escaped inside strings. In JSON text these characters can only be inside a
/// string, so a raw fragment (a `RawValue`) is escaped alike and stays valid.
struct Escaping<F>(F);

impl<F: Formatter> Formatter for Escaping<F> {
    fn write_string_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_escaped(writer, fragment)
    }

    fn write_raw_fragment<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        write_escaped(writer, fragment)
    }

    fn write_char_escape<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        char_escape: CharEscape,
    ) -> io::Result<()> {
        self.0.write_char_escape(writer, char_escape)
    }

    fn begin_string<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_string(writer)
    }

    fn end_string<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_string(writer)
    }

    fn begin_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_array(writer)
    }

    fn end_array<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object(writer)
    }

    fn end_object<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.0.begin_object_key(writer, first)
    }

    fn end_object_key<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_key(writer)
    }

    fn begin_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + io::Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.0.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    /// Every character the escapes exist for.
    const HOSTILE: &str = "\u{202a}\u{202b}\u{202c}\u{202d}\u{202e}\u{2066}\u{2067}\u{2068}\
                           \u{2069}\u{200e}\u{200f}\u{061c}\u{2028}\u{2029}\u{85}\u{200b}\u{feff}\u{7f}";

    #[test]
    fn text_escapes_every_hostile_character_and_nothing_else() {
        let escaped = escape(HOSTILE);
        assert!(!escaped.chars().any(is_escaped), "{escaped}");
        assert_eq!(
            escaped,
            "\\u{202a}\\u{202b}\\u{202c}\\u{202d}\\u{202e}\\u{2066}\\u{2067}\\u{2068}\\u{2069}\
             \\u{200e}\\u{200f}\\u{61c}\\u{2028}\\u{2029}\\u{85}\\u{200b}\\u{feff}\\u{7f}"
        );
        assert_eq!(escape("a\tb\nc"), "a\\tb\\nc");
        assert_eq!(escape("C:\\nsg.json"), "C:\\nsg.json");
        // Joiners that scripts and emoji need are kept.
        assert!(matches!(escape("क्‍ष 👩‍💻"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_escapes_them_and_reads_back_the_same_value() {
        let value = json!({
            "name": format!("Allow{HOSTILE}Ssh"),
            "list": [HOSTILE, "\u{1b}[2K", "plain é 東京"],
            HOSTILE: null,
        });
        for text in [json_pretty(&value), json_compact(&value)] {
            assert!(!text.chars().any(|c| is_escaped(c) && c != '\n'), "{text}");
            assert!(text.contains(r"Allow\u202a\u202b"), "{text}");
            assert!(text.contains(r"\u0085\u200b\ufeff\u007fSsh"), "{text}");
            assert!(text.contains(r"\u001b[2K"), "{text}");
            assert!(text.contains("plain é 東京"), "{text}");
            let back: Value = serde_json::from_str(&text).unwrap();
            assert_eq!(back, value);
        }
        let mut line = Vec::new();
        write_json(&mut line, &value).unwrap();
        assert_eq!(String::from_utf8(line).unwrap(), json_compact(&value));
    }

    #[test]
    fn without_hostile_characters_it_is_serde_json_exactly() {
        let value = json!({"a": [1, 2.5, -3, true, null, {"b": "c\n\"d\""}], "e": {}, "f": []});
        assert_eq!(
            json_pretty(&value),
            serde_json::to_string_pretty(&value).unwrap()
        );
        assert_eq!(json_compact(&value), serde_json::to_string(&value).unwrap());
    }

    #[test]
    fn raw_json_is_escaped_alike() {
        let raw = serde_json::value::RawValue::from_string("[\"x\u{202e}\"]".into()).unwrap();
        assert_eq!(json_compact(&raw), r#"["x\u202e"]"#);
    }

    #[test]
    fn a_value_that_cannot_be_json_gives_nothing_rather_than_a_panic() {
        let mut map = std::collections::BTreeMap::new();
        map.insert(vec![1u8], 2);
        assert_eq!(json_pretty(&map), "");
        assert!(write_json(Vec::new(), &map).is_err());
    }
}
