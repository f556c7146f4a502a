import type { GatewayOptions } from '@gw/core';

/**
 * The gateway configuration under test: the same object you pass to createGateway() or
 * mcpGateway(), or the parsed form of your config.yml.
 */
export const options: GatewayOptions = {
  auth: {
    mode: 'apiKey',
    apiKeys: [
      { id: 'ide', key: 'ide-key', tenant: 'acme', client: 'ide' },
      { id: 'bot', key: 'bot-key', tenant: 'acme', client: 'support-bot' },
      { id: 'partner', key: 'partner-key', tenant: 'globex', client: 'sync' },
    ],
  },
  rateLimit: { defaultRpm: 600, byMethod: { 'tools/call': 3 } },
  policy: {
    default: 'deny',
    rules: [
      {
        description: 'everyone at acme may list and call math and kb tools',
        subject: { tenant: 'acme' },
        allow: { methods: ['tools/list', 'tools/call'], tools: ['math.*', 'kb.*'] },
      },
      {
        description: 'the support bot may read the knowledge base, but never delete',
        subject: { tenant: 'acme', client: 'support-bot' },
        allow: { methods: ['resources/read'], resources: ['kb://articles/**'] },
        deny: { tools: ['kb.delete*'] },
      },
      {
        description: 'the partner only reads public reports',
        subject: { tenant: 'globex' },
        allow: { methods: ['prompts/get', 'resources/read'], prompts: ['report-*'], resources: ['kb://public/*'] },
      },
    ],
  },
  upstreams: [
    { name: 'math', url: 'http://math.internal:9000/mcp' },
    { name: 'kb', url: 'http://kb.internal:9000/mcp' },
  ],
  routing: [
    { match: { method: 'tools/call', tool: 'math.*' }, upstream: 'math' },
    { match: { method: '*' }, upstream: 'kb' },
  ],
};
