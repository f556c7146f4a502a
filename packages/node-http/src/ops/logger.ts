/**
 * The logging the gateway needs; winston's logger is one. It lives here, low in the graph, and not
 * in create-gateway.ts: every room logs, and none may import the composition root above it.
 */
export interface GatewayLogger {
  error(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  debug(message: string, meta?: Record<string, unknown>): void;
}
