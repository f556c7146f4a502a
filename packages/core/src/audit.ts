import type { GatewayErrorName, JsonRpcId } from './errors.js';
import type { Target } from './target.js';

/** How the gateway decided a message. */
export type AuditDecision =
  /** Forwarded (or answered by the gateway itself). The upstream may still have failed: see status. */
  | 'allowed'
  /** Refused by the policy. */
  | 'denied'
  /** Refused by the rate limit (or its store, failing closed). */
  | 'rate_limited'
  /** No valid credential. */
  | 'auth_failed'
  /** Refused before a decision: malformed, unknown session, no route, body too large and the like. */
  | 'rejected';

/**
 * One audit event per decided message: who, what, where it went, and how it ended. Never the
 * key and never the arguments; every field is safe to store.
 */
export interface AuditEvent {
  /** ISO 8601 time the message arrived. */
  time: string;
  /** The JSON-RPC id of the message (null for notifications and unreadable ids). */
  requestId: JsonRpcId | null;
  /** null when authentication failed. */
  tenant: string | null;
  client: string | null;
  apiKeyId: string | null;
  /**
   * The address the request came from: the connection's peer, or, through reverse proxies the
   * gateway trusts (server.trustedProxies, or an Express app's `trust proxy`), the client address
   * they forwarded. IPv4-mapped IPv6 addresses are written as IPv4. null when the socket had none.
   */
  clientAddress: string | null;
  /**
   * The protocol revision the client spoke: the one negotiated for its session, or the one its
   * request named (revision 2026-07-28); null when the gateway could not tell (no session yet, an
   * unreadable message). As the client wrote it, cut like any client-chosen text.
   */
  protocolVersion: string | null;
  /** The JSON-RPC method, or null when the message could not be read. */
  method: string | null;
  /** The tool, resource or prompt it named, as the client sent it. */
  target: Target | null;
  /** Where it went; null when the gateway answered it or refused it. */
  upstream: string | null;
  /**
   * The item that ran at `upstream`, under the name the upstream knows it by (the client may have
   * used a prefixed or renamed one); null when nothing named went to an upstream.
   */
  item: Target | null;
  decision: AuditDecision;
  /** The HTTP status of the answer. */
  status: number;
  /** The JSON-RPC error code the client received, if any: the gateway's, or the upstream's own (error `UPSTREAM_REFUSED`). */
  errorCode: number | null;
  /**
   * The error table entry, if the gateway refused or failed it; `UPSTREAM_REFUSED` when the
   * upstream named in `upstream` answered it with a JSON-RPC error of its own.
   */
  error: GatewayErrorName | null;
  /** Milliseconds from arrival to the end of the answer (a streamed answer included). */
  durationMs: number;
}

/** The decision an error table entry stands for. */
export function auditDecisionFor(error: GatewayErrorName | null): AuditDecision {
  switch (error) {
    case null:
      return 'allowed';
    case 'FORBIDDEN':
      return 'denied';
    case 'RATE_LIMITED':
    case 'RATE_LIMIT_STORE_UNAVAILABLE':
      return 'rate_limited';
    case 'UNAUTHENTICATED':
    case 'INVALID_CREDENTIALS':
    case 'AMBIGUOUS_CREDENTIALS':
      return 'auth_failed';
    case 'UPSTREAM_UNREACHABLE':
    case 'UPSTREAM_BAD_RESPONSE':
    case 'UPSTREAM_TIMEOUT':
    case 'UPSTREAM_REFUSED':
      // The gateway let it through; the upstream failed or refused it.
      return 'allowed';
    default:
      return 'rejected';
  }
}
