// Backpressure on an SSE answer: an upstream answers a tools/call with events written as fast as
// its socket takes them (up to 200 MB or 20 s), and the client reads slowly, over a raw socket
// it reads a little at a time. The gateway must pause the upstream rather than queue what the
// client cannot take: the upstream's writes block and what it managed to write stays far below
// what it wanted, the gateway's memory stays flat, the events that do arrive are whole and in
// order, and when the client goes, the upstream's connection is closed and the gateway serves on.
//
// The gateway runs in a child process of its own (support/gateway-process), so its memory is
// measured apart from the upstream and the client; it serves the built package (pnpm -r build).
import { connect, type Socket } from 'node:net';
import type { ServerResponse } from 'node:http';
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { residentMemory, startFakeMcp, textResult, waitUntil, type FakeMcp } from '../support/fake-mcp.js';
import { INITIALIZE_PARAMS } from '../support/gateway.js';
import { drainOrClose } from '../support/drain.js';

const KEY = 'backpressure-key';
const MiB = 1024 * 1024;
/** What the upstream wants to send: far more than any buffer between it and the client. */
const WANTED_BYTES = 200 * 1000 * 1000;
/** ...and for how long at most, so the test ends even if nothing pushes back. */
const FLOOD_LIMIT_MS = 20_000;
/** Padding of each event, so the flood is a few thousand writes rather than millions. */
const EVENT_PADDING = 16 * 1024;
/** How long the client reads nothing at all. */
const STALL_MS = 2_500;
/** Then it reads this much every SLOW_TICK_MS, for SLOW_READ_MS. */
const SLOW_READ_BYTES = 64 * 1024;
const SLOW_TICK_MS = 50;
const SLOW_READ_MS = 1_500;

/**
 * Bytes the upstream may get written while the client reads nothing. Between them lie four
 * socket buffers on loopback (upstream send, gateway receive, gateway send, client receive, each
 * autotuned up to a few MiB) and the gateway's own response buffer (one undici chunk past its
 * 16 KiB mark). A gateway that reads on regardless lets the upstream write all 200 MB in well
 * under STALL_MS.
 */
const STALLED_WRITE_BOUND = 48 * MiB;
/**
 * Growth of the gateway's resident memory over its warmed-up baseline allowed during the flood.
 * Measured: 10 to 35 MiB, nearly all of it V8's young generation growing under a fast stream of
 * short-lived strings (the heap after a collection moves by under 1 MiB). A gateway that queued
 * the flood for the client would hold over 100 MiB.
 */
const RSS_GROWTH_BOUND = 64 * MiB;

interface Flood {
  /** Bytes handed to res.write. */
  written: number;
  /** How many writes returned false (the socket pushed back). */
  blocked: number;
  /** True while the writer waits for 'drain'. */
  waiting: boolean;
  events: number;
  res: ServerResponse;
  socket: Socket;
  /** When the upstream's response closed before it finished (the gateway cut it); undefined while open. */
  closedAt: number | undefined;
  finished: boolean;
}

let upstream: FakeMcp;
let gateway: GatewayProcess;
const floods: Flood[] = [];

function eventFor(seq: number): string {
  const message = { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: { seq, padding: 'x'.repeat(EVENT_PADDING) } } };
  return `event: message\ndata: ${JSON.stringify(message)}\n\n`;
}

/**
 * Writes events as fast as the socket takes them, waiting for 'drain' when it pushes back; a
 * call's flood ends with the call's response, a GET stream's just ends.
 */
async function flood(id: string | number | undefined, res: ServerResponse, record: Flood): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const started = Date.now();
  res.once('close', () => {
    if (!res.writableFinished) record.closedAt = Date.now();
  });
  while (record.closedAt === undefined && record.written < WANTED_BYTES && Date.now() - started < FLOOD_LIMIT_MS) {
    const event = eventFor(record.events++);
    record.written += Buffer.byteLength(event);
    if (!res.write(event)) {
      record.blocked++;
      record.waiting = true;
      // Waits for 'drain' or the close, looking at the clock now and then, so the flood is bounded.
      while (res.writableNeedDrain && record.closedAt === undefined && Date.now() - started < FLOOD_LIMIT_MS) {
        await drainOrClose(res);
      }
      record.waiting = false;
    }
  }
  if (record.closedAt === undefined) {
    record.finished = true;
    res.end(id === undefined ? undefined : `event: message\ndata: ${textResult(id, 'flood over')}\n\n`);
  }
}

