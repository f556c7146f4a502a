import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditEvent } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';

// The audit trail tells the gateway's refusals from the upstream's: a message the upstream
// answered with a JSON-RPC error of its own (at 4xx, inside a 200 JSON answer, inside an event
// stream) is recorded as let through and refused by that upstream, with its code, whichever way
// the answer travelled. Every event carries the revision the client spoke.

const MODERN = '2026-07-28';
let upstream: Server;
let gw: RunningGateway;
const events: AuditEvent[] = [];

/** tools/call answers by the tool's name: how the upstream refuses, or a plain result. */
function answerCall(id: string | number, name: string): { status: number; type: string; body: string } {
  const error = (code: number) => JSON.stringify({ jsonrpc: '2.0', id, error: { code, message: `refused ${name}` } });
  switch (name) {
    case 'refuse-400':
      return { status: 400, type: 'application/json', body: error(-32020) };
    case 'refuse-json':
      return { status: 200, type: 'application/json', body: error(-32602) };
    case 'refuse-sse':
      // Written as the gateway writes events: passed on as its bytes where the client takes a stream.
      return { status: 200, type: 'text/event-stream', body: `event: message\ndata: ${error(-32001)}\n\n` };
    case 'refuse-sse-odd':
      // A comment and CRLF line ends: read event by event.
      return { status: 200, type: 'text/event-stream', body: `: hello\r\ndata: ${error(-32002)}\r\n\r\n` };
    case 'refuse-no-code':
      return { status: 200, type: 'application/json', body: JSON.stringify({ jsonrpc: '2.0', id, error: { message: 'no code' } }) };
    default:
      return { status: 200, type: 'application/json', body: JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text: 'ok' }] } }) };
  }
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: string | number; method: string; params?: { name?: string } };
      if (message.id === undefined) return void res.writeHead(202).end();
      const headers = { 'mcp-session-id': 'u-1' };
      if (message.method === 'initialize') {
        const result = { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'refuser', version: '1' } };
        return void res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      }
      if (message.method === 'tools/list') {
        const tools = ['ok', 'refuse-400', 'refuse-json', 'refuse-sse', 'refuse-sse-odd', 'refuse-no-code'].map((name) => ({ name, inputSchema: { type: 'object' } }));
        return void res.writeHead(200, { ...headers, 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { tools } }));
      }
      const answer = answerCall(message.id, message.params?.name ?? '');
      res.writeHead(answer.status, { ...headers, 'content-type': answer.type }).end(answer.body);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  gw = await startGateway(
    {
      auth: { apiKeys: [{ id: 'key-1', key: 'k', tenant: 't', client: 'c' }] },
      policy: { rules: [{ allow: { methods: ['*'], tools: ['*'] } }] },
      upstreams: [{ name: 'refuser', url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`, timeoutMs: 5_000 }],
    },
    { onAudit: (event) => void events.push(event) },
  );
});

afterAll(async () => {
  await gw?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

async function settled(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
}

function callEvent(requestId: string | number): AuditEvent | undefined {
  return events.find((event) => event.method === 'tools/call' && event.requestId === requestId);
}

describe('an upstream refusing a message, in the audit trail', () => {
  it('is recorded as let through and refused by that upstream, with its code, for every way the answer travels', async () => {
    const session = await openSession(gw.url, { 'x-api-key': 'k' });
    const cases = [
      { name: 'refuse-400', accept: 'application/json', status: 400, code: -32020 },
      { name: 'refuse-json', accept: 'application/json', status: 200, code: -32602 },
      { name: 'refuse-json', accept: 'application/json, text/event-stream', status: 200, code: -32602 },
      { name: 'refuse-sse', accept: 'application/json, text/event-stream', status: 200, code: -32001 },
      { name: 'refuse-sse', accept: 'application/json', status: 200, code: -32001 },
      { name: 'refuse-sse-odd', accept: 'application/json, text/event-stream', status: 200, code: -32002 },
      // An error without an integer code is the upstream's refusal all the same.
      { name: 'refuse-no-code', accept: 'application/json', status: 200, code: -50203 },
    ];
    let id = 0;
    for (const { name, accept, status, code } of cases) {
      const requestId = `call-${++id}`;
      const answer = await post(gw.url, { jsonrpc: '2.0', id: requestId, method: 'tools/call', params: { name, arguments: {} } }, { 'x-api-key': 'k', 'mcp-session-id': session, 'mcp-protocol-version': '2025-11-25', accept });
      // The client hears the upstream's own words.
      expect(answer.status, name).toBe(status);
      expect(answer.text, name).toContain(name === 'refuse-no-code' ? 'no code' : `refused ${name}`);
      await settled();
      expect(callEvent(requestId), `${name} ${accept}`).toMatchObject({
        decision: 'allowed',
        upstream: 'refuser',
        item: { kind: 'tool', name },
        error: 'UPSTREAM_REFUSED',
        errorCode: code,
        status,
        protocolVersion: '2025-11-25',
      });
    }
    await post(gw.url, { jsonrpc: '2.0', id: 'plain', method: 'tools/call', params: { name: 'ok', arguments: {} } }, { 'x-api-key': 'k', 'mcp-session-id': session, accept: 'application/json' });
    await settled();
    expect(callEvent('plain')).toMatchObject({ decision: 'allowed', error: null, errorCode: null, status: 200 });
  });

  it('is counted as a refusal, not as a failure of the upstream', async () => {
    const metrics = await (await fetch(`${gw.origin}/metrics`)).text();
    expect(metrics).toMatch(/^mcp_gateway_messages_total\{outcome="UPSTREAM_REFUSED"\} 7$/m);
    expect(metrics).not.toMatch(/mcp_gateway_upstream_failures_total\{upstream="refuser"/);
    const health = (await (await fetch(`${gw.origin}/health`)).json()) as { upstreams: Record<string, { failures: number }> };
    expect(health.upstreams['refuser']?.failures ?? 0).toBe(0);
  });

  it('for a stateless client too, whose event names its revision', async () => {
    const meta = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} };
    const headers = { 'x-api-key': 'k', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'refuse-json', accept: 'application/json' };
    const answer = await post(gw.url, { jsonrpc: '2.0', id: 'modern-1', method: 'tools/call', params: { name: 'refuse-json', arguments: {}, _meta: meta } }, headers);
    expect(answer.body).toMatchObject({ id: 'modern-1', error: { code: -32602 } });
    await settled();
    expect(callEvent('modern-1')).toMatchObject({ decision: 'allowed', upstream: 'refuser', error: 'UPSTREAM_REFUSED', errorCode: -32602, protocolVersion: MODERN });
  });
});

describe("the client's protocol revision in the audit trail", () => {
  it('is the negotiated one for initialize and the session, the header before a session is found, null when unknown', async () => {
    events.length = 0;
    const session = await openSession(gw.url, { 'x-api-key': 'k' });
    await post(gw.url, { jsonrpc: '2.0', id: 'listed', method: 'tools/list' }, { 'x-api-key': 'k', 'mcp-session-id': session, accept: 'application/json' });
    await post(gw.url, { jsonrpc: '2.0', id: 'lost', method: 'tools/list' }, { 'x-api-key': 'k', 'mcp-session-id': 'no-such-session', 'mcp-protocol-version': '2025-06-18', accept: 'application/json' });
    await post(gw.url, { jsonrpc: '2.0', id: 'bare', method: 'tools/list' }, { 'x-api-key': 'k', accept: 'application/json' });
    await post(gw.url, { jsonrpc: '2.0', id: 'long', method: 'tools/list' }, { 'x-api-key': 'k', 'mcp-protocol-version': 'x'.repeat(5_000), accept: 'application/json' });
    await settled();
    const initialize = events.find((event) => event.method === 'initialize');
    expect(initialize?.protocolVersion).toMatch(/^20\d\d-\d\d-\d\d$/);
    expect(events.find((event) => event.requestId === 'listed')?.protocolVersion).toBe(initialize?.protocolVersion);
    expect(events.find((event) => event.requestId === 'lost')).toMatchObject({ error: 'SESSION_NOT_FOUND', protocolVersion: '2025-06-18' });
    expect(events.find((event) => event.requestId === 'bare')?.protocolVersion).toBeNull();
    // Whatever the client writes there stays small in the trail.
    expect(events.find((event) => event.requestId === 'long')?.protocolVersion?.length).toBeLessThan(600);
  });
});
