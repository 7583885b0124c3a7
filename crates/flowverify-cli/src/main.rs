//! `flowverify`: Azure Network Watcher's IP flow verify, offline, for scripts and CI
//! (`interfaces.md` section 3).
//!
//! Exit status: 0 verdict printed / every expectation checked was met (at least one); 1 `check`
//! found a flow whose verdict differs from its expectation; 2 bad input or usage (stderr starts
//! with `error`), including a scenario without flows and a `check` with nothing to check.
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
use flowverify::model::{Direction, Protocol};
use flowverify::scenario::{parse_asg_assignment, parse_cidr, Scenario, Standing, Tally};
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
    /// decides them (`interfaces.md` section 7).
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
    #[arg(long, value_name = "SET")]
    source: Option<String>,
    /// Source ports: N, A-B, *, comma-separated (default: any).
    #[arg(long, value_name = "PORTS")]
    source_port: Option<String>,
    /// Destination addresses, written like --source.
    #[arg(long, value_name = "SET")]
    destination: Option<String>,
    /// Destination ports, written like --source-port.
    #[arg(long, value_name = "PORTS")]
    destination_port: Option<String>,
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
    /// Bad input or usage: each message is printed after `error: `.
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

/// The exit status of a `check` whose standard output was closed before it finished (as a
/// shell reports a process ended by SIGPIPE): it stops quietly, but never claims success.
const CLOSED_STDOUT: u8 = 141;

