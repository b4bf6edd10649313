// amqplib connections for integration tests against one daemon: errors are swallowed (tests
// assert on them through events or rejections) and everything opened is closed after each test.
import amqp, { type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib';
import { afterEach } from 'vitest';
import { waitFor, type WaitOptions } from './wait.js';

export interface Clients {
  connect(): Promise<ChannelModel>;
  channel(): Promise<Channel>;
  confirmChannel(): Promise<ConfirmChannel>;
}

/** Registers an afterEach that closes what the test opened; `url` is read when connecting. */
export function amqpClients(url: () => string): Clients {
  const open: ChannelModel[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close().catch(() => {})));
  });
  const connect = async (): Promise<ChannelModel> => {
    const c = await amqp.connect(url());
    c.on('error', () => {});
    open.push(c);
    return c;
  };
  return {
    connect,
    async channel() {
      const ch = await (await connect()).createChannel();
      ch.on('error', () => {});
      return ch;
    },
    async confirmChannel() {
      const ch = await (await connect()).createConfirmChannel();
      ch.on('error', () => {});
      return ch;
    },
  };
}

/**
 * Polls `get` until it returns something other than false (see waitFor: generous deadline, errors count as
 * "not yet").
 */
export function until<T>(get: () => Promise<T | false> | T | false, what: string, options?: WaitOptions): Promise<T> {
  return waitFor(get, what, options);
}
