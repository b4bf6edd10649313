// Message properties from the command line (publish, rpc-call) and option parsing helpers.
import type { Options } from 'amqplib';
import type { OptionSpec, OptionValues } from '../command.js';
import { CliError, ExitCode } from '../exit-codes.js';

export const PROPERTY_OPTIONS: readonly OptionSpec[] = [
  { flags: '--persistent', description: 'delivery mode 2 (persistent), so a durable queue keeps the message across a restart' },
  { flags: '--content-type <type>', description: 'content_type property, e.g. application/json' },
  { flags: '--content-encoding <encoding>', description: 'content_encoding property' },
  { flags: '--correlation-id <id>', description: 'correlation_id property' },
  { flags: '--reply-to <queue>', description: 'reply_to property' },
  { flags: '--expiration <ms>', description: 'expiration property: per-message TTL in milliseconds' },
  { flags: '--priority <0-255>', description: 'priority property (for queues declared with x-max-priority)' },
  { flags: '--message-id <id>', description: 'message_id property' },
  { flags: '--type <type>', description: 'type property' },
  { flags: '--app-id <id>', description: 'app_id property' },
  { flags: '-H, --header <key=value>', description: "a header, key=value or 'key: value' (repeatable); values stay strings", repeatable: true },
  { flags: '--properties <json>', description: 'properties as a JSON object with AMQP names (content_type, delivery_mode, headers, ...); the flags above win' },
];

export function str(options: OptionValues, key: string): string | undefined {
  const v = options[key];
  return typeof v === 'string' ? v : undefined;
}

export function list(options: OptionValues, key: string): string[] {
  const v = options[key];
  if (Array.isArray(v)) return v;
  return typeof v === 'string' ? [v] : [];
}

/** A non-negative integer option, or undefined when absent; bad text -> 64. */
export function intOption(options: OptionValues, key: string, flag: string, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}): number | undefined {
  const text = str(options, key);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new CliError(
      ExitCode.USAGE,
      `invalid ${flag} '${text}': expected ${max === Number.MAX_SAFE_INTEGER ? (min === 0 ? 'a whole number' : `a whole number from ${min}`) : `a whole number from ${min} to ${max}`}`,
    );
  }
  return n;
}

/** A positive number of seconds -> milliseconds. */
export function secondsOption(options: OptionValues, key: string, flag: string): number | undefined {
  const text = str(options, key);
  if (text === undefined) return undefined;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n <= 0)
    throw new CliError(ExitCode.USAGE, `invalid ${flag} '${text}': expected a positive number of seconds`);
  return Math.round(n * 1000);
}

/** A JSON object option (arguments, properties); bad JSON -> 65. */
export function jsonObjectOption(options: OptionValues, key: string, flag: string): Record<string, unknown> | undefined {
  const text = str(options, key);
  if (text === undefined) return undefined;
  return parseJsonObject(text, flag);
}

export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new CliError(ExitCode.DATA_ERROR, `${what} is not valid JSON: ${(e as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new CliError(ExitCode.DATA_ERROR, `${what} must be a JSON object, e.g. {"x-max-length": 10}`);
  return value as Record<string, unknown>;
}

/** AMQP property names (content_type) and amqplib's (contentType) -> amqplib's. */
const PROPERTY_NAMES: Record<string, keyof Options.Publish> = {
  content_type: 'contentType',
  content_encoding: 'contentEncoding',
  headers: 'headers',
  delivery_mode: 'deliveryMode',
  priority: 'priority',
  correlation_id: 'correlationId',
  reply_to: 'replyTo',
  expiration: 'expiration',
  message_id: 'messageId',
  timestamp: 'timestamp',
  type: 'type',
  user_id: 'userId',
  app_id: 'appId',
};

export function publishOptions(options: OptionValues): Options.Publish {
  const props: Record<string, unknown> = {};
  const json = jsonObjectOption(options, 'properties', '--properties');
  if (json) {
    const known = new Set<string>(Object.values(PROPERTY_NAMES));
    for (const [k, v] of Object.entries(json)) {
      const name = PROPERTY_NAMES[k] ?? (known.has(k) ? k : undefined);
      if (!name) throw new CliError(ExitCode.DATA_ERROR, `--properties: unknown property '${k}' (use: ${Object.keys(PROPERTY_NAMES).join(', ')})`);
      props[name] = v;
    }
  }
  if (options.persistent === true) props.deliveryMode = 2;
  const direct: [string, keyof Options.Publish][] = [
    ['contentType', 'contentType'],
    ['contentEncoding', 'contentEncoding'],
    ['correlationId', 'correlationId'],
    ['replyTo', 'replyTo'],
    ['messageId', 'messageId'],
    ['type', 'type'],
    ['appId', 'appId'],
  ];
  for (const [key, prop] of direct) {
    const v = str(options, key);
    if (v !== undefined) props[prop] = v;
  }
  const expiration = intOption(options, 'expiration', '--expiration');
  if (expiration !== undefined) props.expiration = String(expiration);
  const priority = intOption(options, 'priority', '--priority', { max: 255 });
  if (priority !== undefined) props.priority = priority;
  const headers = list(options, 'header');
  if (headers.length) {
    const table: Record<string, unknown> = { ...((props.headers as Record<string, unknown> | undefined) ?? {}) };
    for (const h of headers) {
      // key=value, or amqp-publish's 'key: value'
      const colon = /^([^=:\s][^=:]*):\s?(.*)$/s.exec(h);
      const eq = h.indexOf('=');
      if (colon && (eq < 0 || h.indexOf(':') < eq)) table[colon[1]!.trim()] = colon[2]!;
      else if (eq > 0) table[h.slice(0, eq)] = h.slice(eq + 1);
      else throw new CliError(ExitCode.USAGE, `invalid --header '${h}': expected key=value or 'key: value'`);
    }
    props.headers = table;
  }
  return props as Options.Publish;
}
