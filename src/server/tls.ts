// TLS for warren's listeners (AMQPS, and HTTPS for the management API), with RabbitMQ's
// ssl_options: certfile, keyfile, cacertfile, verify (verify_peer | verify_none) and
// fail_if_no_peer_cert. TLS 1.2 and 1.3 only. Certificates are re-read on reload (SIGHUP) and
// swapped into the running servers, so open connections are not dropped.
import { readFileSync } from 'node:fs';
import type { Server as HttpsServer } from 'node:https';
import type { SecureContextOptions, Server as TlsServer, TlsOptions, TLSSocket } from 'node:tls';

export interface TlsSettings {
  certFile: string;
  keyFile: string;
  /** CA bundle that client certificates are checked against */
  caFile?: string;
  /** 'peer': ask for a client certificate and check any that is presented (RabbitMQ's verify_peer) */
  verify: 'peer' | 'none';
  /** with verify 'peer': refuse clients that present no certificate */
  failIfNoPeerCert: boolean;
}

/** Reads the certificate files; throws a one-line error naming the file that cannot be read. */
export function secureContextOptions(settings: TlsSettings): SecureContextOptions {
  const read = (what: string, path: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  };
  const options: SecureContextOptions = {
    cert: read('certificate', settings.certFile),
    key: read('key', settings.keyFile),
    minVersion: 'TLSv1.2',
    maxVersion: 'TLSv1.3',
  };
  if (settings.caFile) options.ca = read('CA bundle', settings.caFile);
  return options;
}

/**
 * Options for tls.createServer / https.createServer. With verify 'peer' and no
 * fail_if_no_peer_cert a client may come without a certificate, but one it presents must be
 * valid: call `checkPeer` on each secure connection (the HTTPS server does it through
 * `secureServerOptions`' caller, see `watchPeers`).
 */
export function secureServerOptions(settings: TlsSettings, handshakeTimeoutMs: number): TlsOptions {
  const peer = settings.verify === 'peer';
  return {
    ...secureContextOptions(settings),
    requestCert: peer,
    rejectUnauthorized: peer && settings.failIfNoPeerCert,
    handshakeTimeout: handshakeTimeoutMs,
  };
}

/** Why a TLS client must be dropped under `settings`, or null when it may stay. */
export function peerRefusal(settings: TlsSettings, socket: TLSSocket): string | null {
  if (settings.verify !== 'peer' || socket.authorized) return null;
  const presented = Object.keys(socket.getPeerCertificate()).length > 0;
  if (!presented) return settings.failIfNoPeerCert ? 'no peer certificate' : null;
  return `peer certificate refused: ${socket.authorizationError ?? 'not trusted'}`;
}

/**
 * Drops clients `peerRefusal` refuses as soon as their handshake completes; for servers created
 * with `secureServerOptions` (the AMQPS listener, and the HTTPS management listener).
 */
export function watchPeers(server: TlsServer | HttpsServer, settings: () => TlsSettings, refused: (socket: TLSSocket, why: string) => void): void {
  server.on('secureConnection', (socket: TLSSocket) => {
    const why = peerRefusal(settings(), socket);
    if (why) {
      refused(socket, why);
      socket.destroy();
    }
  });
}

/** The TLS servers of one daemon: reload() re-reads the certificates into every one of them. */
export class TlsServers {
  private readonly servers = new Set<TlsServer | HttpsServer>();

  constructor(public settings: TlsSettings) {}

  add(server: TlsServer | HttpsServer): void {
    this.servers.add(server);
    server.once('close', () => this.servers.delete(server));
  }

  /** Re-reads the files (throws, leaving the old certificates in place, if one cannot be read). */
  reload(): void {
    const options = secureContextOptions(this.settings);
    for (const server of this.servers) server.setSecureContext(options);
  }
}
