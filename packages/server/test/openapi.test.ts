import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { generateOpenApiDocument } from '../src/http/openapi-document.ts';
import { useTestApp } from './helpers/test-app.ts';

const ctx = useTestApp();

interface Operation {
  operationId?: string;
}
interface Document {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

async function served(): Promise<Document> {
  const res = await ctx.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(res.statusCode).toBe(200);
  return res.json();
}

const operations = (doc: Document) =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, operationId: op.operationId })),
  );

/** Every `#/components/schemas/<name>` the document points at, anywhere. */
const referencedNames = (doc: Document) =>
  new Set([...JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"]+)"/g)].map((m) => m[1]));

// Schemas that generated clients name types after; more may be added, none of these removed.
const SHARED_SCHEMAS = [
  'Detail',
  'ValidationFailed',
  'ValidationIssue',
  'ApiError',
  'ApiValidationFailed',
  'TokenPair',
  'User',
  'SensorType',
  'SensorMeasure',
  'Sensor',
  'SensorDetails',
  'LocationSchema',
  'Location',
  'Model',
  'Scenario',
  'ModelMeasure',
  'ModelRun',
  'ModelRunDetails',
  'ObservationSeries',
  'Service',
  'ParameterSet',
  'ServiceRun',
  'UserPage',
  'SensorTypePage',
  'SensorPage',
  'LocationPage',
  'ModelRunPage',
  'ServicePage',
  'ServiceRunPage',
  'DtbaseSensorType',
  'DtbaseSensor',
  'DtbaseLocation',
  'DtbaseLocationSchema',
  'DtbaseModelRun',
  'DtbaseService',
  'DtbaseParameterSet',
  'DtbaseServiceRun',
];

describe('the OpenAPI document', () => {
  it('gives every operation a camelCase operationId, unique across the document', async () => {
    const ops = operations(await served());
    expect(ops.length).toBeGreaterThan(70);
    expect(ops.filter((op) => !op.operationId).map((op) => op.route)).toEqual([]);
    expect(ops.filter((op) => !/^[a-z][A-Za-z0-9]*$/.test(op.operationId!)).map((op) => op.route)).toEqual([]);
    const seen = new Map<string, string>();
    const duplicates: string[] = [];
    for (const { route, operationId } of ops) {
      if (seen.has(operationId!)) duplicates.push(`${operationId}: ${seen.get(operationId!)} and ${route}`);
      seen.set(operationId!, route);
    }
    expect(duplicates).toEqual([]);
    expect(seen.get('dtbaseInsertSensor')).toBe('POST /sensor/insert-sensor');
    expect(seen.get('getSensor')).toBe('GET /api/v1/sensors/{uid}');
    expect(seen.get('readReadings')).toBe('GET /api/v1/readings/');
  });

  it('lists the shared schemas under components/schemas by name, each referenced, none unnamed', async () => {
    const doc = await served();
    const names = Object.keys(doc.components.schemas);
    expect(SHARED_SCHEMAS.filter((name) => !names.includes(name))).toEqual([]);
    expect(names.filter((name) => /^def-\d+$/.test(name))).toEqual([]);
    const referenced = referencedNames(doc);
    expect(names.filter((name) => !referenced.has(name))).toEqual([]);
    expect([...referenced].filter((name) => !names.includes(name))).toEqual([]);
  });

  it('refers to them from the routes', async () => {
    const doc = (await served()) as unknown as {
      paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: unknown }> }> }>>;
    };
    const schemaOf = (path: string, method: string, status: string) =>
      doc.paths[path][method].responses[status].content['application/json'].schema;
    expect(schemaOf('/sensor/insert-sensor', 'post', '201')).toEqual({ $ref: '#/components/schemas/Detail' });
    expect(schemaOf('/sensor/insert-sensor', 'post', '422')).toEqual({ $ref: '#/components/schemas/ValidationFailed' });
    expect(schemaOf('/api/v1/sensors', 'get', '200')).toEqual({ $ref: '#/components/schemas/SensorPage' });
    expect(schemaOf('/api/v1/sensors/{uid}', 'get', '404')).toEqual({ $ref: '#/components/schemas/ApiError' });
    expect(schemaOf('/sensor/list-sensor-types', 'get', '200')).toEqual({
      type: 'array',
      items: { $ref: '#/components/schemas/DtbaseSensorType' },
    });
  });

  it('is committed as packages/server/openapi.json, as the server generates it', async () => {
    const committed = await readFile(new URL('../openapi.json', import.meta.url), 'utf8');
    const generated = await generateOpenApiDocument();
    // On failure: run `npm run openapi` (from the repository root) and commit packages/server/openapi.json.
    expect(committed === generated, 'packages/server/openapi.json is out of date: run `npm run openapi` and commit it').toBe(true);
    expect(JSON.parse(generated)).toEqual(await served());
  }, 120_000); // a second app on a fresh PGlite: slow on a loaded machine
});
