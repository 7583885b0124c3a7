use super::*;
use crate::workbench::FlowRow;

/// A subnet NSG that opens SSH to everyone (an exposure) before a rule denying it from the
/// Internet (shadowed by it).
fn nsg(ssh_access: &str) -> Value {
    json!({"name": "nsg-a", "properties": {"securityRules": [
        {"name": "AllowSsh", "properties": {"priority": 100, "access": ssh_access, "direction": "Inbound",
            "protocol": "Tcp", "sourceAddressPrefix": "*", "sourcePortRange": "*",
            "destinationAddressPrefix": "*", "destinationPortRange": "22"}},
        {"name": "DenySshFromInternet", "properties": {"priority": 200, "access": "Deny", "direction": "Inbound",
            "protocol": "Tcp", "sourceAddressPrefix": "Internet", "sourcePortRange": "*",
            "destinationAddressPrefix": "*", "destinationPortRange": "22"}}
    ]}})
}

fn scenario() -> Value {
    json!({"version": 1, "subnetNsg": nsg("Allow"), "virtualNetwork": ["10.0.0.0/16"]})
}

fn work() -> Workbench {
    Workbench::from_scenario(&Scenario::from_value("s", scenario()).unwrap())
}

/// The work as the page sends it.
fn text(w: &Workbench) -> String {
    serde_json::to_string(w).unwrap()
}

/// Every answer to `request`, parsed.
fn answers(state: &mut State, request: &str) -> Vec<Value> {
    let mut out = Vec::new();
    handle(state, request, &mut |a| {
        out.push(serde_json::from_str(&a).unwrap())
    });
    out
}

fn part<'a>(answers: &'a [Value], name: &str) -> &'a str {
    answers
        .iter()
        .find(|a| a["kind"] == "view" && a["part"] == name)
        .and_then(|a| a["html"].as_str())
        .unwrap_or_else(|| panic!("no {name} part in {answers:?}"))
}

#[test]
fn script_requests_answer_the_engine_objects() {
    let mut state = State::default();
    let request = script_request(
        7,
        "reach",
        &[
            ("scenario", Some(scenario().to_string())),
            ("direction", Some("\"Inbound\"".into())),
        ],
    );
    let a = answers(&mut state, &request);
    assert_eq!(a.len(), 1);
    assert_eq!(
        (a[0]["id"].as_u64(), a[0]["kind"].as_str()),
        (Some(7), Some("result"))
    );
    let inputs = inputs_of("scenario", &scenario()).unwrap();
    let mut reach = flowverify::reach::reach(&inputs, Direction::Inbound).unwrap();
    assert_eq!(a[0]["value"], ffi::reach(&mut reach));

    let lint = answers(
        &mut state,
        &script_request(8, "lint", &[("scenario", Some(scenario().to_string()))]),
    );
    let kinds: Vec<&str> = lint[0]["value"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["kind"].as_str())
        .collect();
    assert!(
        kinds.contains(&"shadowed") && kinds.contains(&"exposure"),
        "{kinds:?}"
    );

    let query = json!({"direction": "Inbound", "protocol": "Tcp", "destinationPort": "22", "access": "Deny", "source": "Internet"});
    let none = answers(
        &mut state,
        &script_request(
            9,
            "search",
            &[
                ("scenario", Some(scenario().to_string())),
                ("query", Some(query.to_string())),
            ],
        ),
    );
    assert_eq!(none[0]["value"], json!({"found": false, "flows": []}));

    let mut after = scenario();
    after["subnetNsg"] = nsg("Deny");
    let diff = answers(
        &mut state,
        &script_request(
            10,
            "diff",
            &[
                ("before", Some(scenario().to_string())),
                ("after", Some(after.to_string())),
            ],
        ),
    );
    let change = &diff[0]["value"]["changes"][0];
    assert_eq!(change["before"]["access"], "Allow");
    assert_eq!(change["after"]["access"], "Deny");
}

