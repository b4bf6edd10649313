/** A non-2xx answer of the management API, with RabbitMQ's `{"error","reason"}` body when present. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly error: string,
    readonly reason: string,
    readonly method: string,
    readonly path: string,
  ) {
    super(`${method} ${path}: HTTP ${status} ${error}${reason ? `: ${reason}` : ''}`);
    this.name = 'ApiError';
  }
}
