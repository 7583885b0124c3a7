//! The page's glue over the engine: import each slot on its own (so one bad slot does not hide
//! the others), assemble the inputs, verify every flow of the list, and describe the path a
//! packet takes through the layers. No evaluation logic lives here: verdicts come from
//! [`flowverify::verify`].

use std::net::IpAddr;
use std::sync::Arc;

use flowverify::error::Place;
use flowverify::flow::FlowField;
use flowverify::import::{import, Document};
use flowverify::model::Direction;
use flowverify::scenario::{parse_cidr, parse_ip, FlowSpec, Outcome, Tally};
use flowverify::verdict::{LayerOutcome, Step};
use flowverify::{verify_with, Decision, Flow, InputError, Inputs, Layer, Options, Verdict};
use ipnet::IpNet;

use crate::workbench::{asg_lines, split_list, DocSlot, FlowRow};

/// Imports the text of `slot`: `Ok(None)` when it is empty.
///
/// ```
/// use flowverify_web::evaluation::import_slot;
/// use flowverify_web::workbench::DocSlot;
/// assert!(import_slot(DocSlot::SubnetNsg, "  \n").unwrap().is_none());
/// let err = import_slot(DocSlot::SubnetNsg, "{\n  \"name\": \"x\",\n}").unwrap_err();
/// assert!(err.to_string().starts_with("subnetNsg: line 3, column 1"));
/// ```
pub fn import_slot(slot: DocSlot, text: &str) -> Result<Option<Document>, InputError> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    import(&slot.key(), text).map(Some)
}

/// The text of a file chosen or dropped on a slot, from its bytes: UTF-8 (with or without a
/// byte-order mark) or UTF-16 with one, as [`flowverify::text::decode`] reads them for the
/// command line too. An error names the file and says what is wrong with its encoding (the
/// slot then keeps the text it had).
///
/// ```
/// use flowverify_web::evaluation::decode_file;
/// // Windows PowerShell 5.1 writes UTF-16 LE with a byte-order mark.
/// assert_eq!(decode_file("nsg.json", b"\xff\xfe{\0}\0".to_vec()).unwrap(), "{}");
/// let err = decode_file("nsg.json", b"{\0}\0".to_vec()).unwrap_err();
/// assert!(err.starts_with("nsg.json was not loaded: the text looks like UTF-16"), "{err}");
/// ```
pub fn decode_file(name: &str, bytes: Vec<u8>) -> Result<String, String> {
    flowverify::text::decode(bytes).map_err(|e| not_loaded(name, &e.to_string()))
}

/// The message for a file that was not put in its slot.
pub fn not_loaded(name: &str, why: &str) -> String {
    format!("{name} was not loaded: {why}")
}

/// Whether a file of `size` bytes is too large to read (more than
/// [`flowverify::text::MAX_INPUT_BYTES`], as the command line refuses), and the message.
///
/// ```
/// use flowverify_web::evaluation::file_too_large;
/// assert!(file_too_large("nsg.json", 1e6).is_none());
/// let m = file_too_large("big.json", 3e9).unwrap();
/// assert!(m.contains("2861 MiB") && m.contains("256 MiB"), "{m}");
/// ```
pub fn file_too_large(name: &str, size: f64) -> Option<String> {
    let limit = flowverify::text::MAX_INPUT_BYTES as f64;
    (size > limit).then(|| {
        // Whole MiB as an integer: formatting an f64 would bring the float printer (about
        // 11 KB of code) into the page's first download for this one message.
        let mib = |b: f64| (b / (1024.0 * 1024.0)).round() as u64;
        not_loaded(
            name,
            &format!(
                "it is {} MiB, more than the {} MiB FlowVerify reads",
                mib(size),
                mib(limit)
            ),
        )
    })
}

/// The virtual network prefixes typed (one per line, or separated by commas or spaces).
///
/// ```
/// use flowverify_web::evaluation::parse_virtual_network;
/// assert_eq!(parse_virtual_network("10.0.0.0/16\n10.1.0.0/16").unwrap().len(), 2);
/// assert!(parse_virtual_network("10.0.0.0/33").unwrap_err().contains("'10.0.0.0/33'"));
/// ```
pub fn parse_virtual_network(text: &str) -> Result<Vec<IpNet>, String> {
    split_list(text).iter().map(|p| parse_cidr(p)).collect()
}

/// The ASG membership typed, one `name = IP, IP` per line.
///
/// ```
/// use flowverify_web::evaluation::parse_asgs;
/// let asgs = parse_asgs("asg-web = 10.0.1.4, 10.0.1.5").unwrap();
/// assert_eq!(asgs[0].0, "asg-web");
/// assert_eq!(asgs[0].1.len(), 2);
/// assert!(parse_asgs("asg-web = 10.0.1.400").unwrap_err().contains("'10.0.1.400'"));
/// ```
pub fn parse_asgs(text: &str) -> Result<Vec<(String, Vec<IpAddr>)>, String> {
    asg_lines(text)
        .into_iter()
        .map(|line| {
            let (name, ips) = line?;
            let ips = ips
                .iter()
                .map(|ip| parse_ip(ip).map_err(|m| format!("ASG {name}: {m}")))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((name, ips))
        })
        .collect()
}

