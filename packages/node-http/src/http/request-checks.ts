import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AuthResult, Denial, Subject } from '@gw/core';
import { checkHost, checkOrigin, checkProtocolVersionHeader, deny } from '@gw/core/internal';
import type { GatewayRuntime } from '../runtime.js';
import { readSource, type RequestSource } from './forwarded.js';
import type { Session } from '../state/sessions.js';
import { closeSessionUpstreams } from '../upstream/upstream-sessions.js';

/** A header as one string: the first value when a client repeated it. */
export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether a local socket address is a loopback one (IPv4, IPv6, or IPv4 mapped into IPv6). */
function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (address.startsWith('127.') || address === '::1' || address.startsWith('::ffff:127.'));
}

/**
 * DNS-rebinding protection, for every path the gateway serves (the endpoint, health, metrics):
 * the Host header, then the Origin. Headers only.
 */
export function checkSource(gw: GatewayRuntime, req: IncomingMessage, source: RequestSource = readSource(gw.forwarded, req)): { ok: true } | Denial {
  const socket = req.socket;
  const loopback = isLoopback(socket.localAddress);
  const { allowedHosts, allowedOrigins } = gw.options.server;
  // `source`: through a trusted reverse proxy, the host it forwarded; from anyone else, the Host header.
  const host = checkHost(source.host, allowedHosts, loopback);
  if (!host.ok) return host;
  if (!source.forwarded) return checkOrigin(header(req.headers, 'origin'), allowedOrigins, loopback ? socket.localPort : undefined);
  // Forwarded: the page's origin is the proxy's, never the gateway's own loopback address; it
  // is the request's own origin only for a host allowedHosts names.
  const named = allowedHosts.length > 0 && !allowedHosts.includes('*');
  return checkOrigin(header(req.headers, 'origin'), allowedOrigins, undefined, named ? forwardedOrigins(source) : undefined);
}

/** The origins a forwarded request is its own page's: the forwarded scheme (either one if none was) and host. */
function forwardedOrigins(source: RequestSource): string[] {
  const host = source.host!.toLowerCase();
  return source.proto ? [`${source.proto}://${host}`] : [`https://${host}`, `http://${host}`];
}

/**
 * Host, Origin and credential: what the headers alone decide, so a POST is refused before its
 * body is read. An unauthenticated request costs no body read and no JSON parse.
 */
export function checkCaller(gw: GatewayRuntime, req: IncomingMessage, source?: RequestSource): AuthResult {
  const checked = checkSource(gw, req, source);
  if (!checked.ok) return checked;
  return gw.auth.authenticate(req);
}

/** The checks GET and DELETE share: Host, Origin, protocol version, credential. */
export function checkRequest(gw: GatewayRuntime, req: IncomingMessage): { ok: true; subject: Subject; version: string | undefined } | Denial {
  const source = checkSource(gw, req);
  if (!source.ok) return source;
  const versionHeader = header(req.headers, 'mcp-protocol-version');
  const version = checkProtocolVersionHeader(versionHeader);
  if (!version.ok) return version;
  const auth = gw.auth.authenticate(req);
  if (!auth.ok) return auth;
  return { ok: true, subject: auth.subject, version: versionHeader };
}

/**
 * findSession, and for a sealed session shared through the store (Redis), refused once any
 * replica ended it (DELETE, idle everywhere): asked at most once per refresh interval per
 * session, never waiting past the store's command timeout, served when the store fails.
 */
export function findLiveSession(gw: GatewayRuntime, req: IncomingMessage, res: ServerResponse, subject: Subject): Found | Promise<Found> {
  const found = findSession(gw, req, res, subject);
  if (!found.ok || !gw.shared || !found.session.sealed) return found;
  return admitShared(gw, gw.shared, found.session).then((admitted) => admitted ?? found);
}

/** Undefined when the store lets the session on; a 404 when another replica ended it. */
async function admitShared(gw: GatewayRuntime, shared: NonNullable<GatewayRuntime['shared']>, session: Session): Promise<Denial | undefined> {
  if (await shared.admit(session)) return undefined;
  // Ended on another replica, which closed what the id carries; what this one opened goes too.
  gw.sessions.end(session);
  void closeSessionUpstreams(gw, session, 'local');
  return deny('SESSION_NOT_FOUND', 'unknown, expired or ended session; send initialize to open a new one');
}

/** A session found for a request, or why there is none. */
type Found = { ok: true; session: Session } | Denial;

/**
 * The session a request names, if it exists and belongs to this subject (else 404,
 * indistinguishably). The session counts as in use until the response closes: it is not swept
 * as idle meanwhile, and a cache evicting it waits for the answer before closing it.
 */
export function findSession(gw: GatewayRuntime, req: IncomingMessage, res: ServerResponse, subject: Subject): Found {
  const id = header(req.headers, 'mcp-session-id');
  if (id === undefined) return deny('BAD_REQUEST', 'the Mcp-Session-Id header is required; send initialize first to open a session');
  const session = gw.sessions.lookup(id, subject);
  if (!session) return deny('SESSION_NOT_FOUND', 'unknown, expired or ended session; send initialize to open a new one');
  if ('mismatch' in session) return gw.mismatches.report(session.mismatch);
  res.once('close', gw.sessions.use(session));
  return { ok: true, session };
}
