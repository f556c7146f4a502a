// Vercel AI SDK's MCP client (@ai-sdk/mcp): tools as the AI SDK gives them to a model, each run
// with its own execute(); a name it did not list is called with callTool.
import { createMCPClient } from '@ai-sdk/mcp';

export const label = 'ai-sdk';

export async function open({ url, headers }) {
  const client = await createMCPClient({ transport: { type: 'http', url, headers } });
  let tools = {};
  return {
    async listTools() {
      tools = await client.tools();
      return Object.keys(tools);
    },
    async call(name, args) {
      if (tools[name]) return tools[name].execute(args, { toolCallId: `call-${name}`, messages: [] });
      return client.callTool({ name, arguments: args });
    },
    listResources: async () => (await client.listResources()).resources.map((r) => r.uri),
    readResource: (uri) => client.readResource({ uri }),
    listPrompts: async () => (await client.listPrompts()).prompts.map((p) => p.name),
    getPrompt: (name, args) => client.getPrompt({ name, arguments: args }),
    close: () => client.close(),
  };
}
