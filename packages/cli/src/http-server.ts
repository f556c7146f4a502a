import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** The node:http server's timeouts. */
export interface ServerTimeouts {
  /** Request line and headers must arrive within this (slowloris). */
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

/** The timeouts `run` uses, chosen rather than inherited. */
export const SERVER_TIMEOUTS: Readonly<ServerTimeouts> = {
  headersTimeout: 30_000,
  // Bodies are at most server.maxBodyBytes (4 MiB by default): a minute is ample.
  requestTimeout: 60_000,
  // Longer than the 60 s idle timeout of common load balancers, so the gateway never closes a
  // connection a balancer is about to reuse (which would surface as sporadic 502s).
  keepAliveTimeout: 65_000,
  // Node's default is 30 s, which would let a slow client hold a socket for up to twice the limit.
  connectionsCheckingInterval: 5_000,
};

/** A node:http server for the gateway's handler, with deliberate timeouts. */
export function createGatewayServer(handler: (req: IncomingMessage, res: ServerResponse) => void, timeouts: Readonly<ServerTimeouts> = SERVER_TIMEOUTS): Server {
  const server = createServer(
    { headersTimeout: timeouts.headersTimeout, requestTimeout: timeouts.requestTimeout, connectionsCheckingInterval: timeouts.connectionsCheckingInterval },
    handler,
  );
  server.keepAliveTimeout = timeouts.keepAliveTimeout;
  return server;
}
