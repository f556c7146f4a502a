import { deny, type Denial } from './errors.js';
import type { ListKind } from './list-methods.js';

/** Longest gateway cursor taken; an upstream's own cursors are small, so this is generous. */
const MAX_CURSOR_LENGTH = 16_384;

/** Where each upstream still to be paged stands: its own cursor for its next page. */
export type ListPositions = ReadonlyMap<string, string>;

/**
 * The gateway's cursor for a federated list: an opaque base64url text holding the kind and each
 * unfinished upstream's own cursor, so the next page asks each upstream for its next page. It
 * holds nothing secret: an upstream's cursor is what that upstream would have given the client.
 */
export function encodeListCursor(kind: ListKind, positions: ListPositions): string {
  const json = JSON.stringify({ k: kind, p: Object.fromEntries(positions) });
  const bytes = new TextEncoder().encode(json);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Reads a gateway cursor back; anything it did not issue for this kind and these upstreams is -32602. */
export function decodeListCursor(kind: ListKind, cursor: unknown, upstreams: ReadonlySet<string>): ListPositions | Denial {
  const bad = deny('INVALID_PARAMS', 'params.cursor is not a cursor this gateway issued for this list');
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(cursor)) return bad;
  let value: unknown;
  try {
    const binary = atob(cursor.replace(/-/g, '+').replace(/_/g, '/'));
    const bytes = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return bad;
  }
  if (typeof value !== 'object' || value === null) return bad;
  const { k, p } = value as { k?: unknown; p?: unknown };
  if (k !== kind || typeof p !== 'object' || p === null || Array.isArray(p)) return bad;
  const positions = new Map<string, string>();
  for (const [upstream, position] of Object.entries(p)) {
    if (!upstreams.has(upstream) || typeof position !== 'string') return bad;
    positions.set(upstream, position);
  }
  return positions.size === 0 ? bad : positions;
}
