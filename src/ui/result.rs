//! The verdict of the selected flow, live: the badge (words, symbol and colour), the deciding
//! rule, layer and resource, warnings, the path through the layers (the report's path, with
//! the blockers of a Deny), and the trace per layer.

use flowverify::verdict::{Condition, DecidedBy, Decision, Field};
use flowverify::Verdict;
use leptos::either::Either;
use leptos::prelude::*;

use super::{access_text, breakable, listed, Current};
use crate::evaluation::{layer_name, PathView};
use crate::trace::{
    decision_class, decision_word, layer_keys, layer_view, mark_class, mark_label, LayerKey,
    LayerView, Row, RuleRow, Shown,
};

/// What the verdict card shows (everything but the flow, which changes with each keystroke in
/// the form and is a text of its own).
#[derive(Clone, PartialEq)]
struct Card {
    access: Decision,
    rule: Option<String>,
    decided_by: DecidedBy,
    uncertain: bool,
    warnings: Vec<String>,
    notes: Vec<String>,
}

impl Card {
    fn of(verdict: &Verdict) -> Card {
        Card {
            access: verdict.access,
            rule: verdict.rule_name.clone(),
            decided_by: verdict.decided_by.clone(),
            uncertain: verdict.uncertain,
            warnings: verdict.warnings.iter().map(ToString::to_string).collect(),
            notes: verdict.notes.iter().map(ToString::to_string).collect(),
        }
    }
}

/// The result panel for the `current` flow; `errors` counts the inputs left out. Each part is
/// a memo of its own, so a keystroke re-renders only the parts whose content changed; the
/// trace shows the rows on screen only (see [`crate::trace`]), and a layer is drawn again (in
/// place: only the texts that differ change) only when what it shows changed.
#[component]
pub fn Result(current: Current, errors: Signal<usize>) -> impl IntoView {
    // Expanded layers, with how many of their rules to show (grows in steps to all of them).
    let shown = RwSignal::new(Shown::default());
    let card = Memo::new(move |_| {
        current.with(|c| {
            c.0.as_ref()
                .as_ref()
                .and_then(|o| o.verdict.as_ref().map(Card::of))
        })
    });
    // The flow in words changes with each keystroke in the form: a text of its own.
    let flow_text = Memo::new(move |_| {
        current.with(|c| {
            let f = &c.0.as_ref().as_ref()?.verdict.as_ref()?.flow;
            Some(format!(
                "{} {} from {} to {}",
                f.direction(),
                f.protocol(),
                f.source(),
                f.destination()
            ))
        })
    });
    let problems = Memo::new(move |_| {
        current.with(|c| {
            c.0.as_ref().as_ref().map(|o| {
                o.problems
                    .iter()
                    .map(|p| p.message().to_string())
                    .collect::<Vec<_>>()
            })
        })
    });
    let picture = Memo::new(move |_| {
        current.with(|c| Some(PathView::of(c.0.as_ref().as_ref()?.verdict.as_ref()?)))
    });
    let has_verdict = Memo::new(move |_| card.with(Option::is_some));
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
    let card_view = move || match card.get() {
        Some(c) => Either::Left(view! { <VerdictCard card=c flow=flow_text /> }),
        None => {
            let problems = problems.get();
            let text = if problems.is_some() {
                "No verdict: complete the flow above"
            } else {
                "No flow selected"
            };
            Either::Right(view! {
                <div class="verdict-card none">
                    <p class="verdict" data-testid="verdict">{text}</p>
                    <ul class="problems">
                        {problems.unwrap_or_default().into_iter().map(|p| view! { <li>{p}</li> }).collect_view()}
                    </ul>
                </div>
            })
        }
    };
    let path_view = move || picture.get().map(path);
    view! {
        <section class="result" aria-labelledby="result-heading">
            <h2 id="result-heading">"Verdict"</h2>
            <div aria-live="polite" aria-atomic="false">
                {note}
                {card_view}
            </div>
            {path_view}
            {move || has_verdict.get().then(|| view! { <Trace current=current shown=shown /> })}
        </section>
    }
}

