// Protocol violations get the reply code the spec requires, with RabbitMQ's texts,
// using a bare client that can send what real clients never would.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Frame, MethodId, PROTOCOL_HEADER, type ConnectionClose, type ChannelClose } from '../../src/amqp/index.js';
import { RawClient } from '../helpers/raw-client.js';
import { waitFor } from '../helpers/wait.js';
import { startWarren, type Warren } from '../helpers/warren.js';

let warren: Warren;
beforeAll(async () => {
  warren = await startWarren({ args: ['--frame-max', '65536'] });
});
afterAll(async () => {
  await warren.stop();
});

async function connectionCloseFrom(c: RawClient): Promise<ConnectionClose> {
  const r = await c.expect(MethodId.CONNECTION_CLOSE);
  c.send(0, MethodId.CONNECTION_CLOSE_OK);
  await c.waitClosed();
  return r.method as ConnectionClose;
}

describe('handshake', () => {
  it('answers a wrong protocol header with its own and closes', async () => {
    const c = await RawClient.open(warren.port);
    c.sendBytes(Buffer.from('HTTP/1.1 GET /\r\n'));
    await c.waitClosed();
    expect(c.raw.subarray(0, 8)).toEqual(PROTOCOL_HEADER);
  });

  it('closes with 403 on a bad login when the client has authentication_failure_close', async () => {
    const c = await RawClient.login(warren.port, { password: 'nope' });
    const close = await connectionCloseFrom(c);
    expect(close.replyCode).toBe(403);
    expect(close.replyText).toBe('ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile.');
  });

  it('closes with 530 NOT_ALLOWED for an unknown vhost, in RabbitMQ words', async () => {
    const c = await RawClient.open(warren.port);
    c.sendBytes(PROTOCOL_HEADER);
    await c.expect(MethodId.CONNECTION_START);
    c.send(0, MethodId.CONNECTION_START_OK, { mechanism: 'PLAIN', response: Buffer.from('\u0000guest\u0000guest'), locale: 'en_US' });
    await c.expect(MethodId.CONNECTION_TUNE);
    c.send(0, MethodId.CONNECTION_TUNE_OK, { channelMax: 0, frameMax: 65536, heartbeat: 0 });
    c.send(0, MethodId.CONNECTION_OPEN, { virtualHost: 'nope' });
    const close = await connectionCloseFrom(c);
    expect(close.replyCode).toBe(530);
    expect(close.replyText).toBe('NOT_ALLOWED - vhost nope not found');
  });

  it('accepts AMQPLAIN credentials', async () => {
    const c = await RawClient.open(warren.port);
    c.sendBytes(PROTOCOL_HEADER);
    const start = await c.expect(MethodId.CONNECTION_START);
    expect((start.method as { mechanisms: Buffer }).mechanisms.toString()).toContain('AMQPLAIN');
    // AMQPLAIN's response is a field table without its length prefix
    const table = Buffer.concat([
      Buffer.from([5]),
      Buffer.from('LOGIN'),
      Buffer.from('S'),
      Buffer.from([0, 0, 0, 5]),
      Buffer.from('guest'),
      Buffer.from([8]),
      Buffer.from('PASSWORD'),
      Buffer.from('S'),
      Buffer.from([0, 0, 0, 5]),
      Buffer.from('guest'),
    ]);
    c.send(0, MethodId.CONNECTION_START_OK, { mechanism: 'AMQPLAIN', response: table, locale: 'en_US' });
    await c.expect(MethodId.CONNECTION_TUNE);
    c.close();
  });
});

