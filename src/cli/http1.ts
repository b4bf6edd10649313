// A minimal HTTP/1.1 client over a raw socket (Unix or TCP): one request per connection, `Connection: close`.
// node:http's client costs ~8 ms of lazy initialisation on the first request; warrenctl makes one or two
// requests per run, so this keeps `warrenctl list_queues` fast. Handles Content-Length, chunked and
// read-to-close bodies, and 1xx/204/304 without a body.
import { createConnection, type Socket } from 'node:net';

export interface RawRequest {
  method: string;
  path: string;
  /** lower-case names */
  headers: Record<string, string>;
  body?: string | undefined;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: Buffer;
}

export type Endpoint = { socketPath: string } | { host: string; port: number };

export function connect(endpoint: Endpoint): Socket {
  return 'socketPath' in endpoint ? createConnection({ path: endpoint.socketPath }) : createConnection({ host: endpoint.host, port: endpoint.port });
}

export function serializeRequest(req: RawRequest, hostHeader: string): string {
  const headers: Record<string, string> = { host: hostHeader, connection: 'close', ...req.headers };
  if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
  let head = `${req.method} ${req.path} HTTP/1.1\r\n`;
  for (const [k, v] of Object.entries(headers)) {
    if (/[\r\n]/.test(v)) throw new Error(`header ${k} contains a line break`);
    head += `${k}: ${v}\r\n`;
  }
  return `${head}\r\n${req.body ?? ''}`;
}

/** Incremental response parser: feed() chunks; returns the response once complete, else undefined. */
export class ResponseParser {
  private buf: Buffer = Buffer.alloc(0);
  private head: { status: number; headers: Record<string, string>; bodyStart: number } | undefined;

  constructor(private readonly method: string) {}

  feed(chunk: Buffer): RawResponse | undefined {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    return this.tryComplete(false);
  }

  /** The peer closed: whatever we have is the whole body (read-to-close), or the response is truncated. */
  end(): RawResponse {
    const done = this.tryComplete(true);
    if (!done) throw new Error('connection closed before a complete HTTP response');
    return done;
  }

  private tryComplete(closed: boolean): RawResponse | undefined {
    for (;;) {
      if (!this.head) {
        const sep = this.buf.indexOf('\r\n\r\n');
        if (sep === -1) return undefined;
        const lines = this.buf.subarray(0, sep).toString('latin1').split('\r\n');
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
        if (!m) throw new Error(`malformed HTTP status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
        const headers: Record<string, string> = {};
        for (const line of lines.slice(1)) {
          const colon = line.indexOf(':');
          if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
        }
        const status = Number(m[1]);
        if (status >= 100 && status < 200) {
          this.buf = this.buf.subarray(sep + 4); // interim response: skip it
          continue;
        }
        this.head = { status, headers, bodyStart: sep + 4 };
      }
      const { status, headers, bodyStart } = this.head;
      const body = this.buf.subarray(bodyStart);
      const done = (b: Buffer): RawResponse => ({ status, headers, body: b });
      if (this.method === 'HEAD' || status === 204 || status === 304) return done(Buffer.alloc(0));
      if ((headers['transfer-encoding'] ?? '').toLowerCase().includes('chunked')) return dechunk(body, closed, done);
      const length = headers['content-length'];
      if (length !== undefined) {
        const n = Number(length);
        if (body.length >= n) return done(body.subarray(0, n));
        if (closed) throw new Error('connection closed in the middle of the HTTP body');
        return undefined;
      }
      return closed ? done(body) : undefined;
    }
  }
}

function dechunk(body: Buffer, closed: boolean, done: (b: Buffer) => RawResponse): RawResponse | undefined {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', pos);
    if (eol === -1) break;
    const size = parseInt(body.subarray(pos, eol).toString('latin1').split(';')[0] ?? '', 16);
    if (Number.isNaN(size)) throw new Error('malformed HTTP chunk size');
    if (size === 0) return done(Buffer.concat(parts));
    if (body.length < eol + 2 + size + 2) break;
    parts.push(body.subarray(eol + 2, eol + 2 + size));
    pos = eol + 2 + size + 2;
  }
  if (closed) throw new Error('connection closed in the middle of a chunked HTTP body');
  return undefined;
}
