import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accessibilityViolations } from './helpers/axe.ts';
import { seedDemoTwin } from './helpers/demo-twin.ts';
import { useWebApp } from './helpers/web-app.ts';

/** Every page of the app's navigation, as an admin sees it. */
const PAGES = [
  '/',
  '/plots',
  '/readings',
  '/sensors',
  '/sensor-types',
  '/locations',
  '/models',
  '/services',
  '/users',
  '/audit',
  '/keys',
  '/account',
];

describe('accessibility (axe-core, WCAG 2.1 AA)', () => {
  const web = useWebApp({ MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1' });
  let demo: { close(): Promise<void> };
  beforeAll(async () => {
    demo = await seedDemoTwin(web.ctx); // pages with tables, plots and runs in them, not empty ones
  });
  afterAll(() => demo?.close());

  it('the login page has no violations, in the light and the dark theme', async () => {
    const { page } = await web.newPage();
    for (const theme of ['light', 'dark']) {
      await page.goto('/login');
      await page.evaluate((t) => localStorage.setItem('mirrorbase.theme', t), theme);
      await page.reload();
      await page.getByRole('button', { name: 'Log in' }).waitFor();
      expect(await accessibilityViolations(page), theme).toEqual([]);
    }
  });

  // The light theme at a laptop's width, the dark one at a phone's: each page is checked in both
  // themes (contrast) and at both widths (the folded navigation) without checking it four times.
  for (const [theme, viewport] of [
    ['light', { width: 1280, height: 800 }],
    ['dark', { width: 375, height: 740 }],
  ] as const) {
    it(`every page has no violations (${theme} theme, ${viewport.width} px wide)`, async () => {
      const { page } = await web.newPage({ viewport });
      await web.login(page);
      await page.evaluate((t) => localStorage.setItem('mirrorbase.theme', t), theme);
      for (const path of PAGES) {
        await page.goto(path);
        await page.locator('main h1').first().waitFor();
        // Let the page's queries settle, so what is checked is the page with its data.
        await page
          .waitForFunction(() => !document.querySelector('[aria-busy="true"]'), undefined, { timeout: 10_000 })
          .catch(() => undefined);
        expect(await accessibilityViolations(page), path).toEqual([]);
      }
    });
  }

  it('the navigation folds behind a Menu button on a phone, and every link is reachable by keyboard', async () => {
    const { page } = await web.newPage({ viewport: { width: 375, height: 740 } });
    await web.login(page);
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.isVisible()).toBe(false);
    const menu = page.getByRole('button', { name: 'Menu' });
    await menu.focus();
    await page.keyboard.press('Enter');
    expect(await nav.isVisible()).toBe(true);
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Tab'); // Log out, theme..., then into the navigation
    const focused: string[] = [];
    for (let i = 0; i < 20; i++) {
      focused.push(await page.evaluate(() => document.activeElement?.textContent ?? ''));
      await page.keyboard.press('Tab');
    }
    expect(focused).toContain('Sensors');
    expect(focused).toContain('Users');
  });
});
