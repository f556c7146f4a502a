import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { post, startGateway, type RunningGateway } from '../support/gateway.js';

// A stateless (2026-07-28) client through the gateway to a session-based upstream: what the
// upstream gets is a message of its own revision. The client's envelope (`_meta` revision, client
// capabilities and info, log level) stays out, as dual-era servers refuse it inside a 2025
// session (as this upstream does), while the rest of `_meta` (a progress token) is kept.

const MODERN = '2026-07-28';
const ENVELOPE = ['io.modelcontextprotocol/protocolVersion', 'io.modelcontextprotocol/clientCapabilities', 'io.modelcontextprotocol/clientInfo', 'io.modelcontextprotocol/logLevel'];
let upstream: Server;
let gw: RunningGateway;
const received: { method: string; meta: Record<string, unknown> | undefined }[] = [];

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: string | number; method: string; params?: { _meta?: Record<string, unknown> } };
      const meta = message.params?._meta;
      received.push({ method: message.method, meta });
      const reply = (body: unknown, status = 200) => res.writeHead(status, { 'content-type': 'application/json', 'mcp-session-id': 'strict-1' }).end(JSON.stringify(body));
      if (message.id === undefined) return void res.writeHead(202).end();
      if (meta && ENVELOPE.some((key) => key in meta)) {
        return reply({ jsonrpc: '2.0', id: message.id, error: { code: -32020, message: 'the 2026-07-28 envelope inside a 2025-11-25 session' } }, 400);
      }
      if (message.method === 'initialize') return reply({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'strict', version: '1' } } });
      if (message.method === 'tools/list') return reply({ jsonrpc: '2.0', id: message.id, result: { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] } });
      return reply({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'strict echo' }] } });
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  gw = await startGateway({
    auth: { apiKeys: [{ key: 'k', tenant: 't' }] },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['*'] } }] },
    upstreams: [{ name: 'strict', url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`, timeoutMs: 5_000 }],
  });
});

afterAll(async () => {
  await gw?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

function modern(id: number, method: string, params: Record<string, unknown>, name?: string) {
  const meta = {
    'io.modelcontextprotocol/protocolVersion': MODERN,
    'io.modelcontextprotocol/clientCapabilities': { sampling: {} },
    'io.modelcontextprotocol/clientInfo': { name: 'modern-client', version: '1' },
    'io.modelcontextprotocol/logLevel': 'info',
    progressToken: `p-${id}`,
  };
  const headers: Record<string, string> = { 'x-api-key': 'k', 'mcp-protocol-version': MODERN, 'mcp-method': method, accept: 'application/json' };
  if (name !== undefined) headers['mcp-name'] = name;
  return post(gw.url, { jsonrpc: '2.0', id, method, params: { ...params, _meta: meta } }, headers);
}

describe('a stateless client to a session-based upstream', () => {
  it("lists and calls tools: the upstream hears its own revision's messages, the progress token kept", async () => {
    expect((await modern(1, 'tools/list', {})).body).toMatchObject({ id: 1, result: { tools: [{ name: 'echo' }] } });
    expect((await modern(2, 'tools/call', { name: 'echo', arguments: {} }, 'echo')).body).toMatchObject({ id: 2, result: { content: [{ text: 'strict echo' }] } });
    const forwarded = received.filter((message) => message.method === 'tools/list' || message.method === 'tools/call');
    expect(forwarded.length).toBeGreaterThanOrEqual(2);
    for (const message of forwarded) for (const key of ENVELOPE) expect(message.meta ?? {}).not.toHaveProperty([key]);
    expect(received.find((message) => message.method === 'tools/call')?.meta).toEqual({ progressToken: 'p-2' });
    // The session's initialize carried what the client declared, in the form that revision has it.
    expect(received[0]?.method).toBe('initialize');
  });
});

describe('an upstream that refuses a federated list', () => {
  it('is never silent: warned once per cause, counted in /metrics, and failing on /health, while the list comes from the others', async () => {
    const refusing = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        if (req.method !== 'POST') return void res.writeHead(405).end();
        const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: number | string; method: string };
        if (message.id === undefined) return void res.writeHead(202).end();
        const body =
          message.method === 'initialize'
            ? { jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'refusing', version: '1' } } }
            : { jsonrpc: '2.0', id: message.id, error: { code: -32020, message: 'server_missing_modern_protocol_support' } };
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'r' }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    const warnings: string[] = [];
    const federated = await startGateway(
      {
        auth: { apiKeys: [{ key: 'k', tenant: 't' }] },
        policy: { rules: [{ allow: { methods: ['*'], tools: ['*'] } }] },
        upstreams: [
          { name: 'strict', url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`, timeoutMs: 5_000 },
          { name: 'refusing', url: `http://127.0.0.1:${(refusing.address() as AddressInfo).port}/mcp`, timeoutMs: 5_000 },
        ],
      },
      { logger: { error: () => undefined, warn: (message) => void warnings.push(message), info: () => undefined, debug: () => undefined } },
    );
    try {
      for (const id of [1, 2]) {
        const list = await post(federated.url, { jsonrpc: '2.0', id, method: 'tools/list', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} } } }, { 'x-api-key': 'k', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list', accept: 'application/json' });
        expect(list.body).toMatchObject({ id, result: { tools: [{ name: 'echo' }] } });
      }
      expect(warnings.filter((message) => message.startsWith('upstream refused a list'))).toHaveLength(1);
      const metrics = await (await fetch(`${federated.origin}/metrics`)).text();
      expect(metrics).toMatch(/^mcp_gateway_upstream_failures_total\{upstream="refusing",error="UPSTREAM_BAD_RESPONSE"\} 2$/m);
      const health = (await (await fetch(`${federated.origin}/health`)).json()) as { upstreams: Record<string, { failures: number; lastFailure?: { error: string } }> };
      expect(health.upstreams['refusing']).toMatchObject({ failures: 2, lastFailure: { error: expect.stringContaining('refused tools/list: -32020') } });
    } finally {
      await federated.close();
      refusing.closeAllConnections();
      await new Promise((resolve) => refusing.close(resolve));
    }
  });
});
