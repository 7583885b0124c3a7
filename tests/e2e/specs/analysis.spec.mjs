// The Analysis area (every flow at once; docs/formats.md, The page's test hooks and The page's
// script interface): reachability, findings, search and the comparison with a baseline,
// computed in a Web Worker loaded when the area is first opened; and
// window.flowverify.reach/search/lint/diff, compared with the command line's JSON on the same
// scenario.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { test, expect, azNsg, openAnalysis, analysisTab, showAnalysis, permalink } from './fixtures.mjs';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');

/** SSH open to everyone (an exposure) before a rule that would deny it from the Internet (shadowed). */
function nsg(sshAccess = 'Allow') {
  return azNsg('nsg-a', [
    { name: 'AllowSsh', priority: 100, access: sshAccess, dport: '22' },
    { name: 'DenySshFromInternet', priority: 200, access: 'Deny', dport: '22', src: 'Internet' },
    { name: 'AllowHttps', priority: 300, access: 'Allow', dport: '443', src: 'Internet' },
  ]);
}

const SCENARIO = {
  version: 1,
  title: 'Analysis',
  subnetNsg: nsg(),
  virtualNetwork: ['10.0.0.0/16'],
  flows: [{ direction: 'Inbound', protocol: 'Tcp', local: '10.0.1.4:443', remote: '203.0.113.7:50000' }],
};

/** Opens `scenario` and the Analysis area, waiting for its first analysis. */
const analyse = (page, scenario = SCENARIO) => openAnalysis(page, scenario);

test('the worker is not part of the first load; the first load stays within 350 KB gzip', async ({ page }) => {
  const loaded = new Map();
  page.on('response', async (r) => {
    // The page's own requests (not the service worker's precaching), each file once.
    if (r.request().serviceWorker() || r.request().resourceType() === 'document') return;
    const body = await r.body().catch(() => Buffer.alloc(0));
    loaded.set(r.url(), body);
  });
  await page.goto('/');
  await expect(page.getByTestId('verdict')).toBeVisible();
  await page.waitForLoadState('networkidle');
  const page_files = [...loaded].map(([url, body]) => ({ url, body }))
    .filter((f) => /\.(wasm|js|css)$/.test(new URL(f.url).pathname) && !f.url.endsWith('/sw.js'));
  expect(page_files.map((f) => f.url).filter((u) => /analysis/.test(u))).toEqual([]);
  const gzip = page_files.reduce((sum, f) => sum + gzipSync(f.body, { level: 9 }).length, 0);
  // Opening the Analysis area loads the worker.
  const worker = page.waitForResponse((r) => r.url().includes('analysis-worker_bg.wasm'));
  await showAnalysis(page);
  await worker;
  await expect(page.getByTestId('analysis-status')).toHaveText(/^Every flow analysed/, { timeout: 20_000 });
  expect(gzip / 1024, 'first-load transfer in KB (gzip -9)').toBeLessThanOrEqual(350);
});

test('reachability lists every flow of the VM by deciding rule, the rule once per group; a row loads its example', async ({ page }) => {
  await analyse(page);
  // The flows list gives the VM's address (there is no network interface document).
  await expect(page.getByTestId('reach-heading')).toHaveText('Flows of 10.0.1.4 (the local address of the flows)');
  await analysisTab(page, 'Reachability');
  const rows = page.getByTestId('reach-row');
  const ssh = rows.and(page.locator('[data-rule="securityRules/AllowSsh"][data-access=Allow]'));
  await expect(ssh).toHaveCount(1);
  await expect(ssh).toHaveText(/^Allow\s*Tcp\s*22\s*any\s*10\.0\.1\.4\s*securityRules\/AllowSsh\s*subnet NSG nsg-a\s*Load$/);
  await expect(rows.and(page.locator('[data-rule="securityRules/AllowHttps"]'))).toHaveText(/^Allow\s*Tcp\s*443\s*Internet\s*10\.0\.1\.4\s*securityRules\/AllowHttps/);
  // The default rule's group: several rows, the rule named on the first only.
  const deny = rows.and(page.locator('[data-rule="defaultSecurityRules/DenyAllInBound"]'));
  expect(await deny.count()).toBeGreaterThan(1);
  await expect(deny.first()).toContainText('defaultSecurityRules/DenyAllInBound');
  await expect(deny.nth(1)).not.toContainText('defaultSecurityRules/DenyAllInBound');
  await expect(page.locator('#analysis-reach h4')).toHaveText([/^Inbound: \d+ verdicts$/, /^Outbound: \d+ verdicts$/]);
  await ssh.getByRole('button', { name: /^Load/ }).click();
  // Loading shows the flow and its verdict (their tab at a laptop's width).
  await expect(page.getByTestId('verdict')).toBeVisible();
  await expect(page.getByTestId('flow-local')).toHaveValue(/:22$/);
  await expect(page.getByTestId('verdict')).toHaveText(/^Allow/);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/AllowSsh');
  // The flow without an expectation was replaced, not added to.
  await expect(page.getByTestId('flow-row')).toHaveCount(1);
});

