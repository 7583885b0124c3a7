//! Reading JSON text, for every document the engine takes (Azure documents and scenarios).
//!
//! JSON leaves the meaning of a key given twice in one object open, and `serde_json` silently
//! keeps the last one: `{"access": "Deny", "access": "Allow"}` would read as Allow. A
//! verification tool must not pick one, so this reader refuses such an object, also when the
//! two keys differ only in case (the engine reads property names in any case). The error says
//! the key, the object's path and both spellings, at the line and column of the second.

use std::cell::RefCell;
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::error::{InputError, Place};

/// A key given twice in one object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DuplicateKey {
    /// The object's path, e.g. `properties.securityRules[0].properties` (empty at the top).
    pub path: String,
    /// The key as first written.
    pub first: String,
    /// The key as written the second time.
    pub second: String,
}

impl DuplicateKey {
    /// The message, lowercase, quoting both spellings.
    pub fn message(&self) -> String {
        let key = crate::error::clip(&self.first);
        let within = if self.path.is_empty() {
            "the top-level object".to_string()
        } else {
            format!("the object at {}", crate::error::clip(&self.path))
        };
        let again = if self.first == self.second {
            "again".to_string()
        } else {
            format!("again as '{}'", crate::error::clip(&self.second))
        };
        format!(
            "property '{key}' is given twice in {within} (first as '{key}', then {again} here): \
             JSON leaves its meaning open, so FlowVerify does not pick one; remove one of them"
        )
    }
}

/// Why JSON text could not be read.
#[derive(Debug)]
pub(crate) enum ParseError {
    /// A syntax error (or nesting too deep), as serde_json reports it.
    Syntax(serde_json::Error),
    /// A key given twice in one object, at the line and column of the second.
    Duplicate {
        /// Which key, where.
        key: DuplicateKey,
        /// 1-based line of the second key.
        line: usize,
        /// 1-based column just after the second key.
        column: usize,
    },
    /// The sink of a streamed list stopped the reading ([`Stream`]).
    Stopped(Stop),
}

/// Why the sink of a streamed list stopped the reading: the error, and whether it is a syntax
/// error (nesting too deep), which a reading without comments may not have; else a key given
/// twice.
#[derive(Debug)]
pub(crate) struct Stop {
    /// The error, at its line and column in the text.
    pub error: InputError,
    /// A syntax error, not a key given twice.
    pub syntax: bool,
}

/// Reads JSON text as every input and scenario is read: a byte order mark ignored, an empty
/// text refused with `empty` as the message, keys given twice refused, `//` and `/* */`
/// comments accepted (ARM template files may have them), and a syntax error reported at its
/// line and column with the text found there, in lowercase words, and a hint when the text is
/// not JSON at all (Bicep, YAML, table output).
pub(crate) fn read(source: &str, text: &str, empty: &str) -> Result<Value, InputError> {
    read_streaming(source, text, empty, None)
}

/// A top-level list handed over element by element instead of kept: `key` names the list (a
/// property of the top-level object, in any case), `sink` takes each element's JSON text (its
/// syntax checked) with its index and byte offset in the text as soon as it is read, and the
/// list is left empty in the value. A document with many elements (a scenario's `flows`) is
/// then never held whole as a tree. The sink reads the element ([`read_element`] reads it as
/// this reader would); an error it returns stops the reading, and is the error. On a syntax
/// error the text is read a second time without comments (at the same offsets): the sink sees
/// index 0 again and starts over.
pub(crate) struct Stream<'s> {
    /// The top-level property whose list is streamed.
    pub key: &'static str,
    /// Takes each element's [`Element`].
    pub sink: &'s mut dyn FnMut(Element<'_>) -> Result<(), Stop>,
}

