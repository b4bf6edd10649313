// Secrets and confirmations: inquirer only on a TTY and never with --yes (DESIGN.md conventions 7, 10).
import type { Io } from './io.js';

/** Reads all of stdin and returns its first line (without the line end), as rabbitmqctl does for passwords. */
export async function readStdinLine(io: Io): Promise<string> {
  return firstLine(await readStdin(io));
}

export async function readStdin(io: Io): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export function firstLine(text: string): string {
  const nl = text.search(/\r?\n/);
  return nl === -1 ? text : text.slice(0, nl);
}

export function isInteractive(io: Io): boolean {
  return io.stdin.isTTY === true && io.stderr.isTTY === true;
}

/** Prompts on stderr (stdout stays parseable). */
export async function promptPassword(message: string): Promise<string> {
  const { createPromptModule } = await import('inquirer');
  const prompt = createPromptModule({ output: process.stderr });
  const answers = await prompt<{ password: string }>([{ type: 'password', name: 'password', message, mask: '*' }]);
  return answers.password;
}

export async function promptConfirm(message: string): Promise<boolean> {
  const { createPromptModule } = await import('inquirer');
  const prompt = createPromptModule({ output: process.stderr });
  const answers = await prompt<{ ok: boolean }>([{ type: 'confirm', name: 'ok', message, default: false }]);
  return answers.ok;
}
