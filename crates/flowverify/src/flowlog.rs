//! Azure flow logs, read as Azure stores them: NSG flow logs (category
//! `NetworkSecurityGroupFlowEvent`, `properties.Version` 1 or 2) and virtual network flow logs
//! (category `FlowLogFlowEvent`, `flowLogVersion` 4), one `PT1H.json` file, `{"records": [...]}`
//! (`docs/formats.md`, Flow logs).
//!
//! The reader streams: records and tuples are visited as serde reads them, and each tuple is
//! handed to the caller and forgotten, so memory does not grow with the number of tuples (a
//! record's `properties` or `flowRecords` is held as the borrowed text it is, never as a JSON
//! tree). A tuple that cannot be read is an error naming the file, the record and the tuple,
//! never skipped.
//!
//! Tuples:
//! - NSG version 2: `unixSeconds,srcIP,dstIP,srcPort,dstPort,T|U,I|O,A|D,B|C|E,pktsOut,bytesOut,
//!   pktsIn,bytesIn` (the counters are empty on `B`); version 1: the first 8 fields. The logged
//!   decision is `A` (allowed) or `D` (denied).
//! - VNet version 4: `timestamp,srcIP,dstIP,srcPort,dstPort,IANAprotocol,I|O,B|C|E|D,encryption,
//!   pktsOut,bytesOut,pktsIn,bytesIn`, the timestamp in seconds or milliseconds. State `D` is the
//!   denial; `B`, `C` and `E` are allowed flows.
//! - Direction `I`: the flow is inbound, the destination is the local side; `O`: outbound, the
//!   source is.
//!
//! What the logs do not say (each is repeated where it matters, in replay's notes):
//! - An NSG flow log logs a denied flow in the NSG that denied it, and an allowed flow only in
//!   the last NSG that processed it (Azure: "Traffic flows are logged against the network
//!   security group that's processed last"): replay the logs of every NSG of the target.
//! - Azure implements non-default NSG rules that affect inbound TCP flows statelessly: such
//!   flows never end in the log and carry no packet or byte counts.
//! - A VNet flow log denies some flows for encryption, not for a rule (rule `unspecified`,
//!   encryption `NX_SW_NOT_READY`, `NX_NOT_ACCEPTED` or `NX_NOT_SUPPORTED`): such a tuple is
//!   marked [`Tuple::encryption_drop`], and replay counts it as not verifiable.
//!
//! ```
//! use flowverify::flowlog::read_log;
//! let text = r#"{"records": [{"category": "NetworkSecurityGroupFlowEvent",
//!   "properties": {"Version": 2, "flows": [{"rule": "DefaultRule_DenyAllInBound",
//!     "flows": [{"mac": "000D3AF87856", "flowTuples": [
//!       "1542110402,192.0.2.190,10.5.16.4,28746,443,U,I,D,B,,,,"]}]}]}}]}"#;
//! let mut tuples = Vec::new();
//! let summary = read_log("PT1H.json", text, |t| tuples.push(*t)).unwrap();
//! assert_eq!(summary.tuples, 1);
//! let flow = tuples[0].flow().unwrap();
//! assert_eq!(flow.local().to_string(), "10.5.16.4:443"); // inbound: the destination
//! assert_eq!(flow.remote().to_string(), "192.0.2.190:28746");
//!
//! let bad = text.replace(",U,I,D,", ",U,X,D,");
//! assert_eq!(
//!     read_log("PT1H.json", &bad, |_| {}).unwrap_err().to_string(),
//!     "PT1H.json: records[0].properties.flows[0].flows[0].flowTuples[0]: tuple \
//!      '1542110402,192.0.2.190,10.5.16.4,28746,443,U,X,D,B,,,,': direction 'X' is not I \
//!      (inbound) or O (outbound)"
//! );
//! ```

use std::fmt;
use std::net::IpAddr;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;

use crate::error::{clip, InputError, Place};
use crate::flow::{Endpoint, Flow};
use crate::json_text::DuplicateKey;
use crate::model::{Direction, Protocol};
use crate::verdict::Decision;

/// The category of an NSG flow log record.
pub const NSG_CATEGORY: &str = "NetworkSecurityGroupFlowEvent";

/// The category of a virtual network flow log record.
pub const VNET_CATEGORY: &str = "FlowLogFlowEvent";

/// The kinds of flow log FlowVerify reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// NSG flow log, version 1: 8 fields per tuple, no flow state or counters.
    NsgV1,
    /// NSG flow log, version 2: 13 fields per tuple, with flow state and counters.
    NsgV2,
    /// Virtual network flow log, version 4: 13 fields, IANA protocol numbers, encryption.
    VnetV4,
}

impl Format {
    /// How many comma-separated fields a tuple of this format has.
    ///
    /// ```
    /// use flowverify::flowlog::Format;
    /// assert_eq!(Format::NsgV1.fields(), 8);
    /// assert_eq!(Format::VnetV4.fields(), 13);
    /// ```
    pub fn fields(self) -> usize {
        match self {
            Format::NsgV1 => 8,
            Format::NsgV2 | Format::VnetV4 => 13,
        }
    }