describe('connection errors', () => {
  const cases: [string, (c: RawClient) => void, number, RegExp][] = [
    ['a content header with no publish before it', (c) => c.sendBytes(Buffer.from([Frame.HEADER, 0, 1, 0, 0, 0, 0, Frame.END])), 505, /UNEXPECTED_FRAME/],
    ['a method on a channel never opened', (c) => c.send(5, MethodId.QUEUE_DECLARE, { queue: 'x' }), 504, /CHANNEL_ERROR - expected 'channel.open'/],
    ['a bad frame-end octet', (c) => c.sendBytes(Buffer.from([Frame.HEARTBEAT, 0, 0, 0, 0, 0, 0, 0x00])), 501, /FRAME_ERROR/],
    ['a frame over frame_max', (c) => c.sendBytes(Buffer.from([Frame.BODY, 0, 1, 0, 0x10, 0, 0])), 501, /FRAME_ERROR - frame size/],
    ['an unknown method', (c) => c.sendBytes(Buffer.from([Frame.METHOD, 0, 1, 0, 0, 0, 4, 0, 99, 0, 99, Frame.END])), 540, /NOT_IMPLEMENTED/],
    [
      'a truncated method',
      (c) => c.sendBytes(Buffer.from([Frame.METHOD, 0, 1, 0, 0, 0, 6, 0, 50, 0, 10, 0, 0, Frame.END])),
      501,
      /FRAME_ERROR - cannot decode <<0,0>>/,
    ],
    ['a second channel.open', (c) => c.send(1, MethodId.CHANNEL_OPEN), 504, /CHANNEL_ERROR - second 'channel.open' seen/],
    ['basic.qos with prefetch_size', (c) => c.send(1, MethodId.BASIC_QOS, { prefetchSize: 10 }), 540, /NOT_IMPLEMENTED - prefetch_size!=0/],
    [
      'an unknown exchange type',
      (c) => c.send(1, MethodId.EXCHANGE_DECLARE, { exchange: 'x', type: 'bogus' }),
      503,
      /COMMAND_INVALID - unknown exchange type 'bogus'/,
    ],
  ];
  for (const [what, send, code, text] of cases) {
    it(`closes the connection with ${code} for ${what}, and the daemon keeps serving`, async () => {
      const c = await RawClient.login(warren.port);
      await c.openChannel(1);
      send(c);
      const close = await connectionCloseFrom(c);
      expect(close.replyCode).toBe(code);
      expect(close.replyText).toMatch(text);
      const ok = await RawClient.login(warren.port);
      await ok.openChannel(1);
      ok.close();
    });
  }
});

describe('channel errors and transactions', () => {
  it('a channel error closes only that channel; other channels keep working', async () => {
    const c = await RawClient.login(warren.port);
    await c.openChannel(1);
    await c.openChannel(2);
    c.send(1, MethodId.QUEUE_DECLARE, { queue: 'nope', passive: true });
    const r = await c.expect(MethodId.CHANNEL_CLOSE);
    const close = r.method as ChannelClose;
    expect([r.channel, close.replyCode, close.classId, close.methodId]).toEqual([1, 404, 50, 10]);
    expect(close.replyText).toBe("NOT_FOUND - no queue 'nope' in vhost '/'");
    c.send(1, MethodId.CHANNEL_CLOSE_OK);
    c.send(2, MethodId.QUEUE_DECLARE, { queue: '', exclusive: true });
    await c.expect(MethodId.QUEUE_DECLARE_OK);
    c.close();
  });

  it('tx.commit applies publishes and acks; tx.rollback discards them', async () => {
    const c = await RawClient.login(warren.port);
    await c.openChannel(1);
    c.send(1, MethodId.QUEUE_DECLARE, { queue: 'txq', exclusive: true });
    await c.expect(MethodId.QUEUE_DECLARE_OK);
    c.send(1, MethodId.TX_COMMIT);
    expect(((await c.expect(MethodId.CHANNEL_CLOSE)).method as ChannelClose).replyText).toBe('PRECONDITION_FAILED - channel is not transactional');
    c.send(1, MethodId.CHANNEL_CLOSE_OK);
    await c.openChannel(1);
    c.send(1, MethodId.TX_SELECT);
    await c.expect(MethodId.TX_SELECT_OK);
    c.publish(1, '', 'txq', Buffer.from('rolled back'));
    c.send(1, MethodId.TX_ROLLBACK);
    await c.expect(MethodId.TX_ROLLBACK_OK);
    c.publish(1, '', 'txq', Buffer.from('committed'));
    c.send(1, MethodId.QUEUE_DECLARE, { queue: 'txq', passive: true });
    expect(((await c.expect(MethodId.QUEUE_DECLARE_OK)).method as { messageCount: number }).messageCount).toBe(0);
    c.send(1, MethodId.TX_COMMIT);
    await c.expect(MethodId.TX_COMMIT_OK);
    c.send(1, MethodId.BASIC_GET, { queue: 'txq' });
    const got = await c.expect(MethodId.BASIC_GET_OK);
    expect(got.body?.toString()).toBe('committed');
    c.send(1, MethodId.BASIC_ACK, { deliveryTag: 1 });
    c.send(1, MethodId.TX_ROLLBACK);
    await c.expect(MethodId.TX_ROLLBACK_OK);
    c.send(1, MethodId.CHANNEL_CLOSE);
    await c.expect(MethodId.CHANNEL_CLOSE_OK);
    await c.openChannel(1);
    // the rolled-back ack left the message unacked, so closing the channel requeued it
    c.send(1, MethodId.BASIC_GET, { queue: 'txq', noAck: true });
    const again = await c.expect(MethodId.BASIC_GET_OK);
    expect(again.body?.toString()).toBe('committed');
    expect((again.method as { redelivered: boolean }).redelivered).toBe(true);
    c.close();
  });
});

