/**
 * The one table of errors that cross the wire. Each gateway error has a JSON-RPC code and an
 * HTTP status; adapters read both from here and nowhere else.
 *
 * Codes: the JSON-RPC standard ones where they apply, the MCP specification's own where it names
 * one (-32020, -32022), and for everything else `-(HTTP status * 100 + n)`, which lies outside
 * -32768..-32000 (reserved by MCP) and never collides with -1, -32002 or -32042.
 */
export const GATEWAY_ERRORS = {
  /** The body is not valid JSON (or not valid UTF-8). */
  PARSE_ERROR: { code: -32700, status: 400, message: 'Parse error' },
  /** The JSON is not a valid JSON-RPC 2.0 message for MCP. */
  INVALID_REQUEST: { code: -32600, status: 400, message: 'Invalid Request' },
  /**
   * No routing rule sends this message to an upstream. The stateless revision (2026-07-28) asks
   * for 404 with -32601, also for the methods it no longer has (initialize, ping...).
   */
  NO_ROUTE: { code: -32601, status: 400, statelessStatus: 404, message: 'Method not found' },
  /** A request lacks a parameter the gateway needs to decide it (e.g. tools/call without a name). */
  INVALID_PARAMS: { code: -32602, status: 400, message: 'Invalid params' },
  /** A bug in the gateway. Never sent for anything a client did. */
  INTERNAL_ERROR: { code: -32603, status: 500, message: 'Internal error' },
  /** An Mcp-* header disagrees with the body (protocol revision 2026-07-28). */
  HEADER_MISMATCH: { code: -32020, status: 400, message: 'Header mismatch' },
  /** The protocol version asked for is not one the gateway speaks. */
  UNSUPPORTED_PROTOCOL_VERSION: { code: -32022, status: 400, message: 'Unsupported protocol version' },
  /** The HTTP request is malformed in a way no other entry names. */
  BAD_REQUEST: { code: -40000, status: 400, message: 'Bad request' },
  /** No credential was presented. */
  UNAUTHENTICATED: { code: -40100, status: 401, message: 'Authentication required' },
  /** The credential presented matches no configured API key. */
  INVALID_CREDENTIALS: { code: -40101, status: 401, message: 'Invalid API key' },
  /** Two different credentials were presented in one request. */
  AMBIGUOUS_CREDENTIALS: { code: -40102, status: 401, message: 'Conflicting credentials' },
  /** The policy does not allow this subject this method, tool, resource or prompt. */
  FORBIDDEN: { code: -40300, status: 403, message: 'Forbidden' },
  /** The Origin header is not in server.allowedOrigins. */
  ORIGIN_NOT_ALLOWED: { code: -40301, status: 403, message: 'Origin not allowed' },
  /** The Host header names a host the gateway does not serve (DNS-rebinding protection). */
  HOST_NOT_ALLOWED: { code: -40302, status: 403, message: 'Host not allowed' },
  /** No endpoint at this path (the MCP endpoint and the health endpoints are the only ones). */
  NOT_FOUND: { code: -40401, status: 404, message: 'Not found' },
  /** The session is unknown, expired, deleted, or belongs to another subject. */
  SESSION_NOT_FOUND: { code: -40400, status: 404, message: 'Session not found' },
  /** The HTTP method is not one the endpoint serves. */
  METHOD_NOT_ALLOWED: { code: -40500, status: 405, message: 'Method not allowed' },
  /** The Accept header does not admit what the endpoint answers with. */
  NOT_ACCEPTABLE: { code: -40600, status: 406, message: 'Not acceptable' },
  /** The body is larger than server.maxBodyBytes. */
  PAYLOAD_TOO_LARGE: { code: -41300, status: 413, message: 'Payload too large' },
  /** A JSON-RPC batch holds more messages than server.maxBatchMessages. */
  BATCH_TOO_LARGE: { code: -41301, status: 413, message: 'Batch too large' },
  /** The Content-Type is not application/json. */
  UNSUPPORTED_MEDIA_TYPE: { code: -41500, status: 415, message: 'Unsupported media type' },
  /** The subject's rate limit for this method is used up; see Retry-After. */
  RATE_LIMITED: { code: -42900, status: 429, message: 'Rate limit exceeded' },
  /** The subject holds sessions.maxPerSubject sessions already. */
  TOO_MANY_SESSIONS: { code: -42901, status: 429, message: 'Too many sessions' },
  /** The subject holds sessions.maxStreamsPerSubject streams already. */
  TOO_MANY_STREAMS: { code: -42902, status: 429, message: 'Too many streams' },
  /** The upstream could not be reached (refused, reset, DNS). */
  UPSTREAM_UNREACHABLE: { code: -50200, status: 502, message: 'Upstream unreachable' },
  /** The upstream answered with something that is not a valid MCP answer. */
  UPSTREAM_BAD_RESPONSE: { code: -50201, status: 502, message: 'Bad upstream response' },
  /**
   * The upstream answered the message with a JSON-RPC error of its own (a tool's bad params, a
   * revision it refuses). The client receives the upstream's error object and HTTP status as they
   * came; this entry names the outcome for the audit trail and the metrics. Its own code stands
   * in the audit trail only for an upstream error without an integer code.
   */
  UPSTREAM_REFUSED: { code: -50203, status: 502, message: 'Refused by the upstream' },
  /** Two upstreams offer the same name and federation.collisions is "error". */
  NAME_COLLISION: { code: -50202, status: 502, message: 'Conflicting upstream names' },
  /** The gateway is shutting down or otherwise not serving. */
  UNAVAILABLE: { code: -50300, status: 503, message: 'Service unavailable' },
  /** The rate-limit store failed and rateLimit.storeFailure is "closed". */
  RATE_LIMIT_STORE_UNAVAILABLE: { code: -50301, status: 503, message: 'Rate limit store unavailable' },
  /** An upstream has upstreams[].maxStreams streams open already. */
  STREAMS_EXHAUSTED: { code: -50302, status: 503, message: 'Upstream streams exhausted' },
  /**
   * A sealed session id this replica cannot serve because it is configured otherwise than the
   * replica that sealed it (another session secret, an upstream declared differently). The
   * client did nothing wrong and another replica may serve it: a server-side, retryable 503.
   */
  SESSION_REPLICA_MISMATCH: { code: -50303, status: 503, message: 'Session sealed by a differently configured replica' },
  /** The upstream did not answer within its timeoutMs. */
  UPSTREAM_TIMEOUT: { code: -50400, status: 504, message: 'Upstream timeout' },
} as const satisfies Record<string, { code: number; status: number; statelessStatus?: number; message: string }>;

