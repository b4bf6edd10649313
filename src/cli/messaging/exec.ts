// Runs a shell command per message (consume --exec, rpc-serve --exec) with the body on its stdin,
// as amqp-consume does. The message's routing key and properties are in its environment.
import { spawn } from 'node:child_process';
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

/** `sh -c CMD` with `input` on stdin; stdout captured when `capture`, else inherited. */
export function runCommand(command: string, input: Buffer, env: NodeJS.ProcessEnv, capture: boolean): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { stdio: ['pipe', capture ? 'pipe' : 'inherit', 'inherit'], env: { ...process.env, ...env } });
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
