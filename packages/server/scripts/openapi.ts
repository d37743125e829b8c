/**
 * `npm run openapi [-- <file>]`: writes the OpenAPI document to <file>, by default
 * packages/server/openapi.json (committed; test/openapi.test.ts fails when it is out of date).
 * A relative <file> is taken from the directory npm was started in.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateOpenApiDocument } from '../src/http/openapi-document.ts';

const packageDir = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const target = process.argv[2]
  ? path.resolve(process.env.INIT_CWD ?? process.cwd(), process.argv[2])
  : path.join(packageDir, 'openapi.json');

await writeFile(target, await generateOpenApiDocument());
console.log(`OpenAPI document written to ${target}`);
