//! Text encodings: the bytes of a file, as the tools that write Azure JSON leave them, to text.
//!
//! UTF-8 with or without a byte-order mark, and UTF-16 (little- or big-endian) with one, which
//! is what Windows PowerShell 5.1's `Out-File` and `>` write. Everything else gets an error that
//! names the problem and its place: UTF-16 without a byte-order mark, UTF-32, bytes that are not
//! UTF-8, a NUL character (binary data, never JSON), a truncated UTF-16 file.
//!
//! The web page and the command line read files through [`decode`], so both accept and refuse
//! the same files with the same words.
//!
//! ```
//! use flowverify::text::decode;
//! // Windows PowerShell 5.1: `'{}' | Out-File nsg.json` writes UTF-16 LE with a byte-order mark.
//! assert_eq!(decode(b"\xff\xfe{\0}\0".to_vec()).unwrap(), "{}");
//! ```

/// The largest input, in bytes, that FlowVerify reads: 256 MiB (268,435,456 bytes). Readers
/// stop after one byte more and refuse the input, so a device or a pipe that never ends costs
/// at most this much.
///
/// ```
/// assert_eq!(flowverify::text::MAX_INPUT_BYTES, 256 * 1024 * 1024);
/// ```
pub const MAX_INPUT_BYTES: u64 = 256 * 1024 * 1024;

/// The UTF-8 byte-order mark.
const UTF8_BOM: &[u8] = &[0xef, 0xbb, 0xbf];

/// How many leading bytes [`decode`] looks at to recognise UTF-16 without a byte-order mark.
const SNIFF: usize = 4096;

/// Why bytes are not text FlowVerify can read. Every message is lowercase, says what is wrong,
/// and where it helps, how to fix the file.
///
/// ```
/// use flowverify::text::{decode, TextError};
/// let err = decode(b"{\n\"a\": \"\xe9\"}".to_vec()).unwrap_err();
/// assert_eq!(err, TextError::InvalidUtf8 { line: 2, offset: 8, byte: 0xe9 });
/// assert_eq!(
///     err.to_string(),
///     "line 2: byte 0xe9 at offset 8 is not UTF-8: save the file as UTF-8"
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// A UTF-16 byte-order mark, then an odd number of bytes: the text is cut short.
    #[error("the text is UTF-16 (it starts with a byte-order mark) but has an odd number of bytes ({bytes}): the file is truncated")]
    OddLength {
        /// The number of bytes, byte-order mark included.
        bytes: usize,
    },
    /// UTF-16 with a surrogate that is not part of a pair.
    #[error("line {line}: the UTF-16 text has an unpaired surrogate 0x{unit:04x} at offset {offset}: the file is damaged; save it again as UTF-8")]
    UnpairedSurrogate {
        /// The surrogate code unit.
        unit: u16,
        /// The line it is on (1 for the first).
        line: usize,
        /// Its byte offset in the input (byte-order mark included).
        offset: usize,
    },
    /// Bytes that are not UTF-8 (e.g. Latin-1 or Windows-1252 text).
    #[error(
        "line {line}: byte 0x{byte:02x} at offset {offset} is not UTF-8: save the file as UTF-8"
    )]
    InvalidUtf8 {
        /// The line the byte is on (1 for the first).
        line: usize,
        /// The byte offset in the input (a byte-order mark included).
        offset: usize,
        /// The first byte that is not UTF-8.
        byte: u8,
    },
    /// Text whose every other byte is NUL: UTF-16 written without a byte-order mark.
    #[error("the text looks like UTF-16 ({}) without a byte-order mark: save the file as UTF-8 (in PowerShell: Out-File -Encoding utf8, or Set-Content -Encoding utf8)", if *.little_endian { "little-endian" } else { "big-endian" })]
    Utf16WithoutBom {
        /// Whether the NUL bytes are the second of each pair (little-endian).
        little_endian: bool,
    },
    /// A UTF-32 byte-order mark.
    #[error("the text is UTF-32, which FlowVerify does not read: save the file as UTF-8")]
    Utf32,
    /// A NUL character, which JSON text never holds: binary data or a damaged file.
    #[error("line {line}: a NUL byte (0x00) at offset {offset}: this is not JSON text (binary data or a damaged file); save the file as UTF-8")]
    Nul {
        /// The line it is on (1 for the first).
        line: usize,
        /// Its byte offset in the input (byte-order mark included).
        offset: usize,
    },
}

