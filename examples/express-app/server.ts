/**
 * An existing Express 5 app that gains an MCP endpoint, set up as a production app would be
 * (docs/express.md walks through each point): behind a reverse proxy (`trust proxy`), helmet's
 * security headers, CORS for a browser client, the gateway mounted before the app's body
 * parsers, the app's own pino logger given to the gateway, and `close()` on shutdown. The
 * gateway sits in front of the bundled demo MCP server. `main.ts` runs it; tests import start().
 */
import { mcpGateway, type GatewayOptions, type McpGatewayMiddleware } from '@gw/express';
import { createGatewayServer, serverTimeouts } from '@gw/node-http';
import cors from 'cors';
import express, { type Express } from 'express';
import helmet from 'helmet';
import pino, { type DestinationStream, type Logger } from 'pino';
import { startDemoUpstream } from '../demo-upstream/server.js';
import { DEMO_API_KEY, demoGatewayOptions } from '../shared/demo-options.js';
import { listen, stopListening, type RunningExample, type StartOptions } from '../shared/run.js';

export { DEMO_API_KEY };

/** Where the gateway is mounted; `/mcp/healthz` and `/mcp/health` come with it. */
export const MCP_PATH = '/mcp';

/** The page a browser MCP client runs on (a local dev server here): CORS and the gateway both admit it. */
export const BROWSER_ORIGIN = 'http://localhost:5173';

/** The public name the reverse proxy in front of the app serves it under. */
export const PUBLIC_HOST = 'mcp.example.com';

/** The app's own JSON body limit: its routes take small bodies; the gateway has its own (server.maxBodyBytes). */
export const APP_BODY_LIMIT = '100kb';

/**
 * What a browser MCP client sends and must read: the credential, the session and protocol
 * headers, and `Last-Event-ID` to resume a stream; it reads the session id and, on a 401,
 * `WWW-Authenticate`.
 */
const MCP_CORS = cors({
  origin: [BROWSER_ORIGIN],
  methods: ['GET', 'POST', 'DELETE'],
  allowedHeaders: ['content-type', 'accept', 'authorization', 'x-api-key', 'mcp-session-id', 'mcp-protocol-version', 'last-event-id'],
  exposedHeaders: ['mcp-session-id', 'mcp-protocol-version', 'www-authenticate'],
  maxAge: 600,
});

/** The gateway's options: the demo's, plus what this app's place in the network needs. */
export function gatewayOptions(upstreamUrl: string): GatewayOptions {
  return {
    ...demoGatewayOptions(upstreamUrl),
    server: {
      // The Host names requests may carry: the public one (forwarded by the proxy, which
      // `trust proxy` lets the gateway believe) and the loopback ones for direct local use.
      allowedHosts: [PUBLIC_HOST, 'localhost', '127.0.0.1'],
      // The same origin CORS admits: CORS tells the browser what it may read, this is what the gateway takes.
      allowedOrigins: [BROWSER_ORIGIN],
    },
  };
}

/**
 * The app: what an existing service already has (its own API, a JSON body parser, a logger),
 * with the gateway mounted at {@link MCP_PATH}. Order matters; each step says why.
 */
export function createApp(gateway: McpGatewayMiddleware, logger: Logger): Express {
  const app = express();
  // 1. A reverse proxy on the same machine terminates TLS and forwards X-Forwarded-*: the app
  //    (req.ip, req.hostname) and the gateway (Host and Origin checks, audit clientAddress)
  //    believe them from loopback only; from anyone else they change nothing.
  app.set('trust proxy', 'loopback');
  // 2. Security headers on every answer, the gateway's included.
  app.use(helmet());
  // 3. CORS for the MCP endpoint only: answers preflights, and marks what a page may read.
  app.use(MCP_PATH, MCP_CORS);
  // 4. The gateway before any body parser: it authenticates on the headers before it reads a
  //    byte of the body, and applies its own limit (server.maxBodyBytes, 4 MiB by default).
  app.use(MCP_PATH, gateway);
  // 5. The app's own body parser, with the app's own limit, for the app's own routes.
  app.use(express.json({ limit: APP_BODY_LIMIT }));

  app.get('/api/status', (req, res) => {
    res.json({ status: 'ok', mcpSessions: gateway.sessionCount, client: req.ip });
  });
  app.post('/api/echo', (req, res) => {
    res.json({ received: req.body as unknown });
  });
  app.use((error: unknown, _req: express.Request, res: express.Response, next: express.NextFunction) => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: unknown }).status;
    logger.warn({ err: error }, 'request failed');
    res.status(typeof status === 'number' ? status : 500).json({ error: error instanceof Error ? error.message : 'error' });
  });
  return app;
}

/** What the Express example takes besides the port: where its pino logger writes (stdout by default). */
export interface ExpressExampleOptions extends StartOptions {
  logDestination?: DestinationStream;
}

/** Starts the demo upstream, then the Express app with the gateway in front of it. */
export async function start({ port = 3000, host = '127.0.0.1', logDestination }: ExpressExampleOptions = {}): Promise<RunningExample> {
  const upstream = await startDemoUpstream({ port: 0 });
  // The app's logger, as it is: the gateway logs through it with its fields kept as fields.
  const logger = pino({ base: { app: 'express-example' } }, logDestination ?? pino.destination(1));
  let gateway: McpGatewayMiddleware | undefined;
  try {
    // mcpGateway validates the options and throws GatewayConfigError before anything listens.
    const gw = (gateway = mcpGateway(gatewayOptions(upstream.url), {
      logger,
      // One log line per decided message, in the app's own log (a store of its own works as well).
      onAudit: (event) => logger.info({ audit: event }, 'mcp audit'),
    }));
    // The app owns the server: it gets the gateway's timeouts for slow and idle connections.
    const server = createGatewayServer(createApp(gw, logger), serverTimeouts(gw.options.server));
    const origin = `http://${host}:${await listen(server, port, host)}`;
    return {
      url: `${origin}${MCP_PATH}`,
      origin,
      upstreamUrl: upstream.url,
      async close() {
        // Same order as any app: stop taking connections, let the gateway's calls in progress
        // finish and end its sessions (and their streams), then stop the upstream, which the
        // session DELETEs still need.
        const stopped = stopListening(server);
        await gw.close();
        await stopped;
        await upstream.close();
        logger.flush();
      },
    };
  } catch (error) {
    await gateway?.close();
    await upstream.close();
    throw error;
  }
}
