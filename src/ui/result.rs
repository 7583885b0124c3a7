//! The verdict of the selected flow, live: the badge (words, symbol and colour), the deciding
//! rule, layer and resource, warnings, the path through the layers, and the trace per layer.

use flowverify::model::Direction;
use flowverify::verdict::{Layer, LayerDecision, LayerTrace, RuleTrace};
use flowverify::Verdict;
use leptos::prelude::*;

use super::Page;
use crate::evaluation::{path, Stage, StageOutcome};

/// Rules shown per layer before "Show all": the first ones and, always, the last (the match).
const SHOWN_HEAD: usize = 40;
const SHOWN_TAIL: usize = 10;

/// The verdict without its trace (what the badge and the facts show).
fn summary(verdict: &Verdict) -> Verdict {
    Verdict {
        trace: Vec::new(),
        ..verdict.clone()
    }
}

/// The result panel. Each part is a memo of its own, so a keystroke re-renders only the parts
/// whose content changed, and the trace keeps the rows that stayed the same.
#[component]
pub fn Result(page: Page) -> impl IntoView {
    let expanded = RwSignal::new(Vec::<String>::new());
    let errors = Memo::new(move |_| page.assembled.get().error_count());
    let verdict = Memo::new(move |_| {
        page.current
            .get()
            .as_ref()
            .as_ref()
            .and_then(|o| o.verdict.as_ref().map(summary))
    });
    let problems = Memo::new(move |_| {
        page.current.get().as_ref().as_ref().map(|o| {
            o.problems
                .iter()
                .map(|p| p.message().to_string())
                .collect::<Vec<_>>()
        })
    });
    let stages = Memo::new(move |_| {
        let current = page.current.get();
        let outcome = current.0.as_ref().as_ref()?;
        let verdict = outcome.verdict.as_ref()?;
        let direction = if verdict.flow.direction == "Outbound" {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let stages = path(&page.assembled.get().inputs, verdict, direction);
        Some((stages, summary(verdict), direction))
    });
    let layers = Memo::new(move |_| {
        page.current
            .get()
            .as_ref()
            .as_ref()
            .and_then(|o| o.verdict.as_ref().map(|v| v.trace.clone()))
            .unwrap_or_default()
    });
    let note = move || {
        let errors = errors.get();
        (errors > 0).then(|| {
            view! {
                <p class="note bad" data-testid="inputs-in-error">
                    {if errors == 1 {
                        "1 input has a problem and is left out: see the inputs column.".to_string()
                    } else {
                        format!("{errors} inputs have problems and are left out: see the inputs column.")
                    }}
                </p>
            }
        })
    };
    let card = move || match (verdict.get(), problems.get()) {
        (Some(v), _) => view! { <VerdictCard verdict=v /> }.into_any(),
        (None, Some(problems)) => view! {
            <div class="verdict-card none">
                <p class="verdict" data-testid="verdict">"No verdict: complete the flow above"</p>
                <ul class="problems">
                    {problems.into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                </ul>
            </div>
        }
        .into_any(),
        (None, None) => {
            view! { <p class="verdict none" data-testid="verdict">"No flow selected"</p> }
                .into_any()
        }
    };
    let picture = move || {
        stages.get().map(|(stages, verdict, direction)| {
            view! { <Path stages=stages verdict=verdict direction=direction /> }
        })
    };
    view! {
        <section class="result" aria-labelledby="result-heading">
            <h2 id="result-heading">"Verdict"</h2>
            <div aria-live="polite" aria-atomic="false">
                {note}
                {card}
            </div>
            {picture}
            <Show when=move || verdict.with(Option::is_some)>
                <Trace layers=layers expanded=expanded />
            </Show>
        </section>
    }
}

fn layer_name(layer: Layer) -> &'static str {
    match layer {
        Layer::Admin => "AVNM admin rules",
        Layer::Subnet => "Subnet NSG",
        Layer::Nic => "NIC NSG",
        Layer::None => "No rule",
    }
}

/// The verdict badge and the facts IP flow verify gives, and more.
#[component]
fn VerdictCard(verdict: Verdict) -> impl IntoView {
    let allow = verdict.access.as_str() == "Allow";
    let class = if allow {
        "verdict-card allow"
    } else {
        "verdict-card deny"
    };
    let word = verdict.access.to_string();
    let rule = verdict.rule_name.clone();
    let decided = match &verdict.decided_by.resource {
        Some(resource) => view! {
            <strong>{verdict.decided_by.layer.to_string()}</strong>" layer ("
            {layer_name(verdict.decided_by.layer)}"): "<span class="code">{resource.clone()}</span>
        }
        .into_any(),
        None => view! {
            <strong>{verdict.decided_by.layer.to_string()}</strong>
            ": no admin rule matched and there is no NSG, so nothing blocks the flow"
        }
        .into_any(),
    };
    let f = &verdict.flow;
    let flow = format!(
        "{} {} from {} to {}",
        f.direction, f.protocol, f.source, f.destination
    );
    let warnings = verdict.warnings.clone();
    let uncertain = verdict.uncertain;
    view! {
        <div class=class>
            <p class="verdict" data-testid="verdict">
                {word}
                {uncertain.then(|| view! { <span class="uncertain-tag">" (uncertain)"</span> })}
            </p>
            <dl class="facts">
                <dt>"Rule"</dt>
                <dd data-testid="matched-rule" class="code">
                    {rule.unwrap_or_else(|| "none (nothing decided)".to_string())}
                </dd>
                <dt>"Decided by"</dt>
                <dd data-testid="decided-by">{decided}</dd>
                <dt>"Flow"</dt>
                <dd class="code">{flow}</dd>
            </dl>
            {(!warnings.is_empty()).then(|| view! {
                <div class="warnings" data-testid="warnings" role="note">
                    <p><strong>{if uncertain {
                        "Uncertain: a rule before the decision could not be evaluated. To settle it:"
                    } else {
                        "Assumptions and warnings:"
                    }}</strong></p>
                    <ul>{warnings.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
                </div>
            })}
        </div>
    }
}

fn stage_symbol(outcome: &StageOutcome) -> &'static str {
    match outcome {
        StageOutcome::Allowed(_) | StageOutcome::AlwaysAllowed(_) | StageOutcome::HandedOver(_) => {
            "✓"
        }
        StageOutcome::Denied(_) => "✕",
        StageOutcome::NoMatch | StageOutcome::Absent => "→",
        StageOutcome::NotReached => "·",
    }
}

/// The picture of the evaluation path: source, each stage with its outcome, destination.
#[component]
fn Path(stages: Vec<Stage>, verdict: Verdict, direction: Direction) -> impl IntoView {
    let allowed = verdict.access.as_str() == "Allow";
    let (from, to) = match direction {
        Direction::Inbound => (
            format!("From {}", verdict.flow.source),
            format!("To the VM, {}", verdict.flow.destination),
        ),
        Direction::Outbound => (
            format!("From the VM, {}", verdict.flow.source),
            format!("To {}", verdict.flow.destination),
        ),
    };
    let end_class = if allowed {
        "stage end allow"
    } else {
        "stage end deny"
    };
    let end_word = if allowed {
        "Delivered"
    } else {
        "Never arrives"
    };
    view! {
        <h3 class="sub">"Path"</h3>
        <ol class="path" data-testid="path" aria-label="Evaluation path, in order">
            <li class="stage end"><span class="stage-title">{from}</span></li>
            {stages.into_iter().map(|s| {
                let class = format!("stage {}", s.outcome.class());
                let rule = s.outcome.rule().map(str::to_string);
                view! {
                    <li class=class data-layer=s.layer.to_string()>
                        <span class="stage-title">{s.title.clone()}</span>
                        <span class="stage-resource code">
                            {s.resource.clone().unwrap_or_else(|| "none given".to_string())}
                        </span>
                        <span class="stage-outcome">
                            <span aria-hidden="true" class="symbol">{stage_symbol(&s.outcome)}</span>
                            " "{s.outcome.word()}
                        </span>
                        {rule.map(|r| view! { <span class="stage-rule code">{r}</span> })}
                    </li>
                }
            }).collect_view()}
            <li class=end_class>
                <span class="stage-title">{to}</span>
                <span class="stage-outcome">{end_word}</span>
            </li>
        </ol>
    }
}

fn decision_word(trace: &LayerTrace) -> &'static str {
    match (trace.decision, trace.layer) {
        (LayerDecision::Allow, Layer::Admin) => "Allow: the NSGs decide",
        (LayerDecision::Allow, _) => "Allow",
        (LayerDecision::Deny, _) => "Deny",
        (LayerDecision::AlwaysAllow, _) => "Always allow",
        (LayerDecision::NoMatch, _) => "No match",
    }
}

