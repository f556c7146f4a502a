// A CommonJS TypeScript app (its package.json has no "type"), type-checked against the installed
// tarballs under module node16, module nodenext and moduleResolution node10. Each import below
// must resolve to declarations TypeScript accepts in a CommonJS file, down to @gw/core.
import express from 'express';
import { compileGateway, GatewayConfigError, mcpGateway, type GatewayOptions, type McpGatewayMiddleware } from '@gw/express';
import { createGateway, createGatewayServer, type Gateway } from '@gw/node-http';
import { validateOptions, type CheckResult } from '@gw/core';
import { CLI_VERSION, loadConfigFile, type LoadResult } from '@gw/cli';

const options: GatewayOptions = {
  auth: { apiKeys: [{ key: 'k', tenant: 't' }] },
  policy: { default: 'allow' },
  upstreams: [{ name: 'up', url: 'http://127.0.0.1:9/mcp' }],
};

const app = express();
app.use(express.json());
const middleware: McpGatewayMiddleware = mcpGateway(options);
app.use('/mcp', middleware);

const gateway: Gateway = createGateway(options);
const server = createGatewayServer(gateway);
const valid: boolean = validateOptions(options).ok;
const version: string = CLI_VERSION;

export async function decide(): Promise<CheckResult> {
  const loaded: LoadResult = await loadConfigFile('config.yml', process.cwd());
  if (!loaded.ok) throw new GatewayConfigError([]);
  return compileGateway(options).check({ apiKey: 'k', message: { jsonrpc: '2.0', id: 1, method: 'tools/list' } });
}

export { app, server, valid, version };
