// Flow logs replayed in the page (docs/formats.md, Replay object and The page's test hooks,
// Replay): the Analysis area's "Replay flow logs" reads Azure's documented sample logs
// (crates/flowverify/tests/data/flowlogs) in a Web Worker and shows what the current rules
// decide for that traffic, by change and deciding rule; with a baseline, what the change does to
// it; Cancel stops a big replay; and window.flowverify.replay answers the command line's JSON.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect, azNsg, openAnalysis, analysisTab, showVerdict } from './fixtures.mjs';
import { writeLog } from '../flowlog.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const LOGS = join(root, 'crates/flowverify/tests/data/flowlogs');
const V1 = join(LOGS, 'nsg-v1.json');
const V2 = join(LOGS, 'nsg-v2.json');

/** The VM's NIC NSG: RDP from the office only, Tcp 8088 opened, Https out denied. The logs
 * (Azure's samples) have RDP from everywhere allowed, 8088 denied and Https out allowed. */
const NIC = azNsg('nsg-vm', [
  { name: 'AllowRdpFromOffice', priority: 100, access: 'Allow', dport: '3389', src: '192.0.2.0/24' },
  { name: 'AllowAltHttp', priority: 110, access: 'Allow', dport: '8088' },
  { name: 'DenyHttpsOut', priority: 120, access: 'Deny', dport: '443', direction: 'Outbound' },
]);
/** What it was: RDP from anywhere, 8088 opened, Https out as Azure's default allows it. */
const BEFORE = azNsg('nsg-vm', [
  { name: 'AllowRdp', priority: 100, access: 'Allow', dport: '3389' },
  { name: 'AllowAltHttp', priority: 110, access: 'Allow', dport: '8088' },
]);

const SCENARIO = {
  version: 1,
  title: 'Replay',
  nicNsg: NIC,
  virtualNetwork: ['10.0.0.0/8'],
  flows: [{ direction: 'Inbound', protocol: 'Tcp', local: '10.1.0.4:3389', remote: '192.0.2.17:61771' }],
};

/** Opens `scenario` and the Analysis area, waiting for its first analysis. */
async function open(page, scenario = SCENARIO) {
  await openAnalysis(page, scenario);
  await expect(page.getByTestId('verdict')).toHaveText(/^Allow/);
  await analysisTab(page, 'Replay');
}

// The figures, by hand and checked with `flowverify replay --json` on the same inputs:
// nsg-v1 (12 tuples, 12 flows): 4 RDP flows from outside 192.0.2.0/24 newly denied, the rest
// unchanged; nsg-v2 (11 tuples, 11 flows): 4 Https flows out newly denied (83 packets,
// 46,661 bytes), 3 flows to 8088 newly allowed, 4 unchanged.
const SUMMARY = '2 files replayed against the current inputs: 23 tuples, 23 flows: 12 unchanged, 8 newly denied, 3 newly allowed, 0 not verifiable.';

test('replaying the sample logs shows the figures, a row per change and rule, and loads an example', async ({ page }) => {
  await open(page);
  await page.getByTestId('replay-files').setInputFiles([V2, V1]);
  await expect(page.getByTestId('replay-summary')).toHaveText(SUMMARY);
  await expect(page.getByTestId('replay-status')).toHaveText(/^Replayed 23 tuples in \d+ ms\.$/);
  await expect(page.getByTestId('replay-progress')).toBeHidden();
  // Azure's caveats about NSG flow logs, from the engine.
  await expect(page.getByTestId('replay-notes')).toContainText('an allowed flow only in the last NSG that processed it');
  await expect(page.getByTestId('replay-notes')).toContainText('statelessly');
  const rows = page.getByTestId('replay-group');
  await expect(rows).toHaveCount(3);
  await expect(rows.nth(0)).toContainText(/^defaultSecurityRules\/DenyAllInBound \(NIC NSG nsg-vm\)\s*4\s*0\s*0/);
  await expect(rows.nth(1)).toContainText(/^securityRules\/DenyHttpsOut \(NIC NSG nsg-vm\)\s*4\s*83\s*46,661/);
  await expect(rows.nth(2)).toContainText(/^securityRules\/AllowAltHttp \(NIC NSG nsg-vm\)\s*3\s*0\s*0/);
  await expect(page.locator('.replay-view h5')).toHaveText([
    'Newly denied: 8 flows (allowed in the logs, Deny now)',
    'Newly allowed: 3 flows (denied in the logs, Allow now)',
  ]);
  // Each group lists its examples (up to 5), the heaviest first; one click loads one.
  await expect(rows.nth(1).getByRole('button')).toHaveCount(4);
  await expect(rows.nth(0).getByRole('button')).toHaveCount(4);
  const heaviest = rows.nth(1).getByRole('button').first();
  await expect(heaviest).toHaveText('Outbound Tcp 10.5.16.4:44931 → 203.0.113.115:443');
  await heaviest.click();
  await expect(page.getByTestId('flow-direction')).toHaveValue('Outbound');
  await expect(page.getByTestId('flow-local')).toHaveValue('10.5.16.4:44931');
  await expect(page.getByTestId('flow-remote')).toHaveValue('203.0.113.115:443');
  await expect(page.getByTestId('verdict')).toHaveText(/^Deny/);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/DenyHttpsOut');
  await analysisTab(page, 'Replay');
  await rows.nth(2).getByRole('button').first().click();
  await expect(page.getByTestId('verdict')).toHaveText(/^Allow/);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/AllowAltHttp');
});

