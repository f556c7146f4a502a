import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { relayMessage } from '../../src/upstream/relay.js';
import { MAX_TOKEN_CHARS, SessionSealer, sealableParams, type SessionClaims } from '../../src/state/session-token.js';
import { cancellationTargets, idKey, SessionStore, type CloseScope, type Session, type SessionLimits } from '../../src/state/sessions.js';
import type { SseEvent } from '../../src/wire/sse.js';

const SECRET = 'session-secret-one-0123456789abcdefghij';
const NEXT_SECRET = 'session-secret-two-0123456789abcdefghij';
const UPSTREAMS = ['math', 'docs'];
const alice = { tenant: 'acme', client: 'app', apiKeyId: 'alice' };
const mallory = { tenant: 'acme', client: 'app', apiKeyId: 'mallory' };
const MATH_SESSION = '6f1c2a4e-8d0b-4f7e-9a51-3c2d1e0f9b87';

function claims(overrides: Partial<SessionClaims> = {}): SessionClaims {
  return {
    subject: alice,
    protocolVersion: '2025-06-18',
    initializeParams: { protocolVersion: '2025-06-18', capabilities: { sampling: {} }, clientInfo: { name: 'c', version: '1' } },
    issuedAt: Date.now(),
    upstreams: [
      { name: 'math', sessionId: MATH_SESSION, protocolVersion: '2025-06-18' },
      { name: 'docs', sessionId: undefined, protocolVersion: '2025-03-26' },
    ],
    ...overrides,
  };
}

/** Flips one bit of the byte at `index` of a token's bytes. */
function flip(token: string, index: number): string {
  const bytes = Buffer.from(token, 'base64url');
  bytes[index]! ^= 0x01;
  return bytes.toString('base64url');
}

describe('sealed session ids', () => {
  it('open to the claims they were sealed with, and hide them', () => {
    const sealer = new SessionSealer([SECRET], UPSTREAMS);
    const sealed = claims();
    const token = sealer.seal(sealed);
    expect(token).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(sealer.open(token)).toEqual(sealed);
    // A random IV per seal: the same claims never give the same id.
    expect(sealer.seal(sealed)).not.toBe(token);
    // Encrypted: neither the upstream's session id nor the subject can be read from it.
    const bytes = Buffer.from(token, 'base64url').toString('latin1');
    for (const hidden of [MATH_SESSION, 'alice', 'acme']) expect(bytes).not.toContain(hidden);
    expect(token.length).toBeLessThan(600);
  });

  it('refuse any change to any byte, and anything that is not one of their own', () => {
    const sealer = new SessionSealer([SECRET], UPSTREAMS);
    const token = sealer.seal(claims());
    const length = Buffer.from(token, 'base64url').length;
    for (let index = 0; index < length; index++) expect(sealer.open(flip(token, index))).toBeUndefined();
    expect(sealer.open(token.slice(0, -1))).toBeUndefined();
    expect(sealer.open(`${token}A`)).toBeUndefined();
    expect(sealer.open('')).toBeUndefined();
    expect(sealer.open('not a token')).toBeUndefined();
    expect(sealer.open('x'.repeat(MAX_TOKEN_CHARS + 1))).toBeUndefined();
    // The in-memory store's ids are 24 random bytes: never mistaken for a sealed id.
    expect(sealer.open(Buffer.alloc(24, 7).toString('base64url'))).toBeUndefined();
    expect(new SessionSealer([NEXT_SECRET], UPSTREAMS).open(token)).toBeUndefined();
  });

  it('open under every listed secret, so the secret can be rotated', () => {
    const old = new SessionSealer([SECRET], UPSTREAMS).seal(claims());
    const rotated = new SessionSealer([NEXT_SECRET, SECRET], UPSTREAMS);
    expect(rotated.open(old)?.upstreams[0]?.sessionId).toBe(MATH_SESSION);
    // New ids are sealed with the first secret: the old one alone cannot open them.
    const fresh = rotated.seal(claims());
    expect(new SessionSealer([SECRET], UPSTREAMS).open(fresh)).toBeUndefined();
    expect(new SessionSealer([NEXT_SECRET], UPSTREAMS).open(fresh)).toBeDefined();
    // Once the old secret is removed, ids it sealed are refused.
    expect(new SessionSealer([NEXT_SECRET], UPSTREAMS).open(old)).toBeUndefined();
  });

  it('try every secret whose key id byte matches, not only the first', () => {
    const keyId = (secret: string) => Buffer.from(hkdfSync('sha256', Buffer.from(secret), Buffer.alloc(0), 'mcp-gateway session key id', 1))[0];
    const first = 'colliding-secret-0000000000000000-0';
    let second = '';
    for (let i = 1; i < 10_000 && !second; i++) {
      const candidate = `colliding-secret-0000000000000000-${i}`;
      if (keyId(candidate) === keyId(first)) second = candidate;
    }
    expect(second).not.toBe('');
    const token = new SessionSealer([second], UPSTREAMS).seal(claims());
    expect(new SessionSealer([first, second], UPSTREAMS).open(token)).toBeDefined();
  });

  it('leave out upstreams the configuration no longer declares', () => {
    const token = new SessionSealer([SECRET], ['math', 'docs']).seal(claims());
    expect(new SessionSealer([SECRET], ['math']).open(token)?.upstreams.map((upstream) => upstream.name)).toEqual(['math']);
  });

  it('shorten long initialize params to what an upstream needs, keeping ids small', () => {
    const params = {
      protocolVersion: '2025-06-18',
      capabilities: { roots: { listChanged: true }, experimental: { big: 'x'.repeat(5_000) } },
      clientInfo: { name: 'client', version: '2', icons: [{ src: `data:image/png;base64,${'A'.repeat(5_000)}` }] },
    };
    expect(sealableParams(params)).toEqual({ protocolVersion: '2025-06-18', capabilities: { roots: { listChanged: true } }, clientInfo: { name: 'client', version: '2' } });
    const sealer = new SessionSealer([SECRET], UPSTREAMS);
    const token = sealer.seal(claims({ initializeParams: params }));
    expect(token.length).toBeLessThan(800);
    expect(sealer.open(token)?.initializeParams).toEqual(sealableParams(params));
    const small = claims().initializeParams;
    expect(sealableParams(small)).toBe(small);
  });
});

