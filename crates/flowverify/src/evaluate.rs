//! Evaluation: admin rules, then the NSGs in the direction's order (being written).

use crate::flow::Flow;
use crate::inputs::Inputs;
use crate::verdict::Verdict;

/// What to compute besides the verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// Record every rule considered (the trace). Off, a verdict costs less.
    pub trace: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options { trace: true }
    }
}

/// Verifies `flow` against `inputs`, with the trace.
pub fn verify(inputs: &Inputs, flow: &Flow) -> Verdict {
    verify_with(inputs, flow, Options::default())
}

/// Verifies `flow` against `inputs` with `options`.
pub fn verify_with(inputs: &Inputs, flow: &Flow, options: Options) -> Verdict {
    let _ = (inputs, flow, options);
    unimplemented!("evaluation is being written")
}
