// Upstream answers the gateway must not pass on: a 100 MiB JSON body and a 100 MiB single SSE
// event (larger than upstreams[].maxResponseBytes, once with a 1 MiB limit and once with the
// default 64 MiB), and JSON bodies that are not JSON. Each must come back as 502 with the
// JSON-RPC error -50201 for the request's id, with the gateway's memory bounded by the limit
// rather than by the answer, the upstream's connection cut early, and the next request fine.
// (401 and 500 from an upstream are covered in e2e/faults.test.ts.)
//
// The gateway runs in a child process of its own (support/gateway-process), so its memory is
// measured apart from the upstream writing 100 MiB; it serves the built package (pnpm -r build).
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { residentMemory, startFakeMcp, textResult, waitUntil, type FakeMcp } from '../support/fake-mcp.js';
import { INITIALIZE_PARAMS } from '../support/gateway.js';
import { drainOrClose } from '../support/drain.js';

const KEY = 'bad-answers-key';
const MiB = 1024 * 1024;
const HUGE = 100 * MiB;
const SMALL_LIMIT = 1 * MiB;
const DEFAULT_LIMIT = 64 * MiB;
const JSON_ONLY = 'application/json';
const BOTH = 'application/json, text/event-stream';
/**
 * Resident memory the gateway may gain over its baseline beyond the limit it holds: undici's
 * chunks and their decoded text on their way to the collector, and V8's young generation
 * growing under a fast stream (up to 2 x 16 MiB). Holding the whole 100 MiB answer (let alone
 * concatenating it) would exceed limit + this for either limit.
 */
const RSS_SLACK = 48 * MiB;
/**
 * Bytes the upstream may get written past the limit before the cut: the socket buffers between
 * it and the gateway (a few MiB each way on loopback) and what is in flight when the gateway aborts.
 */
const WRITE_SLACK = 24 * MiB;

interface Writer {
  written: number;
  closedAt: number | undefined;
  finished: boolean;
  socket: Socket;
}

let upstream: FakeMcp;
let gateway: GatewayProcess;
let session: string;
const writers: Writer[] = [];

/** Writes `head`, then `size` bytes of 'x' in 1 MiB chunks as fast as the socket takes them, then `tail`. */
async function writeHuge(res: ServerResponse, head: string, size: number, tail: string, headers: Record<string, string>): Promise<void> {
  const record: Writer = { written: 0, closedAt: undefined, finished: false, socket: res.socket as Socket };
  writers.push(record);
  res.once('close', () => {
    if (!res.writableFinished) record.closedAt = Date.now();
  });
  res.writeHead(200, headers);
  res.write(head);
  const chunk = Buffer.alloc(MiB, 'x');
  const started = Date.now();
  while (record.closedAt === undefined && record.written < size && Date.now() - started < 20_000) {
    record.written += chunk.length;
    if (!res.write(chunk)) {
      await drainOrClose(res);
    }
  }
  if (record.closedAt === undefined) {
    record.finished = true;
    res.end(tail);
  }
}

function gatewayOptions(url: string): GatewayOptions {
  return {
    auth: { mode: 'apiKey', apiKeys: [{ id: 'bad', key: KEY, tenant: 't' }] },
    policy: { default: 'allow' },
    // One fake behind two names: the same answers under a small and under the default limit.
    upstreams: [
      { name: 'small', url, timeoutMs: 10_000, maxResponseBytes: SMALL_LIMIT },
      { name: 'dflt', url, timeoutMs: 10_000 },
    ],
    routing: [
      { match: { tool: 'small.*' }, upstream: 'small' },
      { match: { tool: 'dflt.*' }, upstream: 'dflt' },
      { match: { method: '*' }, upstream: 'dflt' },
    ],
  };
}

interface Reply {
  status: number;
  type: string;
  text: string;
  elapsedMs: number;
}

async function call(id: string, name: string, accept: string): Promise<Reply> {
  const started = performance.now();
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept, 'x-api-key': KEY, 'mcp-session-id': session },
    body: JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } }),
    signal: AbortSignal.timeout(20_000),
  });
  const text = await response.text();
  return { status: response.status, type: response.headers.get('content-type')?.split(';')[0] ?? '', text, elapsedMs: performance.now() - started };
}

function expectBadResponse(reply: Reply, id: string): string {
  expect({ status: reply.status, type: reply.type }, reply.text.slice(0, 500)).toEqual({ status: 502, type: 'application/json' });
  const body = JSON.parse(reply.text) as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
  expect(Object.keys(body).sort()).toEqual(['error', 'id', 'jsonrpc']);
  expect(body.id).toBe(id);
  expect(body.error.code).toBe(-50201);
  return body.error.message;
}

async function expectStillServes(): Promise<void> {
  for (const [name, accept] of [['dflt.hello', JSON_ONLY], ['small.hello', BOTH]] as const) {
    const reply = await call('ok', name, accept);
    expect(reply.status, reply.text).toBe(200);
    const message = reply.type === 'text/event-stream' ? /^data: (.*)$/m.exec(reply.text)![1]! : reply.text;
    expect(JSON.parse(message)).toEqual({ jsonrpc: '2.0', id: 'ok', result: { content: [{ type: 'text', text: 'hello' }] } });
  }
}

