import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';

// What a stateless (2026-07-28) client receives when its call goes to a session-based upstream
// must be a message of its own revision, however the upstream wrote it in its own:
// - an SSE answer without event ids, retry hints or the priming event FastMCP and mcp-proxy
//   open their streams with (an id and empty data): the revision has no resumption (changelog,
//   major change 9), and an event with no message is not one of its messages;
// - resource not found as -32602, not the -32002 of 2025-11-25 (basic/index, Error Codes:
//   implementations of 2026-07-28 must not emit -32002).
// A session-based client of the same gateway still gets the upstream's own form.

const MODERN = '2026-07-28';
const META = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} };
const KEY = 'k';
let upstream: Server;
let gw: RunningGateway;

beforeAll(async () => {
  // A 2025-11-25 server as the revision describes it: it primes each SSE answer so the client
  // can resume, numbers its events, and answers an unknown resource with -32002.
  let eventId = 0;
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { id?: string | number; method: string; params?: { uri?: string } };
      if (message.id === undefined) return void res.writeHead(202).end();
      const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'primed-1' }).end(JSON.stringify(body));
      if (message.method === 'initialize') return json({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {}, resources: {} }, serverInfo: { name: 'primed', version: '1' } } });
      if (message.method === 'tools/list') return json({ jsonrpc: '2.0', id: message.id, result: { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] } });
      if (message.method === 'resources/list') return json({ jsonrpc: '2.0', id: message.id, result: { resources: [{ uri: 'primed://known', name: 'known' }] } });
      if (message.method === 'resources/read') {
        return json({ jsonrpc: '2.0', id: message.id, error: { code: -32002, message: 'Resource not found', data: { uri: message.params?.uri } } });
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'mcp-session-id': 'primed-1' });
      res.write(`id: e-${eventId++}\nretry: 1000\ndata: \n\n`);
      res.end(`id: e-${eventId++}\nevent: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'primed echo' }] } })}\n\n`);
    });
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  gw = await startGateway({
    auth: { apiKeys: [{ key: KEY, tenant: 't' }] },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['*'], resources: ['**'] } }] },
    upstreams: [{ name: 'primed', url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`, timeoutMs: 5_000 }],
  });
});

afterAll(async () => {
  await gw?.close();
  upstream?.closeAllConnections();
  await new Promise((resolve) => upstream?.close(resolve));
});

function modern(id: number, method: string, params: Record<string, unknown>, name: string, accept: string) {
  const headers = { 'x-api-key': KEY, 'mcp-protocol-version': MODERN, 'mcp-method': method, 'mcp-name': name, accept };
  return post(gw.url, { jsonrpc: '2.0', id, method, params: { ...params, _meta: META } }, headers);
}

/** The events of an SSE body, each as its field lines. */
function events(text: string): string[][] {
  return text.split(/\r?\n\r?\n/).map((block) => block.split(/\r?\n/).filter((line) => line !== '')).filter((lines) => lines.length > 0);
}

describe('a stateless client calling a session-based upstream that primes and numbers its SSE answers', () => {
  it('receives the answer as events of messages only: no event ids, no retry hints, no priming event', async () => {
    const answer = await modern(1, 'tools/call', { name: 'echo', arguments: {} }, 'echo', 'application/json, text/event-stream');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toMatch(/text\/event-stream/);
    const received = events(answer.text);
    expect(received.length).toBeGreaterThan(0);
    for (const lines of received) {
      expect(lines.filter((line) => !line.startsWith(':'))).toEqual(expect.arrayContaining([expect.stringMatching(/^data: \{/)]));
      for (const line of lines) expect(line).not.toMatch(/^(id|retry):/);
    }
    const data = received.flat().filter((line) => line.startsWith('data: ')).map((line) => JSON.parse(line.slice(6)) as unknown);
    expect(data).toEqual([{ jsonrpc: '2.0', id: 1, result: { resultType: 'complete', content: [{ type: 'text', text: 'primed echo' }] } }]);
  });

  it('receives resource not found as -32602 with the upstream’s message and data, not as -32002', async () => {
    const answer = await modern(2, 'resources/read', { uri: 'primed://missing' }, 'primed://missing', 'application/json');
    expect(answer.body).toEqual({ jsonrpc: '2.0', id: 2, error: { code: -32602, message: 'Resource not found', data: { uri: 'primed://missing' } } });
  });
});

describe('a session-based client of the same upstream', () => {
  it('still receives the upstream’s own form: its event ids (named for the upstream) and -32002', async () => {
    const headers = { 'x-api-key': KEY };
    const session = await openSession(gw.url, headers);
    const inSession = { ...headers, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
    const call = await post(gw.url, { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'echo', arguments: {} } }, inSession);
    expect(call.text).toMatch(/^id: primed:e-\d+$/m);
    const read = await post(gw.url, { jsonrpc: '2.0', id: 4, method: 'resources/read', params: { uri: 'primed://missing' } }, { ...inSession, accept: 'application/json' });
    expect(read.body).toMatchObject({ id: 4, error: { code: -32002 } });
  });
});