describe('server-to-client request ids under sealed sessions', () => {
  it('carry the upstream and its id, signed for one session, readable by any replica', () => {
    const a = new SessionSealer([SECRET], UPSTREAMS);
    const b = new SessionSealer([NEXT_SECRET, SECRET], UPSTREAMS);
    for (const id of [0, 41, 'req-7', 'a:b:c']) {
      const gatewayId = a.serverRequestId('session-1', 'math', id);
      expect(gatewayId.startsWith('math:')).toBe(true);
      expect(b.serverRequestOrigin('session-1', gatewayId)).toEqual({ upstream: 'math', id });
      // Deterministic, so an upstream's later cancellation maps to the same id.
      expect(a.serverRequestId('session-1', 'math', id)).toBe(gatewayId);
      expect(b.serverRequestOrigin('session-2', gatewayId)).toBeUndefined();
    }
    const gatewayId = a.serverRequestId('session-1', 'math', 3);
    const [, encoded, signature] = gatewayId.split(':');
    expect(b.serverRequestOrigin('session-1', `docs:${encoded}:${signature}`)).toBeUndefined();
    expect(b.serverRequestOrigin('session-1', `math:${Buffer.from('4').toString('base64url')}:${signature}`)).toBeUndefined();
    expect(new SessionSealer([SECRET], ['docs']).serverRequestOrigin('session-1', gatewayId)).toBeUndefined();
    expect(new SessionSealer([NEXT_SECRET], UPSTREAMS).serverRequestOrigin('session-1', gatewayId)).toBeUndefined();
    for (const junk of ['', 'math', 'math:x', 'math:x:y:z', `math:${encoded}:short`]) expect(b.serverRequestOrigin('session-1', junk)).toBeUndefined();
  });
});

/** Two replicas' stores sharing a secret, with what each let go of. */
function replicas(limits: SessionLimits = { idleTimeoutMs: 60_000, maxSessions: 10, maxAgeMs: 60_000 }) {
  const closed: Array<{ replica: string; id: string; scope: CloseScope }> = [];
  const store = (replica: string) => new SessionStore(limits, (session, scope) => closed.push({ replica, id: session.id, scope }), new SessionSealer([SECRET], UPSTREAMS));
  return { a: store('a'), b: store('b'), closed };
}

/** A draft whose math upstream session is open (as initialize leaves it), admitted to `store`. */
function admitted(store: SessionStore): Session {
  const draft = store.draft(alice, '2025-06-18', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } });
  const math = { sessionId: MATH_SESSION, protocolVersion: '2025-06-18', capabilities: { tools: {} } };
  draft.ready.set('math', math);
  draft.upstreams.set('math', Promise.resolve(math));
  return store.admit(draft, MAX_TOKEN_CHARS)!;
}

