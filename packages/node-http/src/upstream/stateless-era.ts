import type { JsonRpcParams } from '@gw/core';
import { deny, extend, isStatelessVersion, STATELESS_META, STATELESS_PROTOCOL_VERSIONS } from '@gw/core/internal';
import type { Dispatcher } from 'undici';
import { UPSTREAM_ACCEPT, upstreamHeaders, type ForwardedHeaders } from './forward-headers.js';
import type { Session, UpstreamSession } from '../state/sessions.js';
import type { Opening, Outgoing, UpstreamEra } from './era.js';
import { parseJson, readOwnAnswer, readText, TooLargeError } from './upstream-answer.js';
import { upstreamFailure } from './upstream-client.js';
import { EraRefusedError, UpstreamSessionError } from './upstream-errors.js';
import { GATEWAY_NAME, GATEWAY_VERSION } from '../wire/version.js';

/**
 * The stateless era (2026-07-28): nothing to open or close, only the upstream's capabilities to
 * learn (server/discover); every request carries its client in _meta and names itself in headers.
 */
export const STATELESS_ERA: Readonly<UpstreamEra> = {
  name: 'stateless',
  open: discover,
  outgoing(body: string | Uint8Array, session: Session, forwarded: ForwardedHeaders): Outgoing | undefined {
    const prepared = statelessRequest(body, session);
    // The client's Mcp-Param-* headers go on: the upstream checks them against the request.
    return prepared && { body: prepared.body, headers: extend(forwarded.params, prepared.headers) };
  },
  // It answers an unknown method 404 with its own -32601.
  refusesWith404: true,
  reportsChangesBy: 'listen',
  takesLogLevelBy: 'meta',
  asksInputBy: 'input-required',
  close: () => Promise.resolve(),
};

/** The stateless revision the gateway speaks to upstreams. */
const STATELESS_VERSION = STATELESS_PROTOCOL_VERSIONS[0]!;

/** The id of the server/discover the gateway sends; it never reaches a client. */
const DISCOVER_ID = 'mcp-gateway-discover';

/**
 * Whether a refused initialize says the upstream speaks a stateless revision: the revision has
 * a server that does not serve session-based clients name the versions it supports (-32022,
 * data.supported). Reads (and so consumes) the refusal's body, bounded.
 */
export async function offersStateless(response: Dispatcher.ResponseData, maxBytes: number): Promise<boolean> {
  if (response.statusCode < 400 || response.statusCode >= 500) {
    await response.body.dump();
    return false;
  }
  let text: string;
  try {
    text = await readText(response.body, Math.min(maxBytes, 64 * 1024));
  } catch {
    return false;
  }
  const parsed = parseJson(text);
  const data = parsed.ok ? (parsed.value as { error?: { data?: { supported?: unknown } } } | null)?.error?.data : undefined;
  return Array.isArray(data?.supported) && data.supported.some((version) => typeof version === 'string' && isStatelessVersion(version));
}

/**
 * server/discover, as the stateless revision sends it, to an upstream that refused initialize
 * naming that revision (or is known to speak it): its capabilities and instructions, as an
 * upstream "session" without an id.
 */
async function discover(opening: Opening): Promise<UpstreamSession> {
  let discovered: UpstreamSession | undefined;
  try {
    discovered = await discoverUpstream(opening);
  } catch (error) {
    throw new UpstreamSessionError(upstreamFailure(opening.client.name, error));
  }
  if (!discovered) throw new EraRefusedError(deny('UPSTREAM_BAD_RESPONSE', `upstream "${opening.client.name}" refused initialize and server/discover`));
  opening.learned(discovered);
  return discovered;
}

