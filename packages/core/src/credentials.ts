import { headerValues, type HeaderMap } from './headers.js';

/** Longest credential looked at; anything longer cannot be a configured key and is not hashed. */
export const MAX_CREDENTIAL_LENGTH = 4096;

/** What the request presented: nothing, one credential, several different ones. */
export type PresentedCredential =
  | { kind: 'none'; unsupportedScheme?: string }
  | { kind: 'one'; value: string }
  | { kind: 'conflict' };

const AUTHORIZATION = /^\s*([A-Za-z][A-Za-z0-9._~+/-]*)\s+(.+?)\s*$/;

/**
 * Reads the API key from `Authorization: Bearer <key>`, `Authorization: Api-Key <key>`,
 * `X-API-Key` or `Api-Key` (scheme names are case-insensitive). The same key sent in several
 * places is one credential; two different values conflict, because guessing which one the
 * caller meant could authenticate it as the wrong subject.
 */
export function readCredential(headers: HeaderMap): PresentedCredential {
  const found = new Set<string>();
  let unsupportedScheme: string | undefined;
  for (const raw of headerValues(headers, 'authorization')) {
    const match = AUTHORIZATION.exec(raw);
    const scheme = match?.[1]?.toLowerCase();
    if (match && (scheme === 'bearer' || scheme === 'api-key')) found.add(match[2]!);
    else unsupportedScheme = match?.[1] ?? 'malformed';
  }
  for (const name of ['x-api-key', 'api-key']) {
    for (const raw of headerValues(headers, name)) {
      const value = raw.trim();
      if (value) found.add(value);
    }
  }
  if (found.size > 1) return { kind: 'conflict' };
  const [value] = found;
  if (value === undefined) return unsupportedScheme ? { kind: 'none', unsupportedScheme } : { kind: 'none' };
  return { kind: 'one', value };
}
