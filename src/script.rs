//! The page's script interface (`docs/formats.md`, The page's script interface), in plain Rust:
//! what `window.flowverify.verify(scenario)` and `window.flowverify.decodePermalink(url)` compute.
//! The wasm side only converts values with serde-wasm-bindgen.

use flowverify::permalink;
use flowverify::scenario::Scenario;
use flowverify::{ffi, Options};
use serde_json::Value;

/// The name scenarios given to `verify` have in error messages.
pub const SOURCE: &str = "scenario";

/// Verifies every flow of a scenario document: one result object per flow, in order. An error
/// is the text the command line prints for the same problem (`error: ` excluded).
///
/// ```
/// use flowverify_web::script::verify_scenario;
/// let err = verify_scenario(serde_json::json!({"version": 1, "flows": [
///     {"direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4", "remote": "1.2.3.4:5"}]}))
///     .unwrap_err();
/// assert!(err.starts_with("scenario: flows[0]: "), "{err}");
/// ```
pub fn verify_scenario(value: Value) -> Result<Vec<Value>, String> {
    // Each flow verified with the reference evaluator, as `Scenario::into_checks` does for a
    // page's few flows (not through it: its compiled verdicts for long flow lists would be
    // code in the page's first download that the page never runs).
    let scenario = Scenario::from_value(SOURCE, value).map_err(|e| e.to_string())?;
    let inputs = scenario.inputs(SOURCE).map_err(|e| e.to_string())?;
    let flows = scenario.parsed_flows(SOURCE).map_err(|e| e.to_string())?;
    Ok(flows
        .iter()
        .map(|flow| ffi::result(&flowverify::verify_with(&inputs, flow, Options::default())))
        .collect())
}

/// The scenario document of a permalink (a URL, `#v1.…` or `v1.…`).
///
/// ```
/// use flowverify::scenario::Scenario;
/// use flowverify_web::script::decode_permalink;
/// let link = flowverify::permalink::url("http://127.0.0.1:8080/", &Scenario::new()).unwrap();
/// assert_eq!(decode_permalink(&link).unwrap()["version"], 1);
/// assert!(decode_permalink("http://127.0.0.1:8080/#v1.%%%").is_err());
/// ```
pub fn decode_permalink(url: &str) -> Result<Value, String> {
    let scenario = permalink::decode(url).map_err(|e| e.to_string())?;
    serde_json::to_value(&scenario).map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scenario_that_is_not_one_is_refused_with_the_cli_text() {
        let err = verify_scenario(serde_json::json!({"version": 1, "titel": "x"})).unwrap_err();
        assert!(
            err.starts_with("scenario: titel: unknown property 'titel'"),
            "{err}"
        );
        let err = verify_scenario(serde_json::json!([1, 2])).unwrap_err();
        assert!(err.starts_with("scenario: "), "{err}");
    }

    #[test]
    fn no_flows_give_no_results() {
        assert!(verify_scenario(serde_json::json!({"version": 1}))
            .unwrap()
            .is_empty());
    }

    #[test]
    fn broken_links_say_why() {
        let err = decode_permalink("http://127.0.0.1/#v2.abc").unwrap_err();
        assert!(err.contains("'v2'"), "{err}");
    }
}
