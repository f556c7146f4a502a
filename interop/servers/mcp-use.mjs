// mcp-use's MCPServer: stateless, answers requests of either era (2025 sessions without keeping
// state, and revision 2026-07-28). Listens on 127.0.0.1:$PORT/mcp and says so on stderr.
import { MCPServer } from 'mcp-use';
import { z } from 'zod';

const server = new MCPServer({ name: 'interop-mcp-use', version: '1.0.0' });

server.tool(
  { name: 'add', description: 'Adds two numbers', inputSchema: z.object({ a: z.number(), b: z.number() }) },
  async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }] }),
);
server.tool(
  { name: 'echo', description: 'Echoes a message', inputSchema: z.object({ message: z.string() }) },
  async ({ message }) => ({ content: [{ type: 'text', text: `echo: ${message}` }] }),
);
// Denied by the gateway's policy: a client of the gateway must neither see nor call it.
server.tool(
  { name: 'secret', description: 'Tells a secret', inputSchema: z.object({}) },
  async () => ({ content: [{ type: 'text', text: 'the secret is 42' }] }),
);

server.resource(
  { name: 'greeting', uri: 'interop://mcp-use/greeting', mimeType: 'text/plain' },
  async (uri) => ({ contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'hello from mcp-use' }] }),
);

server.prompt(
  { name: 'weather', description: 'Asks for the weather in a city', schema: z.object({ city: z.string() }) },
  async ({ city }) => ({ messages: [{ role: 'user', content: { type: 'text', text: `What's the weather in ${city}?` } }] }),
);

const { port } = await server.listen(Number(process.env.PORT), { host: '127.0.0.1' });
process.stderr.write(`interop-upstream-listening ${port}\n`);
