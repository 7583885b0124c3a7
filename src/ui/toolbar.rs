//! The header: samples, share (permalink), download and upload of the scenario, start over;
//! and the "what FlowVerify assumes" panel.

use flowverify::permalink;
use flowverify::scenario::Scenario;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::{browser, Page};
use crate::samples::{Sample, SAMPLES};
use crate::workbench::Workbench;

/// Permalinks longer than this get a warning (some tools cut long links).
const LONG_LINK: usize = 8 * 1024;

/// What the share control produced.
#[derive(Clone, PartialEq)]
struct Shared {
    url: String,
    copied: Option<bool>,
    left_out: Vec<String>,
}

/// A file name for the scenario: its title, simplified.
fn file_name(title: &str) -> String {
    let slug: String = title
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let slug = slug
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-");
    if slug.is_empty() {
        "scenario.flowverify.json".into()
    } else {
        format!("{slug}.flowverify.json")
    }
}

/// The page header and its tools.
#[component]
pub fn Header(page: Page) -> impl IntoView {
    let shared = RwSignal::new(None::<Shared>);
    let confirming = RwSignal::new(false);

    let share = move |_| {
        let export = page.snapshot().to_scenario();
        let url = match permalink::url(&browser::page_url(), &export.scenario) {
            Ok(url) => url,
            Err(e) => {
                shared.set(None);
                page.error(format!("No link: {e}."));
                return;
            }
        };
        let fragment = url.split_once('#').map(|(_, f)| f.to_string());
        if let Some(fragment) = &fragment {
            browser::replace_fragment(fragment);
        }
        page.link.set(fragment);
        shared.set(Some(Shared {
            url: url.clone(),
            copied: None,
            left_out: export.left_out,
        }));
        browser::copy(&url, move |ok| {
            shared.update(|s| {
                if let Some(s) = s {
                    s.copied = Some(ok)
                }
            })
        });
    };
    let download = move |_| {
        let w = page.snapshot();
        let export = w.to_scenario();
        if let Err(why) = browser::download(&file_name(&w.title), &export.scenario.to_json_pretty())
        {
            page.error(why);
        } else if !export.left_out.is_empty() {
            page.error(format!("Downloaded, but {}.", export.left_out.join("; ")));
        }
    };
    let upload = move |ev: web_sys::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        leptos::task::spawn_local(async move {
            let name = file.name();
            match browser::read_text(file).await {
                Ok(text) => match Scenario::from_json(&name, &text) {
                    Ok(scenario) => page.replace(
                        Workbench::from_scenario(&scenario),
                        None,
                        format!("Opened the scenario {name}."),
                    ),
                    Err(e) => page.error(format!("This file is not a scenario: {e}")),
                },
                Err(why) => page.error(why),
            }
        });
    };
    let load_sample = move |ev: web_sys::Event| {
        let id = event_target_value(&ev);
        if let Some(select) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        {
            select.set_value("");
        }
        let Some(sample) = Sample::find(&id) else {
            return;
        };
        match sample.scenario() {
            Ok(scenario) => page.replace(
                Workbench::from_scenario(&scenario),
                None,
                format!("Loaded the sample \u{201c}{}\u{201d}.", sample.name),
            ),
            Err(e) => page.error(e.to_string()),
        }
    };
    let start_over = move |_| {
        confirming.set(false);
        shared.set(None);
        page.replace(
            Workbench::new(),
            None,
            "Started over with empty inputs.".into(),
        );
    };

    view! {
        <header class="top">
            <div class="brand">
                <h1>"FlowVerify"</h1>
                <p class="tagline">
                    "Azure IP flow verify, offline: which NSG or AVNM admin rule decides a flow. \
                     Nothing you paste leaves this browser."
                </p>
            </div>
            <nav class="tools" aria-label="Scenario">
                <label class="sr-only" for="samples">"Load a sample scenario"</label>
                <select id="samples" data-testid="samples" on:change=load_sample>
                    <option value="" selected=true>"Samples…"</option>
                    {SAMPLES.iter().map(|s| view! {
                        <option value=s.id title=s.about>{s.name}</option>
                    }).collect_view()}
                </select>
                <button type="button" class="button primary" data-testid="share-link" on:click=share>
                    "Copy link"
                </button>
                <button type="button" class="button" data-testid="download-scenario" on:click=download>
                    "Download"
                </button>
                <label class="button file-button">
                    "Open…"
                    <input type="file" class="sr-only" accept=".json,application/json"
                        data-testid="upload-scenario" on:change=upload />
                </label>
                <button type="button" class="button" data-testid="start-over"
                    aria-expanded=move || if confirming.get() { "true" } else { "false" }
                    on:click=move |_| confirming.update(|c| *c = !*c)>"Start over"</button>
            </nav>
        </header>
        {move || confirming.get().then(|| view! {
            <div class="notice" role="alertdialog" aria-labelledby="confirm-text" data-testid="confirm-start-over">
                <p id="confirm-text">
                    "Start over with empty inputs? Your current work is kept once: Undo brings it back."
                </p>
                <button type="button" class="button danger" data-testid="confirm-start-over-yes"
                    on:click=start_over>"Yes, start over"</button>
                <button type="button" class="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
            </div>
        })}
        {move || shared.get().map(|s| {
            let length = s.url.len();
            let long = length > LONG_LINK;
            view! {
                <div class="notice share" role="status" data-testid="share-result">
                    <label for="share-url">{match s.copied {
                        Some(true) => "Link copied to the clipboard:",
                        Some(false) => "Copy this link (the clipboard was not available):",
                        None => "Your link:",
                    }}</label>
                    <input id="share-url" data-testid="share-url" class="code" type="text" readonly=true
                        prop:value=s.url.clone()
                        on:focus=|ev| {
                            if let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) {
                                input.select();
                            }
                        } />
                    <p class="help" data-testid="share-length">
                        {format!("{length} characters. The scenario is inside the link (after #): no server ever sees it.")}
                    </p>
                    {long.then(|| view! {
                        <p class="warn" data-testid="share-warning">
                            {format!("This link is over 8 KB ({} KB): some chat tools and browsers cut long links. Download the scenario to share it as a file instead.", length / 1024)}
                        </p>
                    })}
                    {(!s.left_out.is_empty()).then(|| view! {
                        <p class="warn">{format!("Not in the link: {}.", s.left_out.join("; "))}</p>
                    })}
                    <button type="button" class="button quiet" on:click=move |_| shared.set(None)>"Close"</button>
                </div>
            }
        })}
    }
}

