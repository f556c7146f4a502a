/**
 * An SDK 1.x upstream for federation tests: the low-level Server (every handler hand-written, so
 * names can collide across upstreams on purpose) behind StreamableHTTPServerTransport, stateful,
 * at http://127.0.0.1:<port>/mcp. Every upstream has the same tool names (`search`, `ask`,
 * `sample`, `slow`, `grow`) answering with its own name, so a test sees who answered; `only_<name>`
 * is its own. Prompts `greet` (with argument completion), resources `<name>://readme`, template
 * `<name>://doc/{id}`, subscriptions, logging.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema,
  CompleteRequestSchema,
  CreateMessageResultSchema,
  ElicitResultSchema,
  ErrorCode,
  GetPromptRequestSchema,
  ListPromptsRequestSchema,
  ListResourcesRequestSchema,
  ListResourceTemplatesRequestSchema,
  ListToolsRequestSchema,
  McpError,
  ReadResourceRequestSchema,
  SetLevelRequestSchema,
  SubscribeRequestSchema,
  UnsubscribeRequestSchema,
  isInitializeRequest,
  type CallToolResult,
  type Tool,
} from '@modelcontextprotocol/sdk/types.js';

export interface FederatedUpstreamOptions {
  name: string;
  /** Tools per tools/list page; the rest come with nextCursor. Default: all on one page. */
  pageSize?: number;
  /** Extra tool names this upstream lists (answering with its name). */
  extraTools?: string[];
}

export interface FederatedUpstream {
  name: string;
  url: string;
  /** Every JSON-RPC method received, in order. */
  methods: string[];
  /** Levels set by logging/setLevel. */
  levels: string[];
  /** URIs subscribed to. */
  subscriptions: string[];
  /** `slow` calls that ended by cancellation. */
  cancelled: number;
  close(): Promise<void>;
}

const text = (value: string): CallToolResult => ({ content: [{ type: 'text', text: value }] });
const NO_ARGS: Tool['inputSchema'] = { type: 'object', properties: {} };

