// An MCP server (official TypeScript SDK, Streamable HTTP) with the tools, resources and prompts the
// conformance suite's server scenarios name, written from the requirements each scenario documents
// (`conformance list --server` names them; each scenario's description spells out what it calls and
// expects). server-everything has other names for most of them, so without this server the suite
// would never make the gateway carry sampling, elicitation, progress, logging, or an SSE stream that
// the server closes mid-call and the client resumes with Last-Event-ID.
//
// Listens on 127.0.0.1:$PORT (0: any free port) and prints `conformance-upstream-listening <port>`.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { answerError, isLoopbackRequest } from './loopback-guard.mjs';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import {
  CallToolRequestSchema, CompleteRequestSchema, CreateMessageResultSchema, ElicitResultSchema, ErrorCode,
  GetPromptRequestSchema, ListPromptsRequestSchema, ListResourceTemplatesRequestSchema, ListResourcesRequestSchema,
  ListToolsRequestSchema, McpError, ReadResourceRequestSchema, SubscribeRequestSchema, UnsubscribeRequestSchema,
} from '@modelcontextprotocol/sdk/types.js';

/** A 1x1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
const WAV = wav(8000, 80);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value) => ({ type: 'text', text: value });
const noArguments = { type: 'object', properties: {} };

const tools = {
  test_simple_text: { description: 'Returns one text item', run: () => ({ content: [text('This is a simple text response for testing.')] }) },
  test_image_content: { description: 'Returns a PNG image', run: () => ({ content: [{ type: 'image', data: PNG, mimeType: 'image/png' }] }) },
  test_audio_content: { description: 'Returns a WAV clip', run: () => ({ content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }] }) },
  test_embedded_resource: {
    description: 'Returns an embedded text resource',
    run: () => ({ content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }] }),
  },
  test_multiple_content_types: {
    description: 'Returns text, an image and a resource',
    run: () => ({
      content: [
        text('Multiple content types test:'),
        { type: 'image', data: PNG, mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
      ],
    }),
  },
  test_error_handling: {
    description: 'Always fails, as a tool result with isError',
    run: () => ({ isError: true, content: [text('This tool intentionally returns an error for testing')] }),
  },
  test_tool_with_logging: {
    description: 'Logs three messages while it runs',
    run: async (_args, extra) => {
      for (const [i, message] of ['Tool execution started', 'Tool processing data', 'Tool execution completed'].entries()) {
        if (i > 0) await sleep(50);
        await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', logger: 'scenario-server', data: message } });
      }
      return { content: [text('Logging tool finished')] };
    },
  },
  test_tool_with_progress: {
    description: 'Reports progress 0, 50 and 100 of 100',
    run: async (_args, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (const [i, progress] of [0, 50, 100].entries()) {
        if (i > 0) await sleep(50);
        if (progressToken !== undefined) await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress, total: 100 } });
      }
      return { content: [text('Progress tool finished')] };
    },
  },
  test_sampling: {
    description: 'Asks the client to sample a message',
    inputSchema: { type: 'object', properties: { prompt: { type: 'string' } }, required: ['prompt'] },
    run: async (args, extra) => {
      const result = await extra.sendRequest({
        method: 'sampling/createMessage',
        params: { messages: [{ role: 'user', content: text(String(args.prompt)) }], maxTokens: 100 },
      }, CreateMessageResultSchema);
      const answer = result.content.type === 'text' ? result.content.text : JSON.stringify(result.content);
      return { content: [text(`LLM response: ${answer}`)] };
    },
  },
  test_elicitation: {
    description: 'Asks the user for a username and an email',
    inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
    run: (args, extra) => elicit(extra, String(args.message), {
      type: 'object',
      properties: {
        username: { type: 'string', description: "User's response" },
        email: { type: 'string', description: "User's email address" },
      },
      required: ['username', 'email'],
    }, 'User response'),
  },
  test_elicitation_sep1034_defaults: {
    description: 'Elicits fields of every primitive type, each with a default',
    run: (_args, extra) => elicit(extra, 'Please review the defaults', {
      type: 'object',
      properties: {
        name: { type: 'string', default: 'John Doe' },
        age: { type: 'integer', default: 30 },
        score: { type: 'number', default: 95.5 },
        status: { type: 'string', enum: ['active', 'inactive', 'pending'], default: 'active' },
        verified: { type: 'boolean', default: true },
      },
    }, 'Elicitation completed'),
  },
  test_elicitation_sep1330_enums: {
    description: 'Elicits the five kinds of enum',
    run: (_args, extra) => elicit(extra, 'Please choose', {
      type: 'object',
      properties: {
        untitledSingle: { type: 'string', enum: ['option1', 'option2', 'option3'] },
        titledSingle: {
          type: 'string',
          oneOf: [{ const: 'value1', title: 'First Option' }, { const: 'value2', title: 'Second Option' }, { const: 'value3', title: 'Third Option' }],
        },
        legacyEnum: { type: 'string', enum: ['opt1', 'opt2', 'opt3'], enumNames: ['Option One', 'Option Two', 'Option Three'] },
        untitledMulti: { type: 'array', items: { type: 'string', enum: ['option1', 'option2', 'option3'] } },
        titledMulti: {
          type: 'array',
          items: { anyOf: [{ const: 'value1', title: 'First Choice' }, { const: 'value2', title: 'Second Choice' }, { const: 'value3', title: 'Third Choice' }] },
        },
      },
    }, 'Elicitation completed'),
  },
  json_schema_2020_12_tool: {
    description: 'Tool with JSON Schema 2020-12 features',
    inputSchema: {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { address: { type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
      properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
      additionalProperties: false,
    },
    run: () => ({ content: [text('ok')] }),
  },
  test_reconnection: {
    description: 'Closes its SSE stream before it answers; the answer waits for the client to resume',
    run: async (_args, extra, transport) => {
      // An event with an id first, so that the client holds a Last-Event-ID even when it announced a
      // protocol version older than 2025-11-25 (which gets no priming event).
      await extra.sendNotification({ method: 'notifications/message', params: { level: 'info', logger: 'scenario-server', data: 'closing the stream' } });
      transport.closeSSEStream(extra.requestId);
      await sleep(100);
      return { content: [text('Reconnection test completed successfully')] };
    },
  },
};

const resources = [
  { uri: 'test://static-text', name: 'static-text', description: 'A static text resource', mimeType: 'text/plain', text: 'This is the content of the static text resource.' },
  { uri: 'test://static-binary', name: 'static-binary', description: 'A static PNG', mimeType: 'image/png', blob: PNG },
  { uri: 'test://watched-resource', name: 'watched-resource', description: 'A resource to subscribe to', mimeType: 'text/plain', text: 'Watched.' },
];
const template = { uriTemplate: 'test://template/{id}/data', name: 'template-data', description: 'Data for an id', mimeType: 'application/json' };

const prompts = {
  test_simple_prompt: { description: 'A prompt without arguments', get: () => [user(text('This is a simple prompt for testing.'))] },
  test_prompt_with_arguments: {
    description: 'A prompt with two arguments',
    arguments: [{ name: 'arg1', description: 'First test argument', required: true }, { name: 'arg2', description: 'Second test argument', required: true }],
    get: (args) => [user(text(`Prompt with arguments: arg1='${args.arg1}', arg2='${args.arg2}'`))],
  },
  test_prompt_with_embedded_resource: {
    description: 'A prompt that embeds a resource',
    arguments: [{ name: 'resourceUri', description: 'URI of the resource to embed', required: true }],
    get: (args) => [
      user({ type: 'resource', resource: { uri: String(args.resourceUri), mimeType: 'text/plain', text: 'Embedded resource content for testing.' } }),
      user(text('Please process the embedded resource above.')),
    ],
  },
  test_prompt_with_image: {
    description: 'A prompt with an image',
    get: () => [user({ type: 'image', data: PNG, mimeType: 'image/png' }), user(text('Please analyze the image above.'))],
  },
};

function user(content) {
  return { role: 'user', content };
}

async function elicit(extra, message, requestedSchema, label) {
  const result = await extra.sendRequest({ method: 'elicitation/create', params: { message, requestedSchema } }, ElicitResultSchema);
  return { content: [text(`${label}: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`)] };
}

/** One MCP server per session, as the SDK's transports expect. */
function createMcpServer(transport) {
  const server = new Server(
    { name: 'conformance-scenario-server', version: '1.0.0' },
    { capabilities: { tools: {}, resources: { subscribe: true }, prompts: {}, logging: {}, completions: {} } },
  );
  const subscriptions = new Set();
  server.setRequestHandler(ListToolsRequestSchema, () => ({
    tools: Object.entries(tools).map(([name, tool]) => ({ name, description: tool.description, inputSchema: tool.inputSchema ?? noArguments })),
  }));
  server.setRequestHandler(CallToolRequestSchema, (request, extra) => {
    const tool = Object.hasOwn(tools, request.params.name) ? tools[request.params.name] : undefined;
    if (!tool) throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${request.params.name}`);
    return tool.run(request.params.arguments ?? {}, extra, transport);
  });
  server.setRequestHandler(ListResourcesRequestSchema, () => ({
    resources: resources.map(({ uri, name, description, mimeType }) => ({ uri, name, description, mimeType })),
  }));
  server.setRequestHandler(ListResourceTemplatesRequestSchema, () => ({ resourceTemplates: [template] }));
  server.setRequestHandler(ReadResourceRequestSchema, (request) => {
    const { uri } = request.params;
    const found = resources.find((r) => r.uri === uri);
    if (found) {
      const { name: _name, description: _description, ...content } = found;
      return { contents: [content] };
    }
    const id = /^test:\/\/template\/([^/]+)\/data$/.exec(uri)?.[1];
    if (id !== undefined) {
      return { contents: [{ uri, mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }] };
    }
    throw new McpError(ErrorCode.InvalidParams, `Unknown resource: ${uri}`);
  });
  server.setRequestHandler(SubscribeRequestSchema, (request) => { subscriptions.add(request.params.uri); return {}; });
  server.setRequestHandler(UnsubscribeRequestSchema, (request) => { subscriptions.delete(request.params.uri); return {}; });
  server.setRequestHandler(ListPromptsRequestSchema, () => ({
    prompts: Object.entries(prompts).map(([name, p]) => ({ name, description: p.description, arguments: p.arguments })),
  }));
  server.setRequestHandler(GetPromptRequestSchema, (request) => {
    const prompt = Object.hasOwn(prompts, request.params.name) ? prompts[request.params.name] : undefined;
    if (!prompt) throw new McpError(ErrorCode.InvalidParams, `Unknown prompt: ${request.params.name}`);
    return { messages: prompt.get(request.params.arguments ?? {}) };
  });
  server.setRequestHandler(CompleteRequestSchema, (request) => {
    const { ref, argument } = request.params;
    const candidates = ref.type === 'ref/prompt' && ref.name === 'test_prompt_with_arguments' ? ['paris', 'park', 'party'] : [];
    const values = candidates.filter((v) => v.startsWith(argument.value));
    return { completion: { values, total: values.length, hasMore: false } };
  });
  return server;
}

/** Keeps every event of a session so that a client can resume any stream from an event id. */
class MemoryEventStore {
  events = [];
  async storeEvent(streamId, message) {
    const eventId = `${streamId}_${this.events.length}`;
    this.events.push({ eventId, streamId, message });
    return eventId;
  }
  async getStreamIdForEventId(eventId) {
    return this.events.find((e) => e.eventId === eventId)?.streamId;
  }
  async replayEventsAfter(lastEventId, { send }) {
    const index = this.events.findIndex((e) => e.eventId === lastEventId);
    if (index < 0) throw new Error(`unknown event id ${lastEventId}`);
    const { streamId } = this.events[index];
    for (const event of this.events.slice(index + 1)) {
      // Priming events ({}) carry no message to replay.
      if (event.streamId === streamId && Object.keys(event.message).length > 0) await send(event.eventId, event.message);
    }
    return streamId;
  }
}

const sessions = new Map();

const http = createServer(async (req, res) => {
  try {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/mcp') return answerError(res, 404, -32600, 'Not found');
    if (!isLoopbackRequest(req)) return answerError(res, 403, -32600, 'Forbidden: Host or Origin is not loopback');
    const sessionId = req.headers['mcp-session-id'];
    if (typeof sessionId === 'string') {
      const transport = sessions.get(sessionId);
      if (!transport) return answerError(res, 404, -32001, 'Session not found');
      return await transport.handleRequest(req, res);
    }
    if (req.method !== 'POST') return answerError(res, 400, -32600, 'Bad Request: Mcp-Session-Id header is required');
    // No session yet: the transport accepts only an initialize request here and answers anything else 400.
    const transport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      eventStore: new MemoryEventStore(),
      retryInterval: 500,
      onsessioninitialized: (id) => { sessions.set(id, transport); },
      onsessionclosed: (id) => { sessions.delete(id); },
    });
    await createMcpServer(transport).connect(transport);
    await transport.handleRequest(req, res);
  } catch (err) {
    if (!res.headersSent) answerError(res, 500, -32603, `Internal error: ${err instanceof Error ? err.message : String(err)}`);
    else res.end();
  }
});

http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stderr.write(`conformance-upstream-listening ${http.address().port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));

/** A mono 16-bit PCM WAV of `samples` silent samples, base64. */
function wav(rate, samples) {
  const data = samples * 2;
  const b = Buffer.alloc(44 + data);
  b.write('RIFF', 0); b.writeUInt32LE(36 + data, 4); b.write('WAVE', 8);
  b.write('fmt ', 12); b.writeUInt32LE(16, 16); b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24); b.writeUInt32LE(rate * 2, 28); b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34);
  b.write('data', 36); b.writeUInt32LE(data, 40);
  return b.toString('base64');
}
