import { describe, expect, it } from 'vitest';
import { useWebApp } from './helpers/web-app.ts';

describe('the models page', () => {
  const web = useWebApp();

  it('creates a model, a scenario and a measure, lists a run posted through the API with a link to its page, and deletes a model', async () => {
    const { page } = await web.newPage();
    await page.goto('/login');
    await web.login(page);
    await page.goto('/models');
    await page.getByRole('heading', { name: 'Models', level: 1 }).waitFor();

    await page.getByLabel('Model name').fill('forecast');
    await page.getByRole('button', { name: 'Create model' }).click();
    const models = page.getByRole('table', { name: 'Models' });
    await models.getByRole('cell', { name: 'forecast', exact: true }).waitFor();

    // A name taken already: the server's refusal is shown in words.
    await page.getByLabel('Model name').fill('forecast');
    await page.getByRole('button', { name: 'Create model' }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'Could not create the model' });
    await refusal.waitFor();
    expect(await refusal.textContent()).toMatch(/Conflict: .+/);

    await page.getByLabel('Model', { exact: true }).selectOption('forecast');
    await page.getByLabel('Scenario description').fill('calm');
    await page.getByRole('button', { name: 'Create scenario' }).click();
    await page.getByRole('table', { name: 'Scenarios' }).getByRole('cell', { name: 'calm', exact: true }).waitFor();
    await models.getByRole('row').filter({ hasText: 'forecast' }).getByRole('cell', { name: '1', exact: true }).waitFor();
    expect((await web.ctx.get('/api/v1/scenarios?model=forecast')).json().items).toEqual([
      expect.objectContaining({ model: 'forecast', description: 'calm' }),
    ]);

    await page.getByLabel('Measure name').fill('temp-forecast');
    await page.getByLabel('Measure units').fill('degC');
    await page.getByRole('button', { name: 'Create measure' }).click();
    await page.getByRole('table', { name: 'Model output measures' }).getByRole('cell', { name: 'temp-forecast', exact: true }).waitFor();

    // A run posted through DTBase's route, as a model would: it appears without a reload, linked to its page.
    await web.ctx.postCreated('/model/insert-model-run', {
      model_name: 'forecast',
      scenario_description: 'calm',
      measures_and_values: [
        { measure_name: 'temp-forecast', values: [10.5, 11], timestamps: ['2024-05-01T00:00:00Z', '2024-05-01T01:00:00Z'] },
      ],
    });
    const [run] = (await web.ctx.get('/api/v1/runs?model=forecast')).json().items;
    const runLink = page.getByRole('link', { name: `Run ${run.id}`, exact: true });
    await runLink.waitFor();
    expect(await runLink.getAttribute('href')).toBe(`/models/runs/${run.id}`);
    expect(
      await page
        .getByRole('table', { name: 'Model runs' })
        .getByRole('row')
        .filter({ hasText: `Run ${run.id}` })
        .textContent(),
    ).toContain('calm');
    await page.screenshot({ path: '/tmp/C-models.png', fullPage: true });
    await runLink.click();
    await page.waitForURL(`${web.url}/models/runs/${run.id}`);

    // A model created and deleted again.
    await page.goto('/models');
    await page.getByLabel('Model name').fill('scratch');
    await page.getByRole('button', { name: 'Create model' }).click();
    await models.getByRole('cell', { name: 'scratch', exact: true }).waitFor();
    await page.getByRole('button', { name: 'Delete model scratch' }).click();
    await page.getByRole('button', { name: 'Confirm: Delete model scratch' }).click();
    await models.getByRole('cell', { name: 'scratch', exact: true }).waitFor({ state: 'detached' });
    expect((await web.ctx.get('/api/v1/models/scratch')).statusCode).toBe(404);
  });

  it('shows a viewer the models, scenarios and runs, but no control that writes', async () => {
    await web.ctx.postCreated('/model/insert-model', { name: 'nowcast' });
    await web.createUser('viewer@example.org', 'viewer');
    const { page } = await web.newPage({ viewport: { width: 375, height: 800 } });
    await page.goto('/login');
    await web.login(page, 'viewer@example.org');
    await page.evaluate(() => localStorage.setItem('mirrorbase.theme', 'dark'));
    await page.goto('/models');
    await page.getByRole('table', { name: 'Models' }).getByRole('cell', { name: 'nowcast', exact: true }).waitFor();
    await page.getByRole('table', { name: 'Model runs' }).waitFor();
    expect(await page.getByRole('button', { name: /^Create (model|scenario|measure)$|Delete/ }).count()).toBe(0);
    expect(await page.getByLabel('Model name').count()).toBe(0);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await page.screenshot({ path: '/tmp/C-models-phone-dark.png', fullPage: true });
  });
});
