//! The inputs column: one editor per document slot (paste, file picker, drag and drop, clear),
//! the admin configurations in scope order, the virtual network prefixes and ASG membership.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{browser, listed, Shared};
use crate::evaluation::{excerpt, line_column, split_warnings, Assembled, SlotState};
use crate::workbench::DocSlot;

/// The inputs column: each document slot's text, the admin configurations' texts (highest
/// scope first), the virtual network prefixes and ASG membership; `epoch` is bumped when they
/// are all replaced (the text areas then take their text again); `assembled` says what each
/// slot holds.
#[component]
#[allow(clippy::too_many_arguments)]
pub fn Inputs(
    title: RwSignal<String>,
    subnet_nsg: RwSignal<String>,
    nic_nsg: RwSignal<String>,
    admin: RwSignal<Vec<String>>,
    effective: RwSignal<String>,
    nic: RwSignal<String>,
    tags: RwSignal<String>,
    vnet: RwSignal<String>,
    asgs: RwSignal<String>,
    epoch: RwSignal<u64>,
    assembled: Memo<Shared<Assembled>>,
) -> impl IntoView {
    let single = move |slot: DocSlot, text: RwSignal<String>| {
        view! { <SlotEditor doc=slot text=text.into() set_text=text.into() epoch=epoch assembled=assembled /> }
    };
    // The "more inputs" are open when one of them holds something.
    let more = move || {
        epoch.get();
        [effective, nic, tags, asgs]
            .iter()
            .any(|t| t.with_untracked(|t| !t.trim().is_empty()))
    };
    view! {
        <div class="field">
            <label for="scenario-title">"Scenario title"</label>
            <input id="scenario-title" type="text" data-testid="scenario-title"
                placeholder="e.g. Web tier, inbound"
                prop:value=move || title.get()
                on:input=move |ev| title.set(event_target_value(&ev)) />
        </div>
        <p class="help">
            "Paste JSON as Azure tools print it (az CLI, REST, PowerShell, ARM templates), drop a \
             file on a box, or choose one. Everything stays in this browser."
        </p>
        {single(DocSlot::SubnetNsg, subnet_nsg)}
        {single(DocSlot::NicNsg, nic_nsg)}
        <AdminList admin=admin epoch=epoch assembled=assembled />
        <details class="more-inputs" open=more>
            <summary>"More inputs: effective rules, network interface, service tags, ASGs"</summary>
            {single(DocSlot::EffectiveRules, effective)}
            {single(DocSlot::Nic, nic)}
            {single(DocSlot::ServiceTags, tags)}
            <ListEditor which=List::Asgs text=asgs epoch=epoch assembled=assembled />
        </details>
        <ListEditor which=List::VirtualNetwork text=vnet epoch=epoch assembled=assembled />
    }
}

/// The admin configurations, highest scope first, each with its editor and the tools to move
/// or remove it, and a button to add one.
#[component]
fn AdminList(
    admin: RwSignal<Vec<String>>,
    epoch: RwSignal<u64>,
    assembled: Memo<Shared<Assembled>>,
) -> impl IntoView {
    let count = Memo::new(move |_| admin.with(Vec::len));
    let editor = move |i: usize| {
        let text = Signal::derive(move || admin.with(|v| v.get(i).cloned().unwrap_or_default()));
        let set_text = SignalSetter::map(move |t: String| {
            admin.update(|v| {
                if let Some(slot) = v.get_mut(i) {
                    *slot = t
                }
            })
        });
        view! {
            <SlotEditor doc=DocSlot::Admin(i) text=text set_text=set_text epoch=epoch assembled=assembled>
                <AdminTools i=i admin=admin epoch=epoch />
            </SlotEditor>
        }
    };
    view! {
        <fieldset class="admin-list">
            <legend>"AVNM security admin rules, highest scope first"</legend>
            <For each=move || 0..count.get() key=|i| *i let:i>
                {editor(i)}
            </For>
            <button type="button" class="button" data-testid="add-admin-rules"
                on:click=move |_| admin.update(|v| v.push(String::new()))>
                "Add another admin configuration (lower scope)"
            </button>
        </fieldset>
    }
}

