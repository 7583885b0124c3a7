//! The Analysis area's "Replay flow logs" (analysis module, window role): files or folders
//! chosen or dropped are gathered here (folders walked with `webkitGetAsEntry`, their `*.json`
//! files in path order) and posted, as `File` objects, to a replay worker of their own (see
//! [`crate::replay`] for its messages), which reads them, so the page never holds their text.
//! Its progress (bytes) shows in a `<progress>`; Cancel stops the worker (the next replay
//! starts another). Once read, the logs' distinct flows stay in the worker: each change of the
//! inputs or the baseline verifies them again, at once.

use std::cell::Cell;
use std::rc::Rc;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

use super::analysis::{by_id, listen, next_id, now, page, post_value, stop, text, REPLAY};
use crate::analysis::protocol::{Kind, Message};

thread_local! {
    /// The replay running: its id and when it began (ms).
    static RUNNING: Cell<Option<(u64, f64)>> = const { Cell::new(None) };
    /// Whether the worker holds logs read (for verifying them again after a change).
    static HELD: Cell<bool> = const { Cell::new(false) };
    static AGAIN: Cell<Option<gloo::timers::callback::Timeout>> = const { Cell::new(None) };
    /// The inputs changed while a replay ran: verify the logs again once it is done.
    static DIRTY: Cell<bool> = const { Cell::new(false) };
    static HANDLER_SET: Cell<bool> = const { Cell::new(false) };
}

fn set_status(message: &str) {
    if let Some(status) = by_id("replay-status") {
        status.set_text_content(Some(message));
    }
}

fn show_run(shown: bool) {
    if let Some(run) = by_id("replay-run") {
        let _ = if shown {
            run.remove_attribute("hidden")
        } else {
            run.set_attribute("hidden", "")
        };
    }
}

fn set_progress(done: f64, total: f64, stage: &str) {
    if let Some(bar) =
        by_id("replay-progress").and_then(|e| e.dyn_into::<web_sys::HtmlProgressElement>().ok())
    {
        bar.set_max(total.max(1.0));
        bar.set_value(done);
    }
    if let Some(s) = by_id("replay-stage") {
        let percent = if total > 0.0 {
            (100.0 * done / total).floor()
        } else {
            0.0
        };
        s.set_text_content(Some(&format!("{percent}% · {stage}")));
    }
}

/// Wires the view: the file pickers, the drop zone. Called once the frame is in place.
pub fn install(views: &web_sys::Element) {
    if !HANDLER_SET.with(|h| h.replace(true)) {
        REPLAY.with(|c| c.borrow_mut().handler = Some(Rc::new(answer)));
    }
    listen(views, "change", |e| {
        let Some(input) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let folder = match input.get_attribute("data-testid").as_deref() {
            Some("replay-files") => false,
            Some("replay-folder") => true,
            _ => return,
        };
        let mut files = Vec::new();
        if let Some(list) = input.files() {
            for i in 0..list.length() {
                let Some(file) = list.get(i) else { continue };
                let relative = text(&file, "webkitRelativePath");
                let path = if relative.is_empty() {
                    file.name()
                } else {
                    relative
                };
                if !folder || is_json(&path) {
                    files.push((path, file));
                }
            }
        }
        input.set_value("");
        start(files);
    });
    let Some(zone) = by_id("replay-drop") else {
        return;
    };
    let over = zone.clone();
    listen(&zone, "dragover", move |e| {
        e.prevent_default();
        let _ = over.class_list().add_1("dragging");
    });
    let left = zone.clone();
    listen(&zone, "dragleave", move |_| {
        let _ = left.class_list().remove_1("dragging");
    });
    let dropped = zone.clone();
    listen(&zone, "drop", move |e| {
        e.prevent_default();
        let _ = dropped.class_list().remove_1("dragging");
        let Some(transfer) = e
            .dyn_ref::<web_sys::DragEvent>()
            .and_then(|d| d.data_transfer())
        else {
            return;
        };
        // The entries must be taken now: the items are gone once the event is handled.
        let items = transfer.items();
        let mut entries = Vec::new();
        for i in 0..items.length() {
            if let Some(Ok(Some(entry))) = items.get(i).map(|item| item.webkit_get_as_entry()) {
                entries.push(entry);
            }
        }
        if entries.is_empty() {
            let mut files = Vec::new();
            if let Some(list) = transfer.files() {
                for i in 0..list.length() {
                    if let Some(file) = list.get(i) {
                        files.push((file.name(), file));
                    }
                }
            }
            return start(files);
        }
        set_status("Reading the folders dropped…");
        wasm_bindgen_futures::spawn_local(async move {
            match walk(entries).await {
                Ok(files) => start(files),
                Err(e) => set_status(&format!(
                    "The files dropped could not be read: {}",
                    text(&e, "message")
                )),
            }
        });
    });
}

fn is_json(path: &str) -> bool {
    path.to_ascii_lowercase().ends_with(".json")
}

