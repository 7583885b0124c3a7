//! `window.flowverify` (`docs/formats.md`, The page's script interface): the engine for scripts on
//! the page, so users can automate it from the console or embed it. Values cross as JSON text (the
//! browser's `JSON` on one side, `serde_json` on the other: no converter of its own in the bundle);
//! errors are thrown as `Error` objects with the command line's text.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::script::{decode_permalink, verify_scenario};

fn error(message: &str) -> JsValue {
    js_sys::Error::new(message).into()
}

/// `value` as a plain JS value, through the engine's one JSON writer (its escapes read back
/// as the same strings: a script gets every name exactly).
fn to_js(value: &serde_json::Value) -> Result<JsValue, JsValue> {
    js_sys::JSON::parse(&flowverify::output::json_compact(value))
        .map_err(|_| error("the result could not be converted"))
}

fn verify(scenario: JsValue) -> Result<JsValue, JsValue> {
    // `JSON.stringify` refuses what is not plain data (a BigInt, a cycle) and gives no text
    // for `undefined` or a function.
    let text = js_sys::JSON::stringify(&scenario)
        .ok()
        .and_then(|text| text.as_string());
    let value = text
        .as_deref()
        .and_then(|text| serde_json::from_str(text).ok())
        .ok_or_else(|| error("scenario: a scenario is a plain object {version: 1, ...}"))?;
    let verdicts = verify_scenario(value).map_err(|e| error(&e))?;
    to_js(&serde_json::Value::Array(verdicts))
}

fn decode(url: JsValue) -> Result<JsValue, JsValue> {
    let url = url.as_string().ok_or_else(|| {
        error("decodePermalink takes the permalink as a string (a URL, #v1.… or v1.…)")
    })?;
    let scenario = decode_permalink(&url).map_err(|e| error(&e))?;
    to_js(&scenario)
}

/// Installs `window.flowverify = { verify, decodePermalink, version }` (`start.js` adds
/// `reach`, `search`, `lint`, `diff` and `replay`, which load the analysis module).
pub fn install() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let api = js_sys::Object::new();
    let verify = Closure::<dyn Fn(JsValue) -> Result<JsValue, JsValue>>::new(verify);
    let decode = Closure::<dyn Fn(JsValue) -> Result<JsValue, JsValue>>::new(decode);
    let set = |key: &str, value: &JsValue| {
        let _ = js_sys::Reflect::set(&api, &JsValue::from_str(key), value);
    };
    set("verify", verify.as_ref());
    set("decodePermalink", decode.as_ref());
    set("version", &JsValue::from_str(env!("CARGO_PKG_VERSION")));
    verify.forget();
    decode.forget();
    let _ = js_sys::Reflect::set(&window, &JsValue::from_str("flowverify"), &api);
}

/// Installs `window.flowverify._page(kind, arg)`, what the analysis module (loaded later, see
/// `ui/analysis.rs`) uses of the page: `work` returns the work as autosaved (JSON text); `load`
/// (a flow), `set-baseline` and `clear-baseline` act on it.
pub fn install_page(page: impl Fn(String, String) -> String + 'static) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let page = Closure::<dyn Fn(String, String) -> String>::new(page);
    if let Ok(api) = js_sys::Reflect::get(&window, &JsValue::from_str("flowverify")) {
        let _ = js_sys::Reflect::set(&api, &JsValue::from_str("_page"), page.as_ref());
    }
    page.forget();
}

/// Tells the analysis module, once loaded, that the inputs changed.
pub fn changed() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let hook = js_sys::Reflect::get(&window, &JsValue::from_str("flowverifyChanged"));
    if let Ok(f) = hook.and_then(|f| f.dyn_into::<js_sys::Function>()) {
        let _ = f.call0(&JsValue::NULL);
    }
}
