// Minimal line logger: timestamps and a level, to stdout (info) and stderr (warnings, errors). The threshold
// uses RabbitMQ's level names and changes at run time (warrenctl set_log_level).
export const LOG_LEVELS = ['debug', 'info', 'notice', 'warning', 'error', 'critical', 'alert', 'emergency', 'none'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
  /** the least severe level written (absent: info) */
  level?: LogLevel;
  /** changes `level`; false (and no change) for a name that is not one of LOG_LEVELS */
  setLevel?(name: string): boolean;
}

/** Whether a logger at `threshold` writes a line of `level`. */
function writes(threshold: LogLevel | undefined, level: LogLevel): boolean {
  return LOG_LEVELS.indexOf(level) >= LOG_LEVELS.indexOf(threshold ?? 'info');
}

export function consoleLogger(quiet = false): Logger {
  const stamp = (): string => new Date().toISOString();
  const log: Logger = {
    level: quiet ? 'warning' : 'info',
    info: (m) => {
      if (writes(log.level, 'info')) process.stdout.write(`${stamp()} [info] ${m}\n`);
    },
    warn: (m) => {
      if (writes(log.level, 'warning')) process.stderr.write(`${stamp()} [warning] ${m}\n`);
    },
    error: (m) => {
      if (writes(log.level, 'error')) process.stderr.write(`${stamp()} [error] ${m}\n`);
    },
    setLevel: (name) => {
      const level = LOG_LEVELS.find((l) => l === name);
      if (level === undefined) return false;
      log.level = level;
      return true;
    },
  };
  return log;
}
