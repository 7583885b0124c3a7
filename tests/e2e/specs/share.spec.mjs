// Permalinks, autosave, download and upload of the scenario document.
import { test, expect, watch, openFresh, azNsg } from './fixtures.mjs';
import { baseURL } from '../playwright.config.mjs';
import { deflateSync } from 'node:zlib';

/** A permalink built here, independently of the page, as docs/formats.md, Permalink, says. */
function permalink(scenario) {
  const payload = deflateSync(Buffer.from(JSON.stringify(scenario))).toString('base64url');
  return `${baseURL}#v1.${payload}`;
}

test('a permalink opened in a fresh browser context restores the scenario and verdict', async ({ page, browser }) => {
  await openFresh(page);
  await page.getByTestId('flow-row').nth(4).getByRole('button').click();
  await page.getByTestId('flow-remote').fill('198.51.100.99:41000');
  await page.getByTestId('scenario-title').fill('Shared from a test');
  await page.getByTestId('share-link').click();
  const url = await page.getByTestId('share-url').inputValue();
  expect(url.startsWith(`${baseURL}#v1.`)).toBe(true);
  await expect(page.getByTestId('share-length')).toContainText(`${url.length} characters`);
  await expect(page).toHaveURL(url);

  const fresh = await browser.newContext();
  const other = await fresh.newPage();
  const problems = watch(other);
  await other.goto(url);
  // A link opens on its first flow, with its verdict.
  await expect(other.getByTestId('verdict')).toHaveText(/^Allow/);
  await expect(other.getByTestId('matched-rule')).toHaveText('securityRules/AllowHttpsFromAny');
  await other.getByTestId('flow-row').nth(4).getByRole('button').click();
  await expect(other.getByTestId('flow-remote')).toHaveValue('198.51.100.99:41000');
  await expect(other.getByTestId('matched-rule')).toHaveText('securityRules/DenyInternetToApp');
  await expect(other.getByTestId('scenario-title')).toHaveValue('Shared from a test');
  await expect(other.getByTestId('flow-row')).toHaveCount(11);
  await expect(other.getByTestId('flows-summary')).toHaveText('11 passed, 0 failed, 0 skipped');
  await expect(other.getByTestId('slot-admin-rules')).toHaveValue(/AlwaysAllowMgmtSsh/);
  expect(problems).toEqual([]);
  await fresh.close();
});

test('a permalink built elsewhere opens with its first flow and verdict', async ({ browser }) => {
  const scenario = {
    version: 1,
    title: 'Built by hand',
    subnetNsg: azNsg('nsg-a', [{ name: 'DenyRdp', priority: 200, access: 'Deny', dport: '3389' }]),
    virtualNetwork: ['10.1.0.0/16'],
    flows: [
      { direction: 'Inbound', protocol: 'Tcp', local: '10.1.0.4:3389', remote: '10.1.2.5:1234', expect: { access: 'Deny', ruleName: 'securityRules/DenyRdp' } },
      { direction: 'Inbound', protocol: 'Tcp', local: '10.1.0.4:22', remote: '10.1.2.5:1234', expect: 'Allow' },
    ],
  };
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems = watch(page);
  await page.goto(permalink(scenario));
  await expect(page.getByTestId('verdict')).toHaveText(/^Deny/);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityRules/DenyRdp');
  await expect(page.getByTestId('decided-by')).toContainText('subnet');
  await expect(page.getByTestId('flows-summary')).toHaveText('2 passed, 0 failed, 0 skipped');
  await expect(page.getByTestId('flow-row').nth(1).getByTestId('flow-row-verdict')).toContainText('defaultSecurityRules/AllowVnetInBound');
  expect(problems).toEqual([]);
  await context.close();
});

test('a broken permalink shows its message and a working page', async ({ page }) => {
  await page.goto('/#v1.bm90IHpsaWI');
  await expect(page.getByTestId('notice')).toContainText('This link could not be opened');
  await expect(page.getByTestId('notice')).toContainText('zlib');
  await expect(page.getByTestId('verdict')).toHaveText(/^Allow/);
  await page.getByTestId('flow-local').fill('10.0.1.4:22');
  await expect(page.getByTestId('verdict')).toHaveText(/^Deny/);
  await page.goto('/#v7.abc');
  await page.reload();
  await expect(page.getByTestId('notice')).toContainText("permalink version 'v7' is not supported");
});

test('a reload keeps the work', async ({ page }) => {
  await openFresh(page);
  await page.getByTestId('flow-remote').fill('192.0.2.55:41000');
  await page.getByTestId('slot-subnet-nsg').fill('{ "half": ');
  await page.reload();
  await expect(page.getByTestId('flow-remote')).toHaveValue('192.0.2.55:41000');
  await expect(page.getByTestId('slot-subnet-nsg')).toHaveValue('{ "half": ');
  await expect(page.getByTestId('input-error')).toBeVisible();
});

test('reloading an opened permalink keeps the edits made since', async ({ page }) => {
  await openFresh(page);
  await page.getByTestId('share-link').click();
  const url = await page.getByTestId('share-url').inputValue();
  await page.goto('about:blank');
  await page.goto(url);
  await page.getByTestId('flow-local').fill('10.0.1.4:8443');
  await page.reload();
  await expect(page.getByTestId('flow-local')).toHaveValue('10.0.1.4:8443');
});

test('the scenario downloads and uploads as a file', async ({ page }) => {
  await openFresh(page);
  await page.getByTestId('scenario-title').fill('Round trip');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('download-scenario').click(),
  ]);
  expect(download.suggestedFilename()).toBe('round-trip.flowverify.json');
  const text = await (await download.createReadStream()).toArray().then((c) => Buffer.concat(c).toString());
  const scenario = JSON.parse(text);
  expect(scenario.version).toBe(1);
  expect(scenario.flows).toHaveLength(11);
  expect(scenario.subnetNsg.name).toBe('nsg-web-subnet');

  scenario.title = 'Uploaded';
  scenario.flows = [scenario.flows[1]];
  await page.getByTestId('upload-scenario').setInputFiles({
    name: 'mine.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify(scenario)),
  });
  await expect(page.getByTestId('scenario-title')).toHaveValue('Uploaded');
  await expect(page.getByTestId('flow-row')).toHaveCount(1);
  await expect(page.getByTestId('matched-rule')).toHaveText('securityAdminRules/DenyHighRiskTcp');

  await page.getByTestId('upload-scenario').setInputFiles({
    name: 'typo.json', mimeType: 'application/json', buffer: Buffer.from('{"version": 1, "flowz": []}'),
  });
  await expect(page.getByTestId('notice')).toContainText("typo.json: flowz: unknown property 'flowz'");
});

test('a long link is measured and warned about', async ({ page }) => {
  await openFresh(page);
  const rules = [];
  for (let i = 0; i < 400; i++) {
    rules.push({ name: `Rule-${i}-${(i * 7919) % 10007}`, priority: 100 + i, access: 'Allow', src: `172.${16 + (i % 16)}.${(i * 37) % 256}.${(i * 91) % 256}`, dport: String(1024 + ((i * 1543) % 60000)) });
  }
  await page.getByTestId('slot-nic-nsg').fill(JSON.stringify(azNsg('nsg-long', rules)));
  await page.getByTestId('share-link').click();
  await expect(page.getByTestId('share-warning')).toContainText('over 8 KB');
});
