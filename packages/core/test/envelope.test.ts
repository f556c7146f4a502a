import { describe, expect, it } from 'vitest';
import { parseBody, validateMessage, type EnvelopeResult, type MessageResult } from '../src/index.js';
import { parseEnvelope } from '../src/internal.js';

function single(result: EnvelopeResult): MessageResult {
  if (!result.ok) throw new Error(`expected items, got ${result.name}`);
  expect(result.items).toHaveLength(1);
  return result.items[0]!;
}

describe('parseBody', () => {
  it('parses a request from a string and from bytes, lifting out method, id and params', () => {
    const text = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo"}}';
    for (const body of [text, new TextEncoder().encode(text)]) {
      const item = single(parseBody(body));
      expect(item).toMatchObject({ ok: true, message: { kind: 'request', id: 1, method: 'tools/call', params: { name: 'echo' } } });
    }
  });

  it('answers -32700 with id null for text that is not JSON', () => {
    for (const body of ['', '{', '{"jsonrpc":"2.0",', 'nul', '{"a":1}}', "{'a':1}"]) {
      const result = parseBody(body);
      expect(result, body).toMatchObject({ ok: false, name: 'PARSE_ERROR', status: 400, id: null, error: { code: -32700 } });
    }
  });

  it('answers -32700 for bytes that are not UTF-8 instead of guessing characters', () => {
    const bytes = Uint8Array.of(0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d); // {"\xff\xfe":1}
    expect(parseBody(bytes)).toMatchObject({ ok: false, name: 'PARSE_ERROR', error: { message: expect.stringContaining('UTF-8') } });
  });

  it('refuses deeply nested params without overflowing, keeping the id', () => {
    const depth = 10_000;
    const body = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":${'['.repeat(depth)}${']'.repeat(depth)}}}`;
    expect(single(parseBody(body))).toMatchObject({ ok: false, id: 1, error: { code: -32600 } });
  });

  it('keeps a __proto__ key as data without touching any prototype', () => {
    const item = single(parseBody('{"jsonrpc":"2.0","id":1,"method":"m","params":{"__proto__":{"polluted":true}}}'));
    expect(item.ok).toBe(true);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    if (item.ok && item.message.kind === 'request') {
      expect(Object.getPrototypeOf(item.message.params)).toBe(Object.prototype);
      expect(Object.hasOwn(item.message.params!, '__proto__')).toBe(true);
    }
  });
});

