import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { notFound } from '../../errors.ts';
import { Datatype, Nullable, Value, ref } from '../../http/schemas.ts';
import type { LocationsService, LocationWithSchemaRow, SchemaWithIdentifiers } from '../locations/index.ts';
import { IdParam, NameParam, listErrors, readErrors } from './api.schemas.ts';
import { PageOf, PageQuery, PageQuerySchema, readPage, sendPage } from './pagination.ts';

const tags = ['locations'];

const LocationIdentifierSchema = Type.Object(
  { id: Type.Integer(), name: Type.String(), units: Nullable(Type.String()), datatype: Datatype },
  { $id: 'LocationIdentifier' },
);

const LocationSchemaSchema = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    description: Nullable(Type.String()),
    identifiers: Type.Array(ref(LocationIdentifierSchema), { description: 'sorted by name' }),
  },
  { $id: 'LocationSchema' },
);

const LocationSchema = Type.Object(
  {
    id: Type.Integer(),
    schema: Type.String({ description: 'name of the location schema' }),
    coordinates: Type.Record(Type.String(), Value, { description: 'keyed by identifier name' }),
  },
  { $id: 'Location' },
);

const LocationSchemaPageSchema = PageOf(LocationSchemaSchema);
const LocationPageSchema = PageOf(LocationSchema);

/** The named schemas of the location resources. */
export const locationApiSchemas = [
  LocationIdentifierSchema,
  LocationSchemaSchema,
  LocationSchema,
  LocationSchemaPageSchema,
  LocationPageSchema,
];

/** Any further parameter is a coordinate to match exactly, e.g. ?schema=xy&x=1.5 */
const LocationQuery = Type.Object(
  { ...PageQuery, schema: Type.Optional(Type.String({ description: 'name of a location schema; needed by coordinate filters' })) },
  {
    additionalProperties: Type.String(),
    description:
      "Further parameters are coordinate equality filters by identifier name (e.g. x=1.5), read in the identifier's datatype. " +
      'An identifier called limit, cursor or schema cannot be filtered on.',
  },
);

const toSchema = (s: SchemaWithIdentifiers) => ({
  id: s.id,
  name: s.name,
  description: s.description,
  identifiers: s.identifiers.map((i) => ({ id: i.id, name: i.name, units: i.units, datatype: i.datatype })),
});
const toLocation = (l: LocationWithSchemaRow) => ({ id: l.id, schema: l.schemaName, coordinates: l.coordinates });

/** Location schemas by name, locations by id (they have no natural key but their coordinates). */
export const locationApiRoutes: FastifyPluginAsyncTypebox<{ locations: LocationsService }> = async (app, { locations }) => {
  app.get(
    '/location-schemas',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listLocationSchemas',
        summary: 'List location schemas with their identifiers',
        querystring: PageQuerySchema,
        response: { 200: ref(LocationSchemaPageSchema), ...listErrors },
      },
    },
    async (request, reply) => sendPage(reply, await readPage(request.query, (page) => locations.listSchemas(page)), toSchema),
  );

  app.get(
    '/location-schemas/:name',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'getLocationSchema',
        summary: 'One location schema with its identifiers, by name',
        params: Type.Object({ name: NameParam }),
        response: { 200: ref(LocationSchemaSchema), ...readErrors },
      },
    },
    async (request) => {
      const schema = await locations.findSchema(request.params.name);
      if (!schema) throw notFound(`Location schema ${JSON.stringify(request.params.name)} does not exist`);
      return toSchema(schema);
    },
  );

  app.get(
    '/locations',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'listLocations',
        summary: 'List locations, optionally of one schema and at given coordinates',
        querystring: LocationQuery,
        response: { 200: ref(LocationPageSchema), ...listErrors },
      },
    },
    async (request, reply) => {
      const { schema, limit, cursor, ...coordinates } = request.query as { schema?: string; limit?: number; cursor?: string } & Record<
        string,
        string
      >;
      const page = await readPage({ limit, cursor }, (p) => locations.listLocationsByText({ schemaName: schema, coordinates }, p));
      return sendPage(reply, page, toLocation);
    },
  );

  app.get(
    '/locations/:id',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'getLocation',
        summary: 'One location, by id',
        params: Type.Object({ id: IdParam }),
        response: { 200: ref(LocationSchema), ...readErrors },
      },
    },
    async (request) => {
      const location = await locations.findLocationById(request.params.id);
      if (!location) throw notFound(`Location ${request.params.id} does not exist`);
      return toLocation(location);
    },
  );
};
