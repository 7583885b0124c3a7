//! The Leptos components (wasm32 only): thin views over [`crate::workbench`] and
//! [`crate::evaluation`]. Signals live here, never in the domain types.

pub mod analysis;
mod browser;
mod flowform;
mod flows;
mod inputs;
mod replay;
mod result;
mod script_api;
mod toolbar;

use std::sync::Arc;

use leptos::prelude::*;

use crate::evaluation::{assemble, evaluate_row, Assembled, Evaluated, FlowOutcome, ImportCache};
use crate::share::Load;
use crate::startup::{choose, Opening, Saved, PREVIOUS_KEY, SAVED_KEY};
use crate::workbench::{DocSlot, FlowRow, Workbench};

/// Starts the page: installs `window.flowverify`, mounts the app, registers the service worker.
pub fn start() {
    script_api::install();
    if let Some(boot) = document().get_element_by_id("boot") {
        boot.remove();
    }
    mount_to_body(App);
    browser::register_service_worker();
}

/// A value shared by reference between memos and views. Two are equal when they are the same
/// value or equal values: a memo whose new value equals the old one does not notify, so typing
/// a space in a 1,000-rule NSG (same inputs, same verdicts) re-renders nothing.
#[derive(Debug)]
pub(crate) struct Shared<T>(pub Arc<T>);

impl<T> Clone for Shared<T> {
    fn clone(&self) -> Self {
        Shared(self.0.clone())
    }
}

impl<T: PartialEq> PartialEq for Shared<T> {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || *self.0 == *other.0
    }
}

impl<T> std::ops::Deref for Shared<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.0
    }
}

/// A rule name that may break after its last slash (`securityRules/` then the name), never
/// inside a word (the cell's CSS lets it break anywhere only on narrow screens).
pub(crate) fn breakable(name: String) -> impl IntoView {
    match name.rfind('/') {
        Some(at) => broken(name[..=at].to_string(), name[at + 1..].to_string()),
        None => broken(String::new(), name),
    }
}

/// An access word that may break in two (`Always` `Allow`) in a narrow column.
pub(crate) fn access_text(access: String) -> impl IntoView {
    match access.strip_suffix("Allow") {
        Some(head) if !head.is_empty() => broken(head.to_string(), "Allow".to_string()),
        _ => broken(String::new(), access),
    }
}

/// A headed list of warnings or notes (`role="note"`), or nothing when `items` is empty. Every
/// such list on the page is this one view (each kind of view costs code in the bundle).
pub(crate) fn listed(
    class: &'static str,
    test_id: &'static str,
    heading: String,
    items: &[String],
) -> Option<impl IntoView> {
    (!items.is_empty()).then(|| {
        view! {
            <div class=class data-testid=test_id role="note">
                <p><strong>{heading}</strong></p>
                <ul>{items.iter().map(|w| view! { <li>{w.clone()}</li> }).collect_view()}</ul>
            </div>
        }
    })
}

/// Two texts with a line break opportunity between them.
fn broken(head: String, tail: String) -> impl IntoView {
    view! { {head}<wbr />{tail} }
}

/// A message across the top of the page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Notice {
    /// The message.
    pub text: String,
    /// An error (shown as an alert) rather than information.
    pub error: bool,
    /// Whether "Undo" can bring back the work this load replaced.
    pub undo: bool,
}

/// The work as typed, each input its own signal (typing in one slot re-imports that slot
/// only), and the page's messages. Only [`App`] holds it: each component takes the signals and
/// callbacks it uses.
#[derive(Clone, Copy)]
struct Work {
    title: RwSignal<String>,
    subnet_nsg: RwSignal<String>,
    nic_nsg: RwSignal<String>,
    admin: RwSignal<Vec<String>>,
    effective: RwSignal<String>,
    nic: RwSignal<String>,
    tags: RwSignal<String>,
    vnet: RwSignal<String>,
    asgs: RwSignal<String>,
    flows: RwSignal<Vec<FlowRow>>,
    selected: RwSignal<usize>,
    /// The baseline the Compare view compares with (the scenario's `baseline`).
    baseline: RwSignal<Option<serde_json::Value>>,
    /// Bumped when the inputs are replaced as a whole: text areas take their text again.
    epoch: RwSignal<u64>,
    /// The permalink fragment the work came from (or was last shared as).
    link: RwSignal<Option<String>>,
    notice: RwSignal<Option<Notice>>,
}

