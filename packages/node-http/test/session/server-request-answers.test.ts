import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOptions } from '@gw/core';
import { startFederatedUpstream, type FederatedUpstream } from '../support/federated-upstream.js';
import { openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { readEventMessages } from '../support/listen-stream.js';
import { startRedis, type RedisFixture } from '../support/redis.js';
import { createRedisRateLimitStore } from '../../src/index.js';

// A server-to-client request (here alpha's elicitation) is answered to its upstream at most once:
// the client's second answer to the same request is refused, with session ids in memory and with
// sealed ones, and a client's answers count against its rate limit.

const KEY = 'answer-key';
const SECRET = 'a-session-secret-of-at-least-32-characters!';
let alpha: FederatedUpstream;
const gateways: RunningGateway[] = [];

beforeAll(async () => {
  alpha = await startFederatedUpstream({ name: 'alpha' });
});

afterAll(async () => {
  for (const gw of gateways) await gw.close();
  await alpha?.close();
});

async function gateway(extra: Partial<GatewayOptions> = {}, context: Parameters<typeof startGateway>[1] = {}): Promise<RunningGateway> {
  const gw = await startGateway({
    auth: { apiKeys: [{ key: KEY, tenant: 't' }] },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['*'] } }] },
    upstreams: [{ name: 'alpha', url: alpha.url, timeoutMs: 5_000 }],
    ...extra,
  }, context);
  gateways.push(gw);
  return gw;
}

interface Message {
  id?: string | number;
  method?: string;
  result?: { content?: { text?: string }[] };
  error?: { code: number; message: string };
}

/** POSTs a tools/call and reads its event stream; resolves with the first server request, and the call's end. */
async function callAsking(url: string, headers: Record<string, string>): Promise<{ question: Message; answer: Promise<Message> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: JSON.stringify({ jsonrpc: '2.0', id: 'call-1', method: 'tools/call', params: { name: 'ask', arguments: {} } }),
  });
  const messages: Message[] = [];
  let wake: (() => void) | undefined;
  const reading = readEventMessages(response, (message) => {
    messages.push(message as Message);
    wake?.();
  });
  while (!messages.some((message) => message.method === 'elicitation/create')) await new Promise<void>((resolve) => (wake = resolve));
  const question = messages.find((message) => message.method === 'elicitation/create')!;
  return { question, answer: reading.then(() => messages.find((message) => message.id === 'call-1')!) };
}

async function answerTwice(gw: RunningGateway): Promise<{ first: number; second: { status: number; body: unknown }; result: Message }> {
  const session = await openSession(gw.url, { 'x-api-key': KEY });
  const headers = { 'x-api-key': KEY, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
  const { question, answer } = await callAsking(gw.url, headers);
  const reply = (who: string) => ({ jsonrpc: '2.0', id: question.id, result: { action: 'accept', content: { who } } });
  const first = await post(gw.url, reply('bob'), headers);
  const result = await answer;
  const second = await post(gw.url, reply('mallory'), headers);
  return { first: first.status, second, result };
}

describe('answers to server requests', () => {
  it('in-memory sessions: the second answer to one request is refused; the first is the one the upstream heard', async () => {
    const { first, second, result } = await answerTwice(await gateway());
    expect(first).toBe(202);
    expect(result.result?.content?.[0]?.text).toBe('alpha heard accept:bob');
    expect(second.status).toBe(400);
    expect(second.body).toMatchObject({ error: { code: -32600 } });
  });

  it('sealed sessions: the same, on the replica that took the first answer', async () => {
    const { first, second, result } = await answerTwice(await gateway({ sessions: { secrets: [SECRET] } }));
    expect(first).toBe(202);
    expect(result.result?.content?.[0]?.text).toBe('alpha heard accept:bob');
    expect(second.status).toBe(400);
    expect(second.body).toMatchObject({ error: { code: -32600 } });
  });

  it('a client\'s answers count against its rate limit (under "response")', async () => {
    const gw = await gateway({ rateLimit: { defaultRpm: 1000, byMethod: { response: 3 } } });
    const session = await openSession(gw.url, { 'x-api-key': KEY });
    const headers = { 'x-api-key': KEY, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(gw.url, { jsonrpc: '2.0', id: `nobody-asked-${i}`, result: {} }, headers)).status);
    // Three answers to nothing are refused as such; then the limit refuses them before anything is looked up.
    expect(statuses).toEqual([400, 400, 400, 429, 429]);
  });
});

describe('answers to server requests across replicas', () => {
  let redis: RedisFixture | undefined;
  afterAll(async () => {
    await redis?.stop();
  });

  it('with sealed ids and a shared Redis, an answer taken by one replica is refused by every replica after', async () => {
    redis = await startRedis();
    const replica = async () => gateway({ sessions: { secrets: [SECRET] } }, { rateLimitStore: await createRedisRateLimitStore({ url: redis!.url }) });
    const [a, b] = [await replica(), await replica()];
    const session = await openSession(a.url, { 'x-api-key': KEY });
    const headers = { 'x-api-key': KEY, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' };
    const { question, answer } = await callAsking(a.url, headers);
    const reply = (who: string) => ({ jsonrpc: '2.0', id: question.id, result: { action: 'accept', content: { who } } });
    // The answer goes through the other replica, as a round-robin balancer may send it.
    expect((await post(b.url, reply('bob'), headers)).status).toBe(202);
    expect((await answer).result?.content?.[0]?.text).toBe('alpha heard accept:bob');
    for (const replayed of [a, b]) {
      const again = await post(replayed.url, reply('mallory'), headers);
      expect(again.status).toBe(400);
      expect(again.body).toMatchObject({ error: { code: -32600 } });
    }
  });
});
