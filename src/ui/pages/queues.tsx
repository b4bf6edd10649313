// Queues: the paged list (server-side page/sort/filter, fast with 10,000 queues), add with
// arguments, and one queue: charts, details, consumers, bindings, publish, get, move, purge, delete.
import { useState } from 'preact/hooks';
import { del, enc, post, put, rate, type Details, type MessageStats, type Paged } from '../api';
import {
  ArgsEditor,
  ErrorBox,
  Json,
  KeyValues,
  ListControls,
  Section,
  Table,
  argsObject,
  fmtBytes,
  fmtNum,
  fmtRate,
  listQueryString,
  rangeQuery,
  useAction,
  useApi,
  type ArgRow,
  type ListQuery,
} from '../components';
import { argumentHints } from '../argument-hints';
import { DepthChart, MessageRateChart } from './overview';
import { Bindings, PublishForm, VhostSelect } from './shared';

interface QueueRow {
  name: string;
  vhost: string;
  type: string;
  durable: boolean;
  auto_delete: boolean;
  exclusive: boolean;
  arguments: Record<string, unknown>;
  policy: string | null;
  state: string;
  consumers: number;
  messages: number;
  messages_ready: number;
  messages_unacknowledged: number;
  message_bytes: number;
  memory: number;
  messages_paged_out: number;
  messages_persistent: number;
  message_stats?: MessageStats;
  messages_details?: Details;
  messages_ready_details?: Details;
  messages_unacknowledged_details?: Details;
  consumer_details?: {
    consumer_tag: string;
    ack_required: boolean;
    prefetch_count: number;
    exclusive: boolean;
    activity_status: string;
    channel_details: { name: string; connection_name: string };
  }[];
}

export const queueHref = (vhost: string, name: string): string => `#/queues/${enc(vhost)}/${enc(name)}`;

function features(q: QueueRow): string {
  return [q.durable ? 'D' : '', q.auto_delete ? 'AD' : '', q.exclusive ? 'Excl' : '', Object.keys(q.arguments).length > 0 ? 'Args' : '']
    .filter((s) => s)
    .join(' ');
}

const QUEUE_ARGS = argumentHints('queue');

export function QueuesPage() {
  const [q, setQ] = useState<ListQuery>({ page: 1, pageSize: 100, name: '', regex: false, sort: 'name', reverse: false });
  const columns =
    'name,vhost,type,durable,auto_delete,exclusive,arguments,policy,state,consumers,messages,messages_ready,messages_unacknowledged,message_stats';
  const { data, error, reload } = useApi<Paged<QueueRow>>(`/api/queues${listQueryString(q, `&columns=${columns}`)}`);
  return (
    <div>
      <h2>Queues</h2>
      <ErrorBox error={error} />
      <ListControls q={q} set={setQ} paged={data} />
      <Table
        rowKey={(x) => `${x.vhost}|${x.name}`}
        rows={data?.items ?? []}
        sort={{ key: q.sort, reverse: q.reverse }}
        onSort={(key) => setQ({ ...q, sort: key, reverse: q.sort === key ? !q.reverse : false })}
        empty={q.name ? 'No queue matches the filter.' : 'No queues.'}
        columns={[
          { title: 'Virtual host', sort: 'vhost', cell: (x) => x.vhost },
          { title: 'Name', sort: 'name', cell: (x) => <a href={queueHref(x.vhost, x.name)}>{x.name}</a> },
          { title: 'Features', cell: (x) => <span title="D durable, AD auto-delete, Excl exclusive">{features(x)}</span> },
          { title: 'State', cell: (x) => x.state },
          { title: 'Consumers', sort: 'consumers', num: true, cell: (x) => fmtNum(x.consumers) },
          { title: 'Ready', sort: 'messages_ready', num: true, cell: (x) => fmtNum(x.messages_ready) },
          { title: 'Unacked', sort: 'messages_unacknowledged', num: true, cell: (x) => fmtNum(x.messages_unacknowledged) },
          { title: 'Total', sort: 'messages', num: true, cell: (x) => fmtNum(x.messages) },
          { title: 'Incoming', sort: 'message_stats.publish_details.rate', num: true, cell: (x) => fmtRate(rate(x.message_stats, 'publish') ?? 0) },
          {
            title: 'Deliver / get',
            sort: 'message_stats.deliver_get_details.rate',
            num: true,
            cell: (x) => fmtRate(rate(x.message_stats, 'deliver_get') ?? 0),
          },
          { title: 'Ack', num: true, cell: (x) => fmtRate(rate(x.message_stats, 'ack') ?? 0) },
        ]}
      />
      <Section title="Add a new queue" open={false}>
        <AddQueue done={reload} />
      </Section>
    </div>
  );
}

