import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { INITIALIZE_PARAMS, openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';

// What the gateway learns of an upstream's era and capabilities is shared by every client of the
// gateway (upstream/upstream-facts.ts), so no one client may decide it: an upstream's era is the
// one it actually spoke, whatever a client asked for.

const QUIET = { debug() {}, info() {}, warn() {}, error() {} };
const VICTIM = 'victim-key';
const NOBODY = 'no-rights-key';
const SECRET = '0123456789abcdef0123456789abcdef0123456789';

interface Seen {
  method: string;
  /** params.protocolVersion of an initialize. */
  asked?: unknown;
  sessionId?: string | undefined;
}

/**
 * A session-era upstream that answers initialize with whatever revision it was asked for (as some
 * do), or with `answer` when set; `initialized` is its status for notifications/initialized.
 */
async function startEchoingUpstream(options: { answer?: string; initialized?: number } = {}): Promise<{ url: string; seen: Seen[]; server: Server }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let text = '';
    req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    req.on('end', () => {
      const sessionId = req.headers['mcp-session-id'] as string | undefined;
      if (req.method === 'DELETE') {
        seen.push({ method: 'DELETE', sessionId });
        return void res.writeHead(200).end();
      }
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const message = JSON.parse(text || '{}') as { id?: number | string; method?: string; params?: { protocolVersion?: unknown } };
      seen.push({ method: message.method ?? '?', asked: message.params?.protocolVersion, sessionId });
      if (message.method === 'initialize') {
        const result = { protocolVersion: options.answer ?? message.params?.protocolVersion, capabilities: { tools: {}, logging: {} }, serverInfo: { name: 'echoing', version: '1' } };
        return void res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': `u-${seen.length}` }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      }
      if (message.id === undefined) return void res.writeHead(message.method === 'notifications/initialized' ? (options.initialized ?? 202) : 202).end();
      const result = message.method === 'tools/call' ? { content: [{ type: 'text', text: 'ok' }] } : message.method === 'tools/list' ? { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] } : {};
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, seen, server };
}

const running: { gw?: RunningGateway; server?: Server }[] = [];
afterEach(async () => {
  for (const { gw, server } of running.splice(0)) {
    await gw?.close();
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve));
  }
});

async function start(url: string, sealed: boolean): Promise<RunningGateway> {
  return startGateway(
    {
      auth: { apiKeys: [{ id: 'victim', key: VICTIM, tenant: 'good' }, { id: 'nobody', key: NOBODY, tenant: 'evil' }] },
      // The second key may call nothing: no rule names its tenant.
      policy: { rules: [{ subject: { tenant: 'good' }, allow: { methods: ['*'], tools: ['*'] } }] },
      ...(sealed ? { sessions: { secrets: [SECRET] } } : {}),
      upstreams: [{ name: 'echoing', url, timeoutMs: 5_000 }],
    },
    { logger: QUIET },
  );
}

const call = (id: number) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'echo', arguments: {} } });

