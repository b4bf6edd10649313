import type { ExitCodeValue } from './exit-codes.js';

/** An expected failure: main prints `Error: <message>` on stderr (one line) and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
