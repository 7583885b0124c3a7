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

/// The result panel.
#[component]
pub fn Result(page: Page) -> impl IntoView {
    let expanded = RwSignal::new(Vec::<String>::new());
    let body = move || {
        let i = page.selected.get();
        let outcomes = page.outcomes.get();
        let assembled = page.assembled.get();
        let errors = assembled.error_count();
        let note = (errors > 0).then(|| {
            view! {
                <p class="note bad" data-testid="inputs-in-error">
                    {if errors == 1 {
                        "1 input has a problem and is left out: see the inputs column.".to_string()
                    } else {
                        format!("{errors} inputs have problems and are left out: see the inputs column.")
                    }}
                </p>
            }
        });
        let Some(outcome) = outcomes.get(i) else {
            return view! { <p class="verdict none" data-testid="verdict">"No flow selected"</p> }
                .into_any();
        };
        let Some(verdict) = outcome.verdict.clone() else {
            return view! {
                {note}
                <div class="verdict-card none">
                    <p class="verdict" data-testid="verdict">"No verdict: complete the flow above"</p>
                    <ul class="problems">
                        {outcome.problems.iter().map(|p| view! { <li>{p.message().to_string()}</li> }).collect_view()}
                    </ul>
                </div>
            }
            .into_any();
        };
        let direction = if verdict.flow.direction == "Outbound" {
            Direction::Outbound
        } else {
            Direction::Inbound
        };
        let stages = path(&assembled.inputs, &verdict, direction);
        view! {
            {note}
            <VerdictCard verdict=verdict.clone() />
            <Path stages=stages verdict=verdict.clone() direction=direction />
            <Trace verdict=verdict expanded=expanded />
        }
        .into_any()
    };
    view! {
        <section class="result" aria-labelledby="result-heading">
            <h2 id="result-heading">"Verdict"</h2>
            <div aria-live="polite" aria-atomic="false">{body}</div>
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
    let class = if allow { "verdict-card allow" } else { "verdict-card deny" };
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
    let end_class = if allowed { "stage end allow" } else { "stage end deny" };
    let end_word = if allowed { "Delivered" } else { "Never arrives" };
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

fn mark(ok: bool, uncertain: bool) -> impl IntoView {
    let (class, symbol, words) = match (ok, uncertain) {
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
}

fn rule_row(rule: RuleTrace) -> impl IntoView {
    let address_uncertain = rule.uncertain;
    let outcome = if rule.matched {
        "Matched: decides this layer".to_string()
    } else {
        rule.reason.clone().unwrap_or_else(|| "Not matched".to_string())
    };
    let access_class = format!("access {}", rule.access.to_ascii_lowercase());
    view! {
        <tr class:matched=rule.matched class:uncertain=rule.uncertain>
            <td class="num">{rule.priority}</td>
            <th scope="row" class="code rule-name">{rule.name.clone()}</th>
            <td class=access_class>{rule.access.clone()}</td>
            {mark(rule.protocol_matched, false)}
            {mark(rule.source_matched, address_uncertain && !rule.source_matched)}
            {mark(rule.source_port_matched, false)}
            {mark(rule.destination_matched, address_uncertain && !rule.destination_matched)}
            {mark(rule.destination_port_matched, false)}
            <td class="reason">{outcome}</td>
        </tr>
    }
}

/// The trace: every layer evaluated, every rule considered up to and including the match.
#[component]
fn Trace(verdict: Verdict, expanded: RwSignal<Vec<String>>) -> impl IntoView {
    let layers = verdict.trace;
    view! {
        <h3 class="sub">"Trace"</h3>
        <div class="trace" data-testid="trace">
            {if layers.is_empty() {
                view! { <p class="help">"No layer was evaluated: no admin rules and no NSG."</p> }.into_any()
            } else {
                layers.into_iter().map(|layer| {
                    let key = format!("{}:{}", layer.layer, layer.resource);
                    let total = layer.rules.len();
                    let long = total > SHOWN_HEAD + SHOWN_TAIL;
                    let key_for_button = key.clone();
                    let is_open = move || expanded.with(|e| e.contains(&key));
                    let rules = layer.rules.clone();
                    let is_open_for_rows = is_open.clone();
                    let rows = move || {
                        let is_open = is_open_for_rows.clone();
                        if !long || is_open() {
                            rules.clone().into_iter().map(rule_row).collect_view().into_any()
                        } else {
                            let hidden = total - SHOWN_HEAD - SHOWN_TAIL;
                            view! {
                                {rules[..SHOWN_HEAD].iter().cloned().map(rule_row).collect_view()}
                                <tr class="gap"><td colspan="9">
                                    {format!("… {hidden} more rules not matched …")}
                                </td></tr>
                                {rules[total - SHOWN_TAIL..].iter().cloned().map(rule_row).collect_view()}
                            }.into_any()
                        }
                    };
                    let toggle = move |_| {
                        let k = key_for_button.clone();
                        expanded.update(|e| {
                            if let Some(at) = e.iter().position(|x| *x == k) {
                                e.remove(at);
                            } else {
                                e.push(k);
                            }
                        });
                    };
                    let badge = format!("badge {}", decision_class(layer.decision));
                    view! {
                        <section class="trace-layer" data-layer=layer.layer.to_string()>
                            <h4>
                                {layer_name(layer.layer)}" "
                                <span class="code">{layer.resource.clone()}</span>" "
                                <span class=badge>{decision_word(&layer)}</span>
                                <span class="count">{format!(" {total} rule{} considered", if total == 1 { "" } else { "s" })}</span>
                            </h4>
                            <div class="table-scroll">
                                <table class="trace-table">
                                    <caption class="sr-only">
                                        {format!("Rules of {} considered, in evaluation order", layer.resource)}
                                    </caption>
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
                                    <tbody>{rows}</tbody>
                                </table>
                            </div>
                            {long.then(|| view! {
                                <button type="button" class="button small" on:click=toggle>
                                    {move || if is_open() { "Show fewer rules".to_string() } else { format!("Show all {total} rules") }}
                                </button>
                            })}
                        </section>
                    }
                }).collect_view().into_any()
            }}
        </div>
    }
}
