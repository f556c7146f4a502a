import type { IncomingMessage } from 'node:http';
import { parseIp } from '@gw/core/internal';
import type { ForwardedSettings } from '../runtime.js';

/**
 * Where a request came from, as far as the gateway believes it: the Host it named and the client
 * address, read through the reverse proxies it trusts (server.trustedProxies, or the embedding
 * Express app's `trust proxy`). A proxy nobody configured is a client like any other: what it
 * writes in X-Forwarded-* or Forwarded changes nothing.
 */
export interface RequestSource {
  /** The Host to check: the forwarded host when a trusted proxy sent one, else the Host header. */
  host: string | undefined;
  /** The client's address: the first untrusted one on the way in; undefined if the socket has none. */
  clientAddress: string | undefined;
  /** Whether a trusted proxy forwarded the host (so the loopback defaults for Origin do not apply). */
  forwarded: boolean;
  /** The scheme the trusted proxy forwarded (`http`, `https`), lower-cased, when it did. */
  proto: string | undefined;
}

/** Whether a hop's address (as the socket or a forwarded header writes it) is a trusted proxy; `hop` 0 is the socket's peer. */
export type ProxyTrust = (address: string, hop: number) => boolean;


/** Longest forwarded header the gateway reads; past it, the header is not believed. */
const MAX_FORWARDED_LENGTH = 8_192;

/** An address without an IPv4-mapped IPv6 prefix (`::ffff:10.0.0.1` is `10.0.0.1`), as audit writes it. */
function plainAddress(address: string | undefined): string | undefined {
  if (address === undefined) return undefined;
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}

/**
 * The embedding Express app's trust (its `trust proxy` setting, compiled by Express into the
 * `trust proxy fn` setting of Express 4 and 5), when the request went through one. Express's
 * default trusts nobody.
 */
function appTrust(req: IncomingMessage): ProxyTrust | undefined {
  const app = (req as { app?: { get?: unknown } }).app;
  if (typeof app?.get !== 'function') return undefined;
  const trust = (app.get as (name: string) => unknown).call(app, 'trust proxy fn');
  return typeof trust === 'function' ? (trust as ProxyTrust) : undefined;
}

/**
 * A header's values as one comma-separated list (repeated headers joined); undefined if absent,
 * null if present but unreadable (too long): what a trusted proxy sent and the gateway cannot
 * read is never taken for "nothing forwarded".
 */
function listHeader(req: IncomingMessage, name: string): string[] | undefined | null {
  const value = req.headers[name];
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text.length > MAX_FORWARDED_LENGTH) return null;
  return text.split(',').map((part) => part.trim());
}

/** One element of an RFC 7239 Forwarded header: its for=, host= and proto= values. */
interface ForwardedElement {
  for?: string;
  host?: string;
  proto?: string;
}

/** The elements of a Forwarded header, first (farthest) first; quoted values may hold commas and semicolons. Undefined if absent, null if unreadable. */
function forwardedElements(req: IncomingMessage): ForwardedElement[] | undefined | null {
  const value = req.headers['forwarded'];
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text.length > MAX_FORWARDED_LENGTH) return null;
  const elements: ForwardedElement[] = [];
  let element: ForwardedElement = {};
  // Parameter names are RFC 7230 tokens (extensions such as `x-y=1` included).
  const pair = /\s*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\s*=\s*("(?:[^"\\]|\\.)*"|[^;,\s]*)\s*([;,]|$)/y;
  let at = 0;
  while (at < text.length) {
    pair.lastIndex = at;
    const match = pair.exec(text);
    if (!match) return null;
    const key = match[1]!.toLowerCase();
    const raw = match[2]!;
    const unquoted = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    if (key === 'for' || key === 'host' || key === 'proto') element[key] = unquoted;
    at = pair.lastIndex;
    if (match[3] !== ';') {
      elements.push(element);
      element = {};
    }
    if (match[3] === '') break;
  }
  return elements;
}

/** The address in a Forwarded `for=` value (`"[2001:db8::1]:4711"`, `192.0.2.1:80`), or the value itself. */
function forAddress(value: string): string {
  if (value.startsWith('[')) return value.slice(1, value.indexOf(']') > 0 ? value.indexOf(']') : undefined);
  const colon = value.indexOf(':');
  return colon > 0 && value.indexOf(':', colon + 1) < 0 ? value.slice(0, colon) : value;
}

