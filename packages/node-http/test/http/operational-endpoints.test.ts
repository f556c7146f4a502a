// /healthz, /health and /metrics over real HTTP: the same Host and Origin checks as the MCP
// endpoint (a DNS-rebinding page must not read them), and /metrics behind its own key or off.
import { createHash } from 'node:crypto';
import { request } from 'node:http';
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

const CLIENT_KEY = 'operational-client-key';
const METRICS_KEY = 'operational-metrics-scraper-key';
const QUIET = { logger: { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined } };

let upstream: UpstreamFixture;
const gateways: RunningGateway[] = [];

function options(server: GatewayOptions['server'] = {}): GatewayOptions {
  return {
    server,
    auth: { apiKeys: [{ key: CLIENT_KEY, tenant: 't' }] },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['*'] } }] },
    upstreams: [{ name: 'up', url: upstream.url }],
  };
}

async function start(server: GatewayOptions['server'] = {}): Promise<RunningGateway> {
  const gw = await startGateway(options(server), QUIET);
  gateways.push(gw);
  return gw;
}

/** GET with any headers, Host included (fetch would not send a Host of our choosing). */
function get(gw: RunningGateway, path: string, headers: Record<string, string> = {}): Promise<{ status: number; type: string; text: string }> {
  const url = new URL(gw.origin);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET', headers, timeout: 8_000 }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), text }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  upstream = await startUpstream({ name: 'up', jsonResponse: true });
});

afterAll(async () => {
  for (const gw of gateways) await gw.close();
  await upstream?.close();
});

const PATHS = ['/healthz', '/health', '/metrics'];

describe('operational endpoints', () => {
  it('refuse a rebinding Host and a foreign Origin with 403, as the MCP endpoint does, and serve the gateway’s own', async () => {
    const gw = await start();
    const port = new URL(gw.origin).port;
    for (const path of PATHS) {
      const rebound = await get(gw, path, { host: `evil.example:${port}` });
      expect(rebound.status, path).toBe(403);
      expect(JSON.parse(rebound.text), path).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -40302 } });
      const foreign = await get(gw, path, { host: `localhost:${port}`, origin: 'http://evil.example' });
      expect(foreign.status, path).toBe(403);
      expect(JSON.parse(foreign.text), path).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -40301 } });
      const own = await get(gw, path, { host: `localhost:${port}`, origin: `http://localhost:${port}` });
      expect(own.status, path).toBe(200);
    }
  });

  it('/metrics with server.metrics.keyHash needs that key: none or a client API key gets 401', async () => {
    const gw = await start({ metrics: { keyHash: `sha256:${createHash('sha256').update(METRICS_KEY).digest('hex')}` } });
    const none = await get(gw, '/metrics');
    expect(none.status).toBe(401);
    expect(JSON.parse(none.text)).toMatchObject({ id: null, error: { code: -40100 } });
    const client = await get(gw, '/metrics', { authorization: `Bearer ${CLIENT_KEY}` });
    expect(client.status).toBe(401);
    expect(JSON.parse(client.text)).toMatchObject({ id: null, error: { code: -40101 } });
    const scraper = await get(gw, '/metrics', { authorization: `Bearer ${METRICS_KEY}` });
    expect(scraper.status).toBe(200);
    expect(scraper.type).toMatch(/^text\/plain/);
    expect(scraper.text).toContain('# TYPE mcp_gateway_messages_total counter');
    // Health stays keyless: load balancers probe it.
    expect((await get(gw, '/healthz')).status).toBe(200);
  });

  it('/metrics with server.metrics.enabled false is not served (404)', async () => {
    const gw = await start({ metrics: { enabled: false } });
    const off = await get(gw, '/metrics');
    expect(off.status).toBe(404);
    expect(JSON.parse(off.text)).toMatchObject({ id: null, error: { code: -40401 } });
    expect((await get(gw, '/health')).status).toBe(200);
  });
});
