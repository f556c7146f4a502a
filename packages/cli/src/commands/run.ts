import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ResolvedOptions } from '@gw/core';
import { createGateway, createGatewayServer, GatewayConfigError, serverTimeouts, type Gateway, type GatewayOptions } from '@gw/node-http';
import { CONFIG_OPTION, HELP_OPTION, parseCommandArgs, requireConfigPath, UsageError } from '../args.js';
import { auditApplies, createAuditWriter, environmentName } from '../audit.js';
import { EXIT, envValue, type CliIo } from '../io.js';
import { checkConfig, issueProblem, loadConfigFile, type LoadedConfig } from '../load-config.js';
import { accessLogged } from '../access-log.js';
import { createCliLogger, LOG_FORMATS, type CliLogger, type LogFormat } from '../logger.js';
import { connectRedisStore, type RedisRateLimitStore } from '../redis.js';
import { reportLoadFailure, reportProblems } from '../report.js';
import { authority, hideUrlCredentials } from '../url.js';
import { CLI_VERSION } from '../version.js';

/** `mcp-gateway run --help`. */
export const RUN_USAGE = `Usage: mcp-gateway run -c <config.yml>

Starts the gateway on server.host:server.port, the MCP endpoint at server.path, with
GET /healthz and GET /health beside it. Logs and audit events go to stdout: one
human-readable line each on a terminal, JSON lines otherwise (--log-format).
SIGTERM or SIGINT: stop accepting, let requests in progress finish (up to 10 s), exit 0;
a second signal exits at once.

Environment:
  REDIS_URL               rate limits in Redis (shared across instances); unreachable → exit 1
  REDIS_COMMAND_TIMEOUT_MS
                          replaces rateLimit.redisCommandTimeoutMs (ms, default 500)
  RATE_LIMIT_KEY_PREFIX   replaces rateLimit.keyPrefix
  MCP_GATEWAY_SESSION_SECRET
                          replaces sessions.secrets: sealed session ids, served by
                          every replica that has the same secret
  MCP_GATEWAY_SESSION_SECRET_PREVIOUS
                          with the above: the previous secret, still accepted (rotation)
  MCP_GATEWAY_LOG_FORMAT  json or pretty, as --log-format (the option wins)
  MCP_GATEWAY_ENV         the environment audit.environments is matched against
  NODE_ENV                used when MCP_GATEWAY_ENV is not set (then "development")
  \${NAME}                 any variable the configuration's placeholders name

Options:
  -c, --config <file>  the configuration file (YAML)
  -p, --port <port>    listen on this port instead of server.port (0 picks a free one)
  --log-format <json|pretty>
                       JSON lines (for log collectors) or human-readable lines;
                       default: pretty on a terminal, json otherwise
  -h, --help           show this help
`;

/** --log-format, else MCP_GATEWAY_LOG_FORMAT, else pretty on a terminal and JSON lines otherwise. */
function chooseLogFormat(option: string | undefined, io: CliIo): LogFormat {
  const env = envValue(io.env, 'MCP_GATEWAY_LOG_FORMAT');
  const chosen = option ?? env;
  if (chosen === undefined) return io.stdout.isTTY === true ? 'pretty' : 'json';
  if (!(LOG_FORMATS as readonly string[]).includes(chosen)) {
    throw new UsageError(`${option === undefined ? 'MCP_GATEWAY_LOG_FORMAT' : '--log-format'} must be json or pretty, not "${chosen}"`);
  }
  return chosen as LogFormat;
}

/** How long requests in progress may go on after SIGTERM. */
export const DRAIN_MS = 10_000;

/** How long the Redis store may take to connect before start-up fails. */
const REDIS_CONNECT_TIMEOUT_MS = 3_000;

/**
 * `mcp-gateway run -c config.yml`: serves until SIGTERM or SIGINT, then shuts down gracefully
 * and resolves 0. Resolves 1 without serving when the configuration, Redis or the port fails.
 */
