// Users: GET /api/users, GET|PUT|DELETE /api/users/{name}, GET /api/users/{name}/permissions,
// GET /api/whoami.
import { userInfo } from 'node:os';
import { AmqpError, ReplyCode } from '../amqp/index.js';
import type { User } from '../broker/users.js';
import { HASHING_ALGORITHM, hashPassword, isPasswordHash } from '../common/password-hash.js';
import { brokerOf } from './context.js';
import { badRequest, createdOrUpdated, jsonBody, noContent, notFound, ok, tagList } from './http.js';
import { listReply, objectReply } from './list.js';
import { formatPermission } from './permissions.js';
import type { Route } from './route.js';

export function formatUser(u: User): Record<string, unknown> {
  return { name: u.name, password_hash: u.passwordHash, hashing_algorithm: HASHING_ALGORITHM, tags: [...u.tags], limits: {} };
}

/** A stored hash must be base64 of a 4-byte salt and a SHA-256 digest ('' means no password). */
export function checkPasswordHash(hash: string, algorithm: string): void {
  if (algorithm !== HASHING_ALGORITHM) throw badRequest(`unsupported hashing algorithm '${algorithm}' (warren supports ${HASHING_ALGORITHM})`);
  if (hash === '') return;
  if (!isPasswordHash(hash)) throw badRequest('invalid password_hash: expected base64 of a 4-byte salt and a SHA-256 digest');
}

function socketUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'control-socket';
  }
}

export const userRoutes: Route[] = [
  {
    method: 'GET',
    path: 'whoami',
    // On the control socket without credentials the caller is the daemon's own OS user.
    handler: (_ctx, req) => ok(req.user ? { name: req.user.name, tags: [...req.user.tags] } : { name: socketUser(), tags: ['administrator'] }),
  },
  { method: 'GET', path: 'users', handler: (ctx, req) => listReply(req, [...brokerOf(ctx).users.values()].map(formatUser), ['name']) },
  {
    method: 'GET',
    path: 'users/:name',
    handler: (ctx, req) => {
      const user = brokerOf(ctx).users.get(req.params['name']!);
      if (!user) throw notFound();
      return objectReply(req, formatUser(user));
    },
  },
  {
    method: 'PUT',
    path: 'users/:name',
    handler: (ctx, req) => {
      const name = req.params['name']!;
      if (name === '') throw badRequest('user name must not be empty');
      const body = jsonBody(req);
      const broker = brokerOf(ctx);
      const existing = broker.users.get(name);
      const hasPassword = body['password'] !== undefined && body['password'] !== null;
      const hasHash = body['password_hash'] !== undefined && body['password_hash'] !== null;
      if (hasPassword && hasHash) throw badRequest('both_password_and_password_hash_are_provided');
      // RabbitMQ requires the tags key (an empty string is fine).
      if (body['tags'] === undefined) throw badRequest('tags_not_present');
      const tags = tagList(body['tags']);
      let hash: string;
      if (hasPassword) {
        if (typeof body['password'] !== 'string') throw badRequest('password must be a string');
        hash = hashPassword(body['password']);
      } else if (hasHash) {
        if (typeof body['password_hash'] !== 'string') throw badRequest('password_hash must be a string');
        const algorithm = typeof body['hashing_algorithm'] === 'string' ? body['hashing_algorithm'] : HASHING_ALGORITHM;
        checkPasswordHash(body['password_hash'], algorithm);
        hash = body['password_hash'];
      } else {
        // RabbitMQ: neither given clears the password (the user can no longer log in with one).
        hash = '';
      }
      broker.putUser(name, hash, tags);
      return createdOrUpdated(existing !== undefined);
    },
  },
  {
    method: 'DELETE',
    path: 'users/:name',
    handler: (ctx, req) => {
      const name = req.params['name']!;
      const broker = brokerOf(ctx);
      if (!broker.users.has(name)) throw notFound();
      broker.deleteUser(name);
      // As RabbitMQ: the deleted user's connections are closed.
      const err = new AmqpError(ReplyCode.CONNECTION_FORCED, `user '${name}' is deleted`);
      for (const c of ctx.server.connections) if (c.isOpen && c.user?.name === name) c.closeWith(err);
      return noContent();
    },
  },
  {
    method: 'GET',
    path: 'users/:name/permissions',
    handler: (ctx, req) => {
      const name = req.params['name']!;
      const broker = brokerOf(ctx);
      if (!broker.users.has(name)) throw notFound();
      const perms = [...broker.permissions.values()].flatMap((m) => [...m.values()]).filter((p) => p.user === name);
      return listReply(req, perms.map(formatPermission), ['vhost']);
    },
  },
];
