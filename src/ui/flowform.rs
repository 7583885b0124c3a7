//! The flow form: direction, protocol, local and remote endpoints, and the expected verdict of
//! the flow selected in the flows list. Every keystroke re-evaluates; problems show inline.

use flowverify::model::{Direction, Protocol};
use leptos::prelude::*;

use super::Page;
use crate::evaluation::FlowProblem;
use crate::workbench::FlowRow;

/// The canonical spelling of a direction or protocol typed in any case (the select shows it).
fn canonical(text: &str, protocol: bool) -> String {
    if protocol {
        Protocol::parse(text).map_or(text.to_string(), |p| p.as_str().to_string())
    } else {
        Direction::parse(text).map_or(text.to_string(), |d| d.as_str().to_string())
    }
}

/// The flow form.
#[component]
pub fn FlowForm(page: Page) -> impl IntoView {
    let row = Memo::new(move |_| {
        let i = page.selected.get();
        page.flows.with(|f| f.get(i).cloned().unwrap_or_default())
    });
    let edit = move |change: &dyn Fn(&mut FlowRow)| {
        let i = page.selected.get_untracked();
        page.flows.update(|rows| {
            if let Some(row) = rows.get_mut(i) {
                change(row)
            }
        });
    };
    let problem = move |pick: fn(&FlowProblem) -> bool| {
        page.current.with(|c| {
            c.0.as_ref()
                .as_ref()
                .and_then(|o| o.problems.iter().find(|p| pick(p)))
                .map(|p| p.message().to_string())
        })
    };
    let local_problem = move || problem(|p| matches!(p, FlowProblem::Local(_)));
    let remote_problem = move || problem(|p| matches!(p, FlowProblem::Remote(_)));
    let other_problem = move || {
        problem(|p| {
            matches!(
                p,
                FlowProblem::Flow(_) | FlowProblem::Direction(_) | FlowProblem::Protocol(_)
            )
        })
    };
    let expect_problem = move || problem(|p| matches!(p, FlowProblem::Expectation(_)));
    let portless = move || row.with(FlowRow::portless);
    let port_ignored = move || {
        page.current
            .with(|c| c.0.as_ref().as_ref().is_some_and(|o| o.port_ignored))
    };
    let count = move || page.flows.with(Vec::len);
    let address_placeholder = move |local: bool| match (portless(), local) {
        (true, true) => "10.0.1.4",
        (true, false) => "203.0.113.7",
        (false, true) => "10.0.1.4:443",
        (false, false) => "203.0.113.7:50000",
    };
    let option = move |value: &'static str, protocol: bool| {
        view! {
            <option value=value prop:selected=move || row.with(|r| {
                canonical(if protocol { &r.protocol } else { &r.direction }, protocol) == value
            })>{value}</option>
        }
    };
    view! {
        <form id="flow-form" class="flow-form" tabindex="-1"
            on:submit=|ev: web_sys::SubmitEvent| ev.prevent_default()>
            <fieldset>
                <legend>
                    {move || format!("Flow {} of {}", page.selected.get() + 1, count())}
                </legend>
                <div class="flow-grid">
                    <div class="field">
                        <label for="flow-direction">"Direction"</label>
                        <select id="flow-direction" data-testid="flow-direction"
                            prop:value=move || row.with(|r| canonical(&r.direction, false))
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                edit(&|r| r.direction = v.clone());
                            }>
                            {option("Inbound", false)}
                            {option("Outbound", false)}
                        </select>
                    </div>
                    <div class="field">
                        <label for="flow-protocol">"Protocol"</label>
                        <select id="flow-protocol" data-testid="flow-protocol"
                            prop:value=move || row.with(|r| canonical(&r.protocol, true))
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                edit(&|r| r.protocol = v.clone());
                            }>
                            {option("Tcp", true)}
                            {option("Udp", true)}
                            {option("Icmp", true)}
                            {option("Esp", true)}
                            {option("Ah", true)}
                        </select>
                    </div>
                    <div class="field wide">
                        <label for="flow-local">
                            {move || if portless() { "Local IP (the VM)" } else { "Local IP:port (the VM)" }}
                        </label>
                        <input id="flow-local" data-testid="flow-local" type="text" class="code"
                            autocomplete="off" spellcheck="false"
                            placeholder=move || address_placeholder(true)
                            aria-invalid=move || if local_problem().is_some() { "true" } else { "false" }
                            aria-describedby="flow-local-error flow-port-note"
                            prop:value=move || row.with(|r| r.local.clone())
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                edit(&|r| r.local = v.clone());
                            } />
                        <p id="flow-local-error" class="field-error" aria-live="polite">
                            {local_problem}
                        </p>
                    </div>
                    <div class="field wide">
                        <label for="flow-remote">
                            {move || if portless() { "Remote IP" } else { "Remote IP:port" }}
                        </label>
                        <input id="flow-remote" data-testid="flow-remote" type="text" class="code"
                            autocomplete="off" spellcheck="false"
                            placeholder=move || address_placeholder(false)
                            aria-invalid=move || if remote_problem().is_some() { "true" } else { "false" }
                            aria-describedby="flow-remote-error flow-port-note"
                            prop:value=move || row.with(|r| r.remote.clone())
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                edit(&|r| r.remote = v.clone());
                            } />
                        <p id="flow-remote-error" class="field-error" aria-live="polite">
                            {remote_problem}
                        </p>
                    </div>
                </div>
                <p id="flow-port-note" class="help" aria-live="polite">
                    {move || {
                        let protocol = row.with(|r| r.protocol.clone());
                        if port_ignored() {
                            format!("{protocol} flows have no ports: the ports typed are ignored.")
                        } else if portless() {
                            format!("{protocol} flows have no ports: write IP addresses only.")
                        } else {
                            "IP:port, or IP:* for any port. IPv6: [2001:db8::4]:443. Inbound: the remote end is the source.".to_string()
                        }
                    }}
                </p>
                <p class="field-error" aria-live="polite" data-testid="flow-error">{other_problem}</p>
                <div class="expect-grid">
                    <div class="field">
                        <label for="flow-expect">"Expected verdict"</label>
                        <select id="flow-expect" data-testid="flow-expect"
                            prop:value=move || row.with(|r| r.expect_access.clone())
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                edit(&|r| r.expect_access = v.clone());
                            }>
                            <option value="" prop:selected=move || row.with(|r| r.expect_access.is_empty())>"None"</option>
                            <option value="Allow" prop:selected=move || row.with(|r| r.expect_access.eq_ignore_ascii_case("allow"))>"Allow"</option>
                            <option value="Deny" prop:selected=move || row.with(|r| r.expect_access.eq_ignore_ascii_case("deny"))>"Deny"</option>
                        </select>
                    </div>
                    <div class="field wide">
                        <label for="flow-expect-rule">"Expected rule (optional)"</label>
                        <input id="flow-expect-rule" data-testid="flow-expect-rule" type="text"
                            class="code" autocomplete="off" spellcheck="false"
                            placeholder="securityRules/AllowHttps"
                            prop:value=move || row.with(|r| r.expect_rule.clone())
                            on:input=move |ev| {
                                let v = event_target_value(&ev);
                                edit(&|r| r.expect_rule = v.clone());
                            } />
                    </div>
                </div>
                <p class="field-error" aria-live="polite">{expect_problem}</p>
            </fieldset>
        </form>
    }
}
