// Mastra's MCPClient (@mastra/mcp): tools namespaced by the configured server name ("peer_add"),
// shown here under the name the server listed; a name it did not list is called through a tool
// rebuilt with toolFromDefinition, as a worker with a cached catalog would.
import { MCPClient } from '@mastra/mcp';

export const label = 'mastra';
const SERVER = 'peer';

export async function open({ url, headers }) {
  const client = new MCPClient({
    id: `interop-${Math.random().toString(36).slice(2)}`,
    servers: { [SERVER]: { url: new URL(url), requestInit: { headers }, timeout: 20_000 } },
    timeout: 20_000,
  });
  let tools = {};
  return {
    async listTools() {
      const { tools: found, errors } = await client.listToolsWithErrors();
      if (errors[SERVER]) throw new Error(`listToolsWithErrors: ${errors[SERVER]}`);
      tools = Object.fromEntries(Object.entries(found).map(([name, tool]) => [name.slice(SERVER.length + 1), tool]));
      return Object.keys(tools);
    },
    async call(name, args) {
      const tool = tools[name] ?? await client.toolFromDefinition({
        serverName: SERVER,
        definition: { name, inputSchema: { type: 'object', properties: {} }, server: { name: SERVER } },
      });
      return tool.execute(args, {});
    },
    async listResources() {
      const { resources, errors } = await client.resources.listWithErrors();
      if (errors[SERVER]) throw new Error(`resources.listWithErrors: ${errors[SERVER]}`);
      return (resources[SERVER] ?? []).map((r) => r.uri);
    },
    readResource: (uri) => client.resources.read(SERVER, uri),
    async listPrompts() {
      const { prompts, errors } = await client.prompts.listWithErrors();
      if (errors[SERVER]) throw new Error(`prompts.listWithErrors: ${errors[SERVER]}`);
      return (prompts[SERVER] ?? []).map((p) => p.name);
    },
    getPrompt: (name, args) => client.prompts.get({ serverName: SERVER, name, args }),
    close: () => client.disconnect(),
  };
}
