// A stateless MCP server for protocol revision 2026-07-28 (official TypeScript SDK 2.x:
// createMcpHandler with 2025-era requests refused) with the tools, resources and prompts the
// conformance suite's 2026-07-28 server scenarios name (`conformance list --server --requirements
// 2026-07-28`; each scenario's description and checks say what it calls and expects). The names
// follow the suite's own reference servers, so that every required scenario passes against it
// directly and so tests the gateway: server/discover, per-request _meta, input_required rounds
// with sealed requestState, subscriptions/listen with list changes, progress on an SSE answer,
// caching hints, resource-not-found errors.
//
// Listens on 127.0.0.1:$PORT (0: any free port) and prints `conformance-upstream-listening <port>`.
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { answerError, isLoopbackRequest } from './loopback-guard.mjs';
import { toNodeHandler } from '@modelcontextprotocol/node';
import {
  acceptedContent, CLIENT_CAPABILITIES_META_KEY, createMcpHandler, createRequestStateCodec, fromJsonSchema, inputRequired,
  McpServer, ProtocolError, ProtocolErrorCode, ResourceTemplate,
} from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

/** A 1x1 PNG. */
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
/** A WAV header with one silent sample. */
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value) => ({ content: [{ type: 'text', text: value }] });
const noArguments = z.object({});
const askFor = (field, type, message) => inputRequired.elicit({
  message,
  requestedSchema: { type: 'object', properties: { [field]: { type } }, required: [field] },
});

// requestState comes back from the client and is attacker-controlled: it is sealed (HMAC, with a
// per-process key) when minted and checked before a tool runs, so a tampered one is refused with
// -32602 (input-required-result-tampered-state). Every request is served by a fresh server
// instance, so the state is all that survives between rounds.
const requestState = createRequestStateCodec({ key: crypto.getRandomValues(new Uint8Array(32)) });