#[test]
fn errors_are_the_command_line_text() {
    let mut state = State::default();
    let bad = answers(
        &mut state,
        &script_request(
            3,
            "reach",
            &[
                ("scenario", Some(scenario().to_string())),
                ("direction", Some("\"Up\"".into())),
            ],
        ),
    );
    assert_eq!(bad[0]["kind"], "error");
    assert_eq!(
        bad[0]["message"],
        "direction 'Up' is not Inbound or Outbound"
    );
    let missing = answers(
        &mut state,
        &script_request(4, "lint", &[("scenario", None)]),
    );
    assert!(
        missing[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("scenario: "),
        "{missing:?}"
    );
    let typo = answers(
        &mut state,
        &script_request(
            5,
            "lint",
            &[("scenario", Some(r#"{"version":1,"titel":"x"}"#.into()))],
        ),
    );
    assert!(
        typo[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("scenario: titel: unknown property"),
        "{typo:?}"
    );
    let query = answers(
        &mut state,
        &script_request(
            6,
            "search",
            &[
                ("scenario", Some(scenario().to_string())),
                ("query", Some(r#"{"direction":"in","port":"22"}"#.into())),
            ],
        ),
    );
    assert!(
        query[0]["message"]
            .as_str()
            .unwrap()
            .starts_with("query: unknown property 'port'"),
        "{query:?}"
    );
    let kind = answers(&mut state, r#"{"id": 1, "kind": "guess"}"#);
    assert!(kind[0]["message"].as_str().unwrap().contains("'guess'"));
}

#[test]
fn the_page_job_fills_every_part_and_reports_progress() {
    let mut state = State::default();
    let a = answers(&mut state, &page_request(1, &text(&work()), None, false));
    let stages: Vec<&str> = a
        .iter()
        .filter(|m| m["kind"] == "progress")
        .filter_map(|m| m["stage"].as_str())
        .collect();
    assert_eq!(
        stages,
        [
            "inbound",
            "outbound",
            "findings",
            "comparison with the baseline"
        ]
    );
    assert_eq!(a.last().unwrap()["kind"], "done");
    assert!(a.iter().all(|m| m["id"] == 1));
    // No network interface document: about the local address of the flows.
    assert_eq!(
        part(&a, "scope"),
        "Flows of 10.0.1.4 (the local address of the flows)"
    );
    let reach = part(&a, "reach");
    assert!(reach.contains("data-testid=\"reach-row\""));
    // The rule is named once, on the group's first row; each row says its access and rule.
    let ssh = reach
        .split("<tbody")
        .find(|g| g.contains("securityRules/AllowSsh"))
        .unwrap();
    assert!(ssh.contains("<strong>Allow</strong>"), "{ssh}");
    assert!(ssh.contains("<td>Tcp</td><td>22</td><td class=\"code\">any</td><td class=\"code\">10.0.1.4</td><td rowspan=\"1\" class=\"code rule\">securityRules/<wbr>AllowSsh</td><td rowspan=\"1\">subnet NSG nsg-a</td>"), "{ssh}");
    assert_eq!(
        ssh.matches(">securityRules/<wbr>AllowSsh<").count(),
        1,
        "{ssh}"
    );
    // The row and its Load button.
    assert_eq!(
        ssh.matches("data-rule=\"securityRules/AllowSsh\"").count(),
        2,
        "{ssh}"
    );
    assert!(
        reach.contains("data-flow=\"{&quot;direction&quot;:&quot;Inbound&quot;"),
        "{reach}"
    );
    let findings = part(&a, "findings");
    // The most serious first: the exposure, then the conflict (the shadowed Deny under an Allow).
    let kinds: Vec<&str> = findings
        .split("data-kind=\"")
        .skip(1)
        .map(|k| k.split('"').next().unwrap())
        .collect();
    assert_eq!(kinds[..2], ["exposure", "shadowed"], "{findings}");
    assert!(findings.contains(">conflict</span>"), "{findings}");
    assert!(
        findings.contains("Move securityRules/DenySshFromInternet above securityRules/AllowSsh"),
        "{findings}"
    );
    assert!(part(&a, "compare").contains("No baseline yet"));
    assert!(part(&a, "search").contains("the search finds one such flow"));
}

/// The cells of the grid of `direction` in `overview`: (remote, service, access).
fn cells(overview: &str, direction: &str) -> Vec<(String, String, String)> {
    let grid = overview
        .split("data-testid=\"analysis-grid\"")
        .find(|g| g.starts_with(&format!(" data-direction=\"{direction}\"")))
        .unwrap_or_else(|| panic!("no {direction} grid in {overview}"));
    let grid = grid.split("</table>").next().unwrap();
    let attribute = |cell: &str, name: &str| {
        let at = cell.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
        cell[at..].split('"').next().unwrap().to_string()
    };
    grid.split("data-testid=\"grid-cell\"")
        .skip(1)
        .map(|c| {
            (
                attribute(c, "data-remote"),
                attribute(c, "data-service"),
                attribute(c, "data-access"),
            )
        })
        .collect()
}

#[test]
fn the_overview_grid_colours_each_remote_side_and_service() {
    let mut w = work();
    // Https from the Internet; the flows list gives the VM's address.
    w.subnet_nsg = w
        .subnet_nsg
        .replace("\"DenySshFromInternet\"", "\"DenySshFromInternet2\"");
    w.flows = vec![FlowRow {
        direction: "Inbound".into(),
        protocol: "Tcp".into(),
        local: "10.0.1.4:22".into(),
        remote: "203.0.113.7:50000".into(),
        ..Default::default()
    }];
    let a = answers(
        &mut State::default(),
        &page_request(1, &text(&w), None, false),
    );
    assert_eq!(
        part(&a, "scope"),
        "Flows of 10.0.1.4 (the local address of the flows)"
    );
    let overview = part(&a, "overview");
    let inbound = cells(overview, "Inbound");
    let cell = |remote: &str, service: &str| {
        inbound
            .iter()
            .find(|(r, s, _)| r == remote && s == service)
            .map(|(_, _, a)| a.as_str())
            .unwrap_or_else(|| panic!("no cell {remote} / {service}"))
    };
    // SSH is allowed from anywhere (AllowSsh comes first); RDP only from the virtual network
    // (the default rules); the rest of Tcp from the Internet is denied; the load balancer
    // (the host's address, in VirtualNetwork) reaches everything.
    assert_eq!(cell("Internet", "SSH"), "allow");
    assert_eq!(cell("VirtualNetwork", "RDP"), "allow");
    assert_eq!(cell("Internet", "RDP"), "deny");
    assert_eq!(cell("Internet", "other Tcp"), "deny");
    assert_eq!(cell("AzureLoadBalancer", "other Tcp"), "allow");
    assert_eq!(cell("other addresses", "SSH"), "allow");
    assert_eq!(cell("other addresses", "RDP"), "deny");
    assert!(overview.contains("title=\"SSH (Tcp 22) from Internet: allowed by securityRules/AllowSsh (subnet NSG nsg-a)\""), "{overview}");
    // The widened analysis is about any local address.
    let wide = answers(
        &mut State::default(),
        &page_request(1, &text(&w), None, true),
    );
    assert_eq!(part(&wide, "scope"), "Flows of any local address");
    // Outbound, the default rules let everything out to the Internet.
    assert!(cells(part(&a, "overview"), "Outbound")
        .iter()
        .any(|(r, s, acc)| r == "Internet" && s == "other Tcp" && acc == "allow"));
}

#[test]
fn a_new_search_on_the_same_inputs_searches_only() {
    let mut state = State::default();
    answers(&mut state, &page_request(1, &text(&work()), None, false));
    let found = answers(
        &mut state,
        &page_request(
            2,
            &text(&work()),
            Some(
                r#"{"direction":"Inbound","protocol":"","destinationPort":"22","access":"Allow","source":"","sourcePort":"","destination":"","rule":""}"#,
            ),
            false,
        ),
    );
    let stages: Vec<&str> = found
        .iter()
        .filter(|m| m["kind"] == "progress")
        .filter_map(|m| m["stage"].as_str())
        .collect();
    assert_eq!(stages, ["search"]);
    let html = part(&found, "search");
    assert!(html.starts_with("<div class=\"search-result found\" data-testid=\"search-result\"><p>Found: Allow Inbound Tcp local "), "{html}");
    assert!(
        html.contains("securityRules/AllowSsh (subnet NSG nsg-a)"),
        "{html}"
    );
    // The other parts come again (from memory), so a page that restarted its worker has them.
    assert!(part(&found, "reach").contains("reach-row"));
    let none = answers(
        &mut state,
        &page_request(
            3,
            &text(&work()),
            Some(
                r#"{"direction":"Inbound","protocol":"Tcp","destinationPort":"22","access":"Deny","source":"Internet"}"#,
            ),
            false,
        ),
    );
    assert_eq!(
        part(&none, "search"),
        "<div class=\"search-result none\" data-testid=\"search-result\"><p>None: no inbound flow of the query is denied; \
         the search covers every flow, so this is a proof.</p></div>"
    );
    let bad = answers(
        &mut state,
        &page_request(
            4,
            &text(&work()),
            Some(r#"{"direction":"Inbound","source":"10.0.0.300"}"#),
            false,
        ),
    );
    assert!(
        part(&bad, "search").contains("search-error\">query.source: "),
        "{}",
        part(&bad, "search")
    );
}

#[test]
fn compare_names_both_verdicts_of_each_change() {
    let mut state = State::default();
    let mut w = work();
    w.baseline = w.as_baseline();
    let same = answers(&mut state, &page_request(1, &text(&w), None, false));
    assert!(part(&same, "compare").contains("No change since the baseline"));
    assert!(part(&same, "compare").contains("data-testid=\"compare-changes\""));
    w.subnet_nsg = w.subnet_nsg.replacen("\"Allow\"", "\"Deny\"", 1);
    let changed = answers(&mut state, &page_request(2, &text(&w), None, false));
    let html = part(&changed, "compare");
    assert!(html.contains("data-testid=\"change\""), "{html}");
    assert!(
        html.contains("Inbound: was <strong>Allow by securityRules/AllowSsh (subnet NSG nsg-a)</strong>, now <strong>Deny by securityRules/AllowSsh (subnet NSG nsg-a)</strong>"),
        "{html}"
    );
    assert!(html.contains("data-action=\"clear-baseline\""));
}

#[test]
fn inputs_in_error_say_so_in_every_part() {
    let mut state = State::default();
    let mut w = work();
    w.virtual_network = "10.0.0.0/33".into();
    let a = answers(&mut state, &page_request(1, &text(&w), None, false));
    assert!(
        part(&a, "reach").contains("The inputs have an error"),
        "{}",
        part(&a, "reach")
    );
    assert!(part(&a, "findings").contains("virtualNetwork"));
    assert_eq!(a.last().unwrap()["kind"], "done");
}

#[test]
fn html_is_escaped() {
    assert_eq!(
        esc("<b a=\"x\">&'</b>"),
        "&lt;b a=&quot;x&quot;&gt;&amp;&#39;&lt;/b&gt;"
    );
    assert_eq!(esc("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
    let mut w = work();
    w.subnet_nsg = w
        .subnet_nsg
        .replace("AllowSsh", "<img src=x onerror=alert(1)>");
    let a = answers(
        &mut State::default(),
        &page_request(1, &text(&w), None, false),
    );
    for part_name in PARTS {
        assert!(!part(&a, part_name).contains("<img"), "{part_name}");
    }
}

#[test]
fn the_frame_has_the_tabs_their_panels_and_the_search_form() {
    let html = frame();
    for (id, title) in TABS {
        assert!(
            html.contains(&format!(
                "data-testid=\"analysis-tab\" aria-controls=\"panel-{id}\""
            )),
            "{id}"
        );
        assert!(html.contains(&format!("id=\"panel-{id}\"")), "{id}");
        assert!(html.contains(&format!(">{title}</button>")), "{title}");
    }
    assert_eq!(html.matches("aria-selected=\"true\"").count(), 1);
    for id in PARTS {
        assert!(html.contains(&format!("id=\"analysis-{id}\"")), "{id}");
    }
    // The form has a field per property of the query the engine reads.
    for name in flowverify::ffi::SEARCH_QUERY_KEYS {
        assert!(html.contains(&format!("name=\"{name}\"")), "{name}");
    }
    assert!(html.contains("data-testid=\"search-source-port\""));
    assert!(html.contains("data-testid=\"set-baseline\""));
    assert_eq!(
        serde_json::from_str::<Value>(&ready()).unwrap()["kind"],
        "ready"
    );
}

#[test]
fn an_example_replaces_the_selected_flow_unless_it_is_a_test() {
    let flow = r#"{"direction":"Outbound","protocol":"Udp","local":"10.0.1.4:50000","remote":"8.8.8.8:53"}"#;
    let mut rows = vec![
        FlowRow::default(),
        FlowRow {
            expect_access: "Allow".into(),
            ..FlowRow::default()
        },
    ];
    assert_eq!(load_example(&mut rows, 0, flow), Some(0));
    assert_eq!(
        (rows[0].direction.as_str(), rows[0].remote.as_str()),
        ("Outbound", "8.8.8.8:53")
    );
    assert_eq!(load_example(&mut rows, 1, flow), Some(2));
    assert_eq!(rows[1].expect_access, "Allow");
    assert_eq!(rows.len(), 3);
    assert_eq!(load_example(&mut rows, 0, "{}"), None);
}

#[test]
fn the_newest_request_wins_and_a_stale_long_job_is_stopped() {
    let mut l = Latest::default();
    assert!(!l.busy());
    assert_eq!(l.submit(1, "a".into(), 0.0), Step::Post("a".into()));
    assert!(l.busy() && l.wanted(1));
    assert_eq!(l.submit(2, "b".into(), 50.0), Step::Wait);
    assert!(!l.wanted(1));
    // An answer to a request that is not the running one changes nothing.
    assert_eq!(l.answered(2), None);
    assert_eq!(l.answered(1), Some("b".into()));
    l.started(60.0);
    assert_eq!(l.since(), Some(60.0));
    assert_eq!(
        l.submit(3, "c".into(), 60.0 + Latest::PATIENCE + 1.0),
        Step::Restart("c".into())
    );
    assert_eq!(l.answered(3), None);
    assert!(!l.busy());
    l.submit(4, "d".into(), 0.0);
    l.reset();
    assert!(!l.busy());
}

#[test]
fn the_baseline_travels_in_the_scenario_and_the_autosave() {
    let mut w = work();
    w.baseline = w.as_baseline();
    w.subnet_nsg.clear();
    let scenario = w.to_scenario().scenario;
    let baseline = scenario.baseline.as_ref().expect("a baseline");
    assert!(baseline.subnet_nsg.is_some() && scenario.subnet_nsg.is_none());
    let back = Workbench::from_scenario(
        &Scenario::from_json("link", &scenario.to_json_compact()).unwrap(),
    );
    assert_eq!(back.baseline, w.baseline);
    let saved = serde_json::to_value(&w).unwrap();
    assert_eq!(Workbench::from_value(&saved).unwrap().baseline, w.baseline);
    assert_eq!(
        Workbench::from_value(&json!({"baseline": null}))
            .unwrap()
            .baseline,
        None
    );
    assert!(Workbench::from_value(&json!({"baseline": 3})).is_none());
}

#[test]
fn a_baseline_is_written_as_the_engine_writes_it() {
    let mut s = Scenario::from_value("s", scenario()).unwrap();
    s.asgs.insert("asg-web".into(), vec!["10.0.1.4".into()]);
    s.admin_rules.push(json!({"value": []}));
    let w = Workbench::from_scenario(&s);
    let mut holder = Scenario::new();
    holder.baseline = Some(Box::new(w.to_scenario().scenario.slots_only()));
    let engine = serde_json::to_value(&holder).unwrap()["baseline"].clone();
    assert_eq!(w.as_baseline().unwrap(), engine);
    assert_eq!(
        serde_json::to_string(&w.as_baseline().unwrap()).unwrap(),
        serde_json::to_string(&engine).unwrap()
    );
}

#[test]
fn a_shadowed_rule_shows_its_example_with_the_rule_that_decides_it() {
    let a = answers(
        &mut State::default(),
        &page_request(1, &text(&work()), None, false),
    );
    let findings = part(&a, "findings");
    let shadowed = findings
        .split("<tr class=\"finding\"")
        .find(|item| item.contains("data-kind=\"shadowed\""))
        .unwrap();
    // A flow of DenySshFromInternet (Tcp 22 from the Internet), which AllowSsh decides first:
    // the trace marks AllowSsh.
    assert!(
        shadowed.contains("data-rule=\"securityRules/AllowSsh\""),
        "{shadowed}"
    );
    assert!(shadowed.contains("&quot;local&quot;:&quot;"), "{shadowed}");
}

#[test]
fn a_long_group_shows_five_rows_then_more_on_request_and_search_for_the_rest() {
    // Twelve rules on distinct ports before the default deny: the default rule's group has
    // many sets of flows (the ports between them).
    let rules: Vec<Value> = (0..12)
        .map(|i| {
            json!({"name": format!("AllowPort{i}"), "properties": {"priority": 100 + i, "access": "Allow",
                "direction": "Inbound", "protocol": "Tcp", "sourceAddressPrefix": format!("10.9.{i}.0/24"),
                "sourcePortRange": "*", "destinationAddressPrefix": "*",
                "destinationPortRange": (1000 + 10 * i).to_string()}})
        })
        .collect();
    let doc = json!({"version": 1, "subnetNsg": {"name": "nsg-many", "properties": {"securityRules": rules}}});
    let w = Workbench::from_scenario(&Scenario::from_value("s", doc).unwrap());
    let a = answers(
        &mut State::default(),
        &page_request(1, &text(&w), None, false),
    );
    let reach = part(&a, "reach");
    let deny = reach
        .split("<tbody class=\"reach-group deny\">")
        .nth(1)
        .expect("a denied group");
    let shown = deny.split("</tbody>").next().unwrap();
    assert_eq!(
        shown.matches("data-testid=\"reach-row\"").count(),
        ROWS_SHOWN,
        "{shown}"
    );
    assert!(
        shown.contains("data-action=\"more\" aria-expanded=\"false\">Show "),
        "{shown}"
    );
    // The rest of the rule's flows in Search, by its name.
    let query = shown
        .split("data-action=\"search\" data-query=\"")
        .nth(1)
        .and_then(|q| q.split('"').next())
        .expect("a search button")
        .replace("&quot;", "\"");
    let query: Value = serde_json::from_str(&query).unwrap();
    assert_eq!(
        query,
        json!({"direction": "Inbound", "rule": "defaultSecurityRules/DenyAllInBound"})
    );
    // The search it asks for finds the rule's flows.
    let inputs = w.to_scenario().scenario.inputs("s").unwrap();
    let found = search_html(&inputs, &query);
    assert!(found.contains("Found: Deny Inbound"), "{found}");
    // The next rows are there, hidden until asked for.
    let more = reach
        .split("<tbody class=\"reach-group deny more-rows\" hidden>")
        .nth(1)
        .expect("the next rows");
    let more = more.split("</tbody>").next().unwrap();
    let count = more.matches("data-testid=\"reach-row\"").count();
    assert!(count > 0 && count <= ROWS_MORE, "{count}");
    assert!(shown.contains(&format!("Show {count} more")), "{shown}");
}