test('a long group shows five rows, the next ones on request, and the rest in Search', async ({ page }) => {
  // Twelve rules on distinct ports before the default deny: its group has many sets of flows.
  const rules = Array.from({ length: 12 }, (_, i) => ({
    name: `AllowPort${i}`, priority: 100 + i, access: 'Allow', dport: String(1000 + 10 * i), src: `10.9.${i}.0/24`,
  }));
  await analyse(page, { ...SCENARIO, subnetNsg: azNsg('nsg-many', rules) });
  await analysisTab(page, 'Reachability');
  const deny = page.locator('[data-testid=reach-row][data-rule="defaultSecurityRules/DenyAllInBound"]');
  const visible = deny.filter({ visible: true });
  await expect(visible).toHaveCount(5);
  const group = page.locator('#analysis-reach tbody.reach-group.deny').first();
  const more = group.getByRole('button', { name: /^Show \d+ more$/ });
  const count = Number((await more.textContent()).match(/\d+/)[0]);
  await more.click();
  await expect(more).toHaveAttribute('aria-expanded', 'true');
  await expect(visible).toHaveCount(5 + count);
  await more.click();
  await expect(visible).toHaveCount(5);
  // The rest: the rule's flows in Search.
  await group.getByRole('button', { name: 'Search them all' }).click();
  await expect(page.getByTestId('analysis-tab').and(page.locator('[aria-selected=true]'))).toHaveText('Search');
  await expect(page.getByTestId('search-rule')).toHaveValue('defaultSecurityRules/DenyAllInBound');
  await expect(page.getByTestId('search-result')).toContainText(/^Found: Deny Inbound .* · defaultSecurityRules\/DenyAllInBound/);
});

test('findings come the most serious first with their fix; an example shows the rule in the trace', async ({ page }) => {
  await analyse(page);
  await analysisTab(page, 'Findings');
  const findings = page.getByTestId('finding');
  await expect(findings.first()).toHaveAttribute('data-kind', 'exposure');
  const shadowed = findings.and(page.locator('[data-kind=shadowed]'));
  await expect(shadowed).toHaveCount(1);
  await expect(shadowed).toContainText(/^conflict\s*securityRules\/DenySshFromInternet\s*Inbound · subnet NSG nsg-a/);
  await expect(shadowed).toContainText('Move securityRules/DenySshFromInternet above securityRules/AllowSsh');
  const exposure = findings.and(page.locator('[data-kind=exposure]')).filter({ hasText: 'Tcp 22' });
  await expect(exposure).toHaveCount(1);
  await exposure.getByRole('button', { name: /^Show in the trace/ }).click();
  await expect(page.getByTestId('flow-local')).toHaveValue(/:22$/);
  await expect(page.getByTestId('verdict')).toHaveText(/^Allow/);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/AllowSsh');
  await expect(page.locator('[data-testid=trace] tr.spotlight')).toContainText('securityRules/AllowSsh');
  // A shadowed rule's link loads one of its own flows (Tcp 22 from the Internet): the rule
  // that shadows it decides, and the trace marks that one.
  await page.getByTestId('flow-local').fill('10.0.1.4:443');
  await analysisTab(page, 'Findings');
  await shadowed.getByRole('button', { name: /^Show in the trace/ }).click();
  await expect(page.getByTestId('flow-local')).toHaveValue(/:22$/);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/AllowSsh');
  await expect(page.locator('[data-testid=trace] tr.spotlight')).toHaveCount(1);
  await expect(page.locator('[data-testid=trace] tr.spotlight')).toContainText('securityRules/AllowSsh');
});

