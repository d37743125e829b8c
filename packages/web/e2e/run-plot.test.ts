import { beforeAll, describe, expect, it } from 'vitest';
import { countPixels } from './helpers/canvas-pixels.ts';
import { useWebApp } from './helpers/web-app.ts';

// The forecast is the plot's first series, the observations its second (theme-colours.ts).
const FORECAST = '#0072b2';
const OBSERVED = '#d55e00';
const HOUR = 3_600_000;

describe("a model run's page", () => {
  const web = useWebApp();
  let runId = 0;

  async function post(url: string, body: unknown) {
    const res = await web.ctx.post(url, body);
    expect(res.statusCode, `${url}: ${res.body}`).toBeLessThan(300);
  }

  beforeAll(async () => {
    await post('/sensor/insert-sensor-type', { name: 'station', measures: [{ name: 'temperature', units: 'degC', datatype: 'float' }] });
    await post('/sensor/insert-sensor', { type_name: 'station', unique_identifier: 'st-1' });
    const start = Date.parse('2025-06-01T00:00:00Z');
    const times = Array.from({ length: 48 }, (_, i) => new Date(start + i * HOUR).toISOString());
    const mean = times.map((_, i) => 15 + 5 * Math.sin(i / 6));
    // Observed: the forecast off by one degree, every other hour.
    await post('/api/v1/readings', {
      series: [
        {
          sensor: 'st-1',
          measure: 'temperature',
          timestamps: times.filter((_, i) => i % 2 === 0),
          values: mean.filter((_, i) => i % 2 === 0).map((v) => v + 1),
        },
      ],
    });
    await post('/model/insert-model', { name: 'weather-forecast' });
    for (const name of ['temp mean', 'temp lower', 'temp upper'])
      await post('/model/insert-model-measure', { name, units: 'degC', datatype: 'float' });
    await post('/model/insert-model-run', {
      model_name: 'weather-forecast',
      scenario_description: 'baseline',
      create_scenario: true,
      time_created: '2025-05-31T23:00:00Z',
      sensor_unique_id: 'st-1',
      sensor_measure: { name: 'temperature', units: 'degC' },
      measures_and_values: [
        { measure_name: 'temp mean', timestamps: times, values: mean },
        { measure_name: 'temp lower', timestamps: times, values: mean.map((v) => v - 2) },
        { measure_name: 'temp upper', timestamps: times, values: mean.map((v) => v + 2) },
      ],
    });
    runId = (await web.ctx.get('/api/v1/runs?model=weather-forecast')).json().items[0].id;
  });

  it('draws the forecast, its bounds and the observations, and shows the skill scores', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.goto(`/models/runs/${runId}`);
    await page.getByRole('heading', { name: `Model run ${runId}` }).waitFor();
    const canvas = page.locator('.ts-plot canvas');
    await canvas.waitFor();
    // The canvas draws after its data arrives: wait until it says what it shows.
    await page.waitForFunction(() =>
      /observed: st-1 temperature: 24 points/.test(document.querySelector('.ts-plot canvas')?.getAttribute('aria-label') ?? ''),
    );
    const label = (await canvas.getAttribute('aria-label')) ?? '';
    expect(label).toMatch(/forecast: temp mean with temp lower to temp upper: 48 points/);
    const [line, band, observed] = await countPixels(canvas, [
      { colour: FORECAST },
      { colour: FORECAST, minAlpha: 20, maxAlpha: 90 },
      { colour: OBSERVED },
    ]);
    expect(line).toBeGreaterThan(200);
    expect(band).toBeGreaterThan(2000);
    expect(observed).toBeGreaterThan(100);

    // Every compared point is one degree under the observation: MAE and RMSE 1, bias −1, all inside the band.
    const skill = page.getByRole('region', { name: 'Skill' });
    const value = (term: string) => skill.getByText(term, { exact: true }).locator('xpath=following-sibling::dd[1]').textContent();
    await skill.getByText('Mean absolute error').waitFor();
    await expect(value('Mean absolute error')).resolves.toBe('1 degC');
    await expect(value('Root mean square error')).resolves.toBe('1 degC');
    await expect(value('Bias (forecast − observed)')).resolves.toBe('-1 degC');
    await expect(value('Inside the bounds')).resolves.toBe('100.0 % of 24 points');
    await expect(value('Points compared')).resolves.toBe('24 of 48 forecast points');
    await page.screenshot({ path: '/tmp/B-run.png', fullPage: true });
  });

  it('says in words when the run does not exist', async () => {
    const { page } = await web.newPage();
    await web.login(page);
    await page.goto('/models/runs/999999');
    // The run and its skill are read at once; either answer may come first, so wait for the run's.
    const runError = page.getByRole('alert').filter({ hasText: 'Could not load the run' });
    await runError.waitFor();
    await expect(runError.textContent()).resolves.toMatch(/Could not load the run\. .*not/i);
    // Its skill scores fail for the same reason, and are not reported a second time.
    await expect(page.getByRole('alert').count()).resolves.toBe(1);
  });
});
