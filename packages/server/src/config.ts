/**
 * The only reader of process.env. Everything the server can be told from outside is parsed
 * here once, checked, and frozen; the rest of the code receives this object.
 */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllowList, type AllowListEntry } from './outbound/address-policy.ts';

export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  /** PostgreSQL server URL; when absent the embedded PGlite database in `dataDir` is used. */
  readonly databaseUrl: string | undefined;
  readonly dataDir: string;
  /**
   * MIRRORBASE_API_KEY: the credential the CLI presents to a running server (`mirrorbase backup
   * --url`), the same variable the SDK reads. The server itself never uses it.
   */
  readonly apiKey: string | undefined;
  /** HS256 secret; undefined means "development: generate one and keep it in dataDir". */
  readonly jwtSecret: string | undefined;
  readonly accessTokenSeconds: number;
  readonly refreshGraceSeconds: number;
  /** DTBase semantics: set -> default_user@localhost exists with this password; unset -> it is removed. */
  readonly defaultUserPassword: string | undefined;
  readonly bodyLimitBytes: number;
  readonly logLevel: string;
  /** The deadline of one call to a service (run-service), redirects and reading the answer included. */
  readonly serviceCallTimeoutMs: number;
  /** A service's answer larger than this is not read on (its status is still logged). */
  readonly serviceResponseLimitBytes: number;
  /**
   * What services may be called at besides public addresses: host names, `*.domain`, IPs and
   * CIDR ranges (MIRRORBASE_SERVICE_ALLOWED_HOSTS). Loopback, link-local, private and other
   * special addresses are refused unless named here.
   */
  readonly serviceAllowedHosts: readonly AllowListEntry[];
  readonly databasePoolSize: number;
  /** How often the retention job runs, on one replica (minutes; 0 = never, run `mirrorbase retention`). */
  readonly retentionIntervalMinutes: number;
  // The job runner (src/jobs/).
  /** How often this process looks for due jobs (ms; 0 = it runs none, e.g. an API-only replica). */
  readonly jobsPollMs: number;
  /** How long a job's claim lasts unrenewed: a job whose replica died is taken over after this (seconds). */
  readonly jobsLeaseSeconds: number;
  /** Finished job runs are kept in the history this many days. */
  readonly jobsHistoryDays: number;
  /** How many jobs this process runs at once: service schedules' runs mostly wait on HTTP, and the database pool bounds the queries. */
  readonly jobsConcurrency: number;
  /** A failed scheduled service run is tried again after this (seconds), doubled per further attempt. */
  readonly scheduleRetryBackoffSeconds: number;
  /** false: start-up applies no migration and refuses a database that is not up to date (a separate job migrates). */
  readonly migrateOnStart: boolean;
  /** How long a shutdown waits for requests in flight before it closes what is left and exits with 1. */
  readonly shutdownTimeoutMs: number;
  /** Audit log entries older than this many days are pruned by the audit retention job (0 = kept forever). */
  readonly auditRetentionDays: number;
  // Realtime streams (src/realtime/).
  /** How long the stream log keeps events, i.e. how far back a reconnecting client can resume (minutes). */
  readonly streamHistoryMinutes: number;
  /** A comment (SSE) or ping (WebSocket) on an idle stream this often, for proxies and dead-peer detection. */
  readonly streamHeartbeatSeconds: number;
  /** A stream whose client is further behind than this is closed (reason slow_consumer). */
  readonly streamMaxBufferBytes: number;
  /** Streams one process serves at most; beyond, 503. */
  readonly streamMaxClients: number;
  /** An event whose window holds more readings than this is sent without them (readings_omitted). */
  readonly streamMaxReadingsPerEvent: number;
  /**
   * Which proxies' X-Forwarded-For to believe for the client's address (Fastify's trustProxy):
   * false (none, the default), true (any), a number of hops, or addresses and CIDR ranges.
   */
  readonly trustProxy: boolean | number | readonly string[];
  // Abuse resistance (src/http/hardening.ts, src/modules/auth/login-throttle.ts).
  /** Failed logins of one account, within one window, after which its logins get 429 (0 = no limit). */
  readonly loginMaxFailuresPerAccount: number;
  /** Failed logins from one client address (an IPv6 /64), within one window, after which its logins get 429 (0 = no limit). */
  readonly loginMaxFailuresPerAddress: number;
  /** How long a window of failed logins lasts, counted from its first failure (seconds). */
  readonly loginFailureWindowSeconds: number;
  /** Requests from one client address per minute, per replica, on every route but the probes (0 = no limit). */
  readonly rateLimitPerMinute: number;
  /** Which browser origins may call the API cross-origin: '*', 'loopback' (http://localhost:*, ...) or a list (empty: none). */
  readonly corsOrigins: '*' | 'loopback' | readonly string[];
  /** The built web app served at / (packages/web builds into packages/server/public). */
  readonly webRoot: string;
  /** MQTT ingest (src/mqtt/): off, a bridge to an external broker, or the embedded broker. */
  readonly mqtt: MqttConfig;
  /** Prometheus metrics and OpenTelemetry traces (src/observability/). */
  readonly observability: ObservabilityConfig;
}

