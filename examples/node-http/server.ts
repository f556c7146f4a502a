/**
 * The gateway on plain node:http: `http.createServer(createGateway(options))`, in front of the
 * bundled demo MCP server, both in this one process. `main.ts` runs it; tests import start().
 */
import { createServer } from 'node:http';
import { createGateway, type Gateway, type GatewayOptions } from '@gw/node-http';
import { startDemoUpstream } from '../demo-upstream/server.js';
import { listen, stopListening, type RunningExample, type StartOptions } from '../shared/run.js';

/** The API key the example accepts (tenant `demo`, client `cli`). */
export const DEMO_API_KEY = 'demo-key';

/**
 * The gateway configuration: the same object you would write as YAML for the CLI.
 * Everything not written here takes its default (see docs/configuration.md).
 */
export function gatewayOptions(upstreamUrl: string): GatewayOptions {
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

/** Starts the demo upstream, then the gateway in front of it. */
export async function start({ port = 8080, host = '127.0.0.1' }: StartOptions = {}): Promise<RunningExample> {
  const upstream = await startDemoUpstream({ port: 0 });
  let gateway: Gateway | undefined;
  try {
    // createGateway validates the options and throws GatewayConfigError before anything listens.
    const gw = (gateway = createGateway(gatewayOptions(upstream.url)));
    const server = createServer(gw);
    const origin = `http://${host}:${await listen(server, port, host)}`;
    return {
      url: `${origin}${gw.options.server.path}`,
      origin,
      upstreamUrl: upstream.url,
      async close() {
        // Stop taking connections first, then end sessions (which also ends open SSE streams),
        // and only then stop the upstream, which the gateway's session DELETEs still need.
        const stopped = stopListening(server);
        await gw.close();
        await stopped;
        await upstream.close();
      },
    };
  } catch (error) {
    // E.g. the port is taken: release what was already started.
    await gateway?.close();
    await upstream.close();
    throw error;
  }
}
