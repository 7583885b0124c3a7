//! The Analysis area's parts as HTML, made by the worker from the engine's results: the
//! Overview (the grid of what is open, per direction, and the counts), Reachability (a table
//! per direction, the rule named once per group), Findings (the most serious first, each with
//! its fix), Search and Compare. Every word comes from the engine (`BoxLine`, `Decider`,
//! `CellAccess`, `Finding::fix`, ...); this module only escapes and lays out.

use std::fmt::Write as _;

use flowverify::flowset::{BoxLine, FlowSpace};
use flowverify::grid::{Cell, CellAccess, Grid, LocalSide};
use flowverify::lint::Finding;
use flowverify::model::Direction;
use flowverify::reach::{Reach, Region};
use flowverify::{ffi, Flow, Inputs, Layer};
use serde_json::Value;

/// How many verdicts (deciding rules) of a direction the page lists.
pub const GROUPS_SHOWN: usize = 40;
/// How many sets of flows of one verdict the page shows at first.
pub const ROWS_SHOWN: usize = 5;
/// How many more it shows on request (the rest: Search lists them).
pub const ROWS_MORE: usize = 45;
/// How many findings the page lists (all of them are in `window.flowverify.lint`).
pub const FINDINGS_SHOWN: usize = 200;

/// `text` safe in HTML text and in a quoted attribute.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// An analysis the set engine's budget refused, with what to narrow.
pub fn too_large_html(e: &flowverify::TooLarge) -> String {
    format!(
        "<p class=\"note bad\" data-testid=\"too-large\">Too large to analyse here: {}</p>",
        esc(&e.to_string())
    )
}

/// The inputs cannot be read: nothing to analyse.
pub fn inputs_problem(message: &str) -> String {
    format!(
        "<p class=\"note bad\">The inputs have an error, so there is nothing to analyse yet: {}</p>",
        esc(message)
    )
}

/// A verdict's deciding rule and place: `securityRules/X (NIC NSG nsg-web)`.
pub fn decider(rule: Option<&str>, layer: Layer, resource: Option<&str>) -> String {
    flowverify::verdict::Decider::new(rule, flowverify::verdict::Place::new(layer, resource))
        .to_string()
}

fn region_decider(r: &Region) -> String {
    decider(r.rule_name.as_deref(), r.layer, r.resource.as_deref())
}

fn place(layer: Layer, resource: Option<&str>) -> String {
    flowverify::verdict::Place::new(layer, resource).to_string()
}

/// The button that loads `flow` into the flow form (the page reads `data-flow`); `rule`, when
/// given, is the rule to show in its trace.
pub fn load_button(flow: &Flow, label: &str, rule: Option<&str>) -> String {
    let words = flow.to_string();
    let rule = rule
        .map(|r| format!(" data-rule=\"{}\"", esc(r)))
        .unwrap_or_default();
    format!(
        "<button type=\"button\" class=\"button quiet load\" data-flow=\"{}\"{rule} \
         aria-label=\"{label}: {}\" title=\"{}\">{label}</button>",
        esc(&ffi::flow(flow).to_string()),
        esc(&words),
        esc(&words),
    )
}

/// A button that opens the Search tab with `query` (the search form's fields) searched.
fn search_button(query: &[(&str, &str)], label: &str) -> String {
    let mut q = serde_json::Map::new();
    for (k, v) in query {
        q.insert((*k).to_string(), Value::from(*v));
    }
    format!(
        "<button type=\"button\" class=\"button quiet\" data-action=\"search\" data-query=\"{}\">{label}</button>",
        esc(&Value::Object(q).to_string())
    )
}

/// The VM's addresses in words, and where they come from: `10.0.1.4 (the network interface's
/// address)`, `any local address`.
pub fn local_words(inputs: &Inputs, space: &mut FlowSpace, local: &LocalSide) -> String {
    if local.nets.is_empty() {
        return local.words().to_string();
    }
    format!(
        "{} ({})",
        space.describe_addresses(inputs, &local.nets),
        local.words()
    )
}

