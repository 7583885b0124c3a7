//! `flowverify`: Azure Network Watcher's IP flow verify, offline, for scripts and CI
//! (`docs/formats.md`, Command line).
//!
//! Exit status: 0 verdict printed / every expectation checked was met (at least one); 1 `check`
//! found a flow whose verdict differs from its expectation; 2 bad input or usage (stderr starts
//! with `error`), including a scenario without flows and a `check` with nothing to check, and
//! output that could not be written (a full disk, a closed pipe), in every command.
//!
//! Every FILE may be `-` (standard input, once); every input is read up to 256 MiB. `check`
//! streams: each flow's line is written as soon as it is known. Text output escapes control
//! characters of the inputs; so do the error messages.
//!
//! The command line is thin: it reads files, hands them to the engine and prints what the engine
//! says. All evaluation lives in the `flowverify` crate.

mod files;
mod render;
mod replay;

use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand};
use flowverify::flow::Endpoint;
use flowverify::import::{import, Document};
use flowverify::model::{AddressSide, Direction, PortSide, Protocol};
use flowverify::scenario::{parse_asg_assignment, parse_cidr, Scenario, Standing, Tally};
use flowverify::search::{Query, QueryError};
use flowverify::{permalink, verify, Flow, InputError, Inputs, Options, Slot};
use ipnet::IpNet;