describe('an upstream\'s era', () => {
  for (const sealed of [false, true]) {
    it(`is not decided by a client asking for the stateless revision in initialize (${sealed ? 'sealed ids' : 'sessions in memory'})`, async () => {
      const upstream = await startEchoingUpstream();
      const gw = await start(upstream.url, sealed);
      running.push({ gw, server: upstream.server });
      // A client with no rights, first: its initialize opens the upstream (to learn it, or to seal it).
      const evil = await post(gw.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: { ...INITIALIZE_PARAMS, protocolVersion: '2026-07-28' } }, { accept: 'application/json', 'x-api-key': NOBODY });
      expect(evil.status).toBe(200);
      expect(evil.body).toMatchObject({ result: { protocolVersion: '2025-11-25' } });
      // The upstream was asked for the revision the gateway agreed with that client, a session one.
      expect(upstream.seen.filter((seen) => seen.method === 'initialize').map((seen) => seen.asked)).toEqual(['2025-11-25']);

      const session = await openSession(gw.url, { 'x-api-key': VICTIM });
      const answer = await post(gw.url, call(1), { accept: 'application/json', 'x-api-key': VICTIM, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' });
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ id: 1, result: { content: [{ text: 'ok' }] } });
      expect(upstream.seen.map((seen) => seen.method)).not.toContain('server/discover');
      // Its upstream sessions are session-era ones, ended as such when the client ends its own.
      const ended = await fetch(gw.url, { method: 'DELETE', headers: { 'x-api-key': VICTIM, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' } });
      expect(ended.status).toBe(200);
      await expect.poll(() => upstream.seen.filter((seen) => seen.method === 'DELETE').length).toBeGreaterThanOrEqual(1);
    });
  }

  it('of an upstream answering initialize with the stateless revision is refused, and not learned as stateless', async () => {
    const upstream = await startEchoingUpstream({ answer: '2026-07-28' });
    const gw = await start(upstream.url, false);
    running.push({ gw, server: upstream.server });
    const session = await openSession(gw.url, { 'x-api-key': VICTIM });
    for (const id of [1, 2]) {
      const answer = await post(gw.url, call(id), { accept: 'application/json', 'x-api-key': VICTIM, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' });
      expect(answer.status).toBe(502);
      expect(JSON.stringify(answer.body)).toContain('answered initialize with protocol revision \\"2026-07-28\\"');
    }
    // Every opening tries initialize again: nothing made the gateway take it for a stateless upstream.
    expect(upstream.seen.map((seen) => seen.method)).not.toContain('server/discover');
    expect(upstream.seen.filter((seen) => seen.method === 'initialize').length).toBeGreaterThanOrEqual(3);
  });

  it('and capabilities are learned from initialize even when notifications/initialized then fails', async () => {
    const upstream = await startEchoingUpstream({ initialized: 400 });
    const gw = await start(upstream.url, false);
    running.push({ gw, server: upstream.server });
    const first = await post(gw.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: INITIALIZE_PARAMS }, { accept: 'application/json', 'x-api-key': VICTIM });
    const second = await post(gw.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: INITIALIZE_PARAMS }, { accept: 'application/json', 'x-api-key': VICTIM });
    // What the upstream declared, not the placeholder of an upstream never heard from.
    for (const answer of [first, second]) expect((answer.body as { result: { capabilities: unknown } }).result.capabilities).toEqual({ tools: {}, logging: {} });
    // The second client's initialize did not open the upstream again to learn what was known.
    expect(upstream.seen.filter((seen) => seen.method === 'initialize')).toHaveLength(1);
  });

  it('is learned again when the upstream is redeployed as the other era, either way', async () => {
    // One upstream at one address, stateless (2026-07-28 only) or session-based as `mode` says.
    let mode: 'stateless' | 'session' = 'stateless';
    const server = createServer((req, res) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        if (req.method !== 'POST') return void res.writeHead(mode === 'session' ? 200 : 405).end();
        const message = JSON.parse(text || '{}') as { id?: number | string; method?: string };
        const json = (status: number, body: unknown, headers: Record<string, string> = {}) => void res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
        if (message.id === undefined) return void res.writeHead(202).end();
        if (mode === 'stateless') {
          if (message.method === 'initialize') return json(400, { jsonrpc: '2.0', id: message.id, error: { code: -32022, message: 'unsupported', data: { supported: ['2026-07-28'] } } });
          if (message.method === 'server/discover') return json(200, { jsonrpc: '2.0', id: message.id, result: { supportedVersions: ['2026-07-28'], capabilities: { tools: {} } } });
        } else {
          if (message.method === 'initialize') return json(200, { jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'switch', version: '1' } } }, { 'mcp-session-id': 'switch-1' });
          if (message.method === 'server/discover') return json(404, { jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'no such method' } });
        }
        if (message.method === 'tools/call') return json(200, { jsonrpc: '2.0', id: message.id, result: { resultType: 'complete', content: [{ type: 'text', text: mode }] } });
        json(200, { jsonrpc: '2.0', id: message.id, result: { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] } });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const gw = await start(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`, false);
    running.push({ gw, server });
    const callIn = async (id: number) => {
      const session = await openSession(gw.url, { 'x-api-key': VICTIM });
      return post(gw.url, call(id), { accept: 'application/json', 'x-api-key': VICTIM, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' });
    };
    expect((await callIn(1)).body).toMatchObject({ result: { content: [{ text: 'stateless' }] } });
    mode = 'session';
    expect((await callIn(2)).body).toMatchObject({ result: { content: [{ text: 'session' }] } });
    mode = 'stateless';
    expect((await callIn(3)).body).toMatchObject({ result: { content: [{ text: 'stateless' }] } });
  });
});
