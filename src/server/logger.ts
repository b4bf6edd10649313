// Minimal line logger: timestamps and a level, to stdout (info) and stderr (warnings, errors).
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export function consoleLogger(quiet = false): Logger {
  const stamp = (): string => new Date().toISOString();
  return {
    info: (m) => {
      if (!quiet) process.stdout.write(`${stamp()} [info] ${m}\n`);
    },
    warn: (m) => process.stderr.write(`${stamp()} [warning] ${m}\n`),
    error: (m) => process.stderr.write(`${stamp()} [error] ${m}\n`),
  };
}