/// What the analysis is about: `Flows of 10.0.1.4 (the network interface's address)`.
pub fn scope_html(words: &str) -> String {
    format!("Flows of {}", esc(words))
}

/// `to` or `from` the local side, by direction.
fn toward(direction: Direction) -> (&'static str, &'static str) {
    match direction {
        Direction::Inbound => ("from", "Inbound: what reaches the VM"),
        Direction::Outbound => ("to", "Outbound: what the VM reaches"),
    }
}

/// A cell's sentence: `SSH (Tcp 22) from Internet: allowed by securityRules/AllowSsh (subnet
/// NSG nsg-a)`.
fn cell_words(
    grid: &Grid,
    regions: &[Region],
    remote: &str,
    service: usize,
    cell: &Cell,
) -> String {
    let (from, _) = toward(grid.direction);
    let s = &grid.services[service];
    let head = if s.label == s.ports {
        format!("{} {from} {remote}", s.label)
    } else {
        format!("{} ({}) {from} {remote}", s.label, s.ports)
    };
    let list = |ids: &[usize]| {
        let names: Vec<String> = ids.iter().map(|&i| region_decider(&regions[i])).collect();
        names.join("; ")
    };
    let mut parts = Vec::new();
    if !cell.allowed_by.is_empty() {
        parts.push(format!("allowed by {}", list(&cell.allowed_by)));
    }
    if !cell.denied_by.is_empty() {
        parts.push(format!("denied by {}", list(&cell.denied_by)));
    }
    if cell.more {
        parts.push("and more rules".to_string());
    }
    if parts.is_empty() {
        return format!("{head}: no such flow here");
    }
    match cell.access {
        CellAccess::Allow | CellAccess::Deny => format!("{head}: {}", parts.join("; ")),
        _ => format!("{head}: {}: {}", cell.access.words(), parts.join("; ")),
    }
}