    /// The format in words, e.g. `NSG flow log version 2`.
    pub fn name(self) -> &'static str {
        match self {
            Format::NsgV1 => "NSG flow log version 1",
            Format::NsgV2 => "NSG flow log version 2",
            Format::VnetV4 => "VNet flow log version 4",
        }
    }

    /// The format's name with its article (`an NSG flow log version 2`, `a VNet flow log
    /// version 4`), as messages say it.
    fn with_article(self) -> &'static str {
        match self {
            Format::NsgV1 => "an NSG flow log version 1",
            Format::NsgV2 => "an NSG flow log version 2",
            Format::VnetV4 => "a VNet flow log version 4",
        }
    }

    /// The fields of a tuple of this format, as the message about a wrong field count shows them.
    fn layout(self) -> &'static str {
        match self {
            Format::NsgV1 => "timestamp,srcIP,dstIP,srcPort,dstPort,T|U,I|O,A|D",
            Format::NsgV2 => {
                "timestamp,srcIP,dstIP,srcPort,dstPort,T|U,I|O,A|D,B|C|E,pktsOut,bytesOut,pktsIn,bytesIn"
            }
            Format::VnetV4 => {
                "timestamp,srcIP,dstIP,srcPort,dstPort,protocol,I|O,B|C|E|D,encryption,pktsOut,bytesOut,pktsIn,bytesIn"
            }
        }
    }

    fn is_nsg(self) -> bool {
        matches!(self, Format::NsgV1 | Format::NsgV2)
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The protocol of an IANA protocol number, when FlowVerify verifies it: 6 Tcp, 17 Udp, 1 and
/// 58 Icmp, 50 Esp, 51 Ah.
///
/// ```
/// use flowverify::flowlog::protocol_of;
/// use flowverify::model::Protocol;
/// assert_eq!(protocol_of(58), Some(Protocol::Icmp));
/// assert_eq!(protocol_of(47), None); // GRE
/// ```
pub fn protocol_of(number: u8) -> Option<Protocol> {
    match number {
        6 => Some(Protocol::Tcp),
        17 => Some(Protocol::Udp),
        1 | 58 => Some(Protocol::Icmp),
        50 => Some(Protocol::Esp),
        51 => Some(Protocol::Ah),
        _ => None,
    }
}

/// One flow tuple of a flow log, read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tuple {
    /// The timestamp as logged (seconds, or milliseconds in VNet flow logs).
    pub timestamp: u64,
    /// The source address.
    pub source: IpAddr,
    /// The destination address.
    pub destination: IpAddr,
    /// The source port as logged.
    pub source_port: u16,
    /// The destination port as logged.
    pub destination_port: u16,
    /// The IANA protocol number (NSG flow logs: `T` is 6, `U` is 17).
    pub protocol: u8,
    /// Inbound (`I`) or outbound (`O`).
    pub direction: Direction,
    /// What Azure decided: allowed or denied.
    pub decision: Decision,
    /// A VNet flow log's denial for encryption, not for a rule (state `D` with encryption
    /// `NX_SW_NOT_READY`, `NX_NOT_ACCEPTED` or `NX_NOT_SUPPORTED`).
    pub encryption_drop: bool,
    /// Packets, both ways (`pktsOut + pktsIn`; 0 where not logged).
    pub packets: u64,
    /// Bytes, both ways (`bytesOut + bytesIn`; 0 where not logged).
    pub bytes: u64,
}

impl Tuple {
    /// The flow of the tuple as FlowVerify verifies it, or `None` for a protocol it does not
    /// verify ([`protocol_of`]). Inbound, the local side is the destination; outbound, the
    /// source. Icmp, Esp and Ah flows have no ports.
    ///
    /// ```
    /// use flowverify::flowlog::{parse_tuple, Format};
    /// let t = parse_tuple(Format::VnetV4, "1663146003599,10.0.0.6,52.239.184.180,23956,443,6,O,B,NX,,,,").unwrap();
    /// let flow = t.flow().unwrap();
    /// assert_eq!(flow.local().to_string(), "10.0.0.6:23956");
    /// let icmp = parse_tuple(Format::VnetV4, "1663146003599,10.0.0.6,52.239.184.180,0,0,1,O,D,NX,,,,").unwrap();
    /// assert_eq!(icmp.flow().unwrap().remote().to_string(), "52.239.184.180");
    /// ```
    pub fn flow(&self) -> Option<Flow> {
        let protocol = protocol_of(self.protocol)?;
        let end = |ip, port| Endpoint::new(ip, protocol.has_ports().then_some(port));
        let source = end(self.source, self.source_port);
        let destination = end(self.destination, self.destination_port);
        let (local, remote) = match self.direction {
            Direction::Inbound => (destination, source),
            Direction::Outbound => (source, destination),
        };
        Flow::new(self.direction, protocol, local, remote).ok()
    }
}