describe('the session store with sealed ids', () => {
  it('lets a replica that never saw a session serve it from its id, for its own subject only', () => {
    const { a, b } = replicas();
    const session = admitted(a);
    expect(session.sealed?.carried).toEqual(new Set(['math']));
    expect(a.find(session.id, alice)).toBe(session);
    expect(b.find(session.id, mallory)).toBeUndefined();
    expect(b.size).toBe(0);
    const there = b.find(session.id, alice)!;
    expect(there.ready.get('math')).toMatchObject({ sessionId: MATH_SESSION, protocolVersion: '2025-06-18' });
    expect(there.sealed?.carried).toEqual(new Set(['math']));
    // Cached: the next request finds the same object without opening the id again.
    expect(b.find(session.id, alice)).toBe(there);
    expect(b.find(session.id, mallory)).toBeUndefined();
    a.drain();
    b.drain();
  });

  it('refuses an ended id at once on the replica that ended it, and an expired one everywhere', () => {
    const { a, b, closed } = replicas({ idleTimeoutMs: 60_000, maxSessions: 10, maxAgeMs: 1_000 });
    const session = admitted(a);
    a.end(session);
    expect(a.find(session.id, alice)).toBeUndefined();
    expect(session.closed.signal.aborted).toBe(true);
    // The other replica learns it from the upstream (its 404), not from this store.
    const there = b.find(session.id, alice)!;
    expect(there).toBeDefined();
    // Past max age: refused, and the replica holding it closes its upstream sessions.
    const clock = vi.spyOn(Date, 'now').mockReturnValue(Date.now() + 2_000);
    try {
      expect(b.find(session.id, alice)).toBeUndefined();
      expect(closed).toEqual([{ replica: 'b', id: session.id, scope: 'all' }]);
      expect(new SessionStore({ idleTimeoutMs: 60_000, maxSessions: 10, maxAgeMs: 1_000 }, () => undefined, new SessionSealer([SECRET], UPSTREAMS)).find(session.id, alice)).toBeUndefined();
    } finally {
      clock.mockRestore();
    }
    a.drain();
    b.drain();
  });

  it('keeps at most maxSessions, letting the least recently used go without closing what the id carries', () => {
    const { a, b, closed } = replicas({ idleTimeoutMs: 60_000, maxSessions: 2, maxAgeMs: 60_000 });
    const [one, two, three] = [admitted(a), admitted(a), admitted(a)];
    expect(b.find(one!.id, alice)).toBeDefined();
    expect(b.find(two!.id, alice)).toBeDefined();
    expect(b.find(one!.id, alice)).toBeDefined();
    expect(b.find(three!.id, alice)).toBeDefined();
    expect(b.size).toBe(2);
    expect(closed).toEqual([
      { replica: 'a', id: one!.id, scope: 'local' },
      { replica: 'b', id: two!.id, scope: 'local' },
    ]);
    // What was let go of reopens from its id.
    expect(b.find(two!.id, alice)?.ready.get('math')?.sessionId).toBe(MATH_SESSION);
    a.drain();
    b.drain();
  });

  it('lets a subject at sessions.maxPerSubject push out only its own cached sessions, never another subject\'s', () => {
    const { a, closed } = replicas({ idleTimeoutMs: 60_000, maxSessions: 10, maxPerSubject: 2, maxAgeMs: 60_000 });
    const other = { tenant: 'other', client: 'c', apiKeyId: 'o' };
    const draft = a.draft(other, '2025-06-18', { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'c', version: '1' } });
    const theirs = a.admit(draft, MAX_TOKEN_CHARS)!;
    const mine = [admitted(a), admitted(a), admitted(a), admitted(a)];
    expect(a.size).toBe(3);
    expect(a.find(theirs.id, other)).toBe(theirs);
    expect(closed.map((entry) => entry.id)).toEqual([mine[0]!.id, mine[1]!.id]);
    a.drain();
  });

  it('lets idle sessions go on the sweep as idle here (the gateway asks the shared store whether they are idle everywhere)', () => {
    const { a, closed } = replicas({ idleTimeoutMs: 1_000, maxSessions: 10, maxAgeMs: 60_000 });
    const session = admitted(a);
    a.sweep(Date.now() + 2_000);
    expect(closed).toEqual([{ replica: 'a', id: session.id, scope: 'idle' }]);
    expect(a.size).toBe(0);
    expect(a.find(session.id, alice)?.ready.get('math')?.sessionId).toBe(MATH_SESSION);
    a.drain();
  });

  it('routes the client\'s answer to a server request through whichever replica receives it', () => {
    const { a, b } = replicas();
    const session = admitted(a);
    const sent: Array<{ id: string }> = [];
    const answer = { event: (_event: SseEvent, message: unknown) => void sent.push(message as { id: string }) };
    const ask = { jsonrpc: '2.0', id: 0, method: 'sampling/createMessage', params: {} };
    relayMessage(session, 'math', { data: JSON.stringify(ask) }, ask, answer);
    relayMessage(session, 'docs', { data: JSON.stringify(ask) }, ask, answer);
    const [fromMath, fromDocs] = sent;
    expect(typeof fromMath!.id).toBe('string');
    expect(fromMath!.id).not.toBe(fromDocs!.id);
    const there = b.find(session.id, alice)!;
    expect(there.serverRequests.get(idKey(fromMath!.id))).toEqual({ upstream: 'math', id: 0, gatewayId: fromMath!.id });
    expect(there.serverRequests.get(idKey(fromDocs!.id))).toMatchObject({ upstream: 'docs', id: 0 });
    expect(there.serverRequests.get(idKey(0))).toBeUndefined();
    // The upstream withdrawing its request: the client hears of it under the id it knows, on any replica.
    const cancel = { jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: 0 } };
    relayMessage(there, 'math', { data: JSON.stringify(cancel) }, cancel, answer);
    expect(sent[2]).toEqual({ ...cancel, params: { requestId: fromMath!.id } });
    a.drain();
    b.drain();
  });

  it('sends a cancellation for a request another replica forwards to every upstream session that is open', () => {
    const { a, b } = replicas();
    const session = admitted(a);
    session.inFlight.set(idKey(5), 'math');
    expect(cancellationTargets(session, 5)).toEqual(['math']);
    const there = b.find(session.id, alice)!;
    expect(cancellationTargets(there, 5)).toEqual(['math']);
    const local = new SessionStore({ idleTimeoutMs: 60_000, maxSessions: 1 }, () => undefined).create(alice, '2025-06-18', {})!;
    expect(cancellationTargets(local, 5)).toEqual([]);
    a.drain();
    b.drain();
  });
});

