// Durable definitions: a snapshot (definitions.json) plus a journal of changes since it
// (definitions.journal, one checksummed JSON line per change). Each change costs one append,
// so 10,000 declarations cost 10,000 appends, not 10,000 rewrites; the journal is folded into
// a new snapshot (written to a temporary file, fsynced, renamed) once it outgrows the state.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, rmSync, truncateSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { AppendFile, type GroupCommit } from './group-commit.js';
import { writeAll } from './io.js';
import { StoreFormatError } from './message-store.js';

export type DefinitionKind = 'vhost' | 'user' | 'permission' | 'topic_permission' | 'exchange' | 'queue' | 'binding' | 'policy';
export const DEFINITION_KINDS: DefinitionKind[] = ['vhost', 'user', 'permission', 'topic_permission', 'exchange', 'queue', 'binding', 'policy'];

/** What the broker reports; keys start with the vhost (then NUL) for per-vhost kinds. */
export interface DefinitionEvents {
  put(kind: DefinitionKind, key: string, value: object): void;
  delete(kind: DefinitionKind, key: string): void;
}

export type DefinitionState = Record<DefinitionKind, Map<string, object>>;

interface Change {
  k: DefinitionKind;
  id: string;
  v: object | null;
}

export function emptyState(): DefinitionState {
  return Object.fromEntries(DEFINITION_KINDS.map((k) => [k, new Map<string, object>()])) as DefinitionState;
}

/** Applies one change; deleting a vhost, user, queue or exchange also drops what hangs off it. */
function apply(state: DefinitionState, c: Change): void {
  if (c.v) {
    state[c.k].set(c.id, c.v);
    return;
  }
  state[c.k].delete(c.id);
  const drop = (kind: DefinitionKind, test: (key: string, value: object) => boolean) => {
    for (const [key, value] of state[kind]) if (test(key, value)) state[kind].delete(key);
  };
  if (c.k === 'vhost') {
    for (const kind of ['permission', 'topic_permission', 'exchange', 'queue', 'binding', 'policy'] as const)
      drop(kind, (key) => key.startsWith(`${c.id}\u0000`));
  } else if (c.k === 'user') {
    drop('permission', (key) => key.endsWith(`\u0000${c.id}`));
    drop('topic_permission', (_key, p) => (p as { user: string }).user === c.id);
  } else if (c.k === 'queue' || c.k === 'exchange') {
    const [vhost, name] = c.id.split('\u0000');
    drop('binding', (_key, b) => {
      const binding = b as { vhost: string; source: string; destination: string; destination_type: string };
      if (binding.vhost !== vhost) return false;
      if (c.k === 'exchange' && binding.source === name) return true;
      return binding.destination === name && binding.destination_type === c.k;
    });
  }
}

export class DefinitionsStore implements DefinitionEvents {
  private journal: AppendFile;
  private changesSinceSnapshot = 0;
  private readonly snapshotPath: string;
  private readonly journalPath: string;

  private constructor(
    private readonly dir: string,
    private readonly commit: GroupCommit,
    readonly state: DefinitionState,
    readonly problems: string[],
  ) {
    this.snapshotPath = join(dir, 'definitions.json');
    this.journalPath = join(dir, 'definitions.journal');
    const existed = existsSync(this.journalPath);
    this.journal = new AppendFile(this.journalPath);
    if (!existed) syncDirectory(dir);
  }

  /** Loads the snapshot and replays the journal (truncating a torn last line). */
  static open(dir: string, commit: GroupCommit): DefinitionsStore {
    const problems: string[] = [];
    const state = emptyState();
    const snapshot = join(dir, 'definitions.json');
    if (existsSync(snapshot)) {
      let parsed: Record<string, [string, object][]>;
      try {
        parsed = JSON.parse(readFileSync(snapshot, 'utf8')) as Record<string, [string, object][]>;
      } catch (err) {
        throw new StoreFormatError(`${snapshot}: damaged, not the JSON warren wrote (${(err as Error).message}); restore it from a backup or an export`);
      }
      for (const kind of DEFINITION_KINDS) for (const [key, value] of parsed[kind] ?? []) state[kind].set(key, value);
    }
    const journalPath = join(dir, 'definitions.journal');
    let replayed = 0;
    if (existsSync(journalPath)) {
      const text = readFileSync(journalPath);
      let pos = 0;
      let line = 0;
      while (pos < text.length) {
        line++;
        const nl = text.indexOf(0x0a, pos);
        if (nl < 0) {
          // Only the last entry can be a write cut short by a crash.
          problems.push(`${journalPath}: torn last entry at byte ${pos} (a write cut short by a crash); truncated ${text.length - pos} bytes`);
          truncateSync(journalPath, pos);
          break;
        }
        const change = parseLine(text.subarray(pos, nl).toString('utf8'));
        if (!change) {
          // Every entry has its own checksum: a damaged one is named and skipped, never a reason to drop the rest.
          problems.push(`${journalPath}: damaged entry at byte ${pos} (line ${line}) skipped; the entries after it kept`);
        } else {
          apply(state, change);
          replayed++;
        }
        pos = nl + 1;
      }
    }
    const store = new DefinitionsStore(dir, commit, state, problems);
    store.changesSinceSnapshot = replayed;
    return store;
  }

  put(kind: DefinitionKind, key: string, value: object): void {
    this.record({ k: kind, id: key, v: value });
  }

  delete(kind: DefinitionKind, key: string): void {
    this.record({ k: kind, id: key, v: null });
  }

  private record(change: Change): void {
    apply(this.state, change);
    const json = JSON.stringify(change);
    this.commit.append(this.journal, Buffer.from(`${crc32(json).toString(16).padStart(8, '0')} ${json}\n`, 'utf8'));
    if (++this.changesSinceSnapshot > Math.max(1000, 2 * this.size())) this.trySnapshot();
  }

  private size(): number {
    let n = 0;
    for (const kind of DEFINITION_KINDS) n += this.state[kind].size;
    return n;
  }

  /** A snapshot that cannot be written (a full disk) leaves the journal as it is: nothing is lost. */
  trySnapshot(): boolean {
    try {
      this.snapshot();
      return true;
    } catch {
      return false;
    }
  }

  /** Writes the whole state to definitions.json atomically and starts an empty journal. */
  snapshot(): void {
    this.commit.writeOut();
    const body: Record<string, [string, object][]> = {};
    for (const kind of DEFINITION_KINDS) body[kind] = [...this.state[kind]];
    const tmp = `${this.snapshotPath}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeAll(fd, [Buffer.from(JSON.stringify(body), 'utf8')]);
      fsyncSync(fd);
    } catch (err) {
      closeSync(fd);
      rmSync(tmp, { force: true });
      throw err;
    }
    closeSync(fd);
    renameSync(tmp, this.snapshotPath);
    syncDirectory(this.dir);
    // Replaying the old journal over the new snapshot would be harmless (changes are idempotent),
    // so a crash between the rename and this unlink loses nothing.
    this.commit.retire(this.journal);
    unlinkSync(this.journalPath);
    this.journal = new AppendFile(this.journalPath);
    syncDirectory(this.dir);
    this.changesSinceSnapshot = 0;
  }
}

function parseLine(line: string): Change | null {
  const space = line.indexOf(' ');
  if (space !== 8) return null;
  const json = line.slice(9);
  if (crc32(json).toString(16).padStart(8, '0') !== line.slice(0, 8)) return null;
  try {
    return JSON.parse(json) as Change;
  } catch {
    return null;
  }
}

function syncDirectory(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
