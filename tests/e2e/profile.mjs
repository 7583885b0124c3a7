// CPU profile of the page's slow paths (a development tool, not part of the tests): pastes a
// 1,000-rule NSG into the NIC slot, then types in that slot and in the flow form, recording a
// Chromium CPU profile of each phase through the DevTools protocol, and prints the functions with
// the most self time and the most total time. Function names are readable with a build that keeps
// them (`CARGO_PROFILE_RELEASE_DEBUG=true` and `data-wasm-opt="0"`).
// Usage: node profile.mjs --dist DIR [--out DIR]   (writes DIR/<phase>.cpuprofile with --out)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const here = fileURLToPath(new URL('.', import.meta.url));
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const dist = resolve(option('dist', join(here, '../../dist')));
const out = option('out', null);
const top = Number(option('top', '25'));

const server = spawn(process.execPath, [join(here, 'serve.mjs'), '--dir', dist, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((ok, fail) => {
  server.stdout.on('data', (d) => { const m = String(d).match(/(http:\/\/127\.0\.0\.1:\d+\/)/); if (m) ok(m[1]); });
  server.on('exit', () => fail(new Error('the static server stopped')));
});

/** Self and total time per function name, from a CDP profile. */
function summarise(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const dt = new Map();
  profile.samples.forEach((id, i) => dt.set(id, (dt.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const self = new Map();
  const total = new Map();
  const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url ? n.callFrame.url.split('/').pop() : ''}`.trim();
  for (const [id, us] of dt) {
    const n = byId.get(id);
    self.set(name(n), (self.get(name(n)) ?? 0) + us);
    const seen = new Set();
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const key = name(byId.get(at));
      if (seen.has(key)) continue;
      seen.add(key);
      total.set(key, (total.get(key) ?? 0) + us);
    }
  }
  const rows = (m) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, us]) => `    ${(us / 1000).toFixed(1).padStart(8)} ms  ${k.slice(0, 150)}`).join('\n');
  return `  self:\n${rows(self)}\n  total:\n${rows(total)}`;
}

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(url);
  await page.getByTestId('verdict').waitFor();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 50 });
  const phase = async (label, run) => {
    await cdp.send('Profiler.start');
    const t0 = Date.now();
    await run();
    const { profile } = await cdp.send('Profiler.stop');
    if (out) writeFileSync(join(out, `${label}.cpuprofile`), JSON.stringify(profile));
    console.log(`${label} (${Date.now() - t0} ms wall):\n${summarise(profile)}`);
  };
  const rules = [];
  for (let i = 0; i < 1000; i++) {
    rules.push({ name: `Allow-${i}`, properties: { priority: 100 + i, access: 'Allow', direction: 'Inbound', protocol: 'Tcp',
      sourceAddressPrefix: `172.16.${i >> 8}.${i & 255}`, sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: String(1000 + i) } });
  }
  const text = JSON.stringify({ name: 'nsg-big', type: 'Microsoft.Network/networkSecurityGroups', properties: { securityRules: rules } }, null, 2);
  await phase('paste', () => page.evaluate(async (content) => {
    const area = document.querySelector('[data-testid=slot-nic-nsg]');
    area.value = content;
    area.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  }, text));
  await page.waitForTimeout(1000);
  // The same paste again, with every rule renamed: what a paste costs once the code is warm.
  const again = text.replace(/"Allow-/g, '"Permit-');
  await phase('paste-again', () => page.evaluate(async (content) => {
    const area = document.querySelector('[data-testid=slot-nic-nsg]');
    area.value = content;
    area.dispatchEvent(new Event('input', { bubbles: true }));
    await new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)));
  }, again));
  await page.waitForTimeout(1000);
  await page.evaluate(() => {
    const area = document.querySelector('[data-testid=slot-nic-nsg]');
    area.focus();
    area.setSelectionRange(area.value.length - 2, area.value.length - 2);
  });
  await phase('slot-keys', async () => {
    for (let k = 0; k < 20; k++) {
      await page.keyboard.press(k % 2 ? 'Backspace' : 'Space');
      await page.waitForTimeout(60);
    }
  });
  await page.waitForTimeout(1000);
  await page.getByTestId('flow-local').focus();
  await page.getByTestId('flow-local').press('End');
  await phase('flow-keys', async () => {
    for (let k = 0; k < 20; k++) {
      await page.keyboard.press(k % 2 ? 'Backspace' : '5');
      await page.waitForTimeout(60);
    }
  });
  await context.close();
} finally {
  await browser.close();
  server.kill();
}
