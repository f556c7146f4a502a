import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AuditEvent, GatewayOptions } from '@gw/core';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createGateway, type Gateway } from '../../src/index.js';
import { startGateway, type RunningGateway } from '../support/gateway.js';

// Behind a reverse proxy, Host and Origin are checked against the host the proxy forwarded and
// audit names the client it forwarded for, but only when the connection comes from a proxy the
// operator trusts (server.trustedProxies, or the Express app's `trust proxy`). From anyone else,
// X-Forwarded-* and Forwarded change nothing: every test sends them over real HTTP from a
// loopback peer and compares the answer and the audit event with and without them.

const KEY = 'secret-key-1';
const BASE: GatewayOptions = { auth: { apiKeys: [{ id: 'k', key: KEY, tenant: 't', client: 'c' }] }, upstreams: [{ name: 'up', url: 'http://127.0.0.1:9/mcp' }] };

let running: { close(): Promise<void> } | undefined;
afterEach(async () => {
  await running?.close();
  running = undefined;
});

/** One POST with exactly these headers (Host included, which fetch cannot set); its status and audit event. */
async function send(port: number, path: string, headers: Record<string, string>, events: AuditEvent[]): Promise<{ status: number; event: AuditEvent | undefined }> {
  const before = events.length;
  const status = await new Promise<number>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers } }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end('{"jsonrpc":"2.0","id":1,"method":"tools/list"}');
  });
  await new Promise((resolve) => setTimeout(resolve, 20));
  return { status, event: events[before] };
}

async function gatewayWith(server: GatewayOptions['server']): Promise<{ gw: RunningGateway; events: AuditEvent[]; port: number }> {
  const events: AuditEvent[] = [];
  const gw = await startGateway({ ...BASE, server }, { onAudit: (event) => void events.push(event) });
  running = gw;
  return { gw, events, port: Number(new URL(gw.origin).port) };
}

const SPOOF = { 'x-forwarded-host': 'app.example', 'x-forwarded-for': '203.0.113.9', 'x-forwarded-proto': 'https', forwarded: 'for=203.0.113.9;host=app.example;proto=https' };

describe('forwarded headers from a peer nobody trusts change nothing (node:http)', () => {
  it('by default (no trustedProxies): the Host header is checked, the socket’s address audited', async () => {
    const { events, port } = await gatewayWith({});
    const plain = await send(port, '/mcp', { host: `127.0.0.1:${port}` }, events);
    const spoofed = await send(port, '/mcp', { host: `127.0.0.1:${port}`, ...SPOOF }, events);
    expect(plain.status).toBe(401);
    expect(spoofed.status).toBe(401);
    expect(plain.event?.clientAddress).toBe('127.0.0.1');
    expect(spoofed.event?.clientAddress).toBe('127.0.0.1');
    // A rebinding Host is refused whatever the forwarded host says.
    expect((await send(port, '/mcp', { host: 'evil.example', 'x-forwarded-host': 'localhost', forwarded: 'host=localhost' }, events)).status).toBe(403);
    // And a loopback page's Origin is judged on the real connection, a forwarded proto or host notwithstanding.
    expect((await send(port, '/mcp', { host: `127.0.0.1:${port}`, origin: 'https://app.example', ...SPOOF }, events)).status).toBe(403);
  });

  it('with trustedProxies that do not include the peer: the same answers and the same audit', async () => {
    const { events, port } = await gatewayWith({ trustedProxies: ['10.0.0.0/8', 'fd00::/8'], allowedHosts: ['app.example'] });
    // The real Host is not listed: 403, forwarded host or not.
    expect((await send(port, '/mcp', { host: `127.0.0.1:${port}` }, events)).status).toBe(403);
    expect((await send(port, '/mcp', { host: `127.0.0.1:${port}`, ...SPOOF }, events)).status).toBe(403);
    // The listed Host is taken; the audit names the socket's address, not the forwarded one.
    const spoofed = await send(port, '/mcp', { host: 'app.example', ...SPOOF, 'x-forwarded-host': 'evil.example' }, events);
    expect(spoofed.status).toBe(401);
    expect(spoofed.event?.clientAddress).toBe('127.0.0.1');
  });
});