function AddQueue({ done }: { done: () => void }) {
  const [vhost, setVhost] = useState('/');
  const [name, setName] = useState('');
  const [durable, setDurable] = useState(true);
  const [autoDelete, setAutoDelete] = useState(false);
  const [args, setArgs] = useState<ArgRow[]>([]);
  const { run, status } = useAction();
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const ok = await run(() => {
      if (name.trim() === '') throw new Error('Give the queue a name.');
      return put(`/api/queues/${enc(vhost)}/${enc(name)}`, { durable, auto_delete: autoDelete, arguments: argsObject(args) });
    }, `Queue '${name}' added.`);
    if (ok) done();
  };
  return (
    <form class="stacked" onSubmit={submit} aria-label="add queue">
      <label>
        Virtual host <VhostSelect value={vhost} set={setVhost} />
      </label>
      <label>
        Name <input name="name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        <input type="checkbox" checked={durable} onChange={(e) => setDurable((e.target as HTMLInputElement).checked)} /> Durable
      </label>
      <label>
        <input type="checkbox" checked={autoDelete} onChange={(e) => setAutoDelete((e.target as HTMLInputElement).checked)} /> Auto delete
      </label>
      <ArgsEditor label="Arguments" rows={args} set={setArgs} hints={QUEUE_ARGS} />
      <div>
        <button class="primary" type="submit">
          Add queue
        </button>
      </div>
      {status}
    </form>
  );
}

interface GotMessage {
  payload: string;
  payload_encoding: string;
  payload_bytes: number;
  redelivered: boolean;
  exchange: string;
  routing_key: string;
  message_count: number;
  properties: Record<string, unknown>;
}

function GetMessages({ vhost, name }: { vhost: string; name: string }) {
  const [ackmode, setAckmode] = useState('ack_requeue_true');
  const [encoding, setEncoding] = useState('auto');
  const [count, setCount] = useState('1');
  const [got, setGot] = useState<GotMessage[] | null>(null);
  const { run, status } = useAction();
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    await run(async () => {
      const n = Number(count);
      if (!Number.isInteger(n) || n < 1) throw new Error('Messages must be a whole number of at least 1.');
      setGot(await post<GotMessage[]>(`/api/queues/${enc(vhost)}/${enc(name)}/get`, { count: n, ackmode, encoding, truncate: 50000 }));
    });
  };
  return (
    <div>
      <form class="inline" onSubmit={submit} aria-label="get messages">
        <label>
          Ack mode{' '}
          <select name="ackmode" value={ackmode} onChange={(e) => setAckmode((e.target as HTMLSelectElement).value)}>
            <option value="ack_requeue_true">Nack message requeue true</option>
            <option value="ack_requeue_false">Automatic ack</option>
            <option value="reject_requeue_true">Reject requeue true</option>
            <option value="reject_requeue_false">Reject requeue false</option>
          </select>
        </label>{' '}
        <label>
          Encoding{' '}
          <select value={encoding} onChange={(e) => setEncoding((e.target as HTMLSelectElement).value)}>
            <option value="auto">Auto string / base64</option>
            <option value="base64">Base64</option>
          </select>
        </label>{' '}
        <label>
          Messages <input name="count" size={4} value={count} onInput={(e) => setCount((e.target as HTMLInputElement).value)} />
        </label>{' '}
        <button type="submit">Get messages</button>
      </form>
      {status}
      {got !== null && got.length === 0 ? <div class="note">Queue is empty.</div> : null}
      {got?.map((m, i) => (
        <div class="message" key={i}>
          <h4>
            Message {i + 1} <span class="muted">({m.message_count} left in the queue)</span>
          </h4>
          <KeyValues
            rows={[
              ['Exchange', m.exchange === '' ? '(AMQP default)' : m.exchange],
              ['Routing key', <code>{m.routing_key}</code>],
              ['Redelivered', m.redelivered ? 'yes' : 'no'],
              ['Properties', <Json value={m.properties} />],
              ['Payload', <span class="muted">{`${fmtBytes(m.payload_bytes)}, encoding: ${m.payload_encoding}`}</span>],
            ]}
          />
          <pre class="payload">{m.payload}</pre>
        </div>
      ))}
    </div>
  );
}

