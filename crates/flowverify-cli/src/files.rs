//! Reading input files: every failure names the file and says what is wrong.

use std::io::ErrorKind;
use std::path::Path;

use flowverify::scenario::Scenario;

/// Reads a text file as the tools that write Azure JSON leave it: UTF-8 with or without a byte
/// order mark, or UTF-16 with one (Windows PowerShell's `Out-File` and `>`). Returns the name
/// to use in messages and the text.
pub fn read_text(path: &Path) -> Result<(String, String), String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| {
        let why = match e.kind() {
            ErrorKind::NotFound => "no such file".to_string(),
            ErrorKind::PermissionDenied => "permission denied".to_string(),
            ErrorKind::IsADirectory => "is a directory, not a file".to_string(),
            _ if path.is_dir() => "is a directory, not a file".to_string(),
            _ => e.to_string().to_lowercase(),
        };
        format!("{name}: cannot read the file: {why}")
    })?;
    let text = decode(&bytes).map_err(|m| format!("{name}: {m}"))?;
    Ok((name, text))
}

/// Reads and checks a scenario document.
pub fn read_scenario(path: &Path) -> Result<(String, Scenario), String> {
    let (name, text) = read_text(path)?;
    let scenario = Scenario::from_json(&name, &text).map_err(|e| e.to_string())?;
    Ok((name, scenario))
}

/// Decodes file bytes to text (see [`read_text`]).
fn decode(bytes: &[u8]) -> Result<String, String> {
    let utf16 = |rest: &[u8], little: bool| -> Result<String, String> {
        if !rest.chunks_exact(2).remainder().is_empty() {
            return Err("the file is UTF-16 but has an odd number of bytes".to_string());
        }
        let units = rest.chunks_exact(2).map(|pair| {
            let b = [pair[0], pair[1]];
            if little {
                u16::from_le_bytes(b)
            } else {
                u16::from_be_bytes(b)
            }
        });
        char::decode_utf16(units)
            .enumerate()
            .map(|(i, c)| {
                c.map_err(|e| {
                    format!(
                        "the UTF-16 text has an unpaired surrogate 0x{:04x} at character {}",
                        e.unpaired_surrogate(),
                        i + 1
                    )
                })
            })
            .collect()
    };
    if let Some(rest) = bytes.strip_prefix(&[0xff, 0xfe]) {
        return utf16(rest, true);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        return utf16(rest, false);
    }
    let bytes = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]).unwrap_or(bytes);
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(e) => {
            let offset = e.valid_up_to();
            let line = bytes[..offset].iter().filter(|&&b| b == b'\n').count() + 1;
            let bad = bytes.get(offset).copied().unwrap_or(0);
            Err(format!(
                "line {line}: byte 0x{bad:02x} at offset {offset} is not UTF-8: save the file as UTF-8"
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::decode;

    #[test]
    fn decodes_the_encodings_azure_tools_write() {
        assert_eq!(decode(b"{}").unwrap(), "{}");
        assert_eq!(decode(b"\xef\xbb\xbf{}").unwrap(), "{}");
        assert_eq!(decode(b"\xff\xfe{\0}\0").unwrap(), "{}");
        assert_eq!(decode(b"\xfe\xff\0{\0}").unwrap(), "{}");
        assert!(decode(b"\xff\xfe{").unwrap_err().contains("odd number"));
        assert!(decode(b"\xff\xfe\x00\xd8")
            .unwrap_err()
            .contains("unpaired surrogate"));
        let err = decode(b"{\n\"a\": \"\xe9\"}").unwrap_err();
        assert_eq!(
            err,
            "line 2: byte 0xe9 at offset 8 is not UTF-8: save the file as UTF-8"
        );
    }
}