/// Up, down and remove for the `i`-th admin configuration.
#[component]
fn AdminTools(i: usize, admin: RwSignal<Vec<String>>, epoch: RwSignal<u64>) -> impl IntoView {
    let label = DocSlot::Admin(i).label();
    let count = move || admin.with(Vec::len);
    // Every change moves texts between the slots: the text areas take theirs again.
    let change = move |f: fn(&mut Vec<String>, usize)| {
        move |_| {
            admin.update(|v| f(v, i));
            epoch.update(|e| *e += 1);
        }
    };
    view! {
        <button type="button" class="button small" disabled=i == 0
            aria-label=format!("Move {label} up (higher scope)")
            on:click=change(|v, i| if i > 0 && i < v.len() { v.swap(i - 1, i) })>"Up"</button>
        <button type="button" class="button small" disabled=move || { i + 1 >= count() }
            aria-label=format!("Move {label} down (lower scope)")
            on:click=change(|v, i| if i + 1 < v.len() { v.swap(i, i + 1) })>"Down"</button>
        <button type="button" class="button small" disabled=move || { count() <= 1 }
            aria-label=format!("Remove {label}")
            on:click=change(|v, i| if v.len() > 1 && i < v.len() { v.remove(i); })>"Remove"</button>
    }
}

/// Which list editor.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// Virtual network prefixes.
    VirtualNetwork,
    /// ASG membership.
    Asgs,
}

/// The virtual network prefixes or the ASG membership: a small text area with its error.
#[component]
fn ListEditor(
    which: List,
    text: RwSignal<String>,
    epoch: RwSignal<u64>,
    assembled: Memo<Shared<Assembled>>,
) -> impl IntoView {
    let (id, label, help, placeholder) = match which {
        List::VirtualNetwork => (
            "virtual-network",
            "Virtual network prefixes (the VirtualNetwork tag)",
            "One prefix per line: the VNet's address space, peered and on-premises ranges. \
             168.63.129.16/32 is always included.",
            "10.0.0.0/16",
        ),
        List::Asgs => (
            "asgs",
            "Application security group membership",
            "One group per line: name = IP, IP. A network interface document adds its own.",
            "asg-web = 10.0.1.4, 10.0.1.5",
        ),
    };
    let error = Memo::new(move |_| {
        assembled.with(|a| match which {
            List::VirtualNetwork => a.virtual_network_error.clone(),
            List::Asgs => a.asgs_error.clone(),
        })
    });
    let error_id = format!("{id}-error");
    let help_id = format!("{id}-help");
    view! {
        <div class="field slot" class:has-error=move || error.with(Option::is_some)>
            <label for=id>{label}</label>
            <p class="help" id=help_id.clone()>{help}</p>
            <textarea id=id data-testid=id rows="3" spellcheck="false" autocomplete="off"
                class="code" placeholder=placeholder
                aria-describedby=format!("{help_id} {error_id}")
                aria-invalid=move || if error.with(Option::is_some) { "true" } else { "false" }
                prop:value=move || { epoch.get(); text.get_untracked() }
                on:input=move |ev| text.set(textarea_value(&ev))></textarea>
            <div id=error_id aria-live="polite">
                {move || error.get().map(|e| view! {
                    <p class="input-error" data-testid="input-error">{e}</p>
                })}
            </div>
        </div>
    }
}

/// The value of the text area an event came from.
fn textarea_value(ev: &web_sys::Event) -> String {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
        .map(|t| t.value())
        .unwrap_or_default()
}

