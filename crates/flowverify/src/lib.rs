//! FlowVerify's engine: Azure Network Watcher's *IP flow verify*, offline.
//!
//! Import any JSON shape Azure tools emit into one model ([`import`]), assemble the inputs of a
//! target ([`Inputs`]), and verify a flow ([`verify`]): the answer is one typed report,
//! [`Verdict`], that explains itself (as cedar's `Response` does): the access and deciding rule,
//! the path through every layer (reached or not, what each decides on its own), the blockers
//! of a Deny, the trace of every rule considered with each [`Condition`] as holds, fails or
//! unknown, and typed warnings and notes. A scenario document ([`Scenario`]) is verified and
//! checked flow by flow through one loop, [`Scenario::into_checks`]. The JSON shapes
//! (`docs/formats.md`) live apart, in [`ffi`]; what FlowVerify assumes is stated once, in
//! [`assumptions`]. Pure: no I/O, no panics on input.
//!
//! ```
//! use flowverify::{ffi, Decision, Outcome, Options, Scenario, Tally};
//! let scenario = Scenario::from_json("web.json", r#"{"version": 1,
//!   "nicNsg": {"name": "nsg-web", "securityRules": [{"name": "AllowHttps", "properties": {
//!     "priority": 100, "direction": "Inbound", "access": "Allow", "protocol": "Tcp",
//!     "sourceAddressPrefix": "Internet", "sourcePortRange": "*",
//!     "destinationAddressPrefix": "*", "destinationPortRange": "443"}}]},
//!   "flows": [{"direction": "Inbound", "protocol": "Tcp", "local": "10.0.1.4:22",
//!              "remote": "203.0.113.7:50000", "expect": "Deny"}]}"#).unwrap();
//! let mut tally = Tally::default();
//! for check in scenario.into_checks("web.json", Options::default()).unwrap() {
//!     let verdict = &check.verdict;
//!     assert_eq!(verdict.access, Decision::Deny);
//!     assert_eq!(verdict.rule_name.as_deref(), Some("defaultSecurityRules/DenyAllInBound"));
//!     assert_eq!(verdict.blockers[0].to_string(), "defaultSecurityRules/DenyAllInBound (NIC NSG nsg-web)");
//!     assert_eq!(ffi::result(verdict)["path"][0]["outcome"], "Deny");
//!     tally.add(&check.outcome);
//! }
//! assert_eq!(tally.to_string(), "1 passed, 0 failed, 0 skipped");
//! ```
#![deny(missing_docs)]

pub mod assumptions;
pub mod atoms;
pub mod compiled;
pub mod diff;
pub mod error;
pub mod evaluate;
pub mod ffi;
pub mod flow;
pub mod flowlog;
pub mod flowset;
pub mod grid;
pub mod import;
pub mod inputs;
mod json_text;
pub mod lint;
pub mod listing;
pub mod mdd;
pub mod model;
pub mod output;
pub mod permalink;
pub mod reach;
pub mod replay;
pub mod scenario;
pub mod search;
pub mod tags;
pub mod text;
pub mod verdict;
mod walk;

pub use error::{InputError, Place};
pub use evaluate::{verify, verify_with, Options};
pub use flow::{Endpoint, EndpointError, Flow, FlowError, FlowField};
pub use inputs::{Inputs, Slot};
pub use scenario::{Outcome, Scenario, Tally};
pub use verdict::{Condition, Decision, Layer, Verdict};
pub use walk::TooLarge;