export interface ObservabilityConfig {
  /**
   * MIRRORBASE_METRICS_PORT: a second listener serving only GET /metrics, without
   * authentication, for a scrape from inside the cluster (keep the port off the ingress).
   * Unset: none; /metrics is then on the main port only, where it needs authorisation.
   */
  readonly metricsPort: number | undefined;
  readonly metricsHost: string;
  /** A bearer token that may read /metrics on the main port (besides an admin); unset: admins only. */
  readonly metricsToken: string | undefined;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: the OTLP/HTTP collector's base URL (traces go to <url>/v1/traces); unset: no tracing at all. */
  readonly otlpEndpoint: string | undefined;
  /** OTEL_SERVICE_NAME: the service.name of the spans. */
  readonly serviceName: string;
}

export interface MqttConfig {
  /** 'off' (neither MQTT_URL nor MQTT_EMBEDDED), 'bridge' (MQTT_URL) or 'embedded' (MQTT_EMBEDDED=1). */
  readonly mode: 'off' | 'bridge' | 'embedded';
  /** The external broker (mqtt://, mqtts://, ws://, wss://); credentials may be in it or below. */
  readonly url: string | undefined;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** The bridge's client id: stable across restarts, so its persistent session (and its un-acked messages) survive. */
  readonly clientId: string;
  /** How long the broker keeps the bridge's session (and queues for it) while it is away (seconds). */
  readonly sessionExpirySeconds: number;
  /** QoS 1 messages the broker may have in flight to the bridge un-acknowledged (MQTT v5 Receive Maximum). */
  readonly receiveMaximum: number;
  readonly embeddedHost: string;
  readonly embeddedPort: number;
  /** First topic level(s): `<root>/<sensor>/<measure>`, `<root>/<sensor>`, errors on `<root>/errors/<sensor>`. */
  readonly topicRoot: string;
  /** Shared-subscription group: one replica of the group gets each message (`$share/<group>/...`). */
  readonly shareGroup: string;
  /** A batch is written when it holds this many readings ... */
  readonly batchSize: number;
  /** ... or this long after its first message (ms). */
  readonly batchDelayMs: number;
  /** Larger payloads are refused as bad messages (an MQTT payload may be 256 MB). */
  readonly payloadLimitBytes: number;
}

export class ConfigError extends Error {}

type Env = Record<string, string | undefined>;

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function boolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(true|1)$/i.test(raw)) return true;
  if (/^(false|0)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
}

function allowList(env: Env, name: string): readonly AllowListEntry[] {
  try {
    return Object.freeze(parseAllowList(env[name]));
  } catch (error) {
    throw new ConfigError(`${name}: ${(error as Error).message}`);
  }
}

function nonEmpty(env: Env, name: string): string | undefined {
  const raw = env[name];
  return raw === undefined || raw === '' ? undefined : raw;
}

/** Names proxy-addr (Fastify's trustProxy) knows for ranges of addresses. */
const PROXY_RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

