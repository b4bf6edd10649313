// Channels: the list with message rates, and one channel's details and consumers.
import { useState } from 'preact/hooks';
import { enc, rate, type MessageStats, type Paged } from '../api';
import {
  ErrorBox,
  KeyValues,
  ListControls,
  Section,
  Table,
  fmtNum,
  fmtRate,
  listQueryString,
  rangeQuery,
  useApi,
  type Column,
  type ListQuery,
} from '../components';
import { MessageRateChart } from './overview';

export interface ChannelRow {
  name: string;
  number: number;
  user: string;
  vhost: string;
  state: string;
  confirm: boolean;
  transactional: boolean;
  prefetch_count: number;
  global_prefetch_count: number;
  consumer_count: number;
  messages_unacknowledged: number;
  messages_unconfirmed: number;
  connection_details: { name: string; peer_host: string; peer_port: number };
  message_stats?: MessageStats;
}

function mode(c: ChannelRow): string {
  return [c.confirm ? 'confirm' : '', c.transactional ? 'transactional' : ''].filter((s) => s).join(', ') || 'none';
}

export const channelColumns: Column<ChannelRow>[] = [
  { title: 'Channel', sort: 'name', cell: (c) => <a href={`#/channels/${enc(c.name)}`}>{c.name}</a> },
  { title: 'User', sort: 'user', cell: (c) => c.user },
  { title: 'Mode', cell: mode },
  { title: 'State', sort: 'state', cell: (c) => c.state },
  { title: 'Prefetch', num: true, cell: (c) => (c.prefetch_count ? fmtNum(c.prefetch_count) : '') },
  { title: 'Unacked', sort: 'messages_unacknowledged', num: true, cell: (c) => fmtNum(c.messages_unacknowledged) },
  { title: 'Unconfirmed', num: true, cell: (c) => fmtNum(c.messages_unconfirmed) },
  { title: 'Publish', num: true, cell: (c) => fmtRate(rate(c.message_stats, 'publish') ?? 0) },
  { title: 'Confirm', num: true, cell: (c) => fmtRate(rate(c.message_stats, 'confirm') ?? 0) },
  { title: 'Deliver / get', num: true, cell: (c) => fmtRate(rate(c.message_stats, 'deliver_get') ?? 0) },
  { title: 'Ack', num: true, cell: (c) => fmtRate(rate(c.message_stats, 'ack') ?? 0) },
];

export function ChannelsPage() {
  const [q, setQ] = useState<ListQuery>({ page: 1, pageSize: 100, name: '', regex: false, sort: 'name', reverse: false });
  const { data, error } = useApi<Paged<ChannelRow>>(`/api/channels${listQueryString(q)}`);
  return (
    <div>
      <h2>Channels</h2>
      <ErrorBox error={error} />
      <ListControls q={q} set={setQ} paged={data} />
      <Table
        rowKey={(c) => c.name}
        rows={data?.items ?? []}
        sort={{ key: q.sort, reverse: q.reverse }}
        onSort={(key) => setQ({ ...q, sort: key, reverse: q.sort === key ? !q.reverse : false })}
        columns={[...channelColumns.slice(0, 2), { title: 'Virtual host', sort: 'vhost', cell: (c) => c.vhost }, ...channelColumns.slice(2)]}
        empty="No channels."
      />
    </div>
  );
}

interface Consumer {
  consumer_tag: string;
  queue: { name: string; vhost: string };
  ack_required: boolean;
  exclusive: boolean;
  prefetch_count: number;
  activity_status: string;
  channel_details: { name: string };
}

export function ChannelPage({ name }: { name: string }) {
  const { data: c, error } = useApi<ChannelRow>(`/api/channels/${enc(name)}?${rangeQuery(60, 1)}`);
  const { data: consumers } = useApi<Consumer[]>(c ? `/api/consumers/${enc(c.vhost)}` : null);
  const mine = (consumers ?? []).filter((x) => x.channel_details.name === name);
  return (
    <div>
      <h2>
        Channel <span class="name">{name}</span>
      </h2>
      <ErrorBox error={error} />
      {c ? (
        <>
          <div class="charts">
            <MessageRateChart stats={c.message_stats} />
          </div>
          <Section title="Details">
            <KeyValues
              rows={[
                ['Connection', <a href={`#/connections/${enc(c.connection_details.name)}`}>{c.connection_details.name}</a>],
                ['User', c.user],
                ['Virtual host', c.vhost],
                ['Mode', mode(c)],
                ['State', c.state],
                ['Prefetch (consumer / channel)', `${c.prefetch_count} / ${c.global_prefetch_count}`],
                ['Unacknowledged', fmtNum(c.messages_unacknowledged)],
                ['Unconfirmed', fmtNum(c.messages_unconfirmed)],
              ]}
            />
          </Section>
          <Section title={`Consumers (${mine.length})`}>
            <Table
              rowKey={(x) => x.consumer_tag}
              rows={mine}
              empty="No consumers."
              columns={[
                { title: 'Consumer tag', cell: (x) => x.consumer_tag },
                { title: 'Queue', cell: (x) => <a href={`#/queues/${enc(x.queue.vhost)}/${enc(x.queue.name)}`}>{x.queue.name}</a> },
                { title: 'Ack required', cell: (x) => (x.ack_required ? 'yes' : 'no') },
                { title: 'Exclusive', cell: (x) => (x.exclusive ? 'yes' : 'no') },
                { title: 'Prefetch', num: true, cell: (x) => fmtNum(x.prefetch_count) },
                { title: 'Status', cell: (x) => x.activity_status },
              ]}
            />
          </Section>
        </>
      ) : null}
    </div>
  );
}