impl Work {
    fn new(w: Workbench) -> Work {
        let w = w.normalized();
        Work {
            title: RwSignal::new(w.title),
            subnet_nsg: RwSignal::new(w.subnet_nsg),
            nic_nsg: RwSignal::new(w.nic_nsg),
            admin: RwSignal::new(w.admin_rules),
            effective: RwSignal::new(w.effective_rules),
            nic: RwSignal::new(w.nic),
            tags: RwSignal::new(w.service_tags),
            vnet: RwSignal::new(w.virtual_network),
            asgs: RwSignal::new(w.asgs),
            flows: RwSignal::new(w.flows),
            selected: RwSignal::new(w.selected),
            baseline: RwSignal::new(w.baseline),
            epoch: RwSignal::new(0),
            link: RwSignal::new(None),
            notice: RwSignal::new(None),
        }
    }

    /// The document slots' signals, in the engine's order (admin slots as one list).
    fn singles(&self) -> [(DocSlot, RwSignal<String>); 5] {
        [
            (DocSlot::SubnetNsg, self.subnet_nsg),
            (DocSlot::NicNsg, self.nic_nsg),
            (DocSlot::EffectiveRules, self.effective),
            (DocSlot::Nic, self.nic),
            (DocSlot::ServiceTags, self.tags),
        ]
    }

    /// Every input assembled (each slot imported again only when its text changed).
    fn assembled(self) -> Memo<Shared<Assembled>> {
        let cache = StoredValue::new(ImportCache::new());
        Memo::new(move |_| {
            let singles = self.singles().map(|(slot, text)| (slot, text.read()));
            let admin = self.admin.read();
            let mut slots: Vec<(DocSlot, &str)> = singles[..2]
                .iter()
                .map(|(slot, text)| (*slot, text.as_str()))
                .collect();
            slots.extend(
                admin
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (DocSlot::Admin(i), t.as_str())),
            );
            slots.extend(
                singles[2..]
                    .iter()
                    .map(|(slot, text)| (*slot, text.as_str())),
            );
            let imported = cache
                .try_update_value(|c| c.get_all(&slots))
                .unwrap_or_default();
            Shared(Arc::new(assemble(
                &imported,
                &self.vnet.read(),
                &self.asgs.read(),
            )))
        })
    }

    /// Everything as typed, without tracking.
    fn snapshot(&self) -> Workbench {
        Workbench {
            title: self.title.get_untracked(),
            subnet_nsg: self.subnet_nsg.get_untracked(),
            nic_nsg: self.nic_nsg.get_untracked(),
            admin_rules: self.admin.get_untracked(),
            effective_rules: self.effective.get_untracked(),
            nic: self.nic.get_untracked(),
            service_tags: self.tags.get_untracked(),
            virtual_network: self.vnet.get_untracked(),
            asgs: self.asgs.get_untracked(),
            flows: self.flows.get_untracked(),
            selected: self.selected.get_untracked(),
            baseline: self.baseline.get_untracked(),
        }
    }

    /// Tracks every input (for the autosave effect).
    fn track_all(&self) {
        self.track_inputs();
        self.title.track();
        self.flows.track();
        self.selected.track();
        self.link.track();
    }

    /// Tracks what the analysis depends on: the inputs and the baseline.
    fn track_inputs(&self) {
        for (_, text) in self.singles() {
            text.track();
        }
        self.admin.track();
        self.vnet.track();
        self.asgs.track();
        self.baseline.track();
    }

    /// Replaces everything with `w` (text areas included).
    fn load(&self, w: Workbench) {
        let w = w.normalized();
        self.title.set(w.title);
        self.subnet_nsg.set(w.subnet_nsg);
        self.nic_nsg.set(w.nic_nsg);
        self.admin.set(w.admin_rules);
        self.effective.set(w.effective_rules);
        self.nic.set(w.nic);
        self.tags.set(w.service_tags);
        self.vnet.set(w.virtual_network);
        self.asgs.set(w.asgs);
        self.flows.set(w.flows);
        self.selected.set(w.selected);
        self.baseline.set(w.baseline);
        self.epoch.update(|e| *e += 1);
    }

    /// Says `text` across the top of the page.
    fn tell(&self, text: String, error: bool, undo: bool) {
        self.notice.set(Some(Notice { text, error, undo }));
    }

    /// Replaces the work with `w` (a sample, a link, an uploaded scenario, a fresh start),
    /// keeping the replaced work for "Undo" when there was any, and says so.
    fn replace(&self, w: Workbench, link: Option<String>, message: String) {
        let current = self.snapshot();
        let keep = current != w.clone().normalized() && current != Workbench::new();
        if keep {
            let record = Saved::new(current, self.link.get_untracked()).to_json();
            if browser::store(PREVIOUS_KEY, &record).is_err() {
                browser::forget(PREVIOUS_KEY);
            }
        }
        self.load(w);
        self.link.set(link);
        self.save_now();
        self.tell(message, false, keep);
    }

    /// Brings back the work the last load replaced.
    fn undo(&self) {
        match browser::load(PREVIOUS_KEY)
            .as_deref()
            .and_then(Saved::parse)
        {
            Some(previous) => {
                let replaced = Saved::new(self.snapshot(), self.link.get_untracked()).to_json();
                let _ = browser::store(PREVIOUS_KEY, &replaced);
                self.load(previous.workbench);
                self.link.set(previous.link);
                self.save_now();
                self.tell(
                    "Your previous work is back (Undo again to return).".into(),
                    false,
                    true,
                );
            }
            None => self.tell(
                "There is no previous work to bring back.".into(),
                true,
                false,
            ),
        }
    }

    /// Autosaves now.
    fn save_now(&self) {
        let record = Saved::new(self.snapshot(), self.link.get_untracked()).to_json();
        if let Err(why) = browser::store(SAVED_KEY, &record) {
            self.tell(
                format!("Autosave failed: {why}. Download the scenario to keep your work."),
                true,
                false,
            );
        }
    }
}