function isAddressOrRange(item: string): boolean {
  if (PROXY_RANGE_NAMES.has(item)) return true;
  const [address, prefix, ...rest] = item.split('/');
  if (rest.length > 0 || !address) return false;
  const family = net.isIP(address);
  if (family === 0) return false;
  if (prefix === undefined) return true;
  const bits = Number(prefix);
  return /^\d{1,3}$/.test(prefix) && bits <= (family === 4 ? 32 : 128);
}

/**
 * MIRRORBASE_TRUST_PROXY: unset or false trusts no proxy, so request.ip is the peer's address
 * and a client cannot name another address in X-Forwarded-For (the audit log and per-address
 * limits rely on it). Behind a reverse proxy, name the proxy (addresses, CIDR ranges) or the
 * number of proxies in front.
 */
function trustProxy(env: Env): boolean | number | readonly string[] {
  const raw = nonEmpty(env, 'MIRRORBASE_TRUST_PROXY')?.trim();
  if (raw === undefined || /^(false|0)$/i.test(raw)) return false;
  if (/^true$/i.test(raw)) return true;
  if (/^\d+$/.test(raw)) return integer(env, 'MIRRORBASE_TRUST_PROXY', 0, 1, 100);
  const items = raw.split(',').map((item) => item.trim());
  const bad = items.find((item) => !isAddressOrRange(item));
  if (bad !== undefined) {
    throw new ConfigError(
      `MIRRORBASE_TRUST_PROXY must be true, false, a number of proxies, or addresses and CIDR ranges separated by commas; "${bad}" is none of these`,
    );
  }
  return Object.freeze(items);
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const MIN_PRODUCTION_SECRET_LENGTH = 32;
/**
 * Placeholders that templates and tutorials put where a secret belongs (DTBase's own template
 * says <REPLACE_ME>); compared without case, spaces, dashes or underscores.
 */
const PLACEHOLDER_SECRET_WORDS = ['replaceme', 'changeme', 'changethis', 'yoursecret', 'yourjwtsecret', 'insertsecret', 'putyoursecret'];
/** A random secret of 32 characters has far more distinct ones; fewer means a typed pattern. */
const MIN_DISTINCT_SECRET_CHARACTERS = 10;

/** Why a production token secret is refused, or undefined when it will do. */
function productionSecretProblem(secret: string | undefined): string | undefined {
  if (!secret) return 'DT_JWT_SECRET_KEY must be set when NODE_ENV=production';
  if (secret.length < MIN_PRODUCTION_SECRET_LENGTH) {
    return `DT_JWT_SECRET_KEY must be at least ${MIN_PRODUCTION_SECRET_LENGTH} characters in production`;
  }
  const squashed = secret.toLowerCase().replace(/[\s_\-.<>]/g, '');
  if (PLACEHOLDER_SECRET_WORDS.some((word) => squashed.includes(word))) {
    return 'DT_JWT_SECRET_KEY is a placeholder from a template: set a random one (e.g. `openssl rand -base64 48`)';
  }
  if (new Set(secret).size < MIN_DISTINCT_SECRET_CHARACTERS) {
    return 'DT_JWT_SECRET_KEY is a pattern, not a random secret: set a random one (e.g. `openssl rand -base64 48`)';
  }
  return undefined;
}

/**
 * MIRRORBASE_CORS_ORIGINS: '*', or origins (scheme://host[:port]) separated by commas. Unset:
 * none in production (a browser app is served by the same server, so it needs none), the
 * loopback origins in development (a web app's dev server on another port).
 */
function corsOrigins(env: Env, nodeEnv: Config['nodeEnv']): Config['corsOrigins'] {
  const raw = nonEmpty(env, 'MIRRORBASE_CORS_ORIGINS')?.trim();
  if (raw === undefined) return nodeEnv === 'development' ? 'loopback' : [];
  if (raw === '*') return '*';
  if (raw === 'none') return [];
  const origins = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const origin of origins) {
    let parsed: URL | undefined;
    try {
      parsed = new URL(origin);
    } catch {
      parsed = undefined;
    }
    // An origin is exactly scheme://host[:port]: a path or a trailing slash would never match a browser's Origin header.
    // No wildcards within a name either: '*' is the only pattern, for any origin.
    if (!parsed || !/^https?:$/.test(parsed.protocol) || parsed.origin !== origin || parsed.hostname.includes('*')) {
      throw new ConfigError(
        `MIRRORBASE_CORS_ORIGINS: "${origin}" is not an origin like https://app.example.org (scheme, host, optional port; no path)`,
      );
    }
  }
  return Object.freeze(origins);
}