test('search finds a flow with the wanted verdict, or proves that none exists', async ({ page }) => {
  await analyse(page);
  await analysisTab(page, 'Search');
  await page.getByTestId('search-protocol').selectOption('Tcp');
  await page.getByTestId('search-source').fill('Internet');
  await page.getByTestId('search-destination-port').fill('22');
  await page.getByTestId('search-access').selectOption('Deny');
  await page.getByTestId('search-submit').click();
  await expect(page.getByTestId('search-result')).toHaveText(
    'None: no inbound flow of the query is denied; the search covers every flow, so this is a proof.',
  );
  await page.getByTestId('search-access').selectOption('Allow');
  await page.getByTestId('search-submit').click();
  const found = page.getByTestId('search-result');
  await expect(found).toContainText(/^Found: Allow Inbound Tcp local \S+:22 remote \S+ · securityRules\/AllowSsh \(subnet NSG nsg-a\)/);
  await found.getByRole('button', { name: /^Load/ }).click();
  await expect(page.getByTestId('flow-local')).toHaveValue(/:22$/);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/AllowSsh');
  // A query that cannot be read says why.
  await analysisTab(page, 'Search');
  await page.getByTestId('search-source').fill('10.0.0.300');
  await page.getByTestId('search-submit').click();
  await expect(page.getByTestId('search-error')).toContainText("query.source: '10.0.0.300'");
});

test('set as baseline, change a rule: the change shows both verdicts; a link with the baseline opens on Compare', async ({ page, browser }) => {
  await analyse(page);
  await analysisTab(page, 'Compare');
  await expect(page.getByTestId('compare-changes')).toHaveCount(0);
  await page.getByTestId('set-baseline').click();
  await expect(page.getByTestId('compare-changes')).toHaveText(/No change since the baseline/);
  // The change request: SSH denied instead of allowed.
  const slot = page.getByTestId('slot-subnet-nsg');
  await slot.fill((await slot.inputValue()).replace('"access": "Allow"', '"access": "Deny"'));
  const change = page.getByTestId('change');
  await expect(change.first()).toContainText(
    'Inbound: was Allow by securityRules/AllowSsh (subnet NSG nsg-a), now Deny by securityRules/AllowSsh (subnet NSG nsg-a)',
  );
  await change.first().getByRole('button', { name: /^Load/ }).click();
  await expect(page.getByTestId('verdict')).toHaveText(/^Deny/);
  // The baseline travels in the permalink...
  await page.getByTestId('share-link').click();
  const url = await page.getByTestId('share-url').inputValue();
  const decoded = await page.evaluate((link) => window.flowverify.decodePermalink(link), url);
  expect(decoded.baseline.subnetNsg.securityRules[0].access).toBe('Allow');
  expect(decoded.subnetNsg.securityRules[0].access).toBe('Deny');
  // ... and the link opens on the comparison (the area open, its Compare tab chosen).
  for (const width of [1280, 390]) {
    const context = await browser.newContext({ viewport: { width, height: 900 } });
    const other = await context.newPage();
    await other.goto(url);
    await expect(other.getByTestId('change').first()).toBeVisible({ timeout: 20_000 });
    await expect(other.getByTestId('change').first()).toContainText('was Allow by securityRules/AllowSsh');
    await expect(other.getByTestId('analysis-tab').and(other.locator('[aria-selected=true]'))).toHaveText('Compare');
    await context.close();
  }
  // ... also when pasted into the address bar of the page already open.
  await analysisTab(page, 'Overview');
  const reviewed = permalink({ ...decoded, title: 'Review' });
  await page.evaluate((u) => { location.hash = new URL(u).hash; }, reviewed);
  await expect(page.getByTestId('scenario-title')).toHaveValue('Review');
  await expect(page.getByTestId('analysis-tab').and(page.locator('[aria-selected=true]'))).toHaveText('Compare');
  await expect(page.getByTestId('change').first()).toBeVisible();
  // ... and in the autosave.
  await page.reload();
  await analysisTab(page, 'Compare');
  await expect(page.getByTestId('change').first()).toContainText('now Deny by securityRules/AllowSsh');
  // Clearing it ends the comparison.
  await page.getByTestId('clear-baseline').click();
  await expect(page.getByTestId('compare-changes')).toHaveCount(0);
});

