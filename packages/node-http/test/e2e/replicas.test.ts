import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { FetchLike } from '@modelcontextprotocol/sdk/shared/transport.js';
import { CreateMessageRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INITIALIZE_PARAMS, openSession, post, startGateway } from '../support/gateway.js';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

// Two gateway processes with the same session secret, in front of the same SDK upstreams (math
// keeps sessions, docs keeps none), and one SDK client whose requests alternate between them,
// as behind a round-robin balancer without sticky sessions.

const SECRET = 'replicas-test-secret-0123456789abcdefghijkl';
const KEY = { 'x-api-key': 'acme-key' };

let math: UpstreamFixture;
let docs: UpstreamFixture;
let replicas: GatewayProcess[] = [];

function options(sessions: GatewayOptions['sessions'] = { secrets: [SECRET] }): GatewayOptions {
  return {
    auth: {
      apiKeys: [
        { id: 'acme-app', key: 'acme-key', tenant: 'acme', client: 'app' },
        { id: 'acme-other', key: 'acme-other-key', tenant: 'acme', client: 'app' },
      ],
    },
    policy: { rules: [{ subject: { tenant: 'acme' }, allow: { methods: ['*'], tools: ['*'] } }] },
    sessions,
    upstreams: [
      { name: 'math', url: math.url, timeoutMs: 5_000 },
      { name: 'docs', url: docs.url, timeoutMs: 5_000 },
    ],
    routing: [
      { match: { tool: 'docs.*' }, upstream: 'docs' },
      { match: { method: '*' }, upstream: 'math' },
    ],
  };
}

/** What a round-robin balancer in front of the replicas saw. */
interface Served {
  origin: string;
  method: string;
  body: string;
}

/** A fetch that sends each request to the next replica in turn, whatever URL the client targets. */
function roundRobin(origins: readonly string[]): { fetch: FetchLike; served: Served[] } {
  let next = 0;
  const served: Served[] = [];
  const fetchLike: FetchLike = (url, init) => {
    const origin = origins[next++ % origins.length]!;
    const target = new URL(url);
    target.host = new URL(origin).host;
    served.push({ origin, method: init?.method ?? 'GET', body: typeof init?.body === 'string' ? init.body : '' });
    return fetch(target, init);
  };
  return { fetch: fetchLike, served };
}

async function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport; served: Served[] }> {
  const balancer = roundRobin(replicas.map((replica) => replica.origin));
  const transport = new StreamableHTTPClientTransport(new URL(replicas[0]!.url), { fetch: balancer.fetch, requestInit: { headers: KEY } });
  const client = new Client({ name: 'replicas-client', version: '1.0.0' }, { capabilities: { sampling: {} } });
  await client.connect(transport);
  return { client, transport, served: balancer.served };
}

function text(result: unknown): string {
  return ((result as { content?: { text?: string }[] }).content ?? []).map((part) => part.text ?? '').join('');
}

function call(id: number, name: string, args: Record<string, unknown> = {}) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args } };
}

beforeAll(async () => {
  math = await startUpstream({ name: 'math' });
  docs = await startUpstream({ name: 'docs', stateless: true });
  replicas = await Promise.all([startGatewayProcess(options()), startGatewayProcess(options())]);
});

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.stop()));
  await math?.close();
  await docs?.close();
});

