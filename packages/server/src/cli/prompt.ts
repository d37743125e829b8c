import { createInterface } from 'node:readline';

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
    return await new Promise<string>((resolve) => rl.question(prompt, resolve));
  } finally {
    rl.close();
    if (process.stdin.isTTY) process.stdout.write('\n');
  }
}