/** A topic level (or several, for the root) that holds no wildcard and does not start with `$`. */
function topicName(env: Env, name: string, fallback: string, allowSlash: boolean): string {
  const raw = nonEmpty(env, name) ?? fallback;
  const levels = raw.split('/');
  if (
    raw.startsWith('$') ||
    /[+#]/.test(raw) ||
    raw.includes('\u0000') ||
    levels.some((level) => level === '') ||
    (!allowSlash && levels.length > 1) ||
    raw.length > 200
  ) {
    throw new ConfigError(
      `${name} must be ${allowSlash ? 'topic levels separated by /' : 'one topic level'} without +, #, empty levels or a leading $, got "${raw}"`,
    );
  }
  return raw;
}

function mqttConfig(env: Env): MqttConfig {
  const url = nonEmpty(env, 'MQTT_URL');
  const embedded = boolean(env, 'MQTT_EMBEDDED', false);
  if (url && embedded) {
    throw new ConfigError(
      'MQTT_URL and MQTT_EMBEDDED=1 exclude each other: set MQTT_URL to bridge an external broker, or MQTT_EMBEDDED=1 to run one',
    );
  }
  if (url && !/^(mqtts?|wss?):\/\/[^/]/.test(url)) {
    throw new ConfigError('MQTT_URL must start with mqtt://, mqtts://, ws:// or wss:// and name a host');
  }
  // A client id names the session the broker keeps: one per replica, the same after a restart.
  const host =
    os
      .hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 80) || 'host';
  const clientId = nonEmpty(env, 'MQTT_CLIENT_ID') ?? `mirrorbase-${host}`;
  if (clientId.length > 200) throw new ConfigError('MQTT_CLIENT_ID must be at most 200 characters');
  return Object.freeze({
    mode: url ? 'bridge' : embedded ? 'embedded' : 'off',
    url,
    username: nonEmpty(env, 'MQTT_USERNAME'),
    password: nonEmpty(env, 'MQTT_PASSWORD'),
    clientId,
    sessionExpirySeconds: integer(env, 'MQTT_SESSION_EXPIRY_SECONDS', 7 * 86_400, 0, 0xffffffff),
    receiveMaximum: integer(env, 'MQTT_RECEIVE_MAXIMUM', 10_000, 1, 65_535),
    embeddedHost: nonEmpty(env, 'MQTT_EMBEDDED_HOST') ?? '0.0.0.0',
    embeddedPort: integer(env, 'MQTT_EMBEDDED_PORT', 1883, 0, 65_535),
    topicRoot: topicName(env, 'MQTT_TOPIC_ROOT', 'mirrorbase', true),
    shareGroup: topicName(env, 'MQTT_SHARE_GROUP', 'mirrorbase', false),
    batchSize: integer(env, 'MQTT_BATCH_SIZE', 5000, 1, 100_000),
    batchDelayMs: integer(env, 'MQTT_BATCH_DELAY_MS', 50, 0, 60_000),
    payloadLimitBytes: integer(env, 'MQTT_PAYLOAD_LIMIT_KB', 64, 1, 256 * 1024) * 1024,
  });
}

/** A metrics token shorter than this is guessable; refused in production. */
const MIN_PRODUCTION_METRICS_TOKEN_LENGTH = 24;

