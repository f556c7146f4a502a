import type { IncomingMessage } from 'node:http';
import type { AuthResult, CompiledGateway } from '@gw/core';

/** Where a client may put its key. */
const CREDENTIAL_HEADERS: ReadonlySet<string> = new Set(['authorization', 'x-api-key', 'api-key']);
const CREDENTIAL_NAME_LENGTHS: ReadonlySet<number> = new Set([...CREDENTIAL_HEADERS].map((name) => name.length));

/** The lower-case name of a credential header, or undefined (most headers are ruled out by length alone). */
function credentialName(raw: string): string | undefined {
  if (!CREDENTIAL_NAME_LENGTHS.has(raw.length)) return undefined;
  const name = raw.toLowerCase();
  return CREDENTIAL_HEADERS.has(name) ? name : undefined;
}

/** Compares two strings in time that depends on their length only, not on where they differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * The credential headers of a request exactly as sent, in order, every repetition kept: names
 * (lower case) at even indexes, values after them. node:http joins repeated X-API-Key values
 * with ", " and keeps only the first Authorization, which would hide a second, different key (a
 * conflict the gateway must refuse, not resolve by order).
 */
function credentialHeaders(raw: readonly string[]): string[] {
  const found: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = credentialName(raw[i]!);
    if (name !== undefined) found.push(name, raw[i + 1]!);
  }
  return found;
}

/**
 * Whether two lists of credential headers are the same: the names (not secret) compared
 * plainly, every value in constant time, each as the flat string the parser made.
 */
function samePresented(known: readonly string[], presented: readonly string[]): boolean {
  if (known.length !== presented.length) return false;
  let same = true;
  for (let i = 0; i < known.length; i += 2) {
    // Every value is compared, whether an earlier one differed or not.
    const value = sameText(known[i + 1]!, presented[i + 1]!);
    if (!value || known[i] !== presented[i]) same = false;
  }
  return same;
}

/** What a connection last presented (its credential headers) and who that authenticated. */
interface Authenticated {
  presented: string[];
  result: AuthResult & { ok: true };
}

/**
 * Authenticates requests, remembering per connection who its last credential authenticated: a
 * keep-alive connection sends the same key on every request, and hashing it again each time is
 * one of the larger costs of a request. A request presenting exactly what its connection
 * presented before (compared in constant time, so a connection shared by a proxy reveals nothing
 * about another client's key) gets the same subject; anything else is authenticated in full, and
 * a failure is never remembered. The keys are fixed for a gateway's life, so nothing goes stale.
 */
export class ConnectionAuth {
  private readonly byConnection = new WeakMap<object, Authenticated>();

  constructor(private readonly core: Pick<CompiledGateway, 'authenticate'>) {}

  authenticate(req: IncomingMessage): AuthResult {
    const presented = credentialHeaders(req.rawHeaders);
    const connection = req.socket as object | undefined;
    const known = connection && presented.length > 0 ? this.byConnection.get(connection) : undefined;
    if (known && samePresented(known.presented, presented)) return known.result;
    const headers: Record<string, string[]> = {};
    for (let i = 0; i < presented.length; i += 2) (headers[presented[i]!] ??= []).push(presented[i + 1]!);
    const result = this.core.authenticate(headers);
    if (result.ok && connection && presented.length > 0) this.byConnection.set(connection, { presented, result });
    return result;
  }
}
