import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoTwin } from '../e2e/helpers/demo-twin.ts';
import { useWebApp } from '../e2e/helpers/web-app.ts';

/**
 * `npm run screenshots -w @mirrorbase/web`: the README's pictures, taken of the built app on a
 * fresh database holding the demo twin. Not part of `npm test` (it writes into docs/).
 */
const OUT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'docs', 'screenshots');

/** The demo twin's month of readings, as the plots' range. */
const MONTH = `from=${new Date(Date.now() - 30 * 86_400_000).toISOString()}`;

const SHOTS: { name: string; path: string; theme?: 'light' | 'dark'; phone?: boolean; ready?: string; full?: boolean }[] = [
  { name: 'overview', path: '/' },
  {
    name: 'plots',
    path: `/plots?type=weather-station&sensors=ws-north,ws-south,ws-greenhouse&measures=temperature,humidity&${MONTH}`,
    ready: 'canvas',
    full: true,
  },
  {
    name: 'plots-dark',
    path: `/plots?type=weather-station&sensors=ws-north,ws-south,ws-greenhouse&measures=temperature&${MONTH}`,
    theme: 'dark',
    ready: 'canvas',
    full: true,
  },
  { name: 'sensors', path: '/sensors' },
  { name: 'sensor', path: '/sensors/ws-north' },
  { name: 'readings', path: '/readings?sensor=ws-north&measure=temperature' },
  { name: 'sensor-types', path: '/sensor-types' },
  { name: 'locations', path: '/locations' },
  { name: 'models', path: '/models' },
  { name: 'model-run', path: '/models/runs/1', ready: 'canvas', full: true },
  { name: 'services', path: '/services' },
  { name: 'service', path: '/services/weather-ingress', full: true },
  { name: 'users', path: '/users' },
  { name: 'keys', path: '/keys' },
  { name: 'audit', path: '/audit' },
  { name: 'overview-phone', path: '/', phone: true },
];

describe('the README screenshots', () => {
  const web = useWebApp({ MIRRORBASE_SERVICE_ALLOWED_HOSTS: '127.0.0.1' });
  let demo: { close(): Promise<void> };
  beforeAll(async () => {
    demo = await seedDemoTwin(web.ctx);
    mkdirSync(OUT, { recursive: true });
  });
  afterAll(() => demo?.close());

  it('takes a screenshot of every main page', { timeout: 300_000 }, async () => {
    for (const shot of SHOTS) {
      const { page, context } = await web.newPage({ viewport: shot.phone ? { width: 390, height: 844 } : { width: 1280, height: 800 } });
      await page.goto('/login');
      await page.evaluate((theme) => localStorage.setItem('mirrorbase.theme', theme), shot.theme ?? 'light');
      await web.login(page);
      await page.goto(shot.path);
      await page.locator('main h1').first().waitFor();
      await page
        .waitForFunction(() => !document.querySelector('[aria-busy="true"]'), undefined, { timeout: 15_000 })
        .catch(() => undefined);
      if (shot.ready) await page.locator(shot.ready).first().waitFor({ timeout: 15_000 });
      await page.waitForTimeout(300); // the plots' last frame
      await page.screenshot({ path: path.join(OUT, `${shot.name}.png`), fullPage: shot.full ?? false });
      await context.close();
    }
    expect(SHOTS.length).toBeGreaterThan(0);
  });
});
