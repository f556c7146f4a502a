// Idle connections end: one that never starts a request is closed within server.headersTimeoutMs,
// a kept-alive one after server.keepAliveTimeoutMs, on a server made by createGatewayServer.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGateway, createGatewayServer, SERVER_TIMEOUTS, type Gateway } from '../src/index.js';
import { idleSocket } from './support/idle-socket.js';

const HEADERS_MS = 600;
const KEEP_ALIVE_MS = 900;
let gateway: Gateway;
let server: Server;
let port: number;

beforeAll(async () => {
  gateway = createGateway({
    server: { headersTimeoutMs: HEADERS_MS, requestTimeoutMs: 1_200, keepAliveTimeoutMs: KEEP_ALIVE_MS },
    auth: { mode: 'none' },
    upstreams: [{ name: 'up', url: 'http://127.0.0.1:9/mcp' }],
  });
  server = createGatewayServer(gateway);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
  await gateway.close();
  await closed;
});

describe('idle connections', () => {
  it('the defaults are set: headers 30 s, request 60 s, keep-alive 65 s', () => {
    expect(SERVER_TIMEOUTS).toMatchObject({ headersTimeout: 30_000, requestTimeout: 60_000, keepAliveTimeout: 65_000 });
    expect(SERVER_TIMEOUTS.connectionsCheckingInterval).toBeLessThanOrEqual(5_000);
    const defaults = createGateway({ upstreams: [{ name: 'up', url: 'http://127.0.0.1:9/mcp' }] });
    const made = createGatewayServer(defaults);
    expect([made.headersTimeout, made.requestTimeout, made.keepAliveTimeout]).toEqual([30_000, 60_000, 65_000]);
    void defaults.close();
  });

  it('closes a connection that never starts a request within server.headersTimeoutMs', async () => {
    const silent = await idleSocket(port, undefined, 10_000);
    expect(silent.closed).toBe(true);
    // Enforced to within the checking interval; generous room for a loaded machine.
    expect(silent.ms).toBeGreaterThan(HEADERS_MS * 0.8);
    expect(silent.ms).toBeLessThan(HEADERS_MS + 5_000);
  });

  it('closes a kept-alive connection after server.keepAliveTimeoutMs once its request is answered', async () => {
    const kept = await idleSocket(port, `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`, 12_000);
    expect(kept.received).toMatch(/^HTTP\/1\.1 200 /);
    expect(kept.received).toMatch(/keep-alive/i);
    expect(kept.closed).toBe(true);
    expect(kept.ms).toBeGreaterThan(KEEP_ALIVE_MS * 0.8);
    // Node closes at the keep-alive timeout plus its own buffer of up to a second.
    expect(kept.ms).toBeLessThan(KEEP_ALIVE_MS + 1_000 + 5_000);
  });
});
