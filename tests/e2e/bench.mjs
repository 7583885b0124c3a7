// Page measurements (printed, not asserted): transfer size of the release build, time to the
// first verdict in headless Chromium, and keystroke-to-render time with a 1,000-rule NSG.
// Usage: node bench.mjs [--dist ../../dist]   (starts its own static server on 127.0.0.1)
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';

const here = fileURLToPath(new URL('.', import.meta.url));
const at = process.argv.indexOf('--dist');
const dist = resolve(here, at > 0 ? process.argv[at + 1] : '../../dist');
const ARGS = ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
  '--no-first-run', '--disable-quic'];
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (ms) => `${ms.toFixed(1)} ms`;

// 1. Transfer size.
let total = 0;
console.log('Release transfer size (gzip -9):');
for (const name of readdirSync(dist).filter((n) => /\.(wasm|js|css)$/.test(n)).sort()) {
  const raw = readFileSync(join(dist, name));
  const gz = gzipSync(raw, { level: 9 }).length;
  if (!['sw.js'].includes(name)) total += gz;
  console.log(`  ${name.padEnd(48)} ${String(raw.length).padStart(8)} B raw ${String(gz).padStart(8)} B gzip`);
}
console.log(`  total .wasm + .js + .css (page load): ${(total / 1024).toFixed(1)} KB gzip (budget 350 KB, aim 250 KB)`);

// A static server for dist/.
const server = spawn(process.execPath, [join(here, 'serve.mjs'), '--dir', dist, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((ok, fail) => {
  server.stdout.on('data', (d) => { const m = String(d).match(/(http:\/\/127\.0\.0\.1:\d+\/)/); if (m) ok(m[1]); });
  server.on('exit', () => fail(new Error('the static server stopped')));
});

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ARGS });
try {
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

  // 3. Keystrokes with a 1,000-rule NSG in the NIC slot.
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.getByTestId('verdict').waitFor();
  const rules = [];
  for (let i = 0; i < 1000; i++) {
    rules.push({ name: `Allow-${i}`, properties: { priority: 100 + i, access: 'Allow', direction: 'Inbound', protocol: 'Tcp',
      sourceAddressPrefix: `172.16.${i >> 8}.${i & 255}`, sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: String(1000 + i) } });
  }
  const text = JSON.stringify({ name: 'nsg-big', type: 'Microsoft.Network/networkSecurityGroups', properties: { securityRules: rules } }, null, 2);
  const pasted = await page.evaluate(async (content) => {
    const area = document.querySelector('[data-testid=slot-nic-nsg]');
    const t0 = performance.now();
    area.value = content;
    area.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((r) => setTimeout(r, 0));
    const handled = performance.now() - t0;
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
    return { handled, painted: performance.now() - t0, status: document.querySelector('#slot-nic-nsg-status').textContent };
  }, text);
  console.log(`Paste of a 1,000-rule NSG (${(text.length / 1024).toFixed(0)} KB): evaluated in ${fmt(pasted.handled)}, on screen in ${fmt(pasted.painted)} (${pasted.status.trim()})`);
  await page.evaluate(() => {
    // For each keystroke: from the start of the input event (before the page's own handler) to
    // the end of the work it triggers (the handler, the reactive updates run as microtasks, then
    // the style and layout of the changed page, forced here), and to the next frame.
    window.__keys = [];
    const channel = new MessageChannel();
    let pending = null;
    channel.port1.onmessage = () => {
      const p = pending;
      pending = null;
      if (!p) return;
      const script = performance.now() - p.start;
      document.body.offsetHeight;
      const rendered = performance.now() - p.start;
      requestAnimationFrame(() => setTimeout(() => window.__keys.push({ target: p.target, script, rendered, frame: performance.now() - p.start }), 0));
    };
    window.addEventListener('input', (e) => {
      pending = { target: e.target.id, start: performance.now() };
      channel.port2.postMessage(0);
    }, { capture: true });
    const area = document.querySelector('[data-testid=slot-nic-nsg]');
    area.focus();
    area.setSelectionRange(area.value.length - 2, area.value.length - 2);
  });
  for (let k = 0; k < 20; k++) {
    await page.keyboard.press(k % 2 ? 'Backspace' : 'Space');
    await page.waitForTimeout(60);
  }
  await page.getByTestId('flow-local').focus();
  await page.getByTestId('flow-local').press('End');
  for (let k = 0; k < 20; k++) {
    await page.keyboard.press(k % 2 ? 'Backspace' : '5');
    await page.waitForTimeout(60);
  }
  const keys = await page.evaluate(() => window.__keys);
  for (const target of ['slot-nic-nsg', 'flow-local']) {
    const xs = keys.filter((k) => k.target === target);
    const rendered = xs.map((k) => k.rendered);
    console.log(`Keystroke in ${target}, 1,000-rule NSG loaded: re-evaluated and re-rendered (DOM, style, layout) in median ${fmt(median(rendered))} (script ${fmt(median(xs.map((k) => k.script)))}), max ${fmt(Math.max(...rendered))}; next frame after median ${fmt(median(xs.map((k) => k.frame)))} (budget: one frame, 16 ms)`);
  }
  await context.close();
} finally {
  await browser.close();
  server.kill();
}
