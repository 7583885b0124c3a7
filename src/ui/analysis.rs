//! The page's analysis module, in the window: the second module's other role (see
//! `src/bin/analysis_worker.rs`). The page's own module holds none of the analysis: `start.js`
//! loads this module (a classic script, `analysis-worker.js`, whose glue declares
//! `wasm_bindgen`, then its WebAssembly) when a panel marked `data-lazy` (the Analysis area,
//! the About panel) is first opened, or a script first calls `window.flowverify.reach` (or
//! `search`, `lint`, `diff`: `start.js` puts stubs there that load the module, which replaces
//! them with its own). Once loaded it
//!
//! - fills the Analysis area (its frame, then the parts the worker writes: HTML escaped there),
//!   and the About panel;
//! - starts the analysis worker (the same module in a Web Worker, see [`crate::analysis`] for
//!   the messages) and sends it the work a moment after each change, while the area is open:
//!   typing never waits for an analysis; a stale long one is stopped;
//! - installs `window.flowverify.reach`, `search`, `lint`, `diff` and `replay` (promises,
//!   answered by a worker of their own, every request in turn);
//! - replays flow logs dropped or chosen in the area, in a third worker (`replay.rs`).
//!
//! The page's module tells it of changes (`window.flowverifyChanged()`) and gives it the work
//! and its actions through `window.flowverify._page(kind, arg)`.

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::thread::LocalKey;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::analysis::protocol::{Answer, Kind, Message};
use crate::analysis::{page_request, script_request, Latest, Step};

/// The worker's loader (trunk's `data-loader-shim`; worker files keep their names).
const WORKER: &str = "./analysis-worker_loader.js";

/// What hears a worker's answers: the answer read, and its text (a script's value is
/// parsed from it by the browser).
type Handler = Rc<dyn Fn(&Message, &str)>;

/// One analysis worker: started when first needed; requests wait until it says it is ready.
#[derive(Default)]
pub(super) struct Client {
    worker: Option<web_sys::Worker>,
    ready: bool,
    outbox: Vec<JsValue>,
    pub(super) handler: Option<Handler>,
    /// The worker's event handlers, dropped with it.
    closures: Vec<Closure<dyn FnMut(web_sys::Event)>>,
}

pub(super) type Key = &'static LocalKey<RefCell<Client>>;

thread_local! {
    /// The page's worker: the newest request wins; a stale long job is stopped.
    static PAGE: RefCell<Client> = RefCell::default();
    /// The scripts' worker (`window.flowverify.reach` ...): every request is answered.
    static SCRIPT: RefCell<Client> = RefCell::default();
    /// The page's replay of flow logs (see `replay.rs`): Cancel stops it.
    pub(super) static REPLAY: RefCell<Client> = RefCell::default();
    static LATEST: RefCell<Latest> = RefCell::default();
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
    static PENDING: RefCell<Vec<(u64, js_sys::Function, js_sys::Function)>> = RefCell::default();
    static DEBOUNCE: Cell<Option<gloo::timers::callback::Timeout>> = const { Cell::new(None) };
    static SLOW: Cell<Option<gloo::timers::callback::Timeout>> = const { Cell::new(None) };
    /// The search form's fields (JSON text) once it was submitted.
    static QUERY: RefCell<Option<String>> = const { RefCell::new(None) };
    /// The last stage the worker reported.
    static STAGE: RefCell<String> = const { RefCell::new(String::new()) };
    /// Whether the analysis covers every local address rather than the VM's.
    static WIDEN: Cell<bool> = const { Cell::new(false) };
}

pub(super) fn next_id() -> u64 {
    NEXT_ID.with(|n| {
        let id = n.get();
        n.set(id + 1);
        id
    })
}

pub(super) fn window() -> web_sys::Window {
    web_sys::window().expect("the analysis module runs in a window")
}

pub(super) fn document() -> web_sys::Document {
    window().document().expect("a window has a document")
}

pub(super) fn by_id(id: &str) -> Option<web_sys::Element> {
    document().get_element_by_id(id)
}

pub(super) fn now() -> f64 {
    window().performance().map_or(0.0, |p| p.now())
}

