import { CliError, ExitCode } from '../src/cli/exit-codes.js';
import { defineCommand } from '../src/cli/command.js';
import { HASHING_ALGORITHM, hashPassword } from '../src/common/password-hash.js';

export default defineCommand({
  name: 'hash_password',
  aliases: [],
  group: 'users',
  summary: 'Print the salted SHA-256 hash of a password, as stored in definitions',
  description:
    'The hash is base64(salt ++ sha256(salt ++ password)) with a random 4-byte salt: rabbit_password_hashing_sha256, usable as password_hash in definitions files. Needs no daemon.',
  arguments: [{ name: 'password', description: 'the password (prompted or read from stdin when omitted)', required: false }],
  options: [],
  async run(ctx, [password]) {
    const secret = await ctx.secret(password);
    if (secret.length === 0) throw new CliError(ExitCode.DATA_ERROR, 'the password must not be empty');
    ctx.out.banner('Will hash provided password ...');
    const hash = hashPassword(secret);
    ctx.out.line(hash, { password_hash: hash, hashing_algorithm: HASHING_ALGORITHM });
  },
});
