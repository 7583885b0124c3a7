//! Sections and tables of the project's Markdown documents, for the tests that hold
//! `docs/formats.md`, `docs/semantics.md` and the README to the code (this crate's `tests/docs.rs`
//! and the command line's, which includes this file by path).

/// The text under the first heading `title` (any level), up to the next heading of the same
/// level or above (fenced code skipped).
pub fn section<'a>(doc: &'a str, title: &str) -> &'a str {
    let mut start = None;
    let mut level = 0;
    let mut offset = 0;
    let mut fenced = false;
    for line in doc.split_inclusive('\n') {
        let here = offset;
        offset += line.len();
        if line.starts_with("```") {
            fenced = !fenced;
        }
        if fenced {
            continue;
        }
        let hashes = line.bytes().take_while(|&b| b == b'#').count();
        if hashes == 0 || line.as_bytes().get(hashes) != Some(&b' ') {
            continue;
        }
        match start {
            None if line[hashes + 1..].trim() == title => {
                start = Some(offset);
                level = hashes;
            }
            Some(s) if hashes <= level => return &doc[s..here],
            _ => {}
        }
    }
    match start {
        Some(s) => &doc[s..],
        None => panic!("no section '{title}'"),
    }
}

/// The first column of every table row of `text` that starts with a code span: `| `key` |`.
pub fn table_keys(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once("` |").map(|(key, _)| key.to_string()))
        .collect()
}
