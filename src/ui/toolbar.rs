//! The header: samples, share (permalink), download and upload of the scenario, start over;
//! and the About panel (the engine's statement of what FlowVerify assumes and warns about).
//! What each tool computes lives in [`crate::share`]; these components wire it to the page.

use leptos::prelude::*;
use wasm_bindgen::JsCast;

use super::browser;
use crate::samples::SAMPLES;
use crate::share::{copied_label, link_payload, open_file, open_sample, Download, Link, Load};
use crate::workbench::Workbench;

/// The element an event came from, as `T`.
fn target<T: JsCast>(ev: &web_sys::Event) -> Option<T> {
    ev.target().and_then(|t| t.dyn_into::<T>().ok())
}

/// The page header and its tools: `snapshot` gives the work as typed, `open` replaces it (with
/// a message), `error` shows a problem, `link` takes the fragment of a link made.
#[component]
pub fn Header(
    snapshot: Callback<(), Workbench>,
    open: Callback<Load>,
    error: Callback<String>,
    link: WriteSignal<Option<String>>,
) -> impl IntoView {
    let shared = RwSignal::new(None::<Shared>);
    let confirming = RwSignal::new(false);
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
                <SamplesMenu open=open error=error />
                <ShareButton snapshot=snapshot error=error link=link shared=shared />
                <button type="button" class="button" data-testid="download-scenario"
                    on:click=move |_| {
                        let file = Download::of(&snapshot.run(()));
                        match browser::download(&file.name, &file.text) {
                            Err(why) => error.run(why),
                            Ok(()) => if let Some(m) = file.left_out { error.run(m) },
                        }
                    }>"Download"</button>
                <OpenButton open=open error=error />
                <button type="button" class="button" data-testid="start-over"
                    aria-expanded=move || if confirming.get() { "true" } else { "false" }
                    on:click=move |_| confirming.update(|c| *c = !*c)>"Start over"</button>
            </nav>
        </header>
        <ConfirmStartOver confirming=confirming open=open shared=shared />
        <ShareResult shared=shared />
    }
}

/// What the share control produced: the link, and whether it reached the clipboard.
#[derive(Clone, PartialEq)]
struct Shared {
    link: Link,
    copied: Option<bool>,
}

/// The samples menu: choosing one loads it (and the menu shows its title again).
#[component]
fn SamplesMenu(open: Callback<Load>, error: Callback<String>) -> impl IntoView {
    let choose = move |ev: web_sys::Event| {
        let id = event_target_value(&ev);
        if let Some(select) = target::<web_sys::HtmlSelectElement>(&ev) {
            select.set_value("");
        }
        match open_sample(&id) {
            Some(Ok(load)) => open.run(load),
            Some(Err(why)) => error.run(why),
            None => {}
        }
    };
    view! {
        <label class="sr-only" for="samples">"Load a sample scenario"</label>
        <select id="samples" data-testid="samples" on:change=choose>
            <option value="" selected=true>"Samples…"</option>
            {SAMPLES.iter().map(|s| view! {
                <option value=s.id title=s.about>{s.name}</option>
            }).collect_view()}
        </select>
    }
}

/// "Copy link": the permalink of the work, put in the address bar and on the clipboard.
#[component]
fn ShareButton(
    snapshot: Callback<(), Workbench>,
    error: Callback<String>,
    link: WriteSignal<Option<String>>,
    shared: RwSignal<Option<Shared>>,
) -> impl IntoView {
    // Deflated by the browser (see `browser::deflate`): the link comes a moment later.
    let share = move |_| match link_payload(&snapshot.run(())) {
        Err(why) => {
            shared.set(None);
            error.run(why);
        }
        Ok((json, left_out)) => browser::deflate(&json, move |deflated| {
            let Some(deflated) = deflated else {
                shared.set(None);
                return error.run("No link: this browser cannot compress the scenario.".into());
            };
            let made = Link::from_deflated(&browser::page_url(), &deflated, left_out);
            if let Some(fragment) = &made.fragment {
                browser::replace_fragment(fragment);
            }
            link.set(made.fragment.clone());
            let url = made.url.clone();
            shared.set(Some(Shared {
                link: made,
                copied: None,
            }));
            browser::copy(&url, move |ok| {
                shared.update(|s| {
                    if let Some(s) = s {
                        s.copied = Some(ok)
                    }
                })
            });
        }),
    };
    view! {
        <button type="button" class="button primary" data-testid="share-link" on:click=share>
            "Copy link"
        </button>
    }
}

