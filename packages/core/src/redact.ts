import { cutText } from './cut-text.js';
import type { HeaderMap } from './headers.js';

/** What a redacted value is replaced by. */
export const REDACTED = '[REDACTED]';

/**
 * Builds a function that copies a value with every property whose name is one of `keys`
 * (case-insensitive, at any depth, in arrays too) replaced by `[REDACTED]`. Used on every log
 * line and audit event, so a header map or params object can be logged without leaking secrets.
 * Cycles are cut rather than followed; with `maxText`, so are strings longer than it.
 */
export function createRedactor(keys: readonly string[], options: { maxText?: number } = {}): <T>(value: T) => T {
  const secret = new Set(keys.map((key) => key.toLowerCase()));
  // Strings longer than maxText are cut with a marker (cut-text.ts), so one line stays bounded.
  const maxText = options.maxText ?? Infinity;
  const copy = (value: unknown, seen: Set<object>): unknown => {
    if (typeof value === 'string') return value.length > maxText ? cutText(value, maxText) : value;
    if (typeof value !== 'object' || value === null) return value;
    if (seen.has(value)) return '[Circular]';
    seen.add(value);
    let out: unknown;
    if (Array.isArray(value)) out = value.map((item) => copy(item, seen));
    else {
      const record: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) record[key] = secret.has(key.toLowerCase()) ? REDACTED : copy(item, seen);
      out = record;
    }
    seen.delete(value);
    return out;
  };
  return <T>(value: T) => copy(value, new Set()) as T;
}

/**
 * What marks a header name as carrying a credential, whatever logging.redactKeys lists:
 * Authorization and Proxy-Authorization, Cookie and Set-Cookie, X-Auth-Token, X-API-Key,
 * X-Amz-Security-Token, X-Hub-Signature, X-Upstream-Secret... A list alone would miss the next
 * vendor's header; a name that merely looks like one costs only a redacted debug value.
 */
const CREDENTIAL_HEADER = /auth|token|secret|passw|cookie|credential|signature|apikey|(?:^|[-_])key(?:$|[-_])/i;

/** Whether a header name (any case) carries a credential (see CREDENTIAL_HEADER). */
export function isCredentialHeader(name: string): boolean {
  return CREDENTIAL_HEADER.test(name);
}

/**
 * A copy of a header map for a log line: the value of every credential-bearing header, and of
 * every header named in `keys` (logging.redactKeys, case-insensitive), becomes `[REDACTED]`.
 */
export function redactHeaders(headers: HeaderMap, keys: readonly string[] = []): Record<string, string | readonly string[]> {
  const listed = new Set(keys.map((key) => key.toLowerCase()));
  const out: Record<string, string | readonly string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = isCredentialHeader(name) || listed.has(name.toLowerCase()) ? REDACTED : value;
  }
  return out;
}
