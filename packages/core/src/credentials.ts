import { headerValues, type HeaderMap } from './headers.js';

/** Longest credential looked at; anything longer cannot be a configured key and is not hashed. */
export const MAX_CREDENTIAL_LENGTH = 4096;

/** What the request presented: nothing, one credential, several different ones. */
export type PresentedCredential =
  | { kind: 'none'; /** Why an Authorization header gave no key, when one was sent. */ problem?: string }
  | { kind: 'one'; value: string }
  | { kind: 'conflict' };

/** Splits `Scheme token` at the first run of spaces or tabs, without a backtracking regex. */
function splitAuthorization(raw: string): { scheme: string; token: string } | null {
  const value = raw.trim();
  let end = 0;
  while (end < value.length && value[end] !== ' ' && value[end] !== '\t') end++;
  const token = value.slice(end).trim();
  return end === 0 || token === '' ? null : { scheme: value.slice(0, end), token };
}

/**
 * Reads the API key from `Authorization: Bearer <key>`, `Authorization: Api-Key <key>`,
 * `X-API-Key` or `Api-Key` (scheme names are case-insensitive). The same key sent in several
 * places is one credential; two different values conflict, because guessing which one the
 * caller meant could authenticate it as the wrong subject.
 */
export function readCredential(headers: HeaderMap): PresentedCredential {
  let found: string | undefined;
  let conflict = false;
  const offer = (value: string) => {
    if (found === undefined) found = value;
    else if (found !== value) conflict = true;
  };
  let problem: string | undefined;
  for (const raw of headerValues(headers, 'authorization')) {
    const parts = splitAuthorization(raw);
    const scheme = parts?.scheme.toLowerCase();
    if (parts && (scheme === 'bearer' || scheme === 'api-key')) offer(parts.token);
    else if (parts) problem = `unsupported Authorization scheme "${parts.scheme}" (use Bearer or Api-Key)`;
    else problem = 'malformed Authorization header (use "Bearer <key>" or "Api-Key <key>")';
  }
  for (const name of ['x-api-key', 'api-key']) {
    for (const raw of headerValues(headers, name)) {
      const value = raw.trim();
      if (value) offer(value);
    }
  }
  if (conflict) return { kind: 'conflict' };
  if (found === undefined) return problem ? { kind: 'none', problem } : { kind: 'none' };
  return { kind: 'one', value: found };
}
