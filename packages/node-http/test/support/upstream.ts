/**
 * A real MCP upstream for tests: the official SDK 1.x server (McpServer + StreamableHTTPServerTransport)
 * on a plain node:http server at http://127.0.0.1:<port>/mcp.
 *
 * Tools and prompts are served through `McpServer.server.setRequestHandler` with hand-written JSON Schemas
 * rather than `registerTool`/`registerPrompt`: those need zod schemas, and zod is not a dependency this
 * package can resolve (pnpm keeps the SDK's own copy private). Resources use `registerResource` as usual.
 *
 * Limits that follow from the MCP transport, not from this fixture:
 * - `N.progress` notifications and the `N.sample` server-to-client request travel on the tool call's SSE
 *   stream, so they need SSE answers (`jsonResponse: false`); with JSON answers the SDK drops them.
 * - `N.sample` also needs stateful mode: the client's answer comes back in a new POST, which a stateless
 *   upstream hands to a fresh server that never sent the request.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  CreateMessageResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListToolsRequestSchema,
  McpError,
  isInitializeRequest,
  isJSONRPCRequest,
} from '@modelcontextprotocol/sdk/types.js';
import type { CallToolResult, Prompt, RequestId, ServerNotification, ServerRequest, Tool } from '@modelcontextprotocol/sdk/types.js';
import type { RequestHandlerExtra } from '@modelcontextprotocol/sdk/shared/protocol.js';
import { OrderedEventStore } from './event-store.js';

export interface UpstreamFixtureOptions {
  /** Prefixes tool and prompt names (`N.add`) and is the resource scheme (`N://readme`), so it must be a valid URI scheme. */
  name: string;
  /** If set, a request whose header `name` is not exactly `value` gets HTTP 401 with a JSON-RPC error. */
  requiredHeader?: { name: string; value: string };
  /** Default false: one session per initialize (mcp-session-id). True: no sessions, a new server and transport per request. */
  stateless?: boolean;
  /** Default false: answers are SSE streams. True: the transport's enableJsonResponse. */
  jsonResponse?: boolean;
  /** Default false. True: each session keeps its events (OrderedEventStore), so its streams can be resumed with Last-Event-ID. */
  resumable?: boolean;
}

export interface RecordedRequest {
  method: string;
  /** Path and query as received (e.g. `/mcp`). */
  url: string;
  headers: Record<string, string | string[] | undefined>;
  /** The parsed JSON body, or undefined when there was none or it was not JSON. */
  body: unknown;
}

export interface UpstreamFixture {
  /** http://127.0.0.1:<port>/mcp */
  url: string;
  /** Every HTTP request received, in arrival order, whatever its path or outcome. */
  requests: RecordedRequest[];
  /** Ids of the sessions open now (stateful mode; always empty when stateless). */
  sessionIds(): string[];
  /** Ids of sessions ended by an HTTP DELETE. */
  deletedSessionIds: string[];
  /** `${name}.slow` once per slow call that was cancelled (notifications/cancelled) or whose HTTP request closed early. */
  aborted: string[];
  /** Forgets every session, as a restarted server would: their ids now get 404. */
  dropSessions(): Promise<void>;
  /** Closes every server and transport, then the HTTP server, cutting any sockets still open. */
  close(): Promise<void>;
}

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

/** One McpServer with its transport, plus what the HTTP layer tells it about the requests in flight. */
interface Connection {
  server: McpServer;
  transport: StreamableHTTPServerTransport;
  /** Aborted when the HTTP request that carried the JSON-RPC request with this id closes before its answer is written. */
  httpSignals: Map<RequestId, AbortSignal>;
}

interface Recorder {
  aborted: string[];
}

const objectSchema = (properties: Record<string, { type: string }>): Tool['inputSchema'] => ({
  type: 'object',
  properties,
  required: Object.keys(properties),
});

function numberArg(args: Record<string, unknown> | undefined, key: string): number {
  const value = args?.[key];
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new McpError(ErrorCode.InvalidParams, `argument ${key} must be a number`);
  }
  return value;
}

