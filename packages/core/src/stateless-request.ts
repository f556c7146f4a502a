import { deny, type Denial } from './errors.js';
import type { JsonRpcParams } from './envelope.js';
import { MAX_DECLARATION_CHARS } from './initialize-params.js';
import { isStatelessVersion, SUPPORTED_PROTOCOL_VERSIONS } from './protocol-versions.js';

/** The `_meta` keys of the stateless revisions (2026-07-28 basic/index: per-request protocol fields). */
export const STATELESS_META = {
  protocolVersion: 'io.modelcontextprotocol/protocolVersion',
  clientCapabilities: 'io.modelcontextprotocol/clientCapabilities',
  clientInfo: 'io.modelcontextprotocol/clientInfo',
  logLevel: 'io.modelcontextprotocol/logLevel',
  serverInfo: 'io.modelcontextprotocol/serverInfo',
  subscriptionId: 'io.modelcontextprotocol/subscriptionId',
} as const;

/** The methods a stateless client may send; anything else (initialize, ping, logging/setLevel...) is 404 -32601. */
export const STATELESS_METHODS: ReadonlySet<string> = new Set([
  'server/discover',
  'tools/list',
  'tools/call',
  'prompts/list',
  'prompts/get',
  'resources/list',
  'resources/templates/list',
  'resources/read',
  'completion/complete',
  'subscriptions/listen',
]);

/** Methods whose target must also travel in the Mcp-Name header, and the param that names it. */
const NAMED_BY: Readonly<Record<string, 'name' | 'uri'>> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

/** What a stateless request says about its client, read from `params._meta`. */
export interface StatelessClient {
  version: string;
  capabilities: Record<string, unknown>;
  /** The capabilities as JSON text: the same declaration gives the same text. */
  declared: string;
  clientInfo?: Record<string, unknown>;
  logLevel?: string;
}

/** The Mcp-* request headers, as sent (one value each). */
export interface StatelessHeaders {
  protocolVersion?: string | undefined;
  method?: string | undefined;
  name?: string | undefined;
}

function metaOf(params: JsonRpcParams | undefined): Record<string, unknown> | undefined {
  const meta = params?.['_meta'];
  return typeof meta === 'object' && meta !== null && !Array.isArray(meta) ? (meta as Record<string, unknown>) : undefined;
}

/**
 * Whether a request is of the stateless era: its MCP-Protocol-Version header names a stateless
 * revision, or its `_meta` carries a protocol version (a legacy client never sends either).
 */
export function readsAsStateless(versionHeader: string | undefined, params: JsonRpcParams | undefined): boolean {
  if (versionHeader !== undefined && isStatelessVersion(versionHeader)) return true;
  return metaOf(params)?.[STATELESS_META.protocolVersion] !== undefined;
}

/**
 * Decodes a header value sent in the `=?base64?...?=` form (non-ASCII, control characters, or
 * edge whitespace); other values are taken as they are. Undefined when the form is broken.
 */