/// Every flow's verdict, without traces (for the flows list): a flow edited (or new inputs)
/// is verified again, the others keep their outcome.
fn outcomes(
    assembled: Memo<Shared<Assembled>>,
    flows: RwSignal<Vec<FlowRow>>,
) -> Memo<Shared<Evaluated>> {
    Memo::new(move |previous: Option<&Shared<Evaluated>>| {
        let assembled = assembled.get();
        flows.with(|rows| {
            Shared(Arc::new(Evaluated::new(
                &assembled.0,
                rows,
                previous.map(|p| &*p.0),
            )))
        })
    })
}

/// The selected flow's verdict with its trace (for the form and the result). Never compared
/// with the previous one (a trace of a 1,000-rule layer is long): the memos that show parts of
/// it compare those parts.
fn current(
    assembled: Memo<Shared<Assembled>>,
    flows: RwSignal<Vec<FlowRow>>,
    selected: RwSignal<usize>,
) -> Current {
    Memo::new_with_compare(
        move |_| {
            let assembled = assembled.get();
            let i = selected.get();
            flows.with(|rows| {
                Shared(Arc::new(
                    rows.get(i)
                        .map(|row| evaluate_row(&assembled.inputs, row, true)),
                ))
            })
        },
        |old, new| match (old, new) {
            (Some(old), Some(new)) => !Arc::ptr_eq(&old.0, &new.0),
            _ => true,
        },
    )
}

/// The selected flow's outcome (verdict with its trace, problems, check).
pub(crate) type Current = Memo<Shared<Option<FlowOutcome>>>;

/// What to show first, from the address bar and the autosave.
fn opening() -> (Workbench, Option<String>, Option<Notice>) {
    let saved = browser::load(SAVED_KEY);
    match choose(&browser::fragment(), saved.as_deref(), browser::is_reload()) {
        Opening::Link {
            workbench,
            fragment,
        } => {
            // Opening a link replaces the autosaved work: keep that for "Undo".
            let undo = match saved.as_deref().and_then(Saved::parse) {
                Some(previous) if previous.workbench != workbench => {
                    browser::store(PREVIOUS_KEY, &previous.to_json()).is_ok()
                }
                _ => false,
            };
            let title = if workbench.title.is_empty() {
                "Opened the shared scenario.".to_string()
            } else {
                format!(
                    "Opened the shared scenario \u{201c}{}\u{201d}.",
                    workbench.title
                )
            };
            let notice = Notice {
                text: if undo {
                    format!("{title} Your previous work is kept: Undo brings it back.")
                } else {
                    title
                },
                error: false,
                undo,
            };
            (workbench, Some(fragment), Some(notice))
        }
        Opening::Saved(saved) => (saved.workbench, saved.link, None),
        Opening::Sample(workbench) => (workbench, None, None),
        Opening::BrokenLink { message, fallback } => (
            fallback,
            None,
            Some(Notice {
                text: message,
                error: true,
                undo: false,
            }),
        ),
    }
}