function stringArg(args: Record<string, unknown> | undefined, key: string): string {
  const value = args?.[key];
  if (typeof value !== 'string') throw new McpError(ErrorCode.InvalidParams, `argument ${key} must be a string`);
  return value;
}

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve(false);
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function createMcpServer(name: string, connection: Pick<Connection, 'httpSignals'>, recorder: Recorder): McpServer {
  const server = new McpServer(
    { name, version: '1.0.0' },
    // Declared up front because tools and prompts are served by low-level handlers (see the file comment).
    { capabilities: { tools: {}, prompts: {}, logging: {} }, instructions: `upstream ${name}` },
  );
  // Lives in this closure, so it is per McpServer: per session when stateful, per request when stateless.
  let counter = 0;

  const tools: Tool[] = [
    { name: `${name}.add`, description: 'a + b', inputSchema: objectSchema({ a: { type: 'number' }, b: { type: 'number' } }) },
    { name: `${name}.echo`, description: 'echoes text', inputSchema: objectSchema({ text: { type: 'string' } }) },
    { name: `${name}.counter`, description: 'per-session call counter', inputSchema: objectSchema({}) },
    { name: `${name}.session`, description: 'the upstream session id', inputSchema: objectSchema({}) },
    { name: `${name}.headers`, description: 'headers of the HTTP request carrying this call', inputSchema: objectSchema({}) },
    {
      name: `${name}.progress`,
      description: 'sends `steps` progress notifications, one every intervalMs; message = Date.now() at sending',
      inputSchema: objectSchema({ steps: { type: 'number' }, intervalMs: { type: 'number' } }),
    },
    { name: `${name}.slow`, description: 'waits ms unless cancelled', inputSchema: objectSchema({ ms: { type: 'number' } }) },
    { name: `${name}.sample`, description: 'asks the client for sampling/createMessage and returns its text', inputSchema: objectSchema({}) },
    { name: `${name}.broadcast`, description: 'sends a log message outside this call (on the GET stream)', inputSchema: objectSchema({ text: { type: 'string' } }) },
  ];

  const calls: Record<string, (args: Record<string, unknown> | undefined, extra: Extra) => Promise<CallToolResult>> = {
    add: async (args) => text(String(numberArg(args, 'a') + numberArg(args, 'b'))),
    echo: async (args) => text(stringArg(args, 'text')),
    counter: async () => text(String(++counter)),
    session: async (_args, extra) => text(extra.sessionId ?? 'none'),
    headers: async (_args, extra) => text(JSON.stringify(extra.requestInfo?.headers ?? {})),
    progress: async (args, extra) => {
      const steps = numberArg(args, 'steps');
      const intervalMs = numberArg(args, 'intervalMs');
      const progressToken = extra._meta?.progressToken;
      for (let step = 1; step <= steps; step++) {
        if (!(await sleep(intervalMs, extra.signal))) break;
        // Without a token the client asked for no progress; the call still takes its time.
        if (progressToken === undefined) continue;
        await extra.sendNotification({
          method: 'notifications/progress',
          params: { progressToken, progress: step, total: steps, message: String(Date.now()) },
        });
      }
      return text('done');
    },
    slow: async (args, extra) => {
      const ms = numberArg(args, 'ms');
      // MCP cancellation fires extra.signal; a dropped HTTP request only shows up at the HTTP layer.
      const httpSignal = connection.httpSignals.get(extra.requestId);
      const signal = httpSignal ? AbortSignal.any([extra.signal, httpSignal]) : extra.signal;
      if (!(await sleep(ms, signal))) recorder.aborted.push(`${name}.slow`);
      return text('slow done');
    },
    broadcast: async (args) => {
      // No related request id: the SDK sends it on the session's standalone (GET) stream.
      await server.server.sendLoggingMessage({ level: 'info', logger: name, data: stringArg(args, 'text') });
      return text('sent');
    },
    sample: async (_args, extra) => {
      // extra.sendRequest ties the request to this call, so it goes out on the call's SSE stream.
      const result = await extra.sendRequest(
        {
          method: 'sampling/createMessage',
          params: { messages: [{ role: 'user', content: { type: 'text', text: `sample from ${name}` } }], maxTokens: 16 },
        },
        CreateMessageResultSchema,
      );
      if (result.content.type !== 'text') throw new McpError(ErrorCode.InternalError, 'sampling answer is not text');
      return text(result.content.text);
    },
  };

  server.server.setRequestHandler(ListToolsRequestSchema, () => ({ tools }));
  server.server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const prefix = `${name}.`;
    const call = request.params.name.startsWith(prefix) ? calls[request.params.name.slice(prefix.length)] : undefined;
    if (!call) throw new McpError(ErrorCode.InvalidParams, `unknown tool ${request.params.name}`);
    return call(request.params.arguments, extra);
  });

  const prompts: Prompt[] = [{ name: `${name}.greet`, description: 'a greeting', arguments: [{ name: 'who', required: true }] }];
  server.server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts }));
  server.server.setRequestHandler(GetPromptRequestSchema, (request) => {
    if (request.params.name !== `${name}.greet`) throw new McpError(ErrorCode.InvalidParams, `unknown prompt ${request.params.name}`);
    const who = stringArg(request.params.arguments, 'who');
    return { messages: [{ role: 'user', content: { type: 'text', text: `Hello, ${who} from ${name}` } }] };
  });

  server.registerResource(`${name}-readme`, `${name}://readme`, { mimeType: 'text/plain' }, (uri) => ({
    contents: [{ uri: uri.href, mimeType: 'text/plain', text: `readme of ${name}` }],
  }));
  server.registerResource(
    `${name}-doc`,
    new ResourceTemplate(`${name}://doc/{id}`, { list: undefined }),
    { mimeType: 'text/plain' },
    (uri, variables) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: `doc ${String(variables.id)} of ${name}` }],
    }),
  );

  return server;
}

