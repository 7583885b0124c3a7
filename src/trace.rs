//! The trace as the page shows it: for each layer evaluated, its decision, how many rules it
//! considered, and the rows on screen. A long layer (a 1,000-rule NSG) is collapsed to its first
//! and last rules around a gap (the last one is the match, or the last rule tried); "show all"
//! renders it in steps, so that neither the first render nor each keystroke pays for a thousand
//! rows nobody looks at.
//!
//! Rows carry everything they show, so the page keys them by content: a keystroke that changes
//! one rule's reason redraws that row only.

use flowverify::verdict::{Condition, Layer, LayerDecision, LayerTrace, RuleTrace};

/// Layers with at most this many rules are shown in full.
pub const SHOWN_IN_FULL: usize = 25;
/// Rules shown at the start of a collapsed layer.
pub const HEAD: usize = 5;
/// Rules shown at the end of a collapsed layer (the match is the last one).
pub const TAIL: usize = 10;
/// Rules added per step while "show all" renders a long layer.
pub const STEP: usize = 150;

/// Which layer of a trace: its place in the trace, its kind and its resource. The page keeps
/// what it shows of a layer (expanded or not) while the same key stays in the trace.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LayerKey {
    /// Its position in the verdict's trace.
    pub index: usize,
    /// Admin, subnet or NIC.
    pub layer: Layer,
    /// The NSG or admin configuration.
    pub resource: String,
}

/// The CSS class of a condition's cell (`mark yes`, `mark no`, `mark maybe`). The symbol and
/// words come from the engine ([`Condition::mark`], [`Condition::words`]), so the page and the
/// command line mark every cell alike.
pub fn mark_class(condition: Condition) -> &'static str {
    match condition {
        Condition::Holds => "mark yes",
        Condition::Fails => "mark no",
        Condition::Unknown => "mark maybe",
    }
}

/// The words of a cell whose symbol needs them: `unknown` (rare, and not a cross).
pub fn mark_label(condition: Condition) -> Option<&'static str> {
    (condition == Condition::Unknown).then(|| condition.words())
}

/// One rule of a layer as shown: its row and the line under it that says why it matched or not.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RuleRow {
    /// Its position among the layer's rules considered (0-based).
    pub index: usize,
    /// Its priority.
    pub priority: u32,
    /// Its reported name (`securityRules/AllowWeb`).
    pub name: String,
    /// `Allow`, `Deny` or `AlwaysAllow`.
    pub access: String,
    /// Protocol, source, source port, destination, destination port, as the engine says
    /// ([`RuleTrace::conditions`]): the same marks the command line prints.
    pub marks: [Condition; 5],
    /// It matched, and so decided its layer.
    pub matched: bool,
    /// It could not be fully evaluated.
    pub uncertain: bool,
    /// Why it matched or not, in words.
    pub reason: String,
    /// What importing the rule noticed (a misspelt property, host bits, ...): the row is marked.
    pub warnings: Vec<String>,
}

impl RuleRow {
    fn of(index: usize, rule: &RuleTrace) -> RuleRow {
        RuleRow {
            index,
            priority: rule.priority,
            name: rule.name.clone(),
            access: rule.access.to_string(),
            marks: rule.conditions,
            matched: rule.matched,
            uncertain: rule.uncertain,
            reason: rule.reason_words(),
            warnings: rule.warnings.clone(),
        }
    }
}

/// A row of a layer's table.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Row {
    /// A rule.
    Rule(RuleRow),
    /// The rules not shown (`hidden` of them, none of which matched), between the first and the
    /// last ones.
    Gap {
        /// How many.
        hidden: usize,
    },
}

/// One layer of the trace as shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LayerView {
    /// Which layer.
    pub key: LayerKey,
    /// What it decided.
    pub decision: LayerDecision,
    /// How many rules it considered.
    pub total: usize,
    /// Whether it is long enough to be collapsed.
    pub long: bool,
    /// Whether it is expanded (all its rules shown, or being shown).
    pub expanded: bool,
    /// The rows on screen.
    pub rows: Vec<Row>,
}

impl LayerView {
    /// How many rules the layer considered, in words: `12 rules considered`.
    pub fn count(&self) -> String {
        let n = self.total;
        format!("{n} rule{} considered", if n == 1 { "" } else { "s" })
    }

    /// The words of the button that expands or collapses a long layer.
    pub fn toggle_label(&self) -> String {
        if self.expanded {
            "Show fewer rules".to_string()
        } else {
            format!("Show all {} rules", self.total)
        }
    }
}

/// The expanded layers, each with how many of its rules to show (it grows in steps of [`STEP`]
/// until all are shown). A short list: a trace has a few layers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Shown(Vec<(LayerKey, usize)>);