/// One element of a streamed list.
pub(crate) struct Element<'a> {
    /// Its place in the list.
    pub index: usize,
    /// The list's key as the text writes it (`Flows`): the path of a key given twice in the
    /// element starts with it, as the whole text's reading says it.
    pub key: &'a str,
    /// Its JSON text.
    pub raw: &'a str,
    /// Where its text starts in the text read, in bytes.
    pub offset: usize,
}

/// As [`read`], with a top-level list streamed ([`Stream`]).
pub(crate) fn read_streaming(
    source: &str,
    text: &str,
    empty: &str,
    mut stream: Option<Stream<'_>>,
) -> Result<Value, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(InputError::whole(source, empty));
    }
    let duplicate = |key: DuplicateKey, line, column| {
        InputError::new(source, Place::LineColumn { line, column }, key.message())
    };
    // The first syntax error, as this reading reports it when the text without comments has
    // one too.
    let first = match parse_with(text, stream.as_mut()) {
        Ok(v) => return Ok(v),
        Err(ParseError::Duplicate { key, line, column }) => {
            return Err(duplicate(key, line, column))
        }
        Err(ParseError::Stopped(Stop {
            error,
            syntax: false,
        })) => return Err(error),
        Err(ParseError::Stopped(Stop { error, .. })) => error,
        Err(ParseError::Syntax(err)) => syntax_error(source, text, &err),
    };
    match strip_comments(text).map(|t| parse_with(&t, stream.as_mut())) {
        Some(Ok(v)) => Ok(v),
        Some(Err(ParseError::Duplicate { key, line, column })) => Err(duplicate(key, line, column)),
        Some(Err(ParseError::Stopped(Stop {
            error,
            syntax: false,
        }))) => Err(error),
        _ => Err(first),
    }
}

/// Reads one element of a streamed list ([`Stream`]) as [`read`] reads it in the whole text:
/// `raw` is its text, at byte `offset` of `text`, and `path` its path (`flows[3]`). A key given
/// twice, or nesting too deep (counted from the top of the document, two levels up), is the
/// error the whole text's reading gives, at its line and column in `text`.
pub(crate) fn read_element(
    source: &str,
    text: &str,
    raw: &str,
    offset: usize,
    path: &str,
) -> Result<Value, Stop> {
    // Two levels, as the top-level object and its list hold the element.
    let wrapped = format!("[[{raw}]]");
    let at = || {
        let before = text.get(..offset).unwrap_or_default();
        let line = before.matches('\n').count() + 1;
        let column = before.len() - before.rfind('\n').map_or(0, |n| n + 1) + 1;
        (line, column)
    };
    // A position in `wrapped` placed in `text`.
    let place = |line: usize, column: usize| {
        let (start_line, start_column) = at();
        if line <= 1 {
            (start_line, start_column + column.saturating_sub(3))
        } else {
            (start_line + line - 1, column)
        }
    };
    match parse_with(&wrapped, None) {
        Ok(Value::Array(mut outer)) => match outer.pop() {
            Some(Value::Array(mut inner)) => Ok(inner.pop().unwrap_or_default()),
            _ => Ok(Value::Null),
        },
        Ok(_) => Ok(Value::Null),
        Err(ParseError::Duplicate {
            mut key,
            line,
            column,
        }) => {
            let within = key.path.strip_prefix("[0][0]").unwrap_or(&key.path);
            key.path = format!("{path}{within}");
            let (line, column) = place(line, column);
            Err(Stop {
                error: InputError::new(source, Place::LineColumn { line, column }, key.message()),
                syntax: false,
            })
        }
        Err(ParseError::Stopped(stop)) => Err(stop),
        Err(ParseError::Syntax(err)) => {
            let e = syntax_error(source, &wrapped, &err);
            let place = match e.place() {
                Place::LineColumn { line, column } => {
                    let (line, column) = place(*line, *column);
                    Place::LineColumn { line, column }
                }
                other => other.clone(),
            };
            Err(Stop {
                error: InputError::new(source, place, e.message()),
                syntax: true,
            })
        }
    }
}

