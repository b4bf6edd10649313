// Login checks shared by every listener (AMQP, the TCP management API, the control socket): the
// SASL mechanisms warren offers, and RabbitMQ's loopback_users rule for the default user.
import { BlockList } from 'node:net';
import { decodeTable } from '../amqp/index.js';
import { preconditionFailed } from '../broker/errors.js';
import type { User } from '../broker/users.js';

/** Where a login arrives: a TCP connection (its two ends) or the local control socket. */
export type LoginEndpoint = { transport: 'tcp'; localAddress: string; remoteAddress: string } | { transport: 'unix' };

/** RabbitMQ's loopback_users default: these users may log in only from this machine. */
export const DEFAULT_LOOPBACK_USERS: ReadonlySet<string> = new Set(['guest']);

/** `--loopback-users`: comma-separated names, or "none" (as RabbitMQ's `loopback_users = none`). */
export function parseLoopbackUsers(value: string): Set<string> {
  const names = value
    .split(',')
    .map((n) => n.trim())
    .filter((n) => n !== '');
  return new Set(names.length === 1 && names[0] === 'none' ? [] : names);
}

/** As RabbitMQ's rabbit_net:is_loopback: all of 127.0.0.0/8, ::1 and their IPv4-mapped forms. */
const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

export function isLoopbackAddress(address: string): boolean {
  if (address === '') return false;
  try {
    return LOOPBACK.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
  } catch {
    return false; // not an IP address at all
  }
}

/**
 * Whether `user` may log in through `endpoint`. A loopback user needs a connection whose both
 * ends are loopback addresses (RabbitMQ checks the local end for AMQP and the peer for its
 * management API; requiring both satisfies both), or the control socket, which is local by nature.
 */
export function loginAllowed(user: User, endpoint: LoginEndpoint, loopbackUsers: ReadonlySet<string> = DEFAULT_LOOPBACK_USERS): boolean {
  if (!loopbackUsers.has(user.name) || endpoint.transport === 'unix') return true;
  return isLoopbackAddress(endpoint.localAddress) && isLoopbackAddress(endpoint.remoteAddress);
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

/**
 * RabbitMQ's validated user-id: a published message's user_id property, when set, must name the
 * connection's user (406 otherwise), unless the user is tagged impersonator.
 */
export function checkUserId(user: User, claimed: string | undefined): void {
  if (claimed === undefined || claimed === user.name || user.tags.includes('impersonator')) return;
  throw preconditionFailed(`user_id property set to '${claimed}' but authenticated user was '${user.name}'`);
}
