/**
 * Optional OpenTelemetry traces: one server span per request, continuing the caller's W3C
 * `traceparent`, exported over OTLP/HTTP to OTEL_EXPORTER_OTLP_ENDPOINT. The OpenTelemetry
 * packages are imported only here, dynamically, when the endpoint is set: a server without
 * tracing never loads them. No global provider is registered (tests build many apps in one
 * process); each app's tracer is its own.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** What the HTTP layer knows of a request once it is answered. */
export interface RequestOutcome {
  /** The route's template (`/api/v1/sensors/:id`), never the raw URL. */
  route: string;
  statusCode: number;
  requestId: string;
}

export interface RequestSpan {
  /** The span's trace id (32 hex digits): the caller's when a valid traceparent came in. */
  readonly traceId: string;
  end(outcome: RequestOutcome): void;
}

export interface RequestTracer {
  startRequest(method: string, route: string, headers: IncomingHttpHeaders): RequestSpan;
  /** Sends what is batched and stops (the app's close). */
  shutdown(): Promise<void>;
  /** Sends what is batched now (tests). */
  flush(): Promise<void>;
}

export async function startTracing(options: { endpoint: string; serviceName: string; version: string }): Promise<RequestTracer> {
  const [api, core, resources, sdk, otlp] = await Promise.all([
    import('@opentelemetry/api'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/exporter-trace-otlp-http'),
  ]);
  const exporter = new otlp.OTLPTraceExporter({ url: `${options.endpoint}/v1/traces` });
  const provider = new sdk.BasicTracerProvider({
    resource: resources.resourceFromAttributes({ 'service.name': options.serviceName, 'service.version': options.version }),
    spanProcessors: [new sdk.BatchSpanProcessor(exporter)],
  });
  const tracer = provider.getTracer('mirrorbase', options.version);
  const propagator = new core.W3CTraceContextPropagator();

  return {
    startRequest(method, route, headers) {
      const parent = propagator.extract(api.ROOT_CONTEXT, headers, api.defaultTextMapGetter);
      const span = tracer.startSpan(
        `${method} ${route}`,
        { kind: api.SpanKind.SERVER, attributes: { 'http.request.method': method, 'http.route': route } },
        parent,
      );
      let ended = false;
      return {
        traceId: span.spanContext().traceId,
        end({ route: finalRoute, statusCode, requestId }) {
          if (ended) return;
          ended = true;
          span.updateName(`${method} ${finalRoute}`);
          span.setAttributes({ 'http.route': finalRoute, 'http.response.status_code': statusCode, 'mirrorbase.request_id': requestId });
          // Server spans: a 4xx is the client's doing, only a 5xx is an error of ours.
          if (statusCode >= 500) span.setStatus({ code: api.SpanStatusCode.ERROR });
          span.end();
        },
      };
    },
    shutdown: () => provider.shutdown(),
    flush: () => provider.forceFlush(),
  };
}
