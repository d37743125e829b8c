import type { Page } from 'playwright-core';
import type { WebApp } from './web-app.ts';

/** The JSON of a GET through the real server, with the test user's token; fails the test on a non-2xx. */
export async function apiGet<T>(web: WebApp, url: string): Promise<T> {
  const res = await web.ctx.get(url);
  if (res.statusCode >= 300) throw new Error(`GET ${url}: ${res.statusCode} ${res.body}`);
  return res.json() as T;
}

/** Takes the page in the dark theme (the app's stored choice) and at a phone's width, for a look. */
export async function screenshotDarkPhone(page: Page, path: string): Promise<void> {
  const size = page.viewportSize();
  await page.evaluate(() => {
    localStorage.setItem('mirrorbase.theme', 'dark');
    document.documentElement.setAttribute('data-theme', 'dark');
  });
  await page.setViewportSize({ width: 375, height: 800 });
  await page.screenshot({ path, fullPage: true });
  if (size) await page.setViewportSize(size);
  await page.evaluate(() => {
    localStorage.removeItem('mirrorbase.theme');
    document.documentElement.removeAttribute('data-theme');
  });
}

/** Whether the page's document is wider than its viewport (something would scroll sideways on a phone). */
export function overflowsSideways(page: Page): Promise<boolean> {
  return page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);
}
