// Connections: the list with rates, one connection's details and channels, and force-close with a reason.
import { useState } from 'preact/hooks';
import { del, enc, rate, type Details, type MessageStats, type Paged } from '../api';
import {
  Chart,
  ErrorBox,
  Json,
  KeyValues,
  ListControls,
  Section,
  Table,
  color,
  fmtBytes,
  fmtNum,
  fmtRate,
  listQueryString,
  rangeQuery,
  useAction,
  useApi,
  type ListQuery,
} from '../components';
import { MessageRateChart } from './overview';
import { channelColumns, type ChannelRow } from './channels';

export interface ConnectionRow {
  name: string;
  user: string;
  vhost: string;
  state: string;
  channels: number;
  protocol: string;
  peer_host: string;
  peer_port: number;
  host: string;
  port: number;
  auth_mechanism: string;
  timeout: number;
  frame_max: number;
  channel_max: number;
  connected_at: number;
  recv_oct: number;
  send_oct: number;
  client_properties: Record<string, unknown>;
  recv_oct_details?: Details;
  send_oct_details?: Details;
  message_stats?: MessageStats;
}

export const connectionHref = (name: string): string => `#/connections/${enc(name)}`;

export function ConnectionsPage() {
  const [q, setQ] = useState<ListQuery>({ page: 1, pageSize: 100, name: '', regex: false, sort: 'name', reverse: false });
  const { data, error } = useApi<Paged<ConnectionRow>>(`/api/connections${listQueryString(q)}`);
  const sort = (key: string): void => setQ({ ...q, sort: key, reverse: q.sort === key ? !q.reverse : false });
  return (
    <div>
      <h2>Connections</h2>
      <ErrorBox error={error} />
      <ListControls q={q} set={setQ} paged={data} />
      <Table
        rowKey={(c) => c.name}
        sort={{ key: q.sort, reverse: q.reverse }}
        onSort={sort}
        empty="No connections."
        rows={data?.items ?? []}
        columns={[
          { title: 'Name', sort: 'name', cell: (c) => <a href={connectionHref(c.name)}>{c.name}</a> },
          { title: 'User', sort: 'user', cell: (c) => c.user },
          { title: 'Virtual host', sort: 'vhost', cell: (c) => c.vhost },
          { title: 'Client', cell: (c) => clientName(c.client_properties) },
          { title: 'State', sort: 'state', cell: (c) => <span class={c.state === 'running' ? 'ok' : 'warn'}>{c.state}</span> },
          { title: 'Channels', sort: 'channels', num: true, cell: (c) => fmtNum(c.channels) },
          { title: 'From client', num: true, cell: (c) => `${fmtBytes(c.recv_oct_details?.rate ?? 0)}/s` },
          { title: 'To client', num: true, cell: (c) => `${fmtBytes(c.send_oct_details?.rate ?? 0)}/s` },
          { title: 'Publish', num: true, cell: (c) => fmtRate(rate(c.message_stats, 'publish') ?? 0) },
          { title: 'Deliver / get', num: true, cell: (c) => fmtRate(rate(c.message_stats, 'deliver_get') ?? 0) },
        ]}
      />
    </div>
  );
}

function clientName(p: Record<string, unknown>): string {
  const product = typeof p['product'] === 'string' ? p['product'] : '';
  const version = typeof p['version'] === 'string' ? p['version'] : '';
  const name = typeof p['connection_name'] === 'string' ? ` “${p['connection_name']}”` : '';
  return `${product} ${version}`.trim() + name;
}

export function ConnectionPage({ name }: { name: string }) {
  const { data: c, error } = useApi<ConnectionRow>(`/api/connections/${enc(name)}?${rangeQuery(60, 1)}`);
  const { data: channels } = useApi<ChannelRow[]>(`/api/connections/${enc(name)}/channels`);
  const [reason, setReason] = useState('Closed via management UI');
  const { run, status } = useAction();
  const [closed, setClosed] = useState(false);
  return (
    <div>
      <h2>
        Connection <span class="name">{name}</span>
      </h2>
      {closed ? <div class="note">The connection was closed.</div> : <ErrorBox error={error} />}
      {c && !closed ? (
        <>
          <div class="charts">
            <MessageRateChart stats={c.message_stats} />
            <Chart
              title="Data rates"
              series={[
                { label: 'From client', color: color(0), details: c.recv_oct_details, asRate: true },
                { label: 'To client', color: color(1), details: c.send_oct_details, asRate: true },
              ]}
            />
          </div>
          <Section title="Details">
            <KeyValues
              rows={[
                ['User', c.user],
                ['Virtual host', c.vhost],
                ['State', c.state],
                ['Protocol', c.protocol],
                ['Authentication', c.auth_mechanism],
                ['Client address', `${c.peer_host}:${c.peer_port}`],
                ['Server address', `${c.host}:${c.port}`],
                ['Heartbeat', `${c.timeout} s`],
                ['Frame max', fmtBytes(c.frame_max)],
                ['Channel max', fmtNum(c.channel_max)],
                ['Connected', new Date(c.connected_at).toLocaleString()],
                ['Received', fmtBytes(c.recv_oct)],
                ['Sent', fmtBytes(c.send_oct)],
                ['Client properties', <Json value={c.client_properties} />],
              ]}
            />
          </Section>
          <Section title={`Channels (${channels?.length ?? 0})`}>
            <Table rowKey={(ch) => ch.name} rows={channels ?? []} columns={channelColumns} empty="No channels." />
          </Section>
          <Section title="Close this connection" open={false}>
            <form
              class="inline"
              onSubmit={async (e) => {
                e.preventDefault();
                if (await run(() => del(`/api/connections/${enc(name)}`, { 'x-reason': reason }))) setClosed(true);
              }}
            >
              <label>
                Reason <input value={reason} onInput={(e) => setReason((e.target as HTMLInputElement).value)} size={40} />
              </label>{' '}
              <button class="danger" type="submit">
                Force close
              </button>
            </form>
            {status}
          </Section>
        </>
      ) : null}
    </div>
  );
}