/// What FlowVerify assumes, in users' words (the decisions of `semantics-decisions.md`).
#[component]
pub fn About() -> impl IntoView {
    view! {
        <footer class="about">
            <details data-testid="about">
                <summary>"About FlowVerify and what it assumes"</summary>
                <p>
                    "FlowVerify answers what Azure Network Watcher's IP flow verify answers (is this \
                     flow allowed, and which rule decided?) from the JSON you paste, with no Azure \
                     account and no network. It also runs as a command line (flowverify) over the same \
                     scenario files and links."
                </p>
                <h3>"Order of evaluation"</h3>
                <ul>
                    <li>"AVNM security admin rules first, configuration by configuration, highest scope first; within one, all rule collections merged by priority. The first matching rule decides: Deny stops the flow, Always allow lets it through without the NSGs, Allow hands it to the NSGs."</li>
                    <li>"Then the NSGs: inbound, the subnet's NSG then the network interface's; outbound, the network interface's then the subnet's. In each, the first rule of the flow's direction that matches, by priority, decides; the six default rules are added when missing. A Deny stops the flow. A missing NSG allows everything at its level."</li>
                    <li>"When every NSG allows, the rule reported is the last NSG's (inbound: the NIC NSG's; outbound: the subnet NSG's). With no NSG and no matching admin rule the flow is allowed and no rule is named; an admin Allow with no NSG after it is named as the deciding rule."</li>
                </ul>
                <h3>"Flows and rules"</h3>
                <ul>
                    <li>"Inbound, the remote end is the source; outbound, the VM is. IPv4 and IPv6 both work (one family per flow)."</li>
                    <li>"Only Tcp and Udp have ports. Icmp, Esp and Ah flows match a rule's ports only if it covers every port (* or 0-65535). Protocol * (Any) matches every protocol, Esp and Ah included."</li>
                    <li>"A rule side matches if any of its prefixes, its prefix list or its application security groups match; an empty side matches anything. *, 0.0.0.0/0, ::/0 and Any match every address. Everything is read case-insensitively."</li>
                    <li>"A rule that cannot be read (bad prefix, port 70000, unknown protocol) is reported with its place; it is never skipped silently."</li>
                </ul>
                <h3>"Service tags and groups"</h3>
                <ul>
                    <li>"VirtualNetwork is the prefixes you give, plus 168.63.129.16/32 (a warning says when you gave none). AzureLoadBalancer is 168.63.129.16/32. Internet is public IPv4 space (everything but private, shared, loopback, link-local, multicast and reserved ranges) and IPv6 2000::/3."</li>
                    <li>"Other tags (Storage, Sql.WestEurope, …) come from the service tags file you add. A rule naming a tag or an application security group that no input defines does not match, and the verdict is marked uncertain with a warning that says what to add."</li>
                    <li>"Application security groups are matched by name; their members are the IPs you list, and those of a network interface document."</li>
                    <li>"Effective rules (az network nic list-effective-nsg) are used for the layers you did not paste separately; their expanded prefixes are trusted as given."</li>
                </ul>
                <p class="help">"FlowVerify evaluates rules only: platform exceptions (such as traffic to 168.63.129.16 that Azure always allows) and routing are not modelled."</p>
            </details>
        </footer>
    }
}
