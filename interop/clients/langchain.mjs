// LangChain's MCP adapters (@langchain/mcp-adapters): MultiServerMCPClient's tools as LangChain
// tools, each run with invoke(); a name it did not list is called on the SDK client it holds.
import { MultiServerMCPClient } from '@langchain/mcp-adapters';

export const label = 'langchain';

export async function open({ url, headers }) {
  const client = new MultiServerMCPClient({
    mcpServers: { peer: { transport: 'http', url, headers, automaticSSEFallback: false } },
    throwOnLoadError: true,
    onConnectionError: 'throw',
  });
  let tools = new Map();
  return {
    async listTools() {
      tools = new Map((await client.getTools()).map((tool) => [tool.name, tool]));
      return [...tools.keys()];
    },
    async call(name, args) {
      if (tools.has(name)) return tools.get(name).invoke(args);
      const sdk = await client.getClient('peer');
      return sdk.callTool({ name, arguments: args });
    },
    listResources: async () => ((await client.listResources('peer')).peer ?? []).map((r) => r.uri),
    readResource: (uri) => client.readResource('peer', uri),
    // The adapters turn tools and resources into LangChain objects, not prompts: those are asked
    // of the SDK client they hold.
    listPrompts: async () => (await (await client.getClient('peer')).listPrompts()).prompts.map((p) => p.name),
    getPrompt: async (name, args) => (await client.getClient('peer')).getPrompt({ name, arguments: args }),
    close: () => client.close(),
  };
}