test('with a baseline, the replay shows what the change does to the logged traffic; a change of the inputs replays again', async ({ page }) => {
  await open(page, { ...SCENARIO, nicNsg: BEFORE });
  await analysisTab(page, 'Compare');
  await page.getByTestId('set-baseline').click();
  await expect(page.getByTestId('compare-changes')).toHaveText(/No change since the baseline/);
  // The change request: RDP from the office only, Https out denied.
  await page.getByTestId('slot-nic-nsg').fill(JSON.stringify(NIC, null, 2));
  await expect(page.getByTestId('change').first()).toBeVisible();
  await analysisTab(page, 'Replay');
  await page.getByTestId('replay-files').setInputFiles([V1, V2]);
  await expect(page.getByTestId('replay-summary')).toHaveText(SUMMARY);
  await expect(page.getByTestId('replay-compare-summary')).toHaveText(
    'Of 23 flows, 8 change access: 8 newly denied (the baseline allows them), 0 newly allowed (the baseline denies them); 15 keep their access, 0 not verifiable.',
  );
  const changed = page.getByTestId('replay-compare-group');
  await expect(changed).toHaveCount(2);
  await expect(changed.nth(0)).toContainText(/^defaultSecurityRules\/DenyAllInBound \(NIC NSG nsg-vm\)\s*4/);
  await expect(changed.nth(1)).toContainText(/^securityRules\/DenyHttpsOut \(NIC NSG nsg-vm\)\s*4\s*83\s*46,661/);
  await expect(page.getByTestId('replay-compare').locator('h5')).toHaveText(['Newly denied: 8 flows (allowed in the baseline, Deny now)']);
  // Back to the baseline's rules: the same logs, verified again at once, change nothing.
  await page.getByTestId('slot-nic-nsg').fill(JSON.stringify(BEFORE, null, 2));
  await expect(page.getByTestId('replay-compare-summary')).toHaveText(/^Of 23 flows, 0 change access/);
  await expect(page.getByTestId('replay-compare')).toContainText('No logged flow changes access');
  await expect(page.getByTestId('replay-summary')).toHaveText(
    '2 files replayed against the current inputs: 23 tuples, 23 flows: 20 unchanged, 0 newly denied, 3 newly allowed, 0 not verifiable.',
  );
});

test('a folder dropped is read whole, its *.json files in path order; a bad tuple is the engine\'s error', async ({ page }) => {
  await open(page);
  // Drop a folder (a DataTransfer built in the page, with the entries a real drop carries).
  const texts = { v1: readFileSync(V1, 'utf8'), v2: readFileSync(V2, 'utf8') };
  await page.evaluate(({ v1, v2 }) => {
    const file = (name, text) => new File([text], name, { type: 'application/json' });
    const entryOf = (path, value) => value instanceof File
      ? { isFile: true, isDirectory: false, fullPath: path, file: (ok) => ok(value) }
      : {
        isFile: false, isDirectory: true, fullPath: path,
        createReader: () => {
          let given = false;
          return { readEntries: (ok) => { ok(given ? [] : Object.entries(value).map(([n, v]) => entryOf(`${path}/${n}`, v))); given = true; } };
        },
      };
    const tree = { 'y=2024': { 'm=01': { 'PT1H.json': file('PT1H.json', v1) }, 'm=02': { 'PT1H.json': file('PT1H.json', v2), 'notes.txt': file('notes.txt', 'not a log') } } };
    const item = { kind: 'file', webkitGetAsEntry: () => entryOf('/insights-logs', tree) };
    const event = new DragEvent('drop', { bubbles: true, cancelable: true });
    Object.defineProperty(event, 'dataTransfer', { value: { items: Object.assign([item], { length: 1 }), files: [] } });
    document.querySelector('[data-testid=replay-drop]').dispatchEvent(event);
  }, texts);
  await expect(page.getByTestId('replay-summary')).toHaveText(SUMMARY);
  // A malformed tuple: the engine's error names the file, the record and the tuple.
  const dir = mkdtempSync(join(tmpdir(), 'flowverify-replay-'));
  const bad = join(dir, 'PT1H.json');
  writeFileSync(bad, texts.v2.replace('59336,T,I,D,B', '59336,T,X,D,B'));
  await page.getByTestId('replay-files').setInputFiles(bad);
  await expect(page.getByTestId('replay-error')).toContainText(
    "PT1H.json: records[0].properties.flows[0].flows[0].flowTuples[1]: tuple '1542110424,203.0.113.10,10.5.16.4,56509,59336,T,X,D,B,,,,': direction 'X' is not I (inbound) or O (outbound)",
  );
  await expect(page.getByTestId('replay-status')).toContainText('stopped on an error');
  // Nothing else was lost: the inputs and the flow are as they were.
  await expect(page.getByTestId('slot-nic-nsg')).toHaveValue(/AllowRdpFromOffice/);
  await expect(page.getByTestId('verdict')).toHaveText(/^Allow/);
});

