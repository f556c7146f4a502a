// Session isolation under load: CLIENTS clients, each in its own session with its own API key,
// run against one gateway in front of two real SDK upstreams at once (one answering with SSE,
// one with JSON, so both relay paths are loaded). Every answer must be the asking client's own:
// the id it sent (each client numbers from 0, as the SDK does, so the same ids are in flight in
// many sessions at once), the text it asked to echo, the session id it holds, and a per-upstream-session
// counter that counts 1..ROUNDS exactly (a shared or reopened upstream session would skip or
// restart it). Then every session is deleted, and nothing may be left: no gateway session, no
// upstream session, and no heap growth beyond a stated margin.
//
// The clients speak the protocol over raw HTTP (one undici Pool, a connection per client) as the
// SDK client does, rather than as CLIENTS SDK Client instances, which would cost the run most
// of its time in the load generator.
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GatewayOptions } from '@gw/core';
import { startGatewayProcess, type GatewayProcess, type GatewayReport } from '../support/gateway-process.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

const CLIENTS = 500;
const ROUNDS = 5;
/** Clients of the warm-up: enough to compile the hot paths and learn both upstreams' profiles. */
const WARMUP_CLIENTS = 50;
const PROTOCOL_VERSION = '2025-06-18';
const MiB = 1024 * 1024;

/**
 * Heap allowed to remain after the first load, over the warm-up's baseline. What legitimately
 * stays: the upstream pools' keep-alive sockets (up to 128 per upstream, 10 s idle timeout;
 * the warm-up needs far fewer), one rate-limit counter per client key and method (kept for its
 * 60 s window, with a timer each), and code optimized under load. That is 2 to 4 MiB; 10 MiB
 * leaves room for a busy machine. Anything per session or per request that is never released
 * shows in the second margin instead.
 */
const FIRST_LOAD_MARGIN = 10 * MiB;
/**
 * Heap allowed to grow over a second identical load: the sockets, counters (same keys) and code
 * of the first one are reused, so a run that releases everything stays flat (measured over six
 * loads in a row: within 0.3 MiB either way). Retaining every ended session somewhere (a leak
 * the session counts cannot see) adds about 1.4 MiB per load, measured by keeping them in
 * SessionStore.remove, and exceeds this, as does retaining ~120 bytes for each of the
 * CLIENTS * (2 + 2 * ROUNDS + 1) requests of a load.
 */
const SECOND_LOAD_MARGIN = 0.75 * MiB;

type JsonRpcMessage = { jsonrpc?: unknown; id?: unknown; result?: unknown; error?: unknown; method?: unknown };

interface Reply {
  status: number;
  sessionHeader: string | undefined;
  messages: JsonRpcMessage[];
  text: string;
}

/** The messages of an SSE body: each event's data lines joined, parsed as JSON. */
function sseMessages(text: string): JsonRpcMessage[] {
  const messages: JsonRpcMessage[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    const data = block
      .split(/\r?\n/)
      .filter((line) => line.startsWith('data:'))
      .map((line) => line.slice(line.startsWith('data: ') ? 6 : 5));
    if (data.length > 0) messages.push(JSON.parse(data.join('\n')) as JsonRpcMessage);
  }
  return messages;
}

/** A load generator: one keep-alive connection per client, as each SDK client would have its own. */
class Load {
  readonly pool: Pool;
  readonly errors: string[] = [];
  inFlight = 0;
  maxInFlight = 0;
  requests = 0;

