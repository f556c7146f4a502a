// A configured upstream URL is the only place the gateway connects to. Decoy servers listen on
// other loopback ports, and clients and upstreams try every way of pointing the gateway at them:
// Host, an absolute-form request target, X-Forwarded-Host and Forwarded (even when configured to
// be forwarded), CONNECT, session ids, tool names, resource URIs and Last-Event-ID values that
// are URLs, and upstreams answering 301/302/303/307/308 with a Location on a decoy, for calls,
// for the session handshake, for the GET stream and for DELETE. The decoys must never see a
// connection, while the configured upstreams do, and each attempt must get an answer (a
// JSON-RPC result or error, never a 500 or a hang).
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeMcp, textResult, type FakeMcp } from '../support/fake-mcp.js';
import { INITIALIZE_PARAMS, startGateway, type RunningGateway } from '../support/gateway.js';

const KEY = 'only-upstreams-key';

interface Decoy {
  server: Server;
  port: number;
  url: string;
  connections: number;
}

/** A server nobody should reach; it would answer like a willing MCP server if reached. */
async function startDecoy(): Promise<Decoy> {
  const server = createServer((req, res) => {
    req.resume();
    res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'decoy' }).end('{"jsonrpc":"2.0","id":0,"result":{}}');
  });
  const decoy = { server, port: 0, url: '', connections: 0 };
  server.on('connection', () => decoy.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  decoy.port = (server.address() as AddressInfo).port;
  decoy.url = `http://127.0.0.1:${decoy.port}/mcp`;
  return decoy;
}

let decoys: Decoy[] = [];
/** An ordinary upstream that redirects some calls. */
let up: FakeMcp;
/** An upstream that redirects every request, the session handshake included. */
/** GETs and DELETEs `up` received (and redirected). */
const upStreamOrDelete: string[] = [];
let hop: Server;
let hopPort = 0;
let hopRequests = 0;
let gw: RunningGateway;
let port: number;
let session: string;

const decoy = (i: number) => decoys[i % decoys.length]!;

interface Answer {
  status: number;
  head: string;
  body: string;
}

