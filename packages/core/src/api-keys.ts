import { constantTimeEqual } from './constant-time.js';
import { readCredential, MAX_CREDENTIAL_LENGTH } from './credentials.js';
import { deny, type Denial } from './errors.js';
import type { HeaderMap } from './headers.js';
import type { ResolvedOptions } from './options.js';
import { fromHex, sha256, toHex } from './sha256.js';
import { ANONYMOUS_SUBJECT, type Subject } from './subject.js';

/** The authenticated subject, or why there is none. */
export type AuthResult = { ok: true; subject: Subject } | Denial;

interface KeyEntry {
  digest: Uint8Array;
  subject: Subject;
}

const CHALLENGE = { 'www-authenticate': 'Bearer realm="mcp-gateway"' };

/** Authenticates requests against the configured API keys. */
export interface Authenticator {
  /** Decides who the request is from, by its headers (lower-case names). */
  authenticate(headers: HeaderMap): AuthResult;
}

/**
 * Indexes keys by the hex of their SHA-256 once, so a lookup costs one hash and one map probe
 * whatever the number of keys. The map probe can only reveal timing about the hash, which says
 * nothing usable about the key; the final comparison of digests is constant-time anyway.
 */
export function createAuthenticator(auth: ResolvedOptions['auth']): Authenticator {
  if (auth.mode === 'none') {
    return { authenticate: () => ({ ok: true, subject: { ...ANONYMOUS_SUBJECT } }) };
  }
  const encoder = new TextEncoder();
  const index = new Map<string, KeyEntry>();
  auth.apiKeys.forEach((entry, i) => {
    const digest = entry.key !== undefined ? sha256(encoder.encode(entry.key)) : fromHex(entry.keyHash!.slice('sha256:'.length));
    const subject: Subject = Object.freeze({ tenant: entry.tenant, client: entry.client, apiKeyId: entry.id ?? `apiKeys[${i}]` });
    index.set(toHex(digest), { digest, subject });
  });

  return {
    authenticate(headers) {
      const presented = readCredential(headers);
      if (presented.kind === 'conflict') {
        return deny('AMBIGUOUS_CREDENTIALS', 'send one API key, in one header', { headers: CHALLENGE });
      }
      if (presented.kind === 'none') {
        const detail = presented.unsupportedScheme
          ? `unsupported Authorization scheme "${presented.unsupportedScheme}" (use Bearer or Api-Key)`
          : 'send an API key in Authorization: Bearer, Authorization: Api-Key, X-API-Key or Api-Key';
        return deny('UNAUTHENTICATED', detail, { headers: CHALLENGE });
      }
      if (presented.value.length > MAX_CREDENTIAL_LENGTH) return deny('INVALID_CREDENTIALS', undefined, { headers: CHALLENGE });
      const digest = sha256(encoder.encode(presented.value));
      const entry = index.get(toHex(digest));
      if (!entry || !constantTimeEqual(entry.digest, digest)) {
        return deny('INVALID_CREDENTIALS', undefined, { headers: CHALLENGE });
      }
      return { ok: true, subject: entry.subject };
    },
  };
}