function sendJsonError(res: ServerResponse, status: number, code: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code, message } }));
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  // No setEncoding was called, so the stream yields Buffers.
  for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks).toString('utf8');
}

/** Lets a `slow` call see its HTTP request closing early: one signal per JSON-RPC request in the body. */
function watchHttpRequest(connection: Connection, res: ServerResponse, body: unknown): void {
  const ids = (Array.isArray(body) ? body : [body]).filter(isJSONRPCRequest).map((message) => message.id);
  if (ids.length === 0) return;
  const controller = new AbortController();
  for (const id of ids) connection.httpSignals.set(id, controller.signal);
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
    for (const id of ids) if (connection.httpSignals.get(id) === controller.signal) connection.httpSignals.delete(id);
  });
}

export async function startUpstream(options: UpstreamFixtureOptions): Promise<UpstreamFixture> {
  const { name, requiredHeader, stateless = false, jsonResponse = false, resumable = false } = options;
  const requests: RecordedRequest[] = [];
  const deletedSessionIds: string[] = [];
  const recorder: Recorder = { aborted: [] };
  const sessions = new Map<string, Connection>();
  // Every connection not yet closed, with or without a session id, so close() can reach them all.
  const live = new Set<Connection>();

  async function open(): Promise<Connection> {
    const httpSignals = new Map<RequestId, AbortSignal>();
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: stateless ? undefined : randomUUID,
      enableJsonResponse: jsonResponse,
      ...(resumable ? { eventStore: new OrderedEventStore() } : {}),
      onsessioninitialized: (id) => {
        sessions.set(id, connection);
      },
      onsessionclosed: (id) => {
        // The transport calls this only for a DELETE.
        deletedSessionIds.push(id);
      },
    });
    const server = createMcpServer(name, { httpSignals }, recorder);
    const connection: Connection = { server, transport, httpSignals };
    // Set before connect: Protocol.connect chains onto an existing onclose.
    transport.onclose = () => {
      live.delete(connection);
      const id = transport.sessionId;
      if (id !== undefined && sessions.get(id) === connection) sessions.delete(id);
    };
    live.add(connection);
    await server.connect(transport);
    return connection;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    let body: unknown;
    let badJson = false;
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw);
      } catch {
        badJson = true;
      }
    }
    requests.push({ method: req.method ?? '', url: req.url ?? '', headers: { ...req.headers }, body });

    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/mcp') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (requiredHeader && req.headers[requiredHeader.name.toLowerCase()] !== requiredHeader.value) {
      sendJsonError(res, 401, -32001, 'unauthorized');
      return;
    }
    if (req.method === 'POST' && badJson) {
      sendJsonError(res, 400, ErrorCode.ParseError, 'Parse error');
      return;
    }

    if (stateless) {
      // Stateless servers have no session to stream to or delete.
      if (req.method !== 'POST') {
        sendJsonError(res, 405, -32000, 'Method not allowed.');
        return;
      }
      const connection = await open();
      res.once('close', () => {
        void connection.server.close();
      });
      watchHttpRequest(connection, res, body);
      await connection.transport.handleRequest(req, res, body);
      return;
    }

    const header = req.headers['mcp-session-id'];
    const sessionId = typeof header === 'string' ? header : undefined;
    let connection: Connection | undefined;
    if (sessionId !== undefined) {
      connection = sessions.get(sessionId);
      if (!connection) {
        sendJsonError(res, 404, -32001, 'Session not found');
        return;
      }
    } else if (req.method === 'POST' && isInitializeRequest(body)) {
      connection = await open();
    } else {
      sendJsonError(res, 400, -32000, 'Bad Request: No valid session ID provided');
      return;
    }
    if (req.method === 'POST') watchHttpRequest(connection, res, body);
    await connection.transport.handleRequest(req, res, req.method === 'POST' ? body : undefined);
  }

  const httpServer = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJsonError(res, 500, ErrorCode.InternalError, String(error));
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(0, '127.0.0.1', () => {
      httpServer.off('error', reject);
      resolve();
    });
  });
  const { port } = httpServer.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}/mcp`,
    requests,
    sessionIds: () => [...sessions.keys()],
    deletedSessionIds,
    aborted: recorder.aborted,
    async dropSessions() {
      const open = [...sessions.values()];
      sessions.clear();
      await Promise.allSettled(open.map((connection) => connection.server.close()));
    },
    async close() {
      await Promise.allSettled([...live].map((connection) => connection.server.close()));
      await new Promise<void>((resolve) => {
        httpServer.close(() => resolve());
        // Keep-alive and half-open SSE sockets would otherwise hold close() open.
        httpServer.closeAllConnections();
      });
    },
  };
}
