import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFederatedUpstream, type FederatedUpstream } from '../support/federated-upstream.js';
import { post, startGateway, type RunningGateway } from '../support/gateway.js';

// What a client declares of itself (initialize params; a stateless request's client capabilities
// and info) is kept as long as its session: it is bounded, and a refused stateless request holds
// nothing, so a subject with no rights cannot park memory in the gateway.

const MODERN = '2026-07-28';
let alpha: FederatedUpstream;
let gw: RunningGateway;

beforeAll(async () => {
  alpha = await startFederatedUpstream({ name: 'alpha' });
  gw = await startGateway({
    auth: { apiKeys: [{ key: 'nobody', tenant: 'nobody' }, { key: 'lister', tenant: 'lister' }] },
    policy: { rules: [{ subject: { tenant: 'lister' }, allow: { methods: ['tools/list'] } }] },
    upstreams: [{ name: 'alpha', url: alpha.url, timeoutMs: 5_000 }],
  });
});

afterAll(async () => {
  await gw?.close();
  await alpha?.close();
});

const big = { experimental: { padding: { text: 'x'.repeat(100_000) } } };

function modern(key: string, capabilities: Record<string, unknown>) {
  const meta = { 'io.modelcontextprotocol/protocolVersion': MODERN, 'io.modelcontextprotocol/clientCapabilities': capabilities };
  return post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/list', params: { _meta: meta } }, { 'x-api-key': key, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/list', accept: 'application/json' });
}

async function bridgeSessions(): Promise<number> {
  const text = await (await fetch(`${gw.origin}/metrics`)).text();
  return Number(/^mcp_gateway_bridge_sessions (\d+)$/m.exec(text)?.[1]);
}

describe("a client's declaration of itself", () => {
  it('an initialize whose params are over 16 KiB is refused with -32602 and holds no session', async () => {
    const before = gw.gateway.sessionCount;
    const answer = await post(
      gw.url,
      { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: big, clientInfo: { name: 'x', version: '1' } } },
      { 'x-api-key': 'nobody', accept: 'application/json' },
    );
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ id: 1, error: { code: -32602 } });
    expect(gw.gateway.sessionCount).toBe(before);
  });

  it('a stateless request declaring over 16 KiB is refused with -32602', async () => {
    const answer = await modern('lister', big);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: -32602 } });
  });

  it('refused stateless requests hold no session, however many capabilities they declare; allowed ones hold one each', async () => {
    const before = await bridgeSessions();
    for (let i = 0; i < 20; i++) expect((await modern('nobody', { experimental: { [`x${i}`]: {} } })).status).toBe(403);
    expect(await bridgeSessions()).toBe(before);
    for (let i = 0; i < 3; i++) expect((await modern('lister', { experimental: { [`y${i}`]: {} } })).status).toBe(200);
    expect(await bridgeSessions()).toBe(before + 3);
  });
});
