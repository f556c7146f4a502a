/**
 * Slow clients against the CLI's node:http timeouts (createGatewayServer): a slowloris head and a
 * dribbled body are cut off, and a prompt client on the same server is still answered. The
 * gateway is the hostile-input campaign's (model.ts).
 */
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayServer } from '../../../src/gateway-server.js';
import { createGateway, type Gateway, type GatewayLogger } from '../../../src/index.js';
import { INITIALIZE_PARAMS, post } from '../../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../../support/upstream.js';
import { BOTH, options } from './model.js';

describe('slow clients', () => {
  let slowUpstream: UpstreamFixture;
  let gateway: Gateway;
  let server: Server;
  let port: number;
  const slowErrors: string[] = [];
  const slowLogger: GatewayLogger = { error: (message) => slowErrors.push(message), warn: () => undefined, info: () => undefined, debug: () => undefined };
  const TIMEOUTS = { headersTimeout: 1000, requestTimeout: 1500, keepAliveTimeout: 5000, connectionsCheckingInterval: 200 };

  beforeAll(async () => {
    slowUpstream = await startUpstream({ name: 'up', jsonResponse: true });
    gateway = createGateway(options(slowUpstream.url), { logger: slowLogger });
    server = createGatewayServer(gateway, TIMEOUTS);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeAllConnections();
    await gateway.close();
    await closed;
    await slowUpstream.close();
  });

  /** Writes `head`, then `drip` one byte every `everyMs`; resolves when the server ends it (bounded). */
  function dribble(head: string, drip: string, everyMs: number): Promise<{ ms: number; answer: string; closed: boolean }> {
    return new Promise((resolve) => {
      const started = performance.now();
      const socket = connect(port, '127.0.0.1');
      let answer = '';
      let sent = 0;
      const finish = (closed: boolean): void => {
        clearInterval(timer);
        clearTimeout(limit);
        socket.destroy();
        resolve({ ms: performance.now() - started, answer, closed });
      };
      const timer = setInterval(() => {
        if (sent < drip.length && socket.writable) socket.write(drip[sent++]!);
      }, everyMs);
      // Never wait past 5 s: a server that does not cut the client fails the test, it does not hang it.
      const limit = setTimeout(() => finish(false), 5_000);
      socket.on('data', (chunk: Buffer) => {
        answer += chunk.toString('latin1');
      });
      socket.on('error', () => undefined);
      socket.on('close', () => finish(true));
      socket.write(head);
    });
  }

  it('cuts off a slowloris client sending its headers a byte every 100 ms', async () => {
    const result = await dribble('POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\n', `X-Slow: ${'a'.repeat(200)}\r\n`, 100);
    expect(result.closed).toBe(true);
    expect(result.ms).toBeLessThan(2_000);
    // node answers 408 when it can still write; a plain close is also a cut-off.
    if (result.answer !== '') expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('cuts off a body dribbled a byte every 200 ms with 408', async () => {
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: INITIALIZE_PARAMS });
    const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: ${BOTH}\r\nX-Api-Key: k1\r\nContent-Length: ${body.length}\r\n\r\n`;
    const sessions = gateway.sessionCount;
    const result = await dribble(head, body, 200);
    expect(result.closed).toBe(true);
    expect(result.ms).toBeLessThan(2_500);
    expect(result.answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(gateway.sessionCount).toBe(sessions);
  });

  it('still answers a prompt client on the same server', async () => {
    const answer = await post(`http://127.0.0.1:${port}/mcp`, { jsonrpc: '2.0', id: 1, method: 'initialize', params: INITIALIZE_PARAMS }, { 'x-api-key': 'k1', accept: 'application/json' });
    expect(answer.status).toBe(200);
    expect(slowErrors).toEqual([]);
  });
});
