//! What FlowVerify assumes where Azure is silent, and what it warns about or refuses: one
//! statement, in the engine, that the README, the page's About panel and the command line
//! (`flowverify assumptions`) all show, so that the three never drift apart. The full rulings
//! are `docs/semantics.md` (its section The short statement maps each point to them); tests
//! check that the README holds [`markdown`] word for word and that `docs/semantics.md` names
//! every point.

/// One point: a short title and its text (plain words; `code` in backticks).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Point {
    /// A few words, e.g. `Order`.
    pub title: &'static str,
    /// The point itself, one paragraph.
    pub text: &'static str,
}

/// What FlowVerify assumes where Azure's documentation is silent.
pub const ASSUMES: &[Point] = &[
    Point {
        title: "Order",
        text: "AVNM admin rules first, configuration by configuration, highest scope first; \
               inside one configuration all rule collections are merged by priority. The first \
               matching admin rule decides: Deny stops the flow, AlwaysAllow lets it through \
               without the NSGs, Allow hands it to the NSGs. Then the NSGs: inbound the subnet's \
               then the NIC's, outbound the NIC's then the subnet's; in each the first matching \
               rule of the flow's direction, by priority, decides, the six default rules being \
               added when missing. A missing NSG allows everything at its level.",
    },
    Point {
        title: "Which rule is reported",
        text: "When every NSG allows, the last NSG's rule (inbound the NIC's, outbound the \
               subnet's). With no NSG and no matching admin rule, the flow is allowed and no rule \
               is named (layer `none`). When an admin Allow rule hands the flow over and there is \
               no NSG to decide, the flow is allowed and that admin rule is named (layer \
               `admin`).",
    },
    Point {
        title: "Flows",
        text: "Inbound, the remote end is the source; outbound, the VM is. IPv4 and IPv6. Only \
               Tcp and Udp have ports: an Icmp, Esp or Ah flow matches a rule's ports only if \
               they cover every port. A port `*` (as IP flow verify's API takes it) means any \
               port: it matches a rule's ports only if they cover every port. Protocol `*` (Any) \
               matches every protocol, Esp and Ah included.",
    },
    Point {
        title: "Rules",
        text: "A side matches if any of its prefix, prefix list or application security groups \
               matches; `*`, `0.0.0.0/0`, `::/0` and `Any` match every address. Property names, \
               values and rule names are read in any case. A rule that cannot be read is an \
               error, never skipped.",
    },
    Point {
        title: "Tags",
        text: "`VirtualNetwork` is the prefixes you give plus `168.63.129.16/32`; \
               `AzureLoadBalancer` is `168.63.129.16/32`; `Internet` is public IPv4 space and \
               IPv6 `2000::/3`. Other tags come from a service tags file.",
    },
    Point {
        title: "Effective rules",
        text: "They fill in the layers not given separately; their expanded prefixes are \
               trusted as given.",
    },
    Point {
        title: "Not modelled",
        text: "Routing, and Azure's platform exceptions (such as its own DNS, DHCP and health \
               probe traffic with 168.63.129.16, which NSGs do not filter).",
    },
];

/// What FlowVerify accepts but warns about (the verdict stands, the warning says why it might
/// not be what was meant), and when it says `uncertain`.
pub const WARNS: &[Point] = &[
    Point {
        title: "Uncertain",
        text: "A rule before the decision names a service tag, application security group or \
               network group that no input defines, holds a bare-number prefix such as `789` \
               (Azure stores those; how it matches them is undocumented), or covers only some \
               ports of a flow port `*`: such a rule matches nothing, the verdict is marked \
               uncertain, and a warning says what input would settle it.",
    },
    Point {
        title: "Read as Azure would, with a warning",
        text: "A property a rule does not have (a misspelt `sourceAddressPrefixs`, an admin \
               rule's `destinationPortRange`) is ignored; a rule that therefore sets no address \
               or port on a side matches any. Host bits are cleared (`10.0.0.5/24` is \
               `10.0.0.0/24`; `192.0.2.7/0` matches every address). A comma list in a \
               single-value field (`\"80,3389\"`) is read as the list. Every verdict that \
               considers such a rule repeats its warning, and the trace marks the rule.",
    },
    Point {
        title: "Documents Azure would not produce",
        text: "Default rules that differ from Azure's fixed six, more than 1,000 rules in an \
               NSG, more than 4,000 prefixes on a side of a rule, more than 10 application \
               security groups in a rule: evaluated as given, with a warning that Azure would \
               refuse or never show them. Missing `VirtualNetwork` prefixes get a warning too.",
    },
    Point {
        title: "Refused",
        text: "A key given twice in one JSON object (also in another case), two rules of one \
               name in an NSG or rule collection, an IP range `A-B` as a prefix, a malformed \
               address, priority or port, and text that is not UTF-8 or UTF-16 with a \
               byte-order mark: each is an error naming the file, the place and the value, and \
               the text you pasted is kept.",
    },
    Point {
        title: "Notes",
        text: "A target with no NSG at all is allowed (nothing filters it), with a note that \
               Azure's IP flow verify itself answers such a target with the error \
               `NsgsNotAppliedOnNic`. An empty effective admin rules list (`{\"value\": []}`) \
               means no admin rule applies.",
    },
];

/// Both lists as Markdown, the form the README holds: a heading per list, a bullet per point.
///
/// ```
/// let md = flowverify::assumptions::markdown();
/// assert!(md.starts_with("### What FlowVerify assumes\n\n- **Order.** AVNM admin rules first"));
/// assert!(md.contains("### What FlowVerify warns about\n"));
/// ```
pub fn markdown() -> String {
    let mut out = String::new();
    for (heading, points) in [
        ("What FlowVerify assumes", ASSUMES),
        ("What FlowVerify warns about", WARNS),
    ] {
        if !out.is_empty() {
            out.push('\n');
        }
        out.push_str(&format!("### {heading}\n\n"));
        for p in points {
            out.push_str(&format!("- **{}.** {}\n", p.title, p.text));
        }
    }
    out
}

/// Both lists as plain text for a terminal: headings, then `- Title. text` per point, with
/// Markdown's backticks removed.
///
/// ```
/// let text = flowverify::assumptions::plain_text();
/// assert!(text.starts_with("What FlowVerify assumes\n\n- Order. AVNM admin rules first"));
/// assert!(!text.contains('`'));
/// ```
pub fn plain_text() -> String {
    markdown()
        .replace("### ", "")
        .replace("**", "")
        .replace('`', "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_point_is_one_sentence_block_without_stray_spacing() {
        for p in ASSUMES.iter().chain(WARNS) {
            assert!(!p.text.contains("  "), "{}: double space", p.title);
            assert!(p.text.ends_with('.'), "{}", p.title);
            assert!(!p.title.ends_with('.'), "{}", p.title);
        }
    }
}
