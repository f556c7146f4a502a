import { describe, expect, it } from 'vitest';
import { ANONYMOUS_SUBJECT } from '@gw/core';
import { SessionStore, idKey } from '../../src/state/sessions.js';
import { openSession, post, startGateway } from '../support/gateway.js';
import { startUpstream } from '../support/upstream.js';

const alice = { tenant: 't', client: 'alice', apiKeyId: 'a' };
const mallory = { tenant: 't', client: 'alice', apiKeyId: 'm' };

describe('SessionStore', () => {
  it('issues unguessable ids and answers only to the subject that opened the session', () => {
    const closed: string[] = [];
    const store = new SessionStore({ idleTimeoutMs: 60_000, maxSessions: 10 }, (session) => closed.push(session.id));
    const one = store.create(alice, '2025-06-18', {})!;
    const two = store.create(alice, '2025-06-18', {})!;
    expect(one.id).not.toBe(two.id);
    expect(Buffer.from(one.id, 'base64url')).toHaveLength(24);
    expect(store.find(one.id, alice)).toBe(one);
    // Same tenant and client, another key: a different subject.
    expect(store.find(one.id, mallory)).toBeUndefined();
    expect(store.find(one.id, ANONYMOUS_SUBJECT)).toBeUndefined();
    store.drain();
  });

  it('closes sessions idle past the timeout and keeps the ones in use', () => {
    const closed: string[] = [];
    const store = new SessionStore({ idleTimeoutMs: 1_000, maxSessions: 10 }, (session) => closed.push(session.id));
    const idle = store.create(alice, '2025-06-18', {})!;
    const busy = store.create(alice, '2025-06-18', {})!;
    busy.lastSeen = Date.now() + 5_000;
    store.sweep(Date.now() + 2_000);
    expect(closed).toEqual([idle.id]);
    expect(idle.closed.signal.aborted).toBe(true);
    expect(store.find(idle.id, alice)).toBeUndefined();
    expect(store.find(busy.id, alice)).toBe(busy);
    store.drain();
  });

  it('never sweeps a session with a request or stream in use; its idle time starts when the last use ends', () => {
    const closed: string[] = [];
    const store = new SessionStore({ idleTimeoutMs: 1_000, maxSessions: 10 }, (session) => closed.push(session.id));
    const busy = store.create(alice, '2025-06-18', {})!;
    const request = store.use(busy);
    const stream = store.use(busy);
    store.sweep(Date.now() + 5_000);
    request();
    store.sweep(Date.now() + 5_000);
    expect(closed).toEqual([]);
    expect(busy.closed.signal.aborted).toBe(false);
    stream();
    store.sweep(Date.now() + 500);
    expect(closed).toEqual([]);
    store.sweep(Date.now() + 5_000);
    expect(closed).toEqual([busy.id]);
    store.drain();
  });

  it('holds at most maxSessions, making room by closing idle ones first', () => {
    const store = new SessionStore({ idleTimeoutMs: 1_000, maxSessions: 2 }, () => undefined);
    const first = store.create(alice, '2025-06-18', {})!;
    store.create(alice, '2025-06-18', {});
    expect(store.create(alice, '2025-06-18', {})).toBeUndefined();
    first.lastSeen = Date.now() - 10_000;
    expect(store.create(alice, '2025-06-18', {})).toBeDefined();
    expect(store.size).toBe(2);
    store.drain();
  });

  it('keys ids by type, so 1 and "1" stay apart', () => {
    expect(idKey(1)).not.toBe(idKey('1'));
  });
});