/** The name of a gateway wire error, e.g. `'RATE_LIMITED'`. */
export type GatewayErrorName = keyof typeof GATEWAY_ERRORS;

/**
 * Whether an error says the upstream failed (unreachable, a broken answer, no answer in time),
 * which health and metrics count against it; an upstream refusing a message is not one.
 */
export function isUpstreamFailure(name: GatewayErrorName): boolean {
  return name === 'UPSTREAM_UNREACHABLE' || name === 'UPSTREAM_BAD_RESPONSE' || name === 'UPSTREAM_TIMEOUT';
}

/** A JSON-RPC request id; `null` only where the id could not be read. */
export type JsonRpcId = string | number;

/** The `error` member of a JSON-RPC error response. */
export interface JsonRpcErrorObject {
  code: number;
  message: string;
  data?: unknown;
}

/** A complete JSON-RPC 2.0 error response, ready to serialize. */
export interface JsonRpcErrorResponse {
  jsonrpc: '2.0';
  id: JsonRpcId | null;
  error: JsonRpcErrorObject;
}

/**
 * An expected rejection, as a value: which table entry, the HTTP status to answer with, the
 * JSON-RPC error object, and any HTTP headers the status calls for (WWW-Authenticate, Retry-After).
 */
export interface Denial {
  ok: false;
  name: GatewayErrorName;
  status: number;
  error: JsonRpcErrorObject;
  headers?: Record<string, string>;
}

/** Builds the denial for a table entry; `detail` is appended to the table's message. */
export function deny(
  name: GatewayErrorName,
  detail?: string,
  extra?: { data?: unknown; headers?: Record<string, string> },
): Denial {
  const entry = GATEWAY_ERRORS[name];
  const error: JsonRpcErrorObject = {
    code: entry.code,
    message: detail ? `${entry.message}: ${detail}` : entry.message,
  };
  if (extra?.data !== undefined) error.data = extra.data;
  const denial: Denial = { ok: false, name, status: entry.status, error };
  if (extra?.headers) denial.headers = extra.headers;
  return denial;
}

/** The same denial as a stateless (2026-07-28) client gets it: the table's status for that era, where it differs. */
export function forStatelessEra(denial: Denial): Denial {
  const entry = GATEWAY_ERRORS[denial.name];
  return 'statelessStatus' in entry ? { ...denial, status: entry.statelessStatus } : denial;
}

/** Renders a JSON-RPC error response carrying the request's id (`null` when it is unknown). */
export function jsonRpcError(
  denial: Pick<Denial, 'error'>,
  id: JsonRpcId | null | undefined,
): JsonRpcErrorResponse {
  return { jsonrpc: '2.0', id: id ?? null, error: denial.error };
}

/** Looks a wire error up by its JSON-RPC code, e.g. for clients that map codes back to names. */
export function errorNameForCode(code: number): GatewayErrorName | undefined {
  for (const name of Object.keys(GATEWAY_ERRORS) as GatewayErrorName[]) {
    if (GATEWAY_ERRORS[name].code === code) return name;
  }
  return undefined;
}
