// Admin: users (add, tags, password, delete), virtual hosts, permissions, topic permissions,
// policies and the node's resource limits.
import { useState } from 'preact/hooks';
import { del, enc, put, type Whoami } from '../api';
import { ArgsEditor, ErrorBox, Json, Section, Table, argsObject, fmtBytes, fmtNum, useAction, useApi, type ArgRow } from '../components';
import { POLICY_HINTS } from '../argument-hints';
import { VhostSelect } from './shared';

const SECTIONS: [string, string][] = [
  ['users', 'Users'],
  ['vhosts', 'Virtual hosts'],
  ['permissions', 'Permissions'],
  ['topic-permissions', 'Topic permissions'],
  ['policies', 'Policies'],
  ['limits', 'Limits'],
];

export function AdminPage({ section, item, me }: { section: string; item: string | undefined; me: Whoami }) {
  const admin = me.tags.includes('administrator');
  return (
    <div class="admin">
      <aside>
        {SECTIONS.map(([key, label]) => (
          <a key={key} href={`#/admin/${key}`} class={section === key ? 'active' : ''}>
            {label}
          </a>
        ))}
      </aside>
      <div class="admin-body">
        {!admin && section !== 'policies' ? (
          <div class="note">Most of this page needs the administrator tag; the broker refuses what your tags do not allow.</div>
        ) : null}
        {section === 'users' ? item !== undefined ? <UserPage name={item} /> : <Users /> : null}
        {section === 'vhosts' ? <Vhosts /> : null}
        {section === 'permissions' ? <Permissions /> : null}
        {section === 'topic-permissions' ? <TopicPermissions /> : null}
        {section === 'policies' ? <Policies /> : null}
        {section === 'limits' ? <Limits /> : null}
        {!SECTIONS.some(([k]) => k === section) ? <div class="error">No such admin page: {section}</div> : null}
      </div>
    </div>
  );
}

interface User {
  name: string;
  tags: string[];
}
interface Permission {
  user: string;
  vhost: string;
  configure: string;
  write: string;
  read: string;
}

const TAGS = ['administrator', 'monitoring', 'policymaker', 'management'];

function TagPicker({ tags, set }: { tags: string; set: (t: string) => void }) {
  return (
    <span>
      <input name="tags" value={tags} onInput={(e) => set((e.target as HTMLInputElement).value)} placeholder="comma-separated" />{' '}
      {TAGS.map((t) => (
        <button
          type="button"
          class="link"
          key={t}
          onClick={() =>
            set(
              [
                ...new Set([
                  ...tags
                    .split(',')
                    .map((s) => s.trim())
                    .filter((s) => s),
                  t,
                ]),
              ].join(', '),
            )
          }
        >
          {t}
        </button>
      ))}
    </span>
  );
}

function Users() {
  const { data, error, reload } = useApi<User[]>('/api/users');
  const { data: perms } = useApi<Permission[]>('/api/permissions');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [tags, setTags] = useState('');
  const { run, status } = useAction();
  const access = (user: string): string =>
    (perms ?? [])
      .filter((p) => p.user === user)
      .map((p) => p.vhost)
      .join(', ');
  return (
    <div>
      <h2>Users</h2>
      <ErrorBox error={error} />
      <Table
        rowKey={(u) => u.name}
        rows={data ?? []}
        columns={[
          { title: 'Name', cell: (u) => <a href={`#/admin/users/${enc(u.name)}`}>{u.name}</a> },
          { title: 'Tags', cell: (u) => u.tags.join(', ') || <span class="muted">none (cannot use this UI)</span> },
          { title: 'Can access virtual hosts', cell: (u) => access(u.name) || <span class="muted">no access</span> },
        ]}
      />
      <Section title="Add a user">
        <form
          class="stacked"
          aria-label="add user"
          onSubmit={async (e) => {
            e.preventDefault();
            const ok = await run(() => {
              if (name.trim() === '') throw new Error('Give the user a name.');
              return put(`/api/users/${enc(name)}`, { password, tags });
            }, `User '${name}' added.`);
            if (ok) reload();
          }}
        >
          <label>
            Username <input name="username" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Password <input name="password" type="password" value={password} onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Tags <TagPicker tags={tags} set={setTags} />
          </label>
          <div>
            <button class="primary" type="submit">
              Add user
            </button>
          </div>
          {status}
        </form>
      </Section>
    </div>
  );
}

