import type { IncomingMessage, ServerResponse } from 'node:http';
import { createAuthenticator, type Authenticator } from '@gw/core';
import { answerLiveness } from './health.js';
import { createNodeKeyDigest } from './key-digest.js';
import { checkSource } from './request-checks.js';
import { closeIfBodyUnread, sendDenial } from '../wire/respond.js';
import type { GatewayRuntime } from '../runtime.js';

/** Answers one of the operational paths, or says it is not one this gateway serves. */
export type OperationalEndpoints = (req: IncomingMessage, res: ServerResponse, path: string) => Promise<void> | 'next';

/**
 * GET (or HEAD) /healthz, /health and /metrics. They pass the same Host and Origin checks as the
 * MCP endpoint, so a page that rebinds its name to the gateway cannot read them. /metrics may be
 * turned off (server.metrics.enabled) or need its own key (server.metrics.keyHash): a client's
 * API key never opens it, since a caller with a key and no rights must learn nothing of others.
 */
export function createOperationalEndpoints(gw: GatewayRuntime, health: (res: ServerResponse) => Promise<void>): OperationalEndpoints {
  const metrics = gw.options.server.metrics;
  const metricsAuth: Authenticator | undefined =
    metrics.keyHash === undefined
      ? undefined
      : createAuthenticator({ mode: 'apiKey', apiKeys: [{ id: 'server.metrics', keyHash: metrics.keyHash.toLowerCase(), tenant: 'metrics', client: 'metrics' }] }, createNodeKeyDigest());
  return (req, res, path) => {
    const metricsPath = path === '/metrics';
    if ((path !== '/healthz' && path !== '/health' && !(metricsPath && metrics.enabled)) || (req.method !== 'GET' && req.method !== 'HEAD')) return 'next';
    closeIfBodyUnread(req, res);
    const source = checkSource(gw, req);
    if (!source.ok) return Promise.resolve(sendDenial(res, source, null));
    if (path === '/healthz') return Promise.resolve(answerLiveness(gw, res));
    if (path === '/health') return health(res);
    if (metricsAuth) {
      const auth = metricsAuth.authenticate(req.headers);
      if (!auth.ok) return Promise.resolve(sendDenial(res, auth, null));
    }
    return Promise.resolve(answerMetrics(gw, res));
  };
}

/**
 * GET /metrics: the counters in Prometheus text format. Here, beside the endpoint that serves it,
 * and not in ops/metrics.ts: it reads the whole gateway (sessions, bridges, upstreams), and the
 * counters sit below the gateway's runtime.
 */
export function answerMetrics(gw: GatewayRuntime, res: ServerResponse): void {
  const body = gw.metrics.render({ sessions: gw.sessions.size, bridgeSessions: gw.bridges.size, upstreams: [...gw.upstreams.keys()] });
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}
