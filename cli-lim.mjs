import amqp from 'amqplib';
const tryit = async (label, fn) => {
  try {
    await fn();
    console.log(label, 'ok');
  } catch (e) {
    console.log(label, e.code, e.message);
  }
};
await tryit('declare', async () => {
  const c = await amqp.connect('amqp://guest:guest@127.0.0.1:5672/cli-lim1');
  c.on('error', () => {});
  const ch = await c.createChannel();
  ch.on('error', () => {});
  await ch.assertQueue('x1');
});
await tryit('channel', async () => {
  const c = await amqp.connect('amqp://cli-limu:pw@127.0.0.1:5672/cli-lim1');
  c.on('error', () => {});
  await c.createChannel();
});
