import { describe, expect, it } from 'vitest';
import { describePath, findPlaceholders, MAX_PARAMETER_DEPTH, subtractDuration } from './placeholders.ts';
import { endpointProblem, returnedData } from './returned-data.ts';

describe('subtractDuration', () => {
  const to = new Date('2024-03-31T12:00:00Z');
  it('counts years, months and days on the calendar and the rest in time', () => {
    expect(subtractDuration(to, 'P7D')?.toISOString()).toBe('2024-03-24T12:00:00.000Z');
    expect(subtractDuration(to, 'P1W')?.toISOString()).toBe('2024-03-24T12:00:00.000Z');
    expect(subtractDuration(to, 'PT6H30M')?.toISOString()).toBe('2024-03-31T05:30:00.000Z');
    expect(subtractDuration(to, 'P1Y2M3DT4H5M6.5S')?.toISOString()).toBe('2023-01-28T07:54:53.500Z');
  });
  it('refuses what is not a duration, or reaches before the year 1', () => {
    for (const bad of ['7D', 'P', 'PT', 'P1.5D', 'P-1D', 'p7d', 'P999999Y', '']) expect(subtractDuration(to, bad), bad).toBeUndefined();
  });
});

describe('findPlaceholders', () => {
  it('finds placeholders in objects and arrays, with their paths', () => {
    const found = findPlaceholders({ a: [{ $window: 'to' }], 'odd key': { $readings: { sensor: 's', measure: 'm', window: 'P1D' } } });
    expect(found.map((p) => describePath(p.path)).sort()).toEqual(['parameters.a[0]', 'parameters["odd key"]']);
  });
  it('stops at the depth limit without recursing, however deep the value', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(() => findPlaceholders(deep)).toThrow(`parameters nest deeper than ${MAX_PARAMETER_DEPTH} levels`);
  });
  it('refuses a placeholder object with other keys', () => {
    expect(() => findPlaceholders({ x: { $window: 'to', y: 1 } })).toThrow(
      'parameters.x.$window: a placeholder object must hold $window alone',
    );
  });
});

describe('returned data', () => {
  it('tells pairs, requests and readings from other answers', () => {
    expect(returnedData([['/api/v1/readings', {}]])).toEqual({ kind: 'requests', requests: [['/api/v1/readings', {}]] });
    expect(returnedData({ requests: [] })).toEqual({ kind: 'none' });
    expect(returnedData({ series: [] })).toEqual({ kind: 'requests', requests: [['/api/v1/readings', { series: [] }]] });
    expect(returnedData([1, 'two', { three: 3 }])).toEqual({ kind: 'none' });
    expect(returnedData({ ok: true })).toEqual({ kind: 'none' });
    expect(returnedData({ requests: 'all' }).kind).toBe('invalid');
  });
  it('allows only normalised paths of the data APIs', () => {
    for (const ok of ['/sensor/insert-sensor-readings', '/api/v1/readings', '/model/insert-model-run', '/api/v1/readings?x=1']) {
      expect(endpointProblem(ok), ok).toBeUndefined();
    }
    for (const bad of [
      '//evil.org/api/v1/readings',
      'http://x/api/v1/readings',
      '/api/v1/../auth/login',
      '/health',
      '/service/run-service',
      '/api/v1/services/x/runs',
      '/api/v1/readings#x',
      'api/v1/readings',
      '/sensor\\x',
    ]) {
      expect(endpointProblem(bad), bad).toBeDefined();
    }
  });
});
