//! The inputs column: one editor per document slot (paste, file picker, drag and drop, clear),
//! the admin configurations in scope order, the virtual network prefixes and ASG membership.

use leptos::mount::mount_to;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{browser, listed, Shared};
use crate::evaluation::{split_warnings, Assembled, Problem, SlotState};
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
        let set_text = Callback::new(move |t| text.set(t));
        view! { <SlotEditor doc=slot text=text.into() set_text=set_text epoch=epoch assembled=assembled /> }
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
        let set_text = Callback::new(move |t: String| {
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
    // One editor per configuration, mounted when it appears and unmounted when it goes: each
    // is built once (a list drawn again would carry the code to patch an editor in place,
    // kilobytes of the bundle). They belong to this list's owner, so they live as long as it.
    let owner = Owner::current().unwrap_or_default();
    let mut editors = Vec::new();
    Effect::new(move |_| {
        let n = count.get();
        let Some(list) = document().get_element_by_id("admin-slots") else {
            return;
        };
        let list: web_sys::HtmlElement = list.unchecked_into();
        editors.truncate(n);
        while editors.len() < n {
            let i = editors.len();
            editors.push(owner.with(|| mount_to(list.clone(), move || editor(i))));
        }
    });
    view! {
        <fieldset class="admin-list">
            <legend>"AVNM security admin rules, highest scope first"</legend>
            <div id="admin-slots"></div>
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
                {move || error.get().map(|e| problem_view(Problem::new(e)))}
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
    set_text: Callback<String>,
    epoch: RwSignal<u64>,
    assembled: Memo<Shared<Assembled>>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let slot = doc;
    let id = slot.test_id();
    let status_id = format!("{id}-status");
    let error_id = format!("{id}-error");
    let dragging = RwSignal::new(false);
    let state = Memo::new(move |_| assembled.with(|a| a.state(slot)));
    let failed = Memo::new(move |_| state.with(|s| matches!(s, SlotState::Failed(_))));
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
        let area = document()
            .get_element_by_id(&slot.test_id())
            .and_then(|e| e.dyn_into::<web_sys::HtmlTextAreaElement>().ok());
        if let Some(area) = area {
            area.set_value(&text);
        }
        set_text.run(text);
    };
    let read_file = move |file: web_sys::File| {
        browser::read_text(file, move |read| match read {
            Ok(text) => put(text),
            Err(why) => {
                file_error.try_set(Some((epoch.get_untracked(), why)));
            }
        });
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
    // The file's problem, then the text's (one view for both, and for the list editors').
    let problems = move || {
        let file =
            file_problem().map(|e| Problem::new(format!("{e}. The text in the box is unchanged.")));
        let text = state.with(|s| text.with_untracked(|t| s.problem(t)));
        file.into_iter()
            .chain(text)
            .map(problem_view)
            .collect_view()
    };
    view! {
        <div class="slot"
            class:has-error=move || failed.get() || file_problem().is_some()
            class:dragging=move || dragging.get()
            on:dragover=move |ev: web_sys::DragEvent| { ev.prevent_default(); dragging.set(true); }
            on:dragleave=move |_| dragging.set(false)
            on:drop=on_drop>
            <div class="slot-head">
                <label for=id.clone()>{slot.label()}</label>
                <span id=status_id.clone() aria-live="polite">
                    {move || state.with(|s| {
                        let (class, sr, shown) = s.status();
                        view! { <span class=class><span class="sr-only">{sr}</span>{shown}</span> }
                    })}
                </span>
            </div>
            <SlotWarnings state=state />
            <p class="help">{slot.hint()}</p>
            <textarea id=id.clone() data-testid=id.clone() class="code"
                rows="6" spellcheck="false" autocomplete="off" wrap="off"
                placeholder="Paste JSON here"
                aria-describedby=format!("{status_id} {error_id}")
                aria-invalid=move || if failed.get() { "true" } else { "false" }
                prop:value=move || { epoch.get(); text.get_untracked() }
                on:input=move |ev| {
                    file_error.set(None);
                    set_text.run(textarea_value(&ev));
                }></textarea>
            <div class="slot-tools">
                <FileButton test_id=format!("{id}-file") read=Callback::new(read_file) />
                <button type="button" class="button small"
                    aria-label=format!("Clear {}", slot.label())
                    on:click=move |_| put(String::new())>"Clear"</button>
                {children.map(|c| c())}
            </div>
            <div id=error_id aria-live="polite">{problems}</div>
        </div>
    }
}

/// "Choose file…": the file chosen goes to `read` (and the picker forgets it, so that the same
/// file can be chosen again).
#[component]
fn FileButton(test_id: String, read: Callback<web_sys::File>) -> impl IntoView {
    let chosen = move |ev: web_sys::Event| {
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            if let Some(file) = input.files().and_then(|f| f.get(0)) {
                read.run(file);
            }
            input.set_value("");
        }
    };
    view! {
        <label class="button small file-button">
            "Choose file…"
            <input type="file" class="sr-only" accept=".json,application/json,text/plain"
                data-testid=test_id on:change=chosen />
        </label>
    }
}

/// A problem with an input: its message, and the line it points at with a caret.
fn problem_view(problem: Problem) -> impl IntoView {
    view! {
        <div class="input-error" data-testid="input-error">
            <p>{problem.message}</p>
            {problem.excerpt.map(|(line, caret)| view! {
                <pre class="excerpt" aria-hidden="true">{line}"\n"{caret}</pre>
            })}
        </div>
    }
}

/// A document's warnings (its own and its rules'), under its description: the first few, the
/// others behind "Show all N".
#[component]
fn SlotWarnings(state: Memo<SlotState>) -> impl IntoView {
    move || {
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
    }
}
