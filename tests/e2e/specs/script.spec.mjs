// window.flowverify: the engine for scripts on the page (docs/formats.md, The page's script
// interface).
import { test, expect, openFresh } from './fixtures.mjs';

test('window.flowverify.verify returns one result object per flow', async ({ page }) => {
  await openFresh(page);
  const results = await page.evaluate(() => window.flowverify.verify({
    version: 1,
    subnetNsg: {
      name: 'nsg-s',
      properties: {
        securityRules: [{
          name: 'DenyRdpAll',
          properties: {
            protocol: 'Tcp', sourcePortRange: '*', destinationPortRange: '3389', sourceAddressPrefix: '*',
            destinationAddressPrefix: '*', access: 'Deny', priority: 200, direction: 'Inbound',
          },
        }],
      },
    },
    virtualNetwork: ['10.0.0.0/16'],
    flows: [
      { direction: 'Inbound', protocol: 'Tcp', local: '10.0.1.4:3389', remote: '10.0.2.5:1234' },
      { direction: 'Inbound', protocol: 'Tcp', local: '10.0.1.4:22', remote: '10.0.2.5:1234' },
    ],
  }));
  expect(results).toHaveLength(2);
  expect(results[0].access).toBe('Deny');
  expect(results[0].ruleName).toBe('securityRules/DenyRdpAll');
  expect(results[0].decidedBy).toEqual({ layer: 'subnet', resource: 'nsg-s' });
  expect(results[0].uncertain).toBe(false);
  expect(results[0].flow.source).toBe('10.0.2.5:1234');
  expect(results[0].trace[0].rules.at(-1)).toMatchObject({ name: 'securityRules/DenyRdpAll', matched: true, destinationPortMatched: true });
  expect(results[1].access).toBe('Allow');
  expect(results[1].ruleName).toBe('defaultSecurityRules/AllowVnetInBound');
});

test('window.flowverify errors are Error objects with the command line text', async ({ page }) => {
  await openFresh(page);
  const message = await page.evaluate(() => {
    try {
      window.flowverify.verify({ version: 1, flows: [{ direction: 'Sideways', protocol: 'Tcp', local: '10.0.0.1:1', remote: '10.0.0.2:2' }] });
      return 'no error';
    } catch (e) {
      return `${e instanceof Error} ${e.message}`;
    }
  });
  expect(message).toBe("true scenario: flows[0]: direction 'Sideways' is not Inbound or Outbound");
});

test('window.flowverify.decodePermalink returns the scenario of a link', async ({ page }) => {
  await openFresh(page);
  await page.getByTestId('share-link').click();
  const url = await page.getByTestId('share-url').inputValue();
  const scenario = await page.evaluate((link) => window.flowverify.decodePermalink(link), url);
  expect(scenario.version).toBe(1);
  expect(scenario.flows).toHaveLength(11);
  expect(scenario.subnetNsg.name).toBe('nsg-web-subnet');
  const error = await page.evaluate(() => {
    try { window.flowverify.decodePermalink('https://example.org/#v2.x'); } catch (e) { return e.message; }
    return 'no error';
  });
  expect(error).toContain("permalink version 'v2' is not supported");
});
