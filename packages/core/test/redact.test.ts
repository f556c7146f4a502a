import { describe, expect, it } from 'vitest';
import { DEFAULT_REDACT_KEYS } from '../src/index.js';
import { createRedactor, isCredentialHeader, redactHeaders, REDACTED } from '../src/internal.js';

describe('createRedactor', () => {
  const redact = createRedactor(DEFAULT_REDACT_KEYS);

  it('replaces listed keys case-insensitively, at any depth and inside arrays', () => {
    const input = {
      headers: { Authorization: 'Bearer k', 'X-API-Key': 'k', accept: 'application/json' },
      params: { arguments: { nested: [{ password: 'p', keep: 1 }], Token: 't' } },
    };
    expect(redact(input)).toEqual({
      headers: { Authorization: REDACTED, 'X-API-Key': REDACTED, accept: 'application/json' },
      params: { arguments: { nested: [{ password: REDACTED, keep: 1 }], Token: REDACTED } },
    });
  });

  it('leaves the input untouched and cuts cycles', () => {
    const input: Record<string, unknown> = { secret: 's', plain: 'x' };
    input['self'] = input;
    const out = redact(input);
    expect(input['secret']).toBe('s');
    expect(out).toEqual({ secret: REDACTED, plain: 'x', self: '[Circular]' });
  });

  it('passes primitives through', () => {
    expect(redact('text')).toBe('text');
    expect(redact(null)).toBeNull();
  });
});

describe('redactHeaders', () => {
  it('redacts credential-bearing headers by name, whatever the list, and those the list names', () => {
    for (const name of ['Authorization', 'proxy-authorization', 'Cookie', 'set-cookie', 'x-auth-token', 'X-API-Key', 'api-key', 'x-apikey', 'x-amz-security-token', 'x-hub-signature-256', 'x-upstream-secret', 'x-db-password', 'x-goog-api-key']) {
      expect(isCredentialHeader(name), name).toBe(true);
    }
    for (const name of ['accept', 'content-type', 'host', 'mcp-session-id', 'mcp-protocol-version', 'keep-alive', 'user-agent', 'origin', 'last-event-id']) {
      expect(isCredentialHeader(name), name).toBe(false);
    }
    const headers = { 'x-auth-token': 't', cookie: ['a', 'b'], 'x-tenant-pin': '1234', accept: 'application/json', absent: undefined };
    expect(redactHeaders(headers, ['X-Tenant-Pin'])).toEqual({ 'x-auth-token': REDACTED, cookie: REDACTED, 'x-tenant-pin': REDACTED, accept: 'application/json' });
  });
});