  constructor(readonly gateway: GatewayProcess) {
    this.pool = new Pool(gateway.origin, { connections: CLIENTS, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  fail(what: string): void {
    this.errors.push(what);
  }

  async send(method: 'POST' | 'DELETE', headers: Record<string, string>, body?: unknown): Promise<Reply> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    this.requests++;
    try {
      const response = await this.pool.request({
        path: '/mcp',
        method,
        headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        headersTimeout: 15_000,
        bodyTimeout: 15_000,
      });
      const text = await response.body.text();
      const type = String(response.headers['content-type'] ?? '');
      const session = response.headers['mcp-session-id'];
      let messages: JsonRpcMessage[] = [];
      if (text.length > 0) messages = type.startsWith('text/event-stream') ? sseMessages(text) : [JSON.parse(text) as JsonRpcMessage].flat();
      return { status: response.statusCode, sessionHeader: typeof session === 'string' ? session : undefined, messages, text };
    } finally {
      this.inFlight--;
    }
  }
}

/** One client, speaking as the SDK's Streamable HTTP client does. */
class Client {
  sessionId = '';
  private nextId = 0;

  constructor(
    private readonly load: Load,
    private readonly label: string,
    private readonly apiKey: string,
    /** The upstream whose tools it calls: its prefix. */
    private readonly upstream: 'sse' | 'json',
  ) {}

  private headers(): Record<string, string> {
    const headers: Record<string, string> = { accept: 'application/json, text/event-stream', 'x-api-key': this.apiKey };
    if (this.sessionId) {
      headers['mcp-session-id'] = this.sessionId;
      headers['mcp-protocol-version'] = PROTOCOL_VERSION;
    }
    return headers;
  }

  private fail(what: string, reply?: Reply): false {
    this.load.fail(`${this.label}: ${what}${reply ? ` (HTTP ${reply.status}: ${reply.text.slice(0, 200)})` : ''}`);
    return false;
  }

  /** initialize, then notifications/initialized; false (with the error recorded) if either went wrong. */
  async open(): Promise<boolean> {
    const id = this.nextId++;
    const init = await this.load.send('POST', this.headers(), {
      jsonrpc: '2.0',
      id,
      method: 'initialize',
      params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: this.label, version: '1.0.0' } },
    });
    if (init.status !== 200 || !init.sessionHeader) return this.fail('initialize opened no session', init);
    const answer = init.messages[0];
    if (init.messages.length !== 1 || answer?.id !== id || typeof answer.result !== 'object') return this.fail('initialize answer is not its own', init);
    this.sessionId = init.sessionHeader;
    const initialized = await this.load.send('POST', this.headers(), { jsonrpc: '2.0', method: 'notifications/initialized' });
    if (initialized.status !== 202) return this.fail('notifications/initialized not accepted', initialized);
    if (initialized.sessionHeader !== this.sessionId) return this.fail(`notifications/initialized answered for session ${String(initialized.sessionHeader)}`);
    return true;
  }

  /** One tools/call; resolves with the text of its result, or undefined (error recorded). */
  private async call(tool: string, args: Record<string, unknown>): Promise<string | undefined> {
    const id = this.nextId++;
    const reply = await this.load.send('POST', this.headers(), { jsonrpc: '2.0', id, method: 'tools/call', params: { name: `${this.upstream}.${tool}`, arguments: args } });
    if (reply.status !== 200) return void this.fail(`${tool} #${id} failed`, reply);
    if (reply.sessionHeader !== this.sessionId) return void this.fail(`${tool} #${id} answered for session ${String(reply.sessionHeader)}`);
    // Exactly one message, the response to this request: anything else is someone else's.
    const answer = reply.messages[0];
    if (reply.messages.length !== 1 || answer?.id !== id) return void this.fail(`${tool} #${id} got messages with ids ${JSON.stringify(reply.messages.map((m) => m.id))}`, reply);
    const content = (answer.result as { content?: Array<{ type?: unknown; text?: unknown }> } | undefined)?.content;
    const text = content?.[0]?.text;
    if (answer.error !== undefined || typeof text !== 'string') return void this.fail(`${tool} #${id} has no text result`, reply);
    return text;
  }

  /** ROUNDS rounds of echo and counter, both in flight at once within a round. */
  async work(): Promise<void> {
    for (let round = 1; round <= ROUNDS; round++) {
      const mine = `${this.label} round ${round} ${this.sessionId}`;
      const [echoed, counted] = await Promise.all([this.call('echo', { text: mine }), this.call('counter', {})]);
      if (echoed !== undefined && echoed !== mine) this.fail(`round ${round}: echo returned "${echoed}"`);
      if (counted !== undefined && counted !== String(round)) this.fail(`round ${round}: counter is ${counted}, expected ${round}`);
      if (echoed === undefined || counted === undefined) return;
    }
  }

  async close(): Promise<void> {
    const reply = await this.load.send('DELETE', this.headers());
    if (reply.status !== 200) this.fail('DELETE failed', reply);
  }
}

const keyOf = (index: number): string => `load-key-${index}-0123456789abcdef`;