/// The verdict badge and the facts IP flow verify gives, and more.
#[component]
fn VerdictCard(card: Card, flow: Memo<Option<String>>) -> impl IntoView {
    let allow = card.access == Decision::Allow;
    let class = if allow {
        "verdict-card allow"
    } else {
        "verdict-card deny"
    };
    let layer = card.decided_by.layer;
    let resource = card.decided_by.resource;
    let between = if resource.is_some() {
        format!(" layer ({}): ", layer_name(layer))
    } else {
        ": no admin rule matched and there is no NSG, so nothing blocks the flow".to_string()
    };
    let decided = view! {
        <strong>{layer.as_str()}</strong>{between}
        {resource.map(|r| view! { <span class="code">{r}</span> })}
    };
    let warnings = card.warnings;
    let notes = card.notes;
    let uncertain = card.uncertain;
    view! {
        <div class=class>
            <p class="verdict" data-testid="verdict">
                {card.access.as_str()}
                {uncertain.then(|| view! { <span class="uncertain-tag">" (uncertain)"</span> })}
            </p>
            <dl class="facts">
                <dt>"Rule"</dt>
                <dd data-testid="matched-rule" class="code">
                    {breakable(card.rule.unwrap_or_else(|| "none (nothing decided)".to_string()))}
                </dd>
                <dt>"Decided by"</dt>
                <dd data-testid="decided-by">{decided}</dd>
                <dt>"Flow"</dt>
                <dd class="code">{move || flow.get()}</dd>
            </dl>
            {listed("warnings", "warnings", if uncertain {
                "Uncertain: a rule before the decision could not be evaluated. To settle it:"
            } else {
                "Assumptions and warnings:"
            }.to_string(), &warnings)}
            // Facts about the verdict, not about the input: set apart from the warnings.
            {listed("notes", "notes", if notes.len() == 1 { "Note:" } else { "Notes:" }.to_string(), &notes)}
        </div>
    }
}

/// The picture of the report's path: source, every layer in order (reached or not, with what
/// it decides on its own), destination, each a box of [`PathView`]; then, for a Deny, every
/// rule in the flow's way.
fn path(view: PathView) -> impl IntoView {
    view! {
        <h3 class="sub">"Path"</h3>
        <ol class="path" data-testid="path" aria-label="Evaluation path, in order">
            {view.items.into_iter().map(|item| {
                let layer = item.layer.map(|l| l.as_str());
                view! {
                    <li class=item.class data-layer=layer data-testid=layer.map(|_| "path-step")>
                        <span class="stage-title">{item.title}</span>
                        <span class="stage-resource code">{item.resource}</span>
                        <span class="stage-outcome">
                            <span aria-hidden="true" class="symbol">{item.symbol}</span>" "{breakable(item.outcome)}
                        </span>
                    </li>
                }
            }).collect_view()}
        </ol>
        {listed(
            "blockers",
            "blockers",
            "In the flow's way (each would have to let it through for it to be allowed):".to_string(),
            &view.blockers,
        )}
    }
}

/// A condition's column heading where there is room (`Src port`; `SP` on a phone, as the
/// command line heads it: [`Field::heading`]).
fn long_heading(field: Field) -> &'static str {
    match field {
        Field::Protocol => "Proto",
        Field::Source => "Src",
        Field::SourcePort => "Src port",
        Field::Destination => "Dst",
        Field::DestinationPort => "Dst port",
    }
}

/// One rule: its row (priority, name, access, a mark per condition) and the line under it
/// that says why it matched or not. Static: a rule whose row changes gets a new one.
fn rule_rows(r: RuleRow) -> impl IntoView {
    let class = match (r.matched, r.uncertain) {
        (true, _) => "rule matched",
        (false, true) => "rule uncertain",
        (false, false) => "rule",
    };
    let why = if r.matched { "why decides" } else { "why" };
    let access = format!("access {}", r.access.to_ascii_lowercase());
    // The column headers say which condition; the legend above the trace says what the symbols
    // mean (a title per cell would cost five attributes per row). An unknown condition is rare
    // and says so in words too.
    let mark = |c: Condition| {
        let label = mark_label(c);
        view! { <td class=mark_class(c) aria-label=label title=label>{c.mark()}</td> }
    };
    // A rule read with a warning: marked beside its name, the warnings under its reason.
    let warned = (!r.warnings.is_empty()).then(|| {
        view! {
            " "<span class="rule-warning" data-testid="rule-warning" title=r.warnings.join("\n")>
                <span aria-hidden="true">"⚠"</span><span class="sr-only">"(read with a warning)"</span>
            </span>
        }
    });
    let warnings = (!r.warnings.is_empty()).then(|| {
        view! {
            <ul class="rule-warnings">
                {r.warnings.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}
            </ul>
        }
    });
    view! {
        <tr class=class>
            <td class="num">{r.priority}</td>
            <th scope="row" class="code rule-name">{breakable(r.name)}{warned}</th>
            <td class=access>{access_text(r.access)}</td>
            {r.marks.map(mark)}
        </tr>
        <tr class=why>
            <td></td>
            <td colspan="7" class="reason">{r.reason}{warnings}</td>
        </tr>
    }
}

fn row_view(row: Row) -> impl IntoView {
    match row {
        Row::Rule(r) => Either::Left(rule_rows(r)),
        Row::Gap { hidden } => Either::Right(view! {
            <tr class="gap"><td colspan="8">
                {format!("… {hidden} more rule{} not shown: none of them matched …", if hidden == 1 { "" } else { "s" })}
            </td></tr>
        }),
    }
}

