import { GATEWAY_ERRORS, type GatewayErrorName, type GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFederatedUpstream, type FederatedUpstream } from '../support/federated-upstream.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { Rng } from '../support/rng.js';

// A generated campaign of broken stateless (2026-07-28) requests: headers that disagree with the
// body, missing or odd _meta, unknown revisions, removed methods, broken =?base64?...?= values,
// oversized and control-character names. Every answer must be a JSON-RPC error with the status
// the error table gives for this era (never a 5xx, never a hang), and a valid request must still
// succeed afterwards.

const KEY = 'hostile-stateless-key';
const VERSION = '2026-07-28';
const COUNT = 1_500;
let upstream: FederatedUpstream;
let gw: RunningGateway;

beforeAll(async () => {
  upstream = await startFederatedUpstream({ name: 'up' });
  const options: GatewayOptions = {
    auth: { apiKeys: [{ key: KEY, tenant: 't' }] },
    rateLimit: { defaultRpm: 100_000_000 },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['*'], resources: ['*'], prompts: ['*'] } }] },
    upstreams: [{ name: 'up', url: upstream.url, timeoutMs: 5_000 }],
  };
  gw = await startGateway(options, { logger: { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined } });
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const META = { 'io.modelcontextprotocol/protocolVersion': VERSION, 'io.modelcontextprotocol/clientCapabilities': {} };

interface Case {
  what: string;
  headers: Record<string, string>;
  body: string;
  /** The error the rules call for. */
  expect: GatewayErrorName;
}

/** One broken request; each mutation is one the revision names an answer for. */
function generate(r: Rng, n: number): Case {
  const method = r.pick(['tools/call', 'prompts/get', 'resources/read', 'tools/list', 'server/discover']);
  const target = method === 'resources/read' ? { uri: 'up://readme' } : method === 'tools/list' || method === 'server/discover' ? {} : { name: method === 'tools/call' ? 'only_up' : 'greet' };
  const named = 'name' in target ? target.name : 'uri' in target ? target.uri : undefined;
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    'x-api-key': KEY,
    'mcp-protocol-version': VERSION,
    'mcp-method': method,
    ...(named === undefined ? {} : { 'mcp-name': named }),
  };
  const params: Record<string, unknown> = { ...target, _meta: { ...META } };
  const message: Record<string, unknown> = { jsonrpc: '2.0', id: n, method, params };
  let expected: GatewayErrorName;
  switch (r.int(12)) {
    case 0:
      headers['mcp-method'] = r.pick(['tools/lis', 'TOOLS/CALL', '', ' ', 'x'.repeat(3000), 'tools/call\u00e9']);
      expected = 'HEADER_MISMATCH';
      break;
    case 1:
      delete headers['mcp-method'];
      expected = 'HEADER_MISMATCH';
      break;
    case 2:
      if (named === undefined) {
        headers['mcp-protocol-version'] = '2025-11-25';
        expected = 'HEADER_MISMATCH';
      } else {
        headers['mcp-name'] = r.pick([`${named}x`, '=?base64?not base64?=', '=?base64?', `=?base64?${Buffer.from('other').toString('base64')}?=`, named.toUpperCase(), 'y'.repeat(5000)]);
        expected = 'HEADER_MISMATCH';
      }
      break;
    case 3:
      if (named === undefined) {
        delete headers['mcp-protocol-version'];
        expected = 'HEADER_MISMATCH';
      } else {
        delete headers['mcp-name'];
        expected = 'HEADER_MISMATCH';
      }
      break;
    case 4: {
      const version = r.pick(['2099-01-01', '2026-07-29', 'latest', '', '2026-07-28 ', '2026-07-28\u0000']);
      (params['_meta'] as Record<string, unknown>)['io.modelcontextprotocol/protocolVersion'] = version;
      headers['mcp-protocol-version'] = /^[\x20-\x7e]*$/.test(version) && version.trim() === version && version !== '' ? version : 'x';
      expected = 'UNSUPPORTED_PROTOCOL_VERSION';
      break;
    }
    case 5:
      (params['_meta'] as Record<string, unknown>)['io.modelcontextprotocol/clientCapabilities'] = r.pick([null, 'all', [], 1, undefined]);
      expected = 'INVALID_PARAMS';
      break;
    case 6:
      (params['_meta'] as Record<string, unknown>)['io.modelcontextprotocol/protocolVersion'] = r.pick([1, null, {}, ['2026-07-28'], true]);
      expected = 'INVALID_PARAMS';
      break;
    case 7: {
      const removed = r.pick(['initialize', 'ping', 'logging/setLevel', 'resources/subscribe', 'resources/unsubscribe', 'tasks/get', 'constructor', '__proto__']);
      message['method'] = removed;
      headers['mcp-method'] = removed;
      params['uri'] = 'up://readme';
      expected = 'NO_ROUTE';
      break;
    }
    case 8:
      // A __proto__ key inside _meta is data, nothing more; the broken header is what is refused.
      if (named === undefined) delete headers['mcp-method'];
      else headers['mcp-name'] = '=?base64?@@@?=';
      return { what: `${method} #${n} (__proto__)`, headers, body: JSON.stringify(message).replace('"_meta":{', '"_meta":{"__proto__":{"polluted":true},'), expect: 'HEADER_MISMATCH' };
    case 9:
      return { what: 'batch', headers, body: JSON.stringify([message, { ...message, id: n + 0.5 }]), expect: 'INVALID_REQUEST' };
    case 10:
      message['params'] = { ...target };
      expected = 'INVALID_PARAMS';
      break;
    default:
      if (named === undefined) {
        headers['mcp-protocol-version'] = r.pick(['2026-07-27', '2025-06-18']);
        expected = 'HEADER_MISMATCH';
      } else {
        // HTTP trims a value's edge whitespace; encoded, it is part of the name (and so a mismatch).
        headers['mcp-name'] = `=?base64?${Buffer.from(`${named} `).toString('base64')}?=`;
        expected = 'HEADER_MISMATCH';
      }
  }
  return { what: `${method} #${n}`, headers, body: JSON.stringify(message), expect: expected };
}

