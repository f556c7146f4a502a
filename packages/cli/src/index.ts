// @gw/cli: the mcp-gateway command (run, validate, routes, health). The commands arrive with
// the CLI work; the configuration format is already the one @gw/core validates.
export { compileGateway, GatewayConfigError } from '@gw/node-http';
export type { GatewayOptions } from '@gw/node-http';