/** Samples the gateway's resident memory every 20 ms while `work` runs; returns its result and the peak. */
async function withPeakMemory<T>(work: () => Promise<T>): Promise<{ result: T; baseline: number; peak: number }> {
  const pid = gateway.child.pid!;
  const baseline = (await residentMemory(pid)).rss;
  let peak = baseline;
  let running = true;
  const sampler = (async () => {
    while (running) {
      peak = Math.max(peak, (await residentMemory(pid)).rss);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  try {
    return { result: await work(), baseline, peak };
  } finally {
    running = false;
    await sampler;
  }
}

beforeAll(async () => {
  upstream = await startFakeMcp((call, _req, res) => {
    const kind = call.name.slice(call.name.indexOf('.') + 1);
    const jsonHead = `{"jsonrpc":"2.0","id":${JSON.stringify(call.id)},"result":{"content":[{"type":"text","text":"`;
    const jsonTail = '"}]}}';
    switch (kind) {
      case 'json100':
        void writeHuge(res, jsonHead, HUGE, jsonTail, { 'content-type': 'application/json', 'content-length': String(jsonHead.length + HUGE + jsonTail.length) });
        return;
      case 'sse100':
        void writeHuge(res, `event: message\ndata: ${jsonHead}`, HUGE, `${jsonTail}\n\n`, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
        return;
      case 'truncated-json':
        // Complete at the HTTP level (the length is right), but not JSON.
        res.writeHead(200, { 'content-type': 'application/json' }).end(`{"jsonrpc":"2.0","id":${JSON.stringify(call.id)},"result":{"content":[`);
        return;
      case 'html':
        res.writeHead(200, { 'content-type': 'application/json' }).end('<html><body>502 Bad Gateway</body></html>');
        return;
      case 'empty':
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '0' }).end();
        return;
      default:
        res.writeHead(200, { 'content-type': 'application/json' }).end(textResult(call.id, 'hello'));
    }
  });
  gateway = await startGatewayProcess(gatewayOptions(upstream.url));
  const response = await fetch(gateway.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: JSON_ONLY, 'x-api-key': KEY },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: INITIALIZE_PARAMS }),
  });
  session = response.headers.get('mcp-session-id') ?? '';
  await response.text();
  if (response.status !== 200 || session === '') throw new Error(`initialize failed: ${response.status}`);
  // Warm the paths up before any baseline is taken.
  for (let i = 0; i < 10; i++) await expectStillServes();
});

afterAll(async () => {
  await gateway?.stop();
  await upstream?.close();
});

describe('an answer larger than upstreams[].maxResponseBytes', () => {
  it.each([
    { what: 'a 100 MiB JSON body', kind: 'json100', name: 'small', limit: SMALL_LIMIT, accept: JSON_ONLY },
    { what: 'a 100 MiB JSON body', kind: 'json100', name: 'dflt', limit: DEFAULT_LIMIT, accept: BOTH },
    { what: 'a 100 MiB single SSE event', kind: 'sse100', name: 'small', limit: SMALL_LIMIT, accept: BOTH },
    { what: 'a 100 MiB single SSE event', kind: 'sse100', name: 'dflt', limit: DEFAULT_LIMIT, accept: JSON_ONLY },
  ] as const)('$what, limit $limit bytes: 502 -50201, memory bounded by the limit, upstream cut', async ({ kind, name, limit, accept }) => {
    const before = writers.length;
    const id = `${name}-${kind}`;
    const { result: reply, baseline, peak } = await withPeakMemory(() => call(id, `${name}.${kind}`, accept));
    const message = expectBadResponse(reply, id);
    expect(message).toContain('maxResponseBytes');
    // Reading up to the limit takes time linear in it (an event parser that rescanned what it
    // holds on every chunk took minutes for 64 MiB).
    expect(reply.elapsedMs).toBeLessThan(10_000);
    expect(writers.length).toBe(before + 1);
    const writer = writers[before]!;
    // The gateway aborted the upstream's answer: its connection closes, well before 100 MiB.
    expect(await waitUntil(() => writer.closedAt !== undefined && writer.socket.destroyed, 3_000)).toBe(true);
    expect(writer.finished).toBe(false);
    expect(writer.written).toBeLessThan(Math.min(HUGE, limit + WRITE_SLACK));
    console.info(
      `${kind} via ${name} (limit ${limit / MiB} MiB): 502 after ${Math.round(reply.elapsedMs)} ms; upstream wrote ${(writer.written / MiB).toFixed(0)} of ${HUGE / MiB} MiB; ` +
        `gateway RSS ${(baseline / MiB).toFixed(1)} → peak ${(peak / MiB).toFixed(1)} MiB`,
    );
    expect(peak - baseline).toBeLessThan(limit + RSS_SLACK);
    await expectStillServes();
  });

  it('lets nothing of those answers stay behind in the gateway', async () => {
    const report = await gateway.report();
    // A few MiB of code, pools and one session; a retained 64 MiB answer would dwarf it.
    expect(report.heapUsed).toBeLessThan(32 * MiB);
    expect(report.sessionCount).toBe(1);
  });
});

describe('a JSON answer that is not JSON', () => {
  it.each([
    ['cut short (complete at the HTTP level)', 'truncated-json'],
    ['an HTML error page labelled application/json', 'html'],
    ['empty', 'empty'],
  ] as const)('%s is 502 -50201 with the request id, whatever the client accepts', async (_label, kind) => {
    for (const accept of [JSON_ONLY, BOTH, 'text/event-stream']) {
      const id = `${kind}-${accept}`;
      const reply = await call(id, `dflt.${kind}`, accept);
      expectBadResponse(reply, id);
    }
    await expectStillServes();
  });
});
