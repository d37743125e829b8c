import { createInterface } from 'node:readline';
import { UsageError } from './args.ts';

/** Reads a password: from the terminal without echo, or the first line of a piped stdin. */
export async function readPassword(prompt: string): Promise<string> {
  const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
  if (process.stdin.isTTY) {
    // Replace echoed characters so the password does not appear on screen.
    const output = rl as unknown as { _writeToOutput: (s: string) => void; output: NodeJS.WriteStream };
    output._writeToOutput = (s: string) => {
      if (s.startsWith(prompt)) output.output.write(prompt);
    };
  }
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.question(prompt, resolve);
      // A piped stdin that ends without a line (or none at all) would otherwise leave this waiting.
      rl.once('close', () => reject(new UsageError('no password given: type one, pipe it on stdin, or pass --password P')));
    });
  } finally {
    rl.close();
    if (process.stdin.isTTY) process.stdout.write('\n');
  }
}