impl Shown {
    /// How many rules of `key` to show; `None` when it is collapsed.
    pub fn get(&self, key: &LayerKey) -> Option<usize> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, n)| *n)
    }

    /// Expands `key` (its first step) or collapses it.
    ///
    /// ```
    /// use flowverify::verdict::Layer;
    /// use flowverify_web::trace::{LayerKey, Shown, HEAD, STEP};
    /// let key = LayerKey { index: 1, layer: Layer::Nic, resource: "nsg".into() };
    /// let mut shown = Shown::default();
    /// shown.toggle(&key);
    /// assert_eq!(shown.get(&key), Some(HEAD + STEP));
    /// assert!(shown.grow(&key, 1003));
    /// assert_eq!(shown.get(&key), Some(HEAD + 2 * STEP));
    /// shown.toggle(&key);
    /// assert_eq!(shown.get(&key), None);
    /// ```
    pub fn toggle(&mut self, key: &LayerKey) {
        match self.0.iter().position(|(k, _)| k == key) {
            Some(at) => {
                self.0.remove(at);
            }
            None => self.0.push((key.clone(), HEAD + STEP)),
        }
    }

    /// Shows [`STEP`] more rules of `key` if it is expanded and some of its `total` rules are
    /// still hidden; says whether it did.
    pub fn grow(&mut self, key: &LayerKey, total: usize) -> bool {
        match self.0.iter_mut().find(|(k, _)| k == key) {
            Some((_, n)) if n.saturating_add(TAIL) < total => {
                *n = n.saturating_add(STEP);
                true
            }
            _ => false,
        }
    }

    /// Whether `key` is expanded and has rules still hidden.
    pub fn growing(&self, key: &LayerKey, total: usize) -> bool {
        self.get(key)
            .is_some_and(|n| n.saturating_add(TAIL) < total)
    }
}

/// The words of a layer's decision: the engine's ([`LayerDecision::words`]).
pub fn decision_word(layer: Layer, decision: LayerDecision) -> &'static str {
    decision.words(layer)
}

/// The CSS class of a decision (`allow`, `deny`, `none`).
pub fn decision_class(decision: LayerDecision) -> &'static str {
    match decision {
        LayerDecision::Allow | LayerDecision::AlwaysAllow => "allow",
        LayerDecision::Deny => "deny",
        LayerDecision::NoMatch => "none",
    }
}

/// The keys of a trace's layers, in order.
pub fn layer_keys(trace: &[LayerTrace]) -> Vec<LayerKey> {
    trace
        .iter()
        .enumerate()
        .map(|(index, l)| LayerKey {
            index,
            layer: l.layer,
            resource: l.resource.clone(),
        })
        .collect()
}

/// The rows shown for `rules`: all of them when there are few; otherwise, collapsed
/// (`shown` = `None`), the first [`HEAD`] and last [`TAIL`] around a gap, or, expanded, the first
/// `shown` (at least [`HEAD`]) and the last [`TAIL`] until they meet.
///
/// ```
/// use flowverify_web::trace::{rows, Row, HEAD, TAIL};
/// use flowverify::model::Access;
/// use flowverify::verdict::{Condition::{Fails, Holds}, RuleTrace};
/// let rule = |i: u32| RuleTrace { name: format!("securityRules/R{i}"), priority: 100 + i,
///     access: Access::Allow, matched: i == 999,
///     conditions: if i == 999 { [Holds; 5] } else { [Holds, Fails, Holds, Holds, Holds] },
///     reason: (i != 999).then(|| "source 203.0.113.7 is not in 172.16.0.1".into()),
///     uncertain: false, warnings: vec![] };
/// let rules: Vec<RuleTrace> = (0..1000).map(rule).collect();
/// let collapsed = rows(&rules, None);
/// assert_eq!(collapsed.len(), HEAD + 1 + TAIL);
/// assert_eq!(collapsed[HEAD], Row::Gap { hidden: 1000 - HEAD - TAIL });
/// assert!(matches!(&collapsed[HEAD + TAIL], Row::Rule(r) if r.matched && r.index == 999));
/// assert_eq!(rows(&rules, Some(usize::MAX)).len(), 1000);
/// ```
pub fn rows(rules: &[RuleTrace], shown: Option<usize>) -> Vec<Row> {
    let total = rules.len();
    let all = |range: std::ops::Range<usize>| {
        rules[range.clone()]
            .iter()
            .zip(range)
            .map(|(r, i)| Row::Rule(RuleRow::of(i, r)))
    };
    let head = match shown {
        _ if total <= SHOWN_IN_FULL => total,
        None => HEAD,
        Some(n) => n.max(HEAD),
    };
    if head.saturating_add(TAIL) >= total {
        return all(0..total).collect();
    }
    let mut out: Vec<Row> = all(0..head).collect();
    out.push(Row::Gap {
        hidden: total - head - TAIL,
    });
    out.extend(all(total - TAIL..total));
    out
}