describe('parseEnvelope', () => {
  it('decides each member of a batch on its own', () => {
    const result = parseEnvelope([
      { jsonrpc: '2.0', id: 1, method: 'ping' },
      { jsonrpc: '1.0', id: 2, method: 'ping' },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
      42,
    ]);
    if (!result.ok) throw new Error('expected a batch');
    expect(result.batch).toBe(true);
    expect(result.items.map((i) => i.ok)).toEqual([true, false, true, false]);
    expect(result.items[1]).toMatchObject({ name: 'INVALID_REQUEST', id: 2 });
    expect(result.items[3]).toMatchObject({ name: 'INVALID_REQUEST', id: null });
  });

  it('rejects an empty batch as one invalid request', () => {
    expect(parseEnvelope([])).toMatchObject({ ok: false, name: 'INVALID_REQUEST', id: null, status: 400 });
  });

  it('refuses a batch over its bound before validating a member, with 413, -41301 and id null', () => {
    const batch = Array.from({ length: 4 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' }));
    expect(parseEnvelope(batch, 3)).toMatchObject({ ok: false, name: 'BATCH_TOO_LARGE', status: 413, id: null, error: { code: -41301, data: { maxBatchMessages: 3 } } });
    expect(parseBody(JSON.stringify(batch), undefined, 3)).toMatchObject({ ok: false, name: 'BATCH_TOO_LARGE', id: null });
    expect(parseEnvelope(batch, 4)).toMatchObject({ ok: true, batch: true });
  });

  it('marks a single message as not a batch', () => {
    expect(parseEnvelope({ jsonrpc: '2.0', id: 'a', method: 'ping' })).toMatchObject({ ok: true, batch: false });
  });
});

describe('validateMessage', () => {
  it('classifies requests, notifications, results and error responses', () => {
    expect(validateMessage({ jsonrpc: '2.0', id: 'x', method: 'ping' })).toMatchObject({ ok: true, message: { kind: 'request', id: 'x' } });
    expect(validateMessage({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 1 } })).toMatchObject({
      ok: true,
      message: { kind: 'notification', method: 'notifications/cancelled' },
    });
    expect(validateMessage({ jsonrpc: '2.0', id: 5, result: {} })).toMatchObject({ ok: true, message: { kind: 'response', id: 5 } });
    expect(validateMessage({ jsonrpc: '2.0', id: null, error: { code: -1, message: 'user rejected' } })).toMatchObject({
      ok: true,
      message: { kind: 'response', id: null },
    });
  });

  const cases: Array<[string, unknown, string | number | null]> = [
    ['a non-object', 'hello', null],
    ['null', null, null],
    ['an array member', [1], null],
    ['a missing jsonrpc', { id: 1, method: 'ping' }, 1],
    ['jsonrpc 1.0', { jsonrpc: '1.0', id: 1, method: 'ping' }, 1],
    ['an empty method', { jsonrpc: '2.0', id: 1, method: '' }, 1],
    ['a numeric method', { jsonrpc: '2.0', id: 1, method: 7 }, 1],
    ['a null request id', { jsonrpc: '2.0', id: null, method: 'ping' }, null],
    ['an object id', { jsonrpc: '2.0', id: {}, method: 'ping' }, null],
    ['a boolean id', { jsonrpc: '2.0', id: true, method: 'ping' }, null],
    ['an infinite id', { jsonrpc: '2.0', id: Infinity, method: 'ping' }, null],
    ['positional params', { jsonrpc: '2.0', id: 3, method: 'tools/call', params: ['x'] }, 3],
    ['null params', { jsonrpc: '2.0', id: 3, method: 'tools/call', params: null }, 3],
    ['a request with a result', { jsonrpc: '2.0', id: 4, method: 'ping', result: {} }, 4],
    ['neither method nor result', { jsonrpc: '2.0', id: 'q' }, 'q'],
    ['both result and error', { jsonrpc: '2.0', id: 6, result: 1, error: { code: 1, message: 'x' } }, 6],
    ['a result without id', { jsonrpc: '2.0', result: {} }, null],
    ['a malformed error', { jsonrpc: '2.0', id: 8, error: { code: 'x', message: 'y' } }, 8],
    ['an error with a fractional code', { jsonrpc: '2.0', id: 8, error: { code: 1.5, message: 'y' } }, 8],
  ];
  for (const [what, value, id] of cases) {
    it(`rejects ${what} with -32600 and id ${JSON.stringify(id)}`, () => {
      expect(validateMessage(value)).toMatchObject({ ok: false, name: 'INVALID_REQUEST', status: 400, id, error: { code: -32600 } });
    });
  }

  it('accepts huge and odd ids the client chose, as long as they are JSON-RPC ids', () => {
    expect(validateMessage({ jsonrpc: '2.0', id: Number.MAX_SAFE_INTEGER * 1000, method: 'ping' }).ok).toBe(true);
    expect(validateMessage({ jsonrpc: '2.0', id: -0.5, method: 'ping' }).ok).toBe(true);
    expect(validateMessage({ jsonrpc: '2.0', id: 'é'.repeat(10_000), method: 'ping' }).ok).toBe(true);
  });
});

describe('nesting bound', () => {
  it('refuses a message nesting deeper than MAX_JSON_DEPTH, with its id, and accepts one at the bound', async () => {
    const { MAX_JSON_DEPTH, parseBody } = await import('../src/index.js');
    const { parseEnvelope } = await import('../src/internal.js');
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);
    const at = `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","arguments":{"d":${nested(MAX_JSON_DEPTH - 3)}}}}`;
    const over = `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"x","arguments":{"d":${nested(10_000)}}}}`;
    expect(parseBody(at)).toMatchObject({ ok: true, items: [{ ok: true }] });
    expect(parseBody(over)).toMatchObject({ ok: true, items: [{ ok: false, id: 2, error: { code: -32600 } }] });
    // Brackets inside strings do not count.
    expect(parseBody(`{"jsonrpc":"2.0","id":3,"method":"ping","params":{"s":"${'['.repeat(1000)}"}}`)).toMatchObject({ items: [{ ok: true }] });
    // The same bound for a body a host framework already parsed.
    expect(parseEnvelope(JSON.parse(over))).toMatchObject({ ok: true, items: [{ ok: false, id: 2 }] });
  });
});

describe('methods named like Object.prototype members', () => {
  it('name no target', async () => {
    const { readTarget } = await import('../src/index.js');
    for (const method of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) expect(readTarget(method, {})).toBeNull();
  });
});

describe('checkInitializeParams', () => {
  it('accepts what the specification types and refuses the rest with -32602', async () => {
    const { checkInitializeParams } = await import('../src/internal.js');
    const good = { protocolVersion: '2025-06-18', capabilities: { sampling: {}, experimental: { x: {} } }, clientInfo: { name: 'c', version: '1' } };
    expect(checkInitializeParams(good).ok).toBe(true);
    for (const bad of [undefined, {}, { ...good, protocolVersion: 1 }, { ...good, capabilities: [] }, { ...good, capabilities: { roots: true } }, { ...good, capabilities: { experimental: { x: 1 } } }, { ...good, clientInfo: 'me' }, { ...good, clientInfo: { name: 'c' } }]) {
      expect(checkInitializeParams(bad as never)).toMatchObject({ ok: false, error: { code: -32602 } });
    }
  });
});