/** Raw bytes to the gateway, one request per connection; resolves with the parsed answer. */
function raw(bytes: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let text = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within 5 s to ${JSON.stringify(bytes.slice(0, 80))}; got ${JSON.stringify(text)}`));
    }, 5_000);
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      text += chunk;
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = text.slice(0, end);
      const length = /\r\ncontent-length: (\d+)/i.exec(head);
      const body = text.slice(end + 4);
      if (length && Buffer.byteLength(body, 'latin1') >= Number(length[1])) finish();
      else if (!length && /^HTTP\/1\.1 \d{3}/.test(head) && /\r\ncontent-type: text\/event-stream/i.test(head)) setTimeout(finish, 200);
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish());
    let done = false;
    function finish(): void {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const end = text.indexOf('\r\n\r\n');
      const head = end === -1 ? text : text.slice(0, end);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: end === -1 ? '' : text.slice(end + 4) });
    }
    socket.write(bytes, 'latin1');
  });
}

function request(method: string, target: string, headers: Record<string, string>, body?: unknown): string {
  const text = body === undefined ? '' : JSON.stringify(body);
  const all = { host: `127.0.0.1:${port}`, 'x-api-key': KEY, accept: 'application/json, text/event-stream', ...headers, ...(body === undefined ? {} : { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)) }) };
  return `${method} ${target} HTTP/1.1\r\n${Object.entries(all).map(([name, value]) => `${name}: ${value}\r\n`).join('')}connection: close\r\n\r\n${text}`;
}

const inSession = (extra: Record<string, string> = {}) => ({ 'mcp-session-id': session, ...extra });
const call = (id: string, name: string) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: {} } });

/** The answer is a JSON-RPC message (result or error) for `id`, or an SSE stream holding one, and not a 500. */
function expectJsonRpc(answer: Answer, id: string | null): void {
  expect(answer.status, answer.head).not.toBe(500);
  expect(answer.status, answer.head).toBeGreaterThanOrEqual(200);
  const data = /\r\ncontent-type: text\/event-stream/i.test(answer.head) ? [...answer.body.matchAll(/^data: (.*)$/gm)].map((match) => match[1]!).at(-1)! : answer.body;
  const message = JSON.parse(data) as { jsonrpc: string; id: unknown; result?: unknown; error?: { code: number } };
  expect(message.jsonrpc).toBe('2.0');
  expect(message.id).toBe(id);
  expect(message.result !== undefined || Number.isInteger(message.error?.code)).toBe(true);
}

beforeAll(async () => {
  decoys = await Promise.all([startDecoy(), startDecoy(), startDecoy()]);
  up = await startFakeMcp((call, _req, res) => {
    const redirect = /^up\.redirect-(\d{3})$/.exec(call.name);
    if (redirect) {
      res.writeHead(Number(redirect[1]), { location: decoy(Number(redirect[1])).url, 'content-type': 'text/plain' }).end('moved');
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(textResult(call.id, `called ${call.name}`));
  }, (req, res) => {
    upStreamOrDelete.push(req.method ?? '');
    res.writeHead(307, { location: decoy(upStreamOrDelete.length).url }).end();
  });
  hop = createServer((req, res) => {
    hopRequests++;
    req.resume();
    req.once('end', () => res.writeHead(307, { location: decoy(hopRequests).url }).end());
  });
  await new Promise<void>((resolve) => hop.listen(0, '127.0.0.1', resolve));
  hopPort = (hop.address() as AddressInfo).port;
  const options: GatewayOptions = {
    auth: { mode: 'apiKey', apiKeys: [{ id: 'only', key: KEY, tenant: 't' }] },
    policy: { default: 'allow' },
    upstreams: [
      { name: 'up', url: up.url, timeoutMs: 3_000 },
      { name: 'hop', url: `http://127.0.0.1:${hopPort}/mcp`, timeoutMs: 3_000 },
    ],
    routing: [
      { match: { tool: 'hop.*' }, upstream: 'hop' },
      { match: { method: '*' }, upstream: 'up' },
    ],
    // Even forwarded to the upstream, these headers change nothing about where the gateway connects.
    upstreamHeaders: { forward: ['accept', 'content-type', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded'] },
  };
  gw = await startGateway(options, { logger: { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined } });
  port = Number(new URL(gw.origin).port);
  const init = await raw(request('POST', '/mcp', { accept: 'application/json' }, { jsonrpc: '2.0', id: 'init', method: 'initialize', params: INITIALIZE_PARAMS }));
  session = /\r\nmcp-session-id: ([^\r\n]+)/i.exec(init.head)?.[1] ?? '';
  if (init.status !== 200 || !session) throw new Error(`initialize failed: ${init.head}`);
});

