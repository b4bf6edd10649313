// What a command's run() receives: parsed global options, the output, the admin client (created on first use),
// and prompts that respect TTY/--yes.
import { AdminClient, ApiError, type Transport } from './admin-client.js';
import { CliError, ExitCode } from './exit-codes.js';
import type { GlobalOptions } from './global-options.js';
import type { Io } from './io.js';
import type { Formatter } from './output/format.js';
import { FORMATTERS } from './output/format.js';
import { Output } from './output/output.js';
import { resolveTarget, transportFor, type ResolvedTarget } from './target.js';

export class Context {
  readonly out: Output;
  readonly timeoutMs: number | undefined;
  readonly yes: boolean;
  private clientInstance: AdminClient | undefined;
  private targetInstance: ResolvedTarget | undefined;
  private warrenProbe: Promise<boolean> | undefined;

  constructor(
    readonly globals: GlobalOptions,
    readonly io: Io,
    readonly commandName: string,
  ) {
    if (globals.formatter !== undefined && !FORMATTERS.includes(globals.formatter as Formatter)) {
      throw new CliError(ExitCode.USAGE, `unknown formatter '${globals.formatter}' (use one of: ${FORMATTERS.join(', ')})`);
    }
    this.timeoutMs = parseTimeout(globals.timeout);
    // commander leaves unset flags undefined; negatable ones (--no-color) default to true
    this.yes = globals.yes === true;
    this.out = new Output(io, {
      formatter: globals.formatter as Formatter | undefined,
      quiet: globals.quiet === true,
      silent: globals.silent === true,
      tableHeaders: globals.tableHeaders !== false,
      color: globals.color !== false,
      truncate: globals.truncate !== false,
    });
  }

  /**
   * A context for running another command's run() inside this one (report): the same target, admin client and
   * probe, its own output (to `io`) and globals (a vhost, a formatter).
   */
  derive(io: Io, commandName: string, globals: Partial<GlobalOptions>): Context {
    const c = new Context({ ...this.globals, ...globals }, io, commandName);
    c.targetInstance = this.target;
    c.clientInstance = this.client;
    c.warrenProbe = this.isWarren();
    return c;
  }

  /** -p, else the vhost of the -N node profile, else / */
  get vhost(): string {
    if (this.globals.vhost !== undefined) return this.globals.vhost;
    const target = this.target;
    return (target.kind === 'remote' ? target.vhost : undefined) ?? '/';
  }

  /** The local daemon or a RabbitMQ node, from the flags, the -N profile and the environment (config/resolve.ts). */
  get target(): ResolvedTarget {
    this.targetInstance ??= resolveTarget(this.globals, this.io.env);
    return this.targetInstance;
  }

  get transport(): Transport {
    return this.client.transport;
  }

  get client(): AdminClient {
    this.clientInstance ??= new AdminClient(transportFor(this.target, { io: this.io, yes: this.yes }), this.timeoutMs);
    return this.clientInstance;
  }

  /** The local daemon always is; over TCP, warren answers GET /api/warren/status and RabbitMQ answers 404. */
  isWarren(): Promise<boolean> {
    if (this.client.transport.kind === 'unix') return Promise.resolve(true);
    this.warrenProbe ??= this.client.request('GET', '/api/warren/status').then((r) => r.status >= 200 && r.status < 300);
    return this.warrenProbe;
  }

  /** Warren-only node commands: exit 69 naming what to use on RabbitMQ instead. */
  async requireWarren(rabbitmqEquivalent: string): Promise<void> {
    if (await this.isWarren()) return;
    throw new CliError(
      ExitCode.UNAVAILABLE,
      `${this.commandName} is a warren-only command and is not supported by the RabbitMQ management API at this target; use \`${rabbitmqEquivalent}\` on the RabbitMQ node instead`,
    );
  }

  /** A secret from the argument, else a prompt on a TTY, else the first line of stdin. */
  async secret(value: string | undefined, promptText = 'Password:'): Promise<string> {
    if (value !== undefined) return value;
    const { isInteractive, promptPassword, readStdinLine } = await import('./prompt.js');
    if (isInteractive(this.io)) {
      // never prompt with --yes (DESIGN.md convention 7); reading a terminal without a prompt would echo the secret
      if (this.yes) throw new CliError(ExitCode.USAGE, 'a password is needed: give it as an argument or on standard input (--yes never prompts)');
      return promptPassword(promptText);
    }
    return readStdinLine(this.io);
  }

  /** Asks on a TTY unless --yes; never asks when not interactive (scripts behave as rabbitmqctl). */
  async confirm(question: string): Promise<boolean> {
    if (this.yes) return true;
    const { isInteractive, promptConfirm } = await import('./prompt.js');
    if (!isInteractive(this.io)) return true;
    return promptConfirm(question);
  }
}

export function parseTimeout(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const seconds = Number(text);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new CliError(ExitCode.USAGE, `invalid --timeout '${text}': expected a positive number of seconds`);
  return Math.round(seconds * 1000);
}

/** Rethrows `e` as `replacement` when it is an ApiError with one of `statuses`. */
export function whenStatus(e: unknown, statuses: readonly number[], replacement: () => Error): never {
  if (e instanceof ApiError && statuses.includes(e.status)) throw replacement();
  throw e;
}
