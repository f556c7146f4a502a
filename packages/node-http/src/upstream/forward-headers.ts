import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamClient } from './upstream-client.js';

/** What every upstream is sent as Accept: it may answer in either format, the gateway reads both. */
export const UPSTREAM_ACCEPT = 'application/json, text/event-stream';

/** Headers the gateway sets itself for each upstream, whatever the forward list says. */
const GATEWAY_OWNED: ReadonlySet<string> = new Set(['mcp-session-id', 'mcp-protocol-version', 'accept', 'content-type', 'last-event-id']);

/**
 * The part of a client request's headers that may reach an upstream, picked once where the
 * request enters the gateway (pickForwarded): the rest of the gateway never holds the raw set
 * on its way to an upstream, so no path can pass on a header the allowlist does not name.
 */
export interface ForwardedHeaders {
  /** The headers upstreamHeaders.forward names, values checked; never a credential, hop-by-hop or gateway-owned one. */
  readonly listed: Readonly<Record<string, string>>;
  /** The client's Mcp-Param-* headers: a stateless upstream checks them against the request. */
  readonly params: Readonly<Record<string, string>>;
  /** Whether the forward list names Last-Event-ID: only then does the gateway resume an upstream's stream by it. */
  readonly lastEventId: boolean;
}

/** Nothing of a client's: for requests the gateway makes on its own (closing a session). */
export const NOTHING_FORWARDED: ForwardedHeaders = Object.freeze({ listed: Object.freeze({}), params: Object.freeze({}), lastEventId: false });

const NO_PARAMS: Readonly<Record<string, string>> = Object.freeze({});

/** A header value as one line: joined when repeated; undefined when it holds what only a lenient HTTP parser lets through. */
function oneLine(value: string | string[]): string | undefined {
  const joined = Array.isArray(value) ? value.join(', ') : String(value);
  return /[\0\r\n]/.test(joined) ? undefined : joined;
}

/**
 * Picks from a client's headers what may reach an upstream: only names in
 * upstreamHeaders.forward (credentials and hop-by-hop headers cannot be listed), and the
 * stateless revision's Mcp-Param-* headers.
 */
export function pickForwarded(client: IncomingHttpHeaders, forward: readonly string[]): ForwardedHeaders {
  // A plain object (a null-prototype one is a slow dictionary to every reader); `__proto__` is
  // no header anyone forwards, and assigning it would not add a property.
  const listed: Record<string, string> = {};
  for (const name of forward) {
    if (GATEWAY_OWNED.has(name) || name === '__proto__') continue;
    const value = client[name];
    if (value === undefined) continue;
    const line = oneLine(value);
    if (line !== undefined) listed[name] = line;
  }
  let params: Record<string, string> | undefined;
  for (const name in client) {
    if (!name.startsWith('mcp-param-')) continue;
    const value = client[name];
    const line = value === undefined ? undefined : oneLine(value);
    if (line !== undefined) (params ??= {})[name] = line;
  }
  return { listed, params: params ?? NO_PARAMS, lastEventId: forward.includes('last-event-id') };
}

/** What the gateway knows about the upstream side of the exchange. */
export interface UpstreamHeaderContext {
  /** The upstream's own session id (never the client's, which is the gateway's). */
  sessionId?: string | undefined;
  /** The protocol revision negotiated with this upstream. */
  protocolVersion?: string | undefined;
  accept: string;
  contentType?: string;
  lastEventId?: string;
}

/**
 * An upstream request's headers: the client's that were picked to forward, the session and
 * version headers that are the upstream's own, and the upstream's credential, the gateway's.
 * undici rejects some hop-by-hop headers outright, another reason for a list.
 */
export function upstreamHeaders(forwarded: ForwardedHeaders, upstream: UpstreamClient, context: UpstreamHeaderContext): Record<string, string> {
  const out: Record<string, string> = {};
  const listed = forwarded.listed;
  for (const name in listed) out[name] = listed[name]!;
  out['accept'] = context.accept;
  if (context.contentType) out['content-type'] = context.contentType;
  if (context.sessionId) out['mcp-session-id'] = context.sessionId;
  if (context.protocolVersion) out['mcp-protocol-version'] = context.protocolVersion;
  if (context.lastEventId && forwarded.lastEventId) out['last-event-id'] = context.lastEventId;
  if (upstream.credential) out[upstream.credential[0]] = upstream.credential[1];
  return out;
}