/// [`parse_with`] streaming nothing.
#[cfg(test)]
pub(crate) fn parse(text: &str) -> Result<Value, ParseError> {
    parse_with(text, None)
}

/// Parses JSON text into a value, refusing keys given twice in one object (in any case), with
/// a top-level list streamed if one is given ([`Stream`]).
///
/// serde_json's own limits stay in force (nesting deeper than 128 levels is an error).
fn parse_with(text: &str, stream: Option<&mut Stream<'_>>) -> Result<Value, ParseError> {
    let state = State {
        stream: stream.map(RefCell::new),
        base: text.as_ptr() as usize,
        ..State::default()
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let value = ValueSeed { state: &state }.deserialize(&mut de);
    let value = match value.and_then(|v| de.end().map(|()| v)) {
        Ok(v) => v,
        Err(err) => {
            if let Some(e) = state.stopped.into_inner() {
                return Err(ParseError::Stopped(e));
            }
            return Err(match state.duplicate.into_inner() {
                Some(key) => ParseError::Duplicate {
                    key,
                    line: err.line(),
                    column: err.column(),
                },
                None => ParseError::Syntax(err),
            });
        }
    };
    Ok(value)
}

/// The first pair of keys in one object of `value` that differ only in case, if any (a value
/// built from a JavaScript object or by code cannot hold the same key twice, but can hold two
/// spellings of it).
pub(crate) fn case_duplicate(value: &Value) -> Option<DuplicateKey> {
    fn walk(value: &Value, path: &mut String) -> Option<DuplicateKey> {
        match value {
            Value::Object(map) => {
                if let Some((first, second)) = case_twins(map) {
                    return Some(DuplicateKey {
                        path: path.clone(),
                        first,
                        second,
                    });
                }
                for (k, v) in map {
                    if !matches!(v, Value::Object(_) | Value::Array(_)) {
                        continue;
                    }
                    let len = path.len();
                    if !path.is_empty() {
                        path.push('.');
                    }
                    path.push_str(k);
                    let found = walk(v, path);
                    path.truncate(len);
                    if found.is_some() {
                        return found;
                    }
                }
                None
            }
            Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    if !matches!(v, Value::Object(_) | Value::Array(_)) {
                        continue;
                    }
                    let len = path.len();
                    path.push_str(&format!("[{i}]"));
                    let found = walk(v, path);
                    path.truncate(len);
                    if found.is_some() {
                        return found;
                    }
                }
                None
            }
            _ => None,
        }
    }
    walk(value, &mut String::new())
}

/// Two keys of one object that are equal but for case.
fn case_twins(map: &Map<String, Value>) -> Option<(String, String)> {
    const LINEAR: usize = 24;
    let keys: Vec<&String> = map.keys().collect();
    if keys.len() <= LINEAR {
        for (i, a) in keys.iter().enumerate() {
            for b in keys.iter().skip(i + 1) {
                if a.len() == b.len() && a.eq_ignore_ascii_case(b) {
                    return Some(((*a).clone(), (*b).clone()));
                }
            }
        }
        return None;
    }
    let mut seen = std::collections::HashMap::with_capacity(keys.len());
    for k in keys {
        if let Some(first) = seen.insert(k.to_ascii_lowercase(), k) {
            return Some((first.clone(), k.clone()));
        }
    }
    None
}

/// What the reader keeps while it descends: the path (only read when a duplicate is found)
/// and the duplicate found.
#[derive(Default)]
struct State<'s, 't> {
    path: RefCell<Vec<Segment>>,
    duplicate: RefCell<Option<DuplicateKey>>,
    stream: Option<RefCell<&'s mut Stream<'t>>>,
    /// Where the text read starts (for the offsets of streamed elements).
    base: usize,
    /// Why a stream's sink stopped the reading.
    stopped: RefCell<Option<Stop>>,
}

enum Segment {
    Key(String),
    Index(usize),
}