/// The trace: every layer evaluated, every rule considered up to and including the match
/// (a long layer collapsed). Layers and rows are keyed: what did not change keeps its DOM.
#[component]
fn Trace(current: Current, shown: RwSignal<Shown>) -> impl IntoView {
    // The layers: each keeps its DOM while the trace has the same layers.
    let keys = Memo::new(move |_| {
        current.with(|c| {
            c.0.as_ref()
                .as_ref()
                .and_then(|o| o.verdict.as_ref())
                .map(|v| layer_keys(&v.trace))
                .unwrap_or_default()
        })
    });
    view! {
        <h3 class="sub">"Trace"</h3>
        <p class="help legend">
            "Each rule considered, in evaluation order, with its conditions: protocol, source, \
             source port, destination, destination port. "
            <span class="mark yes">"✓"</span>" holds, "
            <span class="mark no">"✗"</span>" fails, "
            <span class="mark maybe">"?"</span>" unknown (an input is missing, or the flow's port is *), "
            <span class="rule-warning">"⚠"</span>" the rule was read with a warning."
        </p>
        <div class="trace" data-testid="trace">
            {move || keys.get().into_iter().map(|key| view! { <TraceLayer current=current shown=shown key=key /> }).collect_view()}
            {move || keys.with(Vec::is_empty).then(|| view! {
                <p class="help">"No layer was evaluated: no admin rules and no NSG."</p>
            })}
        </div>
    }
}

/// Shows `STEP` more rules of an expanded layer each frame until all of them are on screen.
fn grow(shown: RwSignal<Shown>, key: LayerKey, view: Memo<Option<LayerView>>) {
    request_animation_frame(move || {
        let all = view
            .try_with_untracked(|v| v.as_ref().map_or(0, |v| v.total))
            .unwrap_or(0);
        if shown
            .try_with_untracked(|s| s.growing(&key, all))
            .unwrap_or(false)
        {
            shown.update(|s| {
                s.grow(&key, all);
            });
            grow(shown, key, view);
        }
    });
}

/// One layer of the trace: what it shows is one value ([`LayerView`]), recomputed from the
/// verdict and drawn again (in place) only when it changed.
#[component]
fn TraceLayer(current: Current, shown: RwSignal<Shown>, key: LayerKey) -> impl IntoView {
    let view = {
        let key = key.clone();
        Memo::new(move |_| {
            let n = shown.with(|s| s.get(&key));
            current.with(|c| {
                let trace =
                    c.0.as_ref()
                        .as_ref()?
                        .verdict
                        .as_ref()?
                        .trace
                        .get(key.index)?;
                (trace.layer == key.layer && trace.resource == key.resource)
                    .then(|| layer_view(trace, key.clone(), n))
            })
        })
    };
    let toggle = move |_| {
        shown.update(|s| s.toggle(&key));
        // Expanded now (the view follows `shown`): show the rest a step per frame.
        if view.with_untracked(|v| v.as_ref().is_some_and(|v| v.expanded)) {
            grow(shown, key.clone(), view);
        }
    };
    move || view.get().map(|v| layer_table(v, toggle.clone()))
}

/// A layer's heading, table and "show all" button.
fn layer_table(v: LayerView, toggle: impl Fn(leptos::ev::MouseEvent) + 'static) -> impl IntoView {
    let layer = v.key.layer;
    let button = v.long.then(|| (v.expanded, v.toggle_label()));
    let caption = format!(
        "Rules of {} considered, in evaluation order; under each, why it matched or not",
        v.key.resource
    );
    view! {
        <section class="trace-layer" data-layer=layer.as_str()>
            <h4>
                {layer_name(layer)}" "
                <span class="code">{v.key.resource.clone()}</span>" "
                <span class=format!("badge {}", decision_class(v.decision))>{decision_word(layer, v.decision)}</span>
                <span class="count">" "{v.count()}</span>
            </h4>
            <div class="table-scroll">
                <table class="trace-table">
                    <caption class="sr-only">{caption}</caption>
                    <thead><tr>
                        <th scope="col" class="num">"Priority"</th>
                        <th scope="col">"Rule"</th>
                        <th scope="col">"Access"</th>
                        {Field::ALL.map(|field| view! {
                            <th scope="col" class="mark" title=field.words()>
                                <span class="long" aria-hidden="true">{long_heading(field)}</span>
                                <span class="short" aria-hidden="true">{field.heading()}</span>
                                <span class="sr-only">{field.words()}</span>
                            </th>
                        })}
                    </tr></thead>
                    <tbody>{v.rows.into_iter().map(row_view).collect_view()}</tbody>
                </table>
            </div>
            {button.map(|(expanded, label)| view! {
                <button type="button" class="button small"
                    aria-expanded=if expanded { "true" } else { "false" }
                    on:click=toggle>{label}</button>
            })}
        </section>
    }
}
