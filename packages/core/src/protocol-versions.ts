import { deny, type Denial } from './errors.js';

/**
 * The session-based protocol revisions the gateway speaks, newest first. Streamable HTTP begins
 * with 2025-03-26; the stateless 2026-07-28 revision is handled by its own era module.
 */
export const SESSION_PROTOCOL_VERSIONS: readonly string[] = ['2025-11-25', '2025-06-18', '2025-03-26'];

/** The stateless revisions, newest first: no sessions, every request carries its version (stateless-request.ts). */
export const STATELESS_PROTOCOL_VERSIONS: readonly string[] = ['2026-07-28'];

/** Every revision the gateway speaks, newest first; what a -32022 error lists. */
export const SUPPORTED_PROTOCOL_VERSIONS: readonly string[] = [...STATELESS_PROTOCOL_VERSIONS, ...SESSION_PROTOCOL_VERSIONS];

/** Whether a revision is one of the stateless ones. */
export function isStatelessVersion(version: string): boolean {
  return STATELESS_PROTOCOL_VERSIONS.includes(version);
}

/** The revision assumed when a request carries no MCP-Protocol-Version header (2025-06-18 transport rules). */
export const DEFAULT_PROTOCOL_VERSION = '2025-03-26';

/** The version the gateway answers an initialize with: the client's if spoken, else the newest. */
export function negotiateProtocolVersion(requested: unknown): string {
  return typeof requested === 'string' && SESSION_PROTOCOL_VERSIONS.includes(requested)
    ? requested
    : SESSION_PROTOCOL_VERSIONS[0]!;
}

/** Validates an MCP-Protocol-Version header: absent means 2025-03-26; unknown is 400. */
export function checkProtocolVersionHeader(value: string | undefined): { ok: true; version: string } | Denial {
  if (value === undefined) return { ok: true, version: DEFAULT_PROTOCOL_VERSION };
  if (SESSION_PROTOCOL_VERSIONS.includes(value)) return { ok: true, version: value };
  return deny('UNSUPPORTED_PROTOCOL_VERSION', `${JSON.stringify(value.slice(0, 40))} (supported: ${SESSION_PROTOCOL_VERSIONS.join(', ')})`);
}

/** Whether a revision allows JSON-RPC batches (only 2025-03-26 does). */
export function allowsBatches(version: string): boolean {
  return version === '2025-03-26';
}
