// The management web UI: login, navigation and a hash router over the pages. It talks to the
// broker only through the management HTTP API (src/ui/api.tsx).
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, saveCredentials, savedCredentials, setCredentials, type Credentials, type Whoami } from './api';
import { describe } from './components';
import { AdminPage } from './pages/admin';
import { ChannelPage, ChannelsPage } from './pages/channels';
import { ConnectionPage, ConnectionsPage } from './pages/connections';
import { DefinitionsPage } from './pages/definitions';
import { ExchangePage, ExchangesPage } from './pages/exchanges';
import { OverviewPage } from './pages/overview';
import { QueuePage, QueuesPage } from './pages/queues';

function useHash(): string[] {
  const parse = (): string[] =>
    location.hash
      .replace(/^#\/?/, '')
      .split('/')
      .filter((s) => s !== '')
      .map((s) => decodeURIComponent(s));
  const [parts, setParts] = useState(parse);
  useEffect(() => {
    const on = (): void => setParts(parse());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return parts;
}

const TABS: [string, string][] = [
  ['', 'Overview'],
  ['connections', 'Connections'],
  ['channels', 'Channels'],
  ['exchanges', 'Exchanges'],
  ['queues', 'Queues'],
  ['admin', 'Admin'],
  ['definitions', 'Definitions'],
];

function Page({ parts, me }: { parts: string[]; me: Whoami }) {
  const [first, a, b] = parts;
  switch (first) {
    case undefined:
      return <OverviewPage me={me} />;
    case 'connections':
      return a !== undefined ? <ConnectionPage name={a} /> : <ConnectionsPage />;
    case 'channels':
      return a !== undefined ? <ChannelPage name={a} /> : <ChannelsPage />;
    case 'exchanges':
      return a !== undefined && b !== undefined ? <ExchangePage vhost={a} name={b} /> : <ExchangesPage />;
    case 'queues':
      return a !== undefined && b !== undefined ? <QueuePage vhost={a} name={b} /> : <QueuesPage />;
    case 'admin':
      return <AdminPage section={a ?? 'users'} item={b} me={me} />;
    case 'definitions':
      return <DefinitionsPage />;
    default:
      return <div class="error">No such page: #{parts.join('/')}</div>;
  }
}

function Login({ onLogin }: { onLogin: (c: Credentials, me: Whoami) => void }) {
  const [user, setUser] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    const c = { user, password };
    setCredentials(c);
    try {
      const me = await get<Whoami>('/api/whoami');
      onLogin(c, me);
    } catch (err) {
      setCredentials(null);
      setError(err instanceof ApiError && err.status === 401 ? `Login failed: ${err.reason}` : describe(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form class="login" onSubmit={submit}>
      <h1>
        <span class="logo">◆</span> Warren
      </h1>
      <p class="muted">Management for the Warren message broker</p>
      <label>
        Username
        <input name="username" autocomplete="username" value={user} onInput={(e) => setUser((e.target as HTMLInputElement).value)} autoFocus />
      </label>
      <label>
        Password
        <input
          name="password"
          type="password"
          autocomplete="current-password"
          value={password}
          onInput={(e) => setPassword((e.target as HTMLInputElement).value)}
        />
      </label>
      {error ? (
        <div class="error" role="alert">
          {error}
        </div>
      ) : null}
      <button type="submit" class="primary" disabled={busy}>
        Log in
      </button>
    </form>
  );
}

function App() {
  const parts = useHash();
  const [me, setMe] = useState<Whoami | null>(null);
  const [checking, setChecking] = useState(savedCredentials() !== null);
  const logout = (): void => {
    saveCredentials(null);
    setCredentials(null);
    setMe(null);
  };
  useEffect(() => {
    const saved = savedCredentials();
    if (!saved) return;
    setCredentials(saved, logout);
    get<Whoami>('/api/whoami')
      .then(setMe)
      .catch(() => logout())
      .finally(() => setChecking(false));
  }, []);
  if (checking) return <div class="muted center">Loading…</div>;
  if (!me) {
    return (
      <Login
        onLogin={(c, who) => {
          saveCredentials(c);
          setCredentials(c, logout);
          setMe(who);
        }}
      />
    );
  }
  const current = parts[0] ?? '';
  return (
    <div class="app">
      <header>
        <a class="brand" href="#/">
          <span class="logo">◆</span> Warren
        </a>
        <nav>
          {TABS.map(([path, label]) => (
            <a key={path} href={`#/${path}`} class={current === path ? 'active' : ''}>
              {label}
            </a>
          ))}
        </nav>
        <div class="user">
          <span title={`tags: ${me.tags.join(', ') || 'none'}`}>
            {me.name} <span class="muted">({me.tags.join(', ') || 'no tags'})</span>
          </span>{' '}
          <button onClick={logout}>Log out</button>
        </div>
      </header>
      <main>
        <Page parts={parts} me={me} />
      </main>
    </div>
  );
}

render(<App />, document.getElementById('app')!);