function statelessStatus(name: GatewayErrorName): number {
  const entry = GATEWAY_ERRORS[name];
  return 'statelessStatus' in entry ? entry.statelessStatus : entry.status;
}

describe('a campaign of broken stateless requests', () => {
  it(`answers each of ${COUNT} with the JSON-RPC error and status the rules call for, then serves a valid request`, async () => {
    const r = new Rng(20260728);
    const problems: string[] = [];
    const cases = Array.from({ length: COUNT }, (_, n) => generate(r, n));
    for (let start = 0; start < cases.length; start += 50) {
      await Promise.all(
        cases.slice(start, start + 50).map(async (c) => {
          const response = await fetch(gw.url, { method: 'POST', headers: c.headers, body: c.body, signal: AbortSignal.timeout(5_000) });
          const text = await response.text();
          let body: { error?: { code?: unknown } } | undefined;
          try {
            body = JSON.parse(text) as typeof body;
          } catch {
            body = undefined;
          }
          const entry = GATEWAY_ERRORS[c.expect];
          if (response.status >= 500) problems.push(`${c.what}: HTTP ${response.status} ${text.slice(0, 200)}`);
          else if (body?.error?.code !== entry.code || response.status !== statelessStatus(c.expect)) {
            problems.push(`${c.what}: expected ${c.expect} (${entry.code}, HTTP ${statelessStatus(c.expect)}), got HTTP ${response.status} ${text.slice(0, 200)} for ${JSON.stringify(c.headers).slice(0, 300)} ${c.body.slice(0, 300)}`);
          }
        }),
      );
    }
    expect(problems.slice(0, 10), `${problems.length} of ${COUNT} wrong`).toEqual([]);

    const valid = await fetch(gw.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': KEY, 'mcp-protocol-version': VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'only_up' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'after', method: 'tools/call', params: { name: 'only_up', arguments: {}, _meta: META } }),
    });
    expect(valid.status).toBe(200);
    expect(await valid.json()).toMatchObject({ id: 'after', result: { content: [{ text: 'only_up of up' }] } });
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });
});
