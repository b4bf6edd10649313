// rabbitmqctl's memory and disk amounts: plain bytes, or a number with a unit. As RabbitMQ: k/K/KiB/kiB,
// m/M/MiB/miB, g/G/GiB/giB are powers of 1024; kB/KB, MB, GB are powers of 1000.
import { CliError, ExitCode } from '../exit-codes.js';

const UNITS: Record<string, number> = {
  '': 1,
  k: 1024,
  K: 1024,
  kiB: 1024,
  KiB: 1024,
  m: 1024 ** 2,
  M: 1024 ** 2,
  miB: 1024 ** 2,
  MiB: 1024 ** 2,
  g: 1024 ** 3,
  G: 1024 ** 3,
  giB: 1024 ** 3,
  GiB: 1024 ** 3,
  kB: 1000,
  KB: 1000,
  MB: 1000 ** 2,
  GB: 1000 ** 3,
};

/** "50MB" -> 50000000; undefined when the text is not an amount. */
export function parseAmount(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const factor = UNITS[m[2] as string];
  if (factor === undefined) return undefined;
  return Math.floor(Number(m[1]) * factor);
}

export function requireAmount(text: string, what: string): number {
  const n = parseAmount(text);
  if (n === undefined) throw new CliError(ExitCode.USAGE, `invalid ${what} '${text}': expected bytes, or a number with a unit (kB, MB, GB, KiB, MiB, GiB)`);
  return n;
}

/** A fraction in [0, 1]; undefined when the text is not a plain number or is a whole number of bytes above 1. */
export function parseFraction(text: string, what: string): number | undefined {
  if (!/^\s*\d*\.?\d+\s*$/.test(text)) return undefined;
  const f = Number(text);
  if (f > 1 && Number.isInteger(f)) return undefined; // plain bytes
  if (f < 0 || f > 1) throw new CliError(ExitCode.USAGE, `invalid ${what} '${text}': a fraction must be between 0 and 1 (or use absolute <amount>)`);
  return f;
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(2)} GiB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${n} bytes`;
}
