import { deny, type Denial } from './errors.js';

/**
 * DNS-rebinding protection: a browser page from another origin must not drive the gateway.
 * Requests without an Origin header (every non-browser client) pass; a present Origin must be
 * listed in server.allowedOrigins exactly (scheme, host and port), or the list must hold `*`.
 */
export function checkOrigin(origin: string | undefined, allowedOrigins: readonly string[]): { ok: true } | Denial {
  if (origin === undefined) return { ok: true };
  if (allowedOrigins.includes('*') || allowedOrigins.includes(origin)) return { ok: true };
  return deny('ORIGIN_NOT_ALLOWED', `origin ${JSON.stringify(origin.slice(0, 200))} is not in server.allowedOrigins`);
}
