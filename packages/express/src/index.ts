// @gw/express: the gateway as Express middleware. A thin layer: every decision and every byte
// on the wire is @gw/node-http's; this file only fixes where the endpoint is.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createGateway, type Gateway, type GatewayContext, type GatewayOptions } from '@gw/node-http';

/** Express middleware serving the gateway, plus its lifecycle. */
export interface McpGatewayMiddleware {
  /** The middleware itself: `app.use('/mcp', middleware)`. */
  (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void;
  /** The validated options. */
  readonly options: Gateway['options'];
  /** Client sessions currently held. */
  readonly sessionCount: number;
  /** Lets POSTs in progress finish (up to drainMs, default 10 s), ends sessions, closes upstream pools; call it when the app shuts down. */
  close(options?: { drainMs?: number }): Promise<void>;
}

/** What mcpGateway needs besides the options; the endpoint is wherever the middleware is mounted. */
export type McpGatewayContext = Omit<GatewayContext, 'endpointPath'>;

/**
 * The gateway as Express middleware. Mount it at a path: the MCP endpoint is that path and
 * `<path>/healthz`, `<path>/health` are its health endpoints (Express strips the mount path
 * from req.url). Other requests under the path go on to `next`. Works whether or not the app
 * already ran a body parser.
 *
 * ```ts
 * app.use('/mcp', mcpGateway({ upstreams, routing, policy, auth }));
 * ```
 */
export function mcpGateway(options: GatewayOptions, context: McpGatewayContext = {}): McpGatewayMiddleware {
  const gateway = createGateway(options, { ...context, endpointPath: '/' });
  const middleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => gateway(req, res, next);
  return Object.defineProperties(middleware, {
    options: { value: gateway.options, enumerable: true },
    sessionCount: { get: () => gateway.sessionCount, enumerable: true },
    close: { value: (closeOptions?: { drainMs?: number }) => gateway.close(closeOptions) },
  }) as McpGatewayMiddleware;
}

export { GatewayConfigError, compileGateway } from '@gw/node-http';
export type { GatewayOptions } from '@gw/node-http';
