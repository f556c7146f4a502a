// The same packages from an ES module of the same app (the "import" condition's declarations).
import express from 'express';
import { mcpGateway, type GatewayOptions } from '@gw/express';
import { createGateway } from '@gw/node-http';
import { compileGateway } from '@gw/core';
import { CLI_VERSION } from '@gw/cli';

const options: GatewayOptions = { upstreams: [{ name: 'up', url: 'http://127.0.0.1:9/mcp' }] };
const app = express();
app.use('/mcp', mcpGateway(options));
export const handler = createGateway(options);
export const compiled = compileGateway(options);
export const version: string = CLI_VERSION;
export { app };