/// "Open…": a scenario file chosen by the user replaces the work.
#[component]
fn OpenButton(open: Callback<Load>, error: Callback<String>) -> impl IntoView {
    let upload = move |ev: web_sys::Event| {
        let Some(input) = target::<web_sys::HtmlInputElement>(&ev) else {
            return;
        };
        let Some(file) = input.files().and_then(|f| f.get(0)) else {
            return;
        };
        input.set_value("");
        let name = file.name();
        browser::read_text(file, move |read| {
            match read.and_then(|text| open_file(&name, &text)) {
                Ok(load) => open.run(load),
                Err(why) => error.run(why),
            }
        });
    };
    view! {
        <label class="button file-button">
            "Open…"
            <input type="file" class="sr-only" accept=".json,application/json"
                data-testid="upload-scenario" on:change=upload />
        </label>
    }
}

/// The question "Start over?" under the header, while it is asked.
#[component]
fn ConfirmStartOver(
    confirming: RwSignal<bool>,
    open: Callback<Load>,
    shared: RwSignal<Option<Shared>>,
) -> impl IntoView {
    let start_over = move |_| {
        confirming.set(false);
        shared.set(None);
        open.run((Workbench::new(), "Started over with empty inputs.".into()));
    };
    move || {
        confirming.get().then(|| view! {
            <div class="notice" role="alertdialog" aria-labelledby="confirm-text" data-testid="confirm-start-over">
                <p id="confirm-text">
                    "Start over with empty inputs? Your current work is kept once: Undo brings it back."
                </p>
                <button type="button" class="button danger" data-testid="confirm-start-over-yes"
                    on:click=start_over>"Yes, start over"</button>
                <button type="button" class="button" on:click=move |_| confirming.set(false)>"Cancel"</button>
            </div>
        })
    }
}

/// The link made by "Copy link", with its length and warnings, until closed.
#[component]
fn ShareResult(shared: RwSignal<Option<Shared>>) -> impl IntoView {
    let select_all = |ev: web_sys::FocusEvent| {
        if let Some(input) = target::<web_sys::HtmlInputElement>(&ev) {
            input.select();
        }
    };
    move || {
        shared.get().map(|Shared { link, copied }| {
            view! {
                <div class="notice share" role="status" data-testid="share-result">
                    <label for="share-url">{copied_label(copied)}</label>
                    <input id="share-url" data-testid="share-url" class="code" type="text" readonly=true
                        prop:value=link.url.clone() on:focus=select_all />
                    <p class="help" data-testid="share-length">{link.length_note()}</p>
                    {link.too_long().map(|w| view! { <p class="warn" data-testid="share-warning">{w}</p> })}
                    {link.left_out_note().map(|w| view! { <p class="warn">{w}</p> })}
                    <button type="button" class="button quiet" on:click=move |_| shared.set(None)>"Close"</button>
                </div>
            }
        })
    }
}

/// What FlowVerify assumes and warns about: the engine's statement
/// ([`flowverify::assumptions`]), the same text as the README's and `flowverify assumptions`,
/// as [`crate::about::html`] writes it (one item per point, code as code). The text comes with
/// the analysis module, loaded when the panel is first opened (it is not in the page's first
/// download).
#[component]
pub fn About() -> impl IntoView {
    view! {
        <footer class="about">
            <details data-testid="about" data-lazy="">
                <summary>"About FlowVerify and what it assumes"</summary>
                <p>
                    "FlowVerify answers what Azure Network Watcher's IP flow verify answers (is this \
                     flow allowed, and which rule decided?) from the JSON you paste, with no Azure \
                     account and no network. It also runs as a command line (flowverify \
                     assumptions prints the same points) over the same scenario files and links."
                </p>
                <div id="about-text"><p class="help">"Loading…"</p></div>
            </details>
        </footer>
    }
}
