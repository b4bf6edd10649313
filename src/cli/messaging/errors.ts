// AMQP failures -> one line and a sysexits code: unreachable 69, refused credentials 77, missing vhost or
// object (404, 406, 530) 65, timeout 75, a closed connection 69.
import { CliError, ExitCode, type ExitCodeValue } from '../exit-codes.js';

export interface FailureInfo {
  endpoint?: string;
  user?: string;
  vhost?: string;
  connecting?: boolean;
  timeoutMs?: number;
}

const UNREACHABLE = ['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNRESET', 'EPIPE', 'EAI_AGAIN', 'ENOENT'];

/** The broker's own reply text out of amqplib's message: `... with message "NOT_FOUND - no queue 'q'"`. */
export function serverText(message: string): string | undefined {
  return /with message "(.*)"\s*$/s.exec(message)?.[1];
}

/** AMQP reply code -> exit code, for channel and connection closes. */
export function exitCodeForReply(code: number, text = ''): ExitCodeValue {
  // a vhost or user limit (connections, channels, queues) is reached: the broker is full for now
  if ((code === 530 || code === 406) && /limit .*is reached|reached the maximum allowed user limit/.test(text)) return ExitCode.UNAVAILABLE;
  switch (code) {
    case 403: // ACCESS_REFUSED
      return ExitCode.NO_PERMISSION;
    case 530: // NOT_ALLOWED: a missing vhost is the caller's data (65); refused access to one is 77
      return /access to vhost .* refused/i.test(text) ? ExitCode.NO_PERMISSION : ExitCode.DATA_ERROR;
    case 311: // CONTENT_TOO_LARGE
    case 312: // NO_ROUTE
    case 313: // NO_CONSUMERS
    case 402: // INVALID_PATH
    case 404: // NOT_FOUND
    case 405: // RESOURCE_LOCKED
    case 406: // PRECONDITION_FAILED
      return ExitCode.DATA_ERROR;
    case 320: // CONNECTION_FORCED
    case 506: // RESOURCE_ERROR
    case 540: // NOT_IMPLEMENTED
      return ExitCode.UNAVAILABLE;
    default:
      return ExitCode.SOFTWARE;
  }
}

/** The broker closed a channel or the connection: its reply text and code, never a library message. */
export function closeFailure(code: number, text: string, vhost?: string, user?: string): CliError {
  let shown = text || `reply code ${code}`;
  // RabbitMQ's text for a refused vhost names neither side's fix; warren's is the same text
  if (code === 530 && vhost !== undefined && /not found/.test(text) && !text.includes(vhost)) shown = `${text} (vhost '${vhost}')`;
  if (code === 403 && user !== undefined && /login was refused/i.test(text)) shown = `${text} (user '${user}')`;
  return new CliError(exitCodeForReply(code, text), `${shown} (reply ${code})`);
}

/** The reply code of an amqplib error: its `code`, or the `NNN (NAME) with message` part of its text. */
function replyCode(err: { code?: unknown } | undefined, message: string): number | undefined {
  if (typeof err?.code === 'number') return err.code;
  const m = /\b(\d{3}) \([A-Z-]+\)(?: with message|$)/.exec(message);
  return m ? Number(m[1]) : undefined;
}

export function amqpFailure(e: unknown, info: FailureInfo = {}): CliError {
  if (e instanceof CliError) return e;
  const err = e as NodeJS.ErrnoException & { code?: string | number };
  const message = String(err?.message ?? e);
  const where = info.endpoint ? ` at ${info.endpoint}` : '';
  // the broker's reply code first: a reply text may contain any word ('timeout-jobs')
  const code = replyCode(err, message);
  const text = serverText(message);
  if (code !== undefined) {
    if (code === 403 && info.connecting && (!text || /login was refused/i.test(text))) {
      return new CliError(ExitCode.NO_PERMISSION, `the AMQP broker${where} refused the credentials of user '${info.user ?? '?'}' (ACCESS_REFUSED)`);
    }
    return closeFailure(code, text ?? message, info.vhost);
  }
  if (typeof err?.code === 'string' && UNREACHABLE.includes(err.code)) {
    return new CliError(ExitCode.UNAVAILABLE, `cannot reach the AMQP broker${where}: ${err.code}`);
  }
  if (err?.code === 'ETIMEDOUT' || /^(connect )?ETIMEDOUT|timed out|timeout$/i.test(message)) {
    return new CliError(ExitCode.TEMP_FAIL, `timed out${info.timeoutMs ? ` after ${info.timeoutMs / 1000} s` : ''} talking to the AMQP broker${where}`);
  }
  if (/Socket closed abruptly|Connection closed|Unexpected close|channel closed|Channel ended/i.test(message)) {
    return new CliError(ExitCode.UNAVAILABLE, `the AMQP connection${where} closed: ${text ?? message}`);
  }
  return new CliError(ExitCode.SOFTWARE, `AMQP error${where}: ${text ?? message}`);
}