/// Reads one flow tuple of `format`. The error says which field is wrong and quotes it (the
/// caller names the file, record and tuple).
///
/// Counters may be empty (as on state `B`): they count 0. Ports may be empty for a protocol
/// without ports.
///
/// ```
/// use flowverify::flowlog::{parse_tuple, Format};
/// use flowverify::Decision;
/// let t = parse_tuple(Format::NsgV2, "1542110379,10.5.16.4,203.0.113.115,44931,443,T,O,A,C,30,16978,24,14008").unwrap();
/// assert_eq!((t.protocol, t.decision, t.packets, t.bytes), (6, Decision::Allow, 54, 30986));
/// assert_eq!(
///     parse_tuple(Format::NsgV1, "1487282421,192.0.2.95,10.1.0.4,51529,5358,T,I").unwrap_err(),
///     "the tuple has 7 comma-separated fields; an NSG flow log version 1 tuple has 8: \
///      timestamp,srcIP,dstIP,srcPort,dstPort,T|U,I|O,A|D"
/// );
/// ```
pub fn parse_tuple(format: Format, text: &str) -> Result<Tuple, String> {
    let mut fields = [""; 13];
    let mut count = 0;
    for field in text.split(',') {
        if count < fields.len() {
            fields[count] = field;
        }
        count += 1;
    }
    if count != format.fields() {
        return Err(format!(
            "the tuple has {count} comma-separated fields; {} tuple has {}: {}",
            format.with_article(),
            format.fields(),
            format.layout()
        ));
    }
    let timestamp = number::<u64>(fields[0]).ok_or_else(|| {
        quoted(
            "timestamp",
            fields[0],
            "is not a number (seconds since 1970)",
        )
    })?;
    let address = |which: &str, text: &str| {
        text.parse::<IpAddr>()
            .map_err(|_| quoted(which, text, "is not an IP address"))
    };
    let source = address("source IP", fields[1])?;
    let destination = address("destination IP", fields[2])?;
    if source.is_ipv4() != destination.is_ipv4() {
        return Err(format!(
            "source {source} and destination {destination} are of different address families"
        ));
    }
    let protocol = if format.is_nsg() {
        match fields[5] {
            "T" | "t" => 6,
            "U" | "u" => 17,
            other => return Err(quoted("protocol", other, "is not T (Tcp) or U (Udp)")),
        }
    } else {
        number::<u8>(fields[5]).ok_or_else(|| {
            quoted(
                "protocol",
                fields[5],
                "is not an IANA protocol number (0 to 255)",
            )
        })?
    };
    let portless = protocol_of(protocol).is_some_and(|p| !p.has_ports());
    let port = |which: &str, text: &str| -> Result<u16, String> {
        if text.is_empty() && portless {
            return Ok(0);
        }
        number::<u16>(text).ok_or_else(|| quoted(which, text, "is not a number from 0 to 65535"))
    };
    let source_port = port("source port", fields[3])?;
    let destination_port = port("destination port", fields[4])?;
    let direction = match fields[6] {
        "I" | "i" => Direction::Inbound,
        "O" | "o" => Direction::Outbound,
        other => {
            return Err(quoted(
                "direction",
                other,
                "is not I (inbound) or O (outbound)",
            ))
        }
    };
    let mut encryption_drop = false;
    let decision = match format {
        Format::NsgV1 | Format::NsgV2 => {
            let decision = match fields[7] {
                "A" | "a" => Decision::Allow,
                "D" | "d" => Decision::Deny,
                other => {
                    return Err(quoted(
                        "decision",
                        other,
                        "is not A (allowed) or D (denied)",
                    ))
                }
            };
            if format == Format::NsgV2 && !matches!(fields[8], "B" | "C" | "E" | "b" | "c" | "e") {
                return Err(quoted(
                    "flow state",
                    fields[8],
                    "is not B (begin), C (continuing) or E (end)",
                ));
            }
            decision
        }
        Format::VnetV4 => match fields[7] {
            "B" | "C" | "E" | "b" | "c" | "e" => Decision::Allow,
            "D" | "d" => {
                encryption_drop = matches!(
                    fields[8],
                    "NX_SW_NOT_READY" | "NX_NOT_ACCEPTED" | "NX_NOT_SUPPORTED"
                );
                Decision::Deny
            }
            other => {
                return Err(quoted(
                    "flow state",
                    other,
                    "is not B (begin), C (continuing), E (end) or D (denied)",
                ))
            }
        },
    };
    let (mut packets, mut bytes) = (0u64, 0u64);
    if format.fields() == 13 {
        let names = [
            "packets sent",
            "bytes sent",
            "packets received",
            "bytes received",
        ];
        for (i, name) in names.iter().enumerate() {
            let text = fields[9 + i];
            let value = if text.is_empty() {
                0
            } else {
                number::<u64>(text).ok_or_else(|| quoted(name, text, "is not a number"))?
            };
            if i % 2 == 0 {
                packets = packets.saturating_add(value);
            } else {
                bytes = bytes.saturating_add(value);
            }
        }
    }
    Ok(Tuple {
        timestamp,
        source,
        destination,
        source_port,
        destination_port,
        protocol,
        direction,
        decision,
        encryption_drop,
        packets,
        bytes,
    })
}