/// The files of the entries dropped: a file as it is, a folder's `*.json` files at any depth;
/// in path order.
async fn walk(
    entries: Vec<web_sys::FileSystemEntry>,
) -> Result<Vec<(String, web_sys::File)>, JsValue> {
    let mut files = Vec::new();
    let mut stack: Vec<(web_sys::FileSystemEntry, bool)> =
        entries.into_iter().map(|e| (e, true)).collect();
    while let Some((entry, top)) = stack.pop() {
        let path = entry.full_path().trim_start_matches('/').to_string();
        if entry.is_file() {
            if !top && !is_json(&path) {
                continue;
            }
            let entry: web_sys::FileSystemFileEntry = entry.unchecked_into();
            let promise = js_sys::Promise::new(&mut |resolve, reject| {
                entry.file_with_callback_and_callback(&resolve, &reject);
            });
            let file: web_sys::File = JsFuture::from(promise).await?.unchecked_into();
            files.push((path, file));
        } else if entry.is_directory() {
            let reader = entry
                .unchecked_into::<web_sys::FileSystemDirectoryEntry>()
                .create_reader();
            // readEntries answers in batches until an empty one.
            loop {
                let promise = js_sys::Promise::new(&mut |resolve, reject| {
                    let _ = reader.read_entries_with_callback_and_callback(&resolve, &reject);
                });
                let batch: js_sys::Array = JsFuture::from(promise).await?.unchecked_into();
                if batch.length() == 0 {
                    break;
                }
                for e in batch.iter() {
                    stack.push((e.unchecked_into(), false));
                }
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

/// Replays `files` (path, file): the worker reads them (a replay running is stopped first).
fn start(files: Vec<(String, web_sys::File)>) {
    if files.is_empty() {
        return set_status(
            "No flow log to replay: choose PT1H.json files, or a folder holding some.",
        );
    }
    if RUNNING.with(Cell::get).is_some() {
        stop(&REPLAY);
    }
    AGAIN.with(|a| a.set(None));
    let id = next_id();
    let list: Vec<serde_json::Value> = files
        .iter()
        .map(|(name, file)| serde_json::json!({"name": name, "size": file.size() as u64}))
        .collect();
    let work = page("work", "").unwrap_or_default();
    let request = request(
        id,
        &work,
        &serde_json::Value::Array(list).to_string(),
        false,
    );
    let array = js_sys::Array::new();
    for (_, file) in &files {
        array.push(file);
    }
    let message = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&message, &"request".into(), &request.into());
    let _ = js_sys::Reflect::set(&message, &"files".into(), &array);
    RUNNING.with(|r| r.set(Some((id, now()))));
    HELD.with(|h| h.set(false));
    DIRTY.with(|d| d.set(false));
    let total: f64 = files.iter().map(|(_, f)| f.size()).sum();
    set_progress(0.0, total, "starting");
    show_run(true);
    set_status(&format!(
        "Replaying {} file{}…",
        files.len(),
        if files.len() == 1 { "" } else { "s" }
    ));
    post_value(&REPLAY, message.into());
}

/// The worker's request (see [`crate::replay`]).
fn request(id: u64, work: &str, files: &str, again: bool) -> String {
    let work = if work.trim().is_empty() { "null" } else { work };
    format!("{{\"id\":{id},\"kind\":\"replay\",\"again\":{again},\"files\":{files},\"workbench\":{work}}}")
}

/// The inputs or the baseline changed: the logs read are verified again, a moment later.
pub fn changed() {
    if RUNNING.with(Cell::get).is_some() {
        return DIRTY.with(|d| d.set(true));
    }
    if !HELD.with(Cell::get) {
        return;
    }
    let pending = gloo::timers::callback::Timeout::new(200, || {
        if !HELD.with(Cell::get) || RUNNING.with(Cell::get).is_some() {
            return;
        }
        let id = next_id();
        let work = page("work", "").unwrap_or_default();
        let message = js_sys::Object::new();
        let _ = js_sys::Reflect::set(
            &message,
            &"request".into(),
            &request(id, &work, "[]", true).into(),
        );
        let _ = js_sys::Reflect::set(&message, &"files".into(), &js_sys::Array::new());
        RUNNING.with(|r| r.set(Some((id, now()))));
        post_value(&REPLAY, message.into());
    });
    AGAIN.with(|a| a.set(Some(pending)));
}

/// An action of the view (`data-action`); false when it is not the replay's.
pub fn action(action: &str) -> bool {
    if action != "replay-cancel" {
        return false;
    }
    stop(&REPLAY);
    RUNNING.with(|r| r.set(None));
    HELD.with(|h| h.set(false));
    DIRTY.with(|d| d.set(false));
    show_run(false);
    if let Some(part) = by_id("analysis-replay") {
        part.set_inner_html("");
    }
    set_status(
        "Replay cancelled: nothing was replayed. Drop or choose the logs again to replay them.",
    );
    true
}

fn answer(m: &Message, _: &str) {
    let running = RUNNING.with(Cell::get);
    let current = running.is_some_and(|(r, _)| r == m.id);
    match m.kind {
        Kind::Progress if current => set_progress(m.done as f64, m.total.max(1) as f64, &m.stage),
        Kind::View if current => {
            if let Some(part) = by_id("analysis-replay") {
                part.set_inner_html(&m.html);
            }
        }
        Kind::Done if current => {
            RUNNING.with(|r| r.set(None));
            show_run(false);
            HELD.with(|h| h.set(m.ok));
            let since = running.map_or(0.0, |(_, t)| t);
            if m.ok {
                set_status(&format!(
                    "Replayed {} tuples in {} ms.",
                    flowverify::replay::thousands(m.tuples),
                    (now() - since).round()
                ));
            } else {
                set_status("The replay stopped on an error (below): nothing else was lost.");
            }
            if DIRTY.with(|d| d.replace(false)) {
                changed();
            }
        }
        Kind::Failed => {
            RUNNING.with(|r| r.set(None));
            HELD.with(|h| h.set(false));
            show_run(false);
            set_status(&format!("The replay stopped: {}", m.message));
        }
        _ => {}
    }
}
