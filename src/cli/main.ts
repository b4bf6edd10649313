// warrenctl's entry point: find the command word, import only that command, parse, run, map errors to
// exit codes. Never prints a stack trace.
import { ApiError } from './admin-client.js';
import { missingCommandHint } from './missing-commands.js';
import { CliError, ExitCode, exitCodeForHttpStatus } from './exit-codes.js';
import { Context } from './context.js';
import { fastParse, splitArgv } from './argv.js';
import type { Io } from './io.js';
import { COMMANDS, findEntry, loadAll, suggest } from './registry.js';

function processIo(): Io {
  // `warrenctl list_queues | head -1`: a reader that goes away is not an error worth a stack trace
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') process.stderr.write(`Error: cannot write to standard output: ${e.message}\n`);
    process.exit(e.code === 'EPIPE' ? ExitCode.OK : ExitCode.SOFTWARE);
  });
  // last resort for errors outside main's try (stray events): still one line and exit 70, never a stack trace
  const internal = (e: unknown): void => {
    process.stderr.write(`Error: internal error: ${(e as Error)?.message ?? String(e)}\n`);
    process.exit(ExitCode.SOFTWARE);
  };
  process.on('uncaughtException', internal);
  process.on('unhandledRejection', internal);
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}

export async function main(argv: readonly string[], io: Io = processIo()): Promise<number> {
  const split = splitArgv(argv);
  try {
    if (split.command === undefined) {
      if (split.version) {
        const { VERSION } = await import('../common/version.js');
        io.stdout.write(`${VERSION}\n`);
        return ExitCode.OK;
      }
      const { generalHelp } = await import('./help.js');
      const text = generalHelp(await loadAll());
      if (split.help) {
        io.stdout.write(text);
        return ExitCode.OK;
      }
      io.stderr.write(text);
      return ExitCode.USAGE;
    }

    const entry = findEntry(split.command);
    if (!entry) {
      const hint = missingCommandHint(split.command);
      if (hint !== undefined) throw new CliError(ExitCode.USAGE, `warrenctl has no '${split.command}' command: ${hint}`);
      const near = suggest(split.command);
      throw new CliError(
        ExitCode.USAGE,
        `unknown command '${split.command}'${near.length ? ` (did you mean ${near.join(', ')}?)` : ''}; run \`warrenctl help\` for the list of commands`,
      );
    }
    const def = (await entry.load()).default;
    if (split.help) {
      const { commandHelp } = await import('./help.js');
      io.stdout.write(commandHelp(def));
      return ExitCode.OK;
    }
    const parsed = fastParse(def, split.rest) ?? (await import('./parse.js')).parseCommandLine(def, split.rest);
    const ctx = new Context(parsed.globals, io, def.name);
    if (def.warrenOnly) await ctx.requireWarren(def.warrenOnly.rabbitmqEquivalent);
    // --formatter json on every command: one that prints nothing prints {"result":"ok","message":...}
    let wrote = false;
    if (parsed.globals.formatter === 'json') {
      const write = io.stdout.write.bind(io.stdout);
      io.stdout.write = ((...a: Parameters<typeof write>) => {
        wrote = true;
        return write(...a);
      }) as typeof io.stdout.write;
    }
    const code = await def.run(ctx, parsed.args, parsed.options, COMMANDS);
    if (parsed.globals.formatter === 'json' && !wrote && (code ?? ExitCode.OK) === ExitCode.OK) {
      io.stdout.write(`${JSON.stringify({ result: 'ok', message: ctx.out.lastBanner.replace(/ \.\.\.$/, '') })}\n`);
    }
    return code ?? ExitCode.OK;
  } catch (e) {
    const { code, message } = describeFailure(e);
    io.stderr.write(`Error: ${message}\n`);
    return code;
  }
}

export function describeFailure(e: unknown): { code: number; message: string } {
  if (e instanceof CliError) return { code: e.exitCode, message: e.message };
  if (e instanceof ApiError) {
    if (e.status === 503 && e.error === 'app_stopped') {
      const reason = e.reason || 'the warren application is stopped';
      return { code: ExitCode.UNAVAILABLE, message: reason.includes('start_app') ? reason : `${reason}; start it with: warrenctl start_app` };
    }
    if (e.status === 401) {
      return { code: ExitCode.NO_PERMISSION, message: `the management API refused the credentials (HTTP 401 ${e.error}${e.reason ? `: ${e.reason}` : ''})` };
    }
    return { code: exitCodeForHttpStatus(e.status), message: `${e.reason || e.error} (HTTP ${e.status} on ${e.method} ${e.path})` };
  }
  const err = e as Error;
  return { code: ExitCode.SOFTWARE, message: `internal error: ${err?.message ?? String(e)}` };
}