fn decision_class(decision: LayerDecision) -> &'static str {
    match decision {
        LayerDecision::Allow | LayerDecision::AlwaysAllow => "allow",
        LayerDecision::Deny => "deny",
        LayerDecision::NoMatch => "none",
    }
}

/// The cells of one rule's row.
fn rule_cells(rule: RuleTrace) -> impl IntoView {
    let uncertain = rule.uncertain;
    let mark = move |ok: bool, address: bool| {
        let (class, symbol, words) = match (ok, address && uncertain) {
            (true, _) => ("mark yes", "✓", "matched"),
            (false, true) => ("mark maybe", "?", "could not be evaluated"),
            (false, false) => ("mark no", "✗", "not matched"),
        };
        view! {
            <td class=class title=words>
                <span aria-hidden="true">{symbol}</span>
                <span class="sr-only">{words}</span>
            </td>
        }
    };
    let outcome = if rule.matched {
        "Matched: decides this layer".to_string()
    } else {
        rule.reason.unwrap_or_else(|| "Not matched".to_string())
    };
    let access_class = format!("access {}", rule.access.to_ascii_lowercase());
    view! {
        <td class="num">{rule.priority}</td>
        <th scope="row" class="code rule-name">{rule.name}</th>
        <td class=access_class>{rule.access}</td>
        {mark(rule.protocol_matched, false)}
        {mark(rule.source_matched, true)}
        {mark(rule.source_port_matched, false)}
        {mark(rule.destination_matched, true)}
        {mark(rule.destination_port_matched, false)}
        <td class="reason">{outcome}</td>
    }
}