/// Azure IP flow verify, offline: is a flow allowed by these NSGs and AVNM admin rules, and
/// which rule decided?
#[derive(Debug, Parser)]
#[command(name = "flowverify", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Verify one flow: prints the verdict, the deciding rule and the trace of every rule considered.
    Verify(Box<VerifyArgs>),
    /// Verify every flow of each scenario against its `expect`: one line per flow (PASS, FAIL,
    /// or SKIP for a flow without `expect`), then `N passed, N failed, N skipped`.
    Check {
        /// Scenario documents (JSON); `-` reads standard input.
        #[arg(value_name = "SCENARIO.json", required = true)]
        scenarios: Vec<PathBuf>,
        /// Print JSON Lines: one object per flow, one per line, instead of text.
        #[arg(long)]
        json: bool,
    },
    /// Encode a scenario as a permalink, or decode a permalink back to its scenario.
    #[command(subcommand)]
    Permalink(PermalinkCommand),
    /// Every flow of a direction at once: the flows allowed and denied, grouped by the rule that
    /// decides them (`docs/formats.md`, flowverify reach).
    Reach(Box<ReachArgs>),
    /// One flow of the query with the wanted verdict, printed like `verify`; or the proof that
    /// none exists (exit 1).
    Search(Box<SearchArgs>),
    /// What a change does to every flow: the flows whose access, deciding rule or layer differs
    /// between two scenarios, or between a scenario's `baseline` and the scenario itself
    /// (exit 1 when some do).
    Diff {
        /// The scenario before the change (given alone: a scenario with a `baseline`, which is
        /// the before).
        #[arg(value_name = "BEFORE.json")]
        before: PathBuf,
        /// The scenario after the change.
        #[arg(value_name = "AFTER.json")]
        after: Option<PathBuf>,
        /// Only this direction (default: both).
        #[arg(long, value_name = "inbound|outbound", value_parser = Direction::from_str)]
        direction: Option<Direction>,
        /// Print `{changes: [...]}` as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Findings on every flow at once: shadowed, preempted and redundant rules, risky services
    /// open to the Internet, names without membership (exit 1 when there are findings).
    Lint {
        #[command(flatten)]
        inputs: Box<InputArgs>,
        /// Print `{findings: [...]}` as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Azure flow logs (NSG v1/v2, VNet v4) verified against the inputs: the flows whose verdict
    /// now differs from the decision Azure logged, grouped by the rule that decides (exit 1 when
    /// some do).
    Replay(Box<ReplayArgs>),
    /// Print what FlowVerify assumes where Azure is silent, and what it warns about (the same
    /// text as the README and the page's About panel).
    Assumptions {
        /// Print Markdown (as the README holds it) instead of plain text.
        #[arg(long)]
        markdown: bool,
    },
}

#[derive(Debug, Subcommand)]
enum PermalinkCommand {
    /// Print the permalink of a scenario: `v1.…`, or `URL#v1.…` with --base.
    Encode {
        /// The scenario document; `-` reads standard input.
        #[arg(value_name = "SCENARIO.json")]
        scenario: PathBuf,
        /// The page URL to put before the fragment.
        #[arg(long, value_name = "URL")]
        base: Option<String>,
    },
    /// Print the scenario of a permalink, as indented JSON.
    Decode {
        /// A full URL, `#v1.…` or `v1.…`; `-` reads it from standard input, `@FILE` from a file.
        #[arg(value_name = "URL-OR-FRAGMENT")]
        link: String,
    },
}

/// The inputs of a target, as files and flags (`verify`, `reach`).
#[derive(Debug, Args)]
struct InputArgs {
    /// NSG associated with the target's subnet.
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    subnet_nsg: Option<PathBuf>,
    /// NSG associated with the target's network interface.
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    nic_nsg: Option<PathBuf>,
    /// AVNM security admin rules; repeat, highest scope first (replaces the scenario's list).
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    admin_rules: Vec<PathBuf>,
    /// Effective security rules of a network interface.
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    effective: Option<PathBuf>,
    /// A network interface document (its IPs and ASG membership).
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    nic: Option<PathBuf>,
    /// Service tags file (ServiceTags_Public_*.json or the discovery API response).
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    service_tags: Option<PathBuf>,
    /// A prefix of the VirtualNetwork tag; repeat.
    #[arg(long = "vnet", value_name = "CIDR", value_parser = parse_cidr, help_heading = "Inputs")]
    vnet: Vec<IpNet>,
    /// Application security group membership; repeat.
    #[arg(long, value_name = "NAME=IP[,IP...]", value_parser = parse_asg_assignment, help_heading = "Inputs")]
    asg: Vec<(String, Vec<IpAddr>)>,
    /// A scenario document; the flags above add to or replace its slots. Any FILE may be `-`
    /// (standard input, once).
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    scenario: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ReachArgs {
    #[command(flatten)]
    inputs: InputArgs,
    /// inbound or outbound.
    #[arg(long, value_name = "inbound|outbound", value_parser = Direction::from_str)]
    direction: Direction,
    /// The target's addresses (IPs or CIDRs, comma-separated); default: the network interface
    /// document's addresses when one is given, else any address.
    #[arg(long, value_name = "ADDR[,ADDR...]", value_delimiter = ',', value_parser = parse_cidr)]
    local: Vec<IpNet>,
    /// Print the reach object as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct SearchArgs {
    #[command(flatten)]
    inputs: InputArgs,
    /// inbound or outbound.
    #[arg(long, value_name = "inbound|outbound", value_parser = Direction::from_str)]
    direction: Direction,
    /// Protocols, comma-separated (default: any).
    #[arg(long, value_name = "P[,P...]", value_delimiter = ',', value_parser = Protocol::from_str)]
    protocol: Vec<Protocol>,
    /// Source addresses: IPs, CIDRs, * and tag names, comma-separated (default: any).
    #[arg(long, value_name = "SET", value_parser = address_set)]
    source: Option<AddressSide>,
    /// Source ports: N, A-B, *, comma-separated (default: any).
    #[arg(long, value_name = "PORTS", value_parser = port_set)]
    source_port: Option<PortSide>,
    /// Destination addresses, written like --source.
    #[arg(long, value_name = "SET", value_parser = address_set)]
    destination: Option<AddressSide>,
    /// Destination ports, written like --source-port.
    #[arg(long, value_name = "PORTS", value_parser = port_set)]
    destination_port: Option<PortSide>,
    /// The wanted access (default: either).
    #[arg(long, value_name = "allow|deny", value_parser = flowverify::Decision::from_str)]
    access: Option<flowverify::Decision>,
    /// The wanted deciding rule: `securityRules/X` (or a bare name).
    #[arg(long, value_name = "NAME")]
    rule: Option<String>,
    /// Print `{found, result, flows}` as JSON.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, Args)]
struct ReplayArgs {
    #[command(flatten)]
    inputs: InputArgs,
    /// Flow log files (PT1H.json), directories of them (every *.json at any depth, in sorted
    /// path order) or `-` (standard input).
    #[arg(value_name = "LOG", required = true)]
    logs: Vec<PathBuf>,
    /// Print `{tuples, flows, unchanged, newlyDenied, newlyAllowed, notVerifiable, groups}` as JSON.
    #[arg(long)]
    json: bool,
    /// Example flows per group.
    #[arg(long, value_name = "N", default_value_t = 5)]
    limit: usize,
}

#[derive(Debug, Args)]
struct VerifyArgs {
    #[command(flatten)]
    inputs: InputArgs,

    /// inbound or outbound.
    #[arg(long, value_name = "inbound|outbound", value_parser = Direction::from_str)]
    direction: Direction,
    /// tcp, udp, icmp, esp or ah.
    #[arg(long, value_name = "tcp|udp|icmp|esp|ah", value_parser = Protocol::from_str)]
    protocol: Protocol,
    /// The target's address: IP:PORT, [IPv6]:PORT, or an IP for icmp, esp and ah.
    #[arg(long, value_name = "IP[:PORT]", value_parser = Endpoint::from_str)]
    local: Endpoint,
    /// The other end's address, written like --local.
    #[arg(long, value_name = "IP[:PORT]", value_parser = Endpoint::from_str)]
    remote: Endpoint,
    /// Print the result object as JSON.
    #[arg(long)]
    json: bool,
}

/// How a command ended, short of printing.
enum Failure {
    /// Bad input or usage, or output that could not be written: each message is printed after
    /// `error: `, and the exit status is 2.
    Input(Vec<String>),
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Failure {
        Failure::Input(vec![e.to_string()])
    }
}

impl From<String> for Failure {
    fn from(message: String) -> Failure {
        Failure::Input(vec![message])
    }
}

impl From<flowverify::TooLarge> for Failure {
    fn from(e: flowverify::TooLarge) -> Failure {
        Failure::Input(vec![e.to_string()])
    }
}

impl From<flowverify::listing::TooLong> for Failure {
    fn from(e: flowverify::listing::TooLong) -> Failure {
        Failure::Input(vec![format!("--json: {e}")])
    }
}

/// The name standard output goes by in messages.
const STDOUT_NAME: &str = "<stdout>";

/// The message of a write to standard output that failed. Such a failure always ends the
/// command with exit 2: a script reading the output of `flowverify ... > file` on a full disk,
/// or of `flowverify check ... | head`, must not take a cut answer for the whole one (nor, as
/// a shell reports SIGPIPE, find a status other than the documented 0, 1 and 2).
fn cannot_write(e: &std::io::Error) -> String {
    let why = match e.kind() {
        std::io::ErrorKind::BrokenPipe => "the reader closed it (broken pipe)".to_string(),
        std::io::ErrorKind::StorageFull => "no space left on the device".to_string(),
        _ => e.to_string().to_lowercase(),
    };
    format!("{STDOUT_NAME}: cannot write the output: {why}")
}

/// Writes `text` to `out` and flushes it. Every output goes through here: `check` line by
/// line as it goes, every other command (`replay` included) once at its end, so that a write
/// that fails is reported whichever command made it.
fn write_out(out: &mut impl Write, text: &str) -> std::io::Result<()> {
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// Prints `messages` on standard error, each after `error: ` and escaped, and gives exit 2.
fn fail(messages: Vec<String>) -> ExitCode {
    let mut text = String::new();
    for m in messages {
        text.push_str("error: ");
        text.push_str(&render::escape(&m));
        text.push('\n');
    }
    // Standard error is where a failure is told; if it cannot be written, the status still is.
    let _ = std::io::stderr().write_all(text.as_bytes());
    ExitCode::from(2)
}

/// Output of a command: what goes to stdout, and the exit status.
struct Outcome {
    stdout: String,
    status: u8,
}

/// What a command answers: its output made, or written as it is made (the JSON of `reach`,
/// `diff` and `search`, whose boxes can be many), giving the exit status.
enum Answer {
    Done(Outcome),
    Streamed(WriteAnswer),
}

/// Writes an answer to standard output as it is made, giving the exit status.
type WriteAnswer = Box<dyn FnOnce(&mut dyn Write) -> std::io::Result<u8>>;

impl From<Outcome> for Answer {
    fn from(outcome: Outcome) -> Answer {
        Answer::Done(outcome)
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // `flowverify` or `flowverify permalink` alone: still an `error` first.
            let text = format!("error: a command is required\n\n{}", e.render());
            let _ = std::io::stderr().write_all(text.as_bytes());
            return ExitCode::from(2);
        }
        Err(e) if !e.use_stderr() => {
            // `--help` and `--version`: output like any other, and a failed write is reported.
            return match e
                .print()
                .and_then(|()| write_out(&mut std::io::stdout().lock(), ""))
            {
                Ok(()) => ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2)),
                Err(io) => fail(vec![cannot_write(&io)]),
            };
        }
        Err(e) => {
            // A usage error quotes what was typed: shown escaped, like every other message.
            let plain = e.render().to_string();
            let text: Vec<String> = plain
                .split('\n')
                .map(|line| render::escape(line).into_owned())
                .collect();
            let _ = std::io::stderr().write_all(text.join("\n").as_bytes());
            return ExitCode::from(2);
        }
    };
    let result: Result<Answer, Failure> = match cli.command {
        Command::Verify(args) => run_verify(&args).map(Answer::from),
        Command::Check { scenarios, json } => run_check(&scenarios, json).map(Answer::from),
        Command::Reach(args) => run_reach(&args),
        Command::Search(args) => run_search(&args),
        Command::Lint { inputs, json } => run_lint(&inputs, json).map(Answer::from),
        Command::Replay(args) => replay::run(&args.inputs, &args.logs, args.json, args.limit),
        Command::Diff {
            before,
            after,
            direction,
            json,
        } => run_diff(&before, after.as_deref(), direction, json),
        Command::Permalink(PermalinkCommand::Encode { scenario, base }) => {
            run_encode(&scenario, base.as_deref()).map(Answer::from)
        }
        Command::Permalink(PermalinkCommand::Decode { link }) => {
            run_decode(&link).map(Answer::from)
        }
        Command::Assumptions { markdown } => Ok(Answer::Done(Outcome {
            stdout: if markdown {
                flowverify::assumptions::markdown()
            } else {
                flowverify::assumptions::plain_text()
            },
            status: 0,
        })),
    };
    match result {
        Ok(Answer::Done(outcome)) => {
            match write_out(&mut std::io::stdout().lock(), &outcome.stdout) {
                Ok(()) => ExitCode::from(outcome.status),
                Err(e) => fail(vec![cannot_write(&e)]),
            }
        }
        Ok(Answer::Streamed(write)) => {
            let mut out = std::io::stdout().lock();
            match write(&mut out).and_then(|status| write_out(&mut out, "").map(|()| status)) {
                Ok(status) => ExitCode::from(status),
                Err(e) => fail(vec![cannot_write(&e)]),
            }
        }
        Err(Failure::Input(messages)) => fail(messages),
    }
}

/// `flowverify verify`.
fn run_verify(args: &VerifyArgs) -> Result<Outcome, Failure> {
    let flow = Flow::new(args.direction, args.protocol, args.local, args.remote)
        .map_err(|m| format!("command line: flow: {m}"))?;
    let inputs = read_inputs(&args.inputs)?;
    let verdict = verify(&inputs, &flow);
    let stdout = if args.json {
        render::json(&verdict)
    } else {
        render::verdict(&verdict)
    };
    Ok(Outcome { stdout, status: 0 })
}

/// `flowverify reach`.
fn run_reach(args: &ReachArgs) -> Result<Answer, Failure> {
    let inputs = read_inputs(&args.inputs)?;
    // Without --local: the network interface document's addresses, else any.
    let local: Vec<IpNet> = if args.local.is_empty() {
        flowverify::grid::LocalSide::of(&inputs, &[]).nets
    } else {
        args.local.clone()
    };
    let mut reach = flowverify::reach::reach_within(&inputs, args.direction, &local)?;
    if args.json {
        let write = flowverify::ffi::reach_writer(reach)?;
        return Ok(Answer::Streamed(Box::new(move |out| {
            write(out).map(|()| 0)
        })));
    }
    let stdout = render::reach(&inputs, &mut reach, &local);
    Ok(Answer::Done(Outcome { stdout, status: 0 }))
}

/// `flowverify diff`.
fn run_diff(
    before: &Path,
    after: Option<&Path>,
    direction: Option<Direction>,
    json: bool,
) -> Result<Answer, Failure> {
    let (old, new) = match after {
        Some(after) => {
            files::stdin_at_most_once([before, after])?;
            let inputs_of = |path: &Path| -> Result<Inputs, String> {
                let (name, scenario) = files::read_scenario(path)?;
                scenario.inputs(&name).map_err(|e| e.to_string())
            };
            (inputs_of(before), inputs_of(after))
        }
        None => {
            // One scenario: its baseline is the before.
            let (name, scenario) = files::read_scenario(before)?;
            let Some(old) = scenario.baseline_inputs(&name) else {
                return Err(Failure::Input(vec![format!(
                    "{name}: this scenario has no \"baseline\" to compare with: give two \
                     scenarios (flowverify diff BEFORE.json AFTER.json), or set a baseline \
                     in the page (\"Set as baseline\") and download the scenario"
                )]));
            };
            (
                old.map_err(|e| e.to_string()),
                scenario.inputs(&name).map_err(|e| e.to_string()),
            )
        }
    };
    let (old, new) = match (old, new) {
        (Ok(o), Ok(n)) => (o, n),
        (o, n) => {
            return Err(Failure::Input(
                [o.err(), n.err()].into_iter().flatten().collect(),
            ))
        }
    };
    let directions = match direction {
        Some(d) => vec![d],
        None => vec![Direction::Inbound, Direction::Outbound],
    };
    let mut d = flowverify::diff::diff(&old, &new, &directions)?;
    let status = u8::from(!d.changes.is_empty());
    if json {
        let write = flowverify::ffi::diff_writer(d)?;
        return Ok(Answer::Streamed(Box::new(move |out| {
            write(out).map(|()| status)
        })));
    }
    let stdout = render::diff(&new, &mut d);
    Ok(Answer::Done(Outcome { stdout, status }))
}

/// `flowverify lint`.
fn run_lint(args: &InputArgs, json: bool) -> Result<Outcome, Failure> {
    let inputs = read_inputs(args)?;
    let findings = flowverify::lint::lint(&inputs)?;
    let stdout = if json {
        render::json_text(&flowverify::ffi::findings(&findings))
    } else {
        render::findings(&findings)
    };
    Ok(Outcome {
        stdout,
        status: u8::from(!findings.is_empty()),
    })
}

/// `--source` and `--destination` of `search`: the engine's list of IPs, CIDR blocks, `*` and
/// tag names, every entry given. An empty entry (`--source ''`, `','`, `a,,b`) is refused as
/// the engine refuses an entry it cannot read: a flag given empty is a mistake (a shell
/// variable that was not set), not "any", which leaving the flag out says.
fn address_set(text: &str) -> Result<AddressSide, QueryError> {
    every_entry_given(text, QueryError::BadAddress)?;
    Query::addresses(text)
}

/// `--source-port` and `--destination-port` of `search`: the engine's list of ports, every
/// entry given (see [`address_set`]).
fn port_set(text: &str) -> Result<PortSide, QueryError> {
    every_entry_given(text, QueryError::BadPort)?;
    Query::ports(text)
}

/// Refuses a comma-separated list with an empty entry, with the engine's error for an entry
/// that is not one.
fn every_entry_given(text: &str, bad: fn(String) -> QueryError) -> Result<(), QueryError> {
    if text.split(',').any(|entry| entry.trim().is_empty()) {
        return Err(bad(String::new()));
    }
    Ok(())
}

/// `flowverify search`.
fn run_search(args: &SearchArgs) -> Result<Answer, Failure> {
    use flowverify::search::search;
    let inputs = read_inputs(&args.inputs)?;
    let mut query = Query::new(args.direction);
    query.protocols = args.protocol.clone();
    let sides = [
        (&args.source, &mut query.source),
        (&args.destination, &mut query.destination),
    ];
    for (given, side) in sides {
        if let Some(given) = given {
            *side = given.clone();
        }
    }
    let sides = [
        ("source-port", &args.source_port, &mut query.source_ports),
        (
            "destination-port",
            &args.destination_port,
            &mut query.destination_ports,
        ),
    ];
    let mut warnings = String::new();
    for (flag, given, side) in sides {
        if let Some(given) = given {
            *side = given.clone();
            if let Some(w) = Protocol::portless_warning(&args.protocol, given) {
                warnings.push_str(&format!("warning: command line: --{flag}: {w}\n"));
            }
        }
    }
    // A rule the inputs do not have would be "proved" to decide no flow: it is a mistake.
    if let Some(rule) = &args.rule {
        inputs
            .find_rule(rule)
            .map_err(|e| format!("command line: --rule: {e}"))?;
    }
    query.access = args.access;
    query.rule = args.rule.clone();
    let mut found = search(&inputs, &query).map_err(|e| format!("command line: {e}"))?;
    if !warnings.is_empty() {
        // On standard error: it is about the command line, not the inputs, and the answer on
        // standard output (text or JSON) stays as a script expects it.
        let _ = std::io::stderr().write_all(warnings.as_bytes());
    }
    if args.json {
        let write = flowverify::ffi::found_writer(inputs, found)?;
        return Ok(Answer::Streamed(Box::new(move |out| {
            write(out).map(|any| u8::from(!any))
        })));
    }
    let example = found.example();
    let verdict = example.map(|flow| verify(&inputs, &flow));
    let stdout = match &verdict {
        Some(v) => format!("Found:\n{}", render::verdict(v)),
        None => format!("{}\n", render::escape(&query.none_words())),
    };
    Ok(Answer::Done(Outcome {
        stdout,
        status: if verdict.is_some() { 0 } else { 1 },
    }))
}

/// Assembles the inputs of a target: the scenario's slots, replaced or added to by the flags.
fn read_inputs(args: &InputArgs) -> Result<Inputs, Failure> {
    let files = [
        &args.scenario,
        &args.subnet_nsg,
        &args.nic_nsg,
        &args.effective,
    ]
    .into_iter()
    .chain([&args.nic, &args.service_tags])
    .flatten()
    .chain(&args.admin_rules);
    files::stdin_at_most_once(files.map(PathBuf::as_path))?;
    let mut errors = Vec::new();
    let mut documents: Vec<(Slot, Document)> = Vec::new();
    let mut prefixes: Vec<IpNet> = Vec::new();
    let mut asgs: Vec<(String, Vec<IpAddr>)> = Vec::new();

    let singles = [
        (Slot::SubnetNsg, &args.subnet_nsg),
        (Slot::NicNsg, &args.nic_nsg),
        (Slot::EffectiveRules, &args.effective),
        (Slot::Nic, &args.nic),
        (Slot::ServiceTags, &args.service_tags),
    ];
    let flagged = |slot: Slot| match slot {
        Slot::AdminRules => !args.admin_rules.is_empty(),
        _ => singles.iter().any(|(s, path)| *s == slot && path.is_some()),
    };

    if let Some(path) = &args.scenario {
        match files::read_scenario(path) {
            Ok((name, scenario)) => {
                for (slot, document) in scenario.imports(&name) {
                    if flagged(slot) {
                        continue;
                    }
                    match document {
                        Ok(d) => documents.push((slot, d)),
                        Err(e) => errors.push(e.to_string()),
                    }
                }
                match scenario.virtual_network_prefixes(&name) {
                    Ok(p) => prefixes.extend(p),
                    Err(e) => errors.push(e.to_string()),
                }
                match scenario.asg_members(&name) {
                    Ok(a) => asgs.extend(a),
                    Err(e) => errors.push(e.to_string()),
                }
            }
            Err(e) => errors.push(e),
        }
    }

    let mut from_files: Vec<(Slot, &PathBuf)> = Vec::new();
    for (slot, path) in singles {
        if let Some(path) = path {
            from_files.push((slot, path));
        }
    }
    from_files.extend(args.admin_rules.iter().map(|p| (Slot::AdminRules, p)));
    for (slot, path) in from_files {
        match files::read_text(path).and_then(|(name, text)| {
            import(&name, &text)
                .map(|d| (name, d))
                .map_err(|e| e.to_string())
        }) {
            Ok((_, d)) => documents.push((slot, d)),
            Err(e) => errors.push(e),
        }
    }
    if !errors.is_empty() {
        return Err(Failure::Input(errors));
    }

    // Admin rules in scope order: the scenario's (when not replaced) or the flags', as listed.
    let mut inputs = Inputs::new();
    for (slot, document) in documents {
        inputs.add(slot, document)?;
    }
    prefixes.extend(args.vnet.iter().copied());
    asgs.extend(args.asg.iter().cloned());
    inputs.virtual_network = prefixes;
    inputs.asgs = asgs;
    Ok(inputs)
}

/// `flowverify check`: verifies every flow as it goes and writes its line (or JSON object)
/// at once; nothing is kept per flow but three counts.
fn run_check(paths: &[PathBuf], json: bool) -> Result<Outcome, Failure> {
    files::stdin_at_most_once(paths.iter().map(PathBuf::as_path))?;
    let mut out = Lines::new();
    let mut tally = Tally::default();
    let mut errors = Vec::new();
    for path in paths {
        match check_file(path, json, &mut out, &mut tally) {
            Ok(()) => {}
            Err(CheckStop::Input(e)) => errors.push(e),
            Err(CheckStop::Output(e)) => {
                // Nothing more can be written: stop, with what was found wrong so far.
                errors.push(cannot_write(&e));
                return Err(Failure::Input(errors));
            }
        }
    }
    let printed = tally.passed + tally.failed + tally.skipped;
    let written = if !json && printed > 0 {
        writeln!(out.out, "{tally}").and_then(|()| out.out.flush())
    } else {
        out.out.flush()
    };
    if let Err(e) = written {
        errors.push(cannot_write(&e));
        return Err(Failure::Input(errors));
    }
    if !errors.is_empty() {
        return Err(Failure::Input(errors));
    }
    let status = match tally.standing() {
        Standing::Passed => 0,
        Standing::Failed => 1,
        Standing::NothingChecked => {
            let which = match paths {
                [one] => format!("{}: ", files::name_of(one)),
                _ => String::new(),
            };
            return Err(Failure::Input(vec![format!(
                "{which}nothing to check: no flow has an 'expect' ({} skipped); add \"expect\": \"Allow\" or \"Deny\" (or {{\"access\", \"ruleName\", \"layer\"}}) to the flows to check",
                tally.skipped
            )]));
        }
    };
    Ok(Outcome {
        stdout: String::new(),
        status,
    })
}

/// Why `check` stopped reading a file (or everything).
enum CheckStop {
    /// The file is bad: the message names it.
    Input(String),
    /// Standard output cannot be written (closed by its reader, a full disk): stop.
    Output(std::io::Error),
}

impl From<String> for CheckStop {
    fn from(message: String) -> CheckStop {
        CheckStop::Input(message)
    }
}

/// Checks the flows of one scenario file, writing each one's result as soon as it is known.
/// A file with a bad flow is refused before any of its flows is written.
fn check_file(
    path: &Path,
    json: bool,
    out: &mut Lines,
    tally: &mut Tally,
) -> Result<(), CheckStop> {
    let (name, mut scenario) = files::read_scenario(path)?;
    let title = scenario.title.take();
    // The text line needs no trace; JSON gives the whole result object. Every flow is read
    // before any is written; the documents are dropped once the inputs are built.
    let options = Options { trace: json };
    let checks = scenario
        .into_checks(&name, options)
        .map_err(|e| e.to_string())?;
    if checks.len() == 0 {
        return Err(CheckStop::Input(format!(
            "{name}: the scenario has no flows: nothing to check"
        )));
    }
    for check in checks {
        tally.add(&check.outcome);
        let row = render::CheckRow {
            file: &name,
            title: title.as_deref(),
            index: check.index,
            spec: &check.spec,
            verdict: &check.verdict,
            outcome: &check.outcome,
        };
        let written = if json {
            render::write_check_json(&mut out.out, &row).map_err(std::io::Error::from)
        } else {
            render::write_check_line(&mut out.out, &row)
        }
        .and_then(|()| out.end_line());
        written.map_err(CheckStop::Output)?;
    }
    Ok(())
}

/// Refuses a scenario whose inputs, baseline or flows `check` or `diff` would refuse (every
/// problem, each with its place): a link is for someone else to open, who should not find out
/// there that the baseline it compares against cannot be read.
fn valid(scenario: &Scenario, name: &str) -> Result<(), Failure> {
    let problems = scenario.problems(name);
    if problems.is_empty() {
        return Ok(());
    }
    Err(Failure::Input(
        problems.iter().map(ToString::to_string).collect(),
    ))
}

/// `check`'s standard output. A line is seen soon after it is known, without a write to the
/// terminal or pipe per line (100,000 writes were a good part of a check's time): lines are
/// gathered in a buffer that is written when full, when 50 ms have passed since the last
/// write, and at the end; on a terminal, after every line.
struct Lines {
    out: std::io::BufWriter<std::io::StdoutLock<'static>>,
    terminal: bool,
    written: std::time::Instant,
    lines: u32,
}

impl Lines {
    const EVERY: std::time::Duration = std::time::Duration::from_millis(50);

    fn new() -> Lines {
        let stdout = std::io::stdout();
        let terminal = std::io::IsTerminal::is_terminal(&stdout);
        Lines {
            out: std::io::BufWriter::with_capacity(64 << 10, stdout.lock()),
            terminal,
            written: std::time::Instant::now(),
            lines: 0,
        }
    }

    /// Ends the line written, and writes the buffer when it is time (the clock is read every
    /// 64 lines).
    fn end_line(&mut self) -> std::io::Result<()> {
        self.out.write_all(b"\n")?;
        self.lines = self.lines.wrapping_add(1);
        if self.terminal
            || (self.lines.is_multiple_of(64) && self.written.elapsed() >= Lines::EVERY)
        {
            self.out.flush()?;
            self.written = std::time::Instant::now();
        }
        Ok(())
    }
}

/// `flowverify permalink encode`.
fn run_encode(path: &Path, base: Option<&str>) -> Result<Outcome, Failure> {
    let (name, scenario) = files::read_scenario(path)?;
    valid(&scenario, &name)?;
    let link = match base {
        Some(base) => permalink::url(base, &scenario),
        None => permalink::encode(&scenario),
    }
    .map_err(|e| format!("{name}: {e}"))?;
    Ok(Outcome {
        stdout: format!("{link}\n"),
        status: 0,
    })
}

/// `flowverify permalink decode`.
fn run_decode(link: &str) -> Result<Outcome, Failure> {
    let link = files::read_link(link)?;
    let scenario: Scenario = permalink::decode(&link).map_err(|e| e.to_string())?;
    valid(&scenario, "permalink")?;
    Ok(Outcome {
        stdout: format!("{}\n", scenario.to_json_pretty()),
        status: 0,
    })
}
