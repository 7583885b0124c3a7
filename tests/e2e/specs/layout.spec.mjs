// The page at a phone's width and at a laptop's: nothing scrolls sideways, and on a phone the
// flow form and its verdict come first, before the inputs. And the About panel: the engine's
// statement of what FlowVerify assumes and warns about.
import { test, expect, openFresh, showAnalysis, analysisTab } from './fixtures.mjs';

/** Whether the document is wider than the window (the page would scroll sideways). */
async function horizontalOverflow(page) {
  return page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
}

async function expectNoHorizontalScroll(page, what) {
  const { scrollWidth, innerWidth } = await horizontalOverflow(page);
  expect(scrollWidth, `${what}: document width ${scrollWidth} > window ${innerWidth}`).toBeLessThanOrEqual(innerWidth);
}

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });

  test('at 390 px nothing scrolls sideways and the verdict is on screen without scrolling', async ({ page }) => {
    await openFresh(page);
    await expectNoHorizontalScroll(page, 'first visit');
    // The verdict is within the first screen, without scrolling.
    expect(await page.evaluate(() => window.scrollY)).toBe(0);
    const verdict = await page.getByTestId('verdict').boundingBox();
    expect(verdict, 'the verdict is laid out').not.toBeNull();
    expect(verdict.x).toBeGreaterThanOrEqual(0);
    expect(verdict.y).toBeGreaterThanOrEqual(0);
    expect(verdict.x + verdict.width).toBeLessThanOrEqual(390);
    expect(verdict.y + verdict.height).toBeLessThanOrEqual(844);
    // The flow form and its verdict come before the inputs.
    const form = await page.locator('#flow-form').boundingBox();
    const inputs = await page.locator('.inputs-panel').boundingBox();
    expect(form.y).toBeLessThan(verdict.y);
    expect(inputs.y).toBeGreaterThan(verdict.y);
    // Still so with a Deny (path, blockers, three traced layers), the share result, the
    // confirmation and the About panel open.
    await page.getByTestId('flow-row').nth(1).getByRole('button').click();
    await expect(page.getByTestId('blockers')).toBeVisible();
    await expectNoHorizontalScroll(page, 'a Deny with its blockers');
    await page.getByTestId('share-link').click();
    await expect(page.getByTestId('share-url')).toBeVisible();
    await expectNoHorizontalScroll(page, 'the share result');
    await page.getByTestId('start-over').click();
    await expect(page.getByTestId('confirm-start-over')).toBeVisible();
    await expectNoHorizontalScroll(page, 'the start-over question');
    await page.getByTestId('about').locator('summary').click();
    await expect(page.getByTestId('about').locator('h3').first()).toBeVisible();
    await expectNoHorizontalScroll(page, 'the About panel');
    // The Analysis area follows the verdict (before the inputs), each of its tabs within the width.
    await showAnalysis(page);
    await expect(page.getByTestId('analysis-grid').first()).toBeVisible({ timeout: 20_000 });
    const [area, shown, inputsNow] = await Promise.all(
      [page.getByTestId('analysis'), page.getByTestId('verdict'), page.locator('.inputs-panel')].map((l) => l.boundingBox()));
    expect(area.y).toBeGreaterThan(shown.y);
    expect(area.y).toBeLessThan(inputsNow.y);
    await expectNoHorizontalScroll(page, 'the Analysis area');
    for (const tab of ['Reachability', 'Findings', 'Search', 'Compare', 'Replay']) {
      await analysisTab(page, tab);
      await expectNoHorizontalScroll(page, `the Analysis area's ${tab}`);
    }
    await expect(page.getByTestId('reach-row').first()).toBeAttached();
    await expect(page.getByTestId('finding').first()).toBeAttached();
  });
});

test('at 1280 px the inputs are the left column and the flow and verdict the right one', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await openFresh(page);
  await expectNoHorizontalScroll(page, '1280 px');
  const inputs = await page.locator('.inputs-panel').boundingBox();
  const work = await page.locator('.right-column').boundingBox();
  expect(inputs.x + inputs.width).toBeLessThanOrEqual(work.x);
  expect(Math.abs(inputs.y - work.y)).toBeLessThan(2);
  const verdict = await page.getByTestId('verdict').boundingBox();
  expect(verdict.y + verdict.height).toBeLessThanOrEqual(900);
  // The Analysis area is the other tab of the right-hand column: beside the verdict, in its place.
  await expect(page.getByTestId('analysis')).toBeHidden();
  await showAnalysis(page);
  await expect(page.getByTestId('analysis-grid').first()).toBeVisible({ timeout: 20_000 });
  await expect(page.getByTestId('verdict')).toBeHidden();
  const area = await page.getByTestId('analysis').boundingBox();
  expect(area.x).toBeGreaterThanOrEqual(work.x);
  expect(area.y).toBeLessThan(verdict.y + 50);
  await expectNoHorizontalScroll(page, 'the Analysis area at 1280 px');
});

test('the About panel shows the engine\'s assumptions and warnings, code as code', async ({ page }) => {
  await openFresh(page);
  const about = page.getByTestId('about');
  await about.locator('summary').click();
  await expect(about.locator('h3')).toHaveText(['What FlowVerify assumes', 'What FlowVerify warns about']);
  const assumes = about.locator('h3 + ul').nth(0).locator('> li');
  const warns = about.locator('h3 + ul').nth(1).locator('> li');
  await expect(assumes.first()).toContainText('Order. AVNM admin rules first');
  expect(await assumes.count()).toBeGreaterThanOrEqual(5);
  expect(await warns.count()).toBeGreaterThanOrEqual(3);
  await expect(about.locator('li', { hasText: 'Tags.' }).locator('code').first()).toHaveText('VirtualNetwork');
  // No backtick is left in the text: each became code.
  expect(await about.textContent()).not.toContain('`');
});
