//! FlowVerify's engine: Azure Network Watcher's *IP flow verify*, offline.
//!
//! Import any JSON shape Azure tools emit into one model ([`import`]), assemble the inputs of a
//! target ([`inputs::Inputs`]), and verify a flow ([`evaluate::verify`]) to get Azure's verdict with
//! the rule that decided and a full trace ([`verdict::Verdict`]). Scenario documents
//! ([`scenario`]) and permalinks ([`permalink`]) are shared by the web page and the command line.
//! Pure: no I/O, no panics on input.
#![deny(missing_docs)]

pub mod assumptions;
pub mod error;
pub mod evaluate;
pub mod ffi;
pub mod flow;
pub mod import;
pub mod inputs;
mod json_text;
pub mod model;
pub mod permalink;
pub mod scenario;
pub mod tags;
pub mod text;
pub mod verdict;

pub use error::{InputError, Place};
pub use evaluate::{verify, verify_with, Options};
pub use flow::{Endpoint, Flow, FlowError, FlowField};
pub use inputs::{Inputs, Slot};
pub use verdict::{Decision, Layer, Verdict};
