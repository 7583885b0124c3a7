// Chromium performance trace of keystrokes with a 1,000-rule NSG loaded (a development tool, not
// part of the tests): where a keystroke's time goes on the renderer's main thread (script, style,
// layout, paint), per keystroke, for the NIC slot or the flow form, on the page or on a bare page
// with the same text in a lone text area.
// Usage: node trace.mjs [--dist DIR] [--target slot|flow] [--bare] [--css 'extra CSS to try']
//                       [--out trace.json]   (the trace opens in Chromium's DevTools, Performance)
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from '@playwright/test';

const here = fileURLToPath(new URL('.', import.meta.url));
const option = (name, fallback) => {
  const at = process.argv.indexOf(`--${name}`);
  return at > 0 ? process.argv[at + 1] : fallback;
};
const dist = resolve(option('dist', join(here, '../../dist')));
const target = option('target', 'flow');
const out = option('out', join(tmpdir(), 'flowverify-trace.json'));
const bare = process.argv.includes('--bare');
const KEYS = 20;

const server = spawn(process.execPath, [join(here, 'serve.mjs'), '--dir', dist, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((ok, fail) => {
  server.stdout.on('data', (d) => { const m = String(d).match(/(http:\/\/127\.0\.0\.1:\d+\/)/); if (m) ok(m[1]); });
  server.on('exit', () => fail(new Error('the static server stopped')));
});
const rules = [];
for (let i = 0; i < 1000; i++) {
  rules.push({ name: `Allow-${i}`, properties: { priority: 100 + i, access: 'Allow', direction: 'Inbound', protocol: 'Tcp',
    sourceAddressPrefix: `172.16.${i >> 8}.${i & 255}`, sourcePortRange: '*', destinationAddressPrefix: '*', destinationPortRange: String(1000 + i) } });
}
const text = JSON.stringify({ name: 'nsg-big', type: 'Microsoft.Network/networkSecurityGroups', properties: { securityRules: rules } }, null, 2);

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
try {
  // bypassCSP: --css injects a style element, which the page's policy would refuse.
  const page = await (await browser.newContext({ bypassCSP: true })).newPage();
  const slot = bare ? '#slot-nic-nsg' : '[data-testid=slot-nic-nsg]';
  if (bare) {
    await page.setContent('<!doctype html><textarea id="slot-nic-nsg" rows="6" wrap="off" spellcheck="false" style="width:34rem;font:13px monospace"></textarea><input id="flow-local" value="10.0.1.4:443">');
  } else {
    await page.goto(url);
    await page.getByTestId('verdict').waitFor();
  }
  await page.evaluate(({ slot, text }) => {
    const area = document.querySelector(slot);
    area.value = text;
    area.dispatchEvent(new Event('input', { bubbles: true }));
  }, { slot, text });
  if (option('css', null)) await page.addStyleTag({ content: option('css', '') });
  await page.waitForTimeout(1500);
  if (target === 'slot') {
    await page.evaluate((slot) => { const a = document.querySelector(slot); a.focus(); a.setSelectionRange(a.value.length - 2, a.value.length - 2); }, slot);
  } else {
    await page.locator('#flow-local').focus();
    await page.locator('#flow-local').press('End');
  }
  await page.waitForTimeout(500);
  await browser.startTracing(page, { path: out, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'v8.execute'] });
  for (let k = 0; k < KEYS; k++) {
    await page.keyboard.press(k % 2 ? 'Backspace' : (target === 'slot' ? 'Space' : '5'));
    await page.waitForTimeout(60);
  }
  await browser.stopTracing();
} finally {
  await browser.close();
  server.kill();
}

// Per keystroke, on the renderer's main thread.
const trace = JSON.parse(readFileSync(out, 'utf8'));
const events = trace.traceEvents ?? trace;
const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
const onMain = (e) => e.tid === main.tid && e.pid === main.pid && e.ph === 'X';
const per = (name) => events.filter((e) => onMain(e) && e.name === name).reduce((sum, e) => sum + e.dur, 0) / 1000 / KEYS;
const ms = (x) => `${x.toFixed(1)} ms`;
const layouts = events.filter((e) => onMain(e) && e.name === 'Layout').map((e) => e.args?.beginData?.dirtyObjects);
console.log(`${bare ? 'bare page' : 'page'}, keystrokes in ${target}, per keystroke: tasks ${ms(per('RunTask'))}`
  + ` (script ${ms(per('FunctionCall') + per('RunMicrotasks'))}, style ${ms(per('UpdateLayoutTree'))}, layout ${ms(per('Layout'))},`
  + ` pre-paint ${ms(per('PrePaint'))}, paint ${ms(per('Paint'))}; frame updates ${ms(per('WebFrameWidgetImpl::UpdateLifecycle'))});`
  + ` objects laid out: ${layouts.slice(0, 6).join(', ')} …\ntrace: ${out}`);
