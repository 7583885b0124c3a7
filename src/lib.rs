//! FlowVerify's web page: Azure Network Watcher's IP flow verify in the browser, offline.
//!
//! The page is a thin view over the engine (`flowverify`). Its logic is plain Rust, tested
//! natively with `cargo test -p flowverify-web`: [`workbench`] (what the user typed, autosaved,
//! and its scenario document), [`evaluation`] (import per slot, inputs, verdicts, the path
//! through the layers), [`trace`] (the trace as shown), [`samples`]. The Leptos components (`ui`) exist only on wasm32.
#![deny(missing_docs)]

pub mod evaluation;
pub mod samples;
pub mod script;
pub mod startup;
pub mod trace;
pub mod workbench;

#[cfg(target_arch = "wasm32")]
mod ui;

#[cfg(target_arch = "wasm32")]
pub use ui::start;
