// The PEM files of --tls-ca, --tls-cert and --tls-key (or a profile's ca/cert/key), for https:// (the admin
// client) and amqps:// (the messaging commands). Imports neither: both load it.
import { readFile } from 'node:fs/promises';
import { CliError, ExitCode } from './exit-codes.js';

/** PEM file paths for https:// and amqps://, and whether to skip verifying the server. */
export interface TlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
  insecure: boolean;
}

/** Reads the PEM files; an unreadable one is a configuration error (78) naming the file. */
export async function loadTlsFiles(files: TlsFiles): Promise<{ ca?: Buffer; cert?: Buffer; key?: Buffer }> {
  const out: { ca?: Buffer; cert?: Buffer; key?: Buffer } = {};
  for (const [what, flag] of [
    ['ca', '--tls-ca'],
    ['cert', '--tls-cert'],
    ['key', '--tls-key'],
  ] as const) {
    const file = files[what];
    if (file === undefined) continue;
    try {
      out[what] = await readFile(file);
    } catch (e) {
      throw new CliError(
        ExitCode.CONFIG,
        `cannot read the TLS ${what} file ${file} (${flag} or '${what}' in the profile): ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
  }
  return out;
}
