// Runs a shell command per message (consume --exec, rpc-serve --exec) with the body on its stdin,
// as amqp-consume does. The message's routing key and properties are in its environment.
import { type ChildProcess, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Message } from 'amqplib';

export interface ExecResult {
  /** exit code, or 128 + signal number when killed */
  code: number;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
}

const SIGNALS: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGPIPE: 13, SIGTERM: 15 };

export function messageEnv(msg: Pick<Message, 'fields' | 'properties'>): NodeJS.ProcessEnv {
  const f = msg.fields as unknown as Record<string, unknown>;
  const p = msg.properties as unknown as Record<string, unknown>;
  const env: NodeJS.ProcessEnv = {
    WARREN_EXCHANGE: String(f.exchange ?? ''),
    WARREN_ROUTING_KEY: String(f.routingKey ?? ''),
    WARREN_REDELIVERED: f.redelivered ? '1' : '0',
  };
  if (typeof p.correlationId === 'string') env.WARREN_CORRELATION_ID = p.correlationId;
  if (typeof p.messageId === 'string') env.WARREN_MESSAGE_ID = p.messageId;
  if (typeof p.contentType === 'string') env.WARREN_CONTENT_TYPE = p.contentType;
  return env;
}

const running = new Set<ChildProcess>();

/** Ends the running commands' process groups (a second Ctrl-C aborts them too). */
export function killRunningCommands(): void {
  for (const child of running) {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  }
}

/**
 * `sh -c CMD` with `input` on stdin; stdout captured when `capture`, else inherited. The command runs in its own
 * process group, so a Ctrl-C on the terminal reaches warrenctl only: the command finishes its message.
 */
export function runCommand(command: string, input: Buffer, env: NodeJS.ProcessEnv, capture: boolean): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], {
      stdio: ['pipe', capture ? 'pipe' : 'inherit', 'inherit'],
      env: { ...process.env, ...env },
      detached: true,
    });
    running.add(child);
    child.on('close', () => running.delete(child));
    const chunks: Buffer[] = [];
    child.stdout?.on('data', (c: Buffer) => chunks.push(c));
    // a command that does not read its stdin is fine
    child.stdin!.on('error', () => {});
    child.stdin!.end(input);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code: code ?? 128 + (signal ? (SIGNALS[signal] ?? 1) : 1), signal, stdout: Buffer.concat(chunks) });
    });
  });
}

/**
 * Failed --exec runs per message, to stop a poison message: keyed by message id, exchange, routing key and
 * body, since a classic queue redelivers a message without counting its deliveries.
 */
export class FailedRuns {
  private readonly counts = new Map<string, number>();

  private key(msg: Message): string {
    const id = msg.properties.messageId;
    const digest = createHash('sha1').update(msg.content).digest('base64');
    return `${String(id ?? '')}\u0000${msg.fields.exchange}\u0000${msg.fields.routingKey}\u0000${digest}`;
  }

  /** Counts one more failure; returns how many runs of this message failed. */
  failed(msg: Message): number {
    const k = this.key(msg);
    const n = (this.counts.get(k) ?? 0) + 1;
    if (this.counts.size > 100_000) this.counts.clear();
    this.counts.set(k, n);
    return n;
  }

  forget(msg: Message): void {
    this.counts.delete(this.key(msg));
  }

  /** 100 ms after the first failure, doubling, at most 5 s. */
  backoffMs(failures: number): number {
    return Math.min(5000, 100 * 2 ** Math.min(failures - 1, 6));
  }
}
