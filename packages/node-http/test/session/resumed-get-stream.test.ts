import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOptions } from '@gw/core';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

// Two gateway instances with the same session secret in front of two resumable upstreams (the
// official SDK server with an event store). The client's GET stream merges both upstreams'
// streams; a GET with Last-Event-ID, on either instance, resumes both.

const SECRET = 'resumed-get-stream-secret-0123456789abcdefgh';
const KEY = { 'x-api-key': 'acme-key' };

let math: UpstreamFixture;
let docs: UpstreamFixture;
let replicas: RunningGateway[] = [];

function options(): GatewayOptions {
  return {
    auth: { apiKeys: [{ id: 'acme-app', key: 'acme-key', tenant: 'acme', client: 'app' }] },
    policy: { rules: [{ subject: { tenant: 'acme' }, allow: { methods: ['*'], tools: ['*'] } }] },
    sessions: { secrets: [SECRET] },
    upstreams: [
      { name: 'math', url: math.url, timeoutMs: 10_000 },
      { name: 'docs', url: docs.url, timeoutMs: 10_000 },
    ],
    routing: [
      { match: { tool: 'docs.*' }, upstream: 'docs' },
      { match: { method: '*' }, upstream: 'math' },
    ],
  };
}

interface Event {
  id: string | undefined;
  data: string;
}

/** A GET stream read in the background: every event with its id, as the client saw it. */
interface OpenStream {
  status: number;
  events: Event[];
  text(): string;
  lastId(): string | undefined;
  close(): Promise<void>;
}

async function openGet(url: string, session: string, lastEventId?: string): Promise<OpenStream> {
  const controller = new AbortController();
  const headers: Record<string, string> = { ...KEY, 'mcp-session-id': session, accept: 'text/event-stream' };
  if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
  const response = await fetch(url, { headers, signal: controller.signal });
  const events: Event[] = [];
  const decoder = new TextDecoder();
  let buffered = '';
  const reading = (async () => {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      buffered += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffered.indexOf('\n\n')) !== -1) {
        const block = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const id = /^id: ?(.*)$/m.exec(block)?.[1];
        const data = /^data: ?(.*)$/m.exec(block)?.[1] ?? '';
        events.push({ id, data });
      }
    }
  })().catch(() => undefined);
  return {
    status: response.status,
    events,
    text: () => events.map((event) => event.data).join('\n'),
    lastId: () => [...events].reverse().find((event) => event.id !== undefined)?.id,
    async close() {
      controller.abort();
      await reading;
    },
  };
}

async function waitFor(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
}

let calls = 0;

/** Has an upstream send a log message on its GET stream, through either replica. */
async function broadcast(via: RunningGateway, session: string, upstream: 'math' | 'docs', text: string): Promise<void> {
  const answer = await post(via.url, { jsonrpc: '2.0', id: ++calls, method: 'tools/call', params: { name: `${upstream}.broadcast`, arguments: { text } } }, { ...KEY, 'mcp-session-id': session, accept: 'application/json' });
  expect(answer.status, answer.text).toBe(200);
}

beforeAll(async () => {
  math = await startUpstream({ name: 'math', resumable: true });
  docs = await startUpstream({ name: 'docs', resumable: true });
  replicas = await Promise.all([startGateway(options()), startGateway(options())]);
});

afterAll(async () => {
  await Promise.all(replicas.map((replica) => replica.close()));
  await math?.close();
  await docs?.close();
});

describe('a GET with Last-Event-ID on the merged stream', () => {
  it('resumes every upstream\'s stream from its own position, on either replica, and becomes the session\'s stream', async () => {
    const [first, second] = replicas as [RunningGateway, RunningGateway];
    const session = await openSession(first.url, KEY);

    const opened = await openGet(first.url, session);
    expect(opened.status).toBe(200);
    await broadcast(second, session, 'math', 'math one');
    await broadcast(first, session, 'docs', 'docs one');
    await waitFor(() => opened.text().includes('math one') && opened.text().includes('docs one'));
    expect(opened.text()).toContain('math one');
    expect(opened.text()).toContain('docs one');
    const seen = opened.lastId()!;
    expect(seen).toBeDefined();
    await opened.close();

    // Sent while the client has no stream: both upstreams keep them for a resumption.
    await broadcast(first, session, 'math', 'math two');
    await broadcast(second, session, 'docs', 'docs two');

    const resumed = await openGet(second.url, session, seen);
    expect(resumed.status).toBe(200);
    await waitFor(() => resumed.text().includes('math two') && resumed.text().includes('docs two'));
    expect(resumed.text()).toContain('math two');
    expect(resumed.text()).toContain('docs two');
    // Nothing the client had seen comes again.
    expect(resumed.text()).not.toContain('one');
    // It goes on as the session's stream: later messages of both upstreams arrive on it.
    await broadcast(first, session, 'math', 'math three');
    await broadcast(second, session, 'docs', 'docs three');
    await waitFor(() => resumed.text().includes('math three') && resumed.text().includes('docs three'));
    expect(resumed.text()).toContain('math three');
    expect(resumed.text()).toContain('docs three');
    const later = resumed.lastId()!;
    await resumed.close();

    await broadcast(second, session, 'docs', 'docs four');
    await broadcast(first, session, 'math', 'math four');
    const again = await openGet(first.url, session, later);
    await waitFor(() => again.text().includes('math four') && again.text().includes('docs four'));
    expect(again.text()).toContain('math four');
    expect(again.text()).toContain('docs four');
    expect(again.text()).not.toContain('three');
    await again.close();
  });

  it('resumes nothing of another session: its positions name other upstream sessions, so this one\'s streams start afresh', async () => {
    const [first, second] = replicas as [RunningGateway, RunningGateway];
    const other = await openSession(first.url, KEY);
    const otherStream = await openGet(first.url, other);
    await broadcast(first, other, 'math', 'secret of another session');
    await waitFor(() => otherStream.text().includes('secret of another session'));
    const foreign = otherStream.lastId()!;
    await otherStream.close();
    await broadcast(first, other, 'math', 'later secret');

    const mine = await openSession(second.url, KEY);
    const stream = await openGet(second.url, mine, foreign);
    expect(stream.status).toBe(200);
    await broadcast(second, mine, 'math', 'my own');
    await waitFor(() => stream.text().includes('my own'));
    expect(stream.text()).toContain('my own');
    expect(stream.text()).not.toContain('secret');
    await stream.close();
  });

  it('answers a Last-Event-ID this gateway did not give with 400 and a JSON-RPC error', async () => {
    const [first] = replicas as [RunningGateway, RunningGateway];
    const session = await openSession(first.url, KEY);
    for (const lastEventId of ['no-upstream-here', '~nosuch=AAAAAAAA.YQ', '~math=short.YQ', '~math=AAAAAAAA.YQ~math=AAAAAAAA.Yg', '~math=AAAAAAAA.YQ=', `~math=AAAAAAAA.${'YWFh'.repeat(600)}`, 'nosuch:1']) {
      const response = await fetch(first.url, { headers: { ...KEY, 'mcp-session-id': session, accept: 'text/event-stream', 'last-event-id': lastEventId } });
      expect(response.status, lastEventId).toBe(400);
      expect(await response.json(), lastEventId).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -40000 } });
    }
  });
});