export function decodeHeaderValue(value: string): string | undefined {
  if (!value.startsWith('=?base64?') || !value.endsWith('?=')) return value;
  const encoded = value.slice(9, -2);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return undefined;
  try {
    const binary = atob(encoded);
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function mismatch(header: string, detail: string): Denial {
  return deny('HEADER_MISMATCH', `${header} ${detail}`);
}

/**
 * Checks a stateless request as the 2026-07-28 transport asks: the per-request fields in
 * `_meta` (-32602 when missing), a revision the gateway speaks (-32022, listing the supported
 * ones), and the MCP-Protocol-Version, Mcp-Method and Mcp-Name headers agreeing with the body
 * (-32020). Returns what the request says about its client.
 */
export function checkStatelessRequest(headers: StatelessHeaders, method: string, params: JsonRpcParams | undefined): StatelessClient | Denial {
  const meta = metaOf(params);
  const version = meta?.[STATELESS_META.protocolVersion];
  if (typeof version !== 'string') return deny('INVALID_PARAMS', `params._meta["${STATELESS_META.protocolVersion}"] is required (a string)`);
  // A header naming a revision the gateway speaks while the body names another is a mismatch
  // (-32020), even when the body's revision is one it does not speak: which one the client
  // wants is unclear, and the client must fix the disagreement, not pick another version.
  if (headers.protocolVersion !== undefined && headers.protocolVersion !== version && SUPPORTED_PROTOCOL_VERSIONS.includes(headers.protocolVersion)) {
    return mismatch('MCP-Protocol-Version', `"${headers.protocolVersion}" does not match the body's "${version.slice(0, 40)}"`);
  }
  if (!SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
    return deny('UNSUPPORTED_PROTOCOL_VERSION', `${JSON.stringify(version.slice(0, 40))}`, { data: { supported: [...SUPPORTED_PROTOCOL_VERSIONS], requested: version } });
  }
  const capabilities = meta?.[STATELESS_META.clientCapabilities];
  if (typeof capabilities !== 'object' || capabilities === null || Array.isArray(capabilities)) {
    return deny('INVALID_PARAMS', `params._meta["${STATELESS_META.clientCapabilities}"] is required (an object)`);
  }
  if (headers.protocolVersion === undefined) return mismatch('MCP-Protocol-Version', 'is required');
  if (headers.protocolVersion !== version) return mismatch('MCP-Protocol-Version', `"${headers.protocolVersion.slice(0, 40)}" does not match the body's "${version.slice(0, 40)}"`);
  if (headers.method === undefined) return mismatch('Mcp-Method', 'is required');
  if (headers.method !== method) return mismatch('Mcp-Method', `"${headers.method.slice(0, 60)}" does not match the body's "${method.slice(0, 60)}"`);
  const param = Object.hasOwn(NAMED_BY, method) ? NAMED_BY[method] : undefined;
  if (param !== undefined) {
    const named = params?.[param];
    if (headers.name === undefined) return mismatch('Mcp-Name', `is required for ${method}`);
    const decoded = decodeHeaderValue(headers.name);
    if (decoded === undefined) return mismatch('Mcp-Name', 'is not valid =?base64?...?= text');
    if (decoded !== named) return mismatch('Mcp-Name', `does not match params.${param}`);
  }
  const declared = JSON.stringify(capabilities);
  const client: StatelessClient = { version, capabilities: capabilities as Record<string, unknown>, declared };
  const clientInfo = meta?.[STATELESS_META.clientInfo];
  if (typeof clientInfo === 'object' && clientInfo !== null && !Array.isArray(clientInfo)) client.clientInfo = clientInfo as Record<string, unknown>;
  // Kept with the upstream sessions held for this client: bounded, as initialize params are.
  if (declared.length + (client.clientInfo ? JSON.stringify(client.clientInfo).length : 0) > MAX_DECLARATION_CHARS) {
    return deny('INVALID_PARAMS', `params._meta client capabilities and info are longer than ${MAX_DECLARATION_CHARS} characters`);
  }
  const logLevel = meta?.[STATELESS_META.logLevel];
  if (typeof logLevel === 'string') client.logLevel = logLevel;
  return client;
}

/** The `_meta` keys that make up a stateless request's envelope: no session-based revision has them. */
const ENVELOPE_KEYS: readonly string[] = [STATELESS_META.protocolVersion, STATELESS_META.clientCapabilities, STATELESS_META.clientInfo, STATELESS_META.logLevel];

/**
 * A stateless client's params as a session-based revision has them: the envelope's `_meta` keys
 * (revision, client capabilities and info, log level: a session declared these at initialize)
 * are left out, everything else (a progress token, the client's own keys) is kept; an `_meta`
 * left empty is dropped. Dual-era servers refuse the envelope inside a 2025 session.
 */
export function withoutStatelessEnvelope(params: JsonRpcParams | undefined): JsonRpcParams | undefined {
  const meta = params?.['_meta'];
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) return params;
  const record = meta as Record<string, unknown>;
  if (!ENVELOPE_KEYS.some((key) => Object.hasOwn(record, key))) return params;
  // fromEntries defines keys: a client's own `__proto__` key stays a key, as JSON.parse made it.
  const kept = Object.fromEntries(Object.entries(record).filter(([key]) => !ENVELOPE_KEYS.includes(key)));
  const { _meta: _envelope, ...rest } = params!;
  return Object.keys(kept).length > 0 ? { ...rest, _meta: kept } : rest;
}

/**
 * An error code of a session-based upstream as a stateless client may receive it. Resource not
 * found was -32002 up to 2025-11-25 and is -32602 in 2026-07-28, whose implementations must not
 * emit -32002 (basic/index, Error Codes; changelog, minor change 6). Every other code is kept.
 */
export function statelessErrorCode(code: number): number {
  return code === -32002 ? -32602 : code;
}
