// RabbitMQ's rabbit_password_hashing_sha256, the one implementation the broker (users, the management API) and
// warrenctl (hash_password) share: base64(salt ++ sha256(salt ++ utf8(password))) with a random 4-byte salt.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const HASHING_ALGORITHM = 'rabbit_password_hashing_sha256';
export const SALT_BYTES = 4;
const SHA256_BYTES = 32;

export function hashPassword(password: string, salt: Buffer = randomBytes(SALT_BYTES)): string {
  const digest = createHash('sha256').update(salt).update(password, 'utf8').digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

/** Whether `hash` is one: base64 (canonical) of a 4-byte salt and a SHA-256 digest. */
export function isPasswordHash(hash: string): boolean {
  const bytes = Buffer.from(hash, 'base64');
  return bytes.length === SALT_BYTES + SHA256_BYTES && bytes.toString('base64') === hash;
}

/** Whether `password` hashes to `hash` with its salt (false for '' and anything not a hash); constant time. */
export function verifyPassword(password: string, hash: string): boolean {
  const stored = Buffer.from(hash, 'base64');
  if (stored.length !== SALT_BYTES + SHA256_BYTES) return false;
  const candidate = Buffer.from(hashPassword(password, stored.subarray(0, SALT_BYTES)), 'base64');
  return timingSafeEqual(candidate, stored);
}