describe('forwarded headers from a trusted proxy (node:http)', () => {
  it('X-Forwarded-Host is checked against allowedHosts, X-Forwarded-For audited', async () => {
    const { events, port } = await gatewayWith({ trustedProxies: ['127.0.0.1'], allowedHosts: ['app.example'] });
    const through = await send(port, '/mcp', { host: `127.0.0.1:${port}`, 'x-forwarded-host': 'app.example', 'x-forwarded-for': '203.0.113.9' }, events);
    expect(through.status).toBe(401);
    expect(through.event).toMatchObject({ clientAddress: '203.0.113.9', decision: 'auth_failed' });
    expect((await send(port, '/mcp', { host: 'app.example', 'x-forwarded-host': 'evil.example' }, events)).status).toBe(403);
  });

  it('reads only what the trusted proxy appended: a value the client put before it is never taken', async () => {
    const { events, port } = await gatewayWith({ trustedProxies: ['127.0.0.1'], allowedHosts: ['app.example'] });
    // The client sent X-Forwarded-For: 6.6.6.6 and X-Forwarded-Host: evil.example; the proxy appended its own.
    const appended = await send(port, '/mcp', { host: 'internal', 'x-forwarded-host': 'evil.example, app.example', 'x-forwarded-for': '6.6.6.6, 203.0.113.9' }, events);
    expect(appended.status).toBe(401);
    expect(appended.event?.clientAddress).toBe('203.0.113.9');
    const reversed = await send(port, '/mcp', { host: 'internal', 'x-forwarded-host': 'app.example, evil.example', 'x-forwarded-for': '203.0.113.9, 6.6.6.6' }, events);
    expect(reversed.status).toBe(403);
  });

  it('follows a chain of trusted proxies to the first address that is not one', async () => {
    const { events, port } = await gatewayWith({ trustedProxies: ['127.0.0.1', '10.0.0.0/8'], allowedHosts: ['app.example'] });
    const chained = await send(port, '/mcp', { host: 'internal', 'x-forwarded-host': 'app.example, 10.1.1.1', 'x-forwarded-for': '6.6.6.6, 203.0.113.9, 10.1.1.1' }, events);
    expect(chained.status).toBe(401);
    expect(chained.event?.clientAddress).toBe('203.0.113.9');
    // Something that is not an address ends the walk at the last proxy known.
    const garbage = await send(port, '/mcp', { host: 'internal', 'x-forwarded-host': 'app.example', 'x-forwarded-for': 'unknown, 10.1.1.1' }, events);
    expect(garbage.event?.clientAddress).toBe('10.1.1.1');
  });

  it('forwarded data a trusted proxy sent but the gateway cannot read fails closed, never as "nothing forwarded"', async () => {
    // The proxy's own Host is one allowedHosts lists (as behind nginx's default), so falling back to it would pass.
        const cases: [string, GatewayOptions['server'], Record<string, string>][] = [
      ['an X-Forwarded-For past the length read', { forwardedHeaders: 'x-forwarded' }, { 'x-forwarded-host': 'evil.example', 'x-forwarded-for': `${'1.1.1.1, '.repeat(1_000)}203.0.113.9` }],
      ['an X-Forwarded-Host past the length read', { forwardedHeaders: 'x-forwarded' }, { 'x-forwarded-host': `${'a'.repeat(9_000)}, evil.example` }],
      ['an empty X-Forwarded-Host where the proxy\'s belongs', { forwardedHeaders: 'x-forwarded' }, { 'x-forwarded-host': 'evil.example, ' }],
      ['a Forwarded header that does not parse', { forwardedHeaders: 'forwarded' }, { forwarded: '"unterminated, for=203.0.113.9;host=evil.example' }],
      ['a Forwarded header past the length read', { forwardedHeaders: 'forwarded' }, { forwarded: `${'for=1.1.1.1, '.repeat(700)}for=203.0.113.9;host=evil.example` }],
    ];
    for (const [label, server, headers] of cases) {
      const { events, port } = await gatewayWith({ trustedProxies: ['127.0.0.1'], allowedHosts: ['app.example', '127.0.0.1', 'localhost'], ...server });
      const answer = await send(port, '/mcp', { host: `127.0.0.1:${port}`, ...headers }, events);
      expect(answer.status, label).toBe(403);
      await running?.close();
      running = undefined;
    }
    // An RFC 7239 extension parameter is a parameter like any other, not a reason to stop reading.
    const { events, port } = await gatewayWith({ trustedProxies: ['127.0.0.1'], allowedHosts: ['app.example', '127.0.0.1'], forwardedHeaders: 'forwarded' });
    const extended = await send(port, '/mcp', { host: `127.0.0.1:${port}`, forwarded: 'x-y=1, for=203.0.113.9;host=evil.example' }, events);
    expect(extended.status).toBe(403);
    const honest = await send(port, '/mcp', { host: `127.0.0.1:${port}`, forwarded: 'x-y=1, for=203.0.113.9;host=app.example' }, events);
    expect(honest.status).toBe(401);
    expect(honest.event?.clientAddress).toBe('203.0.113.9');
  });

  it('the page on the forwarded origin may call; other Origins, and the loopback default, may not', async () => {
    const { events, port } = await gatewayWith({ trustedProxies: ['127.0.0.1'], allowedHosts: ['app.example'] });
    const proxied = { host: `127.0.0.1:${port}`, 'x-forwarded-host': 'app.example', 'x-forwarded-proto': 'https' };
    expect((await send(port, '/mcp', { ...proxied, origin: 'https://app.example' }, events)).status).toBe(401);
    expect((await send(port, '/mcp', { ...proxied, origin: 'http://app.example' }, events)).status).toBe(403);
    expect((await send(port, '/mcp', { ...proxied, origin: 'https://evil.example' }, events)).status).toBe(403);
    expect((await send(port, '/mcp', { ...proxied, origin: `http://127.0.0.1:${port}` }, events)).status).toBe(403);
    // With allowedHosts ["*"] nothing names the host: no forwarded origin is the gateway's own.
    await running?.close();
    const open = await gatewayWith({ trustedProxies: ['127.0.0.1'], allowedHosts: ['*'] });
    expect((await send(open.port, '/mcp', { ...proxied, host: 'x', 'x-forwarded-host': 'evil.example', origin: 'https://evil.example' }, open.events)).status).toBe(403);
  });

  it('forwardedHeaders "forwarded" reads RFC 7239 and ignores X-Forwarded-*', async () => {
    const { events, port } = await gatewayWith({ trustedProxies: ['127.0.0.1'], allowedHosts: ['app.example'], forwardedHeaders: 'forwarded' });
    const standard = await send(port, '/mcp', { host: 'internal', forwarded: 'for=6.6.6.6;host=evil.example, for="[2001:db8::9]:4711";host=app.example;proto=https' }, events);
    expect(standard.status).toBe(401);
    expect(standard.event?.clientAddress).toBe('2001:db8::9');
    expect((await send(port, '/mcp', { host: 'internal', 'x-forwarded-host': 'app.example', 'x-forwarded-for': '203.0.113.9' }, events)).status).toBe(403);
  });
});