export async function runCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const args = parseCommandArgs(argv, { ...CONFIG_OPTION, ...HELP_OPTION, port: { type: 'string', short: 'p' }, 'log-format': { type: 'string' } });
  if (args.help) {
    io.stdout.write(RUN_USAGE);
    return EXIT.OK;
  }
  const file = requireConfigPath(args.config);
  const portOverride = args.port === undefined ? undefined : Number(args.port);
  if (portOverride !== undefined && !(/^\d+$/.test(args.port ?? '') && portOverride <= 65_535)) throw new UsageError(`--port must be a number from 0 to 65535, not "${args.port}"`);
  const logFormat = chooseLogFormat(args['log-format'], io);
  const loaded = await loadConfigFile(file, io.cwd);
  if (!loaded.ok) return reportLoadFailure(loaded, file, io);
  const checked = checkConfig(loaded.config, io.env);
  if (!checked.ok) return reportProblems(file, checked.problems, io);
  const { options } = checked;
  const logger = createCliLogger({ level: options.logging.level, redactKeys: options.logging.redactKeys, sink: io.stdout, format: logFormat });
  const fail = async (message: string): Promise<number> => {
    io.stderr.write(`mcp-gateway: ${message}\n`);
    await logger.flush();
    return EXIT.FAILURE;
  };

  // REDIS_URL set means Redis or nothing: limits kept per process would silently multiply them.
  const redisUrl = envValue(io.env, 'REDIS_URL');
  let redis: RedisRateLimitStore | undefined;
  if (redisUrl !== undefined) {
    try {
      redis = await connectRedisStore({ url: redisUrl, connectTimeoutMs: REDIS_CONNECT_TIMEOUT_MS, commandTimeoutMs: options.rateLimit.redisCommandTimeoutMs });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      return fail(`cannot use Redis (REDIS_URL=${hideUrlCredentials(redisUrl)}): ${reason}. Not starting: with REDIS_URL set, rate limits are never kept in memory instead.`);
    }
  }

  const environment = environmentName(io.env);
  const auditOn = auditApplies(options.audit, environment);
  let gateway: Gateway;
  try {
    // checkConfig accepted exactly this value, so it is GatewayOptions; createGateway validates it again.
    gateway = createGateway(checked.value as GatewayOptions, {
      env: io.env,
      logger,
      ...(redis ? { rateLimitStore: redis } : {}),
      ...(auditOn ? { onAudit: createAuditWriter(logger) } : {}),
    });
  } catch (error) {
    await redis?.close();
    if (error instanceof GatewayConfigError) return reportProblems(file, error.issues.map((issue) => issueProblem(loaded.config, issue)), io);
    throw error;
  }

  const server = createGatewayServer(accessLogged(gateway, logger, options.logging.redactKeys), serverTimeouts(options.server));
  const port = portOverride ?? options.server.port;
  const listening = await listen(server, options.server.host, port);
  if (!listening.ok) {
    await gateway.close({ drainMs: 0 });
    return fail(`cannot listen on ${authority(options.server.host, port)}: ${listening.message}`);
  }
  server.on('error', (error) => logger.error('server error', { error: error.message }));

  const url = `http://${authority(options.server.host, listening.port)}${options.server.path}`;
  logger.always(startupLine(url, options, loaded.config, redisUrl, environment, auditOn), {
    event: 'started',
    url,
    version: CLI_VERSION,
    upstreams: options.upstreams.length,
    rateLimitStore: redisUrl === undefined ? 'memory' : 'redis',
    environment,
    audit: auditOn,
  });

  return waitForSignals(io, logger, async (signal) => {
    logger.always(`${signal}: shutting down, requests in progress get up to ${DRAIN_MS / 1000} s`, { event: 'stopping', signal });
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    await gateway.close({ drainMs: DRAIN_MS });
    // Keep-alive connections that went idle during the drain hold close() open; an answer that
    // just ended may still be leaving its socket, so it gets a moment before the cut.
    server.closeIdleConnections();
    await Promise.race([closed, delay(1_000)]);
    server.closeAllConnections();
    await closed;
    // gateway.close() closed the store already; closing again is a no-op, and keeps this
    // right should the gateway ever stop owning it.
    await redis?.close();
    logger.always('stopped', { event: 'stopped' });
  });
}