/// Decodes the bytes of a file to text: UTF-8 with or without a byte-order mark (removed), or
/// UTF-16 little- or big-endian with one. Takes the bytes by value: UTF-8 becomes the text
/// without a copy.
///
/// ```
/// use flowverify::text::{decode, TextError};
/// assert_eq!(decode(b"{}".to_vec()).unwrap(), "{}");
/// assert_eq!(decode(b"\xef\xbb\xbf{}".to_vec()).unwrap(), "{}");
/// assert_eq!(decode(b"\xfe\xff\0{\0}".to_vec()).unwrap(), "{}");
/// // UTF-16 without a byte-order mark is recognised and named.
/// assert_eq!(
///     decode(b"{\0}\0".to_vec()),
///     Err(TextError::Utf16WithoutBom { little_endian: true })
/// );
/// assert!(matches!(decode(b"{\"a\":\0}".to_vec()), Err(TextError::Nul { line: 1, offset: 5 })));
/// ```
pub fn decode(mut bytes: Vec<u8>) -> Result<String, TextError> {
    if bytes.starts_with(&[0xff, 0xfe, 0, 0]) || bytes.starts_with(&[0, 0, 0xfe, 0xff]) {
        return Err(TextError::Utf32);
    }
    if bytes.starts_with(&[0xff, 0xfe]) {
        return utf16(&bytes, true);
    }
    if bytes.starts_with(&[0xfe, 0xff]) {
        return utf16(&bytes, false);
    }
    let bom = if bytes.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    };
    if let Some(at) = bytes.iter().position(|&b| b == 0) {
        if let Some(little_endian) = utf16_without_bom(&bytes[bom..]) {
            return Err(TextError::Utf16WithoutBom { little_endian });
        }
        return Err(TextError::Nul {
            line: line_of(&bytes[..at]),
            offset: at,
        });
    }
    if bom > 0 {
        // In place: no second buffer.
        bytes.drain(..bom);
    }
    String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let bytes = e.as_bytes();
        TextError::InvalidUtf8 {
            line: line_of(&bytes[..at]),
            offset: at + bom,
            byte: bytes.get(at).copied().unwrap_or(0),
        }
    })
}

/// The line (1 for the first) at the end of `before`.
fn line_of(before: &[u8]) -> usize {
    before.iter().filter(|&&b| b == b'\n').count() + 1
}

/// Whether the start of `bytes` looks like UTF-16 without a byte-order mark, and if so whether
/// little-endian: most code units of JSON are ASCII, so one byte of each pair is NUL and the
/// other is not.
fn utf16_without_bom(bytes: &[u8]) -> Option<bool> {
    let sample = &bytes[..bytes.len().min(SNIFF)];
    let pairs = sample.len() / 2;
    if pairs == 0 {
        return None;
    }
    let (mut nul_first, mut nul_second) = (0usize, 0usize);
    for pair in sample.chunks_exact(2) {
        nul_first += usize::from(pair[0] == 0);
        nul_second += usize::from(pair[1] == 0);
    }
    // Half the pairs have a NUL on one side, and the other side has few.
    let looks = |nul: usize, other: usize| nul * 2 >= pairs && other * 8 <= nul;
    if looks(nul_second, nul_first) {
        Some(true)
    } else if looks(nul_first, nul_second) {
        Some(false)
    } else {
        None
    }
}

