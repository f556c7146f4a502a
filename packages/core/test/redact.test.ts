import { describe, expect, it } from 'vitest';
import { createRedactor, DEFAULT_REDACT_KEYS, REDACTED } from '../src/index.js';

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