/// A slot's import result, shared between the cache and the assembled inputs.
pub type Imported = Arc<Result<Option<Document>, InputError>>;

/// Imports each slot again only when its text changed, so that typing in one slot (or in the
/// flow form) does not re-read a 1,000-rule NSG pasted in another.
#[derive(Debug, Default)]
pub struct ImportCache {
    entries: Vec<(DocSlot, String, Imported)>,
    imports: usize,
}

impl ImportCache {
    /// An empty cache.
    pub fn new() -> ImportCache {
        ImportCache::default()
    }

    /// The import of `text` in `slot`, from the cache when the slot's text is unchanged.
    pub fn get(&mut self, slot: DocSlot, text: &str) -> Imported {
        if let Some((_, cached, result)) = self.entries.iter().find(|(s, _, _)| *s == slot) {
            if cached == text {
                return result.clone();
            }
        }
        self.imports += 1;
        let result = Arc::new(import_slot(slot, text));
        self.entries.retain(|(s, _, _)| *s != slot);
        self.entries.push((slot, text.to_string(), result.clone()));
        result
    }

    /// Imports every slot of `slots` (through the cache) and forgets slots no longer there.
    pub fn get_all(&mut self, slots: &[(DocSlot, &str)]) -> Vec<(DocSlot, Imported)> {
        self.entries
            .retain(|(s, _, _)| slots.iter().any(|(slot, _)| slot == s));
        slots
            .iter()
            .map(|(slot, text)| (*slot, self.get(*slot, text)))
            .collect()
    }

    /// How many imports were actually run (for tests and measurements).
    pub fn import_count(&self) -> usize {
        self.imports
    }
}

/// What one slot holds once imported.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotState {
    /// Nothing typed.
    Empty,
    /// A document, described (`az CLI NSG nsg-web: 12 rules`), with every warning importing it
    /// gave (its own and its rules', each `SOURCE: PLACE: message`).
    Loaded {
        /// What it is.
        described: String,
        /// What importing it noticed.
        warnings: Vec<String>,
    },
    /// A problem: not JSON, not a shape FlowVerify knows, a bad rule, or the wrong kind of
    /// document for the slot.
    Failed(InputError),
}

impl SlotState {
    /// The line beside the slot's label: its CSS class, words for screen readers only, and
    /// what it shows.
    ///
    /// ```
    /// use flowverify_web::evaluation::SlotState;
    /// let loaded = SlotState::Loaded { described: "az CLI NSG nsg-web".into(), warnings: vec![] };
    /// assert_eq!(loaded.status(), ("slot-status ok", "Loaded: ", "az CLI NSG nsg-web".to_string()));
    /// ```
    pub fn status(&self) -> (&'static str, &'static str, String) {
        match self {
            SlotState::Empty => (
                "slot-status empty",
                "",
                "Empty: paste JSON, drop a file or choose one".into(),
            ),
            SlotState::Loaded { described, .. } => {
                ("slot-status ok", "Loaded: ", described.clone())
            }
            SlotState::Failed(_) => (
                "slot-status bad",
                "",
                "Not used: see the problem below".into(),
            ),
        }
    }

    /// The problem shown under the slot, with the line of `text` it points at.
    pub fn problem(&self, text: &str) -> Option<Problem> {
        let SlotState::Failed(e) = self else {
            return None;
        };
        Some(Problem {
            message: e.to_string(),
            excerpt: line_column(e).and_then(|(line, column)| excerpt(text, line, column)),
        })
    }
}

/// A problem with an input as the page shows it: the message, and for a problem at a line
/// and column, that line with a caret under the column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The message.
    pub message: String,
    /// The line and the caret line under it.
    pub excerpt: Option<(String, String)>,
}

impl Problem {
    /// A problem without an excerpt.
    pub fn new(message: String) -> Problem {
        Problem {
            message,
            excerpt: None,
        }
    }
}

/// A slot shows this many of its warnings until the user asks for all of them.
pub const SLOT_WARNINGS_SHOWN: usize = 3;

/// A slot's warnings, split into the first [`SLOT_WARNINGS_SHOWN`] (always shown) and the
/// others (shown on request).
///
/// ```
/// use flowverify_web::evaluation::split_warnings;
/// let w: Vec<String> = (1..=5).map(|i| format!("w{i}")).collect();
/// assert_eq!(split_warnings(&w), (&w[..3], &w[3..]));
/// assert_eq!(split_warnings(&w[..2]), (&w[..2], &[][..]));
/// ```
pub fn split_warnings(warnings: &[String]) -> (&[String], &[String]) {
    warnings.split_at(warnings.len().min(SLOT_WARNINGS_SHOWN))
}

/// The inputs assembled from every slot, and each slot's state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Assembled {
    /// The inputs of the verification (slots in error are left out).
    pub inputs: Inputs,
    /// Each document slot's state.
    pub slots: Vec<(DocSlot, SlotState)>,
    /// The problem with the virtual network prefixes, if any (they are then left out).
    pub virtual_network_error: Option<String>,
    /// The problem with the ASG membership, if any (it is then left out).
    pub asgs_error: Option<String>,
}