/** The command line's JSON (and exit status) for `args`, from the built binary or cargo. */
function cli(args) {
  const built = ['target/release/flowverify', 'target/debug/flowverify'].map((p) => join(root, p)).find(existsSync);
  const [command, prefix] = built ? [built, []] : ['cargo', ['run', '-q', '-p', 'flowverify-cli', '--']];
  const run = spawnSync(command, [...prefix, ...args], { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (run.status === 2 || run.error) throw new Error(`flowverify ${args.join(' ')}: ${run.stderr || run.error}`);
  return JSON.parse(run.stdout);
}

test('window.flowverify.reach, search, lint and diff answer what the command line answers', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByTestId('verdict')).toBeVisible();
  const dir = mkdtempSync(join(tmpdir(), 'flowverify-e2e-'));
  const before = join(dir, 'before.json');
  const after = join(dir, 'after.json');
  const changed = { ...SCENARIO, subnetNsg: nsg('Deny') };
  writeFileSync(before, JSON.stringify(SCENARIO));
  writeFileSync(after, JSON.stringify(changed));
  const query = { direction: 'Inbound', protocol: 'Tcp', source: 'Internet', destinationPort: '22', access: 'allow' };
  const answers = await page.evaluate(async ({ s, c, q }) => ({
    inbound: await window.flowverify.reach(s, 'Inbound'),
    outbound: await window.flowverify.reach(s, 'outbound'),
    lint: await window.flowverify.lint(s),
    found: await window.flowverify.search(s, q),
    none: await window.flowverify.search(s, { ...q, access: 'Deny' }),
    diff: await window.flowverify.diff(s, c),
  }), { s: SCENARIO, c: changed, q: query });
  expect(answers.inbound).toEqual(cli(['reach', '--scenario', before, '--direction', 'inbound', '--json']));
  expect(answers.outbound).toEqual(cli(['reach', '--scenario', before, '--direction', 'outbound', '--json']));
  expect(answers.lint).toEqual(cli(['lint', '--scenario', before, '--json']));
  expect(answers.found).toEqual(cli(['search', '--scenario', before, '--direction', 'inbound', '--protocol', 'tcp', '--source', 'Internet',
    '--destination-port', '22', '--access', 'allow', '--json']));
  expect(answers.none).toEqual({ found: false, flows: [] });
  expect(answers.diff).toEqual(cli(['diff', before, after, '--json']));
  // Known values too, in case both sides were wrong the same way.
  expect(answers.lint.findings.map((f) => f.kind)).toEqual(expect.arrayContaining(['shadowed', 'exposure']));
  expect(answers.found.result.ruleName).toBe('securityRules/AllowSsh');
  expect(answers.diff.changes[0]).toMatchObject({ direction: 'Inbound', before: { access: 'Allow' }, after: { access: 'Deny' } });
  // Errors reject with an Error whose message is the command line's text.
  const errors = await page.evaluate(async (s) => {
    const message = (p) => p.then(() => 'no error', (e) => `${e instanceof Error} ${e.message}`);
    return [
      await message(window.flowverify.reach(s, 'Sideways')),
      await message(window.flowverify.lint({ version: 1, titel: 'x' })),
      await message(window.flowverify.search(s, { direction: 'Inbound', port: '22' })),
      await message(window.flowverify.lint(undefined)),
    ];
  }, SCENARIO);
  expect(errors[0]).toBe("true direction 'Sideways' is not Inbound or Outbound");
  expect(errors[1]).toMatch(/^true scenario: titel: unknown property 'titel'/);
  expect(errors[2]).toMatch(/^true query: unknown property 'port'/);
  expect(errors[3]).toMatch(/^true scenario: /);
});

