// Users with RabbitMQ-compatible password hashes (rabbit_password_hashing_sha256:
// base64(salt ++ sha256(salt ++ utf8 password)) with a 4-byte random salt).
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { compilePattern, patternError } from './pcre.js';

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

/** RabbitMQ matches permission patterns (PCRE) unanchored; the empty pattern means '^$'. */
export function permits(pattern: string, resource: string): boolean {
  return compilePattern(pattern === '' ? '^$' : pattern).test(resource);
}

export function isValidPattern(pattern: string): boolean {
  return patternError(pattern) === null;
}
