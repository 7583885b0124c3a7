//! Input errors: every one says which input (file or slot), where in it, and what is wrong,
//! quoting the offending value.

use std::fmt;

/// The most characters of a user's value that a message quotes.
pub const QUOTE_LIMIT: usize = 80;

/// A user's value as a message quotes it: whole when short, else its first [`QUOTE_LIMIT`]
/// characters and how long it really is, so that a 100 MB value never fills a message.
///
/// ```
/// use flowverify::error::clip;
/// assert_eq!(clip("AllowWeb"), "AllowWeb");
/// let long = "x".repeat(1000);
/// assert_eq!(clip(&long), format!("{}... (1000 characters)", "x".repeat(80)));
/// ```
pub fn clip(text: &str) -> String {
    match text.char_indices().nth(QUOTE_LIMIT) {
        None => text.to_string(),
        Some((cut, _)) => {
            let total = text.chars().count();
            format!("{}... ({total} characters)", &text[..cut])
        }
    }
}

/// Where in an input a problem is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Place {
    /// The input as a whole.
    Whole,
    /// A position in the text (1-based), for JSON syntax errors.
    LineColumn {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A path in the JSON document or a rule name, e.g. `securityRules[2] (AllowWeb).priority`.
    Path(String),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Place::Whole => Ok(()),
            Place::LineColumn { line, column } => write!(f, "line {line}, column {column}"),
            Place::Path(path) => f.write_str(path),
        }
    }
}

/// A problem with an input: a file or slot, a place in it, and a lowercase message that quotes
/// the offending value. Displayed as `FILE: PLACE: MESSAGE`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputError {
    source: String,
    place: Place,
    message: String,
}

impl InputError {
    /// An error about `source` (a file name or slot name) at `place`.
    pub fn new(source: impl Into<String>, place: Place, message: impl Into<String>) -> InputError {
        InputError {
            source: source.into(),
            place,
            message: message.into(),
        }
    }

    /// An error about `source` at a JSON path or rule name.
    pub fn at(
        source: impl Into<String>,
        path: impl Into<String>,
        message: impl Into<String>,
    ) -> InputError {
        InputError::new(source, Place::Path(path.into()), message)
    }

    /// An error about the whole of `source`.
    pub fn whole(source: impl Into<String>, message: impl Into<String>) -> InputError {
        InputError::new(source, Place::Whole, message)
    }

    /// The file or slot the error is about.
    pub fn source_name(&self) -> &str {
        &self.source
    }

    /// Where in it.
    pub fn place(&self) -> &Place {
        &self.place
    }

    /// What is wrong, quoting the value.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The same error, attributed to another source (e.g. a scenario slot inside a file).
    pub fn with_source(mut self, source: impl Into<String>) -> InputError {
        self.source = source.into();
        self
    }

    /// The same error with `prefix` put before its path (e.g. `adminRules[1]`).
    pub fn within(mut self, prefix: &str) -> InputError {
        self.place = match self.place {
            Place::Whole => Place::Path(prefix.to_string()),
            Place::Path(p) => Place::Path(format!("{prefix}.{p}")),
            lc @ Place::LineColumn { .. } => lc,
        };
        self
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.place {
            Place::Whole => write!(f, "{}: {}", self.source, self.message),
            _ => write!(f, "{}: {}: {}", self.source, self.place, self.message),
        }
    }
}

impl std::error::Error for InputError {}
