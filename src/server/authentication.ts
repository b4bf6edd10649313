// Login checks for connection.start-ok: the SASL mechanisms warren offers, and RabbitMQ's
// loopback-only rule for the default user.
import { decodeTable } from '../amqp/index.js';
import type { User } from '../broker/users.js';

/** As RabbitMQ's loopback_users default: guest may only connect from this machine. */
export function loginAllowed(user: User, peerHost: string): boolean {
  if (user.name !== 'guest') return true;
  const host = peerHost.replace(/^::ffff:/, '');
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || host === '';
}

/** Credentials from a PLAIN or AMQPLAIN response; null when malformed or another mechanism. */
export function parseCredentials(mechanism: string, response: Buffer): { user: string; password: string } | null {
  if (mechanism === 'PLAIN') {
    // authzid NUL authcid NUL password
    const parts = response.toString('utf8').split('\u0000');
    if (parts.length !== 3) return null;
    return { user: parts[1]!, password: parts[2]! };
  }
  if (mechanism === 'AMQPLAIN') {
    try {
      const table = decodeTable(response, 0, response.length);
      const user = table['LOGIN'];
      const password = table['PASSWORD'];
      return typeof user === 'string' && typeof password === 'string' ? { user, password } : null;
    } catch {
      return null;
    }
  }
  return null;
}
