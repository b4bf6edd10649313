// Exchanges: the paged list, add, one exchange's rates, bindings, publish and delete.
import { useState } from 'preact/hooks';
import { del, enc, put, rate, type Details, type MessageStats, type Paged } from '../api';
import {
  ArgsEditor,
  Chart,
  ErrorBox,
  Json,
  KeyValues,
  ListControls,
  Section,
  Table,
  argsObject,
  color,
  fmtRate,
  listQueryString,
  rangeQuery,
  useAction,
  useApi,
  type ArgRow,
  type ListQuery,
} from '../components';
import { argumentHints } from '../argument-hints';
import { Bindings, PublishForm, VhostSelect } from './shared';

interface ExchangeRow {
  name: string;
  vhost: string;
  type: string;
  durable: boolean;
  auto_delete: boolean;
  internal: boolean;
  arguments: Record<string, unknown>;
  policy: string | null;
  message_stats?: MessageStats;
}

const displayName = (n: string): string => (n === '' ? '(AMQP default)' : n);
export const exchangeHref = (vhost: string, name: string): string => `#/exchanges/${enc(vhost)}/${enc(name === '' ? 'amq.default' : name)}`;

function features(x: ExchangeRow): string {
  return [x.durable ? 'D' : '', x.auto_delete ? 'AD' : '', x.internal ? 'I' : '', Object.keys(x.arguments).length > 0 ? 'Args' : ''].filter((s) => s).join(' ');
}

export function ExchangesPage() {
  const [q, setQ] = useState<ListQuery>({ page: 1, pageSize: 100, name: '', regex: false, sort: 'name', reverse: false });
  const { data, error, reload } = useApi<Paged<ExchangeRow>>(`/api/exchanges${listQueryString(q)}`);
  return (
    <div>
      <h2>Exchanges</h2>
      <ErrorBox error={error} />
      <ListControls q={q} set={setQ} paged={data} />
      <Table
        rowKey={(x) => `${x.vhost}|${x.name}`}
        rows={data?.items ?? []}
        sort={{ key: q.sort, reverse: q.reverse }}
        onSort={(key) => setQ({ ...q, sort: key, reverse: q.sort === key ? !q.reverse : false })}
        columns={[
          { title: 'Virtual host', sort: 'vhost', cell: (x) => x.vhost },
          { title: 'Name', sort: 'name', cell: (x) => <a href={exchangeHref(x.vhost, x.name)}>{displayName(x.name)}</a> },
          { title: 'Type', sort: 'type', cell: (x) => x.type },
          { title: 'Features', cell: (x) => <span title="D durable, AD auto-delete, I internal">{features(x)}</span> },
          { title: 'Policy', cell: (x) => x.policy ?? '' },
          { title: 'Rate in', num: true, cell: (x) => fmtRate(rate(x.message_stats, 'publish_in') ?? 0) },
          { title: 'Rate out', num: true, cell: (x) => fmtRate(rate(x.message_stats, 'publish_out') ?? 0) },
        ]}
      />
      <Section title="Add a new exchange" open={false}>
        <AddExchange done={reload} />
      </Section>
    </div>
  );
}

function AddExchange({ done }: { done: () => void }) {
  const [vhost, setVhost] = useState('/');
  const [name, setName] = useState('');
  const [type, setType] = useState('direct');
  const [durable, setDurable] = useState(true);
  const [autoDelete, setAutoDelete] = useState(false);
  const [internal, setInternal] = useState(false);
  const [args, setArgs] = useState<ArgRow[]>([]);
  const { run, status } = useAction();
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    const ok = await run(() => {
      if (name.trim() === '') throw new Error('Give the exchange a name.');
      return put(`/api/exchanges/${enc(vhost)}/${enc(name)}`, { type, durable, auto_delete: autoDelete, internal, arguments: argsObject(args) });
    }, `Exchange '${name}' added.`);
    if (ok) done();
  };
  return (
    <form class="stacked" onSubmit={submit} aria-label="add exchange">
      <label>
        Virtual host <VhostSelect value={vhost} set={setVhost} />
      </label>
      <label>
        Name <input name="name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        Type{' '}
        <select value={type} onChange={(e) => setType((e.target as HTMLSelectElement).value)}>
          {['direct', 'fanout', 'topic', 'headers'].map((t) => (
            <option key={t}>{t}</option>
          ))}
        </select>
      </label>
      <label>
        <input type="checkbox" checked={durable} onChange={(e) => setDurable((e.target as HTMLInputElement).checked)} /> Durable
      </label>
      <label>
        <input type="checkbox" checked={autoDelete} onChange={(e) => setAutoDelete((e.target as HTMLInputElement).checked)} /> Auto delete
      </label>
      <label>
        <input type="checkbox" checked={internal} onChange={(e) => setInternal((e.target as HTMLInputElement).checked)} /> Internal
      </label>
      <ArgsEditor label="Arguments" rows={args} set={setArgs} hints={argumentHints('exchange')} />
      <div>
        <button class="primary" type="submit">
          Add exchange
        </button>
      </div>
      {status}
    </form>
  );
}

export function ExchangePage({ vhost, name }: { vhost: string; name: string }) {
  const { data: x, error } = useApi<ExchangeRow>(`/api/exchanges/${enc(vhost)}/${enc(name)}?${rangeQuery(60, 1)}`);
  const { run, status } = useAction();
  const [deleted, setDeleted] = useState(false);
  const realName = name === 'amq.default' ? '' : name;
  const builtIn = realName === '' || realName.startsWith('amq.');
  return (
    <div>
      <h2>
        Exchange <span class="name">{displayName(realName)}</span> <span class="muted">in {vhost}</span>
      </h2>
      {deleted ? <div class="note">The exchange was deleted.</div> : <ErrorBox error={error} />}
      {x && !deleted ? (
        <>
          <div class="charts">
            <Chart
              title="Message rates"
              series={[
                { label: 'In', color: color(0), details: x.message_stats?.['publish_in_details'] as Details | undefined, asRate: true },
                { label: 'Out', color: color(1), details: x.message_stats?.['publish_out_details'] as Details | undefined, asRate: true },
              ]}
            />
          </div>
          <Section title="Details">
            <KeyValues
              rows={[
                ['Type', x.type],
                ['Features', features(x) || 'none'],
                ['Policy', x.policy ?? 'none'],
                ['Arguments', <Json value={x.arguments} />],
              ]}
            />
          </Section>
          <Section title="Bindings">
            {realName === '' ? (
              <p class="muted">The default exchange is bound to every queue by its name.</p>
            ) : (
              <Bindings vhost={vhost} name={realName} kind="source" />
            )}
          </Section>
          <Section title="Publish message">
            <PublishForm vhost={vhost} exchange={realName} />
          </Section>
          {!builtIn ? (
            <Section title="Delete this exchange" open={false}>
              <button
                class="danger"
                onClick={async () => {
                  if (await run(() => del(`/api/exchanges/${enc(vhost)}/${enc(realName)}`))) setDeleted(true);
                }}
              >
                Delete
              </button>
              {status}
            </Section>
          ) : null}
        </>
      ) : null}
    </div>
  );
}