describe(`${CLIENTS} concurrent sessions through one gateway`, () => {
  let sse: UpstreamFixture;
  let json: UpstreamFixture;
  let gateway: GatewayProcess;

  beforeAll(async () => {
    [sse, json] = await Promise.all([startUpstream({ name: 'sse' }), startUpstream({ name: 'json', jsonResponse: true })]);
    const options: GatewayOptions = {
      // A key per client: CLIENTS subjects, each rate-limited and owning its sessions apart.
      auth: { apiKeys: Array.from({ length: CLIENTS }, (_, i) => ({ id: `k${i}`, key: keyOf(i), tenant: 'load', client: `c${i}` })) },
      policy: { default: 'deny', rules: [{ subject: { tenant: 'load' }, allow: { methods: ['tools/call'], tools: ['sse.*', 'json.*'] } }] },
      upstreams: [
        // The upstreams share their event loop with the load generator: on a loaded machine a
        // call waits long for it. What is pinned is whose answer arrives, not how fast.
        { name: 'sse', url: sse.url, timeoutMs: 60_000 },
        { name: 'json', url: json.url, timeoutMs: 60_000 },
      ],
      routing: [
        { match: { tool: 'sse.*' }, upstream: 'sse' },
        { match: { tool: 'json.*' }, upstream: 'json' },
      ],
    };
    gateway = await startGatewayProcess(options);
  }, 60_000);

  afterAll(async () => {
    await gateway?.stop();
    await Promise.all([sse?.close(), json?.close()]);
  });

  /**
   * One load: `count` clients open their sessions together, work their rounds concurrently,
   * then all delete their sessions. Returns the load generator's record and the gateway's report
   * taken before the DELETEs.
   */
  async function runLoad(count: number, tag: string): Promise<{ load: Load; during: GatewayReport; upstreamSessions: number; ms: number }> {
    const load = new Load(gateway);
    const started = performance.now();
    try {
      const clients = Array.from({ length: count }, (_, i) => new Client(load, `${tag}/c${i}`, keyOf(i), i % 2 === 0 ? 'sse' : 'json'));
      const opened = await Promise.all(
        clients.map((client) =>
          client.open().catch((error: unknown) => {
            load.fail(`initialize: ${String(error)}`);
            return false;
          }),
        ),
      );
      const working = clients.filter((_, i) => opened[i] === true);
      await Promise.all(working.map((client) => client.work().catch((error: unknown) => load.fail(`${client.sessionId}: ${String(error)}`))));
      // Every session is open here, and each holds exactly one upstream session.
      const during = await gateway.report();
      const upstreamSessions = sse.sessionIds().length + json.sessionIds().length;
      await Promise.all(working.map((client) => client.close().catch((error: unknown) => load.fail(`DELETE ${client.sessionId}: ${String(error)}`))));
      return { load, during, upstreamSessions, ms: performance.now() - started };
    } finally {
      // Closed before any heap reading, so the gateway's side of these sockets is gone too.
      await load.pool.close();
    }
  }

  it('keeps every session to itself, then releases all of them', async () => {
    // Warm-up: compiles the hot paths and learns both upstreams' profiles. Its sessions, opened
    // before any profile was known, each open both upstreams at initialize; from then on an
    // upstream session opens on first use, so every later session holds exactly one.
    const warmup = await runLoad(WARMUP_CLIENTS, 'warmup');
    expect(warmup.load.errors).toEqual([]);
    const baseline = await gateway.report();
    expect(baseline.sessionCount).toBe(0);

    const heaps: number[] = [];
    for (const tag of ['first', 'second']) {
      const { load, during, upstreamSessions, ms } = await runLoad(CLIENTS, tag);
      const after = await gateway.report();
      heaps.push(after.heapUsed);
      console.log(
        `${tag} load: ${CLIENTS} sessions, ${load.requests} requests in ${(ms / 1000).toFixed(2)} s (${Math.round((load.requests / ms) * 1000)}/s), ` +
          `up to ${load.maxInFlight} in flight; gateway heap ${(during.heapUsed / MiB).toFixed(1)} MiB with the sessions open, ` +
          `${(after.heapUsed / MiB).toFixed(1)} MiB after (baseline ${(baseline.heapUsed / MiB).toFixed(1)} MiB)`,
      );
      expect(load.errors.slice(0, 20)).toEqual([]);
      expect(load.errors).toHaveLength(0);
      expect(load.maxInFlight).toBeGreaterThanOrEqual(CLIENTS);
      expect(during.sessionCount).toBe(CLIENTS);
      expect(upstreamSessions).toBe(CLIENTS);
      // Every DELETE was answered after its upstream sessions were ended.
      expect(after.sessionCount).toBe(0);
      expect(sse.sessionIds()).toEqual([]);
      expect(json.sessionIds()).toEqual([]);
      expect(after.logs).toEqual({ error: 0, warn: 0, samples: [] });
    }

    const [first, second] = heaps as [number, number];
    console.log(`gateway heap after gc: +${((first - baseline.heapUsed) / MiB).toFixed(2)} MiB after the first load, ${second >= first ? '+' : ''}${((second - first) / MiB).toFixed(2)} MiB over the second`);
    expect(first - baseline.heapUsed).toBeLessThan(FIRST_LOAD_MARGIN);
    expect(second - first).toBeLessThan(SECOND_LOAD_MARGIN);
    // Three loads of thousands of requests: about 30 s on a quiet 2-core machine, twice that and more
    // beside another CPU-heavy process. The bound is there to stop a hang, not to time the gateway.
  }, 300_000);
});