pub(super) fn get(value: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(value, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub(super) fn text(message: &JsValue, key: &str) -> String {
    get(message, key).as_string().unwrap_or_default()
}

pub(super) fn listen(
    target: &web_sys::EventTarget,
    event: &str,
    f: impl FnMut(web_sys::Event) + 'static,
) {
    let f = Closure::<dyn FnMut(web_sys::Event)>::new(f);
    let _ = target.add_event_listener_with_callback(event, f.as_ref().unchecked_ref());
    f.forget();
}

/// Starts `key`'s worker.
fn spawn(key: Key) {
    let Ok(worker) = web_sys::Worker::new(WORKER) else {
        return fail(key, "the browser refused to start the analysis worker");
    };
    let on_message = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        let data = get(&e, "data").as_string().unwrap_or_default();
        let Ok(message) = Message::parse(&data) else {
            return;
        };
        if message.kind == Kind::Ready {
            let (worker, outbox) = key.with(|c| {
                let mut c = c.borrow_mut();
                c.ready = true;
                (c.worker.clone(), std::mem::take(&mut c.outbox))
            });
            for message in outbox {
                if let Some(w) = &worker {
                    let _ = w.post_message(&message);
                }
            }
        }
        deliver(key, &message, &data);
    });
    let on_error = Closure::<dyn FnMut(web_sys::Event)>::new(move |e: web_sys::Event| {
        e.prevent_default();
        let what = text(&e, "message");
        stop(key);
        fail(key, &format!("The analysis stopped ({what})."));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    key.with(|c| {
        let mut c = c.borrow_mut();
        c.worker = Some(worker);
        c.ready = false;
        c.closures = vec![on_message, on_error];
    });
}

/// Says `failed` to `key`'s handler: the worker is gone, every request it had is lost.
fn fail(key: Key, why: &str) {
    let text = Answer::Failed { message: why }.text();
    if let Ok(message) = Message::parse(&text) {
        deliver(key, &message, &text);
    }
}

fn deliver(key: Key, message: &Message, text: &str) {
    let handler = key.with(|c| c.borrow().handler.clone());
    if let Some(handler) = handler {
        handler(message, text);
    }
}

/// Posts `text` to `key`'s worker (started if need be; kept until it is ready).
fn post(key: Key, text: String) {
    post_value(key, JsValue::from_str(&text));
}

/// Posts `message` (a JSON text, or an object holding files) to `key`'s worker (started if
/// need be; kept until it is ready).
pub(super) fn post_value(key: Key, message: JsValue) {
    if key.with(|c| c.borrow().worker.is_none()) {
        spawn(key);
    }
    let ready = key.with(|c| {
        let mut c = c.borrow_mut();
        if c.ready {
            c.worker.clone()
        } else {
            c.outbox.push(message.clone());
            None
        }
    });
    if let Some(w) = ready {
        let _ = w.post_message(&message);
    }
}

/// Stops `key`'s worker (its requests are dropped).
pub(super) fn stop(key: Key) {
    let (worker, closures) = key.with(|c| {
        let mut c = c.borrow_mut();
        c.ready = false;
        c.outbox.clear();
        (c.worker.take(), std::mem::take(&mut c.closures))
    });
    if let Some(w) = worker {
        w.set_onmessage(None);
        w.set_onerror(None);
        w.terminate();
    }
    drop(closures);
}

/// A script's request: a promise of the worker's `value`, rejected with an `Error` whose
/// message is the command line's text.
fn ask(kind: &str, args: &[(&str, &JsValue)]) -> js_sys::Promise {
    let id = next_id();
    let texts: Vec<(&str, Option<String>)> = args
        .iter()
        .map(|(k, v)| {
            (
                *k,
                js_sys::JSON::stringify(v).ok().and_then(|t| t.as_string()),
            )
        })
        .collect();
    let request = script_request(id, kind, &texts);
    let promise = js_sys::Promise::new(&mut |resolve, reject| {
        PENDING.with(|p| p.borrow_mut().push((id, resolve, reject)));
    });
    post(&SCRIPT, request);
    promise
}

fn answer_script(message: &Message, raw: &str) {
    let settled: Vec<_> = PENDING.with(|p| {
        let mut p = p.borrow_mut();
        let (done, kept) = std::mem::take(&mut *p)
            .into_iter()
            .partition(|(i, _, _)| message.kind == Kind::Failed || *i == message.id);
        *p = kept;
        done
    });
    for (_, resolve, reject) in settled {
        let _ = match message.kind {
            Kind::Result => {
                // The engine's object, parsed by the browser from the answer's text.
                let value = js_sys::JSON::parse(raw)
                    .map(|m| get(&m, "value"))
                    .unwrap_or(JsValue::UNDEFINED);
                resolve.call1(&JsValue::NULL, &value)
            }
            Kind::Ready => continue,
            _ => reject.call1(&JsValue::NULL, &js_sys::Error::new(&message.message).into()),
        };
    }
}

/// `window.flowverify._page(kind, arg)`: what the page's module gives this one (the work as
/// JSON text for `work`; an action for `load`, `set-baseline`, `clear-baseline`).
pub(super) fn page(kind: &str, arg: &str) -> Option<String> {
    let api = get(&window(), "flowverify");
    let f: js_sys::Function = get(&api, "_page").dyn_into().ok()?;
    f.call2(&JsValue::NULL, &kind.into(), &arg.into())
        .ok()?
        .as_string()
}

fn act(kind: &str, arg: &str) {
    page(kind, arg);
}

fn is_open() -> bool {
    by_id("analysis-details").is_some_and(|d| d.has_attribute("open"))
}

fn set_status(message: &str, busy: bool) {
    if let Some(status) = by_id("analysis-status") {
        status.set_text_content(Some(message));
        let _ = status.set_attribute("aria-busy", if busy { "true" } else { "false" });
    }
}

/// Analyses the work `delay` ms from now, while the area is open (a newer change cancels it).
fn schedule(delay: u32) {
    if !is_open() {
        return;
    }
    let pending = gloo::timers::callback::Timeout::new(delay, analyse);
    DEBOUNCE.with(|d| d.set(Some(pending)));
}

/// Asks the page's worker to analyse the work now (the newest request wins).
fn analyse() {
    let Some(work) = page("work", "") else {
        return;
    };
    let id = next_id();
    let query = QUERY.with(|q| q.borrow().clone());
    let request = page_request(id, &work, query.as_deref(), WIDEN.with(Cell::get));
    match LATEST.with(|l| l.borrow_mut().submit(id, request, now())) {
        Step::Post(text) => post(&PAGE, text),
        Step::Restart(text) => {
            stop(&PAGE);
            post(&PAGE, text);
        }
        Step::Wait => {}
    }
    // Progress shows only when an answer takes more than a moment.
    let slow = gloo::timers::callback::Timeout::new(150, || {
        if LATEST.with(|l| l.borrow().busy()) {
            let stage = STAGE.with(|s| s.borrow().clone());
            set_status(&format!("Analysing every flow… {stage}"), true);
        }
    });
    SLOW.with(|s| s.set(Some(slow)));
}

fn answer_page(m: &Message, _: &str) {
    let wanted = LATEST.with(|l| l.borrow().wanted(m.id));
    match m.kind {
        Kind::Progress if wanted => {
            let stage = format!("{} ({} of {})", m.stage, m.done + 1, m.total);
            if by_id("analysis-status")
                .is_some_and(|s| s.get_attribute("aria-busy").as_deref() == Some("true"))
            {
                set_status(&format!("Analysing every flow… {stage}"), true);
            }
            STAGE.with(|s| *s.borrow_mut() = stage);
        }
        Kind::View if wanted => {
            if let Some(part) = by_id(&format!("analysis-{}", m.part)) {
                part.set_inner_html(&m.html);
            }
        }
        Kind::Done | Kind::Error | Kind::Failed => {
            let since = LATEST.with(|l| l.borrow().since());
            let failed = m.kind == Kind::Failed;
            let next = if failed {
                LATEST.with(|l| l.borrow_mut().reset());
                None
            } else {
                LATEST.with(|l| l.borrow_mut().answered(m.id))
            };
            let busy = next.is_some();
            if wanted || failed {
                let message = match m.kind {
                    Kind::Done => format!(
                        "Every flow analysed in {} ms.",
                        (now() - since.unwrap_or(0.0)).round()
                    ),
                    _ => m.message.clone(),
                };
                set_status(&message, busy);
            }
            if let Some(next) = next {
                post(&PAGE, next);
                LATEST.with(|l| l.borrow_mut().started(now()));
            } else {
                SLOW.with(|s| s.set(None));
            }
        }
        _ => {}
    }
}

/// Shows the rule `name` in the trace of the flow just loaded: scrolled to and marked.
fn spotlight(name: String) {
    gloo::timers::callback::Timeout::new(50, move || {
        if let Ok(marked) = document().query_selector_all(".spotlight") {
            for i in 0..marked.length() {
                if let Some(e) = marked
                    .get(i)
                    .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
                {
                    let _ = e.class_list().remove_1("spotlight");
                }
            }
        }
        let Ok(rows) = document().query_selector_all(".trace th.rule-name") else {
            return;
        };
        for i in 0..rows.length() {
            let Some(row) = rows
                .get(i)
                .and_then(|n| n.dyn_into::<web_sys::Element>().ok())
            else {
                continue;
            };
            if row.text_content().as_deref() == Some(name.as_str()) {
                if let Some(tr) = row.parent_element() {
                    let _ = tr.class_list().add_1("spotlight");
                    tr.scroll_into_view();
                }
                return;
            }
        }
        if let Some(result) = by_id("result-heading") {
            result.scroll_into_view();
        }
    })
    .forget();
}

/// Shows the tab `id` (`overview`, `reach`, ...) and its panel, the others hidden; `focus`:
/// moves the focus to its tab.
fn select_tab(id: &str, focus: bool) {
    let Ok(tabs) = document().query_selector_all(".analysis-tabs [role=tab]") else {
        return;
    };
    for i in 0..tabs.length() {
        let Some(tab) = tabs
            .get(i)
            .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
        else {
            continue;
        };
        let this = tab.get_attribute("data-tab").unwrap_or_default();
        let selected = this == id;
        let _ = tab.set_attribute("aria-selected", if selected { "true" } else { "false" });
        let _ = tab.set_attribute("tabindex", if selected { "0" } else { "-1" });
        if let Some(panel) = by_id(&format!("panel-{this}")) {
            if selected {
                let _ = panel.remove_attribute("hidden");
            } else {
                let _ = panel.set_attribute("hidden", "");
            }
        }
        if selected && focus {
            let _ = tab.focus();
        }
    }
}

/// The tab selected now.
fn selected_tab() -> Option<String> {
    document()
        .query_selector(".analysis-tabs [aria-selected=true]")
        .ok()
        .flatten()
        .and_then(|t| t.get_attribute("data-tab"))
}

/// Arrow keys, Home and End move between the tabs (each selected as it is reached).
fn tab_keys(e: web_sys::Event) {
    let Some(key) = e.dyn_ref::<web_sys::KeyboardEvent>().map(|k| k.key()) else {
        return;
    };
    let ids: Vec<&str> = crate::analysis::TABS.iter().map(|(id, _)| *id).collect();
    let at = selected_tab()
        .and_then(|t| ids.iter().position(|i| *i == t))
        .unwrap_or(0);
    let next = match key.as_str() {
        "ArrowRight" | "ArrowDown" => (at + 1) % ids.len(),
        "ArrowLeft" | "ArrowUp" => (at + ids.len() - 1) % ids.len(),
        "Home" => 0,
        "End" => ids.len() - 1,
        _ => return,
    };
    e.prevent_default();
    select_tab(ids[next], true);
}

/// Arrow keys move between a grid's cells (one cell of a grid is in the tab order).
fn grid_keys(e: web_sys::Event) {
    let Some(key) = e.dyn_ref::<web_sys::KeyboardEvent>().map(|k| k.key()) else {
        return;
    };
    let Some(button) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
        .filter(|t| t.class_list().contains("cell-button"))
    else {
        return;
    };
    let (Some(td), Some(tr)) = (
        button.parent_element(),
        button.parent_element().and_then(|t| t.parent_element()),
    ) else {
        return;
    };
    let column = td
        .dyn_ref::<web_sys::HtmlTableCellElement>()
        .map_or(0, |c| c.cell_index());
    let row = tr
        .dyn_ref::<web_sys::HtmlTableRowElement>()
        .map_or(0, |r| r.section_row_index());
    let (row, column) = match key.as_str() {
        "ArrowRight" => (row, column + 1),
        "ArrowLeft" => (row, column - 1),
        "ArrowDown" => (row + 1, column),
        "ArrowUp" => (row - 1, column),
        _ => return,
    };
    let Some(body) = tr.parent_element() else {
        return;
    };
    let selector = format!(
        "tr:nth-child({}) > :nth-child({}) > button",
        row + 1,
        column + 1
    );
    let Some(next) = (row >= 0 && column >= 1)
        .then(|| body.query_selector(&selector).ok().flatten())
        .flatten()
        .and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok())
    else {
        return;
    };
    e.prevent_default();
    let _ = button.set_attribute("tabindex", "-1");
    let _ = next.set_attribute("tabindex", "0");
    let _ = next.focus();
}

/// Searches `query` (the search form's fields as JSON text): the form shows it, the Search
/// tab opens with its answer.
fn search_for(query: &str) {
    let Ok(fields) = js_sys::JSON::parse(query) else {
        return;
    };
    if let Some(form) = document()
        .query_selector(".search-form")
        .ok()
        .flatten()
        .and_then(|f| f.dyn_into::<web_sys::HtmlFormElement>().ok())
    {
        form.reset();
        for name in flowverify::ffi::SEARCH_QUERY_KEYS {
            let value = text(&fields, name);
            if value.is_empty() {
                continue;
            }
            let field = form
                .query_selector(&format!("[name={name}]"))
                .ok()
                .flatten();
            if let Some(input) = field
                .as_ref()
                .and_then(|f| f.dyn_ref::<web_sys::HtmlInputElement>())
            {
                input.set_value(&value);
            } else if let Some(select) = field
                .as_ref()
                .and_then(|f| f.dyn_ref::<web_sys::HtmlSelectElement>())
            {
                select.set_value(&value);
            }
        }
    }
    QUERY.with(|q| *q.borrow_mut() = Some(query.to_string()));
    select_tab("search", false);
    schedule(0);
}

/// A grid cell was chosen: its sentence under the grid, with the search that lists its flows.
fn show_cell(button: &web_sys::Element) {
    let Some(detail) = by_id("cell-detail") else {
        return;
    };
    let words = crate::analysis::esc(&button.get_attribute("data-words").unwrap_or_default());
    let search = button
        .get_attribute("data-query")
        .map(|q| {
            format!(
                " <button type=\"button\" class=\"button quiet\" data-action=\"search\" data-query=\"{}\">List these flows</button>",
                crate::analysis::esc(&q)
            )
        })
        .unwrap_or_default();
    detail.set_inner_html(&format!("<p>{words}.{search}</p>"));
}

/// Clicks in the Analysis area: a flow to load (`data-flow`, with the rule to show,
/// `data-rule`), or an action (`data-action`: a tab, more rows, a search, or the page's).
fn clicked(e: web_sys::Event) {
    let Some(target) = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
    else {
        return;
    };
    if let Some(tab) = target.closest("[role=tab]").ok().flatten() {
        if let Some(id) = tab.get_attribute("data-tab") {
            select_tab(&id, false);
        }
        return;
    }
    let Some(button) = target.closest("[data-flow],[data-action]").ok().flatten() else {
        return;
    };
    if let Some(flow) = button.get_attribute("data-flow") {
        if button.class_list().contains("cell-button") {
            show_cell(&button);
        }
        act("load", &flow);
        spotlight(button.get_attribute("data-rule").unwrap_or_default());
    } else if let Some(action) = button.get_attribute("data-action") {
        match action.as_str() {
            "tab" => select_tab(&button.get_attribute("data-tab").unwrap_or_default(), true),
            "search" => search_for(&button.get_attribute("data-query").unwrap_or_default()),
            "more" => {
                let rows = button
                    .closest("tbody")
                    .ok()
                    .flatten()
                    .and_then(|b| b.next_element_sibling());
                if let Some(rows) = rows {
                    let open = rows.has_attribute("hidden");
                    let _ = if open {
                        rows.remove_attribute("hidden")
                    } else {
                        rows.set_attribute("hidden", "")
                    };
                    let _ =
                        button.set_attribute("aria-expanded", if open { "true" } else { "false" });
                }
            }
            _ => {
                if !super::replay::action(&action) {
                    act(&action, "");
                }
            }
        }
    }
}

/// The search form: its fields become the query, searched at once.
fn submitted(e: web_sys::Event) {
    e.prevent_default();
    let form = e
        .target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlFormElement>().ok());
    let fields = form
        .and_then(|f| web_sys::FormData::new_with_form(&f).ok())
        .and_then(|data| js_sys::Object::from_entries(&data).ok())
        .and_then(|o| js_sys::JSON::stringify(&o).ok())
        .and_then(|t| t.as_string());
    QUERY.with(|q| *q.borrow_mut() = fields);
    schedule(0);
}