test('typing stays responsive while a big analysis runs', async ({ page }) => {
  // A 1,000-rule NIC NSG and a 1,000-rule subnet NSG shaped like production prefix lists (two to
  // six prefixes of /16 to /32 per side inside five /16s, a few ports; a seeded generator): the
  // analysis takes a while (about a second); the page keeps answering keystrokes meanwhile (the
  // analysis runs in the worker). The first ten rules decide the flows typed below.
  const rules = (prefix, seed) => {
    let state = seed;
    const next = (n) => { state = (Math.imul(state, 1103515245) + 12345) & 0x7fffffff; return Math.floor((state / 2147483648) * n); };
    const net = () => {
      const length = 16 + next(17);
      const value = ((10 << 24) | (next(5) << 16) | (next(256) << 8) | next(256)) >>> 0;
      const masked = length === 32 ? value : (value & ~((1 << (32 - length)) - 1)) >>> 0;
      return `${masked >>> 24}.${(masked >>> 16) & 255}.${(masked >>> 8) & 255}.${masked & 255}/${length}`;
    };
    const list = (f, least, most) => Array.from({ length: least + next(most - least + 1) }, f);
    const nsg = azNsg(`nsg-big-${prefix}`, Array.from({ length: 1000 }, (_, i) => (i < 10
      ? { name: `${prefix}-${i}`, priority: 100 + i, access: i % 3 ? 'Allow' : 'Deny', dport: String(1000 + i), src: `172.16.0.${i}` }
      : { name: `${prefix}-${i}`, priority: 100 + i, access: i % 3 ? 'Allow' : 'Deny', direction: i % 2 ? 'Outbound' : 'Inbound' })));
    for (const rule of nsg.securityRules.slice(10)) {
      rule.sourceAddressPrefix = '';
      rule.sourceAddressPrefixes = list(net, 2, 6);
      rule.destinationAddressPrefix = '';
      rule.destinationAddressPrefixes = list(net, 2, 6);
      rule.destinationPortRange = '';
      rule.destinationPortRanges = list(() => String([22, 80, 443, 3389, 1433, 8080][next(6)]), 1, 3);
    }
    return nsg;
  };
  await analyse(page, { ...SCENARIO, virtualNetwork: ['10.0.0.0/14'], subnetNsg: rules('S', 1), nicNsg: rules('N', 2) });
  await expect(page.getByTestId('analysis-grid').first()).toBeVisible();
  // A change to a rule, pasted (as bench.mjs does: Playwright's fill types a text this long slowly).
  await page.evaluate(() => {
    const area = document.querySelector('[data-testid=slot-nic-nsg]');
    area.value = area.value.replace('"N-0"', '"N-zero"');
    area.dispatchEvent(new InputEvent('input', { bubbles: true, inputType: 'insertFromPaste' }));
  });
  // The analysis of the change runs (its progress shows after a moment) ...
  const status = page.getByTestId('analysis-status');
  await expect(status).toHaveAttribute('aria-busy', 'true');
  await expect(status).toContainText('Analysing every flow…');
  // Meanwhile the flow form answers at once: each change shows its verdict.
  await page.getByRole('tab', { name: 'Flow and verdict' }).click();
  await page.getByTestId('flow-remote').fill('172.16.0.1:50000');
  const local = page.getByTestId('flow-local');
  await local.fill('10.0.1.4:1001');
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/N-1');
  await page.getByTestId('flow-remote').fill('172.16.0.3:50000');
  await local.fill('10.0.1.4:1003');
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/S-3');
  // ... and ends.
  await expect(status).toHaveAttribute('aria-busy', 'false', { timeout: 30_000 });
  await expect(status).toHaveText(/^Every flow analysed in \d+ ms\.$/);
  await expect(page.locator('#analysis-findings')).toContainText(/more findings \(window\.flowverify\.lint lists them all\)/);
});
