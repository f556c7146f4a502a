// @gw/node-http: the gateway's data plane for node:http.

export { createGateway } from './create-gateway.js';
export type { Gateway, GatewayContext } from './create-gateway.js';
export type { AppLogger, GatewayLogger } from './ops/logger.js';
export { createGatewayServer, serverTimeouts, SERVER_TIMEOUTS } from './gateway-server.js';
export type { ServerTimeouts } from './gateway-server.js';
export type { HealthReport, UpstreamHealth } from './http/health.js';
export { createRedisRateLimitStore } from './stores/redis-rate-limit-store.js';
export type { RedisRateLimitStore, RedisRateLimitStoreOptions } from './stores/redis-rate-limit-store.js';
export { GATEWAY_NAME, GATEWAY_VERSION } from './wire/version.js';

// The options and decisions the handler is built on, so one import serves most users.
export { compileGateway, GatewayConfigError } from '@gw/core';
export type { AuditEvent, GatewayOptions, ResolvedOptions, CompiledGateway } from '@gw/core';