test('Cancel stops a big replay; the page answers meanwhile', async ({ page }) => {
  test.setTimeout(120_000);
  // About 95 MB, 1,500,000 tuples: a few seconds of replay, long enough to act during it.
  const dir = mkdtempSync(join(tmpdir(), 'flowverify-replay-'));
  const big = join(dir, 'PT1H.json');
  const size = writeLog(big, { tuples: 1_500_000, distinct: 50_000 });
  await open(page);
  await page.getByTestId('replay-files').setInputFiles(big);
  const progress = page.getByTestId('replay-progress');
  await expect(progress).toBeVisible();
  await expect.poll(() => progress.evaluate((p) => p.value), { timeout: 20_000 }).toBeGreaterThan(0);
  expect(await progress.evaluate((p) => p.max)).toBe(size);
  await page.getByTestId('replay-cancel').click();
  await expect(page.getByTestId('replay-status')).toHaveText(/^Replay cancelled/);
  await expect(progress).toBeHidden();
  await expect(page.getByTestId('replay-summary')).toHaveCount(0);
  // The flow form answers while the worker replays (a second replay of the big log; it may
  // end before the verdict shows on a fast machine, so only its start is asserted).
  await page.getByTestId('replay-files').setInputFiles(big);
  await expect(progress).toBeVisible();
  await expect(page.getByTestId('replay-status')).toHaveText(/^Replaying 1 file/);
  await showVerdict(page);
  await page.getByTestId('flow-local').fill('10.1.0.4:8088');
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/AllowAltHttp');
  await analysisTab(page, 'Replay');
  // A new replay supersedes the one running: its worker is stopped, a fresh one starts.
  await page.getByTestId('replay-files').setInputFiles([V1, V2]);
  await expect(page.getByTestId('replay-summary')).toHaveText(SUMMARY);
});

/** The command line's JSON for `args` (the built binary, or cargo). */
function cli(args) {
  const built = ['target/release/flowverify', 'target/debug/flowverify'].map((p) => join(root, p)).find(existsSync);
  const [command, prefix] = built ? [built, []] : ['cargo', ['run', '-q', '-p', 'flowverify-cli', '--']];
  const run = spawnSync(command, [...prefix, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status === 2 || run.error) throw new Error(`flowverify ${args.join(' ')}: ${run.stderr || run.error}`);
  return JSON.parse(run.stdout);
}

test('window.flowverify.replay returns the replay object, as the command line does', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('verdict')).toBeVisible();
  const logs = [readFileSync(V1, 'utf8'), readFileSync(V2, 'utf8')];
  const answer = await page.evaluate(({ s, logs }) => window.flowverify.replay(s, logs), { s: SCENARIO, logs });
  expect(answer).toMatchObject({ tuples: 23, flows: 23, unchanged: 12, newlyDenied: 8, newlyAllowed: 3, notVerifiable: 0 });
  expect(answer.groups.map((g) => [g.change, g.ruleName, g.decidedBy, g.flows, g.packets, g.bytes])).toEqual([
    ['newlyDenied', 'defaultSecurityRules/DenyAllInBound', { layer: 'nic', resource: 'nsg-vm' }, 4, 0, 0],
    ['newlyDenied', 'securityRules/DenyHttpsOut', { layer: 'nic', resource: 'nsg-vm' }, 4, 83, 46661],
    ['newlyAllowed', 'securityRules/AllowAltHttp', { layer: 'nic', resource: 'nsg-vm' }, 3, 0, 0],
  ]);
  expect(answer.groups[1].examples[0]).toEqual({ direction: 'Outbound', protocol: 'Tcp', local: '10.5.16.4:44931', remote: '203.0.113.115:443' });
  const dir = mkdtempSync(join(tmpdir(), 'flowverify-replay-'));
  const scenario = join(dir, 'scenario.json');
  writeFileSync(scenario, JSON.stringify(SCENARIO));
  expect(answer).toEqual(cli(['replay', '--scenario', scenario, V1, V2, '--json']));
  // Errors reject with the engine's text.
  const errors = await page.evaluate(async ({ s, log }) => {
    const message = (p) => p.then(() => 'no error', (e) => `${e instanceof Error} ${e.message}`);
    return [
      await message(window.flowverify.replay(s, [log.replace('59336,T,I,D,B', '59336,T,X,D,B')])),
      await message(window.flowverify.replay(s, 'not a list')),
    ];
  }, { s: SCENARIO, log: logs[1] });
  expect(errors[0]).toMatch(/^true logs\[0\]: records\[0\]\.properties\.flows\[0\]\.flows\[0\]\.flowTuples\[1\]: tuple '.*': direction 'X'/);
  expect(errors[1]).toBe("true logs: an array of the log files' texts (strings)");
});
