//! The README's "What FlowVerify assumes, and what it warns about" is the engine's own
//! statement ([`flowverify::assumptions::markdown`]), word for word, so the two never drift.

const BEGIN: &str = "<!-- assumptions: generated from crates/flowverify/src/assumptions.rs -->\n";
const END: &str = "<!-- end of assumptions -->";

#[test]
fn the_readme_states_the_engines_assumptions_word_for_word() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md");
    let readme = std::fs::read_to_string(&path).unwrap();
    let start = readme
        .find(BEGIN)
        .expect("the README has the assumptions marker")
        + BEGIN.len();
    let end = readme[start..]
        .find(END)
        .expect("the README has the end marker")
        + start;
    let expected = format!("\n{}\n", flowverify::assumptions::markdown());
    assert!(
        readme[start..end] == expected,
        "README.md's assumptions differ from the engine's; replace the text between the \
         markers with:\n{expected}"
    );
}
