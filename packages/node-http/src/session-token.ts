import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { JsonRpcId, JsonRpcParams, Subject } from '@gw/core';

/**
 * Sealed session ids: everything a replica needs to serve a client session, encrypted and
 * authenticated (AES-256-GCM) under a key derived from a secret the replicas share, so any
 * replica can serve any request of the session and none needs a shared store.
 *
 * Layout, base64url: format (1 byte) | key id (1 byte) | IV (12 random bytes) | ciphertext | tag (16 bytes).
 * The first two bytes are authenticated as associated data. The key id names which configured
 * secret sealed the token, so opening tries that key and no other.
 */

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

const FORMAT = 1;
const HEADER_BYTES = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** format, key id, IV, at least one byte of ciphertext, tag. */
const MIN_TOKEN_BYTES = HEADER_BYTES + IV_BYTES + 1 + TAG_BYTES;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** Bytes of HMAC kept in a server-to-client request id. */
const MAC_BYTES = 16;

interface SealingKey {
  id: number;
  /** AES-256-GCM key for session ids. */
  aead: Buffer;
  /** HMAC key for the ids of relayed server-to-client requests. */
  mac: Buffer;
}

function deriveKey(secret: string): SealingKey {
  const ikm = Buffer.from(secret, 'utf8');
  const derive = (info: string, length: number) => Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), info, length));
  return { id: derive('mcp-gateway session key id', 1)[0]!, aead: derive('mcp-gateway session', 32), mac: derive('mcp-gateway server request', 32) };
}

/**
 * Seals and opens session ids, and signs the ids of relayed server-to-client requests, with the
 * configured secrets: the first seals and signs, every one opens and verifies.
 */
export class SessionSealer {
  private readonly keys: readonly SealingKey[];
  private readonly upstreamNames: ReadonlySet<string>;

  constructor(secrets: readonly string[], upstreamNames: Iterable<string>) {
    if (secrets.length === 0) throw new TypeError('at least one session secret is needed');
    this.keys = secrets.map(deriveKey);
    this.upstreamNames = new Set(upstreamNames);
  }

  /** A sealed id for these claims, shortening the initialize params when they are long. */
  seal(claims: SessionClaims): string {
    const key = this.keys[0]!;
    const plaintext = Buffer.from(JSON.stringify(encodeClaims({ ...claims, initializeParams: sealableParams(claims.initializeParams) })), 'utf8');
    const header = Buffer.from([FORMAT, key.id]);
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key.aead, iv);
    cipher.setAAD(header);
    const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    return Buffer.concat([header, iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  /**
   * The claims in a sealed id, or undefined for anything this gateway did not seal with one of
   * its secrets: malformed, tampered with, or sealed under a secret no longer listed. Upstreams
   * the configuration no longer declares are left out.
   */
  open(token: string): SessionClaims | undefined {
    if (token.length > MAX_TOKEN_CHARS || !BASE64URL.test(token)) return undefined;
    const bytes = Buffer.from(token, 'base64url');
    // One spelling per token, so an id cannot be varied into another cache entry.
    if (bytes.length < MIN_TOKEN_BYTES || bytes[0] !== FORMAT || bytes.toString('base64url') !== token) return undefined;
    const header = bytes.subarray(0, HEADER_BYTES);
    const iv = bytes.subarray(HEADER_BYTES, HEADER_BYTES + IV_BYTES);
    const body = bytes.subarray(HEADER_BYTES + IV_BYTES, bytes.length - TAG_BYTES);
    const tag = bytes.subarray(bytes.length - TAG_BYTES);
    for (const key of this.keys) {
      if (key.id !== bytes[1]) continue;
      let plaintext: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key.aead, iv);
        decipher.setAAD(header);
        decipher.setAuthTag(tag);
        plaintext = Buffer.concat([decipher.update(body), decipher.final()]);
      } catch {
        // Another listed secret may share this key id byte.
        continue;
      }
      return decodeClaims(plaintext, this.upstreamNames);
    }
    return undefined;
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
    if (!this.upstreamNames.has(upstream) || !BASE64URL.test(signature)) return undefined;
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

/** Compact positional JSON: the id travels on every request. */
type EncodedClaims = [string, string, string, string | null, number, JsonRpcParams, Array<[string, string | null, string]>];

function encodeClaims(claims: SessionClaims): EncodedClaims {
  const { subject } = claims;
  return [
    claims.protocolVersion,
    subject.tenant,
    subject.client,
    subject.apiKeyId,
    claims.issuedAt,
    claims.initializeParams,
    claims.upstreams.map((upstream) => [upstream.name, upstream.sessionId ?? null, upstream.protocolVersion]),
  ];
}

function decodeClaims(plaintext: Buffer, known: ReadonlySet<string>): SessionClaims | undefined {
  let value: unknown;
  try {
    value = JSON.parse(plaintext.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || value.length !== 7) return undefined;
  const [protocolVersion, tenant, client, apiKeyId, issuedAt, params, upstreams] = value as unknown[];
  if (typeof protocolVersion !== 'string' || typeof tenant !== 'string' || typeof client !== 'string') return undefined;
  if ((apiKeyId !== null && typeof apiKeyId !== 'string') || typeof issuedAt !== 'number') return undefined;
  if (typeof params !== 'object' || params === null || Array.isArray(params) || !Array.isArray(upstreams)) return undefined;
  const sealed: SealedUpstream[] = [];
  for (const entry of upstreams) {
    if (!Array.isArray(entry) || entry.length !== 3) return undefined;
    const [name, sessionId, version] = entry as unknown[];
    if (typeof name !== 'string' || (sessionId !== null && typeof sessionId !== 'string') || typeof version !== 'string') return undefined;
    if (known.has(name)) sealed.push({ name, sessionId: sessionId ?? undefined, protocolVersion: version });
  }
  return { subject: { tenant, client, apiKeyId }, protocolVersion, initializeParams: params as JsonRpcParams, issuedAt, upstreams: sealed };
}