/// A layer of a trace as shown; `shown` says how many of its rules to show when it is expanded
/// (`None`: collapsed).
pub fn layer_view(trace: &LayerTrace, key: LayerKey, shown: Option<usize>) -> LayerView {
    LayerView {
        key,
        decision: trace.decision,
        total: trace.rules.len(),
        long: trace.rules.len() > SHOWN_IN_FULL,
        expanded: shown.is_some(),
        rows: rows(&trace.rules, shown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use flowverify::verdict::Field;

    fn rule(i: usize, matched: bool, uncertain: bool) -> RuleTrace {
        RuleTrace {
            name: format!("securityRules/R{i}"),
            priority: 100 + i as u32,
            access: flowverify::model::Access::Deny,
            matched,
            conditions: if matched {
                [Condition::Holds; 5]
            } else {
                use Condition::{Fails, Holds};
                [Holds, Fails, Holds, Holds, Fails]
            },
            reason: (!matched).then(|| format!("source 10.0.2.5 is not in R{i}")),
            uncertain,
            warnings: Vec::new(),
        }
    }

    fn layer(n: usize) -> LayerTrace {
        LayerTrace {
            layer: Layer::Nic,
            resource: "nsg".into(),
            decision: LayerDecision::Deny,
            rules: (0..n).map(|i| rule(i, i + 1 == n, false)).collect(),
        }
    }

    fn indexes(rows: &[Row]) -> Vec<Option<usize>> {
        rows.iter()
            .map(|r| match r {
                Row::Rule(r) => Some(r.index),
                Row::Gap { .. } => None,
            })
            .collect()
    }

    #[test]
    fn short_layers_are_shown_in_full() {
        let l = layer(SHOWN_IN_FULL);
        let shown = rows(&l.rules, None);
        assert_eq!(shown.len(), SHOWN_IN_FULL);
        assert!(shown.iter().all(|r| matches!(r, Row::Rule(_))));
        assert!(rows(&[], None).is_empty());
    }

    #[test]
    fn long_layers_collapse_around_a_gap_and_keep_the_match() {
        let l = layer(SHOWN_IN_FULL + 1);
        let shown = rows(&l.rules, None);
        assert_eq!(shown.len(), HEAD + 1 + TAIL);
        assert_eq!(
            shown[HEAD],
            Row::Gap {
                hidden: SHOWN_IN_FULL + 1 - HEAD - TAIL
            }
        );
        let Some(Row::Rule(last)) = shown.last() else {
            panic!("the last row is a rule")
        };
        assert!(last.matched);
        assert_eq!(last.reason, "Matched: this rule decides the layer");
        assert_eq!(last.marks, [Condition::Holds; 5]);
    }

    #[test]
    fn expanding_shows_more_in_steps_until_all() {
        let l = layer(1003);
        let step = rows(&l.rules, Some(HEAD + STEP));
        assert_eq!(step.len(), HEAD + STEP + 1 + TAIL);
        assert_eq!(
            step[HEAD + STEP],
            Row::Gap {
                hidden: 1003 - HEAD - STEP - TAIL
            }
        );
        let all = rows(&l.rules, Some(1003 - TAIL));
        assert_eq!(indexes(&all), (0..1003).map(Some).collect::<Vec<_>>());
        // Fewer than HEAD asked for still shows the head.
        assert_eq!(rows(&l.rules, Some(1)).len(), HEAD + 1 + TAIL);
    }

    #[test]
    fn an_expanded_layer_grows_until_every_rule_is_shown() {
        let key = LayerKey {
            index: 0,
            layer: Layer::Nic,
            resource: "nsg".into(),
        };
        let other = LayerKey {
            index: 1,
            ..key.clone()
        };
        let l = layer(1003);
        let mut shown = Shown::default();
        assert!(!shown.grow(&key, 1003), "a collapsed layer does not grow");
        shown.toggle(&key);
        let mut steps = 0;
        while shown.grow(&key, 1003) {
            steps += 1;
            assert!(steps < 100);
        }
        assert_eq!(steps, (1003 - TAIL - HEAD - STEP).div_ceil(STEP));
        assert!(!shown.growing(&key, 1003));
        assert_eq!(rows(&l.rules, shown.get(&key)).len(), 1003);
        assert_eq!(shown.get(&other), None);
    }

    #[test]
    fn marks_are_the_engines_conditions() {
        use Condition::{Fails, Holds, Unknown};
        let mut r = rule(0, false, true);
        r.conditions = [Holds, Unknown, Holds, Fails, Unknown];
        let row = RuleRow::of(0, &r);
        assert_eq!(row.marks, r.conditions);
        assert_eq!(
            row.marks.map(Condition::mark),
            ["✓", "?", "✓", "✗", "?"],
            "the marks the command line prints for the same rule"
        );
        // An uncertain rule says so before its reason, as the command line does.
        assert_eq!(row.reason, "Uncertain: source 10.0.2.5 is not in R0");
    }

    /// The page's marks against the engine's own trace: a flow port `*` and an unknown tag.
    #[test]
    fn the_engine_trace_gives_question_marks_for_unknown_conditions_only() {
        use flowverify::import::import;
        use flowverify::{verify_with, Flow, Inputs, Options};
        let nsg = r#"{"name": "nsg", "securityRules": [
            {"name": "Web", "properties": {"priority": 100, "direction": "Inbound",
              "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "*",
              "sourcePortRange": "*", "destinationAddressPrefix": "*",
              "destinationPortRange": "443"}},
            {"name": "Sql", "properties": {"priority": 110, "direction": "Inbound",
              "access": "Allow", "protocol": "Tcp", "sourceAddressPrefix": "Sql",
              "sourcePortRange": "*", "destinationAddressPrefix": "*",
              "destinationPortRange": "*"}}]}"#;
        let mut inputs = Inputs::default();
        let doc = import("nic", nsg).expect("the NSG imports");
        inputs
            .add(flowverify::Slot::NicNsg, doc)
            .expect("an NSG in the NIC slot");
        let flow = Flow::parse("Inbound", "Tcp", "10.0.1.4:*", "203.0.113.7:5000").unwrap();
        let verdict = verify_with(&inputs, &flow, Options { trace: true });
        assert!(verdict.uncertain);
        let rules = &verdict.trace[0].rules;
        let web = RuleRow::of(0, &rules[0]);
        assert_eq!(web.marks[4], Condition::Unknown);
        assert_eq!(web.marks[..4], [Condition::Holds; 4]);
        let sql = RuleRow::of(1, &rules[1]);
        assert_eq!(
            sql.marks,
            [
                Condition::Holds,
                Condition::Unknown,
                Condition::Holds,
                Condition::Holds,
                Condition::Holds
            ]
        );
        // Every rule of the trace: `?` exactly where the result object lists `unknown`.
        let json = flowverify::ffi::result(&verdict);
        for (i, r) in rules.iter().enumerate() {
            let row = RuleRow::of(i, r);
            let listed = &json["trace"][0]["rules"][i]["unknown"];
            for (f, m) in Field::ALL.iter().zip(row.marks) {
                let named = listed
                    .as_array()
                    .is_some_and(|l| l.iter().any(|u| u == f.key()));
                assert_eq!(m == Condition::Unknown, named);
            }
        }
    }

    #[test]
    fn a_rule_read_with_a_warning_carries_it() {
        let mut r = rule(0, true, false);
        r.warnings = vec!["nic: securityRules/R0: unknown property 'sourceAddressPrefixs'".into()];
        let row = RuleRow::of(0, &r);
        assert_eq!(row.warnings, r.warnings);
        assert!(RuleRow::of(0, &rule(0, true, false)).warnings.is_empty());
    }

    #[test]
    fn views_follow_the_trace_and_the_expanded_layers() {
        let trace = vec![
            LayerTrace {
                layer: Layer::Admin,
                resource: "cfg".into(),
                decision: LayerDecision::Allow,
                rules: vec![rule(0, true, false)],
            },
            layer(100),
        ];
        let view_of = |shown: &dyn Fn(&LayerKey) -> Option<usize>| -> Vec<LayerView> {
            trace
                .iter()
                .zip(layer_keys(&trace))
                .map(|(l, key)| layer_view(l, key.clone(), shown(&key)))
                .collect()
        };
        let views = view_of(&|k| (k.layer == Layer::Nic).then_some(usize::MAX));
        assert_eq!(views.len(), 2);
        assert_eq!(views[0].key.resource, "cfg");
        assert!(!views[0].long);
        assert_eq!(views[1].key.index, 1);
        assert!(views[1].long);
        assert_eq!(views[1].total, 100);
        assert_eq!(views[1].rows.len(), 100);
        assert!(views[1].expanded);
        assert_eq!(views[1].toggle_label(), "Show fewer rules");
        assert_eq!(views[0].count(), "1 rule considered");
        let collapsed = view_of(&|_| None);
        assert_eq!(collapsed[1].rows.len(), HEAD + 1 + TAIL);
        assert!(!collapsed[1].expanded);
        assert_eq!(collapsed[1].toggle_label(), "Show all 100 rules");
        assert_eq!(collapsed[1].count(), "100 rules considered");
        assert_eq!(
            decision_word(Layer::Admin, LayerDecision::Allow),
            "Allow: the NSGs decide"
        );
        assert_eq!(decision_class(LayerDecision::AlwaysAllow), "allow");
    }
}
