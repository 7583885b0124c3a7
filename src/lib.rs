//! FlowVerify's web page: Azure Network Watcher's IP flow verify in the browser, offline.
//!
//! The page is a thin view over the engine (`flowverify`). Its logic is plain Rust, tested
//! natively with `cargo test -p flowverify-web`: [`workbench`] (what the user typed, autosaved,
//! and its scenario document), [`evaluation`] (import per slot, inputs, verdicts and their
//! checks, the picture of the report's path), [`trace`] (the trace as shown), [`share`]
//! (permalink, download, opening files and samples), [`about`] (the engine's assumptions for
//! the About panel), [`samples`], [`startup`], [`script`]; [`analysis`] and [`replay`] (every
//! flow at once, flow logs replayed) run in the analysis module only, a second WebAssembly
//! module loaded when first needed. The Leptos components (`ui`) exist only on wasm32; each
//! takes the signals and callbacks it uses.
#![deny(missing_docs)]

pub mod about;
pub mod analysis;
pub mod evaluation;
pub mod replay;
pub mod samples;
pub mod script;
pub mod share;
pub mod startup;
pub mod trace;
pub mod workbench;

#[cfg(target_arch = "wasm32")]
mod ui;

#[cfg(target_arch = "wasm32")]
pub use ui::start;

/// Starts the analysis module's window role (`ui/analysis.rs`); the worker role is
/// [`analysis::handle`].
#[cfg(target_arch = "wasm32")]
pub use ui::analysis::start as start_analysis;
