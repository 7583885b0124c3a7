// Page measurements (printed, not asserted): transfer size of the release build (first load and
// the analysis module), time to the first verdict in headless Chromium, the analysis of every flow
// on the engine benchmark's big stack, compiled verdicts per second in the page's WebAssembly and
// the replay of a generated 1,000,000-tuple flow log against that stack (with keystrokes while it
// runs), the paste of a 1,000-rule NSG and keystrokes with it loaded,
// each next to the same action on a bare page (a lone text area or input, no script), which is
// what Chromium itself costs.
// Usage: node bench.mjs [--dist ../../dist] [--keys 30] [--only throughput|shapes]   (starts its own
// static server on 127.0.0.1; --only throughput measures the sizes and section 6 alone, --only
// shapes the sizes and the analysis of every shape of stack)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync, gzipSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { chromium } from '@playwright/test';
import { writeLog } from './flowlog.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const dist = resolve(here, option('dist', '../../dist'));
const KEYS = Number(option('keys', '30'));
const ONLY = option('only', null);
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic'];
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const median = (xs) => sorted(xs)[Math.floor(xs.length / 2)];
const p90 = (xs) => sorted(xs)[Math.min(xs.length - 1, Math.floor(xs.length * 0.9))];
const fmt = (ms) => `${ms.toFixed(1)} ms`;

// 1. Transfer size: the first load (the page's module, glue, style sheet, start.js), and the
// analysis module, loaded when first needed (the Analysis area, the About panel, a script).
const LAZY = /^analysis/;
let total = 0;
let lazy = 0;
console.log('Release transfer size (gzip -9):');
for (const name of readdirSync(dist).filter((n) => /\.(wasm|js|css)$/.test(n)).sort()) {
  const raw = readFileSync(join(dist, name));
  const gz = gzipSync(raw, { level: 9 }).length;
  if (LAZY.test(name)) lazy += gz;
  else if (!['sw.js'].includes(name)) total += gz;
  console.log(`  ${name.padEnd(48)} ${String(raw.length).padStart(8)} B raw ${String(gz).padStart(8)} B gzip${LAZY.test(name) ? '  (analysis module)' : ''}`);
}
console.log(`  total .wasm + .js + .css (page load): ${(total / 1024).toFixed(1)} KB gzip (budget 350 KB, aim 250 KB)`);
console.log(`  analysis module (loaded when first needed; the service worker caches it for offline use): ${(lazy / 1024).toFixed(1)} KB gzip`);

