// Definitions: export (download) and import (upload) of RabbitMQ-compatible definitions JSON.
import { useState } from 'preact/hooks';
import { get, post } from '../api';
import { Section, useAction } from '../components';

export function DefinitionsPage() {
  const exp = useAction();
  const imp = useAction();
  const [file, setFile] = useState<File | null>(null);
  const download = async (): Promise<void> => {
    await exp.run(async () => {
      const defs = await get<unknown>('/api/definitions');
      const blob = new Blob([JSON.stringify(defs, null, 2)], { type: 'application/json' });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(blob);
      a.download = `warren-definitions-${new Date().toISOString().slice(0, 10)}.json`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    }, 'Definitions downloaded.');
  };
  const upload = async (e: Event): Promise<void> => {
    e.preventDefault();
    await imp.run(async () => {
      if (!file) throw new Error('Choose a definitions file first.');
      const text = await file.text();
      try {
        JSON.parse(text);
      } catch {
        throw new Error(`${file.name} is not JSON.`);
      }
      await post('/api/definitions', text);
    }, 'Definitions imported.');
  };
  return (
    <div>
      <h2>Definitions</h2>
      <p class="muted">Users, virtual hosts, permissions, policies, durable exchanges, queues and bindings, in the JSON format RabbitMQ imports and exports.</p>
      <Section title="Export definitions">
        <button class="primary" onClick={() => void download()}>
          Download definitions
        </button>
        {exp.status}
      </Section>
      <Section title="Import definitions">
        <form class="inline" onSubmit={upload} aria-label="import definitions">
          <input type="file" name="file" accept=".json,application/json" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />{' '}
          <button type="submit">Upload and import</button>
        </form>
        {imp.status}
      </Section>
    </div>
  );
}
