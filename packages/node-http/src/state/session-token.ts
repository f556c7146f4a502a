import { createCipheriv, createDecipheriv, createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { JsonRpcId, JsonRpcParams, Subject } from '@gw/core';
import type { ReplicaMismatch } from '../ops/replica-mismatch.js';

/**
 * Sealed session ids: everything a replica needs to serve a client session, encrypted and
 * authenticated (AES-256-GCM) under a key derived from a secret the replicas share, so any
 * replica can serve any request of the session and none needs a shared store.
 *
 * Layout (format 2), base64url: format (1 byte) | key fingerprint (8 bytes) | IV (12 random bytes) |
 * ciphertext | tag (16 bytes). The first nine bytes are authenticated as associated data. The key
 * fingerprint (HKDF of the secret, independent of the keys, so showing it reveals nothing of them)
 * names which secret sealed the token: opening tries that key and no other, and a fingerprint no
 * listed secret has tells a replica that it was configured with other secrets than the one that
 * sealed the id. Each carried upstream holds a hash of its name and URL, so a replica that
 * declares that upstream differently notices instead of sending its session id elsewhere.
 *
 * Format 1 (before fingerprints: a one-byte key id, no upstream hashes) is still opened, so ids
 * issued before an upgrade keep working on upgraded replicas until they expire.
 */

/**
 * What opening a sealed id gives: its claims, or why not (a mismatch, or nothing to say: unknown).
 * An upstream mismatch comes with the claims, so the caller checks the subject binding first.
 */
export type Unsealed = { ok: true; claims: SessionClaims } | { ok: false; mismatch?: ReplicaMismatch; claims?: SessionClaims };

/** What a sealed session id carries. */
export interface SessionClaims {
  subject: Subject;
  /** The revision negotiated with the client. */
  protocolVersion: string;
  /** The client's initialize params (possibly shortened), replayed to upstreams opened later. */
  initializeParams: JsonRpcParams;
  /** When initialize was answered, in ms since the epoch. */
  issuedAt: number;
  /** The upstream sessions opened at initialize. */
  upstreams: SealedUpstream[];
}

/** One upstream session inside a sealed id. */
export interface SealedUpstream {
  name: string;
  /** Undefined for an upstream that keeps no sessions. */
  sessionId: string | undefined;
  protocolVersion: string;
}

/** Longest sealed id issued: well under the 8 KiB a proxy commonly allows for one header line. */
export const MAX_TOKEN_CHARS = 6_144;

/** Initialize params longer than this (as JSON) are shortened before they are sealed. */
const MAX_SEALED_PARAMS_CHARS = 1_024;

const FORMAT = 2;
/** Ids sealed before key fingerprints (one-byte key id, no upstream hashes), opened during an upgrade. */
const LEGACY_FORMAT = 1;
const FINGERPRINT_BYTES = 8;
const HEADER_BYTES = 1 + FINGERPRINT_BYTES;
const LEGACY_HEADER_BYTES = 2;
/** Bytes of SHA-256 kept per carried upstream's identity: enough to tell two configurations apart. */
const IDENTITY_BYTES = 6;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** format, key id, IV, at least one byte of ciphertext, tag (format 1 is shorter). */
const MIN_TOKEN_BYTES = LEGACY_HEADER_BYTES + IV_BYTES + 1 + TAG_BYTES;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Bytes of HMAC kept in a server-to-client request id. */
const MAC_BYTES = 16;

interface SealingKey {
  /** Format 1's key id byte. */
  id: number;
  /** Format 2's key fingerprint: public, derived apart from the keys. */
  fingerprint: Buffer;
  /** AES-256-GCM key for session ids. */
  aead: Buffer;
  /** HMAC key for the ids of relayed server-to-client requests. */
  mac: Buffer;
}

function deriveKey(secret: string): SealingKey {
  const ikm = Buffer.from(secret, 'utf8');
  const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, length));
  return {
    id: derive('mcp-gateway session key id', 1)[0]!,
    fingerprint: derive('mcp-gateway session key fingerprint', FINGERPRINT_BYTES),
    aead: derive('mcp-gateway session', 32),
    mac: derive('mcp-gateway server request', 32),
  };
}

/**
 * What a carried upstream session depends on: the upstream's name and URL. Hashed so the id
 * stays short; a replica compares it with its own declaration of that name.
 */
function upstreamIdentity(name: string, url: string): string {
  return createHash('sha256').update(name).update('\n').update(url).digest().subarray(0, IDENTITY_BYTES).toString('base64url');
}

/**
 * Seals and opens session ids, and signs the ids of relayed server-to-client requests, with the
 * configured secrets: the first seals and signs, every one opens and verifies.
 */