function MoveMessages({ vhost, name }: { vhost: string; name: string }) {
  const [destination, setDestination] = useState('');
  const [moved, setMoved] = useState<number | null>(null);
  const { run, status } = useAction();
  return (
    <form
      class="inline"
      aria-label="move messages"
      onSubmit={async (e) => {
        e.preventDefault();
        setMoved(null);
        await run(async () => {
          if (destination.trim() === '') throw new Error('Name the queue to move the messages to.');
          setMoved((await post<{ moved: number }>(`/api/queues/${enc(vhost)}/${enc(name)}/move`, { destination })).moved);
        });
      }}
    >
      <label>
        Destination queue <input name="destination" value={destination} onInput={(e) => setDestination((e.target as HTMLInputElement).value)} />
      </label>{' '}
      <button type="submit">Move messages</button>
      <p class="muted">Moves every ready message, with its properties, through the default exchange.</p>
      {status}
      {moved !== null ? (
        <div class="note" role="status">
          Moved {fmtNum(moved)} message{moved === 1 ? '' : 's'} to '{destination}'.
        </div>
      ) : null}
    </form>
  );
}

export function QueuePage({ vhost, name }: { vhost: string; name: string }) {
  const { data: q, error, reload } = useApi<QueueRow>(`/api/queues/${enc(vhost)}/${enc(name)}?${rangeQuery(60, 1)}`);
  const purge = useAction();
  const remove = useAction();
  const [deleted, setDeleted] = useState(false);
  return (
    <div>
      <h2>
        Queue <span class="name">{name}</span> <span class="muted">in {vhost}</span>
      </h2>
      {deleted ? <div class="note">The queue was deleted.</div> : <ErrorBox error={error} />}
      {q && !deleted ? (
        <>
          <div class="cards">
            {(
              [
                ['Ready', q.messages_ready],
                ['Unacked', q.messages_unacknowledged],
                ['Total', q.messages],
                ['Consumers', q.consumers],
              ] as [string, number][]
            ).map(([label, n]) => (
              <div class="card" key={label}>
                <span class="big">{fmtNum(n)}</span>
                <span class="muted">{label}</span>
              </div>
            ))}
          </div>
          <div class="charts">
            <DepthChart totals={q} />
            <MessageRateChart stats={q.message_stats} />
          </div>
          <Section title="Details">
            <KeyValues
              rows={[
                ['Type', q.type],
                ['Features', features(q) || 'none'],
                ['State', q.state],
                ['Policy', q.policy ?? 'none'],
                ['Arguments', <Json value={q.arguments} />],
                ['Message bytes', fmtBytes(q.message_bytes)],
                ['Persistent messages', fmtNum(q.messages_persistent)],
                ['Paged out', fmtNum(q.messages_paged_out)],
                ['Memory', fmtBytes(q.memory)],
              ]}
            />
          </Section>
          <Section title={`Consumers (${q.consumer_details?.length ?? 0})`}>
            <Table
              rowKey={(c) => c.consumer_tag}
              rows={q.consumer_details ?? []}
              empty="No consumers."
              columns={[
                { title: 'Channel', cell: (c) => <a href={`#/channels/${enc(c.channel_details.name)}`}>{c.channel_details.name}</a> },
                { title: 'Consumer tag', cell: (c) => c.consumer_tag },
                { title: 'Ack required', cell: (c) => (c.ack_required ? 'yes' : 'no') },
                { title: 'Exclusive', cell: (c) => (c.exclusive ? 'yes' : 'no') },
                { title: 'Prefetch', num: true, cell: (c) => fmtNum(c.prefetch_count) },
                { title: 'Status', cell: (c) => c.activity_status },
              ]}
            />
          </Section>
          <Section title="Bindings">
            <Bindings vhost={vhost} name={name} kind="queue" />
          </Section>
          <Section title="Publish message" open={false}>
            <PublishForm vhost={vhost} exchange="" routingKey={name} />
          </Section>
          <Section title="Get messages">
            <GetMessages vhost={vhost} name={name} />
          </Section>
          <Section title="Move messages" open={false}>
            <MoveMessages vhost={vhost} name={name} />
          </Section>
          <Section title="Purge or delete" open={false}>
            <button
              class="danger"
              onClick={async () => {
                if (await purge.run(() => del(`/api/queues/${enc(vhost)}/${enc(name)}/contents`), 'Queue purged.')) reload();
              }}
            >
              Purge messages
            </button>{' '}
            <button
              class="danger"
              onClick={async () => {
                if (await remove.run(() => del(`/api/queues/${enc(vhost)}/${enc(name)}`))) setDeleted(true);
              }}
            >
              Delete queue
            </button>
            {purge.status}
            {remove.status}
          </Section>
        </>
      ) : null}
    </div>
  );
}