/// One rule of a layer's table. The row stays while the same rule sits at the same place; its
/// cells are redrawn only when that rule's flags or reason change.
#[component]
fn TraceRow(rules: Memo<Vec<RuleTrace>>, index: usize) -> impl IntoView {
    let rule = Memo::new(move |_| rules.with(|r| r.get(index).cloned()));
    let matched = move || rule.with(|r| r.as_ref().is_some_and(|r| r.matched));
    let uncertain = move || rule.with(|r| r.as_ref().is_some_and(|r| r.uncertain));
    view! {
        <tr class:matched=matched class:uncertain=uncertain>
            {move || rule.get().map(rule_cells)}
        </tr>
    }
}

/// A row of a layer's table: the rule at an index (with its name, so that another rule at
/// that place gets a row of its own), or the gap standing for the rules not shown.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Row {
    Rule(usize, String),
    Gap(usize),
}

/// The rows shown for a layer: all of them, or the first and last ones around a gap.
fn rows_of(rules: &[RuleTrace], open: bool) -> Vec<Row> {
    let total = rules.len();
    let row = |(i, r): (usize, &RuleTrace)| Row::Rule(i, r.name.clone());
    if open || total <= SHOWN_HEAD + SHOWN_TAIL {
        return rules.iter().enumerate().map(row).collect();
    }
    let mut rows: Vec<Row> = rules[..SHOWN_HEAD].iter().enumerate().map(row).collect();
    rows.push(Row::Gap(total - SHOWN_HEAD - SHOWN_TAIL));
    rows.extend(
        rules[total - SHOWN_TAIL..]
            .iter()
            .enumerate()
            .map(|(i, r)| row((i + total - SHOWN_TAIL, r))),
    );
    rows
}