/** One sentence with what an operator checks first: where, how many upstreams, which store, audit. */
function startupLine(url: string, options: ResolvedOptions, config: LoadedConfig, redisUrl: string | undefined, environment: string, auditOn: boolean): string {
  const upstreams = `${options.upstreams.length} upstream${options.upstreams.length === 1 ? '' : 's'}`;
  const limits = redisUrl === undefined ? 'rate limits in memory' : `rate limits in Redis at ${hideUrlCredentials(redisUrl)}`;
  let audit: string;
  if (auditOn) audit = `audit on (environment "${environment}")`;
  else if (!options.audit.enabled) audit = 'audit off (audit.enabled is false)';
  else audit = `audit off (environment "${environment}" is not in audit.environments)`;
  const secrets = options.sessions.secrets?.length ?? 0;
  const sessions = secrets === 0 ? '' : `, sealed session ids (${secrets} secret${secrets === 1 ? '' : 's'})`;
  return `mcp-gateway ${CLI_VERSION} listening on ${url} (${config.file}: ${upstreams}, ${limits}${sessions}, ${audit})`;
}

async function listen(server: Server, host: string, port: number): Promise<{ ok: true; port: number } | { ok: false; message: string }> {
  return new Promise((resolve) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const reasons: Record<string, string> = {
        EADDRINUSE: 'the port is in use',
        EACCES: 'permission denied (ports below 1024 need privileges)',
        EADDRNOTAVAIL: 'no such address on this machine',
        ENOTFOUND: 'the host name does not resolve',
      };
      resolve({ ok: false, message: reasons[error.code ?? ''] ?? error.message });
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve({ ok: true, port: (server.address() as AddressInfo).port });
    });
  });
}

/**
 * Resolves with the exit code once `shutdown` has run after the first SIGTERM or SIGINT (0), or
 * at once on a second signal (128 + its number, as a shell reports a signal), or when shutdown
 * overruns its deadline (1).
 */
async function waitForSignals(io: CliIo, logger: CliLogger, shutdown: (signal: NodeJS.Signals) => Promise<void>): Promise<number> {
  const signals = io.signals ?? process;
  return new Promise<number>((resolve) => {
    let stopping = false;
    const finish = (code: number): void => {
      signals.off('SIGTERM', onSignal);
      signals.off('SIGINT', onSignal);
      resolve(code);
    };
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        logger.always(`${signal} again: exiting without waiting`, { event: 'aborted', signal });
        void logger.flush().then(() => finish(128 + (signal === 'SIGINT' ? 2 : 15)));
        return;
      }
      stopping = true;
      // Sessions close after the drain, each bounded to 5 s upstream; past this, give up.
      const deadline = setTimeout(() => {
        logger.always('shutdown did not finish in time; exiting', { event: 'aborted' });
        void logger.flush().then(() => finish(EXIT.FAILURE));
      }, DRAIN_MS + 15_000);
      deadline.unref();
      shutdown(signal).then(
        async () => {
          clearTimeout(deadline);
          await logger.flush();
          finish(EXIT.OK);
        },
        async (error: unknown) => {
          clearTimeout(deadline);
          logger.always('shutdown failed', { event: 'aborted', error: error instanceof Error ? error.message : String(error) });
          await logger.flush();
          finish(EXIT.FAILURE);
        },
      );
    };
    signals.on('SIGTERM', onSignal);
    signals.on('SIGINT', onSignal);
  });
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
