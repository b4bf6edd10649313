import { describe, expect, it } from 'vitest';
import { ResponseParser, serializeRequest } from '../../src/cli/http1.js';
import { hashPassword, verifyPassword } from '../../src/common/password-hash.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../helpers/warren.js';

describe('HTTP/1.1 response parser', () => {
  it('reads a Content-Length body split across chunks', () => {
    const p = new ResponseParser('GET');
    const raw = Buffer.from('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"a":[1,2]}');
    for (let i = 0; i < raw.length - 1; i++) expect(p.feed(raw.subarray(i, i + 1))).toBeUndefined();
    const res = p.feed(raw.subarray(raw.length - 1));
    expect(res?.status).toBe(200);
    expect(res?.headers['content-type']).toBe('application/json');
    expect(res?.body.toString()).toBe('{"a":[1,2]}');
  });

  it('decodes chunked bodies', () => {
    const p = new ResponseParser('GET');
    expect(p.feed(Buffer.from('HTTP/1.1 404 Not Found\r\ntransfer-encoding: chunked\r\n\r\n5\r\nhello\r\n'))).toBeUndefined();
    const res = p.feed(Buffer.from('6;x=y\r\n world\r\n0\r\n\r\n'));
    expect(res?.status).toBe(404);
    expect(res?.body.toString()).toBe('hello world');
  });

  it('204 has no body; read-to-close bodies end at close; 100-continue is skipped', () => {
    expect(new ResponseParser('DELETE').feed(Buffer.from('HTTP/1.1 204 No Content\r\n\r\n'))?.body.length).toBe(0);
    const p = new ResponseParser('GET');
    expect(p.feed(Buffer.from('HTTP/1.0 200 OK\r\n\r\nabc'))).toBeUndefined();
    expect(p.end().body.toString()).toBe('abc');
    const c = new ResponseParser('POST');
    expect(c.feed(Buffer.from('HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\ncontent-length: 0\r\n\r\n'))?.status).toBe(201);
  });

  it('rejects truncated responses', () => {
    const p = new ResponseParser('GET');
    p.feed(Buffer.from('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nabc'));
    expect(() => p.end()).toThrow(/closed/);
  });

  it('serializes requests with Host, Connection: close and Content-Length', () => {
    const text = serializeRequest({ method: 'PUT', path: '/api/users/a%2Fb', headers: { 'content-type': 'application/json' }, body: '{"é":1}' }, 'localhost');
    expect(text).toBe(
      'PUT /api/users/a%2Fb HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: 8\r\n\r\n{"é":1}',
    );
    expect(() => serializeRequest({ method: 'GET', path: '/', headers: { 'x-reason': 'a\r\nb' } }, 'h')).toThrow();
  });
});

describe('password hashing (rabbit_password_hashing_sha256)', () => {
  // a hash made by RabbitMQ 3.10.8 itself (test/fixtures/rabbitmq-user-hash.json), not by our own formula
  const fixture = JSON.parse(readFileSync(join(projectRoot, 'test/fixtures/rabbitmq-user-hash.json'), 'utf8')) as {
    password: string;
    user: { password_hash: string; hashing_algorithm: string };
  };

  it("verifies RabbitMQ's hash, and hashing with RabbitMQ's salt gives RabbitMQ's hash", () => {
    expect(fixture.user.hashing_algorithm).toBe('rabbit_password_hashing_sha256');
    expect(verifyPassword(fixture.password, fixture.user.password_hash)).toBe(true);
    expect(verifyPassword(`${fixture.password}x`, fixture.user.password_hash)).toBe(false);
    const salt = Buffer.from(fixture.user.password_hash, 'base64').subarray(0, 4);
    expect(hashPassword(fixture.password, salt)).toBe(fixture.user.password_hash);
  });

  it('new hashes have a fresh salt and verify', () => {
    const a = hashPassword('guest');
    expect(a).not.toBe(hashPassword('guest'));
    expect(verifyPassword('guest', a)).toBe(true);
    expect(verifyPassword('nope', a)).toBe(false);
  });
});