describe('two gateway processes serving one session alternately', () => {
  it('serves tools/list and calls on both upstreams, the stateful one counting across replicas', async () => {
    const opened = math.sessionIds().length;
    const { client, transport, served } = await connect();
    expect(client.getServerVersion()).toMatchObject({ name: 'mcp-gateway' });

    const tools = await client.listTools();
    expect(tools.tools.map((tool) => tool.name)).toContain('math.counter');
    const counts: string[] = [];
    for (let i = 0; i < 4; i++) {
      counts.push(text(await client.callTool({ name: 'math.counter', arguments: {} })));
      expect(text(await client.callTool({ name: 'docs.echo', arguments: { text: `hi ${i}` } }))).toBe(`hi ${i}`);
    }
    // One upstream session, opened at initialize, used by both replicas: its counter goes on.
    expect(counts).toEqual(['1', '2', '3', '4']);
    expect(math.sessionIds().length - opened).toBe(1);

    const calls = served.filter((request) => request.body.includes('"tools/call"'));
    expect(calls).toHaveLength(8);
    for (const replica of replicas) expect(calls.filter((request) => request.origin === replica.origin)).toHaveLength(4);

    const mathSession = text(await client.callTool({ name: 'math.session', arguments: {} }));
    expect(math.sessionIds()).toContain(mathSession);
    // The id carries the upstream session sealed: unreadable, and short enough for any header.
    const id = transport.sessionId!;
    expect(id).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(id.length).toBeLessThan(1_000);
    expect(Buffer.from(id, 'base64url').toString('latin1')).not.toContain(mathSession);
    await client.close();
  });

  it('routes the answer to a server-to-client request through the other replica back to the upstream that asked', async () => {
    const { client, served } = await connect();
    client.setRequestHandler(CreateMessageRequestSchema, async (request) => ({
      role: 'assistant',
      model: 'test-model',
      content: { type: 'text', text: `answered: ${(request.params.messages[0]?.content as { text?: string }).text}` },
    }));
    expect(text(await client.callTool({ name: 'math.sample', arguments: {} }))).toBe('answered: sample from math');
    const asked = served.find((request) => request.body.includes('"math.sample"'))!;
    const answered = served.find((request) => request.body.includes('"test-model"'))!;
    expect(answered.origin).not.toBe(asked.origin);
    await client.close();
  });

  it('delivers a cancellation sent to the other replica to the upstream working on the call', async () => {
    const [first, second] = replicas as [GatewayProcess, GatewayProcess];
    const session = await openSession(first.url, KEY);
    const headers = { ...KEY, 'mcp-session-id': session, 'mcp-protocol-version': INITIALIZE_PARAMS.protocolVersion };
    const before = math.aborted.length;
    const slow = post(first.url, call(41, 'math.slow', { ms: 3_000 }), headers);
    // Cancelled once the call is at the upstream (not after a fixed wait, which a busy machine outlasts).
    const arrived = () => math.requests.some((request) => (request.body as { id?: unknown; method?: unknown } | undefined)?.method === 'tools/call' && (request.body as { id?: unknown }).id === 41);
    for (let waited = 0; !arrived() && waited < 10_000; waited += 20) await new Promise((resolve) => setTimeout(resolve, 20));
    const cancel = await post(second.url, { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 41, reason: 'changed my mind' } }, headers);
    expect(cancel.status).toBe(202);
    const deadline = Date.now() + 2_000;
    while (math.aborted.length === before && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    // Seen before the slow call could end by itself (3 s) or its request was dropped.
    expect(math.aborted.length).toBe(before + 1);
    // A cancelled request is never answered by the upstream; its POST ends at the upstream timeout.
    void slow.catch(() => undefined);
  });

  it('ends the session on every replica after a DELETE on one of them', async () => {
    const { client, transport, served } = await connect();
    expect(text(await client.callTool({ name: 'math.counter', arguments: {} }))).toBe('1');
    const mathSession = text(await client.callTool({ name: 'math.session', arguments: {} }));
    const id = transport.sessionId!;
    await transport.terminateSession();
    const deleted = served.filter((request) => request.method === 'DELETE');
    expect(deleted).toHaveLength(1);
    expect(math.deletedSessionIds).toContain(mathSession);

    const headers = { ...KEY, 'mcp-session-id': id, accept: 'application/json' };
    // The replica that did not see the DELETE learns it from the upstream's 404.
    for (const replica of replicas) {
      const after = await post(replica.url, call(9, 'math.counter'), headers);
      expect(after.status).toBe(404);
      expect(after.body).toMatchObject({ id: 9, error: { code: -40400 } });
    }
    // Then both refuse the id outright, even for the upstream that keeps no sessions.
    for (const replica of replicas) {
      const after = await post(replica.url, call(10, 'docs.echo', { text: 'x' }), headers);
      expect(after.status).toBe(404);
    }
    await client.close();
  });

  it('answers 404 on every replica to another credential or a tampered id', async () => {
    const { client, transport } = await connect();
    const id = transport.sessionId!;
    const bytes = Buffer.from(id, 'base64url');
    bytes[bytes.length >> 1]! ^= 0x20;
    const tampered = bytes.toString('base64url');
    for (const replica of replicas) {
      const stolen = await post(replica.url, call(1, 'docs.echo', { text: 'x' }), { 'x-api-key': 'acme-other-key', 'mcp-session-id': id, accept: 'application/json' });
      expect(stolen.status).toBe(404);
      expect(stolen.body).toMatchObject({ id: 1, error: { code: -40400 } });
      const forged = await post(replica.url, call(2, 'docs.echo', { text: 'x' }), { ...KEY, 'mcp-session-id': tampered, accept: 'application/json' });
      expect(forged.status).toBe(404);
      expect(forged.body).toMatchObject({ id: 2, error: { code: -40400 } });
    }
    // The owner still uses it on both.
    expect(text(await client.callTool({ name: 'docs.echo', arguments: { text: 'mine' } }))).toBe('mine');
    expect(text(await client.callTool({ name: 'docs.echo', arguments: { text: 'mine' } }))).toBe('mine');
    await client.close();
  });

  it('opens the GET stream on a replica that never saw the session', async () => {
    const [first, second] = replicas as [GatewayProcess, GatewayProcess];
    const id = await openSession(first.url, KEY);
    const controller = new AbortController();
    const stream = await fetch(second.url, { headers: { ...KEY, 'mcp-session-id': id, accept: 'text/event-stream' }, signal: controller.signal });
    expect(stream.status).toBe(200);
    const reader = stream.body!.getReader();
    const decoder = new TextDecoder();
    let received = '';
    try {
      // Until the upstream's own GET is attached, a message sent outside a request has no stream to go to.
      const deadline = Date.now() + 5_000;
      // The read pending when the stream is aborted below rejects; nothing waits for it then.
      const read = () => {
        const next = reader.read();
        next.catch(() => undefined);
        return next;
      };
      let reading = read();
      while (!received.includes('outside the call') && Date.now() < deadline) {
        await post(first.url, call(1, 'math.broadcast', { text: 'outside the call' }), { ...KEY, 'mcp-session-id': id, accept: 'application/json' });
        const chunk = await Promise.race([reading, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 200))]);
        if (!chunk) continue;
        if (chunk.value) received += decoder.decode(chunk.value, { stream: true });
        if (chunk.done) break;
        reading = read();
      }
    } finally {
      controller.abort();
    }
    expect(received).toContain('"method":"notifications/message"');
    expect(received).toContain('outside the call');
  });

  it('ends a session whose stateful upstream restarted: 404, then a new initialize works', async () => {
    const [first, second] = replicas as [GatewayProcess, GatewayProcess];
    const id = await openSession(first.url, KEY);
    const headers = { ...KEY, 'mcp-session-id': id, accept: 'application/json' };
    expect((await post(second.url, call(1, 'math.counter'), headers)).body).toMatchObject({ result: { content: [{ text: '1' }] } });
    await math.dropSessions();
    const gone = await post(first.url, call(2, 'math.counter'), headers);
    expect(gone.status).toBe(404);
    const fresh = await openSession(second.url, KEY);
    expect((await post(first.url, call(3, 'math.counter'), { ...headers, 'mcp-session-id': fresh })).body).toMatchObject({ result: { content: [{ text: '1' }] } });
  });

  it('logged no error in either process', async () => {
    for (const replica of replicas) expect((await replica.report()).logs.error).toBe(0);
  });
});

