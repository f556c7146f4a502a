// @gw/cli: the mcp-gateway command (run, validate, routes, health), and its pieces for reuse.
export { main, COMMANDS, USAGE } from './cli.js';
export type { Command } from './cli.js';
export { runCommand, RUN_USAGE, DRAIN_MS } from './commands/run.js';
// The gateway's server (with run's timeouts) lives in the data plane; re-exported for existing users.
export { createGatewayServer, SERVER_TIMEOUTS } from '@gw/node-http';
export type { ServerTimeouts } from '@gw/node-http';
export { validateCommand, VALIDATE_USAGE } from './commands/validate.js';
export { routesCommand, ROUTES_USAGE, explainRoute, formatRoutingTable, parseExplainMessage } from './commands/routes.js';
export type { RouteExplanation } from './commands/routes.js';
export { healthCommand, HEALTH_USAGE, formatHealth, healthUrlFrom, healthUrlFromConfig } from './commands/health.js';
export { UsageError } from './args.js';
export { processIo, EXIT } from './io.js';
export type { CliIo, TextSink, SignalSource } from './io.js';
export { loadConfigFile, checkConfig, issueProblem, locate, formatProblem } from './load-config.js';
export type { ConfigProblem, LoadedConfig, LoadResult, CheckResult } from './load-config.js';
export { applyEnvOverrides } from './env-overrides.js';
export { createCliLogger } from './logger.js';
export type { CliLogger, CliLoggerOptions, LogFormat, LogLevel } from './logger.js';
export { auditApplies, createAuditWriter, environmentName } from './audit.js';
export { connectRedisStore, RedisStartError } from './redis.js';
export type { RedisRateLimitStore, RedisStoreOptions } from './redis.js';
export { hideUrlCredentials } from './url.js';
export { summarizeConfig, configWarnings } from './describe-config.js';
export { CLI_VERSION } from './version.js';