/// A decimal number of digits only (no sign, no spaces).
fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn quoted(what: &str, value: &str, problem: &str) -> String {
    format!("{what} '{}' {problem}", clip(value))
}

/// What one flow log file held.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LogSummary {
    /// Records read.
    pub records: u64,
    /// Of them, NSG flow log records.
    pub nsg_records: u64,
    /// Of them, VNet flow log records.
    pub vnet_records: u64,
    /// Tuples read.
    pub tuples: u64,
}

impl LogSummary {
    /// Adds another file's counts.
    pub fn add(&mut self, other: &LogSummary) {
        self.records += other.records;
        self.nsg_records += other.nsg_records;
        self.vnet_records += other.vnet_records;
        self.tuples += other.tuples;
    }
}

/// Reads one flow log file (`{"records": [...]}`, as Azure stores `PT1H.json`) named `name`,
/// handing each tuple to `each` as it is read. Records of NSG flow logs (versions 1 and 2) and
/// VNet flow logs (version 4) may be mixed. A byte-order mark is ignored; properties of the
/// records that FlowVerify does not need are ignored, in any case.
///
/// Errors name the file and the place: the line and column of a JSON syntax error, or the path
/// of the record or tuple (`records[3].properties.flows[0].flows[0].flowTuples[7]`) with the
/// tuple quoted. Tuples before the error have been handed to `each`.
///
/// ```
/// use flowverify::flowlog::read_log;
/// let err = read_log("PT1H.json", r#"{"records": [{"category": "Audit"}]}"#, |_| {}).unwrap_err();
/// assert_eq!(err.to_string(), "PT1H.json: records[0].category: category 'Audit' is not \
///     NetworkSecurityGroupFlowEvent (NSG flow log) or FlowLogFlowEvent (VNet flow log)");
/// ```
pub fn read_log(
    name: &str,
    text: &str,
    mut each: impl FnMut(&Tuple),
) -> Result<LogSummary, InputError> {
    read_log_with(name, text, |t| {
        each(t);
        Ok(())
    })
}

/// As [`read_log`], but `each` may stop the reading: its message becomes the error, placed at
/// the tuple (`PT1H.json: records[3].properties.flows[0].flows[0].flowTuples[7]: MESSAGE`).
///
/// ```
/// use flowverify::flowlog::read_log_with;
/// let text = r#"{"records": [{"category": "NetworkSecurityGroupFlowEvent", "properties": {
///   "Version": 1, "flows": [{"flows": [{"flowTuples": ["1,10.0.0.1,10.0.0.2,1,2,T,I,A"]}]}]}}]}"#;
/// let err = read_log_with("PT1H.json", text, |_| Err("enough".into())).unwrap_err();
/// assert_eq!(err.to_string(), "PT1H.json: records[0].properties.flows[0].flows[0].flowTuples[0]: enough");
/// ```
pub fn read_log_with(
    name: &str,
    text: &str,
    mut each: impl FnMut(&Tuple) -> Result<(), String>,
) -> Result<LogSummary, InputError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.trim().is_empty() {
        return Err(InputError::whole(
            name,
            "the flow log is empty: expected {\"records\": [...]} as Azure stores PT1H.json",
        ));
    }
    let mut ctx = Ctx {
        name,
        text,
        each: &mut each,
        error: None,
        duplicate: None,
        summary: LogSummary::default(),
    };
    let mut de = serde_json::Deserializer::from_str(text);
    let result = DocumentSeed { ctx: &mut ctx }
        .deserialize(&mut de)
        .and_then(|()| de.end());
    match (result, ctx.error, ctx.duplicate) {
        (Ok(()), _, _) => Ok(ctx.summary),
        (Err(_), Some(error), _) => Err(error),
        (Err(err), None, Some(key)) => Err(duplicate_error(name, &key, &err, (1, 1))),
        (Err(err), None, None) => Err(syntax_error(name, text, &err, (1, 1))),
    }
}

/// The state of one file's reading.
struct Ctx<'a, 'f> {
    name: &'a str,
    /// The whole text (where borrowed raw values point into).
    text: &'a str,
    each: &'f mut dyn FnMut(&Tuple) -> Result<(), String>,
    /// The error, when reading stopped for one of ours (serde carries only a marker).
    error: Option<InputError>,
    /// A key given twice, when reading stopped for it: placed at the line and column serde
    /// gives the error (of the second key) once it reaches the top or [`Ctx::within`].
    duplicate: Option<DuplicateKey>,
    summary: LogSummary,
}

impl Ctx<'_, '_> {
    /// Records `message` at `path` and gives serde the marker error that stops reading.
    fn fail<E: de::Error>(&mut self, path: String, message: String) -> E {
        if self.error.is_none() {
            self.error = Some(InputError::at(self.name, path, message));
        }
        E::custom("stopped")
    }

    /// Records that the object at `path` has the key `first` again as `second`, and gives serde
    /// the marker error that stops reading (serde adds the place).
    fn twice<E: de::Error>(&mut self, path: String, (first, second): (String, String)) -> E {
        if self.error.is_none() && self.duplicate.is_none() {
            self.duplicate = Some(DuplicateKey {
                path,
                first,
                second,
            });
        }
        E::custom("duplicate key")
    }

