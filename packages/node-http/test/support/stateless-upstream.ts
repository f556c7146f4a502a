/**
 * A stateless (2026-07-28) upstream for tests: the official 2.x SDK server (createMcpHandler,
 * legacy requests refused) on node:http at http://127.0.0.1:<port>/mcp. Tools `echo`, `ask` (an
 * input_required elicitation round) and `grow` (adds tool `fresh` and announces the change to
 * every subscriptions/listen), prompt `hello`, resource `modern://readme`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { acceptedContent, createMcpHandler, inputRequired, McpServer } from '@modelcontextprotocol/server';
import * as z from 'zod/v4';

export interface StatelessUpstream {
  url: string;
  /** Every JSON-RPC method received, with the Mcp-Method and Mcp-Name headers that came with it. */
  requests: { method: string; mcpMethod: string | undefined; mcpName: string | undefined; logLevel: unknown }[];
  close(): Promise<void>;
}

export async function startStatelessUpstream(): Promise<StatelessUpstream> {
  let grown = false;
  const handler: ReturnType<typeof createMcpHandler> = createMcpHandler(
    () => {
      const server = new McpServer({ name: 'modern', version: '1.0.0' }, { instructions: 'Use modern for modern things.' });
      server.registerTool('echo', { description: 'echo', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({ content: [{ type: 'text', text: `modern echo ${text}` }] }));
      server.registerTool('ask', { description: 'asks the client for a name', inputSchema: z.object({}) }, async (_args, ctx) => {
        const got = acceptedContent(ctx.mcpReq.inputResponses, 'who', z.object({ who: z.string() }));
        if (!got) return inputRequired({ inputRequests: { who: inputRequired.elicit({ message: 'Who are you?', requestedSchema: z.object({ who: z.string() }) }) } });
        return { content: [{ type: 'text', text: `modern heard ${got.who}` }] };
      });
      server.registerTool('grow', { description: 'adds a tool and announces the change', inputSchema: z.object({}) }, async () => {
        grown = true;
        handler.notify.toolsChanged();
        return { content: [{ type: 'text', text: 'modern grew' }] };
      });
      if (grown) server.registerTool('fresh', { description: 'added by grow', inputSchema: z.object({}) }, async () => ({ content: [{ type: 'text', text: 'modern fresh' }] }));
      server.registerPrompt('hello', { description: 'a greeting', argsSchema: z.object({ who: z.string() }) }, ({ who }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `modern says hello to ${who}` } }] }));
      server.registerResource('readme', 'modern://readme', { mimeType: 'text/plain' }, (uri) => ({ contents: [{ uri: uri.href, text: 'modern readme' }] }));
      return server;
    },
    { legacy: 'reject' },
  );
  const node = toNodeHandler(handler);
  const requests: StatelessUpstream['requests'] = [];
  const http = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        const { method, params } = JSON.parse(text) as { method?: unknown; params?: { _meta?: Record<string, unknown> } };
        const logLevel = params?._meta?.['io.modelcontextprotocol/logLevel'];
        if (typeof method === 'string') requests.push({ method, mcpMethod: req.headers['mcp-method'] as string | undefined, mcpName: req.headers['mcp-name'] as string | undefined, logLevel });
      } catch {
        // not JSON: the handler answers it
      }
    });
    void node(req, res);
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`,
    requests,
    async close() {
      await handler.close?.();
      http.closeAllConnections();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
}
