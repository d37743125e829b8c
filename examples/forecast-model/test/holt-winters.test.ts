import { describe, expect, it } from 'vitest';
import { fitHoltWinters, forecastHoltWinters, nelderMead, normalQuantile } from '../src/holt-winters.ts';
import { regularise } from '../src/series.ts';

const M = 24;
/** The true process: level 10, trend 0.05 per step, a daily sine of amplitude 3. */
const truth = (t: number) => 10 + 0.05 * t + 3 * Math.sin((2 * Math.PI * t) / M);

/** Deterministic noise in [-amplitude, amplitude] (mulberry32), so failures replay. */
function noise(seed: number, amplitude: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1) * amplitude;
  };
}

describe('Holt-Winters', () => {
  it('continues an exact level + trend + season series exactly', () => {
    const n = 10 * M;
    const y = Array.from({ length: n }, (_, t) => truth(t));
    const fit = fitHoltWinters(y, M);
    expect(fit.sse).toBeLessThan(1e-12);
    const h = 2 * M;
    const { mean, lower, upper } = forecastHoltWinters(fit, h);
    for (let i = 0; i < h; i++) {
      expect(mean[i]).toBeCloseTo(truth(n + i), 8);
      expect(lower[i]).toBeLessThanOrEqual(truth(n + i) + 1e-9);
      expect(upper[i]).toBeGreaterThanOrEqual(truth(n + i) - 1e-9);
    }
  });

  it('with small noise: close to the true continuation, the band holds it and widens with the horizon', () => {
    const n = 14 * M;
    const next = noise(42, 0.3);
    const y = Array.from({ length: n }, (_, t) => truth(t) + next());
    const fit = fitHoltWinters(y, M);
    // Uniform noise of half-width 0.3 has a standard deviation of 0.17.
    expect(fit.sigma).toBeGreaterThan(0.12);
    expect(fit.sigma).toBeLessThan(0.3);
    const h = 2 * M;
    const { mean, lower, upper, sd } = forecastHoltWinters(fit, h, 0.95);
    let worst = 0;
    for (let i = 0; i < h; i++) {
      const actual = truth(n + i);
      worst = Math.max(worst, Math.abs(mean[i] - actual));
      expect(actual).toBeGreaterThan(lower[i]);
      expect(actual).toBeLessThan(upper[i]);
    }
    expect(worst).toBeLessThan(0.5);
    for (let i = 1; i < h; i++) expect(sd[i]).toBeGreaterThanOrEqual(sd[i - 1]);
    expect(sd[h - 1]).toBeGreaterThan(sd[0]);
  });

  it('fits the smoothing parameters of a series it generated itself better than a fixed guess', () => {
    const n = 20 * M;
    const next = noise(7, 0.5);
    const y = Array.from({ length: n }, (_, t) => truth(t) + next() + (t > n / 2 ? 2 : 0));
    const fitted = fitHoltWinters(y, M);
    const guessed = fitHoltWinters(y, M, { alpha: 0.9, beta: 0.5, gamma: 0.05 });
    expect(fitted.sse).toBeLessThan(guessed.sse);
    expect(fitted.alpha).toBeGreaterThan(0);
    expect(fitted.alpha).toBeLessThan(1);
    expect(fitted.gamma).toBeLessThan(1 - fitted.alpha);
  });

  it('refuses a history shorter than two seasons, and values that are not numbers', () => {
    expect(() => fitHoltWinters([1, 2, 3], 24)).toThrow(/two seasons \(48 points\)/);
    expect(() => fitHoltWinters([...Array(48).fill(1), Number.NaN], 24)).toThrow(/finite/);
  });

  it('Nelder-Mead finds the minimum of a shifted quadratic; the normal quantile is right', () => {
    const { x, fx } = nelderMead(([a, b]) => (a - 3) ** 2 + 2 * (b + 1) ** 2, [0, 0]);
    expect(x[0]).toBeCloseTo(3, 4);
    expect(x[1]).toBeCloseTo(-1, 4);
    expect(fx).toBeLessThan(1e-8);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
    expect(normalQuantile(0.005)).toBeCloseTo(-2.575829, 5);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
  });
});

describe('regularise', () => {
  it('lays a jittered history with a short gap on an hourly grid', () => {
    const hour = 3_600_000;
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    const stamps = [0, 1, 2, 4, 5].map((i) => new Date(t0 + i * hour + (i === 1 ? 1000 : 0)).toISOString());
    const out = regularise(stamps, [0, 1, 2, 4, 5]);
    expect(out.stepMs).toBe(hour);
    expect(out.values).toHaveLength(6);
    expect(out.values[3]).toBeCloseTo(3, 9);
  });

  it('refuses a gap longer than the limit, naming it', () => {
    const stamps = ['2026-01-01T00:00:00Z', '2026-01-01T01:00:00Z', '2026-01-01T02:00:00Z', '2026-01-02T02:00:00Z'];
    expect(() => regularise(stamps, [1, 2, 3, 4])).toThrow(/gap from 2026-01-01T02:00:00.000Z to 2026-01-02T02:00:00.000Z/);
  });
});