/** server/discover's answer; undefined when it does not offer the revision. Network failures are thrown. */
async function discoverUpstream({ client, forwarded, session }: Opening): Promise<UpstreamSession | undefined> {
  const request = {
    jsonrpc: '2.0',
    id: DISCOVER_ID,
    method: 'server/discover',
    params: { _meta: { [STATELESS_META.protocolVersion]: STATELESS_VERSION, [STATELESS_META.clientCapabilities]: {}, [STATELESS_META.clientInfo]: { name: GATEWAY_NAME, version: GATEWAY_VERSION } } },
  };
  const started = performance.now();
  const response = await client.request({
    method: 'POST',
    headers: {
      ...upstreamHeaders(forwarded, client, { protocolVersion: STATELESS_VERSION, accept: UPSTREAM_ACCEPT, contentType: 'application/json' }),
      'mcp-method': 'server/discover',
    },
    body: JSON.stringify(request),
    signal: session.closed.signal,
  });
  let answer: unknown;
  if (response.statusCode === 200) {
    try {
      answer = await readOwnAnswer(response, DISCOVER_ID, client.maxResponseBytes, client.timeoutMs - (performance.now() - started));
    } catch (error) {
      if (!(error instanceof TooLargeError)) throw error;
    }
  } else await response.body.dump();
  const result = (answer as { result?: { supportedVersions?: unknown; capabilities?: unknown; instructions?: unknown } } | undefined)?.result;
  const offered = Array.isArray(result?.supportedVersions) && result.supportedVersions.includes(STATELESS_VERSION);
  if (!offered) return undefined;
  const opened: UpstreamSession = {
    sessionId: undefined,
    protocolVersion: STATELESS_VERSION,
    capabilities: typeof result.capabilities === 'object' && result.capabilities !== null ? (result.capabilities as Record<string, unknown>) : {},
  };
  if (typeof result.instructions === 'string') opened.instructions = result.instructions;
  return opened;
}

/** The names a stateless upstream wants in Mcp-Name, by method. */
const NAMED_BY: Readonly<Record<string, 'name' | 'uri'>> = { 'tools/call': 'name', 'prompts/get': 'name', 'resources/read': 'uri' };

/**
 * A message as a stateless upstream takes it: a request carries the revision and the client's
 * capabilities in `_meta` (a stateless client's own, or what a session-based client declared
 * in its initialize), and its method and target in Mcp-Method and Mcp-Name. Notifications
 * and responses have no place in that revision: undefined, nothing is sent.
 */
export function statelessRequest(body: string | Uint8Array, session: Session): { body: string; headers: Record<string, string> } | undefined {
  let message: { id?: unknown; method?: unknown; params?: JsonRpcParams };
  try {
    message = JSON.parse(typeof body === 'string' ? body : Buffer.from(body).toString('utf8')) as typeof message;
  } catch {
    return undefined;
  }
  if (typeof message.method !== 'string' || message.id === undefined) return undefined;
  const params = message.params ?? {};
  const meta = typeof params['_meta'] === 'object' && params['_meta'] !== null ? (params['_meta'] as Record<string, unknown>) : {};
  if (meta[STATELESS_META.protocolVersion] !== STATELESS_VERSION) {
    const declared = session.initializeParams;
    params['_meta'] = {
      ...meta,
      [STATELESS_META.protocolVersion]: STATELESS_VERSION,
      [STATELESS_META.clientCapabilities]: typeof declared['capabilities'] === 'object' && declared['capabilities'] !== null ? declared['capabilities'] : {},
      [STATELESS_META.clientInfo]: typeof declared['clientInfo'] === 'object' && declared['clientInfo'] !== null ? declared['clientInfo'] : { name: GATEWAY_NAME, version: GATEWAY_VERSION },
    };
  }
  if (session.logLevel !== undefined) {
    const withLevel = params['_meta'] as Record<string, unknown>;
    if (withLevel[STATELESS_META.logLevel] === undefined) params['_meta'] = extend(withLevel, { [STATELESS_META.logLevel]: session.logLevel });
  }
  const headers: Record<string, string> = { 'mcp-method': message.method };
  const param = Object.hasOwn(NAMED_BY, message.method) ? NAMED_BY[message.method] : undefined;
  const name = param === undefined ? undefined : params[param];
  if (typeof name === 'string') headers['mcp-name'] = encodeHeaderValue(name);
  return { body: JSON.stringify(extend(message, { params })), headers };
}

/** A header value as the revision sends it: as it is when plain printable ASCII, else `=?base64?...?=`. */
export function encodeHeaderValue(value: string): string {
  const plain = /^[\x21-\x7e]([\x20-\x7e]*[\x21-\x7e])?$/.test(value) && !value.startsWith('=?base64?');
  return plain ? value : `=?base64?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}