function createMcpServer() {
  const server = new McpServer(
    { name: 'conformance-scenario-server-2026', version: '1.0.0' },
    {
      capabilities: {
        tools: { listChanged: true },
        resources: { subscribe: true, listChanged: true },
        prompts: { listChanged: true },
        completions: {},
      },
      requestState: { verify: requestState.verify },
    },
  );

  // Content of every type (tools-call-*).
  server.registerTool('test_simple_text', { description: 'Returns one text item' }, async () => text('This is a simple text response for testing.'));
  server.registerTool('test_image_content', { description: 'Returns a PNG image' }, async () => ({ content: [{ type: 'image', data: PNG, mimeType: 'image/png' }] }));
  server.registerTool('test_audio_content', { description: 'Returns a WAV clip' }, async () => ({ content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }] }));
  server.registerTool('test_embedded_resource', { description: 'Returns an embedded text resource' }, async () => ({
    content: [{ type: 'resource', resource: { uri: 'test://embedded-resource', mimeType: 'text/plain', text: 'This is an embedded resource content.' } }],
  }));
  server.registerTool('test_multiple_content_types', { description: 'Returns text, an image and a resource' }, async () => ({
    content: [
      { type: 'text', text: 'Multiple content types test:' },
      { type: 'image', data: PNG, mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'test://mixed-content-resource', mimeType: 'application/json', text: JSON.stringify({ test: 'data', value: 123 }) } },
    ],
  }));
  server.registerTool('test_error_handling', { description: 'Always fails, as a tool result with isError' }, async () => {
    throw new Error('This tool intentionally returns an error for testing');
  });
  // Progress on the call's own (then SSE) answer, only when the request carries a progress token.
  server.registerTool('test_tool_with_progress', { description: 'Reports progress 0, 50 and 100 of 100', inputSchema: noArguments }, async (_args, ctx) => {
    const progressToken = ctx.mcpReq._meta?.progressToken;
    if (progressToken !== undefined) {
      for (const [i, progress] of [0, 50, 100].entries()) {
        if (i > 0) await sleep(50);
        await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress, total: 100, message: `Completed step ${progress} of 100` } });
      }
    }
    return text(String(progressToken ?? 'no-progress-token'));
  });
  server.registerTool('test_tool_with_logging', { description: 'Logs three messages while it runs', inputSchema: noArguments }, async (_args, ctx) => {
    for (const [i, message] of ['Tool execution started', 'Tool processing data', 'Tool execution completed'].entries()) {
      if (i > 0) await sleep(50);
      await ctx.mcpReq.notify({ method: 'notifications/message', params: { level: 'info', data: message } });
    }
    return text('Tool with logging executed successfully');
  });

  // server-stateless: a tool that needs sampling (called without it: -32021), a plain streamed
  // answer, a log gated on the request's _meta logLevel, and triggers for listen streams.
  server.registerTool('test_missing_capability', { description: 'Needs the sampling client capability', inputSchema: noArguments }, async (_args, ctx) => {
    if (ctx.mcpReq.inputResponses?.llm_answer === undefined) {
      return inputRequired({ inputRequests: { llm_answer: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Reply with the single word: pong' } }], maxTokens: 16 }) } });
    }
    return text('sampling round-trip complete');
  });
  server.registerTool('test_streaming_elicitation', { description: 'Answers with result frames only', inputSchema: noArguments }, async () => text('stream observed: result frames only'));
  server.registerTool('test_logging_tool', { description: 'Logs only when the request set a log level', inputSchema: noArguments }, async (_args, ctx) => {
    await ctx.mcpReq.log('info', 'test_logging_tool ran');
    return text('logged through the request-scoped channel');
  });
  server.registerTool('test_trigger_tool_change', { description: 'Announces a tool list change to listen streams', inputSchema: noArguments }, async () => {
    handler.notify.toolsChanged();
    return text('tools_list_changed published');
  });
  server.registerTool('test_trigger_prompt_change', { description: 'Announces a prompt list change to listen streams', inputSchema: noArguments }, async () => {
    handler.notify.promptsChanged();
    return text('prompts_list_changed published');
  });

  // JSON Schema 2020-12 keywords kept verbatim in tools/list (json-schema-2020-12), and an
  // argument mirrored into an Mcp-Param-* header (http-custom-header-server-validation).
  server.registerTool('json_schema_2020_12_tool', {
    description: 'Tool with JSON Schema 2020-12 features',
    inputSchema: fromJsonSchema({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      $defs: { address: { $anchor: 'addressDef', type: 'object', properties: { street: { type: 'string' }, city: { type: 'string' } } } },
      properties: {
        name: { type: 'string' },
        address: { $ref: '#/$defs/address' },
        contactMethod: { type: 'string', enum: ['phone', 'email'] },
        phone: { type: 'string' },
        email: { type: 'string' },
      },
      allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
      if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
      then: { required: ['phone'] },
      else: { required: ['email'] },
      additionalProperties: false,
    }),
  }, async (args) => text(`JSON Schema 2020-12 tool called with: ${JSON.stringify(args)}`));
  server.registerTool('test_x_mcp_header', {
    description: 'Mirrors its region argument into the Mcp-Param-Region header',
    inputSchema: fromJsonSchema({
      type: 'object',
      properties: {
        region: { type: 'string', description: 'mirrored into Mcp-Param-Region', 'x-mcp-header': 'Region' },
        level: { type: 'integer', description: 'not mirrored' },
      },
    }),
  }, async (args) => text(`region=${args.region ?? '<none>'}`));

  // input_required rounds (input-required-result-*): each tool answers input_required until the
  // retry carries what it asked for.
  server.registerTool('test_input_required_result_elicitation', { description: 'Asks for the caller name', inputSchema: noArguments }, async (_args, ctx) => {
    const name = acceptedContent(ctx.mcpReq.inputResponses, 'user_name')?.name;
    if (typeof name !== 'string') return inputRequired({ inputRequests: { user_name: askFor('name', 'string', 'What is your name?') } });
    return text(`Hello, ${name}!`);
  });
  server.registerTool('test_input_required_result_sampling', { description: 'Asks for an LLM completion', inputSchema: noArguments }, async (_args, ctx) => {
    const answer = ctx.mcpReq.inputResponses?.capital_question;
    if (answer === undefined) {
      return inputRequired({ inputRequests: { capital_question: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'What is the capital of France?' } }], maxTokens: 100 }) } });
    }
    return text(`Sampling response: ${typeof answer.content?.text === 'string' ? answer.content.text : JSON.stringify(answer)}`);
  });
  server.registerTool('test_input_required_result_list_roots', { description: 'Asks for the client roots', inputSchema: noArguments }, async (_args, ctx) => {
    const roots = ctx.mcpReq.inputResponses?.client_roots?.roots;
    if (!Array.isArray(roots)) return inputRequired({ inputRequests: { client_roots: inputRequired.listRoots() } });
    return text(`Client exposed ${roots.length} root(s): ${roots.map((root) => root.uri).join(', ')}`);
  });
  server.registerTool('test_input_required_result_request_state', { description: 'Round-trips sealed requestState', inputSchema: noArguments }, async (_args, ctx) => {
    if (acceptedContent(ctx.mcpReq.inputResponses, 'confirm') === undefined) {
      return inputRequired({
        inputRequests: { confirm: askFor('ok', 'boolean', 'Please confirm') },
        requestState: await requestState.mint({ tool: 'request_state', nonce: randomUUID() }),
      });
    }
    if (ctx.mcpReq.requestState() === undefined) throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Invalid requestState: missing');
    return text('state-ok: requestState verified and confirmation received');
  });
  server.registerTool('test_input_required_result_multiple_inputs', { description: 'Asks for elicitation, sampling and roots at once', inputSchema: noArguments }, async (_args, ctx) => {
    const responses = ctx.mcpReq.inputResponses;
    const name = acceptedContent(responses, 'user_name')?.name;
    const greeting = responses?.greeting?.content?.text;
    const roots = responses?.client_roots?.roots;
    if (typeof name !== 'string' || typeof greeting !== 'string' || !Array.isArray(roots)) {
      return inputRequired({
        inputRequests: {
          user_name: askFor('name', 'string', 'What is your name?'),
          greeting: inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a greeting' } }], maxTokens: 50 }),
          client_roots: inputRequired.listRoots(),
        },
        requestState: await requestState.mint({ tool: 'multiple_inputs', nonce: randomUUID() }),
      });
    }
    return text(`${greeting} ${name}: ${roots.length} root(s) visible`);
  });
  // The round lives in the sealed requestState and changes between rounds.
  server.registerTool('test_input_required_result_multi_round', { description: 'Two elicitation rounds', inputSchema: noArguments }, async (_args, ctx) => {
    const state = ctx.mcpReq.requestState();
    const round = state?.tool === 'multi_round' && typeof state.round === 'number' ? state.round : 0;
    if (round === 0) {
      return inputRequired({
        inputRequests: { step1: askFor('name', 'string', 'Step 1: What is your name?') },
        requestState: await requestState.mint({ tool: 'multi_round', round: 1, nonce: randomUUID() }),
      });
    }
    if (round === 1) {
      const name = acceptedContent(ctx.mcpReq.inputResponses, 'step1')?.name ?? 'unknown';
      return inputRequired({
        inputRequests: { step2: askFor('color', 'string', 'Step 2: What is your favorite color?') },
        requestState: await requestState.mint({ tool: 'multi_round', round: 2, name, nonce: randomUUID() }),
      });
    }
    const color = acceptedContent(ctx.mcpReq.inputResponses, 'step2')?.color ?? 'unknown';
    return text(`Multi-round complete: ${String(state?.name ?? 'unknown')} likes ${color}`);
  });
  server.registerTool('test_input_required_result_tampered_state', { description: 'Refuses a tampered requestState', inputSchema: noArguments }, async (_args, ctx) => {
    if (ctx.mcpReq.requestState() !== undefined && acceptedContent(ctx.mcpReq.inputResponses, 'confirm') !== undefined) return text('integrity-ok: requestState verified');
    return inputRequired({
      inputRequests: { confirm: askFor('ok', 'boolean', 'Please confirm') },
      requestState: await requestState.mint({ tool: 'tampered_state', nonce: randomUUID() }),
    });
  });
  // Asks only for kinds of input the request's declared client capabilities cover.
  server.registerTool('test_input_required_result_capabilities', { description: 'Asks only for input the client can give', inputSchema: noArguments }, async (_args, ctx) => {
    if (ctx.mcpReq.inputResponses !== undefined) return text('Capability-aware input requests fulfilled');
    const declared = ctx.mcpReq.envelope?.[CLIENT_CAPABILITIES_META_KEY];
    const inputRequests = {};
    if (declared?.elicitation !== undefined) inputRequests.user_name = askFor('name', 'string', 'What is your name?');
    if (declared?.sampling !== undefined) inputRequests.greeting = inputRequired.createMessage({ messages: [{ role: 'user', content: { type: 'text', text: 'Generate a short greeting' } }], maxTokens: 50 });
    if (declared?.roots !== undefined) inputRequests.client_roots = inputRequired.listRoots();
    if (Object.keys(inputRequests).length === 0) return text('No declared client capability supports an input request');
    return inputRequired({ inputRequests });
  });

  // Resources (resources-*, sep-2164-resource-not-found: the SDK answers an unknown URI itself).
  server.registerResource('static-text', 'test://static-text', { title: 'Static Text Resource', description: 'A static text resource', mimeType: 'text/plain' }, async () => ({
    contents: [{ uri: 'test://static-text', mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
  }));
  server.registerResource('static-binary', 'test://static-binary', { title: 'Static Binary Resource', description: 'A PNG image', mimeType: 'image/png' }, async () => ({
    contents: [{ uri: 'test://static-binary', mimeType: 'image/png', blob: PNG }],
  }));
  server.registerResource('template', new ResourceTemplate('test://template/{id}/data', { list: undefined }), { title: 'Resource Template', description: 'A template with one parameter', mimeType: 'application/json' }, async (uri, { id }) => ({
    contents: [{ uri: uri.toString(), mimeType: 'application/json', text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }) }],
  }));
  server.registerResource('watched-resource', 'test://watched-resource', { title: 'Watched Resource', description: 'A resource to subscribe to', mimeType: 'text/plain' }, async () => ({
    contents: [{ uri: 'test://watched-resource', mimeType: 'text/plain', text: 'Watched resource content' }],
  }));

  // Prompts (prompts-*), one of them asking for input first.
  server.registerPrompt('test_simple_prompt', { title: 'Simple Test Prompt', description: 'A prompt without arguments' }, async () => ({
    messages: [{ role: 'user', content: { type: 'text', text: 'This is a simple prompt for testing.' } }],
  }));
  server.registerPrompt('test_prompt_with_arguments', {
    title: 'Prompt With Arguments',
    description: 'A prompt with two required arguments',
    argsSchema: z.object({ arg1: z.string().describe('First test argument'), arg2: z.string().describe('Second test argument') }),
  }, async ({ arg1, arg2 }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'` } }] }));
  server.registerPrompt('test_prompt_with_embedded_resource', {
    title: 'Prompt With Embedded Resource',
    description: 'A prompt that embeds a resource',
    argsSchema: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
  }, async ({ resourceUri }) => ({
    messages: [
      { role: 'user', content: { type: 'resource', resource: { uri: resourceUri, mimeType: 'text/plain', text: 'Embedded resource content for testing.' } } },
      { role: 'user', content: { type: 'text', text: 'Please process the embedded resource above.' } },
    ],
  }));
  server.registerPrompt('test_prompt_with_image', { title: 'Prompt With Image', description: 'A prompt with an image' }, async () => ({
    messages: [
      { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
      { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
    ],
  }));
  // A prompt registered without arguments gets the request context as its only argument.
  server.registerPrompt('test_input_required_result_prompt', { title: 'Input-required Prompt', description: 'Asks for context before rendering' }, async (ctx) => {
    const context = acceptedContent(ctx.mcpReq.inputResponses, 'user_context')?.context;
    if (typeof context !== 'string') return inputRequired({ inputRequests: { user_context: askFor('context', 'string', 'What context should the prompt use?') } });
    return { messages: [{ role: 'user', content: { type: 'text', text: `Use the following context: ${context}` } }] };
  });

  server.server.setRequestHandler('completion/complete', async () => ({ completion: { values: [], total: 0, hasMore: false } }));
  return server;
}

const handler = createMcpHandler(() => createMcpServer(), { legacy: 'reject', onerror: () => {} });
const node = toNodeHandler(handler);

const http = createServer(async (req, res) => {
  try {
    if (new URL(req.url ?? '/', 'http://localhost').pathname !== '/mcp') return answerError(res, 404, -32600, 'Not found');
    if (!isLoopbackRequest(req)) return answerError(res, 403, -32600, 'Forbidden: Host or Origin is not loopback');
    await node(req, res);
  } catch (err) {
    if (!res.headersSent) answerError(res, 500, -32603, `Internal error: ${err instanceof Error ? err.message : String(err)}`);
    else res.end();
  }
});

http.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stderr.write(`conformance-upstream-listening ${http.address().port}\n`);
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    http.closeAllConnections();
    process.exit(0);
  });
}
