//! Browser tests of the components and browser glue (wasm-bindgen-test in headless Chromium):
//! the app mounted in a real document reacts to input, `window.flowverify` works, storage
//! round-trips.

use gloo::timers::future::TimeoutFuture;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;

use super::*;

wasm_bindgen_test_configure!(run_in_browser);

/// Lets effects and rendering run.
async fn settle() {
    TimeoutFuture::new(20).await;
}

fn by_test_id(id: &str) -> web_sys::Element {
    document()
        .query_selector(&format!("[data-testid='{id}']"))
        .ok()
        .flatten()
        .unwrap_or_else(|| panic!("no element with data-testid={id}"))
}

fn text(id: &str) -> String {
    by_test_id(id).text_content().unwrap_or_default()
}

fn type_into(id: &str, value: &str) {
    let element = by_test_id(id);
    if let Some(input) = element.dyn_ref::<web_sys::HtmlInputElement>() {
        input.set_value(value);
    } else if let Some(area) = element.dyn_ref::<web_sys::HtmlTextAreaElement>() {
        area.set_value(value);
    }
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    let event = web_sys::Event::new_with_event_init_dict("input", &init).unwrap();
    element.dispatch_event(&event).unwrap();
}

#[wasm_bindgen_test]
async fn the_app_shows_the_sample_verdict_and_reacts_to_the_flow_form() {
    browser::forget(SAVED_KEY);
    mount_to_body(App);
    settle().await;
    assert!(text("verdict").starts_with("Allow"), "{}", text("verdict"));
    assert_eq!(text("matched-rule"), "securityRules/AllowHttpsFromAny");
    assert!(text("decided-by").contains("nsg-web-nic"));

    type_into("flow-local", "10.0.1.4:3389");
    settle().await;
    assert!(text("verdict").starts_with("Deny"));
    assert_eq!(text("matched-rule"), "securityAdminRules/DenyHighRiskTcp");
    assert!(text("decided-by").contains("admin"));

    type_into("flow-local", "10.0.1.4:99999");
    settle().await;
    assert!(text("verdict").starts_with("No verdict"));
    let error = document().get_element_by_id("flow-local-error").unwrap();
    assert!(error.text_content().unwrap_or_default().contains("'99999'"));

    type_into("slot-subnet-nsg", "{ \"name\": ");
    settle().await;
    assert!(
        text("input-error").contains("subnetNsg: line 1"),
        "{}",
        text("input-error")
    );

    // The work is saved for the next visit.
    TimeoutFuture::new(500).await;
    let saved = browser::load(SAVED_KEY)
        .and_then(|s| Saved::parse(&s))
        .expect("autosaved");
    assert_eq!(saved.workbench.subnet_nsg, "{ \"name\": ");
}

#[wasm_bindgen_test]
fn window_flowverify_verifies_scenarios_and_throws_errors() {
    script_api::install();
    let api = js_sys::Reflect::get(&window(), &"flowverify".into()).unwrap();
    let verify: js_sys::Function = js_sys::Reflect::get(&api, &"verify".into())
        .unwrap()
        .unchecked_into();
    let scenario = js_sys::JSON::parse(
        r#"{"version": 1, "flows": [{"direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:443", "remote": "203.0.113.7:5000"}]}"#,
    )
    .unwrap();
    let results: js_sys::Array = verify.call1(&api, &scenario).unwrap().unchecked_into();
    assert_eq!(results.length(), 1);
    let first = results.get(0);
    let access = js_sys::Reflect::get(&first, &"access".into()).unwrap();
    assert_eq!(access.as_string().as_deref(), Some("Allow"));
    let decided = js_sys::Reflect::get(&first, &"decidedBy".into()).unwrap();
    let layer = js_sys::Reflect::get(&decided, &"layer".into()).unwrap();
    assert_eq!(layer.as_string().as_deref(), Some("none"));

    let bad = js_sys::JSON::parse(r#"{"version": 3}"#).unwrap();
    let error = verify.call1(&api, &bad).unwrap_err();
    let error: js_sys::Error = error.dyn_into().expect("an Error object");
    assert!(String::from(error.message()).starts_with("scenario: version: version 3"));

    let decode: js_sys::Function = js_sys::Reflect::get(&api, &"decodePermalink".into())
        .unwrap()
        .unchecked_into();
    let error = decode.call1(&api, &"#v1.%%%".into()).unwrap_err();
    assert!(error.is_instance_of::<js_sys::Error>());
}

#[wasm_bindgen_test]
fn storage_round_trips_and_reports_nothing_when_empty() {
    browser::forget("flowverify.test");
    assert_eq!(browser::load("flowverify.test"), None);
    browser::store("flowverify.test", "value").unwrap();
    assert_eq!(browser::load("flowverify.test").as_deref(), Some("value"));
    browser::forget("flowverify.test");
}
