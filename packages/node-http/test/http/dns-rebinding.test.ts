// DNS-rebinding protection with the defaults: server.allowedOrigins unset, a gateway bound to
// loopback takes the Origins of its own loopback address and refuses every other Origin with 403.
import type { GatewayOptions } from '@gw/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INITIALIZE_PARAMS, post, startGateway, type RunningGateway } from '../support/gateway.js';
import { startUpstream, type UpstreamFixture } from '../support/upstream.js';

const KEY = { 'x-api-key': 'dns-rebinding-key' };
let upstream: UpstreamFixture;
let gw: RunningGateway;
let port: string;

beforeAll(async () => {
  upstream = await startUpstream({ name: 'up', jsonResponse: true });
  const options: GatewayOptions = {
    auth: { apiKeys: [{ key: KEY['x-api-key'], tenant: 't' }] },
    policy: { rules: [{ allow: { methods: ['*'], tools: ['*'] } }] },
    upstreams: [{ name: 'up', url: upstream.url }],
  };
  gw = await startGateway(options, { logger: { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined } });
  port = new URL(gw.url).port;
});

afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

const initialize = (id: number) => ({ jsonrpc: '2.0', id, method: 'initialize', params: INITIALIZE_PARAMS });

describe('Origin with server.allowedOrigins unset, on loopback', () => {
  it('accepts the gateway’s own loopback origins and refuses every other Origin with 403, a key or not', async () => {
    for (const origin of [`http://127.0.0.1:${port}`, `http://localhost:${port}`]) {
      const answer = await post(gw.url, initialize(1), { ...KEY, origin, accept: 'application/json' });
      expect(answer.status, origin).toBe(200);
    }
    const others = ['http://evil.example', `http://evil.example:${port}`, 'http://localhost:1', `http://localhost.evil.example:${port}`, 'null'];
    for (const origin of others) {
      const answer = await post(gw.url, initialize(2), { ...KEY, origin });
      expect(answer.status, origin).toBe(403);
      expect(answer.body, origin).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -40301 } });
    }
  });
});
