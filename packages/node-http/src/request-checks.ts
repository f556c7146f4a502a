import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { checkHost, checkOrigin, checkProtocolVersionHeader, deny, type Denial, type Subject } from '@gw/core';
import type { GatewayRuntime } from './runtime.js';
import type { Session } from './sessions.js';

/** A header as one string: the first value when a client repeated it. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether a local socket address is a loopback one (IPv4, IPv6, or IPv4 mapped into IPv6). */
function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'));
}

/** The checks every method of the endpoint shares: Host, Origin, protocol version, credential. */
export function checkRequest(gw: GatewayRuntime, req: IncomingMessage, era: 'session' | 'stateless' = 'session'): { ok: true; subject: Subject; version: string | undefined } | Denial {
  const headers = req.headers;
  const host = checkHost(headers.host, gw.options.server.allowedHosts, isLoopback(req.socket.localAddress));
  if (!host.ok) return host;
  const origin = checkOrigin(header(headers, 'origin'), gw.options.server.allowedOrigins);
  if (!origin.ok) return origin;
  const versionHeader = header(headers, 'mcp-protocol-version');
  // A stateless request's version is checked against its body (modern-request.ts in core).
  if (era === 'session') {
    const version = checkProtocolVersionHeader(versionHeader);
    if (!version.ok) return version;
  }
  const auth = gw.auth.authenticate(req);
  if (!auth.ok) return auth;
  return { ok: true, subject: auth.subject, version: versionHeader };
}

/** The session a request names, if it exists and belongs to this subject (else 404, indistinguishably). */
export function findSession(gw: GatewayRuntime, headers: IncomingHttpHeaders, subject: Subject): { ok: true; session: Session } | Denial {
  const id = header(headers, 'mcp-session-id');
  if (id === undefined) return deny('BAD_REQUEST', 'the Mcp-Session-Id header is required; send initialize first to open a session');
  const session = gw.sessions.find(id, subject);
  if (!session) return deny('SESSION_NOT_FOUND', 'unknown, expired or ended session; send initialize to open a new one');
  return { ok: true, session };
}