impl Assembled {
    /// The state of `slot`.
    pub fn state(&self, slot: DocSlot) -> SlotState {
        self.slots
            .iter()
            .find(|(s, _)| *s == slot)
            .map_or(SlotState::Empty, |(_, state)| state.clone())
    }

    /// How many inputs are in error.
    pub fn error_count(&self) -> usize {
        self.slots
            .iter()
            .filter(|(_, s)| matches!(s, SlotState::Failed(_)))
            .count()
            + usize::from(self.virtual_network_error.is_some())
            + usize::from(self.asgs_error.is_some())
    }
}

/// Puts every imported slot into one [`Inputs`] (in the engine's slot order), with the virtual
/// network prefixes and ASG membership; a document of the wrong kind for its slot becomes that
/// slot's error.
pub fn assemble(imported: &[(DocSlot, Imported)], virtual_network: &str, asgs: &str) -> Assembled {
    let mut out = Assembled::default();
    for (slot, result) in imported {
        let state = match result.as_ref() {
            Ok(None) => SlotState::Empty,
            Err(e) => SlotState::Failed(e.clone()),
            Ok(Some(doc)) => {
                let described = doc.describe();
                let warnings = doc.warnings();
                match out.inputs.add(slot.engine(), doc.clone()) {
                    Ok(()) => SlotState::Loaded {
                        described,
                        warnings,
                    },
                    Err(e) => SlotState::Failed(e),
                }
            }
        };
        out.slots.push((*slot, state));
    }
    match parse_virtual_network(virtual_network) {
        Ok(prefixes) => out.inputs.virtual_network = prefixes,
        Err(e) => out.virtual_network_error = Some(e),
    }
    match parse_asgs(asgs) {
        Ok(members) => out.inputs.asgs = members,
        Err(e) => out.asgs_error = Some(e),
    }
    out
}

/// Where a flow's problem is, for showing it beside the right field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FlowProblem {
    /// The direction.
    Direction(String),
    /// The protocol.
    Protocol(String),
    /// The local address.
    Local(String),
    /// The remote address.
    Remote(String),
    /// The flow as a whole (address families differ, a port is missing).
    Flow(String),
    /// The expectation.
    Expectation(String),
}

impl FlowProblem {
    /// The message.
    pub fn message(&self) -> &str {
        match self {
            FlowProblem::Direction(m)
            | FlowProblem::Protocol(m)
            | FlowProblem::Local(m)
            | FlowProblem::Remote(m)
            | FlowProblem::Flow(m)
            | FlowProblem::Expectation(m) => m,
        }
    }
}

/// How the expectations of a flows list came out, counted as `flowverify check` counts them
/// (`N passed, N failed, N skipped`), with the engine's [`Tally`].
///
/// ```
/// use flowverify::scenario::{Outcome, Standing};
/// use flowverify_web::evaluation::tally;
/// let t = tally([&Outcome::Passed, &Outcome::Skipped, &Outcome::Failed("Deny".into()), &Outcome::Passed]);
/// assert_eq!(t.to_string(), "2 passed, 1 failed, 1 skipped");
/// assert_eq!(tally([&Outcome::Skipped]).standing(), Standing::NothingChecked);
/// ```
pub fn tally<'a>(outcomes: impl IntoIterator<Item = &'a Outcome>) -> Tally {
    let mut tally = Tally::default();
    for outcome in outcomes {
        tally.add(outcome);
    }
    tally
}

/// One flow of the list, verified.
#[derive(Debug, Clone, PartialEq)]
pub struct FlowOutcome {
    /// The verdict, when the flow could be read.
    pub verdict: Option<Verdict>,
    /// What is wrong with the flow as typed.
    pub problems: Vec<FlowProblem>,
    /// The expectation's outcome, as the engine checks it: skipped without one, failed when
    /// it could not be checked.
    pub check: Outcome,
    /// For a portless protocol, whether a typed port was ignored.
    pub port_ignored: bool,
}

/// Reads a row into a flow, naming the field at fault.
pub fn read_flow(row: &FlowRow) -> Result<Flow, FlowProblem> {
    read_spec(&row.spec())
}

fn read_spec(spec: &FlowSpec) -> Result<Flow, FlowProblem> {
    Flow::parse_parts(&spec.direction, &spec.protocol, &spec.local, &spec.remote).map_err(|e| {
        let message = e.message().to_string();
        match e.field() {
            FlowField::Direction => FlowProblem::Direction(message),
            FlowField::Protocol => FlowProblem::Protocol(message),
            FlowField::Local => FlowProblem::Local(message),
            FlowField::Remote => FlowProblem::Remote(message),
            FlowField::Whole => FlowProblem::Flow(message),
        }
    })
}