export class SessionSealer {
  private readonly keys: readonly SealingKey[];
  /** Each declared upstream's identity hash, by name. */
  private readonly identities: ReadonlyMap<string, string>;

  /**
   * `upstreams`: each declared upstream's name, with its URL where known (a bare name stands for
   * itself), which sealed ids record so replicas that declare it differently tell.
   */
  constructor(secrets: readonly string[], upstreams: Iterable<string | { name: string; url: string }>) {
    if (secrets.length === 0) throw new TypeError('at least one session secret is needed');
    this.keys = secrets.map(deriveKey);
    this.identities = new Map([...upstreams].map((upstream) => (typeof upstream === 'string' ? [upstream, upstreamIdentity(upstream, upstream)] : [upstream.name, upstreamIdentity(upstream.name, upstream.url)])));
  }

  /** A sealed id for these claims, shortening the initialize params when they are long. */
  seal(claims: SessionClaims): string {
    const key = this.keys[0]!;
    const plaintext = Buffer.from(JSON.stringify(encodeClaims({ ...claims, initializeParams: sealableParams(claims.initializeParams) }, this.identities)), 'utf8');
    const header = Buffer.concat([Buffer.from([FORMAT]), key.fingerprint]);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.aead, iv);
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([header, iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /**
   * The claims in a sealed id, or undefined for anything this gateway cannot serve: malformed,
   * tampered with, sealed under a secret not listed here, or by a replica configured otherwise.
   * Upstreams the configuration no longer declares are left out.
   */
  open(token: string): SessionClaims | undefined {
    const unsealed = this.unseal(token);
    return unsealed.ok ? unsealed.claims : undefined;
  }

  /**
   * Like open, and says when the id names a secret or an upstream this replica has otherwise
   * than the one that sealed it. Only what the secret authenticates is trusted: a forged id can
   * at most claim an unknown key fingerprint (a secret mismatch); an upstream mismatch is only
   * ever reported for an id that decrypted.
   */
  unseal(token: string): Unsealed {
    if (token.length > MAX_TOKEN_CHARS || !BASE64URL.test(token)) return { ok: false };
    const bytes = Buffer.from(token, 'base64url');
    // One spelling per token, so an id cannot be varied into another cache entry.
    if (bytes.length < MIN_TOKEN_BYTES || bytes.toString('base64url') !== token) return { ok: false };
    if (bytes[0] === LEGACY_FORMAT) {
      for (const key of this.keys) {
        if (key.id !== bytes[1]) continue;
        // Another listed secret may share this key id byte.
        const plaintext = decrypt(key, bytes, LEGACY_HEADER_BYTES);
        if (plaintext) return decodeClaims(plaintext, this.identities, false);
      }
      return { ok: false };
    }
    if (bytes[0] !== FORMAT || bytes.length < HEADER_BYTES + IV_BYTES + 1 + TAG_BYTES) return { ok: false };
    const fingerprint = bytes.subarray(1, HEADER_BYTES);
    const key = this.keys.find((candidate) => candidate.fingerprint.equals(fingerprint));
    if (!key) return { ok: false, mismatch: { cause: 'secret' } };
    const plaintext = decrypt(key, bytes, HEADER_BYTES);
    return plaintext ? decodeClaims(plaintext, this.identities, true) : { ok: false };
  }

  /**
   * The id the client sees for a request an upstream sends it: the upstream's name and its own
   * id, signed for this session, so whichever replica receives the client's response can send it
   * to the upstream that asked. The same inputs always give the same id, so an upstream's later
   * cancellation of the request maps to the id the client knows on any replica.
   */
  serverRequestId(sessionId: string, upstream: string, id: JsonRpcId): string {
    const encoded = Buffer.from(JSON.stringify(id), 'utf8').toString('base64url');
    return `${upstream}:${encoded}:${mac(this.keys[0]!, sessionId, upstream, encoded).toString('base64url')}`;
  }

  /** The upstream and its own id inside a server-request id this gateway signed for this session. */
  serverRequestOrigin(sessionId: string, gatewayId: string): { upstream: string; id: JsonRpcId } | undefined {
    const parts = gatewayId.split(':');
    if (parts.length !== 3) return undefined;
    const [upstream, encoded, signature] = parts as [string, string, string];
    if (!this.identities.has(upstream) || !BASE64URL.test(signature)) return undefined;
    const presented = Buffer.from(signature, 'base64url');
    if (presented.length !== MAC_BYTES) return undefined;
    if (!this.keys.some((key) => timingSafeEqual(mac(key, sessionId, upstream, encoded), presented))) return undefined;
    try {
      const id: unknown = JSON.parse(Buffer.from(encoded, 'base64url').toString('utf8'));
      return typeof id === 'string' || typeof id === 'number' ? { upstream, id } : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The plaintext of a token under one key, or undefined when it does not authenticate. */
function decrypt(key: SealingKey, bytes: Buffer, headerBytes: number): Buffer | undefined {
  const header = bytes.subarray(0, headerBytes);
  const iv = bytes.subarray(headerBytes, headerBytes + IV_BYTES);
  const body = bytes.subarray(headerBytes + IV_BYTES, bytes.length - TAG_BYTES);
  const tag = bytes.subarray(bytes.length - TAG_BYTES);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.aead, iv);
    decipher.setAAD(header);
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}

function mac(key: SealingKey, sessionId: string, upstream: string, encoded: string): Buffer {
  return createHmac('sha256', key.mac).update(sessionId).update('\n').update(upstream).update('\n').update(encoded).digest().subarray(0, MAC_BYTES);
}

/**
 * The initialize params as sealed. They are replayed only to upstreams that could not be opened
 * at initialize; past a size that would bloat every request's header, the parts an upstream
 * needs (revision, capabilities, client name and version) are kept and the rest is dropped.
 */
export function sealableParams(params: JsonRpcParams): JsonRpcParams {
  if (JSON.stringify(params).length <= MAX_SEALED_PARAMS_CHARS) return params;
  const clientInfo = (typeof params['clientInfo'] === 'object' && params['clientInfo'] !== null ? params['clientInfo'] : {}) as Record<string, unknown>;
  const short = (value: unknown) => (typeof value === 'string' ? value.slice(0, 128) : 'unknown');
  const brief: JsonRpcParams = { protocolVersion: params['protocolVersion'], clientInfo: { name: short(clientInfo['name']), version: short(clientInfo['version']) }, capabilities: {} };
  const capabilities = params['capabilities'];
  if (typeof capabilities === 'object' && capabilities !== null && !Array.isArray(capabilities)) {
    const { experimental: _dropped, ...standard } = capabilities as Record<string, unknown>;
    const withCapabilities = { ...brief, capabilities: standard };
    if (JSON.stringify(withCapabilities).length <= MAX_SEALED_PARAMS_CHARS) return withCapabilities;
  }
  return brief;
}

/**
 * Compact positional JSON: the id travels on every request. Each upstream: name, session id,
 * revision, identity hash (format 2; format 1 has no hash).
 */
type EncodedClaims = [string, string, string, string | null, number, JsonRpcParams, Array<[string, string | null, string, string]>];

function encodeClaims(claims: SessionClaims, identities: ReadonlyMap<string, string>): EncodedClaims {
  const { subject } = claims;
  return [
    claims.protocolVersion,
    subject.tenant,
    subject.client,
    subject.apiKeyId,
    claims.issuedAt,
    claims.initializeParams,
    claims.upstreams.map((upstream) => [upstream.name, upstream.sessionId ?? null, upstream.protocolVersion, identities.get(upstream.name) ?? '']),
  ];
}

function decodeClaims(plaintext: Buffer, identities: ReadonlyMap<string, string>, hashed: boolean): Unsealed {
  let value: unknown;
  try {
    value = JSON.parse(plaintext.toString('utf8'));
  } catch {
    return { ok: false };
  }
  if (!Array.isArray(value) || value.length !== 7) return { ok: false };
  const [protocolVersion, tenant, client, apiKeyId, issuedAt, params, upstreams] = value as unknown[];
  if (typeof protocolVersion !== 'string' || typeof tenant !== 'string' || typeof client !== 'string') return { ok: false };
  if ((apiKeyId !== null && typeof apiKeyId !== 'string') || typeof issuedAt !== 'number') return { ok: false };
  if (typeof params !== 'object' || params === null || Array.isArray(params) || !Array.isArray(upstreams)) return { ok: false };
  const sealed: SealedUpstream[] = [];
  let mismatch: ReplicaMismatch | undefined;
  for (const entry of upstreams) {
    if (!Array.isArray(entry) || entry.length !== (hashed ? 4 : 3)) return { ok: false };
    const [name, sessionId, version, identity] = entry as unknown[];
    if (typeof name !== 'string' || (sessionId !== null && typeof sessionId !== 'string') || typeof version !== 'string') return { ok: false };
    if (hashed && typeof identity !== 'string') return { ok: false };
    const mine = identities.get(name);
    // An upstream no longer declared is left out, as before; one declared otherwise is a mismatch.
    if (mine === undefined) continue;
    if (hashed && identity !== mine) mismatch ??= { cause: 'upstream', upstream: name };
    sealed.push({ name, sessionId: sessionId ?? undefined, protocolVersion: version });
  }
  const claims: SessionClaims = { subject: { tenant, client, apiKeyId }, protocolVersion, initializeParams: params as JsonRpcParams, issuedAt, upstreams: sealed };
  return mismatch ? { ok: false, mismatch, claims } : { ok: true, claims };
}
