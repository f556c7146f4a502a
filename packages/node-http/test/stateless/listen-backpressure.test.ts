// Backpressure on subscriptions/listen: a stateless (2026-07-28) upstream floods a listen with
// list-change notifications as fast as its socket takes them, and the client never reads. The
// gateway must pause the upstream rather than queue what the client cannot take: the upstream's
// writes block and what it managed to write stays far below what it wanted, and the gateway's
// memory stays flat. When the client goes, the upstream's listen is closed.
//
// The gateway runs in a child process of its own (support/gateway-process), so its memory is
// measured apart from the upstream and the client; it serves the built package (pnpm -r build).
// Bounded: the flood stops by itself after FLOOD_LIMIT_MS or WANTED_BYTES.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGatewayProcess, type GatewayProcess } from '../support/gateway-process.js';
import { residentMemory, waitUntil } from '../support/fake-mcp.js';
import { drainOrClose } from '../support/drain.js';

const KEY = 'listen-bp-key';
const VERSION = '2026-07-28';
const MiB = 1024 * 1024;
const WANTED_BYTES = 200 * 1000 * 1000;
const FLOOD_LIMIT_MS = 15_000;
const EVENT_PADDING = 16 * 1024;
/** How long the client reads nothing at all. */
const STALL_MS = 3_000;
/** Socket buffers between the upstream and a client that does not read (see upstream/backpressure.test.ts); a gateway that reads on regardless lets the upstream write all 200 MB. */
const STALLED_WRITE_BOUND = 48 * MiB;
/** Growth of the gateway's resident memory over its baseline allowed during the flood (see upstream/backpressure.test.ts). */
const RSS_GROWTH_BOUND = 64 * MiB;

interface Flood {
  written: number;
  blocked: number;
  waiting: boolean;
  closedAt: number | undefined;
}

const floods: Flood[] = [];
let upstream: Server;
let gateway: GatewayProcess;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
}

/** The listen: acknowledged, then list changes as fast as the socket takes them. */
async function flood(res: ServerResponse, record: Flood): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  res.write(`data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/subscriptions/acknowledged', params: { notifications: { toolsListChanged: true } } })}\n\n`);
  res.once('close', () => {
    if (!res.writableFinished) record.closedAt = Date.now();
  });
  const started = Date.now();
  let seq = 0;
  while (record.closedAt === undefined && record.written < WANTED_BYTES && Date.now() - started < FLOOD_LIMIT_MS) {
    const event = `data: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/tools/list_changed', params: { _meta: { seq: seq++, padding: 'x'.repeat(EVENT_PADDING) } } })}\n\n`;
    record.written += Buffer.byteLength(event);
    if (!res.write(event)) {
      record.blocked++;
      record.waiting = true;
      while (res.writableNeedDrain && record.closedAt === undefined && Date.now() - started < FLOOD_LIMIT_MS) await drainOrClose(res);
      record.waiting = false;
    }
  }
  if (record.closedAt === undefined) res.end();
}

/** A stateless upstream: refuses initialize naming its revision, answers server/discover, floods every listen. */
function handle(req: IncomingMessage, res: ServerResponse, text: string): void {
  if (req.method !== 'POST') return void res.writeHead(405).end();
  const message = JSON.parse(text) as { id?: unknown; method?: string };
  switch (message.method) {
    case 'initialize':
      return sendJson(res, 400, { jsonrpc: '2.0', id: message.id, error: { code: -32022, message: 'Unsupported protocol version', data: { supported: [VERSION], requested: '2025-06-18' } } });
    case 'server/discover':
      return sendJson(res, 200, { jsonrpc: '2.0', id: message.id, result: { supportedVersions: [VERSION], capabilities: { tools: { listChanged: true } } } });
    case 'subscriptions/listen': {
      const record: Flood = { written: 0, blocked: 0, waiting: false, closedAt: undefined };
      floods.push(record);
      void flood(res, record);
      return;
    }
    default:
      return sendJson(res, 200, { jsonrpc: '2.0', id: message.id, result: {} });
  }
}