afterAll(async () => {
  await gw?.close();
  await up?.close();
  for (const server of [hop, ...decoys.map((d) => d.server)]) {
    if (!server) continue;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

describe('where the gateway connects', () => {
  it('ignores Host, X-Forwarded-Host and Forwarded naming a decoy', async () => {
    const attempts: Record<string, string>[] = [
      { host: `127.0.0.1:${decoy(0).port}` },
      { 'x-forwarded-host': `127.0.0.1:${decoy(1).port}`, 'x-forwarded-proto': 'http' },
      { forwarded: `host=127.0.0.1:${decoy(2).port};proto=http` },
      { host: decoy(0).url.replace('http://', ''), 'x-forwarded-host': decoy(1).url },
    ];
    for (const [i, headers] of attempts.entries()) {
      expectJsonRpc(await raw(request('POST', '/mcp', inSession(headers), call(`host-${i}`, 'up.echo'))), `host-${i}`);
    }
  });

  it('answers an absolute-form target naming a decoy itself, without connecting there', async () => {
    const answer = await raw(request('POST', decoy(0).url, inSession(), call('absolute', 'up.echo')));
    // node passes the absolute form on as req.url; it is not the endpoint's path.
    expect(answer.status).toBe(404);
    expectJsonRpc(answer, null);
    const proxyStyle = await raw(request('GET', `http://127.0.0.1:${decoy(1).port}/`, {}));
    expect(proxyStyle.status).toBe(404);
  });

  it('does not tunnel a CONNECT to a decoy', async () => {
    const answer = await raw(`CONNECT 127.0.0.1:${decoy(2).port} HTTP/1.1\r\nHost: 127.0.0.1:${decoy(2).port}\r\n\r\n`);
    expect(answer.status).not.toBe(200);
  });

  it('treats URLs in session ids, tool names, resource URIs and Last-Event-ID as plain strings', async () => {
    const urlSession = await raw(request('POST', '/mcp', { 'mcp-session-id': decoy(0).url }, { jsonrpc: '2.0', id: 's', method: 'tools/list' }));
    expect(urlSession.status).toBe(404);
    expectJsonRpc(urlSession, 's');
    for (const [i, name] of [decoy(1).url, `//127.0.0.1:${decoy(2).port}/x`, `up.${decoy(0).url}`].entries()) {
      expectJsonRpc(await raw(request('POST', '/mcp', inSession(), call(`name-${i}`, name))), `name-${i}`);
    }
    for (const [i, uri] of [decoy(1).url, `http://127.0.0.1:${decoy(2).port}/resource`].entries()) {
      expectJsonRpc(await raw(request('POST', '/mcp', inSession(), { jsonrpc: '2.0', id: `uri-${i}`, method: 'resources/read', params: { uri } })), `uri-${i}`);
    }
    for (const lastEventId of [decoy(0).url, `up:${decoy(1).url}`, `hop:http://127.0.0.1:${decoy(2).port}/`]) {
      const answer = await raw(request('GET', '/mcp', inSession({ accept: 'text/event-stream', 'last-event-id': lastEventId })));
      expect(answer.status, answer.head).not.toBe(500);
      expect([200, 400, 404, 405]).toContain(answer.status);
    }
  });

  it.each([301, 302, 303, 307, 308])('does not follow a %i from an upstream answering a call: 502', async (status) => {
    const answer = await raw(request('POST', '/mcp', inSession({ accept: 'application/json' }), call(`redirect-${status}`, `up.redirect-${status}`)));
    expect(answer.status).toBe(502);
    expectJsonRpc(answer, `redirect-${status}`);
  });

  it('does not follow redirects of the session handshake, the GET stream, DELETE or the health probe', async () => {
    // Something on the session first, so the GET stream has an upstream stream to ask for.
    expectJsonRpc(await raw(request('POST', '/mcp', inSession({ accept: 'application/json' }), call('warm', 'up.echo'))), 'warm');
    const before = hopRequests;
    // The call opens a session on `hop`, whose initialize is redirected.
    const handshake = await raw(request('POST', '/mcp', inSession({ accept: 'application/json' }), call('hop-1', 'hop.anything')));
    expect(handshake.status).toBe(502);
    expectJsonRpc(handshake, 'hop-1');
    // up's GET stream is redirected: the client's stream opens, and stays without it.
    const stream = await raw(request('GET', '/mcp', inSession({ accept: 'text/event-stream' })));
    expect(stream.status).toBe(200);
    expect(upStreamOrDelete).toContain('GET');
    const health = await fetch(`${gw.origin}/health`, { signal: AbortSignal.timeout(5_000) });
    expect(((await health.json()) as { upstreams: Record<string, { reachable: boolean }> }).upstreams['hop']?.reachable).toBe(true);
    expect((await raw(request('DELETE', '/mcp', inSession()))).status).toBeLessThan(300);
    // The DELETE of up's session is sent after the answer: wait for it.
    const deadline = Date.now() + 3_000;
    while (!upStreamOrDelete.includes('DELETE') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(upStreamOrDelete).toContain('DELETE');
    // hop was asked (and redirected) every time, and nobody followed it.
    expect(hopRequests - before).toBeGreaterThanOrEqual(2);
  });

  it('never connected to a decoy, while the configured upstreams were used throughout', () => {
    expect(decoys.map((d) => d.connections)).toEqual([0, 0, 0]);
    expect(up.connections).toBeGreaterThan(0);
    expect(hopRequests).toBeGreaterThan(0);
  });
});
