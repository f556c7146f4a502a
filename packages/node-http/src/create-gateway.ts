import type { IncomingMessage, ServerResponse } from 'node:http';
import { compileGateway, type AuditEvent, type CompileContext, type GatewayOptions, type ResolvedOptions } from '@gw/core';
import { createBodyDecoder, deny, ipRangeMatcher, isStatelessVersion, IsoClock } from '@gw/core/internal';
import { createAuditSink } from './ops/audit-trail.js';
import { handleDelete } from './session/delete-session.js';
import { handleGet } from './session/get-stream.js';
import { createHealthProbe } from './http/health.js';
import { GatewayMetrics } from './ops/metrics.js';
import { ReplicaMismatches } from './ops/replica-mismatch.js';
import { closeIdleSession } from './session/idle-sessions.js';
import { SharedSessions } from './state/shared-sessions.js';
import { createOperationalEndpoints } from './http/operational-endpoints.js';
import { createNodeKeyDigest } from './http/key-digest.js';
import { handlePost } from './front.js';
import { HeldAnswers } from './wire/answer.js';
import { closeIfBodyUnread, sendDenial } from './wire/respond.js';
import { adaptLogger, type AppLogger, type GatewayLogger } from './ops/logger.js';
import type { GatewayRuntime } from './runtime.js';
import { SessionSealer } from './state/session-token.js';
import { BridgeSessions } from './state/bridge-sessions.js';
import { ConnectionAuth } from './state/connection-auth.js';
import { ParkedCalls } from './state/parked-calls.js';
import { SessionStore } from './state/sessions.js';
import { SubjectStreams } from './state/stream-slots.js';
import { createUpstreamClient, type UpstreamClient } from './upstream/upstream-client.js';
import { closeSessionUpstreams } from './upstream/upstream-sessions.js';
import { UpstreamFacts } from './upstream/upstream-facts.js';

/** What createGateway needs besides the options. */
export interface GatewayContext extends CompileContext {
  /**
   * Path of the MCP endpoint as `req.url` shows it. Defaults to `server.path`; a framework that
   * strips its mount path (Express) passes `/`. `/healthz` and `/health` are served beside it.
   */
  endpointPath?: string;
  /**
   * Where the gateway logs (upstream failures, bugs): the app's own logger as it is, pino, bunyan,
   * winston or `console`, each line's structured fields kept as fields (`AppLogger`). Defaults to
   * warnings and errors on the console.
   */
  logger?: AppLogger;
  /**
   * Receives one audit event per decided message, after its answer ended. Called outside the
   * request's path: a slow or throwing audit sink never delays or fails a request.
   */
  onAudit?: (event: AuditEvent) => void;
}

const CONSOLE_LOGGER: Readonly<GatewayLogger> = {
  error: (message, meta) => console.error(`mcp-gateway: ${message}`, meta ?? ''),
  warn: (message, meta) => console.warn(`mcp-gateway: ${message}`, meta ?? ''),
  info: () => undefined,
  debug: () => undefined,
};

/** A request handler for node:http (and anything that speaks its req/res), plus its lifecycle. */
export interface Gateway {
  /** Handles one request. Requests for other paths go to `next` when given, else get 404. */
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** The validated options. */
  readonly options: ResolvedOptions;
  /** Client sessions currently held (with sealed session ids: those this replica has cached). */
  readonly sessionCount: number;
  /**
   * Stops serving: new requests get 503; POSTs in progress (streams included) may finish for up
   * to `drainMs` (default 10 s); then sessions end (on the upstreams too, bounded in time), and
   * pools and the rate-limit store close. Close the HTTP server first so no new connections come.
   * With sealed session ids, the upstream sessions the ids carry stay open for the other replicas.
   */
  close(options?: { drainMs?: number }): Promise<void>;
}

/**
 * Builds the gateway's request handler. Options are validated and compiled here, once; a bad
 * option throws GatewayConfigError before anything listens.
 *
 * ```ts
 * http.createServer(createGateway(options)).listen(8080);
 * ```
 */
