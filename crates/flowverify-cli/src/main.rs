//! `flowverify`: Azure Network Watcher's IP flow verify, offline, for scripts and CI
//! (`interfaces.md` section 3).
//!
//! Exit status: 0 verdict printed / every expectation met; 1 `check` found a flow whose verdict
//! differs from its expectation; 2 bad input or usage (stderr starts with `error`).
//!
//! The command line is thin: it reads files, hands them to the engine and prints what the engine
//! says. All evaluation lives in the `flowverify` crate.

mod files;
mod render;

use std::io::Write;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use flowverify::flow::Endpoint;
use flowverify::import::{import, Document};
use flowverify::model::{Direction, Protocol};
use flowverify::scenario::{parse_asg_assignment, parse_cidr, Scenario};
use flowverify::{permalink, verify, Flow, InputError, Inputs, Slot};
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
    /// Verify every flow of each scenario against its `expect`: one line per flow, then a summary.
    Check {
        /// Scenario documents (JSON).
        #[arg(value_name = "SCENARIO.json", required = true)]
        scenarios: Vec<PathBuf>,
        /// Print a JSON array, one object per flow, instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Encode a scenario as a permalink, or decode a permalink back to its scenario.
    #[command(subcommand)]
    Permalink(PermalinkCommand),
}

#[derive(Debug, Subcommand)]
enum PermalinkCommand {
    /// Print the permalink of a scenario: `v1.…`, or `URL#v1.…` with --base.
    Encode {
        /// The scenario document.
        #[arg(value_name = "SCENARIO.json")]
        scenario: PathBuf,
        /// The page URL to put before the fragment.
        #[arg(long, value_name = "URL")]
        base: Option<String>,
    },
    /// Print the scenario of a permalink, as indented JSON.
    Decode {
        /// A full URL, `#v1.…` or `v1.…`.
        #[arg(value_name = "URL-OR-FRAGMENT")]
        link: String,
    },
}

#[derive(Debug, Args)]
struct VerifyArgs {
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
    /// A scenario document; the flags above add to or replace its slots.
    #[arg(long, value_name = "FILE", help_heading = "Inputs")]
    scenario: Option<PathBuf>,

    /// inbound or outbound.
    #[arg(long, value_name = "inbound|outbound", value_parser = parse_direction)]
    direction: Direction,
    /// tcp, udp, icmp, esp or ah.
    #[arg(long, value_name = "tcp|udp|icmp|esp|ah", value_parser = parse_protocol)]
    protocol: Protocol,
    /// The target's address: IP:PORT, [IPv6]:PORT, or an IP for icmp, esp and ah.
    #[arg(long, value_name = "IP[:PORT]", value_parser = Endpoint::parse)]
    local: Endpoint,
    /// The other end's address, written like --local.
    #[arg(long, value_name = "IP[:PORT]", value_parser = Endpoint::parse)]
    remote: Endpoint,
    /// Print the result object as JSON.
    #[arg(long)]
    json: bool,
}

fn parse_direction(text: &str) -> Result<Direction, String> {
    Direction::parse(text).ok_or_else(|| format!("direction '{text}' is not inbound or outbound"))
}

fn parse_protocol(text: &str) -> Result<Protocol, String> {
    Protocol::parse(text)
        .ok_or_else(|| format!("protocol '{text}' is not one of tcp, udp, icmp, esp, ah"))
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
        Err(e) => e.exit(),
    };
    let result = match cli.command {
        Command::Verify(args) => run_verify(&args),
        Command::Check { scenarios, json } => run_check(&scenarios, json),
        Command::Permalink(PermalinkCommand::Encode { scenario, base }) => {
            run_encode(&scenario, base.as_deref())
        }
        Command::Permalink(PermalinkCommand::Decode { link }) => run_decode(&link),
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
                text.push_str(&m);
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
    let inputs = verify_inputs(args)?;
    let verdict = verify(&inputs, &flow);
    let stdout = if args.json {
        render::json(&verdict)
    } else {
        render::verdict(&verdict)
    };
    Ok(Outcome { stdout, status: 0 })
}

/// Assembles the inputs of `verify`: the scenario's slots, replaced or added to by the flags.
fn verify_inputs(args: &VerifyArgs) -> Result<Inputs, Failure> {
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

/// `flowverify check`.
fn run_check(paths: &[PathBuf], json: bool) -> Result<Outcome, Failure> {
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    for path in paths {
        let loaded = files::read_scenario(path).and_then(|(name, scenario)| {
            let inputs = scenario.inputs(&name).map_err(|e| e.to_string())?;
            let flows = scenario.parsed_flows(&name).map_err(|e| e.to_string())?;
            Ok((name, scenario, inputs, flows))
        });
        let (name, scenario, inputs, flows) = match loaded {
            Ok(l) => l,
            Err(e) => {
                errors.push(e);
                continue;
            }
        };
        for (index, (spec, flow)) in scenario.flows.iter().zip(&flows).enumerate() {
            let verdict = verify(&inputs, flow);
            let outcome = match &spec.expect {
                Some(expect) => expect.check(&verdict),
                None => Ok(()),
            };
            rows.push(render::CheckRow {
                file: name.clone(),
                title: scenario.title.clone(),
                index,
                spec: spec.clone(),
                verdict,
                outcome,
            });
        }
    }
    let failed = rows.iter().filter(|r| r.outcome.is_err()).count();
    let passed = rows.len() - failed;
    let stdout = if json {
        render::check_json(&rows)
    } else {
        let mut text = String::new();
        for row in &rows {
            text.push_str(&render::check_line(row));
            text.push('\n');
        }
        text.push_str(&format!("{passed} passed, {failed} failed\n"));
        text
    };
    if !errors.is_empty() {
        // Print what could be checked, then report the bad input.
        if !rows.is_empty() {
            emit(&stdout);
        }
        return Err(Failure::Input(errors));
    }
    Ok(Outcome {
        stdout,
        status: if failed > 0 { 1 } else { 0 },
    })
}

/// `flowverify permalink encode`.
fn run_encode(path: &Path, base: Option<&str>) -> Result<Outcome, Failure> {
    let (_, scenario) = files::read_scenario(path)?;
    let link = match base {
        Some(base) => permalink::url(base, &scenario),
        None => permalink::encode(&scenario),
    }
    .map_err(|e| format!("{}: {e}", path.display()))?;
    Ok(Outcome {
        stdout: format!("{link}\n"),
        status: 0,
    })
}

/// `flowverify permalink decode`.
fn run_decode(link: &str) -> Result<Outcome, Failure> {
    let scenario: Scenario = permalink::decode(link).map_err(|e| e.to_string())?;
    Ok(Outcome {
        stdout: format!("{}\n", scenario.to_json_pretty()),
        status: 0,
    })
}
