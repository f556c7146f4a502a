// The gateway options both library examples use: the same object you would write as YAML for
// the CLI (compare examples/demo/config.yml).
import type { GatewayOptions } from '@gw/core';

/** The API key the example accepts (tenant `demo`, client `cli`). */
export const DEMO_API_KEY = 'demo-key';

/**
 * The gateway configuration: the same object you would write as YAML for the CLI.
 * Everything not written here takes its default (see docs/configuration.md).
 */
export function demoGatewayOptions(upstreamUrl: string): GatewayOptions {
  return {
    auth: {
      mode: 'apiKey',
      apiKeys: [{ id: 'demo-cli', key: DEMO_API_KEY, tenant: 'demo', client: 'cli' }],
    },
    policy: {
      // Deny by default, so the rule below is what opens the door, and only for tenant demo.
      default: 'deny',
      rules: [
        {
          description: 'the demo tenant may do everything',
          subject: { tenant: 'demo' },
          // A pattern that is exactly `*` matches every name, `/` and `://` included.
          allow: { methods: ['*'], tools: ['*'], resources: ['*'], prompts: ['*'] },
        },
      ],
    },
    // Counters live in memory (the default store), per tenant, client and method.
    rateLimit: { defaultRpm: 600, byMethod: { 'tools/call': 120 } },
    upstreams: [{ name: 'demo', url: upstreamUrl, timeoutMs: 10_000 }],
    // One upstream needs no rules; this one is spelled out to show where routing goes.
    routing: [{ match: { method: '*' }, upstream: 'demo' }],
  };
}