export function createGateway(options: GatewayOptions, context: GatewayContext = {}): Gateway {
  const core = compileGateway(options, { keyDigest: createNodeKeyDigest(), ...context });
  const resolved = core.options;
  const logger = context.logger ? adaptLogger(context.logger) : CONSOLE_LOGGER;
  const upstreams = new Map<string, UpstreamClient>(resolved.upstreams.map((upstream) => [upstream.name, createUpstreamClient(upstream)]));
  // sessions.secrets: session ids are sealed tokens that every replica sharing the secrets can serve.
  const secrets = resolved.sessions.secrets;
  // Each upstream's URL goes into the ids, so a replica that declares one otherwise tells.
  const sealer = secrets ? new SessionSealer(secrets, resolved.upstreams.map(({ name, url }) => ({ name, url }))) : undefined;
  const metrics = new GatewayMetrics();
  // With a store replicas share (Redis), sealed sessions idle out and end on every replica alike.
  const sharing = SharedSessions.over(context.rateLimitStore);
  const runtime: GatewayRuntime = {
    core,
    auth: new ConnectionAuth(core),
    options: resolved,
    upstreams,
    sessions: new SessionStore(resolved.sessions, (session, scope) => void (scope === 'idle' ? closeIdleSession(runtime, session) : closeSessionUpstreams(runtime, session, scope)), sealer),
    parked: new ParkedCalls(),
    streams: new SubjectStreams(resolved.sessions.maxStreamsPerSubject),
    nextRequestId: 0,
    bridges: new BridgeSessions((subject, version, params) => runtime.sessions.draft(subject, version, params), resolved.sessions, (session) => void closeSessionUpstreams(runtime, session)),
    facts: new UpstreamFacts(),
    decoder: createBodyDecoder(),
    forwarded: { trusted: resolved.server.trustedProxies.length > 0 ? ipRangeMatcher(resolved.server.trustedProxies) : undefined, headers: resolved.server.forwardedHeaders },
    logger,
    audit: createAuditSink(context.onAudit, logger, new IsoClock()),
    storeHealth: () => context.rateLimitStore?.health?.(),
    metrics,
    mismatches: new ReplicaMismatches(logger, metrics),
    shared: sharing && sealer ? new SharedSessions(sharing, resolved.rateLimit.keyPrefix, resolved.sessions.idleTimeoutMs, logger, resolved.sessions.maxSessions) : undefined,
    refreshes: new Map(),
    heldAnswers: new HeldAnswers(),
    inputWaiters: new WeakMap(),
    loggedNamings: new WeakSet(),
    closing: false,
  };
  const endpointPath = context.endpointPath ?? resolved.server.path;
  const operational = createOperationalEndpoints(runtime, createHealthProbe(runtime));
  // POSTs being answered, so close() can let them finish before it ends their sessions: a count
  // (one promise reaction per POST) and, while close() waits, what to call when it reaches zero.
  let answering = 0;
  let drained: (() => void) | undefined;
  const settled = (): void => {
    if (--answering === 0) drained?.();
  };

  const route = (req: IncomingMessage, res: ServerResponse): Promise<void> | 'next' => {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query === -1 ? url : url.slice(0, query);
    if (path !== endpointPath) return operational(req, res, path);
    // Only a POST's body is read; any other method here is answered without reading one.
    if (req.method !== 'POST' || runtime.closing) closeIfBodyUnread(req, res);
    if (runtime.closing) return Promise.resolve(sendDenial(res, deny('UNAVAILABLE', 'the gateway is shutting down'), null));
    switch (req.method) {
      case 'POST': {
        answering++;
        const answer = handlePost(runtime, req, res);
        answer.then(settled, settled);
        return answer;
      }
      case 'GET':
      case 'DELETE': {
        // The stateless revision has no GET stream and no session to delete (subscriptions/listen instead).
        const version = req.headers['mcp-protocol-version'];
        if (typeof version === 'string' && isStatelessVersion(version)) {
          return Promise.resolve(sendDenial(res, deny('METHOD_NOT_ALLOWED', `protocol revision ${version} has no ${req.method}; POST subscriptions/listen for notifications`), null, { allow: 'POST' }));
        }
        return req.method === 'GET' ? handleGet(runtime, req, res) : handleDelete(runtime, req, res);
      }
      default:
        return Promise.resolve(sendDenial(res, deny('METHOD_NOT_ALLOWED', `${req.method ?? 'this method'} is not served; use POST, GET or DELETE`), null, { allow: 'GET, POST, DELETE' }));
    }
  };

  const handler = (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void => {
    let outcome: Promise<void> | 'next';
    try {
      outcome = route(req, res);
    } catch (error) {
      outcome = Promise.reject(error);
    }
    if (outcome === 'next') {
      if (next) next();
      else {
        closeIfBodyUnread(req, res);
        sendDenial(res, deny('NOT_FOUND', `no endpoint at this path; the MCP endpoint is ${endpointPath}`), null);
      }
      return;
    }
    outcome.catch((error: unknown) => {
      logger.error('unexpected error', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
      if (!res.headersSent) sendDenial(res, deny('INTERNAL_ERROR'), null);
      else res.destroy();
    });
  };

  return Object.defineProperties(handler, {
    options: { value: resolved, enumerable: true },
    sessionCount: { get: () => runtime.sessions.size, enumerable: true },
    close: {
      value: async ({ drainMs = 10_000 }: { drainMs?: number } = {}) => {
        if (runtime.closing) return;
        runtime.closing = true;
        if (answering > 0) {
          let timer: NodeJS.Timeout | undefined;
          await new Promise<void>((resolve) => {
            drained = resolve;
            timer = setTimeout(resolve, drainMs);
          });
          clearTimeout(timer);
        }
        runtime.shared?.stop();
        // A sealed session lives on in the other replicas: only what this one opened for itself is closed.
        await Promise.all([
          ...runtime.sessions.drain().map((session) => closeSessionUpstreams(runtime, session, session.sealed ? 'local' : 'all')),
          ...runtime.bridges.drain().map((session) => closeSessionUpstreams(runtime, session)),
        ]);
        await Promise.all([...upstreams.values()].map((client) => client.close()));
        await core.close();
      },
    },
  }) as Gateway;
}
