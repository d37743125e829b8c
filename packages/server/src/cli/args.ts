import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake on the command line: printed as one line with the usage, exit code 2. */
export class UsageError extends Error {}

type Options = NonNullable<ParseArgsConfig['options']>;

/** Node's own message, first sentence only: "Unknown option '--bogus'" (the rest is advice about `--`). */
function describe(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const first = message.split(/\.\s/)[0].replace(/\.$/, '');
  return first.charAt(0).toLowerCase() + first.slice(1);
}

/**
 * parseArgs for one command: unknown options, missing option values and more than
 * `maxPositionals` positionals become UsageErrors naming the command.
 */
export function parseCommandArgs<const O extends Options>(command: string, args: string[], options: O, maxPositionals: number) {
  // biome-ignore lint/suspicious/noImplicitAnyLet: parseArgs's result type depends on O; it is inferred from the assignment below
  let parsed;
  try {
    parsed = parseArgs({ args, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`mirrorbase ${command}: ${describe(error)}`);
  }
  if (parsed.positionals.length > maxPositionals) {
    throw new UsageError(`mirrorbase ${command}: unexpected argument "${parsed.positionals[maxPositionals]}"`);
  }
  return parsed;
}
