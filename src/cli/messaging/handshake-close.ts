// amqplib reports a connection.close received during the handshake (after connection.open: a missing
// vhost, refused access, a connection limit) as "Expected ConnectionOpenOk; got <ConnectionClose channel:0>"
// and drops the reply code and text. This records the last such close so warrenctl can show the broker's reply.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface HandshakeClose {
  code: number;
  text: string;
}

/** (class 10 connection << 16) | method 50 close, as amqplib numbers methods */
const CONNECTION_CLOSE = (10 << 16) | 50;

let last: HandshakeClose | null = null;
let installed = false;

type Frame = { id?: number; fields?: { replyCode?: number; replyText?: string } } | null;
type StepCallback = (err: unknown, frame: Frame) => void;

/** Wraps amqplib's frame reader once; idempotent. */
export function recordHandshakeCloses(): void {
  if (installed) return;
  installed = true;
  try {
    const require = createRequire(import.meta.url);
    const main = require.resolve('amqplib');
    const { Connection } = require(join(dirname(main), 'lib', 'connection.js')) as { Connection: { prototype: { step(cb: StepCallback): void } } };
    const step = Connection.prototype.step;
    Connection.prototype.step = function (this: unknown, cb: StepCallback) {
      return step.call(this, (err, frame) => {
        if (frame?.id === CONNECTION_CLOSE && typeof frame.fields?.replyCode === 'number') {
          last = { code: frame.fields.replyCode, text: String(frame.fields.replyText ?? '') };
        }
        cb(err, frame);
      });
    };
  } catch {
    // another amqplib layout: the generic message stays
  }
}

/** The close recorded since the last call (and forgets it). */
export function takeHandshakeClose(): HandshakeClose | null {
  const c = last;
  last = null;
  return c;
}
