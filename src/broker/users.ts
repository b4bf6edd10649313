// Users with RabbitMQ-compatible password hashes (rabbit_password_hashing_sha256, common/password-hash.ts).
import { verifyPassword } from '../common/password-hash.js';
import { compilePattern, patternError } from './pcre.js';

export interface User {
  name: string;
  /** '' when the user has no password (clear_password): such users cannot log in with one */
  passwordHash: string;
  tags: string[];
}

/** A user without a password ('') never logs in with one. */
export function checkPassword(user: User, password: string): boolean {
  return user.passwordHash !== '' && verifyPassword(password, user.passwordHash);
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