    /// Reads a borrowed raw value (a record's `properties` or `flowRecords`) with `seed`; a
    /// serde error is placed at its line and column in the whole text.
    fn within<'de, E: de::Error>(
        &mut self,
        raw: &'de RawValue,
        read: impl FnOnce(
            &mut Self,
            &mut serde_json::Deserializer<serde_json::de::StrRead<'de>>,
        ) -> serde_json::Result<()>,
    ) -> Result<(), E> {
        let inner = raw.get();
        let mut de = serde_json::Deserializer::from_str(inner);
        let result = read(self, &mut de);
        match result {
            Ok(()) => Ok(()),
            Err(err) => {
                if self.error.is_none() {
                    let start = (inner.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
                    let start = if start <= self.text.len() { start } else { 0 };
                    let before = &self.text[..start];
                    let line = before.matches('\n').count() + 1;
                    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
                    self.error = Some(match self.duplicate.take() {
                        Some(key) => duplicate_error(self.name, &key, &err, (line, column)),
                        None => syntax_error(self.name, inner, &err, (line, column)),
                    });
                }
                Err(E::custom("stopped"))
            }
        }
    }
}

/// A serde error as an input error: its line and column (shifted to where `text` starts in the
/// file, `at`), in lowercase words.
fn syntax_error(name: &str, text: &str, err: &serde_json::Error, at: (usize, usize)) -> InputError {
    let (mut line, mut column) = (err.line().max(1), err.column());
    if column == 0 && line > 1 {
        line -= 1;
        column = text
            .lines()
            .nth(line - 1)
            .map_or(1, |l| l.chars().count() + 1);
    }
    let (line, column) = shifted(at, line, column.max(1));
    let mut message = err.to_string();
    if let Some(cut) = message.rfind(" at line ") {
        message.truncate(cut);
    }
    let message = if let Some(rest) = message.strip_prefix("EOF") {
        format!("the text ends too early{rest}")
    } else {
        let mut chars = message.chars();
        match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => "invalid JSON".to_string(),
        }
    };
    InputError::new(name, Place::LineColumn { line, column }, message)
}

/// A line and column of a text that starts at `at` (1-based) in the file, placed in the file.
fn shifted(at: (usize, usize), line: usize, column: usize) -> (usize, usize) {
    if line <= 1 {
        (at.0, at.1 + column.max(1) - 1)
    } else {
        (at.0 + line - 1, column)
    }
}

/// A key given twice, as every input's reader says it ([`DuplicateKey::message`]), at the line
/// and column serde gives (after the second key) in a text that starts at `at` in the file.
fn duplicate_error(
    name: &str,
    key: &DuplicateKey,
    err: &serde_json::Error,
    at: (usize, usize),
) -> InputError {
    let (line, column) = shifted(at, err.line(), err.column());
    InputError::new(name, Place::LineColumn { line, column }, key.message())
}

/// The keys of one object read so far: a key given twice (also in another case) is refused in
/// a flow log as in every other input. A small object is searched; a large one keeps its keys
/// in lowercase in a sorted set too (whose cost does not depend on which keys a file holds).
#[derive(Default)]
struct Keys {
    names: Vec<String>,
    lower: Option<std::collections::BTreeSet<String>>,
}

impl Keys {
    /// Adds `key`; when the object has it already, its first spelling instead.
    fn add(&mut self, key: &str) -> Option<String> {
        const LINEAR: usize = 16;
        let twin = |names: &[String]| {
            names
                .iter()
                .find(|n| n.len() == key.len() && n.eq_ignore_ascii_case(key))
                .cloned()
        };
        if self.names.len() < LINEAR {
            if let Some(first) = twin(&self.names) {
                return Some(first);
            }
        } else {
            let names = &self.names;
            let lower = self
                .lower
                .get_or_insert_with(|| names.iter().map(|n| n.to_ascii_lowercase()).collect());
            if !lower.insert(key.to_ascii_lowercase()) {
                return twin(&self.names);
            }
        }
        self.names.push(key.to_string());
        None
    }

    /// The key added last.
    fn last(&self) -> &str {
        self.names.last().map_or("", String::as_str)
    }
}

/// A property name read: its index in the names sought (matched in any case), and when the
/// object has it already, its first and second spellings.
struct Key {
    index: Option<usize>,
    twin: Option<(String, String)>,
}

/// A property name, matched in any case against `names` and added to the object's `keys`.
struct KeySeed<'k> {
    names: &'static [&'static str],
    keys: &'k mut Keys,
}

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = Key;
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Key, D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for KeySeed<'_> {
    type Value = Key;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a property name")
    }
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Key, E> {
        Ok(Key {
            index: self.names.iter().position(|n| n.eq_ignore_ascii_case(key)),
            twin: self.keys.add(key).map(|first| (first, key.to_string())),
        })
    }
}

/// `path.key`, or `key` at the top.
fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_string()
    } else {
        format!("{path}.{key}")
    }
}

