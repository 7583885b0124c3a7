//! The flows list ("network unit tests"): every flow with its verdict and whether its
//! expectation holds; selecting a row loads it into the form.

use flowverify::scenario::{Outcome, Standing};
use leptos::prelude::*;

use super::{breakable, Shared};
use crate::evaluation::{tally, Evaluated};
use crate::workbench::{add_flow, remove_flow, FlowRow};

/// The flows list: `flows` with their `outcomes`; choosing one sets `selected`.
#[component]
pub fn FlowsList(
    flows: RwSignal<Vec<FlowRow>>,
    selected: RwSignal<usize>,
    outcomes: Memo<Shared<Evaluated>>,
) -> impl IntoView {
    // As `flowverify check` counts: a flow without an expectation is skipped, never passed.
    let counted = Memo::new(move |_| outcomes.with(|e| tally(e.outcomes.iter().map(|o| &o.check))));
    let summary = move || counted.get().to_string();
    let class = move || match counted.get().standing() {
        Standing::Failed => "summary bad",
        Standing::Passed => "summary",
        Standing::NothingChecked => "summary none",
    };
    // One entry per row with everything it shows; the rows are drawn again in place, so a
    // keystroke in the form changes the selected row's texts only.
    let rows = move || {
        let evaluated = outcomes.get();
        let outcomes = &evaluated.outcomes;
        let chosen = selected.get();
        flows.with(|flows| {
            flows
                .iter()
                .enumerate()
                .map(|(i, row)| {
                    let outcome = outcomes.get(i);
                    let verdict = outcome.and_then(|o| o.verdict.as_ref());
                    let (word, class) = match verdict {
                        Some(v) if v.access.as_str() == "Allow" => ("Allow", "allow"),
                        Some(_) => ("Deny", "deny"),
                        None => ("No verdict", "none"),
                    };
                    let rule = verdict
                        .and_then(|v| v.rule_name.clone())
                        .unwrap_or_default();
                    let check = Check::of(outcome.map_or(&Outcome::Skipped, |o| &o.check));
                    RowView {
                        index: i,
                        row: row.clone(),
                        word,
                        class,
                        rule,
                        check,
                        selected: i == chosen,
                    }
                })
                .collect::<Vec<_>>()
        })
    };
    view! {
        <section class="flows" aria-labelledby="flows-heading">
            <h2 id="flows-heading">"Flows"</h2>
            <p class=class data-testid="flows-summary">{summary}</p>
            <div class="table-scroll">
                <table class="flows-table" data-testid="flows-list">
                    <caption class="sr-only">"Flows with their verdicts and expectations; choose one to show it in the form"</caption>
                    <thead><tr>
                        <th scope="col">"#"</th>
                        <th scope="col">"Flow"</th>
                        <th scope="col">"Verdict"</th>
                        <th scope="col" class="expected">"Expected"</th>
                        <th scope="col">"Check"</th>
                    </tr></thead>
                    <tbody>
                        {move || rows().into_iter().map(|r| row_view(selected, r)).collect_view()}
                    </tbody>
                </table>
            </div>
            <FlowTools flows=flows selected=selected />
        </section>
    }
}

/// "Add a flow" (a copy of the selected one, without its expectation) and "Remove this flow".
#[component]
fn FlowTools(flows: RwSignal<Vec<FlowRow>>, selected: RwSignal<usize>) -> impl IntoView {
    let change = move |f: fn(&mut Vec<FlowRow>, usize) -> usize| {
        move |_| {
            let i = selected.get_untracked();
            let mut chosen = i;
            flows.update(|rows| chosen = f(rows, i));
            selected.set(chosen);
        }
    };
    view! {
        <div class="row-tools">
            <button type="button" class="button" on:click=change(add_flow) data-testid="add-flow">"Add a flow"</button>
            <button type="button" class="button" on:click=change(remove_flow) data-testid="remove-flow"
                disabled=move || { flows.with(Vec::len) <= 1 }>"Remove this flow"</button>
        </div>
    }
}

/// What one row of the list shows.
#[derive(Clone, PartialEq, Eq, Hash)]
struct RowView {
    index: usize,
    row: FlowRow,
    word: &'static str,
    class: &'static str,
    rule: String,
    check: Check,
    selected: bool,
}

/// How a row's check looks: its class, symbol and word, and why (for a failure).
#[derive(Clone, PartialEq, Eq, Hash)]
struct Check {
    class: &'static str,
    symbol: &'static str,
    word: &'static str,
    why: String,
}

impl Check {
    /// The look of the engine's outcome.
    fn of(outcome: &Outcome) -> Check {
        match outcome {
            Outcome::Skipped => Check {
                class: "check none",
                symbol: "–",
                word: "skipped",
                why: "no expectation".into(),
            },
            Outcome::Passed => Check {
                class: "check yes",
                symbol: "✓",
                word: "met",
                why: String::new(),
            },
            Outcome::Failed(why) => Check {
                class: "check no",
                symbol: "✗",
                word: "not met",
                why: why.clone(),
            },
        }
    }
}

/// One row of the list.
fn row_view(selected: RwSignal<usize>, r: RowView) -> impl IntoView {
    let i = r.index;
    let Check {
        class: check_class,
        symbol: check_symbol,
        word: check_word,
        why,
    } = r.check;
    let is_selected = r.selected;
    view! {
        <tr class:selected=is_selected data-testid="flow-row"
            aria-selected=if is_selected { "true" } else { "false" }
            on:click=move |_| selected.set(i)>
            <td class="num">
                <button type="button" class="link-button"
                    aria-label=format!("Show flow {} in the form", i + 1)
                    aria-pressed=if is_selected { "true" } else { "false" }
                    on:click=move |ev| { ev.stop_propagation(); selected.set(i); }>
                    {i + 1}
                </button>
            </td>
            <td class="code">{describe(&r.row)}</td>
            <td class=format!("verdict-cell {}", r.class) data-testid="flow-row-verdict">
                {r.word}" "<span class="code rule">{breakable(r.rule)}</span>
            </td>
            <td class="code expected">{expectation(&r.row)}</td>
            <td class=check_class data-testid="flow-row-check">
                <span aria-hidden="true">{check_symbol}</span>" "{check_word}
                {(!why.is_empty()).then(|| view! { <span class="why">{format!(": {why}")}</span> })}
            </td>
        </tr>
    }
}

/// A row in words: `Inbound Tcp 10.0.1.4:443 ← 203.0.113.7:50000`.
fn describe(row: &FlowRow) -> String {
    let arrow = if row.direction.eq_ignore_ascii_case("outbound") {
        "→"
    } else {
        "←"
    };
    format!(
        "{} {} {} {arrow} {}",
        row.direction, row.protocol, row.local, row.remote
    )
}

/// The expectation in words (`Allow securityRules/AllowWeb at nic`), or a dash; the rule may
/// break after its slash.
fn expectation(row: &FlowRow) -> impl IntoView {
    let (access, layer) = match (row.expect_access.as_str(), row.expect_layer.as_str()) {
        ("", _) => ("–".to_string(), String::new()),
        (access, "") => (access.to_string(), String::new()),
        (access, layer) => (access.to_string(), format!(" at {layer}")),
    };
    view! {
        {access}
        <span class="rule">{breakable(row.expect_rule.clone())}</span>
        {layer}
    }
}