impl State<'_, '_> {
    /// When the list being read is the one to stream (the top-level property named so), its
    /// key as written.
    fn streams_here(&self) -> Option<String> {
        let stream = self.stream.as_ref()?;
        let key = stream.borrow().key;
        match self.path.borrow().as_slice() {
            [Segment::Key(k)] if k.eq_ignore_ascii_case(key) => Some(k.clone()),
            _ => None,
        }
    }

    fn path_text(&self) -> String {
        let mut out = String::new();
        for segment in self.path.borrow().iter() {
            match segment {
                Segment::Key(k) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(k);
                }
                Segment::Index(i) => out.push_str(&format!("[{i}]")),
            }
        }
        out
    }
}

#[derive(Clone, Copy)]
struct ValueSeed<'s, 'a, 'b> {
    state: &'s State<'a, 'b>,
}

impl<'de> DeserializeSeed<'de> for ValueSeed<'_, '_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ValueSeed<'_, '_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        if let Some(key) = self.state.streams_here() {
            let mut index = 0;
            while let Some(raw) = seq.next_element::<&'de serde_json::value::RawValue>()? {
                let raw = raw.get();
                let offset = (raw.as_ptr() as usize).wrapping_sub(self.state.base);
                if let Some(stream) = &self.state.stream {
                    let element = Element {
                        index,
                        key: &key,
                        raw,
                        offset,
                    };
                    if let Err(e) = (stream.borrow_mut().sink)(element) {
                        *self.state.stopped.borrow_mut() = Some(e);
                        return Err(serde::de::Error::custom("stopped"));
                    }
                }
                index += 1;
            }
            return Ok(Value::Array(Vec::new()));
        }
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            self.state
                .path
                .borrow_mut()
                .push(Segment::Index(items.len()));
            let next = seq.next_element_seed(self)?;
            self.state.path.borrow_mut().pop();
            match next {
                Some(v) => items.push(v),
                None => break,
            }
        }
        // JSON gives no length ahead: growth by doubling can leave half a list unused.
        items.shrink_to_fit();
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        // Small objects are searched; a large one (a tag map, say) keeps its keys in lowercase.
        const LINEAR: usize = 32;
        // The entries are gathered first and the map built at its exact size: a map grown by
        // doubling holds up to twice the room it needs, for every object of the document.
        let mut entries: Vec<(String, Value)> = Vec::new();
        let mut lower: Option<std::collections::HashMap<String, usize>> = None;
        while let Some(key) = access.next_key::<String>()? {
            let twin = if entries.len() < LINEAR {
                entries
                    .iter()
                    .position(|(k, _)| k.len() == key.len() && k.eq_ignore_ascii_case(&key))
            } else {
                let index = lower.get_or_insert_with(|| {
                    entries
                        .iter()
                        .enumerate()
                        .map(|(i, (k, _))| (k.to_ascii_lowercase(), i))
                        .collect()
                });
                let lowered = key.to_ascii_lowercase();
                let found = index.get(&lowered).copied();
                if found.is_none() {
                    index.insert(lowered, entries.len());
                }
                found
            };
            if let Some(first) = twin {
                let first = entries
                    .get(first)
                    .map(|(k, _)| k.clone())
                    .unwrap_or_default();
                *self.state.duplicate.borrow_mut() = Some(DuplicateKey {
                    path: self.state.path_text(),
                    first,
                    second: key,
                });
                return Err(serde::de::Error::custom("duplicate key"));
            }
            self.state.path.borrow_mut().push(Segment::Key(key));
            let value = access.next_value_seed(self)?;
            let key = match self.state.path.borrow_mut().pop() {
                Some(Segment::Key(k)) => k,
                _ => String::new(),
            };
            entries.push((key, value));
        }
        let mut map = Map::with_capacity(entries.len());
        map.extend(entries);
        Ok(Value::Object(map))
    }
}