/// A value FlowVerify does not need (a record's `time`, a group's `mac`, ...): skipped, but its
/// objects are checked for keys given twice like the rest. `path` gives the value's path,
/// computed only for an object or a list.
struct Ignored<'c, 'a, 'f, 'p> {
    ctx: &'c mut Ctx<'a, 'f>,
    path: &'p dyn Fn() -> String,
}

impl<'de> DeserializeSeed<'de> for Ignored<'_, '_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Ignored<'_, '_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E: de::Error>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let here = (self.path)();
        let mut keys = Keys::default();
        while let Some(key) = map.next_key_seed(KeySeed {
            names: &[],
            keys: &mut keys,
        })? {
            if let Some(twin) = key.twin {
                return Err(self.ctx.twice(here, twin));
            }
            let name = keys.last();
            map.next_value_seed(Ignored {
                ctx: &mut *self.ctx,
                path: &|| join(&here, name),
            })?;
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let here = (self.path)();
        let mut i = 0usize;
        while seq
            .next_element_seed(Ignored {
                ctx: &mut *self.ctx,
                path: &|| format!("{here}[{i}]"),
            })?
            .is_some()
        {
            i += 1;
        }
        Ok(())
    }
}

/// The file: `{"records": [...]}`.
struct DocumentSeed<'c, 'a, 'f> {
    ctx: &'c mut Ctx<'a, 'f>,
}

impl<'de> DeserializeSeed<'de> for DocumentSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for DocumentSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an Azure flow log: {\"records\": [...]}")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = false;
        let mut keys = Keys::default();
        while let Some(key) = map.next_key_seed(KeySeed {
            names: &["records"],
            keys: &mut keys,
        })? {
            if let Some(twin) = key.twin {
                return Err(self.ctx.twice(String::new(), twin));
            }
            if key.index.is_some() {
                seen = true;
                map.next_value_seed(RecordsSeed {
                    ctx: &mut *self.ctx,
                })?;
            } else {
                let name = keys.last();
                map.next_value_seed(Ignored {
                    ctx: &mut *self.ctx,
                    path: &|| name.to_string(),
                })?;
            }
        }
        if !seen {
            return Err(de::Error::custom(
                "the file has no 'records' list: an Azure flow log (PT1H.json) is {\"records\": [...]}",
            ));
        }
        Ok(())
    }
}

/// The list of records.
struct RecordsSeed<'c, 'a, 'f> {
    ctx: &'c mut Ctx<'a, 'f>,
}

impl<'de> DeserializeSeed<'de> for RecordsSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for RecordsSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of flow log records")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        while seq
            .next_element_seed(RecordSeed {
                ctx: &mut *self.ctx,
                index,
            })?
            .is_some()
        {
            index += 1;
        }
        Ok(())
    }
}

/// One record: its category and version say how to read its flows, which it holds as raw
/// text until the record ends (the properties may come in any order).
struct RecordSeed<'c, 'a, 'f> {
    ctx: &'c mut Ctx<'a, 'f>,
    index: usize,
}

impl<'de> DeserializeSeed<'de> for RecordSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

const RECORD_KEYS: &[&str] = &["category", "properties", "flowRecords", "flowLogVersion"];

impl<'de> Visitor<'de> for RecordSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a flow log record (an object)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let r = self.index;
        let mut category: Option<String> = None;
        let mut properties: Option<&'de RawValue> = None;
        let mut flow_records: Option<&'de RawValue> = None;
        let mut version: Option<u64> = None;
        let mut keys = Keys::default();
        while let Some(key) = map.next_key_seed(KeySeed {
            names: RECORD_KEYS,
            keys: &mut keys,
        })? {
            if let Some(twin) = key.twin {
                return Err(self.ctx.twice(format!("records[{r}]"), twin));
            }
            let Some(k) = key.index else {
                let name = keys.last();
                map.next_value_seed(Ignored {
                    ctx: &mut *self.ctx,
                    path: &|| format!("records[{r}].{name}"),
                })?;
                continue;
            };
            match k {
                0 => category = Some(map.next_value()?),
                1 => properties = Some(map.next_value()?),
                2 => flow_records = Some(map.next_value()?),
                _ => version = Some(map.next_value()?),
            }
        }
        let ctx = self.ctx;
        let Some(category) = category else {
            return Err(ctx.fail(
                format!("records[{r}]"),
                format!("the record has no 'category': expected {NSG_CATEGORY} (NSG flow log) or {VNET_CATEGORY} (VNet flow log)"),
            ));
        };
        if category.eq_ignore_ascii_case(NSG_CATEGORY) {
            let Some(raw) = properties else {
                return Err(ctx.fail(
                    format!("records[{r}]"),
                    "the NSG flow log record has no 'properties'".into(),
                ));
            };
            ctx.within(raw, |ctx, de| {
                PropertiesSeed { ctx, record: r }.deserialize(de)
            })?;
            if let Some(raw) = flow_records {
                ctx.within(raw, |ctx, de| {
                    Ignored {
                        ctx,
                        path: &|| format!("records[{r}].flowRecords"),
                    }
                    .deserialize(de)
                })?;
            }
            ctx.summary.nsg_records += 1;
        } else if category.eq_ignore_ascii_case(VNET_CATEGORY) {
            match version {
                Some(4) => {}
                Some(v) => {
                    return Err(ctx.fail(
                        format!("records[{r}].flowLogVersion"),
                        format!("flowLogVersion {v} is not supported: FlowVerify reads VNet flow logs of version 4"),
                    ))
                }
                None => {
                    return Err(ctx.fail(
                        format!("records[{r}]"),
                        "the VNet flow log record has no 'flowLogVersion' (4 expected)".into(),
                    ))
                }
            }
            if let Some(raw) = properties {
                ctx.within(raw, |ctx, de| {
                    Ignored {
                        ctx,
                        path: &|| format!("records[{r}].properties"),
                    }
                    .deserialize(de)
                })?;
            }
            if let Some(raw) = flow_records {
                ctx.within(raw, |ctx, de| {
                    ListSeed {
                        ctx,
                        format: Format::VnetV4,
                        at: [r, 0, 0, 0],
                        depth: 1,
                    }
                    .deserialize(de)
                })?;
            }
            ctx.summary.vnet_records += 1;
        } else {
            return Err(ctx.fail(
                format!("records[{r}].category"),
                format!(
                    "category '{}' is not {NSG_CATEGORY} (NSG flow log) or {VNET_CATEGORY} (VNet flow log)",
                    clip(&category)
                ),
            ));
        }
        ctx.summary.records += 1;
        Ok(())
    }
}

