// RabbitMQ's rabbit_password_hashing_sha256: base64(salt ++ sha256(salt ++ utf8(password))), 4-byte salt.
import { createHash, randomBytes } from 'node:crypto';

export const SALT_BYTES = 4;

export function hashPassword(password: string, salt: Buffer = randomBytes(SALT_BYTES)): string {
  const digest = createHash('sha256').update(salt).update(password, 'utf8').digest();
  return Buffer.concat([salt, digest]).toString('base64');
}

export function verifyPassword(password: string, hash: string): boolean {
  const raw = Buffer.from(hash, 'base64');
  if (raw.length !== SALT_BYTES + 32) return false;
  return hashPassword(password, raw.subarray(0, SALT_BYTES)) === hash;
}
