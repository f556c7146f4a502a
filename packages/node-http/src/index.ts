// @gw/node-http: the gateway's data plane for node:http.

export { createGateway } from './create-gateway.js';
export type { Gateway, GatewayContext } from './create-gateway.js';
export type { HealthReport, UpstreamHealth } from './health.js';
export { GATEWAY_NAME, GATEWAY_VERSION } from './version.js';

// The options and decisions the handler is built on, so one import serves most users.
export { compileGateway, GatewayConfigError } from '@gw/core';
export type { GatewayOptions, ResolvedOptions, CompiledGateway } from '@gw/core';
