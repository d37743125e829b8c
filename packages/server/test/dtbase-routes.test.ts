import { describe, expect, it } from 'vitest';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

/** DTBase's 49 endpoints (spec section 4), by router. */
const DTBASE_ENDPOINTS = {
  auth: ['POST /auth/login', 'POST /auth/refresh'],
  user: ['GET /user/list-users', 'POST /user/create-user', 'POST /user/delete-user', 'POST /user/change-password'],
  location: [
    'POST /location/insert-location-schema',
    'POST /location/insert-location',
    'POST /location/insert-location-for-schema',
    'POST /location/list-locations',
    'GET /location/list-location-schemas',
    'GET /location/list-location-identifiers',
    'POST /location/get-schema-details',
    'POST /location/delete-location-schema',
    'POST /location/delete-location',
  ],
  sensor: [
    'POST /sensor/insert-sensor-type',
    'POST /sensor/insert-sensor',
    'POST /sensor/insert-sensor-location',
    'POST /sensor/list-sensor-locations',
    'POST /sensor/insert-sensor-readings',
    'POST /sensor/list-sensors',
    'GET /sensor/list-sensor-types',
    'GET /sensor/list-measures',
    'POST /sensor/sensor-readings',
    'POST /sensor/delete-sensor',
    'POST /sensor/delete-sensor-type',
    'POST /sensor/edit-sensor',
  ],
  model: [
    'POST /model/insert-model',
    'GET /model/list-models',
    'POST /model/delete-model',
    'POST /model/insert-model-scenario',
    'GET /model/list-model-scenarios',
    'POST /model/delete-model-scenario',
    'POST /model/insert-model-measure',
    'GET /model/list-model-measures',
    'POST /model/delete-model-measure',
    'POST /model/insert-model-run',
    'POST /model/list-model-runs',
    'POST /model/get-model-run',
    'POST /model/get-model-run-sensor-measure',
  ],
  service: [
    'POST /service/insert-service',
    'GET /service/list-services',
    'POST /service/delete-service',
    'POST /service/insert-parameter-set',
    'POST /service/delete-parameter-set',
    'POST /service/list-parameter-sets',
    'POST /service/edit-parameter-set',
    'POST /service/run-service',
    'POST /service/list-runs',
  ],
};

describe('the DTBase-compatible surface', () => {
  it('serves all 49 DTBase endpoints, documented in the OpenAPI document', () => {
    const doc = ctx.app.swagger() as { paths: Record<string, Record<string, unknown>> };
    const served = new Set(
      Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`)),
    );
    const expected = Object.values(DTBASE_ENDPOINTS).flat();
    expect(expected).toHaveLength(49);
    expect(expected.filter((endpoint) => !served.has(endpoint))).toEqual([]);
    const dtbasePrefixes = /^(GET|POST) \/(auth|user|location|sensor|model|service)\//;
    expect([...served].filter((e) => dtbasePrefixes.test(e) && !expected.includes(e))).toEqual([]);
  });

  it('documents every DTBase endpoint with a request schema (POST) and its success response', () => {
    const doc = ctx.app.swagger() as {
      paths: Record<string, Record<string, { requestBody?: unknown; responses?: Record<string, unknown> }>>;
    };
    for (const endpoint of Object.values(DTBASE_ENDPOINTS).flat()) {
      const [method, path] = endpoint.split(' ');
      const op = doc.paths[path][method.toLowerCase()];
      const codes = Object.keys(op.responses ?? {});
      expect(
        codes.some((c) => c === '200' || c === '201'),
        endpoint,
      ).toBe(true);
      if (method === 'POST' && path !== '/auth/refresh') {
        expect(op.requestBody, endpoint).toBeDefined();
        expect(codes, endpoint).toContain('422');
      }
      if (path !== '/auth/login') expect(codes, endpoint).toContain('401');
    }
  });
});
