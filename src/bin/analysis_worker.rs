//! The analysis module: loaded when the page first needs it, never in the first download. The
//! same module has two roles: in a Web Worker (trunk `data-type="worker"`) it analyses, answering
//! each message with `flowverify_web::analysis::handle` (see that module for the messages); in
//! the page's window (loaded by `start.js`) it runs the Analysis area and starts the workers
//! (`flowverify_web::start_analysis`).

#[cfg(target_arch = "wasm32")]
fn main() {
    use std::cell::RefCell;
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    let global = js_sys::global();
    let Ok(scope) = global.dyn_into::<web_sys::DedicatedWorkerGlobalScope>() else {
        return flowverify_web::start_analysis();
    };
    let state = RefCell::new(flowverify_web::analysis::State::default());
    let replay = RefCell::new(flowverify_web::replay::State::default());
    let poster = scope.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let data = e.data();
            let mut post = |answer: String| {
                let _ = poster.post_message(&JsValue::from_str(&answer));
            };
            if let Some(text) = data.as_string() {
                return flowverify_web::analysis::handle(&mut state.borrow_mut(), &text, &mut post);
            }
            // The page's replay: `{request, files}`, the files read here one at a time.
            let field = |key: &str| js_sys::Reflect::get(&data, &JsValue::from_str(key));
            let Some(request) = field("request").ok().and_then(|r| r.as_string()) else {
                return;
            };
            let files = field("files")
                .ok()
                .and_then(|f| f.dyn_into::<js_sys::Array>().ok())
                .unwrap_or_default();
            let mut read = |i: usize| -> Result<Vec<u8>, String> {
                let file: web_sys::Blob = files
                    .get(i as u32)
                    .dyn_into()
                    .map_err(|_| "a file to replay is not a file".to_string())?;
                let reader = web_sys::FileReaderSync::new()
                    .map_err(|_| "the browser cannot read files here".to_string())?;
                let buffer = reader.read_as_array_buffer(&file).map_err(|e| {
                    let why = js_sys::Reflect::get(&e, &JsValue::from_str("message"))
                        .ok()
                        .and_then(|m| m.as_string())
                        .unwrap_or_default();
                    format!("a file could not be read ({why})")
                })?;
                Ok(js_sys::Uint8Array::new(&buffer).to_vec())
            };
            flowverify_web::replay::page_job(
                &mut replay.borrow_mut(),
                &request,
                &mut read,
                &mut post,
            );
        });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // Messages posted before this point are lost: the page waits for this one.
    let _ = scope.post_message(&JsValue::from_str(&flowverify_web::analysis::ready()));
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("analysis-worker is the web page's analysis module: `make dist` builds it");
}
