//! `window.flowverify` (`interfaces.md` section 6): the engine for scripts on the page, so users
//! can automate it from the console or embed it. Values cross with serde-wasm-bindgen; errors are
//! thrown as `Error` objects with the command line's text.

use serde::Serialize;
use wasm_bindgen::prelude::*;

use crate::script::{decode_permalink, verify_scenario};

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsValue> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| js_sys::Error::new(&format!("the result could not be converted: {e}")).into())
}

fn verify(scenario: JsValue) -> Result<JsValue, JsValue> {
    let value: serde_json::Value = serde_wasm_bindgen::from_value(scenario).map_err(|e| {
        JsValue::from(js_sys::Error::new(&format!(
            "scenario: a scenario is a plain object {{version: 1, ...}}: {e}"
        )))
    })?;
    let verdicts = verify_scenario(value).map_err(|e| JsValue::from(js_sys::Error::new(&e)))?;
    to_js(&verdicts)
}

fn decode(url: JsValue) -> Result<JsValue, JsValue> {
    let url = url.as_string().ok_or_else(|| {
        JsValue::from(js_sys::Error::new(
            "decodePermalink takes the permalink as a string (a URL, #v1.… or v1.…)",
        ))
    })?;
    let scenario = decode_permalink(&url).map_err(|e| JsValue::from(js_sys::Error::new(&e)))?;
    to_js(&scenario)
}

/// Installs `window.flowverify = { verify, decodePermalink, version }`.
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
