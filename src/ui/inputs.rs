//! The inputs column: one editor per document slot (paste, file picker, drag and drop, clear),
//! the admin configurations in scope order, the virtual network prefixes and ASG membership.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{browser, listed, Page};
use crate::evaluation::{excerpt, line_column, split_warnings, SlotState};
use crate::workbench::DocSlot;

/// The inputs column.
#[component]
pub fn Inputs(page: Page) -> impl IntoView {
    let admin_count = Memo::new(move |_| page.admin.with(Vec::len));
    let add_admin = move |_| {
        page.admin.update(|v| v.push(String::new()));
    };
    view! {
        <div class="field">
            <label for="scenario-title">"Scenario title"</label>
            <input id="scenario-title" type="text" data-testid="scenario-title"
                placeholder="e.g. Web tier, inbound"
                prop:value=move || page.title.get()
                on:input=move |ev| page.title.set(event_target_value(&ev)) />
        </div>
        <p class="help">
            "Paste JSON as Azure tools print it (az CLI, REST, PowerShell, ARM templates), drop a \
             file on a box, or choose one. Everything stays in this browser."
        </p>
        <SlotEditor page=page doc=DocSlot::SubnetNsg />
        <SlotEditor page=page doc=DocSlot::NicNsg />
        <fieldset class="admin-list">
            <legend>"AVNM security admin rules, highest scope first"</legend>
            <For each=move || 0..admin_count.get() key=|i| *i let:i>
                <SlotEditor page=page doc=DocSlot::Admin(i) />
            </For>
            <button type="button" class="button" on:click=add_admin data-testid="add-admin-rules">
                "Add another admin configuration (lower scope)"
            </button>
        </fieldset>
        <details class="more-inputs" open=move || {
            page.epoch.get();
            let has = |s: DocSlot| !page.text_untracked(s).trim().is_empty();
            has(DocSlot::EffectiveRules) || has(DocSlot::Nic) || has(DocSlot::ServiceTags)
                || !page.asgs.get_untracked().trim().is_empty()
        }>
            <summary>"More inputs: effective rules, network interface, service tags, ASGs"</summary>
            <SlotEditor page=page doc=DocSlot::EffectiveRules />
            <SlotEditor page=page doc=DocSlot::Nic />
            <SlotEditor page=page doc=DocSlot::ServiceTags />
            <ListEditor page=page which=List::Asgs />
        </details>
        <ListEditor page=page which=List::VirtualNetwork />
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
fn ListEditor(page: Page, which: List) -> impl IntoView {
    let (signal, id, label, help, placeholder) = match which {
        List::VirtualNetwork => (
            page.vnet,
            "virtual-network",
            "Virtual network prefixes (the VirtualNetwork tag)",
            "One prefix per line: the VNet's address space, peered and on-premises ranges. \
             168.63.129.16/32 is always included.",
            "10.0.0.0/16",
        ),
        List::Asgs => (
            page.asgs,
            "asgs",
            "Application security group membership",
            "One group per line: name = IP, IP. A network interface document adds its own.",
            "asg-web = 10.0.1.4, 10.0.1.5",
        ),
    };
    let error = move || {
        let assembled = page.assembled.get();
        match which {
            List::VirtualNetwork => assembled.virtual_network_error.clone(),
            List::Asgs => assembled.asgs_error.clone(),
        }
    };
    let error_id = format!("{id}-error");
    let help_id = format!("{id}-help");
    view! {
        <div class="field slot" class:has-error=move || error().is_some()>
            <label for=id>{label}</label>
            <p class="help" id=help_id.clone()>{help}</p>
            <textarea id=id data-testid=id rows="3" spellcheck="false" autocomplete="off"
                class="code" placeholder=placeholder
                aria-describedby=format!("{help_id} {error_id}")
                aria-invalid=move || if error().is_some() { "true" } else { "false" }
                prop:value=move || { page.epoch.get(); signal.get_untracked() }
                on:input=move |ev| signal.set(textarea_value(&ev))></textarea>
            <div id=error_id aria-live="polite">
                {move || error().map(|e| view! {
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
#[component]
fn SlotEditor(page: Page, doc: DocSlot) -> impl IntoView {
    let slot = doc;
    let id = slot.test_id();
    let status_id = format!("{id}-status");
    let error_id = format!("{id}-error");
    let area = NodeRef::<html::Textarea>::new();
    let dragging = RwSignal::new(false);
    let state = Memo::new(move |_| page.assembled.get().state(slot));
    // A file that could not be put in the slot (its encoding, its size): the slot keeps its
    // text, and the message stays until the text changes (or is replaced: a new epoch).
    let file_error = RwSignal::new(None::<(u64, String)>);
    let file_problem = move || {
        file_error
            .get()
            .and_then(|(at, e)| (at == page.epoch.get()).then_some(e))
    };

    // Sets the slot from outside the text area (file, drop, clear): the area shows it too.
    let put = move |text: String| {
        // `try_`: a file read may end after an admin slot was removed.
        file_error.try_set(None);
        if let Some(area) = area.get_untracked() {
            area.set_value(&text);
        }
        page.set_text(slot, text);
    };
    let read_file = move |file: web_sys::File| {
        leptos::task::spawn_local(async move {
            match browser::read_text(file).await {
                Ok(text) => put(text),
                Err(why) => {
                    file_error.try_set(Some((page.epoch.get_untracked(), why)));
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
                .and_then(|(line, column)| excerpt(&page.text_untracked(slot), line, column));
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
    let admin_tools = match slot {
        DocSlot::Admin(i) => Some(view! {
            <button type="button" class="button small" disabled=move || i == 0
                aria-label=format!("Move {} up (higher scope)", slot.label())
                on:click=move |_| {
                    page.admin.update(|v| if i > 0 && i < v.len() { v.swap(i - 1, i) });
                    page.epoch.update(|e| *e += 1);
                }>"Up"</button>
            <button type="button" class="button small"
                disabled=move || { i + 1 >= page.admin.with(Vec::len) }
                aria-label=format!("Move {} down (lower scope)", slot.label())
                on:click=move |_| {
                    page.admin.update(|v| if i + 1 < v.len() { v.swap(i, i + 1) });
                    page.epoch.update(|e| *e += 1);
                }>"Down"</button>
            <button type="button" class="button small"
                disabled=move || { page.admin.with(Vec::len) <= 1 }
                aria-label=format!("Remove {}", slot.label())
                on:click=move |_| {
                    page.admin.update(|v| if v.len() > 1 && i < v.len() { v.remove(i); });
                    page.epoch.update(|e| *e += 1);
                }>"Remove"</button>
        }),
        _ => None,
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
                prop:value=move || { page.epoch.get(); page.text_untracked(slot) }
                on:input=move |ev| {
                    file_error.set(None);
                    page.set_text(slot, textarea_value(&ev));
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
                {admin_tools}
            </div>
            <div id=error_id aria-live="polite">{file_error_view}{error}</div>
        </div>
    }
}
