/**
 * The gateway on plain node:http: `createGatewayServer(createGateway(options))`, in front of the
 * bundled demo MCP server, both in this one process. `main.ts` runs it; tests import start().
 */
import { createGateway, createGatewayServer, type Gateway } from '@gw/node-http';
import { startDemoUpstream } from '../demo-upstream/server.js';
import { DEMO_API_KEY, demoGatewayOptions } from '../shared/demo-options.js';
import { listen, stopListening, type RunningExample, type StartOptions } from '../shared/run.js';

export { DEMO_API_KEY };

/** Starts the demo upstream, then the gateway in front of it. */
export async function start({ port = 8080, host = '127.0.0.1' }: StartOptions = {}): Promise<RunningExample> {
  const upstream = await startDemoUpstream({ port: 0 });
  let gateway: Gateway | undefined;
  try {
    // createGateway validates the options and throws GatewayConfigError before anything listens.
    const gw = (gateway = createGateway(demoGatewayOptions(upstream.url)));
    // createGatewayServer: node:http with the gateway's header, request and keep-alive timeouts.
    const server = createGatewayServer(gw);
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