/// One document slot: label and recognised shape, the text area (paste), a file picker,
/// drag and drop, clear; admin slots can also move up and down or go.
/// `text` is the slot's text and `set_text` sets it; `children` are more tools beside "Clear"
/// (an admin configuration's).
#[component]
fn SlotEditor(
    doc: DocSlot,
    text: Signal<String>,
    set_text: SignalSetter<String>,
    epoch: RwSignal<u64>,
    assembled: Memo<Shared<Assembled>>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let slot = doc;
    let id = slot.test_id();
    let status_id = format!("{id}-status");
    let error_id = format!("{id}-error");
    let area = NodeRef::<html::Textarea>::new();
    let dragging = RwSignal::new(false);
    let state = Memo::new(move |_| assembled.with(|a| a.state(slot)));
    // A file that could not be put in the slot (its encoding, its size): the slot keeps its
    // text, and the message stays until the text changes (or is replaced: a new epoch).
    let file_error = RwSignal::new(None::<(u64, String)>);
    let file_problem = move || {
        file_error
            .get()
            .and_then(|(at, e)| (at == epoch.get()).then_some(e))
    };

    // Sets the slot from outside the text area (file, drop, clear): the area shows it too.
    let put = move |text: String| {
        // `try_`: a file read may end after an admin slot was removed.
        file_error.try_set(None);
        if let Some(area) = area.get_untracked() {
            area.set_value(&text);
        }
        set_text.set(text);
    };
    let read_file = move |file: web_sys::File| {
        leptos::task::spawn_local(async move {
            match browser::read_text(file).await {
                Ok(text) => put(text),
                Err(why) => {
                    file_error.try_set(Some((epoch.get_untracked(), why)));
                }
            }
        });
    };
    let on_file = move |ev: web_sys::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        if let Some(file) = input.files().and_then(|f| f.get(0)) {
            read_file(file);
        }
        input.set_value("");
    };
    let on_drop = move |ev: web_sys::DragEvent| {
        dragging.set(false);
        let file = ev
            .data_transfer()
            .and_then(|d| d.files())
            .and_then(|f| f.get(0));
        if let Some(file) = file {
            ev.prevent_default();
            read_file(file);
        }
    };
    let status = move || match state.get() {
        SlotState::Empty => view! {
            <span class="slot-status empty">"Empty: paste JSON, drop a file or choose one"</span>
        }
        .into_any(),
        SlotState::Loaded { described, .. } => view! {
            <span class="slot-status ok"><span class="sr-only">"Loaded: "</span>{described}</span>
        }
        .into_any(),
        SlotState::Failed(_) => view! {
            <span class="slot-status bad">"Not used: see the problem below"</span>
        }
        .into_any(),
    };
    let error = move || match state.get() {
        SlotState::Failed(e) => {
            let shown = line_column(&e)
                .and_then(|(line, column)| text.with_untracked(|t| excerpt(t, line, column)));
            Some(view! {
                <div class="input-error" data-testid="input-error">
                    <p>{e.to_string()}</p>
                    {shown.map(|(line, caret)| view! {
                        <pre class="excerpt" aria-hidden="true">{line}"\n"{caret}</pre>
                    })}
                </div>
            })
        }
        _ => None,
    };
    // The same view as the list editors' errors (each kind of view costs code).
    let file_error_view = move || {
        file_problem().map(|e| {
            view! {
                <p class="input-error" data-testid="input-error">
                    {format!("{e}. The text in the box is unchanged.")}
                </p>
            }
        })
    };
    // The document's warnings (its own and its rules'), under its description: the first
    // few, the others behind "Show all N".
    let warnings_view = move || {
        state.with(|s| match s {
            SlotState::Loaded { warnings, .. } if !warnings.is_empty() => {
                let total = warnings.len();
                let (first, rest) = split_warnings(warnings);
                let heading =
                    format!("Read with {total} warning{}:", if total == 1 { "" } else { "s" });
                Some((
                    listed("slot-warnings", "slot-warnings", heading, first),
                    (!rest.is_empty()).then(|| {
                        view! {
                            <details class="slot-warnings-more">
                                <summary>{format!("Show all {total}")}</summary>
                                <ul>{rest.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul>
                            </details>
                        }
                    }),
                ))
            }
            _ => None,
        })
    };
    view! {
        <div class="slot"
            class:has-error=move || matches!(state.get(), SlotState::Failed(_)) || file_problem().is_some()
            class:dragging=move || dragging.get()
            on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop>
            <div class="slot-head">
                <label for=id.clone()>{slot.label()}</label>
                <span id=status_id.clone() aria-live="polite">{status}</span>
            </div>
            {warnings_view}
            <p class="help">{slot.hint()}</p>
            <textarea id=id.clone() data-testid=id.clone() node_ref=area class="code"
                rows="6" spellcheck="false" autocomplete="off" wrap="off"
                placeholder="Paste JSON here"
                aria-describedby=format!("{status_id} {error_id}")
                aria-invalid=move || if matches!(state.get(), SlotState::Failed(_)) { "true" } else { "false" }
                prop:value=move || { epoch.get(); text.get_untracked() }
                on:input=move |ev| {
                    file_error.set(None);
                    set_text.set(textarea_value(&ev));
                }></textarea>
            <div class="slot-tools">
                <label class="button small file-button">
                    "Choose file…"
                    <input type="file" class="sr-only" accept=".json,application/json,text/plain"
                        data-testid=format!("{id}-file") on:change=on_file />
                </label>
                <button type="button" class="button small"
                    aria-label=format!("Clear {}", slot.label())
                    on:click=move |_| put(String::new())>"Clear"</button>
                {children.map(|c| c())}
            </div>
            <div id=error_id aria-live="polite">{file_error_view}{error}</div>
        </div>
    }
}
