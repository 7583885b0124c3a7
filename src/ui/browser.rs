//! The few browser services the page uses: local storage, the URL fragment, the clipboard,
//! file reading, downloads and the service worker. Every failure is reported, never thrown.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The value stored under `key`, if any (and if storage is available at all).
pub fn load(key: &str) -> Option<String> {
    window()?.local_storage().ok()??.get_item(key).ok()?
}

/// Stores `value` under `key`; an error says why it could not (storage full or disabled).
pub fn store(key: &str, value: &str) -> Result<(), String> {
    let storage = window()
        .and_then(|w| w.local_storage().ok().flatten())
        .ok_or_else(|| "this browser does not allow local storage here".to_string())?;
    storage.set_item(key, value).map_err(|e| {
        let detail = e
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_default();
        format!(
            "the browser refused to store {} KB ({detail})",
            value.len() / 1024
        )
    })
}

/// Removes `key` from storage.
pub fn forget(key: &str) {
    if let Some(storage) = window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.remove_item(key);
    }
}

/// The URL fragment without its `#`.
pub fn fragment() -> String {
    window()
        .and_then(|w| w.location().hash().ok())
        .map(|h| h.trim_start_matches('#').to_string())
        .unwrap_or_default()
}

/// The page's URL without its fragment.
pub fn page_url() -> String {
    window()
        .and_then(|w| w.location().href().ok())
        .map(|h| h.split('#').next().unwrap_or_default().to_string())
        .unwrap_or_default()
}

/// Puts `fragment` in the address bar without navigating (and without a `hashchange`).
pub fn replace_fragment(fragment: &str) {
    if let Some(history) = window().and_then(|w| w.history().ok()) {
        let url = format!("{}#{fragment}", page_url());
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// Whether this page load is a reload (or a back/forward visit) rather than a new navigation.
pub fn is_reload() -> bool {
    let Some(performance) = window().and_then(|w| w.performance()) else {
        return false;
    };
    let entries = performance.get_entries_by_type("navigation");
    let kind = js_sys::Reflect::get(&entries.get(0), &JsValue::from_str("type"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    kind == "reload" || kind == "back_forward"
}

/// Copies `text` to the clipboard; `done` gets whether it worked.
pub fn copy(text: &str, done: impl FnOnce(bool) + 'static) {
    let Some(window) = window() else {
        return done(false);
    };
    let written = window.navigator().clipboard().write_text(text);
    settle(written, move |value| done(value.is_some()));
}

/// Deflates `text` into a zlib stream with the browser's own zlib (`CompressionStream`, so
/// that no compressor is in the page's module); calls `then` with the bytes, or `None` when the
/// browser cannot.
pub fn deflate(text: &str, then: impl FnOnce(Option<Vec<u8>>) + 'static) {
    let get = |target: &JsValue, key: &str| js_sys::Reflect::get(target, &JsValue::from_str(key));
    let run = || -> Result<js_sys::Promise, JsValue> {
        let global = js_sys::global();
        let construct = |name: &str, arg: &JsValue| {
            let class: js_sys::Function = get(&global, name)?.dyn_into()?;
            js_sys::Reflect::construct(&class, &js_sys::Array::of1(arg))
        };
        let compressor = construct("CompressionStream", &JsValue::from_str("deflate"))?;
        let blob = web_sys::Blob::new_with_str_sequence(&js_sys::Array::of1(&text.into()))?;
        let stream: js_sys::Function = get(&blob, "stream")?.dyn_into()?;
        let stream = stream.call0(&blob)?;
        let pipe: js_sys::Function = get(&stream, "pipeThrough")?.dyn_into()?;
        let deflated = pipe.call1(&stream, &compressor)?;
        let response = construct("Response", &deflated)?;
        let bytes: js_sys::Function = get(&response, "arrayBuffer")?.dyn_into()?;
        bytes.call0(&response)?.dyn_into()
    };
    match run() {
        Ok(promise) => settle(promise, move |buffer| {
            then(buffer.map(|b| js_sys::Uint8Array::new(&b).to_vec()))
        }),
        Err(_) => then(None),
    }
}

/// Offers `text` as a file download named `name`.
pub fn download(name: &str, text: &str) -> Result<(), String> {
    let fail = |what: &str| format!("the download could not be prepared ({what})");
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/json");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| fail("blob"))?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|_| fail("url"))?;
    let document = window()
        .and_then(|w| w.document())
        .ok_or_else(|| fail("document"))?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| fail("link"))?
        .unchecked_into();
    anchor.set_href(&url);
    anchor.set_download(name);
    anchor.click();
    gloo::timers::callback::Timeout::new(10_000, move || {
        let _ = web_sys::Url::revoke_object_url(&url);
    })
    .forget();
    Ok(())
}

/// Calls `then` once `promise` settles: with its value, or `None` when it is rejected.
fn settle(promise: js_sys::Promise, then: impl FnOnce(Option<JsValue>) + 'static) {
    let then = std::rc::Rc::new(std::cell::RefCell::new(Some(then)));
    let on_reject = then.clone();
    let resolved = Closure::<dyn FnMut(JsValue)>::new(move |value: JsValue| {
        if let Some(f) = then.borrow_mut().take() {
            f(Some(value))
        }
    });
    let rejected = Closure::<dyn FnMut(JsValue)>::new(move |_: JsValue| {
        if let Some(f) = on_reject.borrow_mut().take() {
            f(None)
        }
    });
    let _ = promise.then2(&resolved, &rejected);
    // Each runs at most once; they stay alive until then (a few bytes per promise).
    resolved.forget();
    rejected.forget();
}

/// Reads a file chosen or dropped by the user as text: its bytes, decoded as the command line
/// decodes files (UTF-8, or UTF-16 with a byte-order mark). `done` gets the text, or what is
/// wrong with the file.
pub fn read_text(file: web_sys::File, done: impl FnOnce(Result<String, String>) + 'static) {
    let name = file.name();
    if let Some(too_large) = crate::evaluation::file_too_large(&name, file.size()) {
        return done(Err(too_large));
    }
    settle(file.array_buffer(), move |bytes| {
        done(match bytes {
            Some(bytes) => {
                crate::evaluation::decode_file(&name, js_sys::Uint8Array::new(&bytes).to_vec())
            }
            None => Err(crate::evaluation::not_loaded(&name, "it could not be read")),
        })
    });
}

/// Registers the service worker that makes the page work offline (release builds only: under
/// `trunk serve` a cached page would hide the changes being made).
pub fn register_service_worker() {
    if cfg!(debug_assertions) {
        return;
    }
    let Some(window) = window() else { return };
    let navigator = window.navigator();
    let has_worker =
        js_sys::Reflect::has(&navigator, &JsValue::from_str("serviceWorker")).unwrap_or(false);
    if !has_worker {
        return;
    }
    let promise = navigator.service_worker().register("sw.js");
    // Offline support is a bonus: a refusal (private mode, file://) changes nothing else.
    let ignore = Closure::<dyn FnMut(JsValue)>::new(|_: JsValue| {});
    let _ = promise.catch(&ignore);
    ignore.forget();
}
