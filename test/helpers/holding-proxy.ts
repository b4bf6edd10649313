// A TCP proxy in front of a broker that passes a client's frames through until the first method frame
// `hold` picks: that frame and everything the client sends after it are kept back (the broker's frames
// still reach the client). The request is then in flight, as far as the client knows, for as long as
// the test likes: the way to close a connection at a chosen point of a client's conversation, with no
// timing involved.
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface HoldingProxy {
  port: number;
  /** resolves when the chosen frame has been kept back */
  held: Promise<void>;
  close(): Promise<void>;
}

const PROTOCOL_HEADER_BYTES = 8;
const FRAME_METHOD = 1;

export async function holdingProxy(host: string, port: number, hold: (classId: number, methodId: number) => boolean): Promise<HoldingProxy> {
  let onHeld!: () => void;
  const held = new Promise<void>((resolve) => (onHeld = resolve));
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(port, host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.pipe(client);
    let pending = Buffer.alloc(0);
    let headerSent = false;
    let holding = false;
    client.on('data', (data: Buffer) => {
      if (holding) return;
      pending = Buffer.concat([pending, data]);
      if (!headerSent) {
        if (pending.length < PROTOCOL_HEADER_BYTES) return;
        upstream.write(pending.subarray(0, PROTOCOL_HEADER_BYTES));
        pending = pending.subarray(PROTOCOL_HEADER_BYTES);
        headerSent = true;
      }
      // a frame: type (1), channel (2), payload size (4), payload, frame-end (1); a method's payload starts with its class and method ids
      while (pending.length >= 7 && pending.length >= pending.readUInt32BE(3) + 8) {
        const size = pending.readUInt32BE(3) + 8;
        if (pending[0] === FRAME_METHOD && size >= 12 && hold(pending.readUInt16BE(7), pending.readUInt16BE(9))) {
          holding = true;
          onHeld();
          return;
        }
        upstream.write(pending.subarray(0, size));
        pending = pending.subarray(size);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    held,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
