//! Reading inputs: files, or standard input for `-`. Every read is bounded
//! ([`flowverify::text::MAX_INPUT_BYTES`], 256 MiB), so a device or a pipe that never ends is
//! refused after that much; every failure names the file and says what is wrong.

use std::ffi::OsStr;
use std::fs::File;
use std::io::{ErrorKind, Read};
use std::path::Path;

use flowverify::scenario::Scenario;
use flowverify::text::{self, MAX_INPUT_BYTES};

/// The name standard input goes by in messages and in `check`'s output.
pub const STDIN_NAME: &str = "<stdin>";

/// Whether `path` is `-`, standard input.
pub fn is_stdin(path: &Path) -> bool {
    path.as_os_str() == OsStr::new("-")
}

/// The name of `path` in messages.
pub fn name_of(path: &Path) -> String {
    if is_stdin(path) {
        STDIN_NAME.to_string()
    } else {
        path.display().to_string()
    }
}

/// Refuses standard input given more than once (it can be read only once).
pub fn stdin_at_most_once<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Result<(), String> {
    if paths.into_iter().filter(|p| is_stdin(p)).count() > 1 {
        return Err(
            "standard input ('-') is given more than once: it can be read only once".to_string(),
        );
    }
    Ok(())
}

/// Reads a text input as the tools that write Azure JSON leave it: UTF-8 with or without a byte
/// order mark, or UTF-16 with one (Windows PowerShell's `Out-File` and `>`); `-` is standard
/// input. Returns the name to use in messages and the text.
pub fn read_text(path: &Path) -> Result<(String, String), String> {
    let name = name_of(path);
    let bytes = read_bytes(path, &name)?;
    let text = text::decode(bytes).map_err(|e| format!("{name}: {e}"))?;
    Ok((name, text))
}

/// Reads and checks a scenario document.
pub fn read_scenario(path: &Path) -> Result<(String, Scenario), String> {
    let (name, text) = read_text(path)?;
    let scenario = Scenario::from_json(&name, &text).map_err(|e| e.to_string())?;
    Ok((name, scenario))
}

/// The bytes of `path` (standard input for `-`), at most [`MAX_INPUT_BYTES`].
fn read_bytes(path: &Path, name: &str) -> Result<Vec<u8>, String> {
    let cannot = |e: std::io::Error| {
        let why = match e.kind() {
            ErrorKind::NotFound => "no such file".to_string(),
            ErrorKind::PermissionDenied => "permission denied".to_string(),
            ErrorKind::IsADirectory => "is a directory, not a file".to_string(),
            _ if path.is_dir() => "is a directory, not a file".to_string(),
            _ => e.to_string().to_lowercase(),
        };
        format!("{name}: cannot read the file: {why}")
    };
    if is_stdin(path) {
        return read_bounded(std::io::stdin().lock(), 0, name).map_err(cannot)?;
    }
    let file = File::open(path).map_err(cannot)?;
    let metadata = file.metadata().map_err(cannot)?;
    if metadata.is_dir() {
        return Err(format!(
            "{name}: cannot read the file: is a directory, not a file"
        ));
    }
    // A regular file says its size: one over the limit is refused unread, one under it is read
    // into a buffer of its size. Devices and pipes say nothing useful and are read up to the limit.
    let hint = if metadata.is_file() {
        if metadata.len() > MAX_INPUT_BYTES {
            return Err(too_large(name));
        }
        usize::try_from(metadata.len()).unwrap_or(0)
    } else {
        0
    };
    read_bounded(file, hint, name).map_err(cannot)?
}

/// Reads `reader` to its end, or refuses it after one byte more than [`MAX_INPUT_BYTES`].
/// The outer error is an I/O error, the inner one an input too large.
fn read_bounded(
    reader: impl Read,
    hint: usize,
    name: &str,
) -> std::io::Result<Result<Vec<u8>, String>> {
    let mut bytes = Vec::with_capacity(hint);
    reader.take(MAX_INPUT_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_INPUT_BYTES {
        return Ok(Err(too_large(name)));
    }
    Ok(Ok(bytes))
}

fn too_large(name: &str) -> String {
    format!(
        "{name}: the input is larger than 256 MiB ({MAX_INPUT_BYTES} bytes): refused (FlowVerify reads at most that much of a file, device or pipe)"
    )
}

/// A permalink given on the command line: the link itself, `-` (read it from standard input)
/// or `@FILE` (read it from a file), trimmed.
pub fn read_link(arg: &str) -> Result<String, String> {
    let path = if arg == "-" {
        Path::new("-")
    } else if let Some(file) = arg.strip_prefix('@') {
        Path::new(file)
    } else {
        return Ok(arg.to_string());
    };
    let (_, text) = read_text(path)?;
    let trimmed = text.trim();
    if trimmed.len() == text.len() {
        Ok(text)
    } else {
        Ok(trimmed.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_is_bounded() {
        let small = read_bounded(&b"{}"[..], 0, "x").unwrap().unwrap();
        assert_eq!(small, b"{}");
        // (A reader that never ends is refused: tests/cli.rs reads /dev/zero.)
        assert!(too_large("pipe").starts_with("pipe: the input is larger than 256 MiB"));
    }

    #[test]
    fn stdin_is_named_and_allowed_once() {
        assert!(is_stdin(Path::new("-")));
        assert!(!is_stdin(Path::new("./-")));
        assert_eq!(name_of(Path::new("-")), "<stdin>");
        assert_eq!(name_of(Path::new("a.json")), "a.json");
        let paths = [Path::new("-"), Path::new("a.json"), Path::new("-")];
        assert!(stdin_at_most_once(paths[..2].iter().copied()).is_ok());
        assert!(stdin_at_most_once(paths.iter().copied())
            .unwrap_err()
            .contains("more than once"));
    }

    #[test]
    fn a_link_is_taken_as_given_unless_it_says_where_to_read_it() {
        assert_eq!(read_link("v1.abc").unwrap(), "v1.abc");
        let missing = read_link("@/no/such/link.txt").unwrap_err();
        assert!(missing.contains("/no/such/link.txt: cannot read the file: no such file"));
    }
}