function gatewayOptions(url: string): GatewayOptions {
  return {
    auth: { mode: 'apiKey', apiKeys: [{ id: 'bp', key: KEY, tenant: 't' }] },
    policy: { default: 'allow' },
    upstreams: [{ name: 'flood', url, timeoutMs: 5_000 }],
  };
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; session: string | null; text: string }> {
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'x-api-key': KEY, ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  return { status: response.status, session: response.headers.get('mcp-session-id'), text: await response.text() };
}

async function openSession(): Promise<string> {
  const answer = await post({ jsonrpc: '2.0', id: 0, method: 'initialize', params: INITIALIZE_PARAMS });
  if (answer.status !== 200 || !answer.session) throw new Error(`initialize failed: ${answer.status} ${answer.text}`);
  return answer.session;
}

/** An ordinary call through the gateway, answered at once by the upstream. */
async function expectStillServes(session: string): Promise<void> {
  const answer = await post({ jsonrpc: '2.0', id: 'after', method: 'tools/call', params: { name: 'flood.hello', arguments: {} } }, { accept: 'application/json', 'mcp-session-id': session });
  expect(answer.status, answer.text).toBe(200);
  expect(JSON.parse(answer.text)).toEqual({ jsonrpc: '2.0', id: 'after', result: { content: [{ type: 'text', text: 'hello' }] } });
}

/**
 * A client on a raw socket that reads only when told to: no 'data' listener, so the socket
 * stops taking bytes from the kernel once its small buffer is full.
 */
class SlowClient {
  readonly socket: Socket;
  received = Buffer.alloc(0);
  private bytes = 0;

  constructor(port: number, session: string, kind: 'call' | 'stream') {
    this.socket = connect({ host: '127.0.0.1', port });
    this.socket.on('error', () => undefined);
    const head = [`Host: 127.0.0.1:${port}`, `X-Api-Key: ${KEY}`, `Mcp-Session-Id: ${session}`];
    if (kind === 'stream') {
      this.socket.write(['GET /mcp HTTP/1.1', ...head, 'Accept: text/event-stream', '', ''].join('\r\n'));
      return;
    }
    const body = JSON.stringify({ jsonrpc: '2.0', id: 'flood-1', method: 'tools/call', params: { name: 'flood.firehose', arguments: {} } });
    const lines = ['POST /mcp HTTP/1.1', ...head, 'Content-Type: application/json', 'Accept: application/json, text/event-stream', `Content-Length: ${Buffer.byteLength(body)}`];
    this.socket.write([...lines, '', body].join('\r\n'));
  }

  /** Takes up to `max` bytes of what the socket holds now; returns how many. */
  take(max: number): number {
    const available = Math.min(max, this.socket.readableLength);
    if (available === 0) {
      // Nothing buffered: a zero-length read asks the socket to fetch more from the kernel.
      this.socket.read(0);
      return 0;
    }
    const chunk = this.socket.read(available) as Buffer | null;
    if (!chunk) return 0;
    this.bytes += chunk.length;
    // Only the head and the first events are kept, to check them; the rest is counted.
    if (this.received.length < 4 * MiB) this.received = Buffer.concat([this.received, chunk]);
    return chunk.length;
  }

  get total(): number {
    return this.bytes;
  }
}

/** Samples a process's resident memory until stopped; returns the highest reading. */
function sampleMemory(pid: number): { stop(): Promise<number> } {
  let peak = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      peak = Math.max(peak, (await residentMemory(pid)).rss);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return peak;
    },
  };
}