/// The whole page. On a narrow screen the flow, its verdict and the flows list come first and
/// the inputs after them; on a wide one the inputs are the left column (see the style sheet).
#[component]
fn App() -> impl IntoView {
    let (workbench, link, notice) = opening();
    // A link that carries a baseline (a change request to review) opens on its comparison.
    let review = link.is_some() && workbench.baseline.is_some();
    let right = RwSignal::new(if review {
        Right::Analysis
    } else {
        Right::Verdict
    });
    let work = Work::new(workbench);
    work.link.set(link);
    work.notice.set(notice);
    let assembled = work.assembled();
    let outcomes = outcomes(assembled, work.flows);
    let current = current(assembled, work.flows, work.selected);

    // Autosave, a moment after the last change (and at once when the page is left): a new
    // change replaces (and so cancels) the pending save.
    thread_local! {
        static PENDING: std::cell::Cell<Option<gloo::timers::callback::Timeout>> =
            const { std::cell::Cell::new(None) };
    }
    Effect::new(move |first: Option<()>| {
        work.track_all();
        if first.is_some() {
            let pending = gloo::timers::callback::Timeout::new(400, move || work.save_now());
            PENDING.with(|p| p.set(Some(pending)));
        }
    });
    let _ = window_event_listener(leptos::ev::pagehide, move |_| work.save_now());
    // A permalink pasted into the address bar of the open page.
    let _ = window_event_listener(leptos::ev::hashchange, move |_| {
        let fragment = browser::fragment();
        if fragment.is_empty() || work.link.get_untracked().as_deref() == Some(fragment.as_str()) {
            return;
        }
        match flowverify::permalink::decode(&fragment) {
            Ok(scenario) => {
                let review = scenario.baseline.is_some();
                work.replace(
                    Workbench::from_scenario(&scenario),
                    Some(fragment),
                    "Opened the shared scenario.".into(),
                );
                if review {
                    right.set(Right::Analysis);
                    open_on_compare();
                }
            }
            Err(e) => work.tell(format!("This link could not be opened: {e}"), true, false),
        }
    });

    let snapshot = Callback::new(move |()| work.snapshot());
    let open = Callback::new(move |(w, message): Load| work.replace(w, None, message));
    let error = Callback::new(move |text: String| work.tell(text, true, false));
    let undo = Callback::new(move |()| work.undo());
    let errors = Signal::derive(move || assembled.with(|a| a.error_count()));
    // The analysis module (loaded when first needed, see `analysis.rs`) reads the work and
    // acts on it through `window.flowverify._page`, and hears of each change.
    script_api::install_page(move |kind, arg| {
        match kind.as_str() {
            "work" => return serde_json::to_string(&work.snapshot()).unwrap_or_default(),
            "load" => {
                let mut chosen = None;
                let at = work.selected.get_untracked();
                work.flows
                    .update(|rows| chosen = crate::analysis::load_example(rows, at, &arg));
                if let Some(i) = chosen {
                    work.selected.set(i);
                }
                // The flow loaded is seen in the verdict's tab (at a laptop's width).
                right.set(Right::Verdict);
            }
            "set-baseline" => work.baseline.set(work.snapshot().as_baseline()),
            _ => work.baseline.set(None),
        }
        String::new()
    });
    // The analysis is about the VM: without a network interface document, the flows' local
    // addresses say which; a change of those is a change for the analysis too.
    let locals = Memo::new(move |_| {
        work.flows.with(|rows| {
            rows.iter()
                .map(|r| local_address(&r.local))
                .collect::<Vec<_>>()
        })
    });
    Effect::new(move |_| {
        work.track_inputs();
        locals.track();
        script_api::changed();
    });

    view! {
        <a class="skip-link" href="#flow-form">"Skip to the flow"</a>
        <toolbar::Header snapshot=snapshot open=open error=error link=work.link.write_only() />
        <NoticeBar notice=work.notice undo=undo />
        <main class="layout">
            <div class="right-column">
                <div class="panel-tabs" role="tablist" aria-label="Verdict or analysis">
                    <RightTab right=right tab=Right::Verdict label="Flow and verdict" />
                    <RightTab right=right tab=Right::Analysis label="Analysis" />
                </div>
                <section class="panel work-panel" aria-label="Flow and verdict" id="right-verdict"
                    class:tab-away=move || right.get() != Right::Verdict>
                    <flowform::FlowForm flows=work.flows selected=work.selected current=current />
                    <result::Result current=current errors=errors />
                    <flows::FlowsList flows=work.flows selected=work.selected outcomes=outcomes />
                </section>
                <section class="panel analysis-panel" data-testid="analysis" aria-labelledby="analysis-heading"
                    id="right-analysis" class:tab-away=move || right.get() != Right::Analysis>
                    <details id="analysis-details" data-lazy="" open=review data-tab=review.then_some("compare")>
                        <summary><h2 id="analysis-heading">"Analysis: every flow at once"</h2></summary>
                        <p id="analysis-status" class="analysis-status" role="status" data-testid="analysis-status">
                            "Loading the analysis…"
                        </p>
                        <div id="analysis-views"></div>
                    </details>
                </section>
            </div>
            <section class="panel inputs-panel" aria-labelledby="inputs-heading">
                <h2 id="inputs-heading">"Inputs"</h2>
                <inputs::Inputs
                    title=work.title
                    subnet_nsg=work.subnet_nsg
                    nic_nsg=work.nic_nsg
                    admin=work.admin
                    effective=work.effective
                    nic=work.nic
                    tags=work.tags
                    vnet=work.vnet
                    asgs=work.asgs
                    epoch=work.epoch
                    assembled=assembled
                />
            </section>
        </main>
        <toolbar::About />
    }
}

