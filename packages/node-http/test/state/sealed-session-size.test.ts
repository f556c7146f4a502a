import { describe, expect, it } from 'vitest';
import { MAX_TOKEN_CHARS, SessionSealer, type SessionClaims } from '../../src/state/session-token.js';

// The sizes docs/sealed-sessions.md quotes ("Size"): a sealed id with 1 and with 8 upstreams, for
// a typical client and for initialize params at the 1 KiB past which they are shortened. The
// length depends only on the claims (the IV and tag have fixed lengths), so the figures are exact.

const SECRET = 'size-test-secret-0123456789abcdefghijklmnop';
const NAMES = Array.from({ length: 8 }, (_, i) => `upstream-${i + 1}`);
const SESSION_IDS = Array.from({ length: 8 }, (_, i) => `6f1c2a4e-8d0b-4f7e-9a51-3c2d1e0f9b8${i}`);
const TYPICAL_PARAMS = { protocolVersion: '2025-06-18', capabilities: { sampling: {}, elicitation: {}, roots: { listChanged: true } }, clientInfo: { name: 'example-client', version: '1.0.0' } };
/** 1,024 characters of JSON: the most that is sealed as sent. */
const LARGE_PARAMS = { ...TYPICAL_PARAMS, clientInfo: { ...TYPICAL_PARAMS.clientInfo, title: 'x'.repeat(847) } };

function token(upstreams: number, initializeParams: SessionClaims['initializeParams']): string {
  const sealer = new SessionSealer([SECRET], NAMES.map((name) => ({ name, url: `http://${name}:8080/mcp` })));
  return sealer.seal({
    subject: { tenant: 'acme', client: 'billing-agent', apiKeyId: 'billing-prod' },
    protocolVersion: '2025-06-18',
    initializeParams,
    issuedAt: 1_765_000_000_000,
    upstreams: NAMES.slice(0, upstreams).map((name, i) => ({ name, sessionId: SESSION_IDS[i], protocolVersion: '2025-06-18' })),
  });
}

/** Characters of base64url for 37 bytes of header, IV and tag around `plaintext` bytes of JSON. */
const charsFor = (plaintext: number) => Math.ceil(((1 + 8 + 12 + 16 + plaintext) * 4) / 3);

describe('the size of a sealed session id', () => {
  it('is 467 characters with one upstream and 1195 with eight, for a typical client', () => {
    expect(JSON.stringify(LARGE_PARAMS).length).toBe(1_024);
    const one = token(1, TYPICAL_PARAMS);
    const eight = token(8, TYPICAL_PARAMS);
    expect(one.length).toBe(467);
    expect(eight.length).toBe(1_195);
    // 37 bytes around the JSON; each further upstream (a 10-character name, a UUID session id) adds 78 bytes of it.
    expect(Buffer.from(one, 'base64url').length).toBe(37 + 313);
    expect(eight.length).toBe(charsFor(313 + 7 * 78));
  });

  it('is 1611 and 2339 characters with 1 KiB of initialize params, well under MAX_TOKEN_CHARS', () => {
    expect(token(1, LARGE_PARAMS).length).toBe(1_611);
    expect(token(8, LARGE_PARAMS).length).toBe(2_339);
    expect(token(8, LARGE_PARAMS).length).toBeLessThan(MAX_TOKEN_CHARS / 2);
  });
});
