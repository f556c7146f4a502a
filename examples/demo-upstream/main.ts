// The demo MCP server on its own, for the CLI demo and the Docker example: PORT (default 9000),
// HOST (default 127.0.0.1; 0.0.0.0 inside a container).
import { closeOnSignals, portFromEnv } from '../shared/run.js';
import { startDemoUpstream } from './server.js';

const upstream = await startDemoUpstream({ port: portFromEnv(9000), host: process.env['HOST'] ?? '127.0.0.1' });
console.log(`demo MCP server ready at ${upstream.url}`);
closeOnSignals(() => upstream.close());