function UserPage({ name }: { name: string }) {
  const { data: u, error } = useApi<User & { password_hash: string; hashing_algorithm: string }>(`/api/users/${enc(name)}`, 0);
  const { data: perms, reload } = useApi<Permission[]>(`/api/users/${enc(name)}/permissions`);
  const [tags, setTags] = useState<string | null>(null);
  const [password, setPassword] = useState('');
  const [vhost, setVhost] = useState('/');
  const update = useAction();
  const perm = useAction();
  const remove = useAction();
  const [deleted, setDeleted] = useState(false);
  if (deleted) return <div class="note">User '{name}' was deleted.</div>;
  const currentTags = tags ?? u?.tags.join(', ') ?? '';
  return (
    <div>
      <h2>
        User <span class="name">{name}</span>
      </h2>
      <ErrorBox error={error} />
      {u ? (
        <>
          <Section title="Tags and password">
            <form
              class="stacked"
              aria-label="update user"
              onSubmit={async (e) => {
                e.preventDefault();
                // PUT replaces the user: keep the stored hash unless a new password is given.
                const body =
                  password !== ''
                    ? { password, tags: currentTags }
                    : { password_hash: u.password_hash, hashing_algorithm: u.hashing_algorithm, tags: currentTags };
                await update.run(() => put(`/api/users/${enc(name)}`, body), 'User updated.');
              }}
            >
              <label>
                Tags <TagPicker tags={currentTags} set={setTags} />
              </label>
              <label>
                New password{' '}
                <input
                  type="password"
                  name="password"
                  value={password}
                  placeholder="unchanged"
                  onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
                />
              </label>
              <div>
                <button type="submit">Update user</button>
              </div>
              {update.status}
            </form>
          </Section>
          <Section title="Permissions">
            <Table
              rowKey={(p) => p.vhost}
              rows={perms ?? []}
              empty="No permissions: this user can access no virtual host."
              columns={[
                { title: 'Virtual host', cell: (p) => p.vhost },
                { title: 'Configure', cell: (p) => <code>{p.configure}</code> },
                { title: 'Write', cell: (p) => <code>{p.write}</code> },
                { title: 'Read', cell: (p) => <code>{p.read}</code> },
                {
                  title: '',
                  cell: (p) => (
                    <button class="small" onClick={async () => (await perm.run(() => del(`/api/permissions/${enc(p.vhost)}/${enc(name)}`))) && reload()}>
                      Clear
                    </button>
                  ),
                },
              ]}
            />
            <form
              class="inline"
              aria-label="set permission"
              onSubmit={async (e) => {
                e.preventDefault();
                if (await perm.run(() => put(`/api/permissions/${enc(vhost)}/${enc(name)}`, { configure: '.*', write: '.*', read: '.*' }), 'Permission set.'))
                  reload();
              }}
            >
              Give full access to <VhostSelect value={vhost} set={setVhost} /> <button type="submit">Set permission</button>
            </form>
            {perm.status}
          </Section>
          <Section title="Delete this user" open={false}>
            <button class="danger" onClick={async () => (await remove.run(() => del(`/api/users/${enc(name)}`))) && setDeleted(true)}>
              Delete user
            </button>
            {remove.status}
          </Section>
        </>
      ) : null}
    </div>
  );
}

interface Vhost {
  name: string;
  description: string;
  tags: string[];
  messages: number;
  messages_ready: number;
  messages_unacknowledged: number;
}

function Vhosts() {
  const { data, error, reload } = useApi<Vhost[]>('/api/vhosts');
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const { run, status } = useAction();
  return (
    <div>
      <h2>Virtual hosts</h2>
      <ErrorBox error={error} />
      <Table
        rowKey={(v) => v.name}
        rows={data ?? []}
        columns={[
          { title: 'Name', cell: (v) => v.name },
          { title: 'Description', cell: (v) => v.description },
          { title: 'Ready', num: true, cell: (v) => fmtNum(v.messages_ready) },
          { title: 'Unacked', num: true, cell: (v) => fmtNum(v.messages_unacknowledged) },
          { title: 'Total', num: true, cell: (v) => fmtNum(v.messages) },
          {
            title: '',
            cell: (v) => (
              <button
                class="small danger"
                onClick={async () => (await run(() => del(`/api/vhosts/${enc(v.name)}`), `Virtual host '${v.name}' deleted.`)) && reload()}
              >
                Delete
              </button>
            ),
          },
        ]}
      />
      <Section title="Add a virtual host">
        <form
          class="inline"
          aria-label="add vhost"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await run(() => put(`/api/vhosts/${enc(name)}`, { description }), `Virtual host '${name}' added.`)) reload();
          }}
        >
          <label>
            Name <input name="name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>{' '}
          <label>
            Description <input value={description} onInput={(e) => setDescription((e.target as HTMLInputElement).value)} />
          </label>{' '}
          <button type="submit">Add virtual host</button>
        </form>
      </Section>
      {status}
    </div>
  );
}