/// Verifies one row of the flows list against `inputs` and checks its expectation; with
/// `trace`, the verdict records every rule considered (the page asks for it for the flow shown
/// in the form only: the list needs the verdicts alone).
pub fn evaluate_row(inputs: &Inputs, row: &FlowRow, trace: bool) -> FlowOutcome {
    let mut problems = Vec::new();
    let expected = row.expectation();
    if let Err(m) = &expected {
        problems.push(FlowProblem::Expectation(m.clone()));
    }
    let port_ignored = row.portless()
        && [&row.local, &row.remote]
            .iter()
            .any(|t| crate::workbench::strip_port(t) != t.trim());
    let spec = row.spec();
    let verdict = match read_spec(&spec) {
        Ok(flow) => Some(verify_with(inputs, &flow, Options { trace })),
        Err(p) => {
            problems.push(p);
            None
        }
    };
    // The engine checks the expectation (as `flowverify check` does); one that cannot be
    // checked (the flow or the expectation has a problem) fails: never a pass without a check.
    let check = match (&verdict, expected) {
        (_, Ok(None)) => Outcome::Skipped,
        (Some(v), Ok(Some(_))) => spec.outcome(v),
        _ => Outcome::Failed(format!(
            "not checked: {}",
            problems.first().map_or("no verdict", FlowProblem::message)
        )),
    };
    FlowOutcome {
        verdict,
        problems,
        check,
        port_ignored,
    }
}

/// The flows of the list verified against one set of inputs. Each row's outcome is kept, so
/// that editing one flow (or selecting another) verifies that flow only, and new inputs verify
/// every flow again.
#[derive(Debug, Clone, Default)]
pub struct Evaluated {
    inputs: Option<Arc<Assembled>>,
    rows: Vec<FlowRow>,
    /// One outcome per row, in order (verdicts without traces).
    pub outcomes: Vec<Arc<FlowOutcome>>,
    /// How many rows were verified afresh (the others were unchanged).
    pub fresh: usize,
}

impl PartialEq for Evaluated {
    fn eq(&self, other: &Self) -> bool {
        self.outcomes.len() == other.outcomes.len()
            && self
                .outcomes
                .iter()
                .zip(&other.outcomes)
                .all(|(a, b)| Arc::ptr_eq(a, b) || a == b)
    }
}

impl Evaluated {
    /// Verifies `rows` against `inputs`, reusing the outcomes of `previous` for the rows it
    /// verified against the same inputs (the same `Arc`).
    ///
    /// ```
    /// use std::sync::Arc;
    /// use flowverify_web::evaluation::{assemble, Evaluated};
    /// use flowverify_web::workbench::FlowRow;
    /// let inputs = Arc::new(assemble(&[], "10.0.0.0/16", ""));
    /// let mut rows = vec![FlowRow::default(), FlowRow { local: "10.0.1.4:22".into(), ..FlowRow::default() }];
    /// let first = Evaluated::new(&inputs, &rows, None);
    /// assert_eq!(first.fresh, 2);
    /// rows[1].local = "10.0.1.4:23".into();
    /// let second = Evaluated::new(&inputs, &rows, Some(&first));
    /// assert_eq!(second.fresh, 1);
    /// assert!(Arc::ptr_eq(&first.outcomes[0], &second.outcomes[0]));
    /// ```
    pub fn new(
        inputs: &Arc<Assembled>,
        rows: &[FlowRow],
        previous: Option<&Evaluated>,
    ) -> Evaluated {
        // A linear search: flows lists are short, and a hash map would add code to the page.
        let reusable =
            previous.filter(|p| p.inputs.as_ref().is_some_and(|i| Arc::ptr_eq(i, inputs)));
        let reuse = |row: &FlowRow| {
            let p = reusable?;
            let at = p.rows.iter().position(|r| r == row)?;
            p.outcomes.get(at)
        };
        let mut fresh = 0;
        let outcomes = rows
            .iter()
            .map(|row| match reuse(row) {
                Some(outcome) => Arc::clone(outcome),
                None => {
                    fresh += 1;
                    Arc::new(evaluate_row(&inputs.inputs, row, false))
                }
            })
            .collect();
        Evaluated {
            inputs: Some(Arc::clone(inputs)),
            rows: rows.to_vec(),
            outcomes,
            fresh,
        }
    }
}

/// What a layer is, in the page's words (`Subnet NSG`).
pub fn layer_name(layer: Layer) -> &'static str {
    match layer {
        Layer::Admin => "AVNM admin rules",
        Layer::Subnet => "Subnet NSG",
        Layer::Nic => "NIC NSG",
        Layer::None => "No rule",
    }
}

/// One box of the path picture: an end of the path (where the flow comes from, where it
/// goes) or a layer, drawn from the report's [`Step`]: the page decides nothing about the
/// walk, it only chooses a look for what the engine says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathItem {
    /// The CSS classes: `stage` and `allow`, `deny` or `none` for a layer reached,
    /// `unreached` for one not, `end` (and how it ends) for an end.
    pub class: &'static str,
    /// The layer (`data-layer`), for a layer.
    pub layer: Option<Layer>,
    /// What the box is: `Subnet NSG`, `From 203.0.113.7:50000`.
    pub title: String,
    /// The NSG or admin configuration, for a layer.
    pub resource: String,
    /// `✓` (lets the flow on), `✕` (denies), `→` (no rule matched), `·` (not reached).
    pub symbol: &'static str,
    /// What happens there: for a layer, the engine's words ([`Step::summary`]:
    /// `denies: securityRules/X`, `not reached; would deny: securityRules/DenyAll`); for the
    /// last end, whether the flow arrives.
    pub outcome: String,
}

