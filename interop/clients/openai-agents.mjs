// OpenAI Agents SDK (@openai/agents-core): MCPServerStreamableHttp, as an agent uses it.
import { MCPServerStreamableHttp } from '@openai/agents-core';

export const label = 'openai-agents';

export async function open({ url, headers }) {
  const server = new MCPServerStreamableHttp({ url, name: 'peer', requestInit: { headers }, clientSessionTimeoutSeconds: 20 });
  await server.connect();
  return {
    async listTools() {
      return (await server.listTools()).map((tool) => tool.name);
    },
    call: (name, args) => server.callTool(name, args),
    listResources: async () => (await server.listResources()).resources.map((r) => r.uri),
    readResource: (uri) => server.readResource(uri),
    // MCPServerStreamableHttp has no prompts API: its prompt checks are not run.
    close: () => server.close(),
  };
}