function Permissions() {
  const { data, error, reload } = useApi<Permission[]>('/api/permissions');
  const [user, setUser] = useState('');
  const [vhost, setVhost] = useState('/');
  const [p, setP] = useState({ configure: '.*', write: '.*', read: '.*' });
  const { run, status } = useAction();
  return (
    <div>
      <h2>Permissions</h2>
      <ErrorBox error={error} />
      <Table
        rowKey={(x) => `${x.vhost}|${x.user}`}
        rows={data ?? []}
        columns={[
          { title: 'User', cell: (x) => <a href={`#/admin/users/${enc(x.user)}`}>{x.user}</a> },
          { title: 'Virtual host', cell: (x) => x.vhost },
          { title: 'Configure', cell: (x) => <code>{x.configure}</code> },
          { title: 'Write', cell: (x) => <code>{x.write}</code> },
          { title: 'Read', cell: (x) => <code>{x.read}</code> },
          {
            title: '',
            cell: (x) => (
              <button
                class="small"
                onClick={async () => (await run(() => del(`/api/permissions/${enc(x.vhost)}/${enc(x.user)}`), 'Permission cleared.')) && reload()}
              >
                Clear
              </button>
            ),
          },
        ]}
      />
      <Section title="Set permission">
        <form
          class="stacked"
          aria-label="set permission"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await run(() => put(`/api/permissions/${enc(vhost)}/${enc(user)}`, p), 'Permission set.')) reload();
          }}
        >
          <label>
            User <input name="user" value={user} onInput={(e) => setUser((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Virtual host <VhostSelect value={vhost} set={setVhost} />
          </label>
          {(['configure', 'write', 'read'] as const).map((k) => (
            <label key={k}>
              {k[0]!.toUpperCase() + k.slice(1)} regexp <input value={p[k]} onInput={(e) => setP({ ...p, [k]: (e.target as HTMLInputElement).value })} />
            </label>
          ))}
          <div>
            <button type="submit">Set permission</button>
          </div>
        </form>
      </Section>
      {status}
    </div>
  );
}

interface TopicPermission {
  user: string;
  vhost: string;
  exchange: string;
  write: string;
  read: string;
}

function TopicPermissions() {
  const { data, error, reload } = useApi<TopicPermission[]>('/api/topic-permissions');
  const [user, setUser] = useState('');
  const [vhost, setVhost] = useState('/');
  const [t, setT] = useState({ exchange: 'amq.topic', write: '.*', read: '.*' });
  const { run, status } = useAction();
  return (
    <div>
      <h2>Topic permissions</h2>
      <ErrorBox error={error} />
      <Table
        rowKey={(x) => `${x.vhost}|${x.user}|${x.exchange}`}
        rows={data ?? []}
        empty="No topic permissions."
        columns={[
          { title: 'User', cell: (x) => x.user },
          { title: 'Virtual host', cell: (x) => x.vhost },
          { title: 'Exchange', cell: (x) => x.exchange },
          { title: 'Write', cell: (x) => <code>{x.write}</code> },
          { title: 'Read', cell: (x) => <code>{x.read}</code> },
          {
            title: '',
            cell: (x) => (
              <button
                class="small"
                onClick={async () => (await run(() => del(`/api/topic-permissions/${enc(x.vhost)}/${enc(x.user)}`), 'Topic permissions cleared.')) && reload()}
              >
                Clear
              </button>
            ),
          },
        ]}
      />
      <Section title="Set topic permission">
        <form
          class="stacked"
          aria-label="set topic permission"
          onSubmit={async (e) => {
            e.preventDefault();
            if (await run(() => put(`/api/topic-permissions/${enc(vhost)}/${enc(user)}`, t), 'Topic permission set.')) reload();
          }}
        >
          <label>
            User <input value={user} onInput={(e) => setUser((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Virtual host <VhostSelect value={vhost} set={setVhost} />
          </label>
          {(['exchange', 'write', 'read'] as const).map((k) => (
            <label key={k}>
              {k === 'exchange' ? 'Exchange' : `${k[0]!.toUpperCase() + k.slice(1)} regexp`}{' '}
              <input value={t[k]} onInput={(e) => setT({ ...t, [k]: (e.target as HTMLInputElement).value })} />
            </label>
          ))}
          <div>
            <button type="submit">Set topic permission</button>
          </div>
        </form>
      </Section>
      {status}
    </div>
  );
}

interface Policy {
  vhost: string;
  name: string;
  pattern: string;
  'apply-to': string;
  definition: Record<string, unknown>;
  priority: number;
}

function Policies() {
  const { data, error, reload } = useApi<Policy[]>('/api/policies');
  const [vhost, setVhost] = useState('/');
  const [name, setName] = useState('');
  const [pattern, setPattern] = useState('');
  const [applyTo, setApplyTo] = useState('queues');
  const [priority, setPriority] = useState('0');
  const [definition, setDefinition] = useState<ArgRow[]>([]);
  const { run, status } = useAction();
  return (
    <div>
      <h2>Policies</h2>
      <ErrorBox error={error} />
      <Table
        rowKey={(p) => `${p.vhost}|${p.name}`}
        rows={data ?? []}
        empty="No policies."
        columns={[
          { title: 'Virtual host', cell: (p) => p.vhost },
          { title: 'Name', cell: (p) => p.name },
          { title: 'Pattern', cell: (p) => <code>{p.pattern}</code> },
          { title: 'Apply to', cell: (p) => p['apply-to'] },
          { title: 'Definition', cell: (p) => <Json value={p.definition} /> },
          { title: 'Priority', num: true, cell: (p) => p.priority },
          {
            title: '',
            cell: (p) => (
              <button class="small" onClick={async () => (await run(() => del(`/api/policies/${enc(p.vhost)}/${enc(p.name)}`), 'Policy deleted.')) && reload()}>
                Delete
              </button>
            ),
          },
        ]}
      />
      <Section title="Add or update a policy">
        <form
          class="stacked"
          aria-label="add policy"
          onSubmit={async (e) => {
            e.preventDefault();
            const ok = await run(
              () =>
                put(`/api/policies/${enc(vhost)}/${enc(name)}`, {
                  pattern,
                  'apply-to': applyTo,
                  priority: Number(priority),
                  definition: argsObject(definition),
                }),
              `Policy '${name}' set.`,
            );
            if (ok) reload();
          }}
        >
          <label>
            Virtual host <VhostSelect value={vhost} set={setVhost} />
          </label>
          <label>
            Name <input value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Pattern <input value={pattern} placeholder="^orders\." onInput={(e) => setPattern((e.target as HTMLInputElement).value)} />
          </label>
          <label>
            Apply to{' '}
            <select value={applyTo} onChange={(e) => setApplyTo((e.target as HTMLSelectElement).value)}>
              <option value="queues">Queues</option>
              <option value="exchanges">Exchanges</option>
              <option value="all">Exchanges and queues</option>
            </select>
          </label>
          <label>
            Priority <input value={priority} size={4} onInput={(e) => setPriority((e.target as HTMLInputElement).value)} />
          </label>
          <ArgsEditor label="Definition" rows={definition} set={setDefinition} hints={POLICY_HINTS} />
          <div>
            <button type="submit">Set policy</button>
          </div>
        </form>
      </Section>
      {status}
    </div>
  );
}

interface Limits {
  memory_high_watermark?: number;
  memory_used?: number;
  disk_free_limit?: number;
  disk_free?: number;
}

function Limits() {
  const { data, error, reload } = useApi<Limits>('/api/warren/limits');
  const [memory, setMemory] = useState('');
  const [disk, setDisk] = useState('');
  const { run, status } = useAction();
  const MIB = 1024 * 1024;
  return (
    <div>
      <h2>Node limits</h2>
      <ErrorBox error={error} />
      {data ? (
        <table class="facts">
          <tbody>
            <tr>
              <th>Memory high watermark</th>
              <td>
                {fmtBytes(data.memory_high_watermark)} <span class="muted">(in use: {fmtBytes(data.memory_used)})</span>
              </td>
            </tr>
            <tr>
              <th>Disk free limit</th>
              <td>
                {fmtBytes(data.disk_free_limit)} <span class="muted">(free now: {fmtBytes(data.disk_free)})</span>
              </td>
            </tr>
          </tbody>
        </table>
      ) : null}
      <form
        class="stacked"
        aria-label="set limits"
        onSubmit={async (e) => {
          e.preventDefault();
          const body: Record<string, number> = {};
          const parse = (v: string, what: string): number => {
            const n = Number(v);
            if (!Number.isFinite(n) || n < 0) throw new Error(`${what} must be a number of MiB`);
            return Math.round(n * MIB);
          };
          const ok = await run(() => {
            if (memory !== '') body['memory_high_watermark'] = parse(memory, 'Memory high watermark');
            if (disk !== '') body['disk_free_limit'] = parse(disk, 'Disk free limit');
            return put('/api/warren/limits', body);
          }, 'Limits updated.');
          if (ok) reload();
        }}
      >
        <label>
          Memory high watermark (MiB) <input value={memory} onInput={(e) => setMemory((e.target as HTMLInputElement).value)} />
        </label>
        <label>
          Disk free limit (MiB) <input value={disk} onInput={(e) => setDisk((e.target as HTMLInputElement).value)} />
        </label>
        <div>
          <button type="submit">Set limits</button>
        </div>
        {status}
      </form>
    </div>
  );
}