impl PathItem {
    /// The box of a layer.
    pub fn of(step: &Step) -> PathItem {
        let (class, symbol) = match (step.reached, step.outcome) {
            (false, _) => ("stage unreached", "·"),
            (true, LayerOutcome::Deny) => ("stage deny", "✕"),
            (true, LayerOutcome::NoMatch) => ("stage none", "→"),
            (true, _) => ("stage allow", "✓"),
        };
        PathItem {
            class,
            layer: Some(step.layer),
            title: layer_name(step.layer).to_string(),
            resource: step.resource.clone(),
            symbol,
            outcome: step.summary(),
        }
    }

    fn end(class: &'static str, title: String, outcome: &str) -> PathItem {
        PathItem {
            class,
            layer: None,
            title,
            resource: String::new(),
            symbol: "",
            outcome: outcome.to_string(),
        }
    }
}

/// The path picture of a verdict: where the flow comes from, every layer of the report's path
/// in order, where it goes; and for a Deny its blockers, each with its layer and resource
/// (`securityRules/DenyAll (NIC NSG nsg-web-nic)`): everything that stands in the flow's way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathView {
    /// The boxes, in order: the source, the layers, the destination.
    pub items: Vec<PathItem>,
    /// The report's blockers, each with where it is.
    pub blockers: Vec<String>,
}

impl PathView {
    /// The picture of `verdict` (its path is there when the trace was asked for).
    pub fn of(verdict: &Verdict) -> PathView {
        let blockers = verdict.blockers.iter().map(ToString::to_string).collect();
        let (from, to) = ends(verdict);
        let mut items = vec![PathItem::end("stage end", from, "")];
        items.extend(verdict.path.iter().map(PathItem::of));
        if verdict.path.is_empty() {
            items.push(PathItem {
                symbol: "→",
                ..PathItem::end(
                    "stage none",
                    "No admin rules, no NSG".into(),
                    "nothing filters the flow",
                )
            });
        }
        items.push(if verdict.access == Decision::Allow {
            PathItem::end("stage end allow", to, "Delivered")
        } else {
            PathItem::end("stage end deny", to, "Never arrives")
        });
        PathView { items, blockers }
    }
}

/// The two ends of the path: where the flow comes from and where it goes, the VM named.
///
/// ```
/// use flowverify::{verify, Flow, Inputs};
/// use flowverify_web::evaluation::ends;
/// let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:22", "203.0.113.7:5000").unwrap();
/// let (from, to) = ends(&verify(&Inputs::new(), &flow));
/// assert_eq!(from, "From 203.0.113.7:5000");
/// assert_eq!(to, "To the VM, 10.0.1.4:22");
/// ```
pub fn ends(verdict: &Verdict) -> (String, String) {
    let flow = &verdict.flow;
    match flow.direction() {
        Direction::Inbound => (
            format!("From {}", flow.source()),
            format!("To the VM, {}", flow.destination()),
        ),
        Direction::Outbound => (
            format!("From the VM, {}", flow.source()),
            format!("To {}", flow.destination()),
        ),
    }
}

/// The line and column of an error in the text, when it has them.
pub fn line_column(error: &InputError) -> Option<(usize, usize)> {
    match error.place() {
        Place::LineColumn { line, column } => Some((*line, *column)),
        _ => None,
    }
}