export async function startFederatedUpstream(options: FederatedUpstreamOptions): Promise<FederatedUpstream> {
  const { name } = options;
  const record: FederatedUpstream = { name, url: '', methods: [], levels: [], subscriptions: [], cancelled: 0, close: async () => undefined };
  const transports = new Map<string, StreamableHTTPServerTransport>();
  // Tools grow with `grow`, for every session of this upstream alike.
  const toolNames = ['search', 'ask', 'sample', 'slow', 'grow', `only_${name}`, ...(options.extraTools ?? [])];

  const createMcpServer = (): Server => {
    const server = new Server(
      { name, version: '1.0.0' },
      {
        capabilities: { tools: { listChanged: true }, prompts: {}, resources: { subscribe: true }, logging: {}, completions: {} },
        instructions: `Use ${name} for ${name} things.`,
      },
    );
    server.setRequestHandler(ListToolsRequestSchema, (request) => {
      const all: Tool[] = toolNames.map((tool) => ({ name: tool, description: `${tool} of ${name}`, inputSchema: NO_ARGS }));
      const size = options.pageSize ?? all.length;
      const start = request.params?.cursor === undefined ? 0 : Number(request.params.cursor);
      if (!Number.isInteger(start) || start < 0 || start > all.length) throw new McpError(ErrorCode.InvalidParams, 'bad cursor');
      const page = all.slice(start, start + size);
      return start + size < all.length ? { tools: page, nextCursor: String(start + size) } : { tools: page };
    });
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
      const tool = request.params.name;
      if (!toolNames.includes(tool)) throw new McpError(ErrorCode.InvalidParams, `unknown tool ${tool}`);
      switch (tool) {
        case 'ask': {
          const answer = await extra.sendRequest(
            { method: 'elicitation/create', params: { message: `${name} asks your name`, requestedSchema: { type: 'object', properties: { who: { type: 'string' } } } } },
            ElicitResultSchema,
          );
          return text(`${name} heard ${answer.action}:${String(answer.content?.['who'])}`);
        }
        case 'sample': {
          const answer = await extra.sendRequest(
            { method: 'sampling/createMessage', params: { messages: [{ role: 'user', content: { type: 'text', text: `from ${name}` } }], maxTokens: 8 } },
            CreateMessageResultSchema,
          );
          return text(`${name} sampled ${answer.content.type === 'text' ? answer.content.text : '?'}`);
        }
        case 'slow':
          return new Promise<CallToolResult>((resolve) => {
            const timer = setTimeout(() => resolve(text(`${name} slow done`)), 10_000);
            extra.signal.addEventListener('abort', () => {
              clearTimeout(timer);
              record.cancelled++;
              resolve(text('cancelled'));
            });
          });
        case 'grow': {
          toolNames.push(`fresh_${name}`);
          await server.sendToolListChanged();
          return text(`${name} grew`);
        }
        default:
          return text(`${tool} of ${name}`);
      }
    });
    server.setRequestHandler(ListPromptsRequestSchema, () => ({ prompts: [{ name: 'greet', description: `greeting of ${name}`, arguments: [{ name: 'who', required: true }] }] }));
    server.setRequestHandler(GetPromptRequestSchema, (request) => {
      if (request.params.name !== 'greet') throw new McpError(ErrorCode.InvalidParams, `unknown prompt ${request.params.name}`);
      return { messages: [{ role: 'user', content: { type: 'text', text: `${name} greets ${String(request.params.arguments?.['who'])}` } }] };
    });
    server.setRequestHandler(CompleteRequestSchema, (request) => {
      const ref = request.params.ref;
      const about = ref.type === 'ref/prompt' ? ref.name : ref.uri;
      return { completion: { values: [`${name}:${about}:${request.params.argument.value}`], hasMore: false } };
    });
    server.setRequestHandler(ListResourcesRequestSchema, () => ({ resources: [{ uri: `${name}://readme`, name: 'readme' }] }));
    server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: [{ uriTemplate: `${name}://doc/{id}`, name: 'doc' }] }));
    server.setRequestHandler(ReadResourceRequestSchema, (request) => ({ contents: [{ uri: request.params.uri, text: `${name} reads ${request.params.uri}` }] }));
    server.setRequestHandler(SubscribeRequestSchema, async (request) => {
      record.subscriptions.push(request.params.uri);
      // Tell the subscriber at once that it changed, so a test sees the notification come back.
      setTimeout(() => void server.sendResourceUpdated({ uri: request.params.uri }).catch(() => undefined), 50);
      return {};
    });
    server.setRequestHandler(UnsubscribeRequestSchema, () => ({}));
    server.setRequestHandler(SetLevelRequestSchema, (request) => {
      record.levels.push(request.params.level);
      return {};
    });
    return server;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const text = Buffer.concat(chunks).toString('utf8');
    const body: unknown = text === '' ? undefined : JSON.parse(text);
    for (const message of Array.isArray(body) ? body : body === undefined ? [] : [body]) {
      const method = (message as { method?: unknown }).method;
      if (typeof method === 'string') record.methods.push(method);
    }
    const sessionId = req.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (!transport) {
      if (typeof sessionId === 'string' || !isInitializeRequest(body)) {
        res.writeHead(typeof sessionId === 'string' ? 404 : 400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'no such session' } }));
        return;
      }
      const created: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => void transports.set(id, created),
        onsessionclosed: (id) => void transports.delete(id),
      });
      transport = created;
      await createMcpServer().connect(transport);
    }
    await transport.handleRequest(req, res, body);
  };

  const http = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  record.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  record.close = async () => {
    await Promise.all([...transports.values()].map((transport) => transport.close().catch(() => undefined)));
    http.closeAllConnections();
    await new Promise<void>((resolve) => http.close(() => resolve()));
  };
  return record;
}