/// One direction's grid: a table (rows the remote sides, columns the services), each cell a
/// button (its colour, mark and deciding layer; its sentence as title and label) that loads
/// its example; arrow keys move between cells.
pub fn grid_html(grid: &Grid, regions: &[Region], local: &LocalSide, space_words: &str) -> String {
    let direction = grid.direction;
    let (from, title) = toward(direction);
    let mut out = format!(
        "<section class=\"grid-box\" aria-label=\"{title}\"><h4>{title}</h4>\
         <div class=\"grid-scroll\"><table class=\"analysis-grid\" data-testid=\"analysis-grid\" \
         data-direction=\"{direction}\"><caption class=\"sr-only\">{title}: {} by remote side \
         and service</caption><thead><tr><th scope=\"col\" class=\"corner\">{}</th>",
        esc(space_words),
        if from == "from" {
            "From \\ service"
        } else {
            "To \\ service"
        },
    );
    for s in &grid.services {
        let _ = write!(
            out,
            "<th scope=\"col\" title=\"{}\"{}><span>{}</span></th>",
            esc(&s.ports),
            if s.risky { " class=\"risky\"" } else { "" },
            esc(&s.label)
        );
    }
    out.push_str("</tr></thead><tbody>");
    let mut first = true;
    for (remote, cells) in grid.rows() {
        let _ = write!(
            out,
            "<tr><th scope=\"row\" class=\"code\">{}</th>",
            esc(&remote.label)
        );
        for (i, cell) in cells.iter().enumerate() {
            let service = &grid.services[i];
            let words = cell_words(grid, regions, &remote.label, i, cell);
            let access = cell.access.as_str();
            let first_rule = cell
                .allowed_by
                .first()
                .or(cell.denied_by.first())
                .map(|&r| &regions[r]);
            let layer = first_rule.map_or("", |r| r.layer.initial());
            let flow = cell
                .example
                .as_ref()
                .map(|e| {
                    let rule = first_rule
                        .and_then(|r| r.rule_name.as_deref())
                        .map(|r| format!(" data-rule=\"{}\"", esc(r)))
                        .unwrap_or_default();
                    format!(" data-flow=\"{}\"{rule}", esc(&ffi::flow(e).to_string()))
                })
                .unwrap_or_default();
            let query = grid_query(direction, &remote.label, service, local);
            let _ = write!(
                out,
                "<td class=\"cell {access}\" data-testid=\"grid-cell\" data-access=\"{access}\" \
                 data-remote=\"{}\" data-service=\"{}\"><button type=\"button\" class=\"cell-button\" \
                 tabindex=\"{}\"{flow}{query} title=\"{w}\" aria-label=\"{w}\" data-words=\"{w}\">\
                 <span aria-hidden=\"true\">{}</span><small aria-hidden=\"true\">{layer}</small></button></td>",
                esc(&remote.label),
                esc(&service.label),
                if first { "0" } else { "-1" },
                cell.access.mark(),
                w = esc(&words),
            );
            first = false;
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    if grid.remotes_left > 0 {
        let _ = write!(
            out,
            "<p class=\"help\">The rules name {} more remote sides; their flows are in the rows that \
             hold them (Search covers any of them).</p>",
            grid.remotes_left
        );
    }
    out.push_str("</section>");
    out
}

/// The search query that lists a cell's flows (its remote side, service and the local
/// addresses), as a `data-query` attribute (none for `other addresses` or an `other` column:
/// no query names them).
fn grid_query(
    direction: Direction,
    remote: &str,
    service: &flowverify::grid::Service,
    local: &LocalSide,
) -> String {
    if remote == "other addresses" || service.label.starts_with("other ") {
        return String::new();
    }
    let mut q = serde_json::Map::new();
    q.insert("direction".into(), Value::from(direction.as_str()));
    let (protocol, ports) = service
        .ports
        .split_once(' ')
        .unwrap_or((service.ports.as_str(), ""));
    q.insert("protocol".into(), Value::from(protocol));
    if !ports.is_empty() {
        q.insert("destinationPort".into(), Value::from(ports));
    }
    let (remote_side, local_side) = match direction {
        Direction::Inbound => ("source", "destination"),
        Direction::Outbound => ("destination", "source"),
    };
    q.insert(remote_side.into(), Value::from(remote));
    if !local.nets.is_empty() {
        let nets: Vec<String> = local.nets.iter().map(ToString::to_string).collect();
        q.insert(local_side.into(), Value::from(nets.join(",")));
    }
    format!(" data-query=\"{}\"", esc(&Value::Object(q).to_string()))
}

/// The legend under the grids.
pub const LEGEND: &str = "<p class=\"legend\"><span class=\"swatch allow\">✓</span> allowed \
    <span class=\"swatch partly\">◐</span> partly <span class=\"swatch deny\">✗</span> denied \
    <span class=\"swatch uncertain\">?</span> uncertain · the letter is the layer that decides: \
    A admin rules, S subnet NSG, N NIC NSG · a cell loads an example into the flow form</p>\
    <div class=\"cell-detail\" id=\"cell-detail\" role=\"status\" aria-live=\"polite\"></div>";

/// The Overview's counts: verdicts per direction, findings per kind, with links to their tabs.
pub fn counts_html(reaches: &[(Direction, usize)], findings: Option<&[Finding]>) -> String {
    let mut out = String::from("<p class=\"counts\">");
    for (direction, n) in reaches {
        let _ = write!(
            out,
            "<button type=\"button\" class=\"button quiet\" data-action=\"tab\" data-tab=\"reach\">{direction}: {n} verdict{}</button> ",
            if *n == 1 { "" } else { "s" }
        );
    }
    if let Some(findings) = findings {
        let mut kinds: Vec<(String, usize)> = Vec::new();
        for f in findings {
            let kind = kind_words(f);
            match kinds.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += 1,
                None => kinds.push((kind, 1)),
            }
        }
        let words: Vec<String> = kinds.iter().map(|(k, n)| format!("{n} {k}")).collect();
        let _ = write!(
            out,
            "<button type=\"button\" class=\"button quiet\" data-action=\"tab\" data-tab=\"findings\">{} finding{}{}</button>",
            findings.len(),
            if findings.len() == 1 { "" } else { "s" },
            if words.is_empty() { String::new() } else { format!(": {}", words.join(", ")) }
        );
    }
    out.push_str("</p>");
    out
}

/// A finding's kind as shown: `exposure`, `shadowed (conflict)`, ...
fn kind_words(f: &Finding) -> String {
    if f.conflict() {
        "conflict".to_string()
    } else {
        f.kind.as_str().to_string()
    }
}

/// One direction's reachability as a table: access, protocol, ports, from, to, the rule and
/// its layer (named once per group), an example to load; allowed groups first.
pub fn reach_html(inputs: &Inputs, reach: &mut Reach) -> String {
    let direction = reach.direction;
    let order = reach.reading_order();
    let count = order.len();
    let mut out = format!(
        "<h4>{direction}: {count} verdict{}</h4><div class=\"table-scroll\"><table class=\"reach-table\">\
         <thead><tr><th scope=\"col\">Access</th><th scope=\"col\">Protocol</th><th scope=\"col\">Ports</th>\
         <th scope=\"col\">From</th><th scope=\"col\">To</th><th scope=\"col\">Rule</th>\
         <th scope=\"col\">Layer</th><th scope=\"col\"><span class=\"sr-only\">Example</span></th></tr></thead>",
        if count == 1 { "" } else { "s" }
    );
    for &i in order.iter().take(GROUPS_SHOWN) {
        let region = reach.regions[i].clone();
        let space = &mut reach.space;
        let shown = space.box_words(inputs, region.flows, direction, ROWS_SHOWN, true);
        let more = if shown.total > ROWS_SHOWN as u128 {
            space
                .box_words(
                    inputs,
                    region.flows,
                    direction,
                    ROWS_SHOWN + ROWS_MORE,
                    false,
                )
                .shown
                .into_iter()
                .skip(ROWS_SHOWN)
                .collect()
        } else {
            Vec::new()
        };
        out.push_str(&group_html(
            &region,
            direction,
            &shown.shown,
            &more,
            shown.total,
        ));
    }
    out.push_str("</table></div>");
    if count > GROUPS_SHOWN {
        let _ = write!(
            out,
            "<p class=\"help\">and {} more verdicts: Search finds the flows of any rule.</p>",
            count - GROUPS_SHOWN
        );
    }
    out
}

/// One verdict's rows: the first shown, the next ones behind a button, the rest in Search.
fn group_html(
    region: &Region,
    direction: Direction,
    shown: &[(BoxLine, Option<Flow>)],
    more: &[(BoxLine, Option<Flow>)],
    total: u128,
) -> String {
    let access = region.access.as_str();
    let class = access.to_ascii_lowercase();
    let rule = region.rule_name.as_deref();
    let uncertain = if region.uncertain {
        " <span class=\"uncertain\" title=\"a rule before it lacks input\">(uncertain)</span>"
    } else {
        ""
    };
    // A rule name may break after its last slash, never inside a word.
    let rule_cell = {
        let name = rule.unwrap_or("(none)");
        match name.rfind('/') {
            Some(at) => format!("{}<wbr>{}", esc(&name[..=at]), esc(&name[at + 1..])),
            None => esc(name),
        }
    };
    let layer_cell = esc(&place(region.layer, region.resource.as_deref()));
    let row = |line: &BoxLine, example: &Option<Flow>, first: bool, span: usize| {
        let head = if first {
            format!("<td rowspan=\"{span}\" class=\"access {class}\"><strong>{access}</strong>{uncertain}</td>")
        } else {
            String::new()
        };
        let tail = if first {
            format!(
                "<td rowspan=\"{span}\" class=\"code rule\">{rule_cell}</td><td rowspan=\"{span}\">{layer_cell}</td>"
            )
        } else {
            String::new()
        };
        let from = match &line.source_ports {
            Some(p) => format!("{} port {p}", line.source),
            None => line.source.clone(),
        };
        format!(
            "<tr class=\"reach-row\" data-testid=\"reach-row\" data-access=\"{access}\" data-rule=\"{}\">\
             {head}<td>{}</td><td>{}</td><td class=\"code\">{}</td><td class=\"code\">{}</td>{tail}<td>{}</td></tr>",
            esc(rule.unwrap_or("")),
            esc(&line.protocols),
            esc(line.ports.as_deref().unwrap_or("any")),
            esc(&from),
            esc(&line.destination),
            example
                .as_ref()
                .map(|e| load_button(e, "Load", rule))
                .unwrap_or_default()
        )
    };
    let mut out = format!("<tbody class=\"reach-group {class}\">");
    for (k, (line, example)) in shown.iter().enumerate() {
        out.push_str(&row(line, example, k == 0, shown.len()));
    }
    let left = total.saturating_sub(shown.len() as u128);
    if left > 0 {
        let more_shown = more.len() as u128;
        let search = rule
            .map(|r| {
                search_button(
                    &[("direction", direction.as_str()), ("rule", r)],
                    "Search them all",
                )
            })
            .unwrap_or_default();
        if more_shown > 0 {
            let _ = write!(
                out,
                "<tr class=\"more\"><td colspan=\"8\">and {left} more sets of flows \
                 <button type=\"button\" class=\"button quiet\" data-action=\"more\" aria-expanded=\"false\">Show {more_shown} more</button> {search}</td></tr>"
            );
        } else {
            let _ = write!(out, "<tr class=\"more\"><td colspan=\"8\">and {left} more sets of flows {search}</td></tr>");
        }
        out.push_str("</tbody>");
        if more_shown > 0 {
            out.push_str(&format!(
                "<tbody class=\"reach-group {class} more-rows\" hidden>"
            ));
            for (k, (line, example)) in more.iter().enumerate() {
                out.push_str(&row(line, example, k == 0, more.len()));
            }
            out.push_str("</tbody>");
        }
        return out;
    }
    out.push_str("</tbody>");
    out
}

/// The findings, the most serious first, each with the rule that decides its example: kind,
/// rule and place, what was found, the fix, and the example to load (its trace shows that
/// rule).
pub fn findings_html(findings: &[(Finding, Option<String>)]) -> String {
    if findings.is_empty() {
        return "<p>No findings: no rule is shadowed, preempted or redundant, no risky service is \
                open to the Internet, and every name is resolved.</p>"
            .into();
    }
    let mut out = format!(
        "<p>{} finding{}, the most serious first.</p><div class=\"table-scroll\"><table class=\"findings-table\">\
         <thead><tr><th scope=\"col\">Kind</th><th scope=\"col\">Rule</th><th scope=\"col\">Finding</th>\
         <th scope=\"col\">Fix</th><th scope=\"col\"><span class=\"sr-only\">Example</span></th></tr></thead><tbody>",
        findings.len(),
        if findings.len() == 1 { "" } else { "s" }
    );
    for (f, decider) in findings.iter().take(FINDINGS_SHOWN) {
        let kind = kind_words(f);
        let rule = match &f.rule {
            Some(r) => format!(
                "<span class=\"code\">{}</span><br><small>{} · {}</small>",
                esc(r),
                f.direction,
                esc(&place(f.layer, f.resource.as_deref()))
            ),
            None => format!("<small>{}</small>", f.direction),
        };
        let show = f
            .example
            .as_ref()
            .map(|e| load_button(e, "Show in the trace", decider.as_deref()))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<tr class=\"finding\" data-testid=\"finding\" data-kind=\"{}\"><td><span class=\"kind kind-{}\">{}</span></td>\
             <td>{rule}</td><td>{}</td><td>{}</td><td>{show}</td></tr>",
            f.kind.as_str(),
            if f.conflict() { "conflict" } else { f.kind.as_str() },
            esc(&kind),
            esc(&f.message),
            esc(&f.fix()),
        );
    }
    out.push_str("</tbody></table></div>");
    if findings.len() > FINDINGS_SHOWN {
        let _ = write!(
            out,
            "<p class=\"help\">and {} more findings (window.flowverify.lint lists them all)</p>",
            findings.len() - FINDINGS_SHOWN
        );
    }
    out
}