describe('heartbeats', () => {
  it('sends heartbeats and drops a client silent for two intervals', async () => {
    const c = await RawClient.login(warren.port, { heartbeat: 1 });
    await c.openChannel(1);
    // two intervals of silence (2 s) and it goes; the wait's deadline is a generous multiple of that
    await c.waitClosed();
    expect(c.heartbeats).toBeGreaterThan(0);
  });
});

describe("found by client libraries' own test suites", () => {
  it('treats an empty queue name as the last queue declared on the channel (amqp-client, rabbitmq-client)', async () => {
    const c = await RawClient.login(warren.port);
    await c.openChannel(1);
    c.send(1, MethodId.QUEUE_PURGE, { queue: '' });
    expect(((await c.expect(MethodId.CHANNEL_CLOSE)).method as ChannelClose).replyText).toBe('NOT_FOUND - no previously declared queue');
    c.send(1, MethodId.CHANNEL_CLOSE_OK);
    await c.openChannel(1);
    c.send(1, MethodId.QUEUE_DECLARE, { queue: '', exclusive: true });
    const declared = ((await c.expect(MethodId.QUEUE_DECLARE_OK)).method as { queue: string }).queue;
    // queue '' and routing key '' bind with the queue's own name as the key
    c.send(1, MethodId.QUEUE_BIND, { queue: '', exchange: 'amq.direct', routingKey: '' });
    await c.expect(MethodId.QUEUE_BIND_OK);
    c.publish(1, 'amq.direct', declared, Buffer.from('via last queue'));
    c.send(1, MethodId.BASIC_GET, { queue: '', noAck: true });
    expect((await c.expect(MethodId.BASIC_GET_OK)).body?.toString()).toBe('via last queue');
    c.send(1, MethodId.BASIC_CONSUME, { queue: '', consumerTag: 't' });
    await c.expect(MethodId.BASIC_CONSUME_OK);
    c.send(1, MethodId.BASIC_CANCEL, { consumerTag: 't' });
    await c.expect(MethodId.BASIC_CANCEL_OK);
    c.send(1, MethodId.QUEUE_DELETE, { queue: '' });
    await c.expect(MethodId.QUEUE_DELETE_OK);
    c.send(1, MethodId.QUEUE_DECLARE, { queue: declared, passive: true });
    expect(((await c.expect(MethodId.CHANNEL_CLOSE)).method as ChannelClose).replyCode).toBe(404);
    c.close();
  });

  it('sends nothing on a channel after its channel.close, not even a pending confirm (rabbitmq-client rpc test)', async () => {
    const c = await RawClient.login(warren.port);
    await c.openChannel(1);
    c.send(1, MethodId.CONFIRM_SELECT);
    await c.expect(MethodId.CONFIRM_SELECT_OK);
    c.send(1, MethodId.QUEUE_DECLARE, { queue: '', exclusive: true });
    const q = ((await c.expect(MethodId.QUEUE_DECLARE_OK)).method as { queue: string }).queue;
    // both publishes in one write, so the server handles them in one read
    c.socket.cork();
    c.publish(1, '', q, Buffer.from('ok'));
    c.publish(1, 'no-such-exchange', 'x', Buffer.from('fails'));
    c.socket.uncork();
    await c.expect(MethodId.CHANNEL_CLOSE);
    // a round trip on another channel: whatever the server wrote before its open-ok has arrived by then
    await c.openChannel(2);
    expect(c.received.filter((r) => r.channel === 1)).toEqual([]);
    c.close();
  });

  it('answers connection.update-secret with update-secret-ok (amqplib)', async () => {
    const c = await RawClient.login(warren.port);
    c.send(0, MethodId.CONNECTION_UPDATE_SECRET, { newSecret: Buffer.from('token'), reason: 'refresh' });
    await c.expect(MethodId.CONNECTION_UPDATE_SECRET_OK);
    c.close();
  });

  it('keeps reading after close-ok until the client closes the socket (amqplib high-watermark tests)', async () => {
    const c = await RawClient.login(warren.port);
    await c.openChannel(1);
    c.send(0, MethodId.CONNECTION_CLOSE, { replyCode: 200, replyText: 'bye' });
    await c.expect(MethodId.CONNECTION_CLOSE_OK);
    // frames still in flight from the client are discarded, not answered with a reset
    for (let i = 0; i < 50; i++) c.publish(1, '', 'nowhere', Buffer.alloc(1000));
    // the frames have left; a round trip on another connection lets the server's loop take them (correct code
    // keeps the socket open at any speed, a reset would show as a destroyed socket)
    await waitFor(() => c.socket.writableLength === 0, 'the frames to leave the client');
    const other = await RawClient.login(warren.port);
    await other.openChannel(1);
    other.close();
    expect(c.socket.destroyed).toBe(false);
    c.close();
  });
});
