//! The flow form: direction, protocol, local and remote endpoints, and the expected verdict of
//! the flow selected in the flows list. Every keystroke re-evaluates; problems show inline.
//! What the fields show and accept is [`FlowRow`]'s (`shown`, `set`, `endpoint_hint`,
//! `port_note`); the components only wire it.

use leptos::prelude::*;

use super::Current;
use crate::evaluation::FlowProblem;
use crate::workbench::{FlowRow, RowField};

/// Sets one field of the selected flow.
type Edit = Callback<(RowField, String)>;

/// The flow form over the selected row of `flows`; `current` holds its problems.
#[component]
pub fn FlowForm(
    flows: RwSignal<Vec<FlowRow>>,
    selected: RwSignal<usize>,
    current: Current,
) -> impl IntoView {
    let row = Memo::new(move |_| {
        let i = selected.get();
        flows.with(|f| f.get(i).cloned().unwrap_or_default())
    });
    let edit = Callback::new(move |(field, value): (RowField, String)| {
        let i = selected.get_untracked();
        flows.update(|rows| {
            if let Some(row) = rows.get_mut(i) {
                row.set(field, value)
            }
        });
    });
    let problem = move |pick: fn(&FlowProblem) -> bool| {
        Signal::derive(move || {
            current.with(|c| {
                c.0.as_ref()
                    .as_ref()
                    .and_then(|o| o.problems.iter().find(|p| pick(p)))
                    .map(|p| p.message().to_string())
            })
        })
    };
    let port_ignored = Signal::derive(move || {
        current.with(|c| c.0.as_ref().as_ref().is_some_and(|o| o.port_ignored))
    });
    let legend = move || format!("Flow {} of {}", selected.get() + 1, flows.with(Vec::len));
    view! {
        <form id="flow-form" class="flow-form" tabindex="-1"
            on:submit=|ev: web_sys::SubmitEvent| ev.prevent_default()>
            <fieldset>
                <legend>{legend}</legend>
                <div class="flow-grid">
                    <Choice field=RowField::Direction id="flow-direction" label="Direction"
                        options=&["Inbound", "Outbound"] row=row edit=edit />
                    <Choice field=RowField::Protocol id="flow-protocol" label="Protocol"
                        options=&["Tcp", "Udp", "Icmp", "Esp", "Ah"] row=row edit=edit />
                    <Endpoint local=true row=row edit=edit
                        problem=problem(|p| matches!(p, FlowProblem::Local(_))) />
                    <Endpoint local=false row=row edit=edit
                        problem=problem(|p| matches!(p, FlowProblem::Remote(_))) />
                </div>
                <p id="flow-port-note" class="help" aria-live="polite">
                    {move || row.with(|r| r.port_note(port_ignored.get()))}
                </p>
                <p class="field-error" aria-live="polite" data-testid="flow-error">
                    {problem(|p| matches!(p, FlowProblem::Flow(_) | FlowProblem::Direction(_) | FlowProblem::Protocol(_)))}
                </p>
                <Expectation row=row edit=edit
                    problem=problem(|p| matches!(p, FlowProblem::Expectation(_))) />
            </fieldset>
        </form>
    }
}

/// A choice among `options` (their values are their labels; an empty value reads `None`).
#[component]
fn Choice(
    field: RowField,
    id: &'static str,
    label: &'static str,
    options: &'static [&'static str],
    row: Memo<FlowRow>,
    edit: Edit,
) -> impl IntoView {
    let value = Memo::new(move |_| row.with(|r| r.shown(field)));
    view! {
        <div class="field">
            <label for=id>{label}</label>
            <select id=id data-testid=id prop:value=move || value.get()
                on:change=move |ev| edit.run((field, event_target_value(&ev)))>
                {options.iter().map(|&option| view! {
                    <option value=option prop:selected=move || value.with(|v| v == option)>
                        {if option.is_empty() { "None" } else { option }}
                    </option>
                }).collect_view()}
            </select>
        </div>
    }
}

/// The local (`local`) or remote endpoint, with its problem under it.
#[component]
fn Endpoint(
    local: bool,
    row: Memo<FlowRow>,
    edit: Edit,
    problem: Signal<Option<String>>,
) -> impl IntoView {
    let (id, field) = if local {
        ("flow-local", RowField::Local)
    } else {
        ("flow-remote", RowField::Remote)
    };
    let hint = move || row.with(|r| r.endpoint_hint(local));
    let error_id = format!("{id}-error");
    view! {
        <div class="field wide">
            <label for=id>{move || hint().0}</label>
            <TextInput id=id field=field row=row edit=edit placeholder=Signal::derive(move || hint().1)
                invalid=Signal::derive(move || problem.with(Option::is_some))
                described_by=format!("{error_id} flow-port-note") />
            <p id=error_id class="field-error" aria-live="polite">{problem}</p>
        </div>
    }
}

/// A text field of the flow (an endpoint or the expected rule).
#[component]
fn TextInput(
    id: &'static str,
    field: RowField,
    row: Memo<FlowRow>,
    edit: Edit,
    placeholder: Signal<&'static str>,
    #[prop(optional)] invalid: Option<Signal<bool>>,
    #[prop(optional)] described_by: Option<String>,
) -> impl IntoView {
    view! {
        <input id=id data-testid=id type="text" class="code" autocomplete="off" spellcheck="false"
            placeholder=placeholder
            aria-invalid=invalid.map(|i| move || if i.get() { "true" } else { "false" })
            aria-describedby=described_by
            prop:value=move || row.with(|r| r.shown(field))
            on:input=move |ev| edit.run((field, event_target_value(&ev))) />
    }
}

/// The expected verdict and rule, with what is wrong with them.
#[component]
fn Expectation(row: Memo<FlowRow>, edit: Edit, problem: Signal<Option<String>>) -> impl IntoView {
    view! {
        <div class="expect-grid">
            <Choice field=RowField::ExpectAccess id="flow-expect" label="Expected verdict"
                options=&["", "Allow", "Deny"] row=row edit=edit />
            <div class="field wide">
                <label for="flow-expect-rule">"Expected rule (optional)"</label>
                <TextInput id="flow-expect-rule" field=RowField::ExpectRule row=row edit=edit
                    placeholder=Signal::stored("securityRules/AllowHttps") />
            </div>
        </div>
        <p class="field-error" aria-live="polite">{problem}</p>
    }
}