describe('sealed ids across replicas configured alike or not (format 2)', () => {
  /** A format-1 id, as replicas sealed them before key fingerprints: one key id byte, no upstream hashes. */
  function legacyToken(secret: string, sealed: SessionClaims): string {
    const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', Buffer.from(secret), Buffer.alloc(0), info, length));
    const header = Buffer.from([1, derive('mcp-gateway session key id', 1)[0]!]);
    const plaintext = JSON.stringify([sealed.protocolVersion, sealed.subject.tenant, sealed.subject.client, sealed.subject.apiKeyId, sealed.issuedAt, sealed.initializeParams, sealed.upstreams.map((u) => [u.name, u.sessionId ?? null, u.protocolVersion])]);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', derive('mcp-gateway session', 32), iv);
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
    return Buffer.concat([header, iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  it('open format-1 ids sealed before an upgrade, under any listed secret', () => {
    const sealed = claims();
    expect(new SessionSealer([SECRET], UPSTREAMS).open(legacyToken(SECRET, sealed))).toEqual(sealed);
    expect(new SessionSealer([NEXT_SECRET, SECRET], UPSTREAMS).open(legacyToken(SECRET, sealed))).toEqual(sealed);
    expect(new SessionSealer([NEXT_SECRET], UPSTREAMS).unseal(legacyToken(SECRET, sealed))).toEqual({ ok: false });
  });

  it('name a secret this replica lacks, or an upstream it declares at another URL; an unknown or altered id names nothing', () => {
    const here = [{ name: 'math', url: 'http://math:1/mcp' }, { name: 'docs', url: 'http://docs:1/mcp' }];
    const token = new SessionSealer([SECRET], here).seal(claims());
    expect(new SessionSealer([SECRET], here).unseal(token)).toMatchObject({ ok: true });
    expect(new SessionSealer([NEXT_SECRET], here).unseal(token)).toEqual({ ok: false, mismatch: { cause: 'secret' } });
    const moved = new SessionSealer([SECRET], [here[0]!, { name: 'docs', url: 'http://docs:2/mcp' }]).unseal(token);
    expect(moved).toMatchObject({ ok: false, mismatch: { cause: 'upstream', upstream: 'docs' } });
    // Altered under a key this replica has: nothing to say.
    expect(new SessionSealer([SECRET], here).unseal(flip(token, 20))).toEqual({ ok: false });
    // Only listed upstreams count: a replica that no longer declares docs serves the rest.
    expect(new SessionSealer([SECRET], [here[0]!]).unseal(token)).toMatchObject({ ok: true, claims: { upstreams: [{ name: 'math' }] } });
  });

  it('stay short: about 540 characters with two upstreams, about 100 more per further upstream', () => {
    const sealer = new SessionSealer([SECRET], ['math', 'docs', 'c', 'd']);
    const two = sealer.seal(claims()).length;
    const four = sealer.seal(claims({ upstreams: [...claims().upstreams, { name: 'c', sessionId: MATH_SESSION, protocolVersion: '2025-06-18' }, { name: 'd', sessionId: MATH_SESSION, protocolVersion: '2025-06-18' }] })).length;
    expect(two).toBeLessThan(600);
    expect((four - two) / 2).toBeLessThan(120);
  });
});
