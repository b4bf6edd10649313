// The one place warrenctl's exit codes live: sysexits, as rabbitmqctl uses them (DESIGN.md convention 8),
// and CliError, the expected failure that carries one.

export const ExitCode = {
  /** success */
  OK: 0,
  /** warrenctl get: the queue was empty (as amqp-get) */
  EMPTY: 2,
  /** EX_USAGE: unknown command, wrong argument count, unknown option or info item */
  USAGE: 64,
  /** EX_DATAERR: bad argument, missing vhost/queue/object, wrong password in authenticate_user */
  DATA_ERROR: 65,
  /** EX_NOUSER: no such user (delete_user, set_user_tags, change_password, ...) */
  NO_USER: 67,
  /** EX_UNAVAILABLE: daemon or broker unreachable, app stopped, command unsupported on this target */
  UNAVAILABLE: 69,
  /** EX_SOFTWARE: internal error; also add_user for an existing user and reset while running (rabbitmqctl 3.10) */
  SOFTWARE: 70,
  /** EX_TEMPFAIL: timeout */
  TEMP_FAIL: 75,
  /** EX_NOPERM: the API refused the credentials (HTTP 401) */
  NO_PERMISSION: 77,
  /** EX_CONFIG: bad config file or profile, unreadable TLS files, a TLS peer that cannot be verified */
  CONFIG: 78,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** Default exit code for an HTTP error status from the management API, when a command has no better one. */
export function exitCodeForHttpStatus(status: number): ExitCodeValue {
  switch (status) {
    case 400: // bad_request
    case 404: // Object Not Found
    case 405:
    case 412:
      return ExitCode.DATA_ERROR;
    case 401: // not_authorised
    case 403:
      return ExitCode.NO_PERMISSION;
    case 408:
    case 504:
      return ExitCode.TEMP_FAIL;
    case 502:
    case 503: // app_stopped
      return ExitCode.UNAVAILABLE;
    default: // 409 conflict (reset while running, as rabbitmqctl's exit_software), 500, ...
      return ExitCode.SOFTWARE;
  }
}

/** An expected failure: main prints `Error: <message>` on stderr (one line) and exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'CliError';
  }
}
