import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonBodyProblem, MAX_JSON_DEPTH } from './json-body.ts';

const nested = (depth: number) => JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`);

describe('jsonBodyProblem', () => {
  it('finds NUL in strings and keys at any depth, and nothing in clean bodies', () => {
    expect(jsonBodyProblem({ a: [1, 'x', { b: null }], c: true })).toBeUndefined();
    expect(jsonBodyProblem('a\u0000')).toBe('nul');
    expect(jsonBodyProblem({ a: [1, { b: ['ok', 'n\u0000'] }] })).toBe('nul');
    expect(jsonBodyProblem({ a: { 'k\u0000': 1 } })).toBe('nul');
    expect(jsonBodyProblem(5)).toBeUndefined();
    expect(jsonBodyProblem(null)).toBeUndefined();
  });

  it(`accepts ${MAX_JSON_DEPTH} levels of arrays and objects and refuses one more`, () => {
    expect(jsonBodyProblem(nested(MAX_JSON_DEPTH))).toBeUndefined();
    expect(jsonBodyProblem(nested(MAX_JSON_DEPTH + 1))).toBe('too-deep');
    const objects = JSON.parse(`${'{"a":'.repeat(MAX_JSON_DEPTH)}1${'}'.repeat(MAX_JSON_DEPTH)}`);
    expect(jsonBodyProblem(objects)).toBeUndefined();
    expect(jsonBodyProblem({ wrap: objects })).toBe('too-deep');
    expect(jsonBodyProblem([[1]], 1)).toBe('too-deep');
    expect(jsonBodyProblem([1], 1)).toBeUndefined();
  });

  it('meets 100,000 levels without overflowing the stack, and walks 200,000 siblings', () => {
    expect(jsonBodyProblem(nested(100_000))).toBe('too-deep');
    expect(jsonBodyProblem(Array.from({ length: 200_000 }, (_, i) => ({ i, s: 'x' })))).toBeUndefined();
  });

  it('leaves streamed bodies (CSV, NDJSON) to their own parsers', () => {
    expect(jsonBodyProblem(Readable.from(['a\u0000']))).toBeUndefined();
  });
});