/// Output of a command: what goes to stdout, and the exit status.
struct Outcome {
    stdout: String,
    status: u8,
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
        Err(e) if !e.use_stderr() => e.exit(),
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
    let result = match cli.command {
        Command::Verify(args) => run_verify(&args),
        Command::Check { scenarios, json } => run_check(&scenarios, json),
        Command::Reach(args) => run_reach(&args),
        Command::Search(args) => run_search(&args),
        Command::Lint { inputs, json } => run_lint(&inputs, json),
        Command::Replay(args) => replay::run(&args.inputs, &args.logs, args.json, args.limit),
        Command::Diff {
            before,
            after,
            direction,
            json,
        } => run_diff(&before, after.as_deref(), direction, json),
        Command::Permalink(PermalinkCommand::Encode { scenario, base }) => {
            run_encode(&scenario, base.as_deref())
        }
        Command::Permalink(PermalinkCommand::Decode { link }) => run_decode(&link),
        Command::Assumptions { markdown } => Ok(Outcome {
            stdout: if markdown {
                flowverify::assumptions::markdown()
            } else {
                flowverify::assumptions::plain_text()
            },
            status: 0,
        }),
    };
    match result {
        Ok(outcome) => {
            emit(&outcome.stdout);
            ExitCode::from(outcome.status)
        }
        Err(Failure::Input(messages)) => {
            let mut text = String::new();
            for m in messages {
                text.push_str("error: ");
                text.push_str(&render::escape(&m));
                text.push('\n');
            }
            let _ = std::io::stderr().write_all(text.as_bytes());
            ExitCode::from(2)
        }
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a panic.
fn emit(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes()).and_then(|()| out.flush());
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
fn run_reach(args: &ReachArgs) -> Result<Outcome, Failure> {
    let inputs = read_inputs(&args.inputs)?;
    let local: Vec<IpNet> = if args.local.is_empty() {
        inputs
            .nics
            .iter()
            .flat_map(|n| n.ips.iter().map(|ip| IpNet::from(*ip)))
            .collect()
    } else {
        args.local.clone()
    };
    let mut reach = flowverify::reach::reach_within(&inputs, args.direction, &local);
    let stdout = if args.json {
        let mut text =
            serde_json::to_string_pretty(&flowverify::ffi::reach(&mut reach)).unwrap_or_default();
        text.push('\n');
        text
    } else {
        render::reach(&inputs, &mut reach, &local)
    };
    Ok(Outcome { stdout, status: 0 })
}

/// `flowverify diff`.
fn run_diff(
    before: &Path,
    after: Option<&Path>,
    direction: Option<Direction>,
    json: bool,
) -> Result<Outcome, Failure> {
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
    let mut d = flowverify::diff::diff(&old, &new, &directions);
    let stdout = if json {
        let mut text =
            serde_json::to_string_pretty(&flowverify::ffi::diff(&mut d)).unwrap_or_default();
        text.push('\n');
        text
    } else {
        render::diff(&new, &mut d)
    };
    Ok(Outcome {
        stdout,
        status: u8::from(!d.changes.is_empty()),
    })
}

/// `flowverify lint`.
fn run_lint(args: &InputArgs, json: bool) -> Result<Outcome, Failure> {
    let inputs = read_inputs(args)?;
    let findings = flowverify::lint::lint(&inputs);
    let stdout = if json {
        let mut text =
            serde_json::to_string_pretty(&flowverify::ffi::findings(&findings)).unwrap_or_default();
        text.push('\n');
        text
    } else {
        render::findings(&findings)
    };
    Ok(Outcome {
        stdout,
        status: u8::from(!findings.is_empty()),
    })
}

/// `flowverify search`.
fn run_search(args: &SearchArgs) -> Result<Outcome, Failure> {
    use flowverify::search::{search, Query};
    let inputs = read_inputs(&args.inputs)?;
    let bad =
        |flag: &str, e: flowverify::search::QueryError| format!("command line: --{flag}: {e}");
    let mut query = Query::new(args.direction);
    query.protocols = args.protocol.clone();
    if let Some(text) = &args.source {
        query.source = Query::addresses(text).map_err(|e| bad("source", e))?;
    }
    if let Some(text) = &args.destination {
        query.destination = Query::addresses(text).map_err(|e| bad("destination", e))?;
    }
    if let Some(text) = &args.source_port {
        query.source_ports = Query::ports(text).map_err(|e| bad("source-port", e))?;
    }
    if let Some(text) = &args.destination_port {
        query.destination_ports = Query::ports(text).map_err(|e| bad("destination-port", e))?;
    }
    query.access = args.access;
    query.rule = args.rule.clone();
    let mut found = search(&inputs, &query).map_err(|e| format!("command line: {e}"))?;
    if args.json {
        let json = flowverify::ffi::found(&inputs, &mut found);
        let status = u8::from(json["found"] != true);
        let mut stdout = serde_json::to_string_pretty(&json).unwrap_or_default();
        stdout.push('\n');
        return Ok(Outcome { stdout, status });
    }
    let example = found.example();
    let verdict = example.map(|flow| verify(&inputs, &flow));
    let stdout = match &verdict {
        Some(v) => format!("Found:\n{}", render::verdict(v)),
        None => format!(
            "None: no {} flow of the query {}; the search covers every flow, so this is a proof\n",
            args.direction.as_str().to_ascii_lowercase(),
            match (args.access, &args.rule) {
                (Some(a), Some(r)) => format!(
                    "is {} by {}",
                    a.as_str().to_ascii_lowercase(),
                    render::escape(r)
                ),
                (Some(a), None) => format!(
                    "is {}",
                    if a == flowverify::Decision::Allow {
                        "allowed"
                    } else {
                        "denied"
                    }
                ),
                (None, Some(r)) => format!("is decided by {}", render::escape(r)),
                (None, None) => "exists".to_string(),
            }
        ),
    };
    Ok(Outcome {
        stdout,
        status: if verdict.is_some() { 0 } else { 1 },
    })
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
            Err(CheckStop::ClosedStdout) => {
                return Ok(Outcome {
                    stdout: String::new(),
                    status: CLOSED_STDOUT,
                })
            }
        }
    }
    let printed = tally.passed + tally.failed + tally.skipped;
    let written = if !json && printed > 0 {
        writeln!(out.out, "{tally}").and_then(|()| out.out.flush())
    } else {
        out.out.flush()
    };
    if written.is_err() {
        return Ok(Outcome {
            stdout: String::new(),
            status: CLOSED_STDOUT,
        });
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
    /// Standard output was closed (`| head`): stop quietly.
    ClosedStdout,
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
        if written.is_err() {
            return Err(CheckStop::ClosedStdout);
        }
    }
    Ok(())
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
    Ok(Outcome {
        stdout: format!("{}\n", scenario.to_json_pretty()),
        status: 0,
    })
}
