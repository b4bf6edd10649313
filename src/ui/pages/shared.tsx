// Forms several pages share: publish a message, the bindings of an exchange or queue, the vhost picker.
import { useState } from 'preact/hooks';
import { del, enc, post, type Paged } from '../api';
import { ArgsEditor, ErrorBox, Json, Table, argsObject, useAction, useApi, type ArgRow } from '../components';

export function VhostSelect({ value, set }: { value: string; set: (v: string) => void }) {
  const { data } = useApi<{ name: string }[]>('/api/vhosts?columns=name', 0);
  const names = data?.map((v) => v.name) ?? [value];
  return (
    <select aria-label="virtual host" value={value} onChange={(e) => set((e.target as HTMLSelectElement).value)}>
      {names.map((n) => (
        <option key={n} value={n}>
          {n}
        </option>
      ))}
    </select>
  );
}

const PROPERTY_HINTS: [string, 'string'][] = [
  ['content_type', 'string'],
  ['content_encoding', 'string'],
  ['correlation_id', 'string'],
  ['reply_to', 'string'],
  ['expiration', 'string'],
  ['message_id', 'string'],
  ['type', 'string'],
  ['user_id', 'string'],
  ['app_id', 'string'],
];

/** POST /api/exchanges/{v}/{x}/publish with routing key, delivery mode, headers, properties and payload. */
export function PublishForm({ vhost, exchange, routingKey = '' }: { vhost: string; exchange: string; routingKey?: string }) {
  const [key, setKey] = useState(routingKey);
  const [persistent, setPersistent] = useState(false);
  const [headers, setHeaders] = useState<ArgRow[]>([]);
  const [props, setProps] = useState<ArgRow[]>([]);
  const [payload, setPayload] = useState('');
  const [encoding, setEncoding] = useState('string');
  const { run, status } = useAction();
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    await run(async () => {
      const properties: Record<string, unknown> = { ...argsObject(props), delivery_mode: persistent ? 2 : 1 };
      const h = argsObject(headers);
      if (Object.keys(h).length > 0) properties['headers'] = h;
      const r = await post<{ routed: boolean }>(`/api/exchanges/${enc(vhost)}/${enc(exchange === '' ? 'amq.default' : exchange)}/publish`, {
        routing_key: key,
        properties,
        payload,
        payload_encoding: encoding,
      });
      if (!r.routed) throw new Error('Message published, but not routed: no queue is bound for this routing key.');
    }, 'Message published.');
  };
  return (
    <form class="stacked" onSubmit={submit} aria-label="publish message">
      <label>
        Routing key <input name="routing_key" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
      </label>
      <label>
        <input type="checkbox" checked={persistent} onChange={(e) => setPersistent((e.target as HTMLInputElement).checked)} /> Persistent (delivery mode 2)
      </label>
      <ArgsEditor label="Headers" rows={headers} set={setHeaders} />
      <ArgsEditor label="Properties" rows={props} set={setProps} hints={PROPERTY_HINTS} />
      <label>
        Payload
        <textarea name="payload" rows={4} value={payload} onInput={(e) => setPayload((e.target as HTMLTextAreaElement).value)} />
      </label>
      <label>
        Payload encoding{' '}
        <select value={encoding} onChange={(e) => setEncoding((e.target as HTMLSelectElement).value)}>
          <option value="string">String (UTF-8)</option>
          <option value="base64">Base64</option>
        </select>
      </label>
      <div>
        <button class="primary" type="submit">
          Publish message
        </button>
      </div>
      {status}
    </form>
  );
}

export interface BindingRow {
  source: string;
  destination: string;
  destination_type: 'queue' | 'exchange';
  routing_key: string;
  arguments: Record<string, unknown>;
  properties_key: string;
  vhost: string;
}