/** A client that sends a listen over a raw socket and never reads what comes back. */
function stalledListen(port: number): Socket {
  const socket = connect({ host: '127.0.0.1', port });
  socket.on('error', () => undefined);
  const meta = { 'io.modelcontextprotocol/protocolVersion': VERSION, 'io.modelcontextprotocol/clientCapabilities': {} };
  const body = JSON.stringify({ jsonrpc: '2.0', id: 'listen-1', method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: meta } });
  const head = [
    'POST /mcp HTTP/1.1',
    `Host: 127.0.0.1:${port}`,
    `X-Api-Key: ${KEY}`,
    'Content-Type: application/json',
    'Accept: text/event-stream',
    `MCP-Protocol-Version: ${VERSION}`,
    'Mcp-Method: subscriptions/listen',
    `Content-Length: ${Buffer.byteLength(body)}`,
  ];
  socket.write([...head, '', body].join('\r\n'));
  return socket;
}

beforeAll(async () => {
  upstream = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => handle(req, res, Buffer.concat(chunks).toString('utf8')));
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  gateway = await startGatewayProcess({
    auth: { apiKeys: [{ key: KEY, tenant: 't' }] },
    policy: { default: 'allow' },
    upstreams: [{ name: 'flood', url: `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`, timeoutMs: 5_000 }],
  });
});

afterAll(async () => {
  await gateway?.stop();
  upstream?.closeAllConnections();
  await new Promise<void>((resolve) => upstream?.close(() => resolve()));
});

describe('subscriptions/listen to a client that never reads', () => {
  it('pauses a flooding upstream: its writes block, the gateway\'s memory stays flat, and the listen upstream closes when the client goes', async () => {
    const pid = gateway.child.pid!;
    const port = Number(new URL(gateway.origin).port);
    // Warm up: one listen read and closed, so the upstream's era is learned and the paths are compiled.
    const warm = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', 'x-api-key': KEY, 'mcp-protocol-version': VERSION, 'mcp-method': 'subscriptions/listen' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 'warm', method: 'subscriptions/listen', params: { notifications: { toolsListChanged: true }, _meta: { 'io.modelcontextprotocol/protocolVersion': VERSION, 'io.modelcontextprotocol/clientCapabilities': {} } } }),
      signal: AbortSignal.timeout(10_000),
    });
    expect(warm.status).toBe(200);
    await warm.body?.cancel();
    expect(await waitUntil(() => floods.length === 1 && floods[0]!.closedAt !== undefined, 5_000)).toBe(true);
    const baseline = (await residentMemory(pid)).rss;

    let peak = baseline;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        peak = Math.max(peak, (await residentMemory(pid)).rss);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    })();
    const client = stalledListen(port);
    try {
      expect(await waitUntil(() => floods.length === 2, 10_000)).toBe(true);
      const record = floods[1]!;
      await new Promise((resolve) => setTimeout(resolve, STALL_MS - 1_000));
      const writtenBefore = record.written;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      const stalled = { written: record.written, blocked: record.blocked, waiting: record.waiting, grewInLastSecond: record.written - writtenBefore };
      sampling = false;
      await sampler;
      console.info(
        `listen flood: upstream wanted ${WANTED_BYTES} bytes, wrote ${stalled.written} while the client read nothing (${stalled.blocked} blocked writes, ${stalled.grewInLastSecond} in the last second); ` +
          `gateway RSS baseline ${(baseline / MiB).toFixed(1)} MiB, peak ${(peak / MiB).toFixed(1)} MiB`,
      );
      expect(stalled.blocked).toBeGreaterThan(0);
      expect(stalled.waiting).toBe(true);
      expect(stalled.written).toBeLessThan(STALLED_WRITE_BOUND);
      expect(stalled.grewInLastSecond).toBeLessThan(MiB);
      expect(peak - baseline).toBeLessThan(RSS_GROWTH_BOUND);

      // The client goes: the gateway ends the upstream's listen.
      client.destroy();
      expect(await waitUntil(() => record.closedAt !== undefined, 5_000)).toBe(true);
    } finally {
      sampling = false;
      await sampler;
      client.destroy();
    }
    const report = await gateway.report();
    expect(report.logs.error, report.logs.samples.join('\n')).toBe(0);
  });
});
