/**
 * An existing Express 5 app that gains an MCP endpoint: its own routes and global body parser
 * stay as they are, and `app.use('/mcp', mcpGateway(options))` puts the gateway in front of
 * the bundled demo MCP server. `main.ts` runs it; tests import start().
 */
import { mcpGateway, type McpGatewayMiddleware } from '@gw/express';
import { createGatewayServer, serverTimeouts } from '@gw/node-http';
import express, { type Express } from 'express';
import { startDemoUpstream } from '../demo-upstream/server.js';
import { DEMO_API_KEY, demoGatewayOptions } from '../shared/demo-options.js';
import { listen, stopListening, type RunningExample, type StartOptions } from '../shared/run.js';

export { DEMO_API_KEY };

/** Where the gateway is mounted; `/mcp/healthz` and `/mcp/health` come with it. */
export const MCP_PATH = '/mcp';

/**
 * The app: what an existing service already has (a global JSON body parser, its own API),
 * plus the gateway mounted at {@link MCP_PATH}.
 */
export function createApp(gateway: McpGatewayMiddleware): Express {
  const app = express();
  // Global on purpose: the gateway still gets the MCP body even after a parser consumed the stream.
  app.use(express.json());

  app.get('/api/status', (_req, res) => {
    res.json({ status: 'ok', mcpSessions: gateway.sessionCount });
  });
  app.post('/api/echo', (req, res) => {
    res.json({ received: req.body as unknown });
  });

  app.use(MCP_PATH, gateway);
  return app;
}

/** Starts the demo upstream, then the Express app with the gateway in front of it. */
export async function start({ port = 3000, host = '127.0.0.1' }: StartOptions = {}): Promise<RunningExample> {
  const upstream = await startDemoUpstream({ port: 0 });
  let gateway: McpGatewayMiddleware | undefined;
  try {
    // mcpGateway validates the options and throws GatewayConfigError before anything listens.
    const gw = (gateway = mcpGateway(demoGatewayOptions(upstream.url)));
    // The app owns the server: it gets the gateway's timeouts for slow and idle connections.
    const server = createGatewayServer(createApp(gw), serverTimeouts(gw.options.server));
    const origin = `http://${host}:${await listen(server, port, host)}`;
    return {
      url: `${origin}${MCP_PATH}`,
      origin,
      upstreamUrl: upstream.url,
      async close() {
        // Same order as any app: stop taking connections, end the gateway's sessions (and their
        // streams), then stop the upstream, which the session DELETEs still need.
        const stopped = stopListening(server);
        await gw.close();
        await stopped;
        await upstream.close();
      },
    };
  } catch (error) {
    await gateway?.close();
    await upstream.close();
    throw error;
  }
}