describe('session lifetime in the gateway', () => {
  it('closes an idle session on its upstream too, then answers its id with 404', async () => {
    const upstream = await startUpstream({ name: 'up' });
    const gw = await startGateway({
      auth: { mode: 'none' },
      policy: { default: 'allow' },
      sessions: { idleTimeoutMs: 300 },
      upstreams: [{ name: 'up', url: upstream.url }],
    });
    try {
      const session = await openSession(gw.url, {});
      const upstreamSession = upstream.sessionIds()[0];
      expect(upstreamSession).toBeDefined();
      const deadline = Date.now() + 4_000;
      while (!upstream.deletedSessionIds.includes(upstreamSession!) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(upstream.deletedSessionIds).toContain(upstreamSession);
      const after = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'ping' }, { 'mcp-session-id': session });
      expect(after.status).toBe(404);
      expect(gw.gateway.sessionCount).toBe(0);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  it('answers initialize with 503 once sessions.maxSessions are open', async () => {
    const upstream = await startUpstream({ name: 'up' });
    const gw = await startGateway({ auth: { mode: 'none' }, policy: { default: 'allow' }, sessions: { maxSessions: 1 }, upstreams: [{ name: 'up', url: upstream.url }] });
    try {
      await openSession(gw.url, {});
      const full = await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
      expect(full.status).toBe(503);
      expect(full.body).toMatchObject({ id: 2, error: { code: -50300 } });
    } finally {
      await gw.close();
      await upstream.close();
    }
  });

  it('ends every session on close(), on the upstreams too, and then answers 503', async () => {
    const upstream = await startUpstream({ name: 'up' });
    const gw = await startGateway({ auth: { mode: 'none' }, policy: { default: 'allow' }, upstreams: [{ name: 'up', url: upstream.url }] });
    try {
      await openSession(gw.url, {});
      const upstreamSession = upstream.sessionIds()[0];
      await gw.gateway.close();
      expect(upstream.deletedSessionIds).toContain(upstreamSession);
      const after = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'ping' });
      expect(after.status).toBe(503);
      expect((await fetch(`${gw.origin}/healthz`)).status).toBe(503);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

describe('closing with a call in progress', () => {
  it('lets the call finish before it ends the sessions', async () => {
    const upstream = await startUpstream({ name: 'up' });
    const gw = await startGateway({ auth: { mode: 'none' }, policy: { default: 'allow' }, upstreams: [{ name: 'up', url: upstream.url }] });
    try {
      const session = await openSession(gw.url, {});
      const call = post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'up.slow', arguments: { ms: 1_000 } } }, { 'mcp-session-id': session, accept: 'application/json' });
      // Closed once the call is at the upstream (not after a fixed wait, which a busy machine outlasts).
      const isCall = (request: { body: unknown }) => (request.body as { method?: unknown } | undefined)?.method === 'tools/call';
      while (!upstream.requests.some(isCall)) await new Promise((resolve) => setTimeout(resolve, 10));
      const closing = gw.gateway.close();
      const refused = await post(gw.url, { jsonrpc: '2.0', id: 2, method: 'ping' }, { 'mcp-session-id': session });
      expect(refused.status).toBe(503);
      expect((await call).body).toMatchObject({ id: 1, result: { content: [{ text: 'slow done' }] } });
      await closing;
      expect(upstream.deletedSessionIds).toHaveLength(1);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});

describe('a burst of initializes before the upstreams are known', () => {
  it('opens one upstream session to learn capabilities, not one per client', async () => {
    const upstream = await startUpstream({ name: 'up' });
    const gw = await startGateway({ auth: { mode: 'none' }, policy: { default: 'allow' }, upstreams: [{ name: 'up', url: upstream.url }] });
    try {
      const sessions = await Promise.all(Array.from({ length: 10 }, () => openSession(gw.url, {})));
      expect(new Set(sessions).size).toBe(10);
      expect(upstream.sessionIds()).toHaveLength(1);
      // The others open theirs lazily, on first use.
      const answer = await post(gw.url, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'up.counter', arguments: {} } }, { 'mcp-session-id': sessions[9]!, accept: 'application/json' });
      expect(answer.body).toMatchObject({ result: { content: [{ text: '1' }] } });
      expect(upstream.sessionIds().length).toBeLessThanOrEqual(2);
    } finally {
      await gw.close();
      await upstream.close();
    }
  });
});