function observabilityConfig(env: Env, nodeEnv: Config['nodeEnv'], port: number): ObservabilityConfig {
  const metricsPort =
    nonEmpty(env, 'MIRRORBASE_METRICS_PORT') === undefined ? undefined : integer(env, 'MIRRORBASE_METRICS_PORT', 0, 0, 65_535);
  if (metricsPort !== undefined && metricsPort !== 0 && metricsPort === port) {
    throw new ConfigError(`MIRRORBASE_METRICS_PORT must differ from PORT (${port}): it is a second listener, without authentication`);
  }
  const metricsToken = nonEmpty(env, 'MIRRORBASE_METRICS_TOKEN');
  if (metricsToken !== undefined && /[\s,]/.test(metricsToken)) {
    throw new ConfigError('MIRRORBASE_METRICS_TOKEN must hold no spaces or commas (it is sent as Authorization: Bearer <token>)');
  }
  if (nodeEnv === 'production' && metricsToken !== undefined && metricsToken.length < MIN_PRODUCTION_METRICS_TOKEN_LENGTH) {
    throw new ConfigError(
      `MIRRORBASE_METRICS_TOKEN must be at least ${MIN_PRODUCTION_METRICS_TOKEN_LENGTH} characters in production (e.g. \`openssl rand -hex 24\`)`,
    );
  }
  const otlpEndpoint = nonEmpty(env, 'OTEL_EXPORTER_OTLP_ENDPOINT')?.trim().replace(/\/+$/, '');
  if (otlpEndpoint !== undefined && !/^https?:\/\/[^/]/.test(otlpEndpoint)) {
    throw new ConfigError(
      'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL (the OTLP/HTTP collector, e.g. http://otel-collector:4318)',
    );
  }
  return Object.freeze({
    metricsPort,
    metricsHost: nonEmpty(env, 'MIRRORBASE_METRICS_HOST') ?? '0.0.0.0',
    metricsToken,
    otlpEndpoint,
    serviceName: nonEmpty(env, 'OTEL_SERVICE_NAME') ?? 'mirrorbase',
  });
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnvRaw = env.NODE_ENV ?? 'development';
  if (!['development', 'production', 'test'].includes(nodeEnvRaw)) {
    throw new ConfigError(`NODE_ENV must be development, production or test, got "${nodeEnvRaw}"`);
  }
  const nodeEnv = nodeEnvRaw as Config['nodeEnv'];

  const jwtSecret = nonEmpty(env, 'DT_JWT_SECRET_KEY');
  const defaultUserPassword = nonEmpty(env, 'DT_DEFAULT_USER_PASS');
  if (nodeEnv === 'production') {
    const secretProblem = productionSecretProblem(jwtSecret);
    if (secretProblem) throw new ConfigError(secretProblem);
    // DTBase creates default_user@localhost, an admin whose password sits in the environment of
    // every deployment: in production only when someone says it is meant.
    if (defaultUserPassword && !boolean(env, 'MIRRORBASE_ALLOW_DEFAULT_USER', false)) {
      throw new ConfigError(
        'DT_DEFAULT_USER_PASS is set with NODE_ENV=production: unset it (create users with `mirrorbase user add`) or set MIRRORBASE_ALLOW_DEFAULT_USER=1 if default_user@localhost is meant',
      );
    }
  }

  const databaseUrl = nonEmpty(env, 'DATABASE_URL');
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }

  const logLevel = env.LOG_LEVEL ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }

  const port = integer(env, 'PORT', 5000, 0, 65535);
  return Object.freeze({
    nodeEnv,
    host: env.HOST ?? '0.0.0.0',
    port,
    databaseUrl,
    dataDir: path.resolve(env.MIRRORBASE_DATA_DIR ?? '.mirrorbase'),
    apiKey: nonEmpty(env, 'MIRRORBASE_API_KEY'),
    jwtSecret,
    accessTokenSeconds: integer(env, 'DT_JWT_ACCESS_TOKEN_EXPIRES_SECONDS', 3600, 1, 10 * 365 * 86400),
    refreshGraceSeconds: integer(env, 'DT_JWT_REFRESH_TOKEN_GRACE_SECONDS', 3600, 0, 10 * 365 * 86400),
    defaultUserPassword,
    bodyLimitBytes: integer(env, 'MIRRORBASE_BODY_LIMIT_MB', 50, 1, 4096) * 1024 * 1024,
    logLevel,
    serviceCallTimeoutMs: integer(env, 'MIRRORBASE_SERVICE_TIMEOUT_MS', 30_000, 100, 3_600_000),
    serviceResponseLimitBytes: integer(env, 'MIRRORBASE_SERVICE_RESPONSE_LIMIT_MB', 16, 1, 1024) * 1024 * 1024,
    serviceAllowedHosts: allowList(env, 'MIRRORBASE_SERVICE_ALLOWED_HOSTS'),
    databasePoolSize: integer(env, 'MIRRORBASE_DB_POOL_SIZE', 10, 1, 1000),
    retentionIntervalMinutes: integer(env, 'MIRRORBASE_RETENTION_INTERVAL_MINUTES', 60, 0, 7 * 24 * 60),
    // The job runner.
    jobsPollMs: integer(env, 'MIRRORBASE_JOBS_POLL_MS', 5000, 0, 3_600_000),
    jobsLeaseSeconds: integer(env, 'MIRRORBASE_JOBS_LEASE_SECONDS', 60, 1, 86_400),
    jobsHistoryDays: integer(env, 'MIRRORBASE_JOBS_HISTORY_DAYS', 30, 1, 3650),
    jobsConcurrency: integer(env, 'MIRRORBASE_JOBS_CONCURRENCY', 1000, 1, 10_000),
    scheduleRetryBackoffSeconds: integer(env, 'MIRRORBASE_SCHEDULE_RETRY_BACKOFF_SECONDS', 30, 0, 3600),
    migrateOnStart: boolean(env, 'MIRRORBASE_MIGRATE_ON_START', true),
    // Below Kubernetes' default grace period of 30 s, so the process ends before a SIGKILL would.
    shutdownTimeoutMs: integer(env, 'MIRRORBASE_SHUTDOWN_TIMEOUT_MS', 10_000, 0, 3_600_000),
    auditRetentionDays: integer(env, 'MIRRORBASE_AUDIT_RETENTION_DAYS', 365, 0, 36_500),
    streamHistoryMinutes: integer(env, 'MIRRORBASE_STREAM_HISTORY_MINUTES', 60, 1, 10_080),
    streamHeartbeatSeconds: integer(env, 'MIRRORBASE_STREAM_HEARTBEAT_SECONDS', 15, 1, 3_600),
    streamMaxBufferBytes: integer(env, 'MIRRORBASE_STREAM_MAX_BUFFER_KB', 4_096, 64, 1_048_576) * 1024,
    streamMaxClients: integer(env, 'MIRRORBASE_STREAM_MAX_CLIENTS', 10_000, 1, 1_000_000),
    streamMaxReadingsPerEvent: integer(env, 'MIRRORBASE_STREAM_MAX_READINGS_PER_EVENT', 10_000, 1, 1_000_000),
    trustProxy: trustProxy(env),
    // Abuse resistance.
    loginMaxFailuresPerAccount: integer(env, 'MIRRORBASE_LOGIN_MAX_FAILURES_PER_ACCOUNT', 10, 0, 1_000_000),
    loginMaxFailuresPerAddress: integer(env, 'MIRRORBASE_LOGIN_MAX_FAILURES_PER_ADDRESS', 50, 0, 1_000_000),
    loginFailureWindowSeconds: integer(env, 'MIRRORBASE_LOGIN_FAILURE_WINDOW_SECONDS', 300, 1, 86_400),
    rateLimitPerMinute: integer(env, 'MIRRORBASE_RATE_LIMIT_PER_MINUTE', 12_000, 0, 100_000_000),
    corsOrigins: corsOrigins(env, nodeEnv),
    // src/config.ts and the bundled dist/*.js both sit one folder below the package.
    webRoot: path.resolve(env.MIRRORBASE_WEB_ROOT ?? fileURLToPath(new URL('../public', import.meta.url))),
    mqtt: mqttConfig(env),
    observability: observabilityConfig(env, nodeEnv, port),
  });
}
