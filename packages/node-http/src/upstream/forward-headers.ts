import type { IncomingHttpHeaders } from 'node:http';
import type { UpstreamClient } from './upstream-client.js';

/** Headers the gateway sets itself for each upstream, whatever the forward list says. */
const GATEWAY_OWNED: ReadonlySet<string> = new Set(['mcp-session-id', 'mcp-protocol-version', 'accept', 'content-type', 'last-event-id']);

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
 * Builds an upstream request's headers from an allowlist, never from the client's raw set:
 * only names in upstreamHeaders.forward are copied (credentials and hop-by-hop headers cannot be
 * listed), the session and version headers are the upstream's own, and the upstream's credential
 * is the gateway's. undici rejects some hop-by-hop headers outright, another reason for a list.
 */
export function upstreamHeaders(
  client: IncomingHttpHeaders,
  forward: readonly string[],
  upstream: UpstreamClient,
  context: UpstreamHeaderContext,
): Record<string, string> {
  // A plain object (a null-prototype one is a slow dictionary to every reader); `__proto__` is
  // no header anyone forwards, and assigning it would not add a property.
  const out: Record<string, string> = {};
  for (const name of forward) {
    if (GATEWAY_OWNED.has(name) || name === '__proto__') continue;
    const value = client[name];
    if (value === undefined) continue;
    const joined = Array.isArray(value) ? value.join(', ') : String(value);
    // Only a lenient HTTP parser lets these through; such a value is dropped, never sent on.
    if (/[\0\r\n]/.test(joined)) continue;
    out[name] = joined;
  }
  out['accept'] = context.accept;
  if (context.contentType) out['content-type'] = context.contentType;
  if (context.sessionId) out['mcp-session-id'] = context.sessionId;
  if (context.protocolVersion) out['mcp-protocol-version'] = context.protocolVersion;
  if (context.lastEventId && forward.includes('last-event-id')) out['last-event-id'] = context.lastEventId;
  if (upstream.credential) out[upstream.credential[0]] = upstream.credential[1];
  return out;
}