/** Bindings from an exchange (kind 'source') or to a queue/exchange, with add and unbind. */
export function Bindings({ vhost, name, kind }: { vhost: string; name: string; kind: 'source' | 'queue' | 'exchange-destination' }) {
  const path =
    kind === 'source'
      ? `/api/exchanges/${enc(vhost)}/${enc(name)}/bindings/source`
      : kind === 'queue'
        ? `/api/queues/${enc(vhost)}/${enc(name)}/bindings`
        : `/api/exchanges/${enc(vhost)}/${enc(name)}/bindings/destination`;
  const { data, error, reload } = useApi<BindingRow[] | Paged<BindingRow>>(path);
  const rows = Array.isArray(data) ? data : (data?.items ?? []);
  const [other, setOther] = useState('');
  const [destType, setDestType] = useState<'q' | 'e'>('q');
  const [key, setKey] = useState('');
  const [args, setArgs] = useState<ArgRow[]>([]);
  const { run, status } = useAction();
  const v = enc(vhost);
  const bind = async (e: Event): Promise<void> => {
    e.preventDefault();
    const ok = await run(() => {
      const body = { routing_key: key, arguments: argsObject(args) };
      if (kind === 'source') return post(`/api/bindings/${v}/e/${enc(name)}/${destType}/${enc(other)}`, body);
      return post(`/api/bindings/${v}/e/${enc(other)}/${kind === 'queue' ? 'q' : 'e'}/${enc(name)}`, body);
    }, 'Binding added.');
    if (ok) reload();
  };
  const unbind = async (b: BindingRow): Promise<void> => {
    const t = b.destination_type === 'queue' ? 'q' : 'e';
    if (await run(() => del(`/api/bindings/${v}/e/${enc(b.source)}/${t}/${enc(b.destination)}/${b.properties_key}`), 'Binding removed.')) reload();
  };
  return (
    <div>
      <ErrorBox error={error} />
      <Table
        rowKey={(b) => `${b.source}|${b.destination_type}|${b.destination}|${b.properties_key}`}
        rows={rows}
        empty="No bindings."
        columns={[
          {
            title: kind === 'source' ? 'To' : 'From',
            cell: (b) =>
              kind === 'source' ? (
                <a href={`#/${b.destination_type === 'queue' ? 'queues' : 'exchanges'}/${v}/${enc(b.destination)}`}>{b.destination}</a>
              ) : b.source === '' ? (
                '(AMQP default)'
              ) : (
                <a href={`#/exchanges/${v}/${enc(b.source)}`}>{b.source}</a>
              ),
          },
          ...(kind === 'source' ? [{ title: 'Type', cell: (b: BindingRow) => b.destination_type }] : []),
          { title: 'Routing key', cell: (b) => <code>{b.routing_key}</code> },
          { title: 'Arguments', cell: (b) => <Json value={b.arguments} /> },
          {
            title: '',
            cell: (b) =>
              b.source === '' ? (
                <span class="muted">default binding</span>
              ) : (
                <button class="small" onClick={() => void unbind(b)}>
                  Unbind
                </button>
              ),
          },
        ]}
      />
      <form class="stacked" onSubmit={bind} aria-label="add binding">
        <h4>{kind === 'source' ? 'Add binding from this exchange' : `Add binding to this ${kind === 'queue' ? 'queue' : 'exchange'}`}</h4>
        {kind === 'source' ? (
          <label>
            To{' '}
            <select value={destType} onChange={(e) => setDestType((e.target as HTMLSelectElement).value as 'q' | 'e')}>
              <option value="q">queue</option>
              <option value="e">exchange</option>
            </select>{' '}
            <input name="destination" value={other} onInput={(e) => setOther((e.target as HTMLInputElement).value)} placeholder="name" />
          </label>
        ) : (
          <label>
            From exchange <input name="source" value={other} onInput={(e) => setOther((e.target as HTMLInputElement).value)} placeholder="exchange name" />
          </label>
        )}
        <label>
          Routing key <input name="binding_key" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
        </label>
        <ArgsEditor label="Arguments" rows={args} set={setArgs} />
        <div>
          <button type="submit">Bind</button>
        </div>
        {status}
      </form>
    </div>
  );
}
