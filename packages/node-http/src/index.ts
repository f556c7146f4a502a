// @gw/node-http: the gateway's data plane for node:http. The handler itself arrives with the
// data-plane work; for now this package re-exports the core decisions it will be built on.
export { compileGateway, GatewayConfigError } from '@gw/core';
export type { GatewayOptions, CompiledGateway } from '@gw/core';
