// FastMCP (fastmcp on npm) over Streamable HTTP: a session-based server of the 2025 revisions.
// Listens on 127.0.0.1:$PORT/mcp and says so on stderr when it does.
import { FastMCP } from 'fastmcp';
import { z } from 'zod';

const port = Number(process.env.PORT);
const server = new FastMCP({ name: 'interop-fastmcp', version: '1.0.0' });

server.addTool({
  name: 'add',
  description: 'Adds two numbers',
  parameters: z.object({ a: z.number(), b: z.number() }),
  execute: async ({ a, b }) => String(a + b),
});
server.addTool({
  name: 'echo',
  description: 'Echoes a message',
  parameters: z.object({ message: z.string() }),
  execute: async ({ message }) => `echo: ${message}`,
});
// Denied by the gateway's policy: a client of the gateway must neither see nor call it.
server.addTool({
  name: 'secret',
  description: 'Tells a secret',
  parameters: z.object({}),
  execute: async () => 'the secret is 42',
});

server.addResource({
  uri: 'interop://fastmcp/greeting',
  name: 'greeting',
  mimeType: 'text/plain',
  load: async () => ({ text: 'hello from fastmcp' }),
});

server.addPrompt({
  name: 'weather',
  description: 'Asks for the weather in a city',
  arguments: [{ name: 'city', required: true }],
  load: async ({ city }) => `What's the weather in ${city}?`,
});

await server.start({ transportType: 'httpStream', httpStream: { host: '127.0.0.1', port, endpoint: '/mcp' } });
process.stderr.write(`interop-upstream-listening ${port}\n`);