/// The line of `text` an error points at, with a caret under its column, for showing under
/// the message (long lines are cut around the column).
///
/// ```
/// use flowverify_web::evaluation::excerpt;
/// let (line, caret) = excerpt("{\n  \"a\": tru\n}", 2, 8).unwrap();
/// assert_eq!(line, "  \"a\": tru");
/// assert_eq!(caret, "       ^");
/// ```
pub fn excerpt(text: &str, line: usize, column: usize) -> Option<(String, String)> {
    let content = text.lines().nth(line.checked_sub(1)?)?;
    let chars: Vec<char> = content.chars().collect();
    let column = column.max(1) - 1;
    let start = column.saturating_sub(60);
    let end = (column + 40).min(chars.len());
    let start = start.min(end);
    let mut shown: String = chars[start..end].iter().collect();
    let mut offset = column - start;
    if start > 0 {
        shown.insert(0, '…');
        offset += 1;
    }
    if end < chars.len() {
        shown.push('…');
    }
    Some((shown, format!("{}^", " ".repeat(offset))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cache_imports_a_slot_again_only_when_its_text_changes() {
        let mut cache = ImportCache::new();
        let a = cache.get(DocSlot::SubnetNsg, "{ bad");
        let b = cache.get(DocSlot::SubnetNsg, "{ bad");
        assert!(Arc::ptr_eq(&a, &b));
        assert_eq!(cache.import_count(), 1);
        cache.get(DocSlot::NicNsg, "");
        cache.get(DocSlot::SubnetNsg, "{ bad!");
        assert_eq!(cache.import_count(), 3);
        let all = cache.get_all(&[(DocSlot::NicNsg, ""), (DocSlot::Admin(0), "")]);
        assert_eq!(all.len(), 2);
        assert_eq!(cache.import_count(), 4);
        assert!(matches!(all[0].1.as_ref(), Ok(None)));
    }

    #[test]
    fn only_changed_rows_or_new_inputs_are_verified_again() {
        let inputs = Arc::new(assemble(&[], "10.0.0.0/16", ""));
        let row = |local: &str| FlowRow {
            local: local.into(),
            ..FlowRow::default()
        };
        let mut rows = vec![row("10.0.1.4:443"), row("10.0.1.4:22"), row("bad")];
        let first = Evaluated::new(&inputs, &rows, None);
        assert_eq!(first.fresh, 3);
        assert!(first.outcomes[2].verdict.is_none());
        // Same inputs, one row edited, one removed: only the edited row is verified.
        rows[0].local = "10.0.1.4:80".into();
        rows.remove(2);
        let second = Evaluated::new(&inputs, &rows, Some(&first));
        assert_eq!(second.fresh, 1);
        assert_eq!(second.outcomes.len(), 2);
        assert!(Arc::ptr_eq(&first.outcomes[1], &second.outcomes[1]));
        assert_eq!(
            second.outcomes[0]
                .verdict
                .as_ref()
                .map(|v| v.flow.destination().to_string()),
            Some("10.0.1.4:80".to_string())
        );
        assert_ne!(first, second);
        // New inputs (even equal ones): every row again.
        let other = Arc::new(assemble(&[], "10.0.0.0/16", ""));
        let third = Evaluated::new(&other, &rows, Some(&second));
        assert_eq!(third.fresh, 2);
        assert_eq!(third, second);
    }

    #[test]
    fn excerpt_handles_edges() {
        assert!(excerpt("abc", 2, 1).is_none());
        assert!(excerpt("abc", 0, 1).is_none());
        let (line, caret) = excerpt("abc", 1, 4).unwrap();
        assert_eq!(line, "abc");
        assert_eq!(caret, "   ^");
        let long = "x".repeat(200);
        let (line, caret) = excerpt(&long, 1, 150).unwrap();
        assert!(line.starts_with('…') && line.ends_with('…'));
        assert_eq!(caret.len(), 62);
        assert_eq!(line.chars().nth(61), Some('x'));
    }

    #[test]
    fn bad_prefix_and_asg_text_are_reported_not_applied() {
        let a = assemble(&[], "10.0.0.0/16 bogus", "asg-web = 10.0.1.4");
        assert!(a
            .virtual_network_error
            .as_deref()
            .unwrap_or_default()
            .contains("'bogus'"));
        assert!(a.inputs.virtual_network.is_empty());
        assert_eq!(a.inputs.asgs.len(), 1);
        assert_eq!(a.error_count(), 1);
    }

    #[test]
    fn flow_problems_name_the_field() {
        let row = |local: &str, remote: &str, protocol: &str| FlowRow {
            local: local.into(),
            remote: remote.into(),
            protocol: protocol.into(),
            ..FlowRow::default()
        };
        assert!(matches!(
            read_flow(&row("10.0.1.400:1", "1.2.3.4:5", "Tcp")),
            Err(FlowProblem::Local(_))
        ));
        assert!(matches!(
            read_flow(&row("10.0.1.4:1", "1.2.3.4", "Tcp")),
            Err(FlowProblem::Flow(_))
        ));
        assert!(matches!(
            read_flow(&row("10.0.1.4:1", "nope:5", "Tcp")),
            Err(FlowProblem::Remote(_))
        ));
        assert!(matches!(
            read_flow(&row("10.0.1.4:1", "1.2.3.4:5", "Gre")),
            Err(FlowProblem::Protocol(_))
        ));
        assert!(read_flow(&row("10.0.1.4:1", "1.2.3.4:5", "Icmp")).is_ok());
    }
}

#[cfg(test)]
mod hardening {
    use super::*;

    /// An az CLI NSG with one inbound rule; `extra` is added to the rule's properties.
    fn nsg(name: &str, rule: &str, extra: &str) -> String {
        format!(
            r#"{{"name": "{name}", "securityRules": [{{"name": "{rule}", "priority": 100,
              "direction": "Inbound", "access": "Deny", "protocol": "Tcp",
              "sourcePortRange": "*", "destinationAddressPrefix": "*",
              "destinationPortRange": "22"{extra}}}]}}"#
        )
    }

    fn row(local: &str, expect: &str) -> FlowRow {
        FlowRow {
            local: local.into(),
            remote: "203.0.113.7:50000".into(),
            expect_access: expect.into(),
            ..FlowRow::default()
        }
    }

    fn assembled(slots: &[(DocSlot, &str)]) -> Assembled {
        let mut cache = ImportCache::new();
        assemble(&cache.get_all(slots), "10.0.0.0/16", "")
    }

    #[test]
    fn a_slot_lists_every_warning_of_its_document() {
        let text = nsg(
            "nsg-typo",
            "DenySsh",
            r#", "sourceAddressPrefixs": "10.0.0.0/8""#,
        );
        let a = assembled(&[(DocSlot::SubnetNsg, &text), (DocSlot::NicNsg, "")]);
        let SlotState::Loaded {
            described,
            warnings,
        } = a.state(DocSlot::SubnetNsg)
        else {
            panic!("the NSG loads")
        };
        assert!(described.contains("nsg-typo"));
        assert!(!warnings.is_empty());
        assert!(warnings
            .iter()
            .all(|w| w.starts_with("subnetNsg: securityRules[0] (DenySsh): ")));
        assert!(warnings
            .iter()
            .any(|w| w.contains("'sourceAddressPrefixs'")));
        // The verdict repeats them; the other slot has none.
        let outcome = evaluate_row(&a.inputs, &row("10.0.1.4:22", ""), true);
        let verdict = outcome.verdict.expect("a verdict");
        assert!(warnings
            .iter()
            .all(|w| verdict.warnings.iter().any(|v| v.text() == w)));
        let rule = &verdict.trace[0].rules[0];
        assert_eq!(rule.warnings, warnings);
        let clean = assembled(&[(
            DocSlot::NicNsg,
            &nsg("nsg-ok", "R", r#", "sourceAddressPrefix": "*""#),
        )]);
        assert!(
            matches!(clean.state(DocSlot::NicNsg), SlotState::Loaded { warnings, .. } if warnings.is_empty())
        );
    }

    #[test]
    fn a_duplicate_key_is_an_input_error_with_its_line_and_column() {
        let text = "{\n \"name\": \"x\", \"securityRules\": [{\"name\": \"r\", \"access\": \"Deny\",\n \"access\": \"Allow\"}]}";
        let a = assembled(&[(DocSlot::SubnetNsg, text)]);
        let SlotState::Failed(e) = a.state(DocSlot::SubnetNsg) else {
            panic!("a duplicate key is refused")
        };
        // The second key, where the page's excerpt puts its caret.
        assert_eq!(line_column(&e), Some((3, 9)));
        assert!(e.to_string().contains("'access' is given twice"), "{e}");
        assert_eq!(a.error_count(), 1);
    }

    #[test]
    fn a_utf16_file_reads_as_its_text_and_a_bad_encoding_is_named() {
        let json = nsg("nsg-ps", "DenySsh", r#", "sourceAddressPrefix": "*""#);
        let mut le = vec![0xff, 0xfe];
        le.extend(json.encode_utf16().flat_map(u16::to_le_bytes));
        let text = decode_file("nsg.json", le).expect("UTF-16 LE with a BOM");
        assert_eq!(text, json);
        assert!(matches!(
            assembled(&[(DocSlot::SubnetNsg, &text)]).state(DocSlot::SubnetNsg),
            SlotState::Loaded { .. }
        ));
        let mut bom8 = vec![0xef, 0xbb, 0xbf];
        bom8.extend(json.as_bytes());
        assert_eq!(decode_file("nsg.json", bom8).unwrap(), json);
        let latin1 = decode_file("nsg.json", b"{\"name\": \"caf\xe9\"}".to_vec()).unwrap_err();
        assert!(latin1.contains("is not UTF-8"), "{latin1}");
        assert!(
            latin1.starts_with("nsg.json was not loaded: line 1: byte 0xe9"),
            "{latin1}"
        );
        let no_bom: Vec<u8> = json.encode_utf16().flat_map(u16::to_le_bytes).collect();
        assert!(decode_file("x.json", no_bom)
            .unwrap_err()
            .contains("without a byte-order mark"));
    }

    #[test]
    fn a_flow_without_an_expectation_is_skipped_never_passed() {
        let a = assembled(&[]);
        assert_eq!(
            evaluate_row(&a.inputs, &row("10.0.1.4:22", ""), false).check,
            Outcome::Skipped
        );
        assert_eq!(
            evaluate_row(&a.inputs, &row("10.0.1.4:22", "Allow"), false).check,
            Outcome::Passed
        );
        // An expectation that cannot be checked fails, with the reason.
        let Outcome::Failed(why) =
            evaluate_row(&a.inputs, &row("10.0.1.400:22", "Allow"), false).check
        else {
            panic!("an unreadable flow with an expectation is not met")
        };
        assert!(
            why.starts_with("not checked: ") && why.contains("10.0.1.400"),
            "{why}"
        );
        let bad_layer = FlowRow {
            expect_layer: "somewhere".into(),
            ..row("10.0.1.4:22", "Allow")
        };
        assert!(matches!(
            evaluate_row(&a.inputs, &bad_layer, false).check,
            Outcome::Failed(_)
        ));
        // No expectation and an unreadable flow: skipped.
        assert_eq!(
            evaluate_row(&a.inputs, &row("bad", ""), false).check,
            Outcome::Skipped
        );
        let rows = [
            row("10.0.1.4:22", ""),
            row("10.0.1.4:22", "Allow"),
            row("10.0.1.4:22", "Deny"),
        ];
        let checks: Vec<Outcome> = rows
            .iter()
            .map(|r| evaluate_row(&a.inputs, r, false).check)
            .collect();
        let counted = tally(&checks);
        assert_eq!(
            counted,
            Tally {
                passed: 1,
                failed: 1,
                skipped: 1
            }
        );
        assert_eq!(counted.to_string(), "1 passed, 1 failed, 1 skipped");
        use flowverify::scenario::Standing;
        assert_eq!(tally(&checks[..1]).standing(), Standing::NothingChecked);
        assert_eq!(tally(&checks[..2]).standing(), Standing::Passed);
    }

    #[test]
    fn the_path_picture_is_the_reports_path_and_a_deny_lists_every_blocker() {
        let subnet = nsg("nsg-sub", "DenySsh", r#", "sourceAddressPrefix": "*""#);
        let nic = nsg("nsg-nic", "DenyAllSsh", r#", "sourceAddressPrefix": "*""#);
        let a = assembled(&[(DocSlot::SubnetNsg, &subnet), (DocSlot::NicNsg, &nic)]);
        let verdict = evaluate_row(&a.inputs, &row("10.0.1.4:22", ""), true)
            .verdict
            .expect("a verdict");
        let view = PathView::of(&verdict);
        // The source, each layer of the report's path, the destination.
        assert_eq!(view.items.len(), verdict.path.len() + 2);
        for (shown, step) in view.items[1..].iter().zip(&verdict.path) {
            assert_eq!(shown.outcome, step.summary());
            assert_eq!(
                (shown.layer, &shown.resource),
                (Some(step.layer), &step.resource)
            );
        }
        let [from, first, second, to] = &view.items[..] else {
            panic!("two layers: {:?}", view.items)
        };
        assert_eq!(
            (from.title.as_str(), from.layer),
            ("From 203.0.113.7:50000", None)
        );
        assert_eq!(
            (first.layer, first.class, first.symbol),
            (Some(Layer::Subnet), "stage deny", "✕")
        );
        assert_eq!(first.outcome, "denies: securityRules/DenySsh");
        assert_eq!(second.layer, Some(Layer::Nic));
        assert_eq!((second.class, second.symbol), ("stage unreached", "·"));
        assert_eq!(
            second.outcome,
            "not reached; would deny: securityRules/DenyAllSsh"
        );
        assert_eq!(
            (to.class, to.title.as_str(), to.outcome.as_str()),
            ("stage end deny", "To the VM, 10.0.1.4:22", "Never arrives")
        );
        assert_eq!(
            view.blockers,
            [
                "securityRules/DenySsh (subnet NSG nsg-sub)",
                "securityRules/DenyAllSsh (NIC NSG nsg-nic)"
            ]
        );
        // An allowed flow has no blockers and arrives.
        let from_vnet = FlowRow {
            remote: "10.0.2.5:50000".into(),
            ..row("10.0.1.4:443", "")
        };
        let allowed = evaluate_row(&a.inputs, &from_vnet, true)
            .verdict
            .expect("a verdict");
        let view = PathView::of(&allowed);
        assert!(view.blockers.is_empty());
        let layers = &view.items[1..view.items.len() - 1];
        assert!(layers.iter().all(|s| s.class == "stage allow"));
        assert_eq!(
            view.items.last().map(|e| e.outcome.as_str()),
            Some("Delivered")
        );
        // With no layer at all, one box says that nothing filters the flow.
        let open = evaluate_row(&assembled(&[]).inputs, &from_vnet, true)
            .verdict
            .expect("a verdict");
        let view = PathView::of(&open);
        assert_eq!(view.items.len(), 3);
        assert_eq!(view.items[1].outcome, "nothing filters the flow");
    }

    #[test]
    fn a_flow_port_star_gives_an_uncertain_verdict_with_the_port_warning() {
        let text = nsg("nsg-ssh", "DenySsh", r#", "sourceAddressPrefix": "*""#);
        let a = assembled(&[(DocSlot::NicNsg, &text)]);
        let outcome = evaluate_row(&a.inputs, &row("10.0.1.4:*", ""), true);
        assert!(outcome.problems.is_empty(), "{:?}", outcome.problems);
        let verdict = outcome.verdict.expect("a verdict");
        assert!(verdict.uncertain);
        assert!(
            verdict
                .warnings
                .iter()
                .any(|w| w.text().contains("port is * (any port)")),
            "{:?}",
            verdict.warnings
        );
        assert_eq!(
            verdict.trace[0].rules[0].condition(flowverify::verdict::Field::DestinationPort),
            flowverify::verdict::Condition::Unknown
        );
        let v6 = FlowRow {
            remote: "[2001:db8::7]:*".into(),
            ..row("[2001:db8::4]:443", "")
        };
        assert!(evaluate_row(&a.inputs, &v6, false).verdict.is_some());
    }

    #[test]
    fn a_target_without_nsgs_gets_the_note_not_a_warning() {
        let verdict = evaluate_row(&assembled(&[]).inputs, &row("10.0.1.4:22", ""), true)
            .verdict
            .expect("a verdict");
        assert_eq!(verdict.access, flowverify::Decision::Allow);
        assert!(verdict
            .notes
            .iter()
            .any(|n| n.text().contains("NsgsNotAppliedOnNic")));
        assert!(verdict
            .warnings
            .iter()
            .all(|w| !w.text().contains("NsgsNotAppliedOnNic")));
        let text = nsg("nsg-ssh", "DenySsh", r#", "sourceAddressPrefix": "*""#);
        let with_nsg = evaluate_row(
            &assembled(&[(DocSlot::NicNsg, &text)]).inputs,
            &row("10.0.1.4:22", ""),
            true,
        );
        assert!(with_nsg.verdict.expect("a verdict").notes.is_empty());
    }
}
