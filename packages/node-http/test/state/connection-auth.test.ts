import { describe, expect, it } from 'vitest';
import type { IncomingMessage } from 'node:http';
import { compileGateway } from '@gw/core';
import { ConnectionAuth } from '../../src/state/connection-auth.js';

describe('authentication remembered per connection', () => {
  const KEY = 'k-0123456789abcdef0123456789abcdef';
  const core = compileGateway({
    auth: { apiKeys: [{ id: 'one', key: KEY, tenant: 't', client: 'c' }, { id: 'two', key: `${KEY}-2`, tenant: 't2', client: 'c2' }] },
    upstreams: [{ name: 'u', url: 'http://127.0.0.1:9/mcp' }],
  });
  let hashed = 0;
  const auth = new ConnectionAuth({ authenticate: (headers) => (hashed++, core.authenticate(headers)) });
  const request = (socket: object, ...rawHeaders: string[]) => ({ socket, rawHeaders: ['Host', 'x', ...rawHeaders] }) as unknown as IncomingMessage;

  it('authenticates a connection once per credential, and never lets it stand in for another or a wrong one', () => {
    const a = {};
    const b = {};
    hashed = 0;
    const first = auth.authenticate(request(a, 'Authorization', `Bearer ${KEY}`));
    expect(first).toMatchObject({ ok: true, subject: { apiKeyId: 'one' } });
    expect(auth.authenticate(request(a, 'authorization', `Bearer ${KEY}`))).toBe(first);
    expect(hashed).toBe(1);
    // Another connection, another key, a wrong key, the same key plus a conflicting one: each in full.
    expect(auth.authenticate(request(b, 'Authorization', `Bearer ${KEY}`))).toMatchObject({ ok: true, subject: { apiKeyId: 'one' } });
    expect(auth.authenticate(request(a, 'Authorization', `Bearer ${KEY}-2`))).toMatchObject({ ok: true, subject: { apiKeyId: 'two' } });
    expect(auth.authenticate(request(a, 'Authorization', `Bearer ${KEY.slice(0, -1)}x`))).toMatchObject({ ok: false, name: 'INVALID_CREDENTIALS' });
    expect(auth.authenticate(request(a, 'Authorization', `Bearer ${KEY}-2`, 'X-API-Key', KEY))).toMatchObject({ ok: false, name: 'AMBIGUOUS_CREDENTIALS' });
    expect(auth.authenticate(request(a))).toMatchObject({ ok: false, name: 'UNAUTHENTICATED' });
    expect(hashed).toBe(6);
    // The last success is what the connection remembers; failures in between changed nothing.
    expect(auth.authenticate(request(a, 'Authorization', `Bearer ${KEY}-2`))).toMatchObject({ ok: true, subject: { apiKeyId: 'two' } });
    expect(hashed).toBe(6);
  });

  it('reads repeated credential headers as sent, so a second key cannot hide behind a remembered first', () => {
    const a = {};
    expect(auth.authenticate(request(a, 'X-API-Key', KEY))).toMatchObject({ ok: true });
    expect(auth.authenticate(request(a, 'X-API-Key', KEY, 'x-api-key', `${KEY}-2`))).toMatchObject({ ok: false, name: 'AMBIGUOUS_CREDENTIALS' });
    expect(auth.authenticate(request(a, 'X-API-Key', KEY, 'Api-Key', KEY))).toMatchObject({ ok: true, subject: { apiKeyId: 'one' } });
  });
});
