// One AMQP operation on a fresh channel (declare_queue, bind_queue, ...): connect, run, close; AMQP errors
// become exit codes (404 not found and 406 inequivalent arguments -> 65, 403 -> 77).
import type { Channel } from 'amqplib';
import type { OptionValues } from '../command.js';
import type { Context } from '../context.js';
import { openConnection } from './connection.js';

export async function withChannel<T>(ctx: Context, options: OptionValues, purpose: string, fn: (ch: Channel) => Promise<T>): Promise<T> {
  const conn = await openConnection(ctx, options, purpose);
  try {
    const ch = await conn.model.createChannel();
    ch.on('error', () => {});
    const result = await fn(ch);
    await ch.close().catch(() => {});
    return result;
  } catch (e) {
    throw await conn.failure(e);
  } finally {
    await conn.close();
  }
}