/// Decodes UTF-16 after its byte-order mark (`bytes` includes the mark).
fn utf16(bytes: &[u8], little: bool) -> Result<String, TextError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(TextError::OddLength { bytes: bytes.len() });
    }
    let units = bytes[2..].chunks_exact(2).map(|pair| {
        let b = [pair[0], pair[1]];
        if little {
            u16::from_le_bytes(b)
        } else {
            u16::from_be_bytes(b)
        }
    });
    // ASCII text takes half its UTF-16 size; anything else grows the string as needed.
    let mut text = String::with_capacity(bytes.len() / 2);
    let mut line = 1;
    let mut offset = 2;
    for c in char::decode_utf16(units) {
        match c {
            Ok('\0') => return Err(TextError::Nul { line, offset }),
            Ok(c) => {
                if c == '\n' {
                    line += 1;
                }
                offset += 2 * c.len_utf16();
                text.push(c);
            }
            Err(e) => {
                return Err(TextError::UnpairedSurrogate {
                    unit: e.unpaired_surrogate(),
                    line,
                    offset,
                })
            }
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str, bom: bool) -> Vec<u8> {
        let mut bytes = if bom { vec![0xff, 0xfe] } else { Vec::new() };
        for unit in text.encode_utf16() {
            bytes.extend(unit.to_le_bytes());
        }
        bytes
    }

    fn utf16be(text: &str, bom: bool) -> Vec<u8> {
        let mut bytes = if bom { vec![0xfe, 0xff] } else { Vec::new() };
        for unit in text.encode_utf16() {
            bytes.extend(unit.to_be_bytes());
        }
        bytes
    }

    const JSON: &str = "{\n  \"name\": \"nsg-wéb — 東京 🚀\",\n  \"properties\": {}\n}\n";

    #[test]
    fn reads_the_encodings_azure_tools_write() {
        assert_eq!(decode(b"{}".to_vec()).unwrap(), "{}");
        assert_eq!(decode(Vec::new()).unwrap(), "");
        assert_eq!(decode(b"\xef\xbb\xbf".to_vec()).unwrap(), "");
        assert_eq!(decode(JSON.as_bytes().to_vec()).unwrap(), JSON);
        let mut bom = UTF8_BOM.to_vec();
        bom.extend(JSON.as_bytes());
        assert_eq!(decode(bom).unwrap(), JSON);
        assert_eq!(decode(utf16le(JSON, true)).unwrap(), JSON);
        assert_eq!(decode(utf16be(JSON, true)).unwrap(), JSON);
        assert_eq!(decode(vec![0xff, 0xfe]).unwrap(), "");
    }

    #[test]
    fn utf8_is_not_copied() {
        let bytes = JSON.as_bytes().to_vec();
        let at = bytes.as_ptr();
        let text = decode(bytes).unwrap();
        assert_eq!(text.as_ptr(), at);
    }

    #[test]
    fn truncated_and_damaged_utf16_is_refused() {
        assert_eq!(
            decode(b"\xff\xfe{".to_vec()),
            Err(TextError::OddLength { bytes: 3 })
        );
        let err = decode(b"\xff\xfe{\0\n\0\x00\xd8}\0".to_vec()).unwrap_err();
        assert_eq!(
            err,
            TextError::UnpairedSurrogate {
                unit: 0xd800,
                line: 2,
                offset: 6
            }
        );
        assert!(
            err.to_string().contains("unpaired surrogate 0xd800"),
            "{err}"
        );
        let err = decode(b"\xfe\xff\xdc\x00".to_vec()).unwrap_err();
        assert!(matches!(
            err,
            TextError::UnpairedSurrogate { unit: 0xdc00, .. }
        ));
        assert_eq!(
            decode(utf16le("{\"a\":\0}", true)),
            Err(TextError::Nul {
                line: 1,
                offset: 12
            })
        );
    }

    #[test]
    fn utf16_without_a_bom_is_named_with_the_fix() {
        let le = decode(utf16le(JSON, false)).unwrap_err();
        assert_eq!(
            le,
            TextError::Utf16WithoutBom {
                little_endian: true
            }
        );
        let message = le.to_string();
        assert!(message.contains("looks like UTF-16"), "{message}");
        assert!(message.contains("without a byte-order mark"), "{message}");
        assert!(message.contains("Out-File -Encoding utf8"), "{message}");
        assert_eq!(
            decode(utf16be(JSON, false)),
            Err(TextError::Utf16WithoutBom {
                little_endian: false
            })
        );
        // The first character is enough.
        assert_eq!(
            decode(b"{\0".to_vec()),
            Err(TextError::Utf16WithoutBom {
                little_endian: true
            })
        );
        // Even after a UTF-8 byte-order mark.
        let mut odd = UTF8_BOM.to_vec();
        odd.extend(utf16le("{}", false));
        assert_eq!(
            decode(odd),
            Err(TextError::Utf16WithoutBom {
                little_endian: true
            })
        );
    }

    #[test]
    fn nul_bytes_are_not_text() {
        assert_eq!(
            decode(b"{\n\"a\": 1\0}".to_vec()),
            Err(TextError::Nul { line: 2, offset: 8 })
        );
        // All NUL: not UTF-16, just not text.
        assert_eq!(
            decode(vec![0; 1000]),
            Err(TextError::Nul { line: 1, offset: 0 })
        );
        let mut bom = UTF8_BOM.to_vec();
        bom.extend(b"{}\0");
        assert_eq!(decode(bom), Err(TextError::Nul { line: 1, offset: 5 }));
        // A long text with one stray NUL is not UTF-16.
        let mut long = JSON.repeat(50).into_bytes();
        long.push(0);
        assert!(matches!(decode(long), Err(TextError::Nul { .. })));
    }

    #[test]
    fn invalid_utf8_gives_line_offset_and_the_fix() {
        let err = decode(b"{\n\"a\": \"\xe9\"}".to_vec()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 2: byte 0xe9 at offset 8 is not UTF-8: save the file as UTF-8"
        );
        // Offsets count the byte-order mark, as a hex editor shows the file.
        let mut bom = UTF8_BOM.to_vec();
        bom.extend(b"{\"a\": \"caf\xe9\"}");
        assert_eq!(
            decode(bom),
            Err(TextError::InvalidUtf8 {
                line: 1,
                offset: 13,
                byte: 0xe9
            })
        );
        // A sequence cut at the end.
        assert_eq!(
            decode(b"ab\xe2\x82".to_vec()),
            Err(TextError::InvalidUtf8 {
                line: 1,
                offset: 2,
                byte: 0xe2
            })
        );
    }

    #[test]
    fn utf32_is_named() {
        assert_eq!(
            decode(b"\xff\xfe\0\0{\0\0\0".to_vec()),
            Err(TextError::Utf32)
        );
        assert_eq!(
            decode(b"\0\0\xfe\xff\0\0\0{".to_vec()),
            Err(TextError::Utf32)
        );
    }

    #[test]
    fn every_message_is_lowercase_and_distinct() {
        let errors = [
            TextError::OddLength { bytes: 3 },
            TextError::UnpairedSurrogate {
                unit: 0xd800,
                line: 1,
                offset: 2,
            },
            TextError::InvalidUtf8 {
                line: 1,
                offset: 0,
                byte: 0xff,
            },
            TextError::Utf16WithoutBom {
                little_endian: true,
            },
            TextError::Utf32,
            TextError::Nul { line: 1, offset: 0 },
        ];
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        for (i, m) in messages.iter().enumerate() {
            assert!(m.starts_with(|c: char| c.is_lowercase()), "{m}");
            assert!(!messages[..i].contains(m), "{m}");
        }
    }
}