/// Opens the tab the page asked for (`data-tab` on the area, set when a link with a baseline
/// was opened), once.
fn open_asked_tab() {
    if let Some(details) = by_id("analysis-details") {
        if let Some(tab) = details.get_attribute("data-tab") {
            let _ = details.remove_attribute("data-tab");
            select_tab(&tab, false);
        }
    }
}

/// Starts the module's window role (see the module's documentation).
pub fn start() {
    PAGE.with(|c| c.borrow_mut().handler = Some(Rc::new(answer_page)));
    SCRIPT.with(|c| c.borrow_mut().handler = Some(Rc::new(answer_script)));
    let api = get(&window(), "flowverify");
    if api.is_object() {
        type Two = dyn Fn(JsValue, JsValue) -> js_sys::Promise;
        let reach =
            Closure::<Two>::new(|s, d| ask("reach", &[("scenario", &s), ("direction", &d)]));
        let search = Closure::<Two>::new(|s, q| ask("search", &[("scenario", &s), ("query", &q)]));
        let lint = Closure::<Two>::new(|s, _| ask("lint", &[("scenario", &s)]));
        let diff = Closure::<Two>::new(|b, a| ask("diff", &[("before", &b), ("after", &a)]));
        let replay = Closure::<Two>::new(|s, l| ask("replay", &[("scenario", &s), ("logs", &l)]));
        for (key, f) in [
            ("reach", reach),
            ("search", search),
            ("lint", lint),
            ("diff", diff),
            ("replay", replay),
        ] {
            let _ = js_sys::Reflect::set(&api, &JsValue::from_str(key), f.as_ref());
            f.forget();
        }
    }
    if let Some(about) = by_id("about-text") {
        about.set_inner_html(&crate::about::html());
    }
    // The Analysis area's style sheet comes with it (not in the page's first download).
    if let Ok(link) = document().create_element("link") {
        let _ = link.set_attribute("rel", "stylesheet");
        let _ = link.set_attribute("href", "./analysis.css");
        if let Some(head) = document().head() {
            let _ = head.append_child(&link);
        }
    }
    if let Some(views) = by_id("analysis-views") {
        views.set_class_name("analysis-views");
        views.set_inner_html(&crate::analysis::frame());
        listen(&views, "click", clicked);
        listen(&views, "submit", submitted);
        listen(&views, "keydown", grid_keys);
        listen(&views, "change", |e| {
            let widen = e
                .target()
                .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
                .filter(|i| i.id() == "analysis-widen");
            if let Some(input) = widen {
                WIDEN.with(|w| w.set(input.checked()));
                schedule(0);
            }
        });
        if let Ok(Some(tabs)) = document().query_selector(".analysis-tabs") {
            listen(&tabs, "keydown", tab_keys);
        }
        super::replay::install(&views);
    }
    if let Some(details) = by_id("analysis-details") {
        // The page asks for a tab to open with (a link with a baseline opens on Compare).
        listen(&details, "toggle", |_| {
            open_asked_tab();
            schedule(0);
        });
    }
    open_asked_tab();
    set_status("Open: every flow is analysed as the inputs change.", false);
    let changed = Closure::<dyn Fn()>::new(|| {
        schedule(200);
        super::replay::changed();
    });
    let _ = js_sys::Reflect::set(
        &window(),
        &JsValue::from_str("flowverifyChanged"),
        changed.as_ref(),
    );
    changed.forget();
    schedule(0);
}
