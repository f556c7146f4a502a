// No subject's load refuses or closes another subject's session while the gateway has room.
// Client sessions are bounded per subject (sessions.maxPerSubject) as well as in all
// (sessions.maxSessions), and so are the upstream sessions the gateway holds for stateless
// (2026-07-28) subjects: when that table is full, the subject holding the most gives one up,
// not whoever used theirs least recently.
//
// The upstream here is a small session-keeping fake that names each upstream session after the
// client that opened it, so a test sees whose session was opened and whose was closed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayOptions } from '@gw/core';
import { afterEach, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/fake-mcp.js';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';

const VERSION = '2026-07-28';

interface Recorder {
  url: string;
  /** Upstream sessions opened, by session id (`<client name>-<n>`). */
  opened: string[];
  /** Upstream sessions ended with DELETE. */
  deleted: string[];
  close(): Promise<void>;
}

/** A session-based upstream: initialize opens `<clientInfo.name>-<n>`, calls answer at once, DELETE is recorded. */
async function startRecorder(): Promise<Recorder> {
  const opened: string[] = [];
  const deleted: string[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (req.method === 'DELETE') {
        deleted.push(String(req.headers['mcp-session-id']));
        return void res.writeHead(200).end();
      }
      if (req.method !== 'POST') return void res.writeHead(405).end();
      const message = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { id?: unknown; method?: string; params?: { clientInfo?: { name?: string }; protocolVersion?: string } };
      if (message.method === 'initialize') {
        const id = `${message.params?.clientInfo?.name ?? 'anonymous'}-${opened.length}`;
        opened.push(id);
        const result = { protocolVersion: message.params?.protocolVersion ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'recorder', version: '1.0.0' } };
        return void res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': id }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
      }
      if (message.id === undefined) return void res.writeHead(202).end();
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: 'done' }] } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`,
    opened,
    deleted,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let upstream: Recorder | undefined;
let gw: RunningGateway | undefined;

afterEach(async () => {
  await gw?.close();
  await upstream?.close();
  gw = undefined;
  upstream = undefined;
});

async function start(sessions: GatewayOptions['sessions']): Promise<RunningGateway> {
  upstream = await startRecorder();
  gw = await startGateway({
    auth: { apiKeys: [{ key: 'attacker-key', tenant: 'attacker' }, { key: 'victim-key', tenant: 'victim' }] },
    policy: { rules: [{ allow: { methods: ['tools/call'], tools: ['*'] } }] },
    sessions,
    upstreams: [{ name: 'up', url: upstream.url, timeoutMs: 5_000 }],
  });
  return gw;
}

/** A stateless tools/call from `key`, declaring these capabilities and this client name. */
function statelessCall(url: string, key: string, id: number, clientName: string, capabilities: Record<string, unknown>) {
  const meta = { 'io.modelcontextprotocol/protocolVersion': VERSION, 'io.modelcontextprotocol/clientCapabilities': capabilities, 'io.modelcontextprotocol/clientInfo': { name: clientName, version: '1.0.0' } };
  return post(url, { jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'work', arguments: {}, _meta: meta } }, { 'x-api-key': key, 'mcp-protocol-version': VERSION, 'mcp-method': 'tools/call', 'mcp-name': 'work' }, 10_000);
}

describe('client sessions', () => {
  it('are bounded per subject (429); the table keeps room for other subjects', async () => {
    const gw = await start({ maxSessions: 10, maxPerSubject: 3 });
    const held: string[] = [];
    for (let i = 0; i < 3; i++) held.push(await openSession(gw.url, { 'x-api-key': 'attacker-key' }));
    const over = await post(gw.url, { jsonrpc: '2.0', id: 9, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }, { 'x-api-key': 'attacker-key', accept: 'application/json' }, 10_000);
    expect(over.status).toBe(429);
    expect(over.body).toMatchObject({ jsonrpc: '2.0', id: 9, error: { code: -42901 } });
    expect(gw.gateway.sessionCount).toBe(3);

    // Another subject opens sessions as usual.
    for (let i = 0; i < 3; i++) await openSession(gw.url, { 'x-api-key': 'victim-key' });
    expect(gw.gateway.sessionCount).toBe(6);

    // Ending one of its sessions gives the subject its place back.
    const ended = await fetch(gw.url, { method: 'DELETE', headers: { 'x-api-key': 'attacker-key', 'mcp-session-id': held[0]!, 'mcp-protocol-version': '2025-06-18' }, signal: AbortSignal.timeout(10_000) });
    expect(ended.status).toBe(200);
    await openSession(gw.url, { 'x-api-key': 'attacker-key' });
  });
});

describe('upstream sessions held for stateless subjects', () => {
  it('are let go from the subject that holds the most when the table is full, never from another', async () => {
    const gw = await start({ maxSessions: 4 });
    const up = upstream!;
    expect((await statelessCall(gw.url, 'victim-key', 1, 'victim', {})).status).toBe(200);
    expect(up.opened).toEqual(['victim-0']);

    // The attacker declares new capabilities on every call: an upstream session each.
    for (let i = 0; i < 10; i++) {
      const answer = await statelessCall(gw.url, 'attacker-key', 100 + i, 'attacker', { experimental: { [`n${i}`]: {} } });
      expect(answer.status, answer.text).toBe(200);
    }
    expect(up.opened.filter((id) => id.startsWith('attacker-'))).toHaveLength(10);
    // Its own least recently used ones went (the table holds four: the victim's and three of its
    // own); the victim's is still open and still used.
    expect(await waitUntil(() => up.deleted.filter((id) => id.startsWith('attacker-')).length === 7, 5_000)).toBe(true);
    expect(up.deleted).not.toContain('victim-0');
    expect((await statelessCall(gw.url, 'victim-key', 2, 'victim', {})).status).toBe(200);
    expect(up.opened.filter((id) => id.startsWith('victim-'))).toEqual(['victim-0']);
  });

  it('are bounded per subject: past sessions.maxPerSubject the subject gives up its own least recently used one', async () => {
    const gw = await start({ maxPerSubject: 2 });
    const up = upstream!;
    expect((await statelessCall(gw.url, 'victim-key', 1, 'victim', {})).status).toBe(200);
    for (let i = 0; i < 5; i++) expect((await statelessCall(gw.url, 'attacker-key', 100 + i, 'attacker', { experimental: { [`n${i}`]: {} } })).status).toBe(200);
    // Five opened, at most two held: three let go, in the order they were opened.
    expect(await waitUntil(() => up.deleted.length === 3, 5_000)).toBe(true);
    expect(up.deleted.filter((id) => id.startsWith('attacker-'))).toEqual(up.opened.filter((id) => id.startsWith('attacker-')).slice(0, 3));
    expect(up.deleted).not.toContain('victim-0');
  });
});
