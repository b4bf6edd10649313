// Overview: totals, live charts of message rates and queued messages, and node facts.
import { useState } from 'preact/hooks';
import type { Details, MessageStats, Whoami } from '../api';
import {
  Chart,
  ErrorBox,
  KeyValues,
  MESSAGE_RATE_SERIES,
  RANGES,
  Section,
  color,
  fmtBytes,
  fmtDuration,
  fmtNum,
  fmtRate,
  rangeQuery,
  useApi,
} from '../components';

interface Overview {
  product_name: string;
  product_version: string;
  node: string;
  rates_mode: string;
  message_stats: MessageStats;
  queue_totals: {
    messages: number;
    messages_ready: number;
    messages_unacknowledged: number;
    messages_details?: Details;
    messages_ready_details?: Details;
    messages_unacknowledged_details?: Details;
  };
  object_totals: { connections: number; channels: number; exchanges: number; queues: number; consumers: number };
  listeners: { protocol: string; ip_address: string; port: number }[];
}

interface Status {
  version: string;
  pid: number;
  uptime_ms: number;
  data_dir: string;
  memory: { rss: number; heap_used: number };
  alarms: string[];
  limits: { memory_high_watermark?: number; memory_used?: number; disk_free_limit?: number; disk_free?: number };
}

export function RangePicker({ value, set }: { value: number; set: (i: number) => void }) {
  return (
    <select aria-label="chart range" value={String(value)} onChange={(e) => set(Number((e.target as HTMLSelectElement).value))}>
      {RANGES.map((r, i) => (
        <option key={r.label} value={String(i)}>
          {r.label}
        </option>
      ))}
    </select>
  );
}

const ALWAYS = ['publish', 'deliver_get', 'ack'];

export function MessageRateChart({ stats, title = 'Message rates' }: { stats: MessageStats | undefined; title?: string }) {
  // The main three always; the others once they moved in the shown range (so idle lines do not cover them).
  const moved = (k: string): boolean => {
    const samples = (stats?.[`${k}_details`] as Details | undefined)?.samples ?? [];
    return samples.length > 1 && samples[0]!.sample !== samples[samples.length - 1]!.sample;
  };
  const shown = MESSAGE_RATE_SERIES.filter(([k]) => ALWAYS.includes(k) || (stats?.[`${k}_details`] !== undefined && moved(k)));
  return (
    <Chart
      title={title}
      series={shown.map(([k, label], i) => ({ label, color: color(i), details: stats?.[`${k}_details`] as Details | undefined, asRate: true }))}
    />
  );
}

export function DepthChart({
  totals,
  title = 'Queued messages',
}: {
  totals: { messages_ready_details?: Details; messages_unacknowledged_details?: Details; messages_details?: Details };
  title?: string;
}) {
  return (
    <Chart
      title={title}
      series={[
        { label: 'Ready', color: color(3), details: totals.messages_ready_details, asRate: false },
        { label: 'Unacked', color: color(4), details: totals.messages_unacknowledged_details, asRate: false },
        { label: 'Total', color: color(7), details: totals.messages_details, asRate: false },
      ]}
    />
  );
}

function Meter({ used, limit, label }: { used: number | undefined; limit: number | undefined; label: string }) {
  if (used === undefined) return <span class="muted">unknown</span>;
  const pct = limit ? Math.min(100, (used / limit) * 100) : 0;
  return (
    <span class="meter" title={label}>
      <span class="bar">
        <span class={pct > 90 ? 'fill warn' : 'fill'} style={{ width: `${pct}%` }} />
      </span>{' '}
      {label}
    </span>
  );
}

export function OverviewPage({ me }: { me: Whoami }) {
  const [range, setRange] = useState(0);
  const r = RANGES[range]!;
  const { data: o, error } = useApi<Overview>(`/api/overview?${rangeQuery(r.age, r.incr)}`);
  const canMonitor = me.tags.includes('administrator') || me.tags.includes('monitoring');
  const { data: s, error: statusError } = useApi<Status>(canMonitor ? '/api/warren/status' : null);
  const ms = o?.message_stats;
  return (
    <div>
      <h2>Overview</h2>
      <ErrorBox error={error} />
      {o ? (
        <>
          <div class="cards">
            {(
              [
                ['Connections', o.object_totals.connections, '#/connections'],
                ['Channels', o.object_totals.channels, '#/channels'],
                ['Exchanges', o.object_totals.exchanges, '#/exchanges'],
                ['Queues', o.object_totals.queues, '#/queues'],
                ['Consumers', o.object_totals.consumers, '#/queues'],
                ['Ready', o.queue_totals.messages_ready, '#/queues'],
                ['Unacked', o.queue_totals.messages_unacknowledged, '#/queues'],
                ['Total messages', o.queue_totals.messages, '#/queues'],
              ] as [string, number, string][]
            ).map(([label, n, href]) => (
              <a class="card" href={href} key={label}>
                <span class="big">{fmtNum(n)}</span>
                <span class="muted">{label}</span>
              </a>
            ))}
          </div>
          <div class="chart-head">
            <span>
              Publish {fmtRate((ms?.['publish_details'] as Details | undefined)?.rate ?? 0)} · Deliver/get{' '}
              {fmtRate((ms?.['deliver_get_details'] as Details | undefined)?.rate ?? 0)} · Ack{' '}
              {fmtRate((ms?.['ack_details'] as Details | undefined)?.rate ?? 0)}
            </span>
            <RangePicker value={range} set={setRange} />
          </div>
          {o.rates_mode === 'none' ? <div class="note">Message rates are off (warren-server --rates-mode none).</div> : null}
          <div class="charts">
            <MessageRateChart stats={ms} />
            <DepthChart totals={o.queue_totals} />
          </div>
          <Section title="Node">
            {canMonitor ? (
              <>
                <ErrorBox error={statusError} />
                {s ? (
                  <KeyValues
                    rows={[
                      ['Node', o.node],
                      ['Version', `${o.product_name} ${s.version}`],
                      ['Uptime', fmtDuration(s.uptime_ms)],
                      ['Process', `pid ${s.pid}`],
                      [
                        'Memory',
                        <Meter
                          used={s.limits.memory_used ?? s.memory.rss}
                          limit={s.limits.memory_high_watermark}
                          label={`${fmtBytes(s.limits.memory_used ?? s.memory.rss)} of ${fmtBytes(s.limits.memory_high_watermark)} high watermark`}
                        />,
                      ],
                      [
                        'Disk free',
                        s.limits.disk_free === undefined ? (
                          <span class="muted">unknown</span>
                        ) : (
                          `${fmtBytes(s.limits.disk_free)} (limit ${fmtBytes(s.limits.disk_free_limit)})`
                        ),
                      ],
                      ['Alarms', s.alarms.length === 0 ? <span class="ok">none</span> : <span class="bad">{s.alarms.join(', ')}</span>],
                      ['Data directory', <code>{s.data_dir}</code>],
                    ]}
                  />
                ) : null}
              </>
            ) : (
              <p class="muted">Node details need the monitoring or administrator tag.</p>
            )}
            <h4>Listeners</h4>
            <table class="list">
              <thead>
                <tr>
                  <th>Protocol</th>
                  <th>Address</th>
                  <th class="num">Port</th>
                </tr>
              </thead>
              <tbody>
                {o.listeners.map((l) => (
                  <tr key={`${l.protocol}${l.port}`}>
                    <td>{l.protocol}</td>
                    <td>{l.ip_address}</td>
                    <td class="num">{l.port}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </Section>
        </>
      ) : null}
    </div>
  );
}