describe('in an Express app, its trust proxy setting (Express 5)', () => {
  async function appWith(trust: unknown, server: GatewayOptions['server']): Promise<{ events: AuditEvent[]; port: number }> {
    const events: AuditEvent[] = [];
    const gateway: Gateway = createGateway({ ...BASE, server }, { endpointPath: '/', onAudit: (event) => void events.push(event) });
    const app = express();
    if (trust !== undefined) app.set('trust proxy', trust);
    app.use('/mcp', (req, res, next) => gateway(req, res, next));
    const http: Server = await new Promise((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    running = {
      async close() {
        http.closeAllConnections();
        await new Promise((resolve) => http.close(resolve));
        await gateway.close();
      },
    };
    return { events, port: (http.address() as AddressInfo).port };
  }

  it('unset (Express’s default): X-Forwarded-* from the peer change nothing', async () => {
    const { events, port } = await appWith(undefined, { allowedHosts: ['app.example'] });
    const spoofed = await send(port, '/mcp', { host: `127.0.0.1:${port}`, ...SPOOF }, events);
    expect(spoofed.status).toBe(403);
    const listed = await send(port, '/mcp', { host: 'app.example', ...SPOOF, 'x-forwarded-host': 'evil.example' }, events);
    expect(listed.status).toBe(401);
    expect(listed.event?.clientAddress).toBe('127.0.0.1');
  });

  it('trusting another address: the same', async () => {
    const { events, port } = await appWith('10.0.0.1', { allowedHosts: ['app.example'] });
    expect((await send(port, '/mcp', { host: `127.0.0.1:${port}`, ...SPOOF }, events)).status).toBe(403);
  });

  it('trusting loopback: the forwarded host is checked and the forwarded client audited', async () => {
    const { events, port } = await appWith('loopback', { allowedHosts: ['app.example'] });
    const through = await send(port, '/mcp', { host: `127.0.0.1:${port}`, 'x-forwarded-host': 'app.example', 'x-forwarded-for': '203.0.113.9' }, events);
    expect(through.status).toBe(401);
    expect(through.event?.clientAddress).toBe('203.0.113.9');
    expect((await send(port, '/mcp', { host: 'app.example', 'x-forwarded-host': 'evil.example' }, events)).status).toBe(403);
  });
});