/** An address from a forwarded header, plain (`[::1]` as `::1`, IPv4-mapped as IPv4), or undefined if it is none. */
function readAddress(text: string): string | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  return parseIp(bare) === undefined ? undefined : plainAddress(bare);
}

/**
 * Reads a request's source. From the socket's peer inwards to outwards, each address a trusted
 * proxy is followed to the one it forwarded for (X-Forwarded-For, or Forwarded `for=`, read
 * from the right); the first address that is not trusted is the client's. The host (and scheme)
 * are those of the outermost trusted proxy: the value at its place in X-Forwarded-Host (or in its
 * Forwarded element), counted from the right, so what a client wrote to the left of it is never
 * read. With no trusted peer, nothing forwarded is read at all.
 */
export function readSource(settings: ForwardedSettings, req: IncomingMessage): RequestSource {
  const peer = plainAddress(req.socket.remoteAddress);
  const local = settings.trusted;
  const app = appTrust(req);
  if (peer === undefined || (local === undefined && app === undefined)) return { host: req.headers.host, clientAddress: peer, forwarded: false, proto: undefined };
  const trusted: ProxyTrust = (address, hop) => (local?.(address) ?? false) || (app?.(address, hop) ?? false);
  if (!trusted(peer, 0)) return { host: req.headers.host, clientAddress: peer, forwarded: false, proto: undefined };

  const standard = settings.headers === 'forwarded';
  const elements = standard ? forwardedElements(req) : undefined;
  const forwardedFor = standard ? undefined : listHeader(req, 'x-forwarded-for');
  const hosts = standard ? elements?.map((element) => element.host) : listHeader(req, 'x-forwarded-host');
  const protos = standard ? elements?.map((element) => element.proto) : listHeader(req, 'x-forwarded-proto');
  // A trusted proxy sent forwarded data the gateway cannot read (a client can make a header that
  // the proxy appends to unreadable): closed, not "nothing forwarded", which would judge the
  // proxy's own Host and bring back the loopback defaults. No host: the Host check refuses.
  if (elements === null || forwardedFor === null || hosts === null || protos === null) return { host: undefined, clientAddress: peer, forwarded: true, proto: undefined };
  // Addresses from the nearest hop outwards: the peer, then each forwarded one from the right.
  const chain = standard ? (elements ?? []).map((element) => (element.for === undefined ? '' : forAddress(element.for))).reverse() : (forwardedFor ?? []).reverse();
  // Walk outwards from the peer (trusted, proxy number 1): each trusted address is a proxy, and
  // the address it forwarded for is the next; the first untrusted address, or the last one
  // written, is the client's. An entry that is not an address (`unknown`, an obfuscated name,
  // garbage) ends the walk at the last proxy known.
  let client = peer;
  let proxies = 1;
  for (let hop = 0; hop < chain.length; hop++) {
    const next = readAddress(chain[hop]!);
    if (next === undefined) break;
    client = next;
    if (hop + 1 === chain.length || !trusted(next, hop + 1)) break;
    proxies = hop + 2;
  }
  // The outermost trusted proxy wrote its value `proxies` places from the right: each proxy
  // appends its own (or one sets the header whole), so what a client wrote before it is not read.
  const pick = (values: readonly (string | undefined)[] | undefined): string | undefined =>
    values === undefined || values.length === 0 ? undefined : values[Math.max(0, values.length - proxies)] || undefined;
  const host = pick(hosts);
  const proto = pick(protos)?.toLowerCase();
  // No forwarded host at all: the proxy passed the Host on. One written but empty where the
  // outermost trusted proxy's belongs: closed, as unreadable.
  if (host === undefined && (hosts === undefined || hosts.every((value) => value === undefined))) return { host: req.headers.host, clientAddress: client, forwarded: false, proto: undefined };
  if (host === undefined) return { host: undefined, clientAddress: client, forwarded: true, proto: undefined };
  return { host, clientAddress: client, forwarded: true, proto: proto === 'http' || proto === 'https' ? proto : undefined };
}
