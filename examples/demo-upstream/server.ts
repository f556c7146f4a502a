/**
 * A small MCP server for the examples to sit the gateway in front of: the official SDK 1.x
 * (McpServer + StreamableHTTPServerTransport, stateful) on plain node:http, at `/mcp`.
 *
 * It serves two tools (`demo.add`, `demo.echo`), one resource (`demo://readme`) and one
 * prompt (`demo.greet`), so every kind of MCP request has something to reach.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

/** Where and how to start the demo upstream. */
export interface DemoUpstreamOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Interface to bind; loopback by default, since only the gateway beside it calls it. */
  host?: string;
}

/** A running demo upstream. */
export interface DemoUpstream {
  /** Its MCP endpoint, e.g. `http://127.0.0.1:4567/mcp`. */
  url: string;
  /** Ends every session and stops listening. */
  close(): Promise<void>;
}

const README = `# Demo upstream

This text comes from the demo MCP server behind the gateway.
Try the tools demo.add and demo.echo, and the prompt demo.greet.
`;

/** One McpServer per session: the SDK binds a server to a single transport. */
function createDemoServer(): McpServer {
  const server = new McpServer({ name: 'demo-upstream', version: '1.0.0' });

  server.registerTool(
    'demo.add',
    { description: 'Adds two numbers.', inputSchema: { a: z.number(), b: z.number() } },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
  );

  server.registerTool(
    'demo.echo',
    { description: 'Returns the text it is given.', inputSchema: { text: z.string() } },
    async ({ text }) => ({ content: [{ type: 'text', text }] }),
  );

  server.registerResource('readme', 'demo://readme', { description: 'What this demo serves.', mimeType: 'text/markdown' }, async (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/markdown', text: README }],
  }));

  server.registerPrompt(
    'demo.greet',
    { description: 'Asks the model to greet someone.', argsSchema: { name: z.string() } },
    ({ name }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Say hello to ${name}.` } }] }),
  );

  return server;
}

/** Sends a JSON-RPC error without an id, the way the SDK answers transport-level problems. */
function sendError(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }));
}

/** Reads the whole request body as JSON; the SDK transport takes it pre-parsed. */
async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown;
}

/**
 * Starts the demo MCP server on node:http.
 *
 * ```ts
 * const upstream = await startDemoUpstream({ port: 0 });
 * // ... point the gateway at upstream.url ...
 * await upstream.close();
 * ```
 */
export async function startDemoUpstream({ port = 0, host = '127.0.0.1' }: DemoUpstreamOptions = {}): Promise<DemoUpstream> {
  const sessions = new Map<string, { server: McpServer; transport: StreamableHTTPServerTransport }>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (path !== '/mcp') return sendError(res, 404, 'the MCP endpoint is /mcp');
    const sessionId = req.headers['mcp-session-id'];
    const existing = typeof sessionId === 'string' ? sessions.get(sessionId) : undefined;

    if (req.method !== 'POST') {
      // GET (server stream) and DELETE (end session) only make sense within a session; an
      // unknown id is 404, which tells a client its session is gone.
      if (existing) return existing.transport.handleRequest(req, res);
      return sendError(res, sessionId === undefined ? 400 : 404, sessionId === undefined ? 'missing mcp-session-id' : 'session not found');
    }

    let body: unknown;
    try {
      body = await readJson(req);
    } catch {
      return sendError(res, 400, 'the body is not JSON');
    }
    if (existing) return existing.transport.handleRequest(req, res, body);
    if (sessionId !== undefined) return sendError(res, 404, 'session not found');
    if (!isInitializeRequest(body)) return sendError(res, 400, 'open a session with initialize first');

    const server = createDemoServer();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.set(id, { server, transport });
      },
    });
    transport.onclose = () => {
      if (transport.sessionId) sessions.delete(transport.sessionId);
    };
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      console.error('demo upstream: unexpected error', error);
      if (!res.headersSent) sendError(res, 500, 'internal error');
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => {
      http.off('error', reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;

  return {
    url: `http://${host}:${address.port}/mcp`,
    async close() {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(open.map(({ server }) => server.close()));
      const closed = new Promise<void>((resolve) => http.close(() => resolve()));
      // Idle keep-alive sockets (the gateway's pool) would otherwise hold close() open.
      http.closeAllConnections();
      await closed;
    },
  };
}
