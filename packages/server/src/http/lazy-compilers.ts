import SerializerSelector from '@fastify/fast-json-stringify-compiler';

/**
 * Response serialisers compiled on first use instead of at start-up.
 *
 * Fastify compiles a fast-json-stringify function for every response schema of every route
 * when the app becomes ready: about 1.7 s of CPU for our ~150 routes, more than half of a
 * server's start (the deployment must answer /readyz within 3 s). Compiling a route's
 * serialiser when it first answers costs that route a few milliseconds once; routes never
 * called never pay. The tests that call every route (openapi, fuzz) still compile every schema.
 */
export function lazySerializerFactory(): SerializerSelector.SerializerFactory {
  const buildCompiler = SerializerSelector();
  return (externalSchemas, options) => {
    const compile = buildCompiler(externalSchemas, options);
    return (route) => {
      let serialize: SerializerSelector.Serializer | undefined;
      return (data) => {
        serialize ??= compile(route);
        return serialize(data);
      };
    };
  };
}
