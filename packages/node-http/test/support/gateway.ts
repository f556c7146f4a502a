import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { GatewayOptions } from '@gw/core';
import { createGateway, type Gateway, type GatewayContext } from '../../src/index.js';

/** A gateway served by node:http on a free loopback port. */
export interface RunningGateway {
  /** The MCP endpoint, e.g. http://127.0.0.1:4567/mcp */
  url: string;
  /** The server's origin, for /health and /healthz. */
  origin: string;
  gateway: Gateway;
  server: Server;
  close(): Promise<void>;
}

export async function startGateway(options: GatewayOptions, context: GatewayContext = {}): Promise<RunningGateway> {
  const gateway = createGateway(options, context);
  const server = createServer(gateway);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}${gateway.options.server.path}`,
    origin,
    gateway,
    server,
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await gateway.close();
      await closed;
    },
  };
}

/**
 * A JSON-RPC POST with the headers an MCP client sends; returns status, headers and parsed body.
 * With `timeoutMs`, a request not answered by then rejects instead of waiting on.
 */
export async function post(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
  timeoutMs?: number,
): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    ...(timeoutMs === undefined ? {} : { signal: AbortSignal.timeout(timeoutMs) }),
  });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** The params of an initialize from a 2025-06-18 client. */
export const INITIALIZE_PARAMS = {
  protocolVersion: '2025-06-18',
  capabilities: {},
  clientInfo: { name: 'raw-test-client', version: '1.0.0' },
};

/** Opens a session with raw HTTP; returns its id. */
export async function openSession(url: string, headers: Record<string, string>): Promise<string> {
  const answer = await post(url, { jsonrpc: '2.0', id: 0, method: 'initialize', params: INITIALIZE_PARAMS }, { accept: 'application/json', ...headers });
  const id = answer.headers.get('mcp-session-id');
  if (answer.status !== 200 || !id) throw new Error(`initialize failed: ${answer.status} ${answer.text}`);
  return id;
}
