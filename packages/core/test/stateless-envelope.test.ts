import { describe, expect, it } from 'vitest';
import { statelessErrorCode, withoutStatelessEnvelope } from '../src/internal.js';

describe('withoutStatelessEnvelope', () => {
  it('leaves out the envelope keys, keeps the rest of _meta (a __proto__ key stays a key), and drops an _meta left empty', () => {
    const params = JSON.parse(
      '{"name":"x","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/clientInfo":{},"io.modelcontextprotocol/logLevel":"info","__proto__":{"a":1},"progressToken":3}}',
    ) as Record<string, unknown>;
    const out = withoutStatelessEnvelope(params)!;
    expect(JSON.stringify(out)).toBe('{"name":"x","_meta":{"__proto__":{"a":1},"progressToken":3}}');
    expect(Object.getPrototypeOf(out['_meta'])).toBe(Object.prototype);
    expect(withoutStatelessEnvelope({ name: 'y', _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28' } })).toEqual({ name: 'y' });
    const untouched = { name: 'z', _meta: { progressToken: 1 } };
    expect(withoutStatelessEnvelope(untouched)).toBe(untouched);
    expect(withoutStatelessEnvelope(undefined)).toBeUndefined();
  });
});

describe('statelessErrorCode', () => {
  it('turns the 2025 resource-not-found code -32002 into -32602, and keeps every other code', () => {
    expect(statelessErrorCode(-32002)).toBe(-32602);
    for (const code of [-32602, -32601, -32603, -32000, -32001, -32042, -40300, 1]) expect(statelessErrorCode(code)).toBe(code);
  });
});
