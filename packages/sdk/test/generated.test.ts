import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs script without types
import { generateTypes, outputPath } from '../scripts/generate.mjs';

const src = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'src');

describe('the generated types', () => {
  it('are what openapi-typescript makes of the committed openapi.json now', async () => {
    // The pre-scripts regenerate before build, typecheck and test; this catches a file left stale
    // by running vitest or tsc directly after packages/server/openapi.json changed.
    const onDisk = await readFile(outputPath, 'utf8');
    expect(onDisk === (await generateTypes()), 'src/generated/openapi.ts is stale: run npm run generate -w @mirrorbase/sdk').toBe(true);
  });
});

describe('the browser entry', () => {
  it('reaches no node: module through static imports (serve and runCli load the Node entry lazily)', async () => {
    const seen = new Set<string>();
    const pending = ['index.ts'];
    const nodeImports: string[] = [];
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const text = await readFile(path.join(src, file), 'utf8');
      for (const [, specifier] of text.matchAll(/^(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)) {
        if (specifier.startsWith('node:')) nodeImports.push(`${file}: ${specifier}`);
        else if (specifier.startsWith('.')) pending.push(path.join(path.dirname(file), specifier));
      }
    }
    expect(seen.size).toBeGreaterThan(5);
    expect(seen.has('node/serve.ts')).toBe(false);
    expect(nodeImports).toEqual([]);
    // And the Node entry does use them: the scan would see them.
    expect(await readdir(path.join(src, 'node'))).toContain('serve.ts');
  });
});