/// A JSON syntax error at its line and column, in lowercase words, with the text found there
/// and a hint when the text is not JSON at all.
fn syntax_error(source: &str, text: &str, err: &serde_json::Error) -> InputError {
    let (mut line, mut column) = (err.line(), err.column());
    if column == 0 && line > 1 {
        // serde_json points past the end of the previous line: show that line's end.
        line -= 1;
        column = text
            .lines()
            .nth(line - 1)
            .map_or(1, |l| l.chars().count() + 1);
    }
    let mut message = err.to_string();
    if let Some(at) = message.rfind(" at line ") {
        message.truncate(at);
    }
    let eof = err.is_eof();
    let mut message = if message == "recursion limit exceeded" {
        "the document is nested too deeply (more than 128 levels of lists and objects)".to_string()
    } else if let Some(rest) = message.strip_prefix("EOF") {
        format!("the text ends too early{rest}")
    } else {
        let mut chars = message.chars();
        match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => "invalid JSON".to_string(),
        }
    };
    if !eof {
        if let Some(near) = text_at(text, line, column) {
            message.push_str(&format!(" near '{near}'"));
        }
    }
    if let Some(hint) = not_json_hint(text) {
        message.push_str("; ");
        message.push_str(hint);
    }
    InputError::new(source, Place::LineColumn { line, column }, message)
}

/// A few characters of `text` from (1-based) `line`, `column`.
fn text_at(text: &str, line: usize, column: usize) -> Option<String> {
    let line_text = text.lines().nth(line.checked_sub(1)?)?;
    let mut start = column.saturating_sub(1).min(line_text.len());
    while !line_text.is_char_boundary(start) {
        start -= 1;
    }
    let rest = line_text.get(start..)?.trim_end();
    if rest.is_empty() {
        return None;
    }
    let near: String = rest.chars().take(24).collect();
    Some(if near.len() < rest.len() {
        format!("{near}...")
    } else {
        near
    })
}

/// A hint for text that is not JSON at all.
fn not_json_hint(text: &str) -> Option<&'static str> {
    let t = text.trim_start();
    if t.starts_with('{') || t.starts_with('[') || t.starts_with('"') {
        return None;
    }
    let first_line = t.lines().next().unwrap_or("");
    let second_line = t.lines().nth(1).unwrap_or("").trim();
    let word = first_line.split_whitespace().next().unwrap_or("");
    if [
        "param",
        "resource",
        "targetScope",
        "module",
        "var",
        "output",
        "metadata",
        "import",
    ]
    .contains(&word)
        || word.starts_with('@')
    {
        return Some(
            "this looks like Bicep, not JSON: run `az bicep build --file FILE` and paste the \
             JSON template it writes",
        );
    }
    if t.starts_with('<') {
        return Some("this looks like HTML or XML, not JSON");
    }
    if !second_line.is_empty() && second_line.chars().all(|c| c == '-' || c == ' ') {
        return Some("this looks like table output: run the command again with `--output json`");
    }
    if first_line.contains(':') {
        return Some(
            "this looks like YAML or PowerShell list output, not JSON: run az commands with \
             `--output json`, or pipe PowerShell objects to `ConvertTo-Json -Depth 10`",
        );
    }
    None
}

