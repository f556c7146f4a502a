import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ResolvedOptions } from '@gw/core';

/** The node:http server's timeouts, in node's own names. */
export interface ServerTimeouts {
  /** Request line and headers must arrive within this (slowloris); a connection that never sends one is closed after it. */
  headersTimeout: number;
  /**
   * The whole request, headers and body, must arrive within this. It bounds receiving the
   * request only: an answer streamed for longer is not cut (a test holds Node to that).
   */
  requestTimeout: number;
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeout: number;
  /** How often the two timeouts above are checked; they are enforced to within this. */
  connectionsCheckingInterval: number;
}

/**
 * The timeouts for a gateway's server options (`server.headersTimeoutMs`, `requestTimeoutMs`,
 * `keepAliveTimeoutMs`). Node checks the first two every 30 s by default, which would let a slow
 * client hold a socket for up to twice its limit: they are checked every sixth of the shorter
 * one, at most every 5 s.
 */
export function serverTimeouts(server: Pick<ResolvedOptions['server'], 'headersTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs'>): ServerTimeouts {
  return {
    headersTimeout: server.headersTimeoutMs,
    requestTimeout: server.requestTimeoutMs,
    keepAliveTimeout: server.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(10, Math.min(5_000, Math.floor(Math.min(server.headersTimeoutMs, server.requestTimeoutMs) / 6))),
  };
}

/**
 * The defaults of the server options: headers within 30 s; the request within 60 s (bodies are
 * at most server.maxBodyBytes, 4 MiB by default: a minute is ample); idle keep-alive connections
 * closed after 65 s, longer than the 60 s idle timeout of common load balancers, so the gateway
 * never closes a connection a balancer is about to reuse (which would surface as sporadic 502s).
 */
export const SERVER_TIMEOUTS: Readonly<ServerTimeouts> = Object.freeze(serverTimeouts({ headersTimeoutMs: 30_000, requestTimeoutMs: 60_000, keepAliveTimeoutMs: 65_000 }));

/**
 * A node:http server for the gateway's handler with deliberate timeouts: those of the gateway's
 * options when given the gateway itself, else `timeouts` (default SERVER_TIMEOUTS). An app that
 * creates its own server sets the same three (see docs/data-plane.md).
 *
 * ```ts
 * createGatewayServer(createGateway(options)).listen(8080);
 * ```
 */
export function createGatewayServer(handler: (req: IncomingMessage, res: ServerResponse) => void, timeouts: Readonly<ServerTimeouts> = timeoutsOf(handler)): Server {
  const server = createServer(
    { headersTimeout: timeouts.headersTimeout, requestTimeout: timeouts.requestTimeout, connectionsCheckingInterval: timeouts.connectionsCheckingInterval },
    handler,
  );
  server.keepAliveTimeout = timeouts.keepAliveTimeout;
  return server;
}

/** A gateway's own timeouts, when the handler is a gateway (it carries its options); else the defaults. */
function timeoutsOf(handler: object): Readonly<ServerTimeouts> {
  // An Express app has an `options` too (its OPTIONS route method): only a gateway's holds `server`.
  const server = (handler as { options?: { server?: Partial<ResolvedOptions['server']> } }).options?.server;
  if (typeof server?.headersTimeoutMs === 'number' && typeof server.requestTimeoutMs === 'number' && typeof server.keepAliveTimeoutMs === 'number') {
    return serverTimeouts({ headersTimeoutMs: server.headersTimeoutMs, requestTimeoutMs: server.requestTimeoutMs, keepAliveTimeoutMs: server.keepAliveTimeoutMs });
  }
  return SERVER_TIMEOUTS;
}