/// The address of a flow's local end as typed, read by the engine (the text itself while it
/// cannot be read: the analysis then hears of each change).
fn local_address(end: &str) -> String {
    flowverify::Endpoint::parse(end).map_or_else(|_| end.to_string(), |e| e.ip().to_string())
}

/// Shows the Analysis area on its Compare tab (a link with a baseline opened in the open page):
/// the tab is chosen when the area is loaded, else the area opens asking for it.
fn open_on_compare() {
    use wasm_bindgen::JsCast;
    let document = document();
    let tab = document
        .get_element_by_id("tab-compare")
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok());
    match tab {
        Some(tab) => tab.click(),
        None => {
            if let Some(details) = document.get_element_by_id("analysis-details") {
                let _ = details.set_attribute("data-tab", "compare");
            }
        }
    }
    if let Some(details) = document.get_element_by_id("analysis-details") {
        let _ = details.set_attribute("open", "");
    }
}

/// What the right-hand column shows at a laptop's width (on a phone both, one after the other).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Right {
    /// The flow form, its verdict and the flows list.
    Verdict,
    /// The Analysis area.
    Analysis,
}

/// One tab of the right-hand column; choosing the Analysis opens it (which loads it).
#[component]
fn RightTab(right: RwSignal<Right>, tab: Right, label: &'static str) -> impl IntoView {
    let controls = match tab {
        Right::Verdict => "right-verdict",
        Right::Analysis => "right-analysis",
    };
    view! {
        <button type="button" role="tab" class="panel-tab" aria-controls=controls
            aria-selected=move || (right.get() == tab).to_string()
            on:click=move |_| {
                right.set(tab);
                if tab == Right::Analysis {
                    if let Some(details) = document().get_element_by_id("analysis-details") {
                        let _ = details.set_attribute("open", "");
                    }
                }
            }>{label}</button>
    }
}

/// The message across the top (a broken link, a loaded sample with "Undo", a failed autosave).
#[component]
fn NoticeBar(notice: RwSignal<Option<Notice>>, undo: Callback<()>) -> impl IntoView {
    move || {
        notice.get().map(|n| {
            let class = if n.error { "notice notice-error" } else { "notice" };
            let role = if n.error { "alert" } else { "status" };
            view! {
                <div class=class role=role data-testid="notice">
                    <p>{n.text.clone()}</p>
                    {n.undo.then(|| view! {
                        <button type="button" class="button" on:click=move |_| undo.run(())>"Undo"</button>
                    })}
                    <button type="button" class="button quiet" aria-label="Dismiss this message"
                        on:click=move |_| notice.set(None)>"Dismiss"</button>
                </div>
            }
        })
    }
}

#[cfg(test)]
mod tests;
