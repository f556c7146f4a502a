// Mastra's MCPServer (@mastra/mcp 2.x): stateless, speaks revision 2026-07-28 only, mounted in a
// node:http server on 127.0.0.1:$PORT/mcp. Says so on stderr when it listens.
import { createServer } from 'node:http';
import { createTool } from '@mastra/core/tools';
import { MCPServer } from '@mastra/mcp';
import { z } from 'zod';

const add = createTool({
  id: 'add',
  description: 'Adds two numbers',
  inputSchema: z.object({ a: z.number(), b: z.number() }),
  execute: async ({ a, b }) => String(a + b),
});
const echo = createTool({
  id: 'echo',
  description: 'Echoes a message',
  inputSchema: z.object({ message: z.string() }),
  execute: async ({ message }) => `echo: ${message}`,
});
// Denied by the gateway's policy: a client of the gateway must neither see nor call it.
const secret = createTool({
  id: 'secret',
  description: 'Tells a secret',
  inputSchema: z.object({}),
  execute: async () => 'the secret is 42',
});

const GREETING = 'interop://mastra/greeting';
const resources = {
  listResources: async () => [{ uri: GREETING, name: 'greeting', mimeType: 'text/plain' }],
  getResourceContent: async ({ uri }) => {
    if (uri !== GREETING) throw new Error(`Resource not found: ${uri}`);
    return { text: 'hello from mastra' };
  },
};

const prompts = {
  listPrompts: async () => [{ name: 'weather', description: 'Asks for the weather in a city', arguments: [{ name: 'city', required: true }] }],
  getPromptMessages: async ({ name, args }) => {
    if (name !== 'weather') throw new Error(`Prompt not found: ${name}`);
    return [{ role: 'user', content: { type: 'text', text: `What's the weather in ${args?.city}?` } }];
  },
};

const server = new MCPServer({ id: 'interop-mastra', name: 'interop-mastra', version: '1.0.0', tools: { add, echo, secret }, resources, prompts });

const http = createServer((req, res) => {
  server.startHTTP({ url: new URL(req.url ?? '/', `http://${req.headers.host ?? '127.0.0.1'}`), httpPath: '/mcp', req, res }).catch((err) => {
    process.stderr.write(`mastra: ${err?.stack ?? err}\n`);
    if (!res.headersSent) res.writeHead(500).end();
  });
});
http.listen(Number(process.env.PORT), '127.0.0.1', () => {
  process.stderr.write(`interop-upstream-listening ${http.address().port}\n`);
});
