import { describe, expect, it } from 'vitest';
import type { SseEvent } from '../../src/wire/sse.js';

describe('relaying server-to-client requests', () => {
  it('gives each a gateway id, so two upstreams asking with the same id never collide, and maps cancellations', async () => {
    const { SessionStore } = await import('../../src/state/sessions.js');
    const { relayMessage } = await import('../../src/upstream/relay.js');
    const store = new SessionStore({ idleTimeoutMs: 60_000, maxSessions: 1 }, () => undefined);
    const session = store.create({ tenant: 't', client: 'c', apiKeyId: 'k' }, '2025-06-18', {})!;
    const sent: unknown[] = [];
    const answer = { event: (_event: SseEvent, message: unknown) => void sent.push(message) };
    const ask = { jsonrpc: '2.0', id: 0, method: 'sampling/createMessage', params: {} };
    relayMessage(session, 'a', { data: JSON.stringify(ask) }, ask, answer);
    relayMessage(session, 'b', { data: JSON.stringify(ask) }, ask, answer);
    const [first, second] = sent as { id: number }[];
    expect(first!.id).not.toBe(second!.id);
    expect([...session.serverRequests.values()]).toEqual([
      { upstream: 'a', id: 0, gatewayId: first!.id },
      { upstream: 'b', id: 0, gatewayId: second!.id },
    ]);
    const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 0, reason: 'gave up' } };
    relayMessage(session, 'b', { data: JSON.stringify(cancel) }, cancel, answer);
    expect(sent[2]).toEqual({ ...cancel, params: { requestId: second!.id, reason: 'gave up' } });
    expect(session.serverRequests.size).toBe(1);
    // A response passes unchanged, and its id is reported as answered.
    const response = { jsonrpc: '2.0', id: 7, result: {} };
    expect(relayMessage(session, 'a', { data: JSON.stringify(response) }, response, answer)).toBe(7);
    store.drain();
  });
});
