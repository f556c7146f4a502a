// An unauthenticated request costs at most a bounded read: the credential is in the headers, so
// the gateway refuses it before reading or parsing the body, in both protocol eras, and closes
// the connection rather than drain a body it will not take.
import { connect } from 'node:net';
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INITIALIZE_PARAMS, openSession, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

const KEY = 'unauthenticated-work-key';
const MODERN = '2026-07-28';
const STATELESS_META = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': {} };

let upstream: UpstreamFixture;
let gw: RunningGateway;
let port: number;

beforeAll(async () => {
  upstream = await startUpstream({ name: 'up', jsonResponse: true });
  const options: GatewayOptions = {
    auth: { apiKeys: [{ key: KEY, tenant: 't' }] },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['*'] } }] },
    upstreams: [{ name: 'up', url: upstream.url }],
  };
  gw = await startGateway(options, { logger: { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined } });
  port = Number(new URL(gw.url).port);
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

/** What a raw client saw: the answer's head and body, and whether the server closed the connection. */
interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection (within the wait). */
  closed: boolean;
}

/**
 * Sends `head` and then `bodyPart` only (never the rest of the declared body) and waits, at most
 * `waitMs`, for the answer and the connection's end.
 */
function sendPartial(head: string, bodyPart: Buffer, waitMs = 8_000): Promise<RawAnswer | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let answer: RawAnswer | undefined;
    const finish = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answer && { ...answer, closed });
    };
    const timer = setTimeout(() => finish(false), waitMs);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const text = received.toString('latin1');
      const end = text.indexOf('\r\n\r\n');
      if (end === -1) return;
      const [statusLine = '', ...lines] = text.slice(0, end).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const body = text.slice(end + 4);
      if (body.length < Number(headers['content-length'] ?? 0)) return;
      answer = { status: Number(statusLine.split(' ')[1]), headers, body, closed: false };
    });
    socket.on('error', () => undefined);
    socket.on('close', () => finish(true));
    socket.write(head);
    socket.write(bodyPart);
  });
}

function head(extra: string, length: number | 'chunked'): string {
  const framing = length === 'chunked' ? 'Transfer-Encoding: chunked' : `Content-Length: ${length}`;
  return `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n${extra}${framing}\r\n\r\n`;
}

describe('unauthenticated work stays small', () => {
  it('answers 401 to an unauthenticated POST whose body is not JSON (no parse error: the body is never parsed)', async () => {
    const answer = await post(gw.url, 'this is { not JSON at all');
    expect(answer.status).toBe(401);
    expect(answer.body).toEqual({ jsonrpc: '2.0', id: null, error: { code: -40100, message: expect.stringContaining('Authentication required') } });
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(answer.headers.get('connection')).toBe('close');
  });

  it('answers 401 to a wrong key with a body that is not JSON, in the stateless era too', async () => {
    const answer = await post(gw.url, '\u0000\u0001 not JSON', { 'x-api-key': 'not-a-key', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list' });
    expect(answer.status).toBe(401);
    expect(answer.body).toMatchObject({ id: null, error: { code: -40101 } });
  });

  it('answers 401 before a large unauthenticated body is complete, and closes the connection', async () => {
    // 3 MiB declared (under server.maxBodyBytes, so not a 413), 16 KiB sent, the rest never.
    const answer = await sendPartial(head('', 3 * 1024 * 1024), Buffer.alloc(16 * 1024, 0x20));
    expect(answer).toBeDefined();
    expect(answer!.status).toBe(401);
    expect(answer!.headers['connection']).toBe('close');
    expect(JSON.parse(answer!.body)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -40100 } });
    expect(answer!.closed).toBe(true);
  });

  it('does the same for a chunked body and for a stateless-era request with a wrong key', async () => {
    const chunked = await sendPartial(head('X-Api-Key: wrong\r\nMcp-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/list\r\n', 'chunked'), Buffer.from(`4000\r\n${' '.repeat(0x4000)}\r\n`));
    expect(chunked).toMatchObject({ status: 401, closed: true });
    expect(JSON.parse(chunked!.body)).toMatchObject({ id: null, error: { code: -40101 } });
  });

  it('closes rather than drains the body of any request it answers without reading the body (other paths and methods)', async () => {
    const big = 3 * 1024 * 1024;
    const part = Buffer.alloc(16 * 1024, 0x20);
    for (const [line, status] of [
      ['PUT /mcp', 405],
      ['GET /mcp', 401],
      ['DELETE /mcp', 401],
      ['POST /not-the-endpoint', 404],
      ['GET /healthz', 200],
    ] as const) {
      const answer = await sendPartial(`${line} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/json\r\nContent-Length: ${big}\r\n\r\n`, part);
      expect(answer, line).toMatchObject({ status, closed: true });
      expect(answer!.headers['connection'], line).toBe('close');
    }
  });

  it('serves valid requests in the session era', async () => {
    const session = await openSession(gw.url, { 'x-api-key': KEY });
    const call = await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'up.add', arguments: { a: 40, b: 2 } } }, { 'x-api-key': KEY, 'mcp-session-id': session, accept: 'application/json' });
    expect(call.status).toBe(200);
    expect(call.body).toMatchObject({ id: 2, result: { content: [{ type: 'text', text: '42' }] } });
    expect(call.headers.get('connection')).not.toBe('close');
  });

  it('serves valid requests in the stateless era', async () => {
    const call = await post(
      gw.url,
      { jsonrpc: '2.0', id: 'm1', method: 'tools/call', params: { name: 'up.add', arguments: { a: 1, b: 2 }, _meta: STATELESS_META } },
      { 'x-api-key': KEY, accept: 'application/json', 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'up.add' },
    );
    expect(call.status).toBe(200);
    expect(call.body).toMatchObject({ id: 'm1', result: { content: [{ type: 'text', text: '3' }] } });
  });
});
