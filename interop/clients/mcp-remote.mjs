// mcp-remote: the stdio bridge desktop hosts start to reach a remote server, driven here over
// stdio by the official SDK's client, as such a host would.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

export const label = 'mcp-remote';
const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'node_modules/mcp-remote/dist/proxy.js');

export async function open({ url, headers, log }) {
  // Its token and client-registration store, never the user's ~/.mcp-auth.
  const config = mkdtempSync(join(tmpdir(), 'interop-mcp-remote-'));
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [bin, url, '--transport', 'http-only', '--allow-http', ...Object.entries(headers).flatMap(([k, v]) => ['--header', `${k}:${v}`])],
    env: { PATH: process.env.PATH ?? '', HOME: config, MCP_REMOTE_CONFIG_DIR: config },
    stderr: 'pipe',
  });
  transport.stderr?.on('data', (chunk) => log(`mcp-remote: ${chunk}`));
  const client = new Client({ name: 'interop-mcp-remote-host', version: '1.0.0' });
  await client.connect(transport);
  return {
    async listTools() {
      return (await client.listTools()).tools.map((tool) => tool.name);
    },
    call: (name, args) => client.callTool({ name, arguments: args }),
    listResources: async () => (await client.listResources()).resources.map((r) => r.uri),
    readResource: (uri) => client.readResource({ uri }),
    listPrompts: async () => (await client.listPrompts()).prompts.map((p) => p.name),
    getPrompt: (name, args) => client.getPrompt({ name, arguments: args }),
    async close() {
      await client.close();
      rmSync(config, { recursive: true, force: true });
    },
  };
}
