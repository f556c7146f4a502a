import { deny, type Denial } from './errors.js';

/** The names a loopback connection may carry in its Host header when no list is configured. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The host name of a Host header, without its port, lower-cased. */
function hostName(host: string): string {
  const end = host.charCodeAt(0) === 91 /* [ */ ? host.indexOf(']') + 1 : host.indexOf(':');
  return (end <= 0 ? host : host.slice(0, end)).toLowerCase();
}

/**
 * DNS-rebinding protection by Host: a page on attacker.example that rebinds its name to
 * 127.0.0.1 reaches a loopback gateway with `Host: attacker.example`. With server.allowedHosts
 * empty (the default), a connection that arrived on a loopback address must name a loopback
 * host; other connections pass. With a list, every request must name one of its hosts (any
 * port); `*` turns the check off, e.g. behind a reverse proxy on the same machine that keeps
 * the public Host.
 */
export function checkHost(host: string | undefined, allowedHosts: readonly string[], loopbackConnection: boolean): { ok: true } | Denial {
  if (allowedHosts.includes('*')) return { ok: true };
  if (allowedHosts.length === 0 && !loopbackConnection) return { ok: true };
  const name = host === undefined ? '' : hostName(host);
  const allowed = allowedHosts.length === 0 ? LOOPBACK_HOSTS.has(name) : allowedHosts.some((allowedHost) => allowedHost.toLowerCase() === name);
  if (allowed) return { ok: true };
  const list = allowedHosts.length === 0 ? 'a loopback name (the connection came in on a loopback address)' : 'in server.allowedHosts';
  return deny('HOST_NOT_ALLOWED', `host ${JSON.stringify(name.slice(0, 200))} is not ${list}; list it in server.allowedHosts`);
}
