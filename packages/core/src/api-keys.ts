import { readCredential, MAX_CREDENTIAL_LENGTH } from './credentials.js';
import { deny, type Denial } from './errors.js';
import type { HeaderMap } from './headers.js';
import type { ResolvedOptions } from './options.js';
import { Sha256 } from './sha256.js';
import { ANONYMOUS_SUBJECT, type Subject } from './subject.js';

/** The authenticated subject, or why there is none. */
export type AuthResult = { ok: true; subject: Subject } | Denial;

interface KeyEntry {
  digest: Uint32Array;
  subject: Subject;
}

/** A compact map key for a digest: its eight words as sixteen UTF-16 code units. */
function digestKey(words: Uint32Array): string {
  let key = '';
  for (let i = 0; i < 8; i++) key += String.fromCharCode(words[i]! >>> 16, words[i]! & 0xffff);
  return key;
}

function hexWords(hex: string): Uint32Array {
  const words = new Uint32Array(8);
  for (let i = 0; i < 8; i++) words[i] = parseInt(hex.slice(i * 8, i * 8 + 8), 16);
  return words;
}

/** Compares digests in time independent of where they differ. */
function sameDigest(a: Uint32Array, b: Uint32Array): boolean {
  let diff = 0;
  for (let i = 0; i < 8; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

const CHALLENGE: Readonly<Record<string, string>> = { 'www-authenticate': 'Bearer realm="mcp-gateway"' };

/** Authenticates requests against the configured API keys. */
export interface Authenticator {
  /** Decides who the request is from, by its headers (lower-case names). */
  authenticate(headers: HeaderMap): AuthResult;
}

/**
 * SHA-256 of a key's UTF-8 bytes as the eight big-endian 32-bit words of the digest. The result
 * may be a view the function reuses: it is read before the next call.
 */
export type KeyDigest = (key: string) => Uint32Array;

/**
 * Indexes keys by the hex of their SHA-256 once, so a lookup costs one hash and one map probe
 * whatever the number of keys. The map probe can only reveal timing about the hash, which says
 * nothing usable about the key; the final comparison of digests is constant-time anyway.
 */
export function createAuthenticator(auth: ResolvedOptions['auth'], digestOf?: KeyDigest): Authenticator {
  if (auth.mode === 'none') {
    return { authenticate: () => ({ ok: true, subject: { ...ANONYMOUS_SUBJECT } }) };
  }
  const hasher = new Sha256();
  const digestKeyOf: KeyDigest = digestOf ?? ((key) => hasher.words(key));
  const index = new Map<string, KeyEntry>();
  auth.apiKeys.forEach((entry, i) => {
    const digest = entry.key !== undefined ? Uint32Array.from(hasher.words(entry.key)) : hexWords(entry.keyHash!.slice('sha256:'.length));
    const subject: Subject = Object.freeze({ tenant: entry.tenant, client: entry.client, apiKeyId: entry.id ?? `apiKeys[${i}]` });
    index.set(digestKey(digest), { digest, subject });
  });

  return {
    authenticate(headers) {
      const presented = readCredential(headers);
      if (presented.kind === 'conflict') {
        return deny('AMBIGUOUS_CREDENTIALS', 'send one API key, in one header', { headers: CHALLENGE });
      }
      if (presented.kind === 'none') {
        const detail = presented.problem ?? 'send an API key in Authorization: Bearer, Authorization: Api-Key, X-API-Key or Api-Key';
        return deny('UNAUTHENTICATED', detail, { headers: CHALLENGE });
      }
      if (presented.value.length > MAX_CREDENTIAL_LENGTH) return deny('INVALID_CREDENTIALS', undefined, { headers: CHALLENGE });
      const digest = digestKeyOf(presented.value);
      const entry = index.get(digestKey(digest));
      if (!entry || !sameDigest(entry.digest, digest)) {
        return deny('INVALID_CREDENTIALS', undefined, { headers: CHALLENGE });
      }
      return { ok: true, subject: entry.subject };
    },
  };
}