/// An NSG record's `properties`: `Version` and `flows` (held raw until the version is known).
struct PropertiesSeed<'c, 'a, 'f> {
    ctx: &'c mut Ctx<'a, 'f>,
    record: usize,
}

impl<'de> DeserializeSeed<'de> for PropertiesSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for PropertiesSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the properties of an NSG flow log record (an object)")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let r = self.record;
        let mut version: Option<u64> = None;
        let mut flows: Option<&'de RawValue> = None;
        let mut keys = Keys::default();
        while let Some(key) = map.next_key_seed(KeySeed {
            names: &["Version", "flows"],
            keys: &mut keys,
        })? {
            if let Some(twin) = key.twin {
                return Err(self.ctx.twice(format!("records[{r}].properties"), twin));
            }
            let Some(k) = key.index else {
                let name = keys.last();
                map.next_value_seed(Ignored {
                    ctx: &mut *self.ctx,
                    path: &|| format!("records[{r}].properties.{name}"),
                })?;
                continue;
            };
            if k == 0 {
                version = Some(map.next_value()?);
            } else {
                flows = Some(map.next_value()?);
            }
        }
        let ctx = self.ctx;
        let format = match version {
            Some(1) => Format::NsgV1,
            Some(2) => Format::NsgV2,
            Some(v) => {
                return Err(ctx.fail(
                    format!("records[{r}].properties.Version"),
                    format!(
                    "NSG flow log version {v} is not supported: FlowVerify reads versions 1 and 2"
                ),
                ))
            }
            None => {
                return Err(ctx.fail(
                    format!("records[{r}].properties"),
                    "the NSG flow log record has no 'Version' (1 or 2 expected)".into(),
                ))
            }
        };
        if let Some(raw) = flows {
            ctx.within(raw, |ctx, de| {
                ListSeed {
                    ctx,
                    format,
                    at: [r, 0, 0, 0],
                    depth: 1,
                }
                .deserialize(de)
            })?;
        }
        Ok(())
    }
}

/// A list in a record: depth 1 the rules (NSG `properties.flows`) or access control lists (VNet
/// `flowRecords.flows`), depth 2 the MACs (NSG `flows`) or rule groups (VNet `flowGroups`),
/// depth 3 the tuples. A VNet record's `flowRecords` itself is read at depth 1 as an object
/// holding `flows`.
struct ListSeed<'c, 'a, 'f> {
    ctx: &'c mut Ctx<'a, 'f>,
    format: Format,
    /// Record, depth-1, depth-2 and tuple indices.
    at: [usize; 4],
    depth: usize,
}

impl ListSeed<'_, '_, '_> {
    /// The path of the element at `self.at`, up to this depth.
    fn path(&self, depth: usize) -> String {
        list_path(self.format, self.at, depth)
    }
}

/// The path of the element at `at` (record, depth-1, depth-2 and tuple indices) of a record of
/// `format`, up to `depth`.
fn list_path(format: Format, at: [usize; 4], depth: usize) -> String {
    let [r, a, b, t] = at;
    let (first, second) = match format {
        Format::NsgV1 | Format::NsgV2 => ("properties.flows", "flows"),
        Format::VnetV4 => ("flowRecords.flows", "flowGroups"),
    };
    match depth {
        1 => format!("records[{r}].{first}[{a}]"),
        2 => format!("records[{r}].{first}[{a}].{second}[{b}]"),
        _ => format!("records[{r}].{first}[{a}].{second}[{b}].flowTuples[{t}]"),
    }
}

