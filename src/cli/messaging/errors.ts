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
export function exitCodeForReply(code: number): ExitCodeValue {
  switch (code) {
    case 403: // ACCESS_REFUSED
      return ExitCode.NO_PERMISSION;
    case 404: // NOT_FOUND
    case 405: // RESOURCE_LOCKED
    case 406: // PRECONDITION_FAILED
    case 530: // NOT_ALLOWED (vhost missing or refused)
      return ExitCode.DATA_ERROR;
    case 320: // CONNECTION_FORCED
    case 506: // RESOURCE_ERROR
      return ExitCode.UNAVAILABLE;
    default:
      return ExitCode.SOFTWARE;
  }
}

export function amqpFailure(e: unknown, info: FailureInfo = {}): CliError {
  if (e instanceof CliError) return e;
  const err = e as NodeJS.ErrnoException & { code?: string | number };
  const message = String(err?.message ?? e);
  const where = info.endpoint ? ` at ${info.endpoint}` : '';
  if (typeof err?.code === 'string' && UNREACHABLE.includes(err.code)) {
    return new CliError(ExitCode.UNAVAILABLE, `cannot reach the AMQP broker${where}: ${err.code}`);
  }
  if (err?.code === 'ETIMEDOUT' || /timeout|timed out/i.test(message)) {
    return new CliError(ExitCode.TEMP_FAIL, `timed out${info.timeoutMs ? ` after ${info.timeoutMs / 1000} s` : ''} talking to the AMQP broker${where}`);
  }
  if (/ACCESS.REFUSED|403/.test(message) && info.connecting) {
    return new CliError(ExitCode.NO_PERMISSION, `the AMQP broker${where} refused the credentials of user '${info.user ?? '?'}' (ACCESS_REFUSED)`);
  }
  const text = serverText(message);
  if (typeof err?.code === 'number') {
    return new CliError(exitCodeForReply(err.code), text ?? message);
  }
  if (/NOT.ALLOWED|530/.test(message)) {
    return new CliError(ExitCode.DATA_ERROR, text ?? `the AMQP broker${where} refused access to vhost '${info.vhost ?? '/'}' (NOT_ALLOWED)`);
  }
  if (/Socket closed abruptly|Connection closed|Unexpected close|channel closed|Channel ended/i.test(message)) {
    return new CliError(ExitCode.UNAVAILABLE, `the AMQP connection${where} closed: ${text ?? message}`);
  }
  return new CliError(ExitCode.SOFTWARE, `AMQP error${where}: ${text ?? message}`);
}