/// The text with `//` and `/* */` comments outside strings blanked (lines and columns kept),
/// or `None` when it has none.
fn strip_comments(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut in_string = false;
    let mut found = false;
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let next = bytes.get(i + 1).copied();
        if in_string {
            out.push(b);
            if b == b'\\' {
                if let Some(n) = next {
                    out.push(n);
                    i += 1;
                }
            } else if b == b'"' {
                in_string = false;
            }
            i += 1;
            continue;
        }
        match (b, next) {
            (b'"', _) => {
                in_string = true;
                out.push(b);
                i += 1;
            }
            (b'/', Some(b'/')) => {
                found = true;
                while let Some(&c) = bytes.get(i) {
                    if c == b'\n' {
                        break;
                    }
                    out.push(b' ');
                    i += 1;
                }
            }
            (b'/', Some(b'*')) => {
                found = true;
                out.extend_from_slice(b"  ");
                i += 2;
                loop {
                    match (bytes.get(i), bytes.get(i + 1)) {
                        (Some(b'*'), Some(b'/')) => {
                            out.extend_from_slice(b"  ");
                            i += 2;
                            break;
                        }
                        (Some(b'\n'), _) => {
                            out.push(b'\n');
                            i += 1;
                        }
                        (Some(_), _) => {
                            out.push(b' ');
                            i += 1;
                        }
                        (None, _) => break,
                    }
                }
            }
            _ => {
                out.push(b);
                i += 1;
            }
        }
    }
    if found {
        String::from_utf8(out).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn duplicate(text: &str) -> (DuplicateKey, usize, usize) {
        match parse(text) {
            Err(ParseError::Duplicate { key, line, column }) => (key, line, column),
            other => panic!("expected a duplicate key, got {other:?}"),
        }
    }

    #[test]
    fn reads_what_serde_json_reads() {
        let text = r#"{"a": [1, -2, 3.5, true, null, "x", {"b": {}}], "c": 18446744073709551615}"#;
        let ours = parse(text).unwrap();
        let theirs: Value = serde_json::from_str(text).unwrap();
        assert_eq!(ours, theirs);
        assert_eq!(ours.as_object().unwrap().keys().next().unwrap(), "a");
    }

    #[test]
    fn refuses_a_key_given_twice() {
        let (key, line, column) = duplicate(
            "{\"rules\": [{\"name\": \"r\",\n \"access\": \"Deny\",\n \"access\": \"Allow\"}]}",
        );
        assert_eq!(key.path, "rules[0]");
        assert_eq!(
            (key.first.as_str(), key.second.as_str()),
            ("access", "access")
        );
        assert_eq!(line, 3);
        assert!(column > 1);
        assert!(key
            .message()
            .contains("property 'access' is given twice in the object at rules[0]"));
    }

    #[test]
    fn refuses_keys_that_differ_only_in_case() {
        let (key, ..) = duplicate(r#"{"version": 1, "flows": [], "Flows": [{}]}"#);
        assert_eq!(key.path, "");
        assert_eq!(
            (key.first.as_str(), key.second.as_str()),
            ("flows", "Flows")
        );
        assert!(
            key.message().contains("again as 'Flows'"),
            "{}",
            key.message()
        );
    }

    #[test]
    fn comments_are_blanked_only_outside_strings() {
        assert_eq!(strip_comments("{\"a\": 1}"), None);
        assert_eq!(
            strip_comments("{\"a//b\": 1} // c").as_deref(),
            Some("{\"a//b\": 1}     ")
        );
    }

    #[test]
    fn syntax_errors_stay_syntax_errors() {
        assert!(matches!(parse("{\"a\": }"), Err(ParseError::Syntax(_))));
        assert!(matches!(parse("{} x"), Err(ParseError::Syntax(_))));
        assert!(matches!(
            parse(&"[".repeat(1000)),
            Err(ParseError::Syntax(_))
        ));
    }

    #[test]
    fn case_twins_in_a_value() {
        let v = json!({"a": [{"x": 1}, {"Access": 1, "access": 2}]});
        let d = case_duplicate(&v).unwrap();
        assert_eq!(d.path, "a[1]");
        assert_eq!(case_duplicate(&json!({"a": {"b": 1, "c": 2}})), None);
        let many: Map<String, Value> = (0..100).map(|i| (format!("k{i}"), json!(i))).collect();
        let mut big = many.clone();
        assert_eq!(case_twins(&big), None);
        big.insert("K7".into(), json!(0));
        assert_eq!(case_twins(&big), Some(("k7".into(), "K7".into())));
    }
}
