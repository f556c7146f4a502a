// @gw/express: mcpGateway(options) for app.use('/mcp', ...), a thin layer over @gw/node-http.
// The middleware arrives with the data-plane work.
export { compileGateway, GatewayConfigError } from '@gw/node-http';
export type { GatewayOptions } from '@gw/node-http';
