// What the examples' entry points share: reading PORT, printing how to try the gateway, and
// shutting down cleanly on Ctrl-C. The examples themselves live in their own server.ts.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Where an example listens. */
export interface StartOptions {
  /** TCP port; 0 picks a free one. Each example has its own default. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1. */
  host?: string;
}

/** A running example. */
export interface RunningExample {
  /** The gateway's MCP endpoint, e.g. `http://127.0.0.1:8080/mcp`. */
  url: string;
  /** The server's origin, for health endpoints and the app's own routes. */
  origin: string;
  /** The demo upstream's own endpoint (clients should not call it directly). */
  upstreamUrl: string;
  /** Stops listening, ends the gateway's sessions, then stops the upstream. */
  close(): Promise<void>;
}

/** Protocol version the printed curl example asks for; any version the upstream speaks works. */
const CURL_PROTOCOL_VERSION = '2025-06-18';

/**
 * The port from the PORT environment variable, or `fallback` when it is unset or empty.
 * Exits with a message when PORT is not a port number, rather than listening somewhere unexpected.
 */
export function portFromEnv(fallback: number): number {
  const raw = process.env['PORT']?.trim();
  if (!raw) return fallback;
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || port > 65_535) {
    console.error(`PORT must be a number from 0 to 65535, not ${JSON.stringify(raw)}`);
    process.exit(1);
  }
  return port;
}

/**
 * The text an example prints once it listens. Its first line, `MCP gateway ready at <url>`, is
 * what scripts (and the examples' tests) wait for.
 */
export function readyMessage(url: string, apiKey: string): string {
  const initialize = JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: { protocolVersion: CURL_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'curl', version: '1.0.0' } },
  });
  const callAdd = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'demo.add', arguments: { a: 2, b: 40 } } });
  return [
    `MCP gateway ready at ${url}`,
    '',
    'Open a session (the answer carries an mcp-session-id header):',
    '',
    `  curl -i ${url} \\`,
    `    -H 'x-api-key: ${apiKey}' -H 'content-type: application/json' -H 'accept: application/json' \\`,
    `    -d '${initialize}'`,
    '',
    'Then call a tool in that session:',
    '',
    `  curl ${url} \\`,
    `    -H 'x-api-key: ${apiKey}' -H 'content-type: application/json' -H 'accept: application/json' \\`,
    `    -H 'mcp-protocol-version: ${CURL_PROTOCOL_VERSION}' -H 'mcp-session-id: <id from above>' \\`,
    `    -d '${callAdd}'`,
    '',
    'Press Ctrl-C to stop.',
  ].join('\n');
}

/**
 * Calls `close` once on SIGINT or SIGTERM, then exits. A second signal, or a close that hangs
 * past `timeoutMs`, exits at once: Ctrl-C must always work.
 */
export function closeOnSignals(close: () => Promise<void>, timeoutMs = 10_000): void {
  let closing = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (closing) {
      console.error(`${signal} again: exiting without waiting`);
      process.exit(1);
    }
    closing = true;
    console.log(`${signal}: shutting down`);
    setTimeout(() => {
      console.error(`shutdown took over ${timeoutMs} ms: exiting`);
      process.exit(1);
    }, timeoutMs).unref();
    close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** Listens on `port` (0 = a free one) and `host`; resolves with the port actually bound. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Stops accepting connections and resolves once the open ones are done. Requests in flight get
 * `graceMs` to finish; after that the remaining connections (long-lived SSE streams, mostly)
 * are cut, so shutdown never waits on a client that keeps a stream open.
 */
export async function stopListening(server: Server, graceMs = 2_000): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  try {
    await closed;
  } finally {
    clearTimeout(timer);
  }
}
