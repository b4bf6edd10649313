// Users with RabbitMQ-compatible password hashes (rabbit_password_hashing_sha256:
// base64(salt ++ sha256(salt ++ utf8 password)) with a 4-byte random salt).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const HASHING_ALGORITHM = 'rabbit_password_hashing_sha256';
const SALT_BYTES = 4;

export interface User {
  name: string;
  /** '' when the user has no password (clear_password): such users cannot log in with one */
  passwordHash: string;
  tags: string[];
}

export function hashPassword(password: string, salt: Buffer = randomBytes(SALT_BYTES)): string {
  const digest = createHash('sha256').update(salt).update(password, 'utf8').digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

export function checkPassword(user: User, password: string): boolean {
  if (!user.passwordHash) return false;
  const stored = Buffer.from(user.passwordHash, 'base64');
  if (stored.length <= SALT_BYTES) return false;
  const candidate = Buffer.from(hashPassword(password, stored.subarray(0, SALT_BYTES)), 'base64');
  return candidate.length === stored.length && timingSafeEqual(candidate, stored);
}

export interface Permission {
  user: string;
  vhost: string;
  configure: string;
  write: string;
  read: string;
}

export type AccessKind = 'configure' | 'write' | 'read';

const compiled = new Map<string, RegExp>();

/** RabbitMQ matches permission patterns unanchored; the empty pattern means '^$'. */
export function permits(pattern: string, resource: string): boolean {
  let re = compiled.get(pattern);
  if (!re) {
    re = new RegExp(pattern === '' ? '^$' : pattern);
    compiled.set(pattern, re);
  }
  return re.test(resource);
}

export function isValidPattern(pattern: string): boolean {
  try {
    new RegExp(pattern);
    return true;
  } catch {
    return false;
  }
}
