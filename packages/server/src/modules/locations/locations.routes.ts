import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import { Detail, ValidationFailed, authErrors } from '../../http/schemas.ts';
import type { LocationsService } from './locations.service.ts';
import { flattenLocation, toDtbaseIdentifier, toDtbaseSchema } from './locations.dtbase.ts';
import {
  FlatLocation,
  InsertLocationBody,
  ListLocationsBody,
  LocationIdentifierOut,
  LocationSchemaBody,
  LocationSchemaOut,
  SchemaAndCoordinates,
  SchemaName,
  SchemaNameOut,
} from './locations.schemas.ts';

const tags = ['location (DTBase)'];

/** DTBase's /location routes. */
export const dtbaseLocationsRoutes: FastifyPluginAsyncTypebox<{ locations: LocationsService }> = async (app, { locations }) => {
  app.post(
    '/insert-location-schema',
    {
      config: { access: 'data:write' },
      schema: {
        tags,
        operationId: 'dtbaseInsertLocationSchema',
        summary: 'Create a location schema (its identifiers are created or reused by name and units)',
        body: LocationSchemaBody,
        response: { 201: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      await locations.insertSchema(request.body);
      return reply.status(201).send({ detail: 'Location schema inserted' });
    },
  );

  app.post(
    '/insert-location',
    {
      config: { access: 'data:write' },
      schema: {
        tags,
        operationId: 'dtbaseInsertLocation',
        summary: 'Insert a location given identifiers and values; its schema is named after the sorted identifier names',
        body: InsertLocationBody,
        response: { 201: SchemaNameOut, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      const schemaName = await locations.insertLocation(request.body);
      return reply.status(201).send({ schema_name: schemaName });
    },
  );

  app.post(
    '/insert-location-for-schema',
    {
      config: { access: 'data:write' },
      schema: {
        tags,
        operationId: 'dtbaseInsertLocationForSchema',
        summary: 'Insert a location into an existing schema',
        body: SchemaAndCoordinates,
        response: { 201: Detail, 400: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request, reply) => {
      await locations.insertLocationForSchema(request.body.schema_name, request.body.coordinates);
      return reply.status(201).send({ detail: 'Location inserted' });
    },
  );

  app.post(
    '/list-locations',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'dtbaseListLocations',
        summary: "List a schema's locations, optionally those matching some coordinates ([] for an unknown schema)",
        body: ListLocationsBody,
        response: { 200: Type.Array(FlatLocation), 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      const rows = await locations.listLocations(request.body.schema_name, request.body.coordinates ?? {});
      return rows.map(flattenLocation);
    },
  );

  app.get(
    '/list-location-schemas',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'dtbaseListLocationSchemas',
        summary: 'List location schemas with their identifiers',
        response: { 200: Type.Array(LocationSchemaOut), ...authErrors },
      },
    },
    async () => (await locations.listSchemas()).map(toDtbaseSchema),
  );

  app.get(
    '/list-location-identifiers',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'dtbaseListLocationIdentifiers',
        summary: 'List location identifiers',
        response: { 200: Type.Array(LocationIdentifierOut), ...authErrors },
      },
    },
    async () => (await locations.listIdentifiers()).map(toDtbaseIdentifier),
  );

  app.post(
    '/get-schema-details',
    {
      config: { access: 'data:read' },
      schema: {
        tags,
        operationId: 'dtbaseGetSchemaDetails',
        summary: 'A location schema with its identifiers',
        body: SchemaName,
        response: { 200: LocationSchemaOut, 400: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => toDtbaseSchema(await locations.getSchemaDetails(request.body.schema_name)),
  );

  app.post(
    '/delete-location-schema',
    {
      config: { access: 'data:write' },
      schema: {
        tags,
        operationId: 'dtbaseDeleteLocationSchema',
        summary: 'Delete a location schema that no location uses',
        body: SchemaName,
        response: { 200: Detail, 400: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      await locations.deleteSchema(request.body.schema_name);
      return { detail: `Location schema '${request.body.schema_name}' has been deleted.` };
    },
  );

  app.post(
    '/delete-location',
    {
      config: { access: 'data:write' },
      schema: {
        tags,
        operationId: 'dtbaseDeleteLocation',
        summary: 'Delete a location no sensor is installed at',
        body: SchemaAndCoordinates,
        response: { 200: Detail, 400: Detail, 409: Detail, 422: ValidationFailed, ...authErrors },
      },
    },
    async (request) => {
      await locations.deleteLocation(request.body.schema_name, request.body.coordinates);
      return { detail: 'Location deleted' };
    },
  );
};
