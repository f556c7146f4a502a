// A hand-written MCP upstream for tests about the gateway's own behaviour: it does the session
// handshake properly (initialize answered as JSON with an mcp-session-id, notifications → 202,
// DELETE → 200, GET → 405) and hands every tools/call to the test, which decides how (badly) to
// answer. It keeps count of its connections, so a test can see one being closed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface FakeToolCall {
  id: string | number;
  name: string;
  arguments: Record<string, unknown>;
}

export interface FakeMcp {
  /** http://127.0.0.1:<port>/mcp */
  url: string;
  server: Server;
  /** Connections open now. */
  sockets: Set<Socket>;
  /** Every connection ever accepted. */
  connections: number;
  close(): Promise<void>;
}

/** The JSON answer of a successful call with one text item. */
export function textResult(id: string | number, text: string): string {
  return JSON.stringify({ jsonrpc: '2.0', id, result: { content: [{ type: 'text', text }] } });
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the fake on a free loopback port; `onToolCall` answers every tools/call, and
 * `onStreamOrDelete`, when given, every GET and DELETE (instead of 405 and 200).
 */
export async function startFakeMcp(
  onToolCall: (call: FakeToolCall, req: IncomingMessage, res: ServerResponse) => void,
  onStreamOrDelete?: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<FakeMcp> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const server = createServer((req, res) => {
    void (async () => {
      const text = await readText(req);
      if (onStreamOrDelete && (req.method === 'GET' || req.method === 'DELETE')) return onStreamOrDelete(req, res);
      if (req.method === 'DELETE') return void res.writeHead(200).end();
      if (req.method !== 'POST') return void res.writeHead(405, { allow: 'POST, DELETE' }).end();
      let message: { id?: string | number; method?: string; params?: Record<string, unknown> } | undefined;
      try {
        message = JSON.parse(text) as typeof message;
      } catch {
        message = undefined;
      }
      if (message?.method === 'initialize' && message.id !== undefined) {
        const result = { protocolVersion: message.params?.['protocolVersion'] ?? '2025-06-18', capabilities: { tools: {} }, serverInfo: { name: 'fake', version: '1.0.0' } };
        res.writeHead(200, { 'content-type': 'application/json', 'mcp-session-id': 'fake-upstream-session' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result }));
        return;
      }
      if (message?.id === undefined) return void res.writeHead(202).end();
      if (message.method === 'tools/call') {
        const params = message.params ?? {};
        const args = (params['arguments'] ?? {}) as Record<string, unknown>;
        onToolCall({ id: message.id, name: String(params['name']), arguments: args }, req, res);
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: {} }));
    })().catch(() => res.destroy());
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    server,
    sockets,
    get connections() {
      return connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Polls until `check` holds or `timeoutMs` passes; returns whether it held. */
export async function waitUntil(check: () => boolean, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return check();
}

/** The resident set size of a process in bytes, and its peak so far (Linux /proc). */
export async function residentMemory(pid: number): Promise<{ rss: number; peak: number }> {
  const { readFile } = await import('node:fs/promises');
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status);
    if (!match) throw new Error(`no ${name} in /proc/${pid}/status`);
    return Number(match[1]) * 1024;
  };
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}
