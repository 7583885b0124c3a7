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
    let poster = scope.clone();
    let on_message =
        Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |e: web_sys::MessageEvent| {
            let Some(text) = e.data().as_string() else {
                return;
            };
            let mut post = |answer: String| {
                let _ = poster.post_message(&JsValue::from_str(&answer));
            };
            flowverify_web::analysis::handle(&mut state.borrow_mut(), &text, &mut post);
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
