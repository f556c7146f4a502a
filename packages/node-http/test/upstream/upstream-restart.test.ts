import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOptions } from '@gw/core';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

// An upstream that loses its sessions (a restart, its own idle timeout) answers 404 to their
// ids. What the client sees for the message that met the 404, with sessions in memory and with
// upstream sessions a replica opened for itself under a sealed id.

const SECRET = 'upstream-restart-secret-0123456789abcdefghij';
const KEY = { 'x-api-key': 'acme-key' };

let math: UpstreamFixture;
let gate: Gate;
const gateways: RunningGateway[] = [];

/** A TCP door in front of an upstream: closed, it cuts every connection, as an upstream that is down. */
interface Gate {
  url: string;
  open: boolean;
  close(): Promise<void>;
}

async function startGate(target: string): Promise<Gate> {
  const { port: targetPort } = new URL(target);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    if (!gate.open) return client.destroy();
    const upstream = connect({ host: '127.0.0.1', port: Number(targetPort) });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('close', () => sockets.delete(socket));
    }
    client.pipe(upstream).pipe(client);
    client.once('close', () => upstream.destroy());
    upstream.once('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    open: true,
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function options(url: string, sessions?: GatewayOptions['sessions']): GatewayOptions {
  return {
    auth: { apiKeys: [{ id: 'acme-app', key: 'acme-key', tenant: 'acme', client: 'app' }] },
    policy: { rules: [{ subject: { tenant: 'acme' }, allow: { methods: ['*'], tools: ['*'] } }] },
    ...(sessions ? { sessions } : {}),
    upstreams: [{ name: 'math', url, timeoutMs: 10_000 }],
  };
}

async function gateway(url: string, sessions?: GatewayOptions['sessions']): Promise<RunningGateway> {
  const started = await startGateway(options(url, sessions), { logger: { debug() {}, info() {}, warn() {}, error() {} } });
  gateways.push(started);
  return started;
}

function call(id: number, name: string) {
  return { jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } };
}

function inSession(id: string) {
  return { ...KEY, 'mcp-session-id': id, accept: 'application/json' };
}

function counter(answer: { body: unknown }): string | undefined {
  return (answer.body as { result?: { content?: { text?: string }[] } }).result?.content?.[0]?.text;
}

/** Initializes seen by the upstream so far. */
function initializes(): number {
  return math.requests.filter((request) => (request.body as { method?: string } | undefined)?.method === 'initialize').length;
}

/**
 * Calls math.sample on an event stream and waits for the sampling request the upstream sends
 * through it; returns the id the client sees and the call's answer still streaming.
 */
async function sampling(url: string, session: string): Promise<{ id: string | number; call: Promise<string> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { ...KEY, 'mcp-session-id': session, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
    body: JSON.stringify(call(50, 'math.sample')),
  });
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the call ended before its sampling request: ${text}`);
    text += decoder.decode(value, { stream: true });
    const request = /data: (\{.*"sampling\/createMessage".*\})/.exec(text)?.[1];
    if (!request) continue;
    const rest = (async () => {
      for (;;) {
        const next = await reader.read();
        if (next.done) return text;
        text += decoder.decode(next.value, { stream: true });
      }
    })();
    return { id: (JSON.parse(request) as { id: string | number }).id, call: rest };
  }
}

const SAMPLED = { role: 'assistant', model: 'test-model', content: { type: 'text', text: 'late' } };

beforeAll(async () => {
  math = await startUpstream({ name: 'math' });
  gate = await startGate(math.url);
});

afterAll(async () => {
  await Promise.all(gateways.map((gw) => gw.close()));
  await gate?.close();
  await math?.close();
});

describe('sessions in memory, when the upstream loses its session', () => {
  it('sends the request that met the 404 again on a new upstream session: the client gets its answer', async () => {
    const gw = await gateway(math.url);
    const id = await openSession(gw.url, KEY);
    expect(counter(await post(gw.url, call(1, 'math.counter'), inSession(id)))).toBe('1');
    expect(counter(await post(gw.url, call(2, 'math.counter'), inSession(id)))).toBe('2');
    const before = initializes();
    await math.dropSessions();
    const answered = await post(gw.url, call(3, 'math.counter'), inSession(id));
    expect(answered.status, answered.text).toBe(200);
    // A new upstream session: its state starts over.
    expect(counter(answered)).toBe('1');
    expect(initializes() - before).toBe(1);
  });

  it('does not send a client\'s answer to a server request again: the request it answers ended with the old session; 502, and the session goes on', async () => {
    const gw = await gateway(math.url);
    const id = await openSession(gw.url, KEY);
    const asked = await sampling(gw.url, id);
    await math.dropSessions();
    const before = initializes();
    const sent = math.requests.length;
    const answer = await post(gw.url, { jsonrpc: '2.0', id: asked.id, result: SAMPLED }, inSession(id));
    expect(answer.status, answer.text).toBe(502);
    expect(answer.body).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -50201 } });
    expect(answer.text).toContain('no longer knows');
    // The answer reached the old session once (its 404), and no new session heard it.
    const answers = math.requests.slice(sent).filter((request) => (request.body as { result?: unknown } | undefined)?.result !== undefined);
    expect(answers).toHaveLength(1);
    expect(initializes()).toBe(before);
    await asked.call;
    expect(counter(await post(gw.url, call(4, 'math.counter'), inSession(id)))).toBe('1');
  });
});

describe('sealed session ids, an upstream session the replica opened for itself', () => {
  it('is opened again and the request sent again, as in memory; the session goes on', async () => {
    const gw = await gateway(gate.url, { secrets: [SECRET] });
    gate.open = false;
    // Down at initialize: the id carries no session of it, so this replica opens its own.
    const id = await openSession(gw.url, KEY);
    gate.open = true;
    expect(counter(await post(gw.url, call(1, 'math.counter'), inSession(id)))).toBe('1');
    expect(counter(await post(gw.url, call(2, 'math.counter'), inSession(id)))).toBe('2');
    await math.dropSessions();
    const answered = await post(gw.url, call(3, 'math.counter'), inSession(id));
    expect(answered.status, answered.text).toBe(200);
    expect(counter(answered)).toBe('1');
    expect(counter(await post(gw.url, call(4, 'math.counter'), inSession(id)))).toBe('2');
  });
});
