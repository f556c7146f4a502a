import { deny, type Denial } from './errors.js';

/** An origin on a loopback name: scheme, host and the port, if one is written. */
const LOOPBACK_ORIGIN = /^(https?):\/\/(localhost|127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?$/i;

/**
 * Whether an Origin is the gateway's own loopback address: a loopback name with the port the
 * connection came in on (written, or implied by the scheme). A page on another local port is
 * another origin, and is refused like any other.
 */
function isOwnLoopbackOrigin(origin: string, localPort: number): boolean {
  const match = LOOPBACK_ORIGIN.exec(origin);
  if (!match) return false;
  const port = match[3] !== undefined ? Number(match[3]) : match[1]!.toLowerCase() === 'https' ? 443 : 80;
  return port === localPort;
}

/**
 * DNS-rebinding protection: a browser page from another origin must not drive the gateway.
 * Requests without an Origin header (every non-browser client) pass; a present Origin must be
 * listed in server.allowedOrigins exactly (scheme, host and port), or the list must hold `*`.
 * With the list empty, a request that came in on a loopback address (`loopbackPort`, the local
 * port it came in on) may carry the gateway's own loopback origins, so a page the gateway's own
 * address serves may call it; every other Origin is refused. Behind a trusted reverse proxy,
 * `forwardedOrigins` are the request's own origins as the proxy forwarded them (its scheme and a
 * host server.allowedHosts lists by name): with the list empty, a page on them may call too.
 */
export function checkOrigin(origin: string | undefined, allowedOrigins: readonly string[], loopbackPort?: number, forwardedOrigins?: readonly string[]): { ok: true } | Denial {
  if (origin === undefined) return { ok: true };
  if (allowedOrigins.includes('*') || allowedOrigins.includes(origin)) return { ok: true };
  if (allowedOrigins.length === 0 && loopbackPort !== undefined && isOwnLoopbackOrigin(origin, loopbackPort)) return { ok: true };
  if (allowedOrigins.length === 0 && forwardedOrigins?.includes(origin.toLowerCase())) return { ok: true };
  return deny('ORIGIN_NOT_ALLOWED', `origin ${JSON.stringify(origin.slice(0, 200))} is not in server.allowedOrigins`);
}
