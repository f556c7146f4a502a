// No client can add a header line to what the gateway sends an upstream. node's parser refuses
// CR, LF and NUL in header values by default (e2e/hostile-input/campaign.test.ts covers that);
// here the gateway sits behind a server started with insecureHTTPParser, which lets obs-fold
// continuation lines, bare LFs and NULs through, and forwards a client header (x-trace-id) by
// configuration. The upstream's bytes, recorded on the wire, must hold only well-formed header
// lines, none of them the client's injected ones, and the client must get a JSON-RPC answer or
// error, never a 500.
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/index.js';
import { INITIALIZE_PARAMS } from '../support/gateway.js';
import { startRecordingProxy, type RecordingProxy } from '../support/recording-proxy.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

const KEY = 'injection-key';
let up: UpstreamFixture;
let proxy: RecordingProxy;
let gateway: Gateway;
let server: Server;
let port: number;
let session: string;
const bugs: string[] = [];

/** Sends raw bytes, returns the raw answer (the connection is closed by `Connection: close`). */
function raw(bytes: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5 s; got ${JSON.stringify(answer)}`));
    }, 5_000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => (answer += chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(answer);
    });
    socket.write(bytes, 'latin1');
  });
}

function postWith(extraHeaderLines: string, id: string): string {
  const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: 'up.echo', arguments: { text: id } } });
  return (
    `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json\r\nX-Api-Key: ${KEY}\r\n` +
    `Mcp-Session-Id: ${session}\r\n${extraHeaderLines}Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`
  );
}

/** The head of every request the upstream received, as header lines. */
function upstreamHeads(): string[][] {
  return [...proxy.sent().matchAll(/(?:POST|GET|DELETE) \/mcp HTTP\/1\.1\r\n([\s\S]*?)\r\n\r\n/g)].map((match) => match[1]!.split('\r\n'));
}

beforeAll(async () => {
  up = await startUpstream({ name: 'up', jsonResponse: true });
  proxy = await startRecordingProxy(Number(new URL(up.url).port));
  const options: GatewayOptions = {
    auth: { mode: 'apiKey', apiKeys: [{ id: 'inj', key: KEY, tenant: 't' }] },
    policy: { default: 'allow' },
    upstreams: [{ name: 'up', url: `http://127.0.0.1:${proxy.port}/mcp`, timeoutMs: 5_000 }],
    upstreamHeaders: { forward: ['accept', 'content-type', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id', 'x-trace-id'] },
  };
  gateway = createGateway(options, { logger: { error: (message) => void bugs.push(message), warn: () => undefined, info: () => undefined, debug: () => undefined } });
  server = createServer({ insecureHTTPParser: true }, gateway);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  const response = await fetch(`http://127.0.0.1:${port}/mcp`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', 'x-api-key': KEY },
    body: JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: INITIALIZE_PARAMS }),
  });
  session = response.headers.get('mcp-session-id') ?? '';
  await response.text();
  if (!session) throw new Error('initialize failed');
});

afterAll(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  await gateway?.close({ drainMs: 0 });
  await proxy?.close();
  await up?.close();
});

describe('headers forwarded to an upstream, behind a lenient HTTP parser', () => {
  const attempts = [
    ['an obs-fold continuation line', 'X-Trace-Id: t-1\r\n Injected-Fold: 1\r\n'],
    ['an obs-fold continuation with a tab', 'X-Trace-Id: t-2\r\n\tInjected-Tab: 1\r\n'],
    ['a bare LF inside the value', 'X-Trace-Id: t-3\nInjected-Lf: 1\r\n'],
    ['a NUL inside the value', 'X-Trace-Id: t-4\u0000Injected-Nul: 1\r\n'],
    ['a percent-encoded CRLF', 'X-Trace-Id: t-5%0d%0aInjected-Pct: 1\r\n'],
    ['a Unicode line separator', 'X-Trace-Id: t-6\u00e2\u0080\u00a8Injected-Ls: 1\r\n'],
  ] as const;

  it.each(attempts)('%s adds no header line upstream, and the client gets JSON-RPC, not a 500', async (_label, lines) => {
    const id = `inj-${lines.slice(12, 15)}`;
    const before = upstreamHeads().length;
    const answer = await raw(postWith(lines, id));
    const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1]);
    expect(status, answer).not.toBe(500);
    if (status !== 400 || answer.includes('{')) {
      // The gateway answered (not node's bare 400): a JSON-RPC message for this id.
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as { id: unknown; result?: unknown; error?: { code: number } };
      expect(body.id).toBe(id);
      expect(body.result !== undefined || typeof body.error?.code === 'number').toBe(true);
    }
    const heads = upstreamHeads().slice(before);
    for (const head of heads) {
      for (const line of head) {
        expect(line, JSON.stringify(line)).toMatch(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+: [^\r\n\0]*$/);
        expect(line.toLowerCase()).not.toMatch(/^injected/);
      }
      // The forwarded trace header is one line, whatever the client folded into it.
      expect(head.filter((line) => line.toLowerCase().startsWith('x-trace-id:')).length).toBeLessThanOrEqual(1);
    }
  });

  it('a NUL in a header of a GET stream request: the stream opens, the gateway survives and serves on', async () => {
    const answer = await new Promise<string>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      let text = '';
      socket.setEncoding('latin1');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('error', () => undefined);
      socket.write(`GET /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nAccept: text/event-stream\r\nX-Api-Key: ${KEY}\r\nMcp-Session-Id: ${session}\r\nX-Trace-Id: g\u0000Injected-Get: 1\r\n\r\n`, 'latin1');
      // The upstream's stream is refused at once; give the gateway time to trip over it, then leave.
      setTimeout(() => {
        socket.destroy();
        resolve(text);
      }, 300);
    });
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    const after = await raw(postWith('X-Trace-Id: after-get\r\n', 'after-get'));
    expect(after).toMatch(/^HTTP\/1\.1 200 /);
  });

  it('forwarded the plain header, so the ones above had a path to the upstream', async () => {
    const before = upstreamHeads().length;
    const answer = await raw(postWith('X-Trace-Id: plain-trace\r\n', 'plain'));
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(upstreamHeads().slice(before).flat()).toContain('x-trace-id: plain-trace');
    expect(bugs).toEqual([]);
  });
});