beforeAll(async () => {
  upstream = await startFakeMcp((call, _req, res) => {
    if (call.name === 'flood.firehose') {
      const record: Flood = { written: 0, blocked: 0, waiting: false, events: 0, res, socket: res.socket as Socket, closedAt: undefined, finished: false };
      floods.push(record);
      void flood(call.id, res, record);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(textResult(call.id, 'hello'));
  }, (req, res) => {
    if (req.method === 'DELETE') return void res.writeHead(200).end();
    // The session's GET stream: the same flood, outside any request.
    const record: Flood = { written: 0, blocked: 0, waiting: false, events: 0, res, socket: res.socket as Socket, closedAt: undefined, finished: false };
    floods.push(record);
    void flood(undefined, res, record);
  });
  gateway = await startGatewayProcess(gatewayOptions(upstream.url));
});

afterAll(async () => {
  await gateway?.stop();
  await upstream?.close();
});

describe('an SSE flood to a client that reads slowly', () => {
  it.each([
    ['the answer to a tools/call', 'call'],
    ['the GET stream', 'stream'],
  ] as const)('%s: the upstream is paused, the gateway stays flat, events arrive whole and in order, the upstream is closed when the client goes', async (_label, kind) => {
    const pid = gateway.child.pid!;
    const session = await openSession();
    const floodsBefore = floods.length;
    // Warm the paths up, then take the baseline.
    for (let i = 0; i < 20; i++) await expectStillServes(session);
    const baseline = (await residentMemory(pid)).rss;
    const heapBefore = (await gateway.report()).heapUsed;
    const memory = sampleMemory(pid);

    const client = new SlowClient(Number(new URL(gateway.origin).port), session, kind);
    try {
      // The head and a first taste of the stream.
      expect(await waitUntil(() => floods.length === floodsBefore + 1 && client.take(16 * 1024) >= 0 && client.received.includes('\r\n\r\n'), 5_000)).toBe(true);
      const head = client.received.subarray(0, client.received.indexOf('\r\n\r\n')).toString('latin1');
      expect(head).toMatch(/^HTTP\/1\.1 200 /);
      expect(head.toLowerCase()).toContain('content-type: text/event-stream');
      const record = floods[floodsBefore]!;

      // Phase 1: the client reads nothing. The upstream soon writes into a full socket and waits.
      await new Promise((resolve) => setTimeout(resolve, STALL_MS - 1_000));
      const writtenAt1 = record.written;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const stalled = { written: record.written, blocked: record.blocked, waiting: record.waiting, grewInLastSecond: record.written - writtenAt1 };
      expect(stalled.blocked).toBeGreaterThan(0);
      expect(stalled.waiting).toBe(true);
      expect(stalled.written).toBeLessThan(STALLED_WRITE_BOUND);
      // Not a trickle either: the upstream stands still while nobody reads.
      expect(stalled.grewInLastSecond).toBeLessThan(MiB);

      // Phase 2: the client reads a little at a time; the upstream moves on by about as much.
      const readFrom = client.total;
      const started = Date.now();
      while (Date.now() - started < SLOW_READ_MS) {
        client.take(SLOW_READ_BYTES);
        await new Promise((resolve) => setTimeout(resolve, SLOW_TICK_MS));
      }
      const slowRead = client.total - readFrom;
      const slowWritten = record.written - stalled.written;
      expect(slowRead).toBeGreaterThan(0);
      expect(record.written).toBeLessThan(STALLED_WRITE_BOUND + slowRead);
      expect(record.closedAt).toBeUndefined();

      // What arrived is whole events, in order, none lost or merged under pressure.
      const text = client.received.toString('utf8');
      const body = text.slice(text.indexOf('\r\n\r\n') + 4);
      const seqs = [...body.matchAll(/"seq":(\d+),"padding":"x+"\}\}\}\n\n/g)].map((match) => Number(match[1]));
      expect(seqs.length).toBeGreaterThan(10);
      expect(seqs).toEqual(seqs.map((_, index) => index));

      // Phase 3: the client goes away; the gateway closes the upstream's connection.
      const leftAt = Date.now();
      client.socket.destroy();
      expect(await waitUntil(() => record.closedAt !== undefined, 3_000)).toBe(true);
      const closeDelayMs = record.closedAt! - leftAt;
      expect(await waitUntil(() => record.socket.destroyed, 2_000)).toBe(true);
      expect(record.finished).toBe(false);

      const peak = await memory.stop();
      const heapAfter = (await gateway.report()).heapUsed;
      console.info(
        `${kind} flood: upstream wanted ${WANTED_BYTES} bytes; wrote ${stalled.written} while the client read nothing (${stalled.blocked} blocked writes, ` +
          `${stalled.grewInLastSecond} in the last second), ${slowWritten} more while it read ${slowRead}; in all ${record.written} (${record.events} events). ` +
          `Gateway RSS baseline ${(baseline / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB; heap ${(heapBefore / MiB).toFixed(1)} → ${(heapAfter / MiB).toFixed(1)} MiB; ` +
          `upstream closed ${closeDelayMs} ms after the client left`,
      );
      expect(peak - baseline).toBeLessThan(RSS_GROWTH_BOUND);
      expect(heapAfter - heapBefore).toBeLessThan(4 * MiB);
    } finally {
      client.socket.destroy();
      await memory.stop();
    }

    // The gateway serves on, over a connection pool that lost one socket.
    await expectStillServes(session);
    const report = await gateway.report();
    expect(report.logs.error, report.logs.samples.join('\n')).toBe(0);
  });
});
