// Finds the command word without loading commander, so only that command's module is imported.
import { VALUE_FLAGS } from './global-options.js';

export interface SplitArgv {
  /** the command word as typed, if any */
  command?: string;
  /** everything else, in order (global options may come before or after the command) */
  rest: string[];
  /** -h/--help seen before any `--` */
  help: boolean;
  /** -V/--version seen before the command */
  version: boolean;
}

export function splitArgv(argv: readonly string[]): SplitArgv {
  const rest: string[] = [];
  let command: string | undefined;
  let help = false;
  let version = false;
  let literal = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i] as string;
    if (literal) {
      if (command === undefined) command = word;
      else rest.push(word);
      continue;
    }
    if (word === '--') {
      literal = true;
      rest.push(word);
      continue;
    }
    if (word === '-h' || word === '--help') {
      help = true;
      continue;
    }
    if ((word === '-V' || word === '--version') && command === undefined) {
      version = true;
      continue;
    }
    if (word.startsWith('-') && word.length > 1) {
      rest.push(word);
      if (VALUE_FLAGS.has(word) && i + 1 < argv.length) rest.push(argv[++i] as string);
      continue;
    }
    if (command === undefined) command = word;
    else rest.push(word);
  }
  const out: SplitArgv = { rest, help, version };
  if (command !== undefined) out.command = command;
  return out;
}