/** A minimal upstream this test controls: whether it accepts initialize, and the session ids it issues. */
async function startFakeUpstream(sessionId: (n: number) => string): Promise<{ url: string; down: boolean; opened: string[]; deleted: string[]; close(): Promise<void> }> {
  const state = { down: false, opened: [] as string[], deleted: [] as string[] };
  const server = createServer((req, res) => {
    let raw = '';
    req.on('data', (chunk: Buffer) => (raw += chunk.toString('utf8')));
    req.on('end', () => {
      const session = req.headers['mcp-session-id'];
      if (req.method === 'DELETE') {
        state.deleted.push(String(session));
        return void res.writeHead(200).end();
      }
      const message = JSON.parse(raw) as { id?: number | string; method: string };
      if (message.method === 'initialize') {
        if (state.down) return void res.writeHead(503).end();
        const id = sessionId(state.opened.length);
        state.opened.push(id);
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': id });
        return void res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { protocolVersion: '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'fake', version: '1' } } }));
      }
      if (message.id === undefined) return void res.writeHead(202).end();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: { content: [{ type: 'text', text: String(session) }] } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/mcp`,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  });
}

function fakeOptions(fakeUrl: string): GatewayOptions {
  return {
    ...options(),
    upstreams: [
      { name: 'math', url: math.url, timeoutMs: 5_000 },
      { name: 'fake', url: fakeUrl, timeoutMs: 5_000 },
    ],
    routing: [
      { match: { tool: 'fake.*' }, upstream: 'fake' },
      { match: { method: '*' }, upstream: 'math' },
    ],
  };
}

describe('upstreams that do not fit in a sealed id', () => {
  it('leaves out an upstream that cannot be opened at initialize; each replica then opens its own', async () => {
    const fake = await startFakeUpstream((n) => `fake-${n}`);
    const warnings: string[] = [];
    const logger = { error: () => undefined, warn: (message: string) => void warnings.push(message), info: () => undefined, debug: () => undefined };
    const [a, b] = await Promise.all([startGateway(fakeOptions(fake.url), { logger }), startGateway(fakeOptions(fake.url), { logger })]);
    try {
      fake.down = true;
      const id = await openSession(a.url, KEY);
      expect(warnings).toEqual(['upstream not opened at initialize: left out of the sealed session id']);
      fake.down = false;
      const headers = { ...KEY, 'mcp-session-id': id, accept: 'application/json' };
      const onA = await post(a.url, call(1, 'fake.whoami'), headers);
      const onB = await post(b.url, call(2, 'fake.whoami'), headers);
      expect(onA.body).toMatchObject({ result: { content: [{ text: 'fake-0' }] } });
      expect(onB.body).toMatchObject({ result: { content: [{ text: 'fake-1' }] } });
      // The carried upstream is shared as always.
      expect((await post(a.url, call(3, 'math.counter'), headers)).body).toMatchObject({ result: { content: [{ text: '1' }] } });
      expect((await post(b.url, call(4, 'math.counter'), headers)).body).toMatchObject({ result: { content: [{ text: '2' }] } });
      // A replica shutting down closes the upstream sessions it opened for itself.
      await b.close();
      expect(fake.deleted).toEqual(['fake-1']);
    } finally {
      await Promise.all([a.close(), b.close()]);
      await fake.close();
    }
  });

  it('answers initialize 502 when the upstream session ids would make the id too long, and closes them', async () => {
    const fake = await startFakeUpstream((n) => `${n}-${'x'.repeat(7_000)}`);
    const gw = await startGateway(fakeOptions(fake.url));
    try {
      const answer = await post(gw.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: INITIALIZE_PARAMS }, { ...KEY, accept: 'application/json' });
      expect(answer.status).toBe(502);
      expect(answer.body).toMatchObject({ id: 0, error: { code: -50201 } });
      expect(answer.headers.get('mcp-session-id')).toBeNull();
      const deadline = Date.now() + 2_000;
      while (fake.deleted.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(fake.deleted).toEqual(fake.opened);
    } finally {
      await gw.close();
      await fake.close();
    }
  });
});

describe('sealed session ids in one process', () => {
  it('open after the secret is rotated while the old one is listed, and not once it is removed (503: this replica lacks the secret)', async () => {
    const OLD = SECRET;
    const NEW = 'replicas-test-secret-rotated-0123456789abcd';
    const before = await startGateway(options({ secrets: [OLD] }));
    const rotated = await startGateway(options({ secrets: [NEW, OLD] }));
    const after = await startGateway(options({ secrets: [NEW] }));
    try {
      const id = await openSession(before.url, KEY);
      const headers = { ...KEY, 'mcp-session-id': id, accept: 'application/json' };
      expect((await post(before.url, call(1, 'math.counter'), headers)).body).toMatchObject({ result: { content: [{ text: '1' }] } });
      expect((await post(rotated.url, call(2, 'math.counter'), headers)).body).toMatchObject({ result: { content: [{ text: '2' }] } });
      // A replica without the secret that sealed the id says so (503), and ends nothing.
      const refused = await post(after.url, call(3, 'math.counter'), headers);
      expect(refused.status).toBe(503);
      expect(refused.body).toMatchObject({ id: 3, error: { code: -50303 } });
      // Ids issued after the rotation are sealed with the new secret.
      const fresh = await openSession(rotated.url, KEY);
      expect((await post(after.url, call(4, 'math.counter'), { ...headers, 'mcp-session-id': fresh })).status).toBe(200);
      expect((await post(before.url, call(5, 'math.counter'), { ...headers, 'mcp-session-id': fresh })).status).toBe(503);
    } finally {
      await Promise.all([before.close(), rotated.close(), after.close()]);
    }
  });

  it('refuses an id past sessions.maxAgeMs and closes its upstream sessions', async () => {
    const gw = await startGateway(options({ secrets: [SECRET], maxAgeMs: 400 }));
    try {
      const id = await openSession(gw.url, KEY);
      const headers = { ...KEY, 'mcp-session-id': id, accept: 'application/json' };
      const mathSession = (await post(gw.url, call(1, 'math.session'), headers)).body as { result: { content: [{ text: string }] } };
      await new Promise((resolve) => setTimeout(resolve, 500));
      const expired = await post(gw.url, call(2, 'docs.echo', { text: 'x' }), headers);
      expect(expired.status).toBe(404);
      const deadline = Date.now() + 2_000;
      while (!math.deletedSessionIds.includes(mathSession.result.content[0].text) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(math.deletedSessionIds).toContain(mathSession.result.content[0].text);
    } finally {
      await gw.close();
    }
  });

  it('keeps the upstream sessions an id carries open when a replica shuts down', async () => {
    const gw = await startGateway(options());
    const id = await openSession(gw.url, KEY);
    const headers = { ...KEY, 'mcp-session-id': id, accept: 'application/json' };
    expect((await post(gw.url, call(1, 'math.counter'), headers)).status).toBe(200);
    const deletes = math.deletedSessionIds.length;
    await gw.close();
    expect(math.deletedSessionIds.length).toBe(deletes);
    // Another replica goes on with the session.
    const next = await startGateway(options());
    try {
      expect((await post(next.url, call(2, 'math.counter'), headers)).body).toMatchObject({ result: { content: [{ text: '2' }] } });
    } finally {
      await next.close();
    }
  });

  it('answers 404 to ids it never issued, whatever their shape', async () => {
    const gw = await startGateway(options());
    try {
      const real = await openSession(gw.url, KEY);
      const hostile = ['', 'A', real.slice(0, -2), `${real}x`, `${real}==`, real.replace(/[A-Za-z]/, '+'), 'A'.repeat(6_000), Buffer.alloc(24, 1).toString('base64url'), '../../etc/passwd', 'with spaces inside'];
      for (const id of hostile) {
        const answer = await post(gw.url, call(7, 'math.counter'), { ...KEY, 'mcp-session-id': id, accept: 'application/json' });
        expect([id.slice(0, 20), answer.status]).toEqual([id.slice(0, 20), 404]);
        expect(answer.body).toMatchObject({ id: 7, error: { code: -40400 } });
      }
      expect(gw.gateway.sessionCount).toBe(1);
    } finally {
      await gw.close();
    }
  });

  it('opens every upstream at initialize, so the id is complete', async () => {
    const gw = await startGateway(options());
    try {
      const opened = math.sessionIds().length;
      const answer = await post(gw.url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: INITIALIZE_PARAMS }, { ...KEY, accept: 'application/json' });
      expect(answer.status).toBe(200);
      expect(math.sessionIds().length).toBe(opened + 1);
      expect(answer.body).toMatchObject({ result: { capabilities: { tools: {} }, serverInfo: { name: 'mcp-gateway' } } });
    } finally {
      await gw.close();
    }
  });
});