impl<'de> DeserializeSeed<'de> for ListSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ListSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self.depth {
            3 => "a list of flow tuples (strings)",
            _ => "a list of objects",
        })
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }
    /// A VNet record's `flowRecords`: `{"flows": [...]}`.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        if self.format != Format::VnetV4 || self.depth != 1 {
            return Err(de::Error::invalid_type(de::Unexpected::Map, &self));
        }
        let r = self.at[0];
        let mut keys = Keys::default();
        while let Some(key) = map.next_key_seed(KeySeed {
            names: &["flows"],
            keys: &mut keys,
        })? {
            if let Some(twin) = key.twin {
                return Err(self.ctx.twice(format!("records[{r}].flowRecords"), twin));
            }
            if key.index.is_none() {
                let name = keys.last();
                map.next_value_seed(Ignored {
                    ctx: &mut *self.ctx,
                    path: &|| format!("records[{r}].flowRecords.{name}"),
                })?;
                continue;
            }
            map.next_value_seed(ListSeed {
                ctx: &mut *self.ctx,
                ..self
            })?;
        }
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut at = self.at;
        let depth = self.depth;
        let slot = depth.min(3);
        loop {
            let more = if depth == 3 {
                seq.next_element_seed(TupleSeed {
                    list: ListSeed {
                        ctx: &mut *self.ctx,
                        format: self.format,
                        at,
                        depth,
                    },
                })?
            } else {
                seq.next_element_seed(GroupSeed {
                    list: ListSeed {
                        ctx: &mut *self.ctx,
                        format: self.format,
                        at,
                        depth,
                    },
                })?
            };
            if more.is_none() {
                return Ok(());
            }
            at[slot] += 1;
        }
    }
}

/// An element of a depth-1 or depth-2 list: an object holding the next list (`flows`,
/// `flowGroups` or `flowTuples`).
struct GroupSeed<'c, 'a, 'f> {
    list: ListSeed<'c, 'a, 'f>,
}

impl<'de> DeserializeSeed<'de> for GroupSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for GroupSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let list = self.list;
        let child: &'static [&'static str] = match (list.format, list.depth) {
            (Format::VnetV4, 1) => &["flowGroups"],
            (_, 1) => &["flows"],
            _ => &["flowTuples"],
        };
        let mut keys = Keys::default();
        while let Some(key) = map.next_key_seed(KeySeed {
            names: child,
            keys: &mut keys,
        })? {
            if let Some(twin) = key.twin {
                let path = list.path(list.depth);
                return Err(list.ctx.twice(path, twin));
            }
            if key.index.is_none() {
                let name = keys.last();
                let (format, at, depth) = (list.format, list.at, list.depth);
                let here = || join(&list_path(format, at, depth), name);
                map.next_value_seed(Ignored {
                    ctx: &mut *list.ctx,
                    path: &here,
                })?;
                continue;
            }
            map.next_value_seed(ListSeed {
                ctx: &mut *list.ctx,
                format: list.format,
                at: list.at,
                depth: list.depth + 1,
            })?;
        }
        Ok(())
    }
}

/// One tuple string: read, handed to the caller, forgotten.
struct TupleSeed<'c, 'a, 'f> {
    list: ListSeed<'c, 'a, 'f>,
}

impl<'de> DeserializeSeed<'de> for TupleSeed<'_, '_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl Visitor<'_> for TupleSeed<'_, '_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a flow tuple (a string)")
    }
    fn visit_str<E: de::Error>(self, text: &str) -> Result<(), E> {
        let list = self.list;
        match parse_tuple(list.format, text) {
            Ok(tuple) => {
                list.ctx.summary.tuples += 1;
                match (list.ctx.each)(&tuple) {
                    Ok(()) => Ok(()),
                    Err(message) => {
                        let path = list.path(3);
                        Err(list.ctx.fail(path, message))
                    }
                }
            }
            Err(message) => {
                let path = list.path(3);
                Err(list
                    .ctx
                    .fail(path, format!("tuple '{}': {message}", clip(text))))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_type_error_inside_a_record_is_placed_in_the_whole_file() {
        let text = "{\"records\": [\n {\"category\": \"NetworkSecurityGroupFlowEvent\",\n  \"properties\": {\"Version\": 2, \"flows\": [{\"flows\": [{\"flowTuples\": [5]}]}]}}]}";
        let err = read_log("f.json", text, |_| {}).unwrap_err();
        assert_eq!(
            err.to_string(),
            "f.json: line 3, column 69: invalid type: integer `5`, expected a flow tuple (a string)"
        );
    }

    #[test]
    fn properties_in_any_order_and_case() {
        let text = r#"{"records": [{"PROPERTIES": {"flows": [{"flows": [{"flowTuples": [
            "1,10.0.0.1,10.0.0.2,1,2,T,I,A"]}]}], "version": 1}, "Category": "networksecuritygroupflowevent"}]}"#;
        let mut n = 0;
        let summary = read_log("f.json", text, |_| n += 1).unwrap();
        assert_eq!((n, summary.records, summary.nsg_records), (1, 1, 1));
    }
}