/// The trace: every layer evaluated, every rule considered up to and including the match.
/// Layers and rows are keyed: what did not change keeps its DOM.
#[component]
fn Trace(layers: Memo<Vec<LayerTrace>>, expanded: RwSignal<Vec<String>>) -> impl IntoView {
    let keyed = move || {
        layers.with(|ls| {
            ls.iter()
                .enumerate()
                .map(|(i, l)| (i, l.layer, l.resource.clone()))
                .collect::<Vec<_>>()
        })
    };
    view! {
        <h3 class="sub">"Trace"</h3>
        <div class="trace" data-testid="trace">
            <Show when=move || layers.with(Vec::is_empty)>
                <p class="help">"No layer was evaluated: no admin rules and no NSG."</p>
            </Show>
            <For each=keyed key=|k| k.clone() let:((index, layer, resource))>
                <TraceLayer layers=layers index=index layer=layer resource=resource expanded=expanded />
            </For>
        </div>
    }
}

/// One layer of the trace.
#[component]
fn TraceLayer(
    layers: Memo<Vec<LayerTrace>>,
    index: usize,
    layer: Layer,
    resource: String,
    expanded: RwSignal<Vec<String>>,
) -> impl IntoView {
    let key = format!("{index}:{layer}:{resource}");
    let decision = Memo::new(move |_| {
        layers.with(|ls| ls.get(index).map_or(LayerDecision::NoMatch, |l| l.decision))
    });
    let rules = Memo::new(move |_| {
        layers.with(|ls| ls.get(index).map(|l| l.rules.clone()).unwrap_or_default())
    });
    let open = {
        let key = key.clone();
        Memo::new(move |_| expanded.with(|e| e.contains(&key)))
    };
    let total = Memo::new(move |_| rules.with(Vec::len));
    let long = move || total.get() > SHOWN_HEAD + SHOWN_TAIL;
    let rows = Memo::new(move |_| rules.with(|r| rows_of(r, open.get())));
    let toggle = move |_| {
        let k = key.clone();
        expanded.update(|e| {
            if let Some(at) = e.iter().position(|x| *x == k) {
                e.remove(at);
            } else {
                e.push(k);
            }
        });
    };
    let badge = move || {
        let decision = decision.get();
        let trace = LayerTrace {
            layer,
            resource: String::new(),
            decision,
            rules: Vec::new(),
        };
        view! { <span class=format!("badge {}", decision_class(decision))>{decision_word(&trace)}</span> }
    };
    let caption = format!("Rules of {resource} considered, in evaluation order");
    view! {
        <section class="trace-layer" data-layer=layer.to_string()>
            <h4>
                {layer_name(layer)}" "
                <span class="code">{resource.clone()}</span>" "
                {badge}
                <span class="count">{move || {
                    let n = total.get();
                    format!(" {n} rule{} considered", if n == 1 { "" } else { "s" })
                }}</span>
            </h4>
            <div class="table-scroll">
                <table class="trace-table">
                    <caption class="sr-only">{caption}</caption>
                    <thead><tr>
                        <th scope="col">"Priority"</th>
                        <th scope="col">"Rule"</th>
                        <th scope="col">"Access"</th>
                        <th scope="col" title="Protocol">"Proto"</th>
                        <th scope="col" title="Source address">"Source"</th>
                        <th scope="col" title="Source port">"Src port"</th>
                        <th scope="col" title="Destination address">"Dest"</th>
                        <th scope="col" title="Destination port">"Dst port"</th>
                        <th scope="col">"Outcome"</th>
                    </tr></thead>
                    <tbody>
                        <For each=move || rows.get() key=|row| row.clone() let:row>
                            {match row {
                                Row::Rule(index, _) => view! { <TraceRow rules=rules index=index /> }.into_any(),
                                Row::Gap(hidden) => view! {
                                    <tr class="gap"><td colspan="9">
                                        {format!("… {hidden} more rules not matched …")}
                                    </td></tr>
                                }.into_any(),
                            }}
                        </For>
                    </tbody>
                </table>
            </div>
            <Show when=long>
                <button type="button" class="button small" on:click=toggle.clone()>
                    {move || if open.get() { "Show fewer rules".to_string() } else { format!("Show all {} rules", total.get()) }}
                </button>
            </Show>
        </section>
    }
}
