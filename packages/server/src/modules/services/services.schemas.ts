import { Type, type Static } from '@sinclair/typebox';
import { HttpMethodSchema, Nullable, ref } from '../../http/schemas.ts';

/** A stored URL as it is shown: credentials are used to call the service, never shown back. */
export const REDACTED_URL = 'the URL the service is called at, with the password of any user-info shown as *** (a lone user name too)';

/** Any JSON object, kept as sent (the parameters a service is called with). */
const JsonObject = Type.Object({}, { additionalProperties: true, examples: [{ city: 'London' }] });

export const ServiceBody = Type.Object({
  name: Type.String({ examples: ['weather-ingress'] }),
  url: Type.String({
    description:
      'absolute http(s) URL the service is called at; user-info in it (https://user:password@host/) is sent as ' +
      'Basic credentials. Loopback, private and link-local addresses are called only when MIRRORBASE_SERVICE_ALLOWED_HOSTS allows them.',
    examples: ['http://localhost:8000/ingress'],
  }),
  http_method: HttpMethodSchema,
});
export type ServiceBody = Static<typeof ServiceBody>;

// Responses get schemas of their own (same fields): a named schema must stay out of request
// schemas, which the validator compiles one by one.
const ServiceOutSchema = Type.Object(
  { ...ServiceBody.properties, url: Type.String({ description: REDACTED_URL, examples: ['https://user:***@example.org/ingress'] }) },
  { $id: 'DtbaseService' },
);
export const ServiceList = Type.Array(ref(ServiceOutSchema));

export const ServiceNameBody = Type.Object({ name: Type.String() });
export type ServiceNameBody = Static<typeof ServiceNameBody>;

export const ParameterSetBody = Type.Object({
  service_name: Type.String(),
  name: Type.String(),
  parameters: JsonObject,
});
export type ParameterSetBody = Static<typeof ParameterSetBody>;

export const ParameterSetKeyBody = Type.Object({ service_name: Type.String(), name: Type.String() });
export type ParameterSetKeyBody = Static<typeof ParameterSetKeyBody>;

/** Optional filters; the whole body may be absent, as DTBase's clients send none when empty. */
export const ParameterSetFilterBody = Type.Object({
  service_name: Type.Optional(Nullable(Type.String())),
});
export type ParameterSetFilterBody = Static<typeof ParameterSetFilterBody>;

const ParameterSetOutSchema = Type.Object(ParameterSetBody.properties, { $id: 'DtbaseParameterSet' });
export const ParameterSetList = Type.Array(ref(ParameterSetOutSchema));

/** Call arguments: an object or an array, sent as the JSON body of the call. */
const CallParameters = Type.Union([JsonObject, Type.Array(Type.Unknown()), Type.Null()], {
  description: 'object or array sent to the service; when given it wins over the parameter set',
});

export const RunServiceBody = Type.Object({
  service_name: Type.String(),
  parameter_set_name: Type.Optional(Nullable(Type.String())),
  parameters: Type.Optional(CallParameters),
  async: Type.Optional(
    Type.Boolean({
      description:
        'Mirrorbase: run in the background. Answers 202 at once with the run id; the run log and the service_run entity events show how it goes.',
    }),
  ),
});
export type RunServiceBody = Static<typeof RunServiceBody>;

/** 202 of a background run: the run id to follow in the run log. */
export const RunQueued = Type.Object({
  detail: Type.String({ examples: ['Service run queued.'] }),
  id: Type.Integer({ description: 'the run id (GET /api/v1/services/{name}/runs/{id})' }),
  status: Type.Literal('queued'),
});

export const RunFilterBody = Type.Object({
  service_name: Type.Optional(Nullable(Type.String())),
  parameter_set_name: Type.Optional(Nullable(Type.String())),
});
export type RunFilterBody = Static<typeof RunFilterBody>;

const ServiceRunOutSchema = Type.Object(
  {
    service_name: Type.String(),
    parameter_set_name: Nullable(Type.String()),
    parameters: Type.Unknown({ description: 'object, array or null: what the service was called with' }),
    response_json: Type.Unknown({ description: 'the JSON the service answered (any JSON value), null if not JSON' }),
    response_status_code: Nullable(
      Type.Integer({ description: 'null when the service could not be reached or timed out (DTBase always had one)' }),
    ),
    timestamp: Type.String({ format: 'date-time', examples: ['2024-01-01T00:00:00Z'] }),
  },
  { $id: 'DtbaseServiceRun' },
);
export const RunList = Type.Array(ref(ServiceRunOutSchema));

/** The named (response) schemas of DTBase's /service routes. */
export const dtbaseServiceSchemas = [ServiceOutSchema, ParameterSetOutSchema, ServiceRunOutSchema];