// A static server for dist/.
const server = spawn(process.execPath, [join(here, 'serve.mjs'), '--dir', dist, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((ok, fail) => {
  server.stdout.on('data', (d) => { const m = String(d).match(/(http:\/\/127\.0\.0\.1:\d+\/)/); if (m) ok(m[1]); });
  server.on('exit', () => fail(new Error('the static server stopped')));
});

// The 1,000-rule NSG (REST shape, pretty-printed as az and the portal export it).
const rules = [];
for (let i = 0; i < 1000; i++) {
  rules.push({ name: `Allow-${i}`, properties: { priority: 100 + i, access: 'Allow', direction: 'Inbound', protocol: 'Tcp',
    sourceAddressPrefix: `172.16.${i >> 8}.${i & 255}`, sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: String(1000 + i) } });
}
const text = JSON.stringify({ name: 'nsg-big', type: 'Microsoft.Network/networkSecurityGroups', properties: { securityRules: rules } }, null, 2);

// A bare page: a text area as wide as the page's slots and an input, no script of its own.
const BARE = '<!doctype html><meta charset="utf-8"><textarea id="slot" rows="6" wrap="off" spellcheck="false" '
  + 'style="width:34rem;font:13px monospace"></textarea><input id="flow-local" value="10.0.1.4:443">';

/** Puts `content` in the text area `selector` as a paste does; resolves with the time until the
 * page's script is done (`handled`, setting the value included) and until the next frame is rendered (`painted`). */
function paste(page, selector, content) {
  return page.evaluate(async ({ selector, content }) => {
    const area = document.querySelector(selector);
    const t0 = performance.now();
    area.value = content;
    area.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
    // The script is done by the next task or the next frame, whichever comes first; the frame
    // is on screen once a task posted from its animation frame callback runs.
    let handled = null;
    const done = () => { if (handled === null) handled = performance.now() - t0; };
    const post = (f) => { const c = new MessageChannel(); c.port1.onmessage = f; c.port2.postMessage(0); };
    post(done);
    const painted = await new Promise((resolve) => requestAnimationFrame(() => {
      done();
      post(() => resolve(performance.now() - t0));
    }));
    return { handled, painted };
  }, { selector, content });
}

/** Records, for each keystroke: `editing` (keydown to the input event: Chromium changing the
 * field), `script` (the input event to the end of the page's work: handlers, then the reactive
 * updates, which run as microtasks; measured up to the next task or frame, whichever comes
 * first) and `frame` (keydown to the end of the next rendered frame: style, layout, paint). */
function instrument(page) {
  return page.evaluate(() => {
    window.__keys = [];
    let pending = null;
    const post = (f) => { const c = new MessageChannel(); c.port1.onmessage = f; c.port2.postMessage(0); };
    window.addEventListener('keydown', (e) => { pending = { target: e.target.id, down: performance.now() }; }, { capture: true });
    window.addEventListener('input', (e) => {
      const p = pending ?? { target: e.target.id, down: performance.now() };
      pending = null;
      p.input = performance.now();
      let end = null;
      const done = () => { if (end === null) end = performance.now(); };
      post(done);
      requestAnimationFrame(() => {
        done();
        post(() => window.__keys.push({ target: p.target, editing: p.input - p.down, script: end - p.input, frame: performance.now() - p.down }));
      });
    }, { capture: true });
  });
}

/** Types `count` keystrokes (alternately `key` and Backspace) in the focused field. */
async function type(page, key, count) {
  for (let k = 0; k < count; k++) {
    await page.keyboard.press(k % 2 ? 'Backspace' : key);
    await page.waitForTimeout(60);
  }
}

function report(label, keys, budget) {
  const line = (what, xs) => `${what} median ${fmt(median(xs))}, p90 ${fmt(p90(xs))}`;
  console.log(`${label}:\n    ${line('page script', keys.map((k) => k.script))}${budget ? ` (budget ${budget})` : ''}`
    + `\n    ${line('keydown to next frame', keys.map((k) => k.frame))} (of which Chromium editing the field: median ${fmt(median(keys.map((k) => k.editing)))})`);
}

/** The engine benchmark's generator (xorshift on 64 bits) and documents. */
function generator(seed) {
  const M = (1n << 64n) - 1n;
  let state = BigInt(seed);
  const next = () => {
    state ^= (state << 13n) & M;
    state ^= state >> 7n;
    state ^= (state << 17n) & M;
    return state;
  };
  const below = (n) => Number(next() % BigInt(n));
  const pick = (options) => options[below(options.length)];
  const prefix = () => {
    switch (below(6)) {
      case 0: return '*';
      case 1: return 'VirtualNetwork';
      case 2: return 'Internet';
      default: { const a = below(4); return `10.${a}.${below(256)}.0/24`; }
    }
  };
  const port = () => {
    switch (below(4)) {
      case 0: return '*';
      case 1: return String(1 + below(65000));
      default: { const a = 1 + below(60000); return `${a}-${a + below(2000)}`; }
    }
  };
  const nsg = (name, count) => ({
    etag: 'W/"0"', id: `/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/${name}`,
    location: 'westeurope', name, provisioningState: 'Succeeded', resourceGroup: 'rg',
    securityRules: Array.from({ length: count }, (_, i) => {
      const plural = below(3) === 0;
      const access = below(3) === 0 ? 'Deny' : 'Allow';
      const destinationAddressPrefix = plural ? '' : prefix();
      const destinationAddressPrefixes = plural ? [prefix(), prefix()] : [];
      const destinationPortRange = port();
      const protocol = pick(['Tcp', 'Udp', '*']);
      const sourceAddressPrefix = prefix();
      return {
        access, description: null, destinationAddressPrefix, destinationAddressPrefixes, destinationApplicationSecurityGroups: null,
        destinationPortRange, destinationPortRanges: [], direction: i % 2 === 0 ? 'Inbound' : 'Outbound',
        etag: 'W/"00000000-0000-0000-0000-000000000000"',
        id: `/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/networkSecurityGroups/${name}/securityRules/rule${i}`,
        name: `rule${i}`, priority: 100 + Math.floor(i / 2), protocol, provisioningState: 'Succeeded', resourceGroup: 'rg',
        sourceAddressPrefix, sourceAddressPrefixes: [], sourcePortRange: '*', sourcePortRanges: [],
        type: 'Microsoft.Network/networkSecurityGroups/securityRules',
      };
    }),
    type: 'Microsoft.Network/networkSecurityGroups',
  });
  const admin = (count) => ({
    value: Array.from({ length: count }, (_, i) => {
      const protocol = pick(['Tcp', 'Udp', 'Any']);
      const source = `198.51.${below(256)}.0/24`;
      const destinationPort = port();
      const access = pick(['Allow', 'Deny', 'AlwaysAllow']);
      return {
        id: `/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Network/networkManagers/nm/securityAdminConfigurations/cfg/ruleCollections/rc/rules/admin${i}`,
        type: 'Microsoft.Network/networkManagers/securityAdminConfigurations/ruleCollections/rules',
        name: `admin${i}`, kind: 'Custom',
        properties: {
          protocol, sources: [{ addressPrefixType: 'IPPrefix', addressPrefix: source }],
          destinations: [{ addressPrefixType: 'IPPrefix', addressPrefix: '*' }], sourcePortRanges: [],
          destinationPortRanges: [destinationPort], access, priority: 1 + i, direction: i % 2 === 0 ? 'Inbound' : 'Outbound',
        },
      };
    }),
  });
  return { nsg, admin };
}

/** The benchmark's big stack as a scenario document. */
function bigStack() {
  const g = generator(0x5eedf10e);
  g.nsg('nsg-big', 1000); // the benchmark draws this one first
  return {
    version: 1, title: '100 admin + 1,000 subnet NSG + 1,000 NIC NSG rules',
    subnetNsg: g.nsg('nsg-subnet', 1000), nicNsg: g.nsg('nsg-nic', 1000), adminRules: [g.admin(100)],
    virtualNetwork: ['10.0.0.0/14'],
    flows: [{ direction: 'Inbound', protocol: 'Tcp', local: '10.0.1.4:443', remote: '203.0.113.7:50000' }],
  };
}

/** The analysis in the page on the big stack: time to open the Analysis area the first time
 * (module and worker loaded), then each analysis after a change (reach both directions +
 * lint + their HTML, posted by the page, computed in the worker, shown), as the page reports
 * it; the script interface's reach + lint; and keystrokes in the flow form while an analysis runs. */
async function analysisBench(browser) {
  const scenario = bigStack();
  const context = await browser.newContext();
  const page = await context.newPage();
  const link = `${url}#v1.${deflateSync(Buffer.from(JSON.stringify(scenario))).toString('base64url')}`;
  await page.goto(link);
  await page.getByTestId('verdict').waitFor();
  await page.waitForTimeout(500);
  const status = page.getByTestId('analysis-status');
  const analysed = async () => {
    await page.waitForFunction(() => /^Every flow analysed in \d+ ms\.$/.test(document.getElementById('analysis-status').textContent), null, { timeout: 120_000 });
    return Number((await status.textContent()).match(/(\d+) ms/)[1]);
  };
  const t0 = Date.now();
  await page.getByTestId('analysis').locator('summary').click();
  const first = await analysed();
  console.log(`Analysis of the big stack (${scenario.title}), first opening (module and worker loaded): ${first} ms (${Date.now() - t0} ms from the click)`);
  const counts = await page.evaluate(() => [document.querySelectorAll('[data-testid=reach-row]').length, document.querySelectorAll('[data-testid=finding]').length]);
  // A change (a rule renamed in the NIC NSG), pasted; the page analyses 200 ms after it.
  const times = [];
  for (let run = 0; run < 5; run++) {
    await page.evaluate((run) => {
      const area = document.querySelector('[data-testid=slot-nic-nsg]');
      area.value = area.value.replace(/"rule1(-\d+)?"/, `"rule1-${run}"`);
      area.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
    }, run);
    await page.waitForFunction(() => !/^Every flow analysed/.test(document.getElementById('analysis-status').textContent) || document.getElementById('analysis-status').getAttribute('aria-busy') === 'true', null, { timeout: 5_000 }).catch(() => {});
    await page.waitForTimeout(250);
    times.push(await analysed());
  }
  console.log(`Analysis after a change, in the page (reach both directions + lint + HTML, worker round trip): median ${fmt(median(times))} (runs: ${times.join(', ')} ms; budget 300 ms); ${counts[0]} reachability rows, ${counts[1]} findings shown`);
  const script = await page.evaluate(async (s) => {
    const out = [];
    for (let run = 0; run < 3; run++) {
      const t = performance.now();
      await Promise.all([window.flowverify.reach(s, 'Inbound'), window.flowverify.reach(s, 'Outbound'), window.flowverify.lint(s)]);
      out.push(performance.now() - t);
    }
    return out;
  }, scenario);
  console.log(`window.flowverify reach (both) + lint on the big stack, in the scripts' worker (JSON both ways): runs ${script.map((t) => t.toFixed(0)).join(', ')} ms (the first starts the worker)`);
  const split = await page.evaluate(async (s) => {
    const time = async (f) => { const t = performance.now(); await f(); return performance.now() - t; };
    const reach = [];
    const lint = [];
    for (let run = 0; run < 3; run++) {
      reach.push(await time(() => Promise.all([window.flowverify.reach(s, 'Inbound'), window.flowverify.reach(s, 'Outbound')])));
      lint.push(await time(() => window.flowverify.lint(s)));
    }
    return { reach, lint };
  }, scenario);
  console.log(`    of which reach (both directions): median ${fmt(median(split.reach))}; lint: median ${fmt(median(split.lint))} (each with the scenario's import and its JSON)`);
  // Keystrokes in the flow form while analyses run (a change pasted before each burst).
  await instrument(page);
  for (let burst = 0; burst < 3; burst++) {
    await page.evaluate((burst) => {
      const area = document.querySelector('[data-testid=slot-nic-nsg]');
      area.value = area.value.replace(/"rule3(-\d+)?"/, `"rule3-${burst}"`);
      area.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
    }, burst);
    await page.waitForTimeout(300); // the analysis has started
    await page.getByTestId('flow-local').focus();
    await page.getByTestId('flow-local').press('End');
    await type(page, '5', 10);
  }
  const keys = (await page.evaluate(() => window.__keys)).filter((k) => k.target === 'flow-local');
  report('Keystroke in flow-local while the big stack is being analysed', keys, 'one frame');
  await context.close();
}

/** Every flow at once on the stacks shaped like production (the engine's generators, through
 * `cargo run --example stack`), in an analysis worker of the page: the Analysis area as a user
 * opens it (reach of both directions and the findings, laid out; the `page` job, in a fresh
 * worker each run), a diff of a one-rule change and a search through the script interface (their JSON), and
 * the worker's WebAssembly memory after them (its peak: it only grows). Compare with `cargo
 * bench -p flowverify-cli --bench stacks` (the same work, native, whole processes). */
async function shapesBench(browser) {
  const shapes = (process.env.FLOWVERIFY_SHAPES ?? 'simple,mixed,hosts,tags,effective,ipv6,asgs,interleaved').split(',');
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.getByTestId('verdict').waitFor();
  // The sample, as a user meets it: from choosing the Analysis tab (its module not loaded yet)
  // to the grid on screen.
  const opened = performance.now();
  await page.getByRole('tab', { name: 'Analysis', exact: true }).click();
  await page.getByTestId('analysis-grid').first().waitFor({ timeout: 60_000 });
  console.log(`\nThe sample: from opening the Analysis area (its module loaded then) to its grid: ${(performance.now() - opened).toFixed(0)} ms`);
  console.log('\nEvery flow at once in the page (analysis worker, wasm), per shape of stack, seed 1: the Analysis area (the VM 10.1.2.4: reach of every flow both directions, findings, grid and table of the VM\'s flows); diff of a one-rule change and a search (JSON); worker memory');
  for (const shape of shapes) {
    const stack = (args) => new Promise((done, fail) => {
      const child = spawn('cargo', ['run', '--release', '-q', '-p', 'flowverify', '--example', 'stack', '--', ...args], { cwd: resolve(here, '../..') });
      const parts = [];
      child.stdout.on('data', (d) => parts.push(d));
      child.on('close', (code) => (code === 0 ? done(JSON.parse(Buffer.concat(parts).toString())) : fail(new Error(`stack ${args} exit ${code}`))));
    });
    const scenario = await stack([shape, '1']);
    const after = structuredClone(scenario);
    const rules = after.nicNsg?.properties?.securityRules ?? after.effectiveRules?.value?.[1]?.effectiveSecurityRules;
    const first = rules[0].properties ?? rules[0];
    first.access = first.access === 'Allow' ? 'Deny' : 'Allow';
    // The workbench as the page holds it: each slot's text.
    const text = (v) => (v === undefined ? '' : JSON.stringify(v, null, 2));
    const workbench = {
      title: scenario.title ?? '', subnetNsg: text(scenario.subnetNsg), nicNsg: text(scenario.nicNsg),
      adminRules: (scenario.adminRules ?? []).map((a) => text(a)), effectiveRules: text(scenario.effectiveRules),
      nic: text(scenario.nic), serviceTags: text(scenario.serviceTags),
      virtualNetwork: (scenario.virtualNetwork ?? []).join('\n'),
      asgs: Object.entries(scenario.asgs ?? {}).map(([name, ips]) => `${name} = ${ips.join(', ')}`).join('\n'),
      flows: [{ direction: 'Inbound', protocol: 'Tcp', local: '10.1.2.4:443', remote: '203.0.113.7:50000', expectAccess: '', expectRule: '', expectLayer: '' }],
      selected: 0,
    };
    process.stdout.write(`  ${shape.padEnd(12)} `);
    const result = await page.evaluate(async ({ w, s, a }) => {
      const start = () => {
        const worker = new Worker('./analysis-worker_loader.js');
        const queue = [];
        let wake = null;
        let failed = null;
        worker.onmessage = (e) => { queue.push(JSON.parse(e.data)); if (wake) wake(); };
        worker.onerror = (e) => { failed = new Error(`the worker failed: ${e.message ?? e}`); if (wake) wake(); };
        const next = async () => {
          while (!queue.length) {
            if (failed) throw failed;
            await new Promise((r) => { wake = r; });
          }
          return queue.shift();
        };
        return { worker, next };
      };
      const time = async (f) => { const t = performance.now(); const v = await f(); return [performance.now() - t, v]; };
      const area = [];
      let views = null;
      for (let run = 0; run < 2; run++) {
        const { worker, next } = start();
        await next(); // ready
        const [ms, parts] = await time(async () => {
          worker.postMessage(JSON.stringify({ id: 1, kind: 'page', query: null, workbench: w }));
          const seen = {};
          for (;;) {
            const m = await next();
            if (m.kind === 'view') seen[m.part] = m.html.length;
            if (m.kind === 'done') return seen;
            if (m.kind === 'error') throw new Error(m.message);
          }
        });
        area.push(ms);
        views = parts;
        worker.terminate();
      }
      const { worker, next } = start();
      await next();
      const ask = async (message) => { worker.postMessage(JSON.stringify({ id: 2, ...message })); const m = await next(); return m.kind === 'error' ? { error: m.message } : m.value; };
      const [diffMs, diff] = await time(() => ask({ kind: 'diff', before: s, after: a }));
      // The command line benchmark's search: Tcp 22 allowed from the Internet.
      const query = { direction: 'Inbound', protocol: 'tcp', source: 'Internet', destinationPort: '22', access: 'allow' };
      const [searchMs, found] = await time(() => ask({ kind: 'search', scenario: s, query }));
      const memory = (await ask({ kind: 'memory' })).bytes;
      worker.terminate();
      // The Analysis area's worker memory: a fresh worker, the page job alone.
      const again = start();
      await again.next();
      again.worker.postMessage(JSON.stringify({ id: 1, kind: 'page', query: null, workbench: w }));
      for (;;) { const m = await again.next(); if (m.kind === 'done') break; }
      again.worker.postMessage(JSON.stringify({ id: 3, kind: 'memory' }));
      const pageMemory = (await again.next()).value.bytes;
      again.worker.terminate();
      return { area: Math.min(...area), views, diff: diffMs, diffError: diff.error ?? null, search: searchMs, searchError: found.error ?? null, memory: Math.max(memory, pageMemory), pageMemory };
    }, { w: workbench, s: scenario, a: after }).catch((e) => ({ error: e.message }));
    if (result.error) {
      console.log(result.error);
      continue;
    }
    const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
    console.log(`Analysis area ${fmt(result.area)} (best of 2; reach ${kb(result.views.reach ?? 0)}, findings ${kb(result.views.findings ?? 0)} of HTML); `
      + `diff ${fmt(result.diff)}${result.diffError ? ` (refused: ${result.diffError.slice(0, 60)}...)` : ''}; `
      + `search ${fmt(result.search)}${result.searchError ? ` (refused: ${result.searchError.slice(0, 60)}...)` : ''}; `
      + `worker memory ${(result.pageMemory / 2 ** 20).toFixed(0)} MB for the area, ${(result.memory / 2 ** 20).toFixed(0)} MB peak (budget 512 MB)`);
  }
  await context.close();
}

/** Compiled verdicts in the page's WebAssembly (an analysis worker, as the replay runs them) on
 * the big stack, and the replay of a generated 1,000,000-tuple NSG flow log against it in the
 * page (files chosen in the Analysis area, read and replayed in the replay worker), with
 * keystrokes in the flow form while it runs. */
async function throughputBench(browser) {
  const scenario = bigStack();
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${url}#v1.${deflateSync(Buffer.from(JSON.stringify(scenario))).toString('base64url')}`);
  await page.getByTestId('verdict').waitFor();
  // (a) Compiled verdicts: a worker of the analysis module, asked directly (bench-only message).
  const verdicts = await page.evaluate(async ({ s, count }) => {
    const worker = new Worker('./analysis-worker_loader.js');
    const answers = [];
    const next = () => new Promise((resolve) => { worker.onmessage = (e) => resolve(JSON.parse(e.data)); });
    await next(); // ready
    for (let run = 0; run < 3; run++) {
      worker.postMessage(JSON.stringify({ id: run + 1, kind: 'verdicts', scenario: s, count }));
      answers.push((await next()).value);
    }
    worker.terminate();
    return answers;
  }, { s: scenario, count: 1_000_000 });
  const rates = verdicts.map((v) => v.verdicts / (v.verifyMs / 1000));
  console.log(`Compiled verdicts in the page (wasm, analysis worker), big stack: median ${(median(rates) / 1e6).toFixed(2)} M verdicts/s `
    + `(runs: ${rates.map((r) => (r / 1e6).toFixed(2)).join(', ')} M/s over ${verdicts[0].verdicts.toLocaleString('en')} flows; `
    + `compile ${verdicts.map((v) => v.compileMs.toFixed(0)).join(', ')} ms; goal >= 1 M/s)`);

  // (b) Replay of a 1,000,000-tuple log, as a user does it: files chosen in the Analysis area.
  const path = join(tmpdir(), 'flowverify-bench-1m.json');
  const size = writeLog(path, { tuples: 1_000_000, distinct: 50_000 });
  await page.getByTestId('analysis').locator('summary').click();
  await page.waitForFunction(() => /^Every flow analysed/.test(document.getElementById('analysis-status').textContent), null, { timeout: 120_000 });
  const replay = async () => {
    await page.evaluate(() => {
      window.__progress = [];
      const bar = document.querySelector('[data-testid=replay-progress]');
      new MutationObserver(() => window.__progress.push([performance.now(), bar.value, bar.max])).observe(bar, { attributes: true });
      window.__replayStart = performance.now();
    });
    await page.getByTestId('replay-files').setInputFiles(path);
  };
  const replayed = async () => {
    await page.waitForFunction(() => /^Replayed [\d,]+ tuples in \d+ ms\.$/.test(document.querySelector('[data-testid=replay-status]').textContent), null, { timeout: 300_000 });
    return page.evaluate(() => ({
      ms: Number(document.querySelector('[data-testid=replay-status]').textContent.match(/in (\d+) ms/)[1]),
      wall: performance.now() - window.__replayStart,
      updates: window.__progress.length,
      summary: document.querySelector('[data-testid=replay-summary]').textContent,
    }));
  };
  const runs = [];
  for (let run = 0; run < 3; run++) {
    await replay();
    runs.push(await replayed());
  }
  const ms = median(runs.map((r) => r.ms));
  console.log(`Replay in the page of a generated 1,000,000-tuple NSG v2 log (${(size / 1048576).toFixed(1)} MB, ~50,000 distinct flows) against the big stack, `
    + `read in the replay worker: median ${fmt(ms)} (runs: ${runs.map((r) => r.ms).join(', ')} ms), ${(1_000_000 / (ms / 1000) / 1e6).toFixed(2)} M tuples/s; `
    + `${runs[0].updates} progress updates on screen`);
  console.log(`    ${runs[0].summary}`);

  // (c) Keystrokes in the flow form while a replay runs.
  await instrument(page);
  await replay();
  await page.waitForTimeout(100);
  await page.getByTestId('flow-local').focus();
  await page.getByTestId('flow-local').press('End');
  const typing = Date.now();
  await type(page, '5', 16);
  const during = await page.evaluate(() => !document.getElementById('replay-run').hidden);
  const typed = Date.now() - typing;
  await replayed();
  const keys = (await page.evaluate(() => window.__keys)).filter((k) => k.target === 'flow-local');
  report(`Keystroke in flow-local while the 1,000,000-tuple log is replayed (${keys.length} keys in ${typed} ms; replay still running after them: ${during})`, keys, 'one frame');
  await context.close();
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ARGS });
try {
  if (ONLY === 'shapes') {
    await shapesBench(browser);
  } else if (ONLY !== 'throughput') {
  // 2. First verdict after navigation (fresh context: empty cache and storage).
  const firsts = [];
  for (let run = 0; run < 5; run++) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.addInitScript(() => {
      new MutationObserver((_, observer) => {
        const v = document.querySelector('[data-testid=verdict]');
        if (v && /^(Allow|Deny)/.test(v.textContent)) {
          window.__firstVerdict = performance.now();
          observer.disconnect();
        }
      }).observe(document, { childList: true, subtree: true, characterData: true });
    });
    await page.goto(url);
    await page.waitForFunction(() => window.__firstVerdict !== undefined);
    firsts.push(await page.evaluate(() => window.__firstVerdict));
    await context.close();
  }
  console.log(`First verdict on screen after navigation: median ${fmt(median(firsts))} (runs: ${firsts.map((t) => t.toFixed(0)).join(', ')} ms; budget 1 s)`);

  // 3. The bare page: what a 357 KB text area costs Chromium alone.
  const bareContext = await browser.newContext();
  const bare = await bareContext.newPage();
  await bare.setContent(BARE);
  const barePaste = await paste(bare, '#slot', text);
  await bare.waitForTimeout(500);
  await instrument(bare);
  await bare.evaluate(() => { const a = document.getElementById('slot'); a.focus(); a.setSelectionRange(a.value.length - 2, a.value.length - 2); });
  await type(bare, 'Space', KEYS);
  await bare.locator('#flow-local').focus();
  await bare.locator('#flow-local').press('End');
  await type(bare, '5', KEYS);
  const bareKeys = await bare.evaluate(() => window.__keys);
  await bareContext.close();

  // 4. The page: paste the NSG into the NIC slot, then type in it and in the flow form.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.getByTestId('verdict').waitFor();
  await page.waitForTimeout(1000); // a user pastes a moment after the page shows
  const pasted = await paste(page, '[data-testid=slot-nic-nsg]', text);
  const status = await page.locator('#slot-nic-nsg-status').textContent();
  console.log(`Paste of a 1,000-rule NSG (${(text.length / 1024).toFixed(0)} KB) into the NIC slot: page script done after ${fmt(pasted.handled)}, on screen after ${fmt(pasted.painted)} (${status.trim()})`);
  console.log(`    bare text area, same paste: value set after ${fmt(barePaste.handled)}, on screen after ${fmt(barePaste.painted)}`);
  await page.waitForTimeout(1000);
  await instrument(page);
  await page.evaluate(() => {
    const area = document.querySelector('[data-testid=slot-nic-nsg]');
    area.focus();
    area.setSelectionRange(area.value.length - 2, area.value.length - 2);
  });
  await type(page, 'Space', KEYS);
  await page.getByTestId('flow-local').focus();
  await page.getByTestId('flow-local').press('End');
  await type(page, '5', KEYS);
  const keys = await page.evaluate(() => window.__keys);
  report('Keystroke in the NIC slot holding the 1,000-rule NSG (re-import, re-evaluate, re-render)', keys.filter((k) => k.target === 'slot-nic-nsg'), 'one frame, 16 ms, to the next frame');
  report('    bare text area holding the same text', bareKeys.filter((k) => k.target === 'slot'));
  report('Keystroke in flow-local with the 1,000-rule NSG loaded (re-evaluate, re-render)', keys.filter((k) => k.target === 'flow-local'), '8 ms');
  report('    bare input', bareKeys.filter((k) => k.target === 'flow-local'));
  await context.close();

  // 5. Every flow at once: the 100 admin + 1,000 subnet NSG + 1,000 NIC NSG rule stack of the
  // engine's benchmark (crates/flowverify/benches/engine.rs, same generator and seed).
  await analysisBench(browser);
  await shapesBench(browser);
  }

  // 6. Compiled verdicts and flow-log replay in the page (the same big stack).
  if (ONLY !== 'shapes') await throughputBench(browser);
} finally {
  await browser.close();
  server.kill();
}
